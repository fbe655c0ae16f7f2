"""`RepositoryBase[M]`: the queries on one model, with the kernel's tenant rules built in.

A module's `repository.py` holds one repository per model it queries:

    class StoreRepository(RepositoryBase[Store]):
        model = Store
        not_found = StoreNotFound            # the module's own 404

        def by_code(self, code: str) -> Store | None:
            return self.first(self.select().where(Store.code == code))

    stores = StoreRepository(session)
    store = stores.get(store_id)            # StoreNotFound for an unknown id or another tenant's
    rows, count = stores.page(stores.select(), page, Store.created_at)

Tenant filtering is the kernel's (`data.tenancy`), so repositories never write
`tenant_id ==`; `get` also refuses a row the session's identity map already held for
another tenant, which `Session.get` alone would hand back without a query.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from orion.kernel.data.db import TenantScoped
from orion.kernel.data.paging import Keyset, Page, decode_cursor, encode_cursor, paginate
from orion.kernel.data.tenancy import all_tenants_lifted, get_tenant
from orion.kernel.errors import NotFound, OrionError

M = TypeVar("M")


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
        query = query if query is not None else self.select()
        key_kind = order_by.type.python_type
        id_column = self.model.id
        if page.after is not None:
            after_key, after_id = decode_cursor(page.after, (key_kind, uuid.UUID))
            if descending:
                query = query.where(
                    or_(order_by < after_key, and_(order_by == after_key, id_column < after_id))
                )
            else:
                query = query.where(
                    or_(order_by > after_key, and_(order_by == after_key, id_column > after_id))
                )
        ordering = (order_by.desc(), id_column.desc()) if descending else (order_by, id_column)
        rows = list(self.session.scalars(query.order_by(*ordering).limit(page.limit + 1)))
        if len(rows) <= page.limit:
            return rows, None
        rows = rows[: page.limit]
        last = rows[-1]
        return rows, encode_cursor((getattr(last, order_by.key), last.id))
