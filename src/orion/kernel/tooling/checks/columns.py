"""Schemas against the columns they write to: what a schema lets in, the column must hold.

Each `XCreate`/`XUpdate` schema (`XUpdateMe` too) of a module's `schemas` is matched with
the module's model `X`, and each of its fields with the column of the same name:

a text field's `max_length` (a URL type's too) must not exceed the column's length, and a
field without one must refuse a value one character longer than the column holds (an enum,
a pattern or a validator may bound it; PostgreSQL would refuse the value: a 500 instead of
a 422 naming the field). Fields that match no column (derived values, other tables) are
not checked.

An `XUpdate`/`XUpdateMe` field that takes `null` must match a nullable column: where the
column holds no null, an explicit `null` would be a 500 (or, skipped by the service, a
silent no-op) instead of a 422, so the schema refuses it (`kernel.web.hygiene.not_null`).
Whether it does is asked of the schema: `{field: None}` is validated and must be refused
for that field. A field whose `null` means "clear it" maps to a nullable column and passes;
an `Any` field of a JSON column takes JSON `null` as one value among others.
"""

from __future__ import annotations

import importlib
import inspect
import types
from collections.abc import Iterator
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from sqlalchemy import JSON, Column, String

from orion.kernel.contract.modules import ModuleDefinition
from orion.kernel.data.db import Base

UPDATES = ("Update", "UpdateMe")  # `UserUpdateMe`: the caller's own record
SUFFIXES = ("Create", *UPDATES)


def schema_column_problems(definition: ModuleDefinition) -> list[tuple[str, str]]:
    """(where, what) for each mismatch of the module's schemas with its columns."""
    schemas = _schemas_module(definition)
    if schemas is None:
        return []
    models = _models_by_name(definition.package)
    problems: list[tuple[str, str]] = []
    for name, schema in sorted(vars(schemas).items()):
        if not _own_schema(schema, definition.package) or not name.endswith(SUFFIXES):
            continue
        model = _model_of(name, schema, models)
        if model is None:
            continue
        table = model.__table__
        for field, info in schema.model_fields.items():
            column = table.columns.get(field)
            if column is None:
                continue
            length_problem = _length_problem(schema, field, info, column)
            if length_problem:
                problems.append((f"schema {name}.{field}", length_problem))
            if name.endswith(UPDATES):
                null_problem = _null_problem(schema, field, info, column)
                if null_problem:
                    problems.append((f"schema {name}.{field}", null_problem))
    return problems


def _schemas_module(definition: ModuleDefinition) -> types.ModuleType | None:
    if not definition.package:
        return None
    try:
        return importlib.import_module(f"{definition.package}.schemas")
    except ModuleNotFoundError as exc:
        if exc.name == f"{definition.package}.schemas":
            return None
        raise


def _own_schema(value: Any, package: str) -> bool:
    return (
        inspect.isclass(value)
        and issubclass(value, BaseModel)
        and (value.__module__ == package or value.__module__.startswith(package + "."))
    )


def _model_of(name: str, schema: type[BaseModel], models: dict[str, Any]) -> Any:
    """Model `X` of `XCreate`/`XUpdate` (the name the schemas module gives it, an alias
    such as `ProductUpdate = ItemUpdate` included), or of the schema it extends
    (`TenantAdminUpdate` adds a field to `TenantUpdate`: both write to `Tenant`)."""
    names = [name] + [cls.__name__ for cls in schema.__mro__ if issubclass(cls, BaseModel)]
    for candidate in names:
        if candidate.endswith(SUFFIXES):
            model = models.get(_stem(candidate))
            if model is not None:
                return model
    return None


