"""Form helpers shared by the staff and citizen pages."""

from __future__ import annotations

from flask_wtf import FlaskForm

from hotline.domain.errors import InvalidInput


def show_error(form: FlaskForm, exc: InvalidInput) -> None:
    """Put a domain validation error next to its field, so people see it where they typed."""
    field = getattr(form, exc.field or "", None)
    if field is None:
        form.form_errors.append(exc.message)
    else:
        field.errors = [*field.errors, exc.message]
