"""The translation mark: labels the domain and the label tables declare in Chinese."""

from __future__ import annotations


def N_(label: str) -> str:
    """Marks a label for `make translations`; it stays Chinese here (API, exports, lookups, the
    notices the domain writes) and pages translate it when they show it (hotline.app.i18n.Labels)."""
    return label
