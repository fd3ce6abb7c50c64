"""The model card: what a model directory claims about itself, read without loading it.

Kept apart from :mod:`classifier.persist` so that checking a directory (the CLI's first step,
the app's model registry) needs neither scikit-learn nor the dictionaries.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from classifier.errors import ModelError

# Format 2 added the nearest-texts vote (classifier.neighbours); a format-1 file is a model
# without one and still loads.
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)
CARD_FILE = "model_card.json"
LIBRARIES = ("numpy", "scipy", "scikit-learn", "jieba", "rjieba", "skops")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for dist in LIBRARIES:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def read_card(directory: str | Path) -> dict[str, Any]:
    """The validated card; ModelError when it is missing, unreadable or incompatible."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelError(f"model directory {directory} does not exist")
    try:
        card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{directory} has no {CARD_FILE}: not a model directory") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{directory / CARD_FILE} is unreadable: {exc}") from None
    if not isinstance(card, dict):
        raise ModelError(f"{directory / CARD_FILE} is not a JSON object")
    if card.get("format_version") not in READABLE_FORMATS:
        raise ModelError(f"model format {card.get('format_version')!r} is not supported "
                         f"(this version reads formats {READABLE_FORMATS}); retrain the model")
    trained_with = str(card.get("libraries", {}).get("scikit-learn", "?"))
    installed = metadata.version("scikit-learn")
    if _major_minor(trained_with) != _major_minor(installed):
        raise ModelError(f"model was made with scikit-learn {trained_with}, this is "
                         f"{installed}; retrain the model")
    return card
