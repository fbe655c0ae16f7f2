"""Validation errors said for people: one sentence about the field, not Pydantic's text.

`field_path(("body", "items", 1, "sku"))` is `items[1].sku` (what API clients match on);
`describe(error)` turns one Pydantic error into "SKU (items[1]) is required." The API's
problem details and the console's forms both speak through here, so a person reads the
same sentence wherever they typed the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SOURCES = ("body", "query", "path", "header", "cookie")
ACRONYMS = {
    "id": "ID",
    "ids": "IDs",
    "sku": "SKU",
    "gtin": "GTIN",
    "vat": "VAT",
    "url": "URL",
    "smtp": "SMTP",
    "api": "API",
    "ai": "AI",
    "iban": "IBAN",
}
# Patterns the schemas share, said in words.
PATTERNS = {
    "^[a-z0-9][a-z0-9_-]*$": "lower-case letters, digits, '-' and '_' only, "
    "starting with a letter or a digit",
    "^[a-z][a-z0-9_]*$": "lower-case letters, digits and '_' only, starting with a letter",
}


def field_path(location: Sequence[Any]) -> str:
    """`("body", "items", 1, "sku")` -> `items[1].sku`; the body itself is `body`."""
    parts = list(location)
    if parts and parts[0] in SOURCES and len(parts) > 1:
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def field_label(location: Sequence[Any]) -> str:
    """The field's name in words, with where it sits when nested: "SKU (items[1])"."""
    parts = [p for p in location if not (isinstance(p, str) and p in SOURCES)] or ["body"]
    names = [i for i, p in enumerate(parts) if isinstance(p, str)]
    if not names:
        return f"Item {field_path(parts)}"
    last = names[-1]
    words = " ".join(ACRONYMS.get(w, w) for w in str(parts[last]).split("_") if w)
    label = words[:1].upper() + words[1:]
    if last > 0:
        label += f" ({field_path(parts[:last])})"
    for index in parts[last + 1 :]:  # a value inside a list field: its place, counted from 1
        label += f", item {index + 1}" if isinstance(index, int) else f", {index}"
    return label


def _plural(count: Any, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def describe(error: dict[str, Any], *, body: Any = None) -> str:
    """One Pydantic error as a sentence about its field."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    label = field_label(error.get("loc", ()))
    message = str(error.get("msg", "is not valid"))
    if kind == "json_invalid":
        return _json_position(error, body)
    sentence = {
        "missing": f"{label} is required",
        "extra_forbidden": f"{label} is not a field this request takes",
        "string_type": f"{label} must be text",
        "string_too_short": (
            f"{label} must not be empty"
            if ctx.get("min_length") == 1
            else f"{label} must have at least {_plural(ctx.get('min_length'), 'character')}"
        ),
        "string_too_long": f"{label} must have at most "
        f"{_plural(ctx.get('max_length'), 'character')}",
        "string_pattern_mismatch": f"{label} may contain "
        f"{PATTERNS.get(str(ctx.get('pattern')), 'only the characters its format allows')}",
        "int_parsing": f"{label} must be a whole number",
        "int_type": f"{label} must be a whole number",
        "int_from_float": f"{label} must be a whole number, without decimals",
        "float_parsing": f"{label} must be a number",
        "float_type": f"{label} must be a number",
        "decimal_parsing": f"{label} must be a number",
        "bool_parsing": f"{label} must be true or false",
        "bool_type": f"{label} must be true or false",
        "greater_than_equal": f"{label} must be at least {ctx.get('ge')}",
        "greater_than": f"{label} must be more than {ctx.get('gt')}",
        "less_than_equal": f"{label} must be at most {ctx.get('le')}",
        "less_than": f"{label} must be less than {ctx.get('lt')}",
        "too_short": f"{label} needs at least {_plural(ctx.get('min_length'), 'item')}",
        "too_long": f"{label} takes at most {_plural(ctx.get('max_length'), 'item')}",
        "uuid_parsing": f"{label} must be an ID such as 0b6e3c1a-5d2f-4c8e-9a7b-1f2e3d4c5b6a",
        "uuid_type": f"{label} must be an ID such as 0b6e3c1a-5d2f-4c8e-9a7b-1f2e3d4c5b6a",
        "url_parsing": f"{label} must be a web address such as https://example.com",
        "url_scheme": f"{label} must start with {ctx.get('expected_schemes', 'http:// or https://')}",
        "url_too_long": f"{label} is too long for a web address",
        "datetime_parsing": f"{label} must be a date and time such as 2026-12-31T18:00:00Z",
        "datetime_from_date_parsing": f"{label} must be a date and time "
        "such as 2026-12-31T18:00:00Z",
        "date_parsing": f"{label} must be a date such as 2026-12-31",
        "date_from_datetime_parsing": f"{label} must be a date such as 2026-12-31",
        "enum": f"{label} must be one of {ctx.get('expected', 'the listed values')}",
        "literal_error": f"{label} must be one of {ctx.get('expected', 'the listed values')}",
        "dict_type": f"{label} must be an object of names and values",
        "model_type": f"{label} must be an object of names and values",
        "model_attributes_type": f"{label} must be an object of names and values",
        "list_type": f"{label} must be a list",
        "value_error": f"{label}: {message.removeprefix('Value error, ')}",
        "assertion_error": f"{label}: {message.removeprefix('Assertion failed, ')}",
    }.get(kind)
    if sentence is None:
        sentence = f"{label}: {message[:1].lower() + message[1:]}"
    return sentence if sentence.endswith((".", "?", "!")) else sentence + "."


def _json_position(error: dict[str, Any], body: Any) -> str:
    """`("body", 8)` from a JSON decode error: say the line and column, not 'check 8'."""
    reason = (error.get("ctx") or {}).get("error", "it is malformed")
    location = error.get("loc", ())
    position = location[-1] if location and isinstance(location[-1], int) else None
    if position is None:
        return f"The body is not valid JSON: {reason}."
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if isinstance(text, str):
        before = text[:position]
        line = before.count("\n") + 1
        column = position - (before.rfind("\n") + 1) + 1
        return f"The body is not valid JSON: {reason} at line {line}, column {column}."
    return f"The body is not valid JSON: {reason} at character {position + 1}."
