"""Text hygiene of every request, once for every module.

Two checks, both answered 422 naming the field in words (`messages.field_label`):

* **Never text** — a NUL character (PostgreSQL refuses it in `text` and `jsonb`) or an
  unpaired surrogate (it cannot be encoded as UTF-8) — is refused wherever it comes in:
  path and query parameters, the headers a route declares, every string of a JSON body at
  any depth (keys too, `Any`-typed values included) and every field of a form. The app's
  dependency `refuse_unsafe_input` looks at what FastAPI already parsed, before any route
  or dependency reads it, so it holds for routes and dependencies alike (the sign-in form).
* **Control characters** are refused in single-line text: C0 controls (line breaks and
  tabs included), DEL, C1 controls, line/paragraph separators and the bidirectional
  embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that make text read
  otherwise than it is stored. Every `str` field of a request body schema is single-line
  unless it says otherwise with `Field(json_schema_extra={"multiline": True})` (then tab,
  line feed and carriage return are allowed, and C0/C1 controls still refused); path,
  query and header values are always single-line. `check_text` walks a validated body
  (the kernel calls it before a module's endpoint runs, and on console form posts).

`not_null(*fields)` refuses an explicit `null` for fields of a partial update that may be
left out but whose column holds no null (`orion modules check` names the ones missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Annotated, Any, get_args, get_origin

from fastapi import Request
from pydantic import BaseModel, field_validator
from pydantic.fields import FieldInfo
from starlette.datastructures import UploadFile

from orion.kernel.errors import FieldError, ValidationFailed
from orion.kernel.web.messages import field_label, field_path

MULTILINE = "multiline"  # json_schema_extra key: the field is free text over several lines

_NEVER = re.compile("[\x00\ud800-\udfff]")
_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _said(character: str) -> str:
    code = ord(character)
    name = f"U+{code:04X}"
    if code == 0:
        return "a NUL character"
    if 0xD800 <= code <= 0xDFFF:
        return f"an unpaired surrogate ({name}), which is not text"
    if character in "\n\r\u2028\u2029":
        return "a line break"
    if character == "\t":
        return "a tab"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return f"a text direction control ({name})"
    return f"a control character ({name})"


def text_problem(value: str, *, multiline: bool | None) -> str | None:
    """What makes `value` unacceptable, in words, or None. `multiline` None: only what is
    never text is refused (a value whose kind the kernel does not know)."""
    found = _NEVER.search(value)
    if found is None and multiline is not None:
        found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(value)
    return None if found is None else _said(found.group())


def _refuse(problems: list[FieldError]) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise ValidationFailed(problems[0].message, errors=problems)
    fields = ", ".join(dict.fromkeys(p.field for p in problems))
    raise ValidationFailed(f"{len(problems)} problems in the request: {fields}.", errors=problems)


def _error(location: Sequence[Any], problem: str) -> FieldError:
    return FieldError(
        field_path(location), f"{field_label(location)} must not contain {problem}.", "text_unsafe"
    )


# -- what reaches a route, before it is validated --------------------------------------------------


def _strings(value: Any, location: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield location, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                yield (*location, key), key
            yield from _strings(item, (*location, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*location, index))


async def refuse_unsafe_input(request: Request) -> None:
    """The app's dependency on every route (see the module docstring)."""
    problems: list[FieldError] = []

    def check(location: tuple[Any, ...], value: str, multiline: bool | None) -> None:
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            problems.append(_error(location, problem))

    for name, value in request.path_params.items():
        if isinstance(value, str):
            check(("path", name), value, False)
    for name, value in request.query_params.multi_items():
        check(("query", name), name, False)
        check(("query", name), value, False)
    route = request.scope.get("route")
    for header in _declared_headers(route):
        for value in request.headers.getlist(header):
            check(("header", header), value, False)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORM_TYPES) and request.method != "GET":
        form = await request.form()  # parsed once: FastAPI and the console read the same
        for name, value in form.multi_items():
            check(("body", name), name, None)
            if isinstance(value, str):
                check(("body", name), value, None)
            elif isinstance(value, UploadFile) and value.filename:
                check(("body", name), value.filename, False)
    elif (
        getattr(route, "body_field", None) is not None
        and _is_json(content_type)
        and await request.body()  # FastAPI read and parsed it already: both are cached
    ):
        try:
            body = await request.json()
        except ValueError:
            body = None  # FastAPI answers a body that is not JSON
        for location, value in _strings(body, ("body",)):
            check(location, value, None)
    _refuse(problems)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _declared_headers(route: Any) -> tuple[str, ...]:
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return ()
    known = getattr(route, "_orion_declared_headers", None)
    if known is None:
        names: list[str] = []

        def collect(node: Any) -> None:
            names.extend(param.alias.lower() for param in node.header_params)
            for child in node.dependencies:
                collect(child)

        collect(dependant)
        known = tuple(dict.fromkeys(names))
        route._orion_declared_headers = known
    return known


# -- a validated body ------------------------------------------------------------------------------


def check_text(value: Any, location: tuple[Any, ...] = ("body",)) -> None:
    """Refuse control characters in the single-line text fields of a validated body (a
    model, or lists and mappings of them), naming each field; see the module docstring."""
    problems: list[FieldError] = []
    _walk_model_value(value, location, None, problems)
    _refuse(problems)


def _walk_model_value(
    value: Any, location: tuple[Any, ...], multiline: bool | None, problems: list[FieldError]
) -> None:
    if isinstance(value, str):
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            problems.append(_error(location, problem))
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            item = getattr(value, name, None)
            if item is None or isinstance(item, bool | int | float):
                continue
            where = (*location, info.alias or name)
            _walk_model_value(item, where, _multiline(type(value), name), problems)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                key_problem = text_problem(key, multiline=False if multiline is not None else None)
                if key_problem is not None:
                    problems.append(_error((*location, key), key_problem))
            _walk_model_value(item, (*location, key), multiline, problems)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _walk_model_value(item, (*location, index), multiline, problems)


@lru_cache(maxsize=4096)
def _multiline(model: type[BaseModel], name: str) -> bool:
    info = model.model_fields[name]
    return _marked(info) or _annotation_marked(info.annotation)


def _marked(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(MULTILINE))


def _annotation_marked(annotation: Any) -> bool:
    """`Descriptions | None` where `Descriptions = Annotated[..., Field(json_schema_extra=...)]`:
    pydantic keeps a union member's Field to that member, so look inside."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        if any(isinstance(m, FieldInfo) and _marked(m) for m in metadata):
            return True
        return _annotation_marked(base)
    return any(_annotation_marked(arg) for arg in get_args(annotation))


# -- partial updates -------------------------------------------------------------------------------


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


def not_null(*fields: str) -> Any:
    """In a partial update schema: `_required = not_null("name", "position")` refuses an
    explicit `null` for those fields (leaving them out still means "unchanged")."""
    return field_validator(*fields)(_refuse_null)