def _stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _models_by_name(package: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for mapper in list(Base.registry.mappers):
        cls = mapper.class_
        if cls.__module__.startswith(package + ".") and hasattr(cls, "__table__"):
            found.setdefault(cls.__name__, cls)
    return found


def _length_problem(
    schema: type[BaseModel], field: str, info: FieldInfo, column: Column[Any]
) -> str | None:
    length = getattr(column.type, "length", None)
    if not isinstance(column.type, String) or not length or not _is_text(info.annotation):
        return None
    allowed = _max_length(info)
    where = f"column {column.table.name}.{column.name} holds {length}"
    if allowed is None:
        if _accepts_longer(schema, field, length):
            return f"has no max_length, but {where}; give it max_length={length}"
        return None
    if allowed > length and _accepts_longer(schema, field, length):
        return f"allows {allowed} characters, but {where}; make it max_length={length}"
    return None


def _accepts_longer(schema: type[BaseModel], field: str, length: int) -> bool:
    """Does the field take some text one character longer than the column holds?"""
    n = length + 1
    candidates = [
        "a" * n,
        "A" * n,
        "1" * n,
        "a" * max(n - 12, 1) + "@example.com",
        "https://example.com/" + "a" * max(n - 20, 1),
    ]
    for candidate in candidates:
        try:
            schema.model_validate({field: candidate})
        except ValidationError as exc:
            if any(tuple(error["loc"][:1]) == (field,) for error in exc.errors()):
                continue
            return True  # the field took it; something else was refused
        except Exception:  # noqa: S112 - a validator that cannot run alone: try the next
            continue
        return True
    return False


def _null_problem(
    schema: type[BaseModel], field: str, info: FieldInfo, column: Column[Any]
) -> str | None:
    if column.nullable or column.primary_key:
        return None
    if info.annotation is Any and isinstance(column.type, JSON) and not column.type.none_as_null:
        return None  # any JSON value, `null` among them, stored as JSON null
    if not _accepts_null(schema, field, info):
        return None
    return (
        f"accepts null, but column {column.table.name}.{column.name} holds no null; "
        f'refuse it with not_null("{field}") (leaving it out still means "unchanged")'
    )


def _accepts_null(schema: type[BaseModel], field: str, info: FieldInfo) -> bool:
    """Does validating `{field: None}` alone leave the field without an error? Asked of the
    schema itself, so every way of refusing null counts (a type without None, `not_null`, a
    module's own validator)."""
    key = info.alias or field
    try:
        schema.model_validate({key: None})
    except ValidationError as exc:
        return not any(error["loc"][:1] in ((key,), (field,)) for error in exc.errors())
    except Exception:  # a validator that cannot run alone: the schema refuses the value
        return False
    return True


def _members(annotation: Any) -> Iterator[Any]:
    """The annotation's alternatives, `Annotated` metadata kept on each."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        for arg in get_args(annotation):
            yield from _members(arg)
    else:
        yield annotation


def _base(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_text(annotation: Any) -> bool:
    """Free text or a URL (an enum's or a literal's values are bounded by themselves)."""
    for member in _members(annotation):
        base = _base(member)
        if (
            inspect.isclass(base)
            and not issubclass(base, Enum)
            and (issubclass(base, str) or _url_limit(base) is not None)
        ):
            return True
    return False


def _limits(metadata: list[Any]) -> list[int]:
    """max_length from constraints (`MaxLen`, `StringConstraints`) and nested `Field(...)`s."""
    found: list[int] = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            found += _limits(item.metadata)
        elif isinstance(getattr(item, "max_length", None), int):
            found.append(item.max_length)
    return found


def _url_limit(cls: Any) -> int | None:
    constraints = getattr(cls, "_constraints", None)
    limit = getattr(constraints, "max_length", None)
    return limit if isinstance(limit, int) else None


def _max_length(info: FieldInfo) -> int | None:
    """The field's max_length, from its Field, its type's Annotated metadata, or a URL type."""
    limits = _limits(info.metadata)
    for member in _members(info.annotation):
        annotation = member
        while get_origin(annotation) is Annotated:
            annotation, *metadata = get_args(annotation)
            limits += _limits(metadata)
        url = _url_limit(annotation) if inspect.isclass(annotation) else None
        if url is not None:
            limits.append(url)
    return min(limits) if limits else None
