"""Pages of rows and the one listing shape every list route answers with.

* `Page(limit, offset)`: offset paging, for lists a person pages through (with a count).
* `Keyset(limit, after)`: keyset paging for large tables (orders, products): each page
  starts after the last row of the one before, so page 10,000 costs what page 1 costs.
  `after` is an opaque cursor the previous page returned as `next_cursor`.
* `Listing[T]`: `{data, count}`, and `KeysetListing[T]`: `{data, next_cursor}` for keyset
  pages. A module names its listings after the seeds (`StoresPublic = Listing[StorePublic]`);
  OpenAPI shows that name (`OrderPagePublic` for `KeysetListing[OrderPublic]`).
* `item_schema(listing)` and `listed_columns(model, schema, columns)`: what the read path
  (`RepositoryBase.listing`) selects for a listing's item schema.

No FastAPI here, so services can use it; routes take pages through `kernel.web`'s
`PageDep` and `KeysetDep`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import orjson
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Session

from orion.kernel.errors import FieldError, ValidationFailed

T = TypeVar("T")

MAX_OFFSET = 2**53  # beyond any table; keeps the value inside every database's integers


class Page(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class Keyset(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    after: str | None = Field(default=None, max_length=512)


def plural(name: str) -> str:
    """`Store` -> `Stores`, `Category` -> `Categories`, `Address` -> `Addresses`."""
    if name.endswith("y") and name[-2:-1] not in tuple("aeiou"):
        return name[:-1] + "ies"
    if name.endswith(("s", "x", "ch", "sh")):
        return name + "es"
    return name + "s"


class Listing(BaseModel, Generic[T]):
    """One offset page of a list: its rows and how many rows the list has in all."""

    model_config = ConfigDict(from_attributes=True)

    data: list[T]
    count: int

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        # `Listing[StorePublic]` is `StoresPublic` in the OpenAPI document, as the seeds name it.
        return plural(params[0].__name__.removesuffix("Public")) + "Public"

    @classmethod
    def of(cls, rows: Sequence[Any], count: int) -> Listing[T]:
        """Validate ORM rows (or mappings) into the item schema, once."""
        return cls.model_validate({"data": rows, "count": count}, from_attributes=True)


class KeysetListing(BaseModel, Generic[T]):
    """One keyset page of a large list: its rows and the cursor of the next page (None on
    the last). No count: counting a large table would cost what keyset paging saves."""

    model_config = ConfigDict(from_attributes=True)

    data: list[T]
    next_cursor: str | None

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        return params[0].__name__.removesuffix("Public") + "PagePublic"  # OrderPagePublic

    @classmethod
    def of(cls, rows: Sequence[Any], next_cursor: str | None) -> KeysetListing[T]:
        return cls.model_validate({"data": rows, "next_cursor": next_cursor}, from_attributes=True)


# -- keyset cursors ----------------------------------------------------------------------------


def encode_cursor(values: Sequence[Any]) -> str:
    """The opaque cursor for a row whose sort key is `values`."""
    raw = orjson.dumps([_plain(v) for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The sort key a cursor carries, as values of `kinds`; a 422 naming `after` if it is not
    one of this list's cursors."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        return [_typed(value, kind) for value, kind in zip(values, kinds, strict=True)]
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationFailed(
            "the cursor is not one this list gave out",
            errors=[FieldError("after", "is not a cursor of this list; pass next_cursor back")],
        ) from None


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _typed(value: Any, kind: type) -> Any:
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is dt.datetime:
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    if kind is int and not isinstance(value, int):
        raise TypeError("not an integer")
    if kind is str and not isinstance(value, str):
        raise TypeError("not a string")
    return value


def paginate(
    session: Session, query: Select[tuple[T]], page: Page | None, *order_by: Any
) -> tuple[list[T], int]:
    """One page of `query`'s rows (in `order_by` order) and how many rows it has in all."""
    page = page or Page()
    count = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.order_by(*order_by).limit(page.limit).offset(page.offset))
    return list(rows.all()), count or 0


# -- what the read path selects -------------------------------------------------------------------


def item_schema(listing: type[BaseModel]) -> type[BaseModel]:
    """`StorePublic` for `Listing[StorePublic]` (or a `KeysetListing`)."""
    args = listing.__pydantic_generic_metadata__["args"]
    if not args or not (isinstance(args[0], type) and issubclass(args[0], BaseModel)):
        raise TypeError(f"{listing.__name__} is not a Listing of a schema")
    return args[0]


class ColumnsMissing(TypeError):
    """A schema field the model has no column for: the listing must say where it comes from."""


_plain_columns: dict[tuple[type, type], tuple[tuple[str, Any], ...]] = {}


def listed_columns(
    model: type, schema: type[BaseModel], columns: Mapping[str, Any] | None = None
) -> tuple[tuple[str, Any], ...]:
    """(field name, column expression) for each field of `schema`, in the schema's order: the
    model's column of that name (or of one of the field's validation aliases), unless
    `columns` names an expression (SQL) for it, or None (the listing's `derive` fills it in).
    A field neither the model nor `columns` answers is an error that names it."""
    key = (model, schema)
    if not columns and key in _plain_columns:
        return _plain_columns[key]
    attributes = inspect(model).column_attrs
    chosen: list[tuple[str, Any]] = []
    missing: list[str] = []
    for name, field in schema.model_fields.items():
        if columns and name in columns:
            chosen.append((name, columns[name]))
            continue
        candidates = [name]
        if isinstance(field.validation_alias, AliasChoices):
            candidates += [c for c in field.validation_alias.choices if isinstance(c, str)]
        elif isinstance(field.validation_alias, str):
            candidates.append(field.validation_alias)
        found = next((c for c in candidates if c in attributes), None)
        if found is None:
            missing.append(name)
        else:
            chosen.append((name, getattr(model, found)))
    if missing:
        raise ColumnsMissing(
            f"{schema.__name__} has fields {model.__name__} has no column for: "
            f"{', '.join(missing)}; pass them in columns= (a SQL expression, or None and "
            "fill them in with derive=)"
        )
    result = tuple(chosen)
    if not columns:
        _plain_columns[key] = result
    return result
