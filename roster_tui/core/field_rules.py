"""Small pure per-field checks shared by the console's profile form (and meant for the importer).

Each returns an error message, or None when the value is fine. Empty optional values are fine.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email

#: Longest value of a free-text roster field.
MAX_TEXT = 256


def _control_chars(value: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in value)


def check_text(value: str, max_len: int = MAX_TEXT, *, required: bool = False) -> str | None:
    """Free text: no control characters, at most ``max_len`` characters; ``required`` means non-blank."""
    if not value.strip():
        return "required" if required else None
    if _control_chars(value):
        return "contains control characters"
    if len(value) > max_len:
        return f"too long ({len(value)} characters, at most {max_len})"
    return None


def check_email(value: str) -> str | None:
    """A syntactically valid email address (no deliverability check)."""
    value = value.strip()
    if not value:
        return "required"
    if _control_chars(value):
        return "contains control characters"
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        return f"not a valid email: {exc}"
    return None


def check_date(value: str, fmt: str | None = None) -> str | None:
    """A date in ISO 8601 (``YYYY-MM-DD``), or in ``fmt`` (a ``strptime`` format) when given."""
    value = value.strip()
    if not value:
        return None
    try:
        if fmt:
            datetime.strptime(value, fmt)
        else:
            date.fromisoformat(value)
    except ValueError:
        return f"not a date in the form {fmt or 'YYYY-MM-DD'}"
    if not fmt and len(value) != 10:
        return "not a date in the form YYYY-MM-DD"
    return None
