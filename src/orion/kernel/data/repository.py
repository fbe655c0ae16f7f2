"""`RepositoryBase[M]`: the queries on one model, with the kernel's tenant rules built in.

A module's `repository.py` holds one repository per model it queries:

    class StoreRepository(RepositoryBase[Store]):
        model = Store
        not_found = StoreNotFound            # the module's own 404

        def by_code(self, code: str) -> Store | None:
            return self.first(self.select().where(Store.code == code))

    stores = StoreRepository(session)
    store = stores.get(store_id)            # StoreNotFound for an unknown id or another tenant's
    rows, count = stores.page(stores.select(), page, Store.created_at)   # ORM instances
    listing = stores.listing(StoresPublic, stores.select(), page, Store.created_at)

`listing` is the read path for list routes: it selects only the item schema's columns (rows,
not ORM instances), counts in the same statement (`count(*) OVER ()`; one more count only for
a page past the end) and validates the rows once into the `Listing`, which the route answers
with `ListingResponse` (`kernel.web.responses`), encoded once. A field that is not a column
of the model comes from `columns={"field": <SQL expression>}`, or `columns={"field": None}`
and `derive=`, a function that fills it in on the page's rows (a status computed in Python,
names looked up in another module, once per page). `keyset_listing` is the same for keyset
pages. Both statements select mapped columns, so the tenant filter applies as it does to
ORM instances.

Tenant filtering is the kernel's (`data.tenancy`), so repositories never write
`tenant_id ==`; `get` also refuses a row the session's identity map already held for
another tenant, which `Session.get` alone would hand back without a query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from orion.kernel.data.db import TenantScoped
from orion.kernel.data.paging import (
    Keyset,
    KeysetListing,
    Listing,
    Page,
    decode_cursor,
    encode_cursor,
    item_schema,
    listed_columns,
    paginate,
)
from orion.kernel.data.tenancy import all_tenants_lifted, get_tenant
from orion.kernel.errors import NotFound, OrionError

M = TypeVar("M")
L = TypeVar("L", bound=Listing[Any])
KL = TypeVar("KL", bound=KeysetListing[Any])

# Fills in, on one page's rows (dicts of the selected fields), the fields `columns` left to it.
Derive = Callable[[list[dict[str, Any]]], None]


class RepositoryBase(Generic[M]):
    model: ClassVar[type[Any]]
    not_found: ClassVar[type[OrionError]] = NotFound
    label: ClassVar[str | None] = None  # how errors name a row; default: the model's name

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- one row -----------------------------------------------------------------------------

    def find(self, id: uuid.UUID, *, options: Sequence[Any] = (), lock: bool = False) -> M | None:
        """The row with this id for the session's tenant, or None."""
        row = self.session.get(self.model, id, options=options, with_for_update=lock or None)
        if row is None or not self._visible(row):
            return None
        return row

    def get(self, id: uuid.UUID, *, options: Sequence[Any] = (), lock: bool = False) -> M:
        """The row with this id, or the module's not-found error (404)."""
        row = self.find(id, options=options, lock=lock)
        if row is None:
            raise self.not_found(f"{self._label()} {id} does not exist")
        return row

    def first(self, query: Select[Any]) -> M | None:
        return self.session.scalars(query.limit(1)).first()

    def _visible(self, row: Any) -> bool:
        if not isinstance(row, TenantScoped) or all_tenants_lifted(self.session):
            return True
        tenant = get_tenant(self.session)
        return tenant is not None and row.tenant_id == tenant.tenant_id

    def _label(self) -> str:
        if self.label:
            return self.label
        name = self.model.__name__
        return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()

    # -- writes ------------------------------------------------------------------------------

    def add(self, row: M) -> M:
        """Add and flush, so the caller sees defaults and constraint errors at once."""
        self.session.add(row)
        self.session.flush()
        return row

    def delete(self, row: M) -> None:
        self.session.delete(row)
        self.session.flush()

    # -- lists -------------------------------------------------------------------------------

    def select(self) -> Select[tuple[M]]:
        return select(self.model)

    def list(self, query: Select[Any] | None = None) -> list[M]:
        return list(self.session.scalars(query if query is not None else self.select()))

    def page(
        self, query: Select[Any] | None, page: Page | None, *order_by: Any
    ) -> tuple[list[M], int]:
        """One offset page of `query` (in `order_by` order, the id last so pages are stable)
        and how many rows the query has in all."""
        query = query if query is not None else self.select()
        return paginate(self.session, query, page, *order_by, self.model.id)

    def listing(
        self,
        listing: type[L],
        query: Select[Any] | None,
        page: Page | None,
        *order_by: Any,
        columns: Mapping[str, Any] | None = None,
        derive: Derive | None = None,
    ) -> L:
        """One offset page of `query` as `listing` (`Listing[Schema]`): the schema's columns
        read as rows and counted in the same statement, validated once."""
        page = page or Page()
        query = query if query is not None else self.select()
        names, expressions = self._selected(listing, columns)
        statement = (
            query.with_only_columns(*expressions, func.count().over(), maintain_column_froms=True)
            .order_by(*order_by, self.model.id)
            .limit(page.limit)
            .offset(page.offset)
        )
        rows = self.session.execute(statement).all()
        if rows:
            count = rows[0][-1]
        elif page.offset:  # past the end: no row carries the count
            counted = select(func.count()).select_from(query.order_by(None).subquery())
            count = self.session.scalar(counted) or 0
        else:
            count = 0
        return listing.model_validate({"data": self._items(names, rows, derive), "count": count})

    def keyset_listing(
        self,
        listing: type[KL],
        query: Select[Any] | None,
        page: Keyset,
        *,
        order_by: InstrumentedAttribute[Any],
        descending: bool = False,
        columns: Mapping[str, Any] | None = None,
        derive: Derive | None = None,
    ) -> KL:
        """One keyset page as `listing` (`KeysetListing[Schema]`): rows, no count."""
        query = self._after(query, page, order_by, descending)
        names, expressions = self._selected(listing, columns)
        id_column = self.model.id
        ordering = (order_by.desc(), id_column.desc()) if descending else (order_by, id_column)
        statement = (
            query.with_only_columns(*expressions, order_by, id_column, maintain_column_froms=True)
            .order_by(*ordering)
            .limit(page.limit + 1)
        )
        rows = self.session.execute(statement).all()
        next_cursor = None
        if len(rows) > page.limit:
            rows = rows[: page.limit]
            next_cursor = encode_cursor(tuple(rows[-1][-2:]))
        return listing.model_validate(
            {"data": self._items(names, rows, derive), "next_cursor": next_cursor}
        )

    def _selected(
        self, listing: type[BaseModel], columns: Mapping[str, Any] | None
    ) -> tuple[list[str], list[Any]]:
        fields = listed_columns(self.model, item_schema(listing), columns)
        chosen = [(name, column) for name, column in fields if column is not None]
        return [name for name, _ in chosen], [column for _, column in chosen]

    @staticmethod
    def _items(
        names: list[str], rows: Sequence[Any], derive: Derive | None
    ) -> list[dict[str, Any]]:
        # zip stops at the names: the count or the cursor's key columns follow them.
        items = [dict(zip(names, row, strict=False)) for row in rows]
        if derive is not None and items:
            derive(items)
        return items

    def _after(
        self,
        query: Select[Any] | None,
        page: Keyset,
        order_by: InstrumentedAttribute[Any],
        descending: bool,
    ) -> Select[Any]:
        """`query` limited to the rows after the page's cursor (in the page's order)."""
        query = query if query is not None else self.select()
        if page.after is None:
            return query
        id_column = self.model.id
        after_key, after_id = decode_cursor(page.after, (order_by.type.python_type, uuid.UUID))
        if descending:
            return query.where(
                or_(order_by < after_key, and_(order_by == after_key, id_column < after_id))
            )
        return query.where(
            or_(order_by > after_key, and_(order_by == after_key, id_column > after_id))
        )

    def keyset(
        self,
        query: Select[Any] | None,
        page: Keyset,
        *,
        order_by: InstrumentedAttribute[Any],
        descending: bool = False,
    ) -> tuple[list[M], str | None]:
        """One keyset page ordered by `order_by` then id, and the next page's cursor (None
        on the last page). No count and no offset: the cost does not grow with the page."""
        query = self._after(query, page, order_by, descending)
        id_column = self.model.id
        ordering = (order_by.desc(), id_column.desc()) if descending else (order_by, id_column)
        rows = list(self.session.scalars(query.order_by(*ordering).limit(page.limit + 1)))
        if len(rows) <= page.limit:
            return rows, None
        rows = rows[: page.limit]
        last = rows[-1]
        return rows, encode_cursor((getattr(last, order_by.key), last.id))
