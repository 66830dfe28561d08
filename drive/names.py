"""What a file or folder may be called: the same rules on every platform a drive reaches."""
from __future__ import annotations

import re

from errors import ValidationError

MAX_NAME = 255
# Windows refuses these as names, with or without an extension ("NUL.txt" too).
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
            *(f"LPT{i}" for i in range(1, 10))}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(name: object) -> str | None:
    """Why `name` cannot name an item, or None when it can."""
    if not isinstance(name, str) or not name.strip():
        return "A name is required"
    if len(name) > MAX_NAME:
        return f"At most {MAX_NAME} characters"
    if name in (".", ".."):
        return "'.' and '..' are not names"
    if "/" in name or "\\" in name:
        return "A name cannot contain '/' or '\\'"
    if _CONTROL.search(name):
        return "A name cannot contain control characters"
    if name != name.strip() or name.endswith("."):
        return "A name cannot start or end with a space or end with a dot"
    if name.split(".", 1)[0].upper() in RESERVED:
        return f"{name.split('.', 1)[0]} is a reserved device name"
    return None


def check_name(name: object, field: str = "name") -> str:
    """`name` when it is valid, else a 422 naming `field`."""
    problem = name_problem(name)
    if problem:
        raise ValidationError.from_fields({field: problem})
    return name  # type: ignore[return-value]
