"""Errors the app shows to people: one line, no traceback needed to understand them."""


class ModelError(Exception):
    """A model directory is missing, corrupt, tampered with or made by an incompatible version."""


class TrainingError(ValueError):
    """The training data cannot make a model (mismatched lengths, a single label, ...)."""


class DataError(ValueError):
    """An input file is missing, empty, or lacks the expected columns."""
