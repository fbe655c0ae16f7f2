"""The read path for lists: `RepositoryBase.listing` / `keyset_listing` and `ListingResponse`.

Rows, not ORM instances, counted in the same statement, validated once; the tenant filter
holds as it does for ORM instances, and the bytes are the ones FastAPI would have written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from orion_testkit.widgets.models import Widget
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from sqlalchemy import event, select

from orion.kernel.data.paging import ColumnsMissing, Keyset, KeysetListing, Listing, Page
from orion.kernel.data.repository import RepositoryBase
from orion.kernel.data.tenancy import TenantContextMissing, acting_for, all_tenants
from orion.kernel.web.responses import ListingResponse


class WidgetRepository(RepositoryBase[Widget]):
    model = Widget


class WidgetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    created_at: datetime


class WidgetLabelPublic(BaseModel):
    """A renamed column (by alias), one from SQL and one from Python."""

    model_config = ConfigDict(from_attributes=True)

    title: str = Field(validation_alias=AliasChoices("title", "name"))
    shouted: str
    name_length: int


WidgetsPublic = Listing[WidgetPublic]
WidgetPages = KeysetListing[WidgetPublic]


@pytest.fixture
def acme_and_globex(runtime, make_tenant):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for tenant, count in ((acme, 7), (globex, 3)):
        with runtime.database.unit_of_work() as session, acting_for(session, tenant):
            for number in range(count):
                stamp = start + timedelta(minutes=number // 2)  # ties: the id decides
                session.add(Widget(name=f"{tenant.tenant_id.hex[:4]}-{number}", created_at=stamp))
    return acme, globex


@contextmanager
def statements(runtime) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(runtime.database.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", count)


def _orm_listing(session, page: Page) -> Listing[WidgetPublic]:
    widgets = WidgetRepository(session)
    return WidgetsPublic.of(*widgets.page(None, page, Widget.created_at))


def test_a_listing_is_the_orm_pages_rows_and_count_in_one_statement(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        session.execute(select(1))  # the transaction (and on PostgreSQL the tenant) is set up
        for page in (Page(limit=3), Page(limit=3, offset=3), Page(limit=3, offset=6)):
            with statements(runtime) as seen:
                listing = WidgetRepository(session).listing(
                    WidgetsPublic, None, page, Widget.created_at
                )
            assert len(seen) == 1
            assert listing == _orm_listing(session, page)
            assert listing.count == 7
    assert [w.name[-1] for w in listing.data] == ["6"]


def test_another_tenants_rows_never_appear_in_a_listing(runtime, acme_and_globex):
    acme, globex = acme_and_globex
    for tenant, count in ((acme, 7), (globex, 3)):
        with runtime.database.unit_of_work() as session, acting_for(session, tenant):
            widgets = WidgetRepository(session)
            listing = widgets.listing(WidgetsPublic, None, Page(limit=500), Widget.name)
            keyset = widgets.keyset_listing(
                WidgetPages, None, Keyset(limit=500), order_by=Widget.created_at
            )
            # A query of the caller's own that names no tenant is filtered all the same.
            named = widgets.listing(
                WidgetsPublic, select(Widget).where(Widget.name.like("%-1")), None, Widget.name
            )
        assert listing.count == count == len(listing.data) == len(keyset.data)
        assert {w.tenant_id for w in listing.data + keyset.data} == {tenant.tenant_id}
        assert [w.tenant_id for w in named.data] == [tenant.tenant_id] and named.count == 1
    with runtime.database.unit_of_work() as session:
        with pytest.raises(TenantContextMissing):  # fail closed, as the ORM path does
            WidgetRepository(session).listing(WidgetsPublic, None, None, Widget.name)
        with all_tenants(session):
            everyone = WidgetRepository(session).listing(WidgetsPublic, None, None, Widget.name)
    assert {acme.tenant_id, globex.tenant_id} <= {w.tenant_id for w in everyone.data}


def test_a_page_past_the_end_still_counts_the_list(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        session.execute(select(1))
        with statements(runtime) as seen:
            listing = WidgetRepository(session).listing(
                WidgetsPublic, None, Page(limit=5, offset=50), Widget.name
            )
    assert listing.data == [] and listing.count == 7
    assert len(seen) == 2  # the page, then the one fallback count


def test_keyset_listings_walk_the_list_as_the_orm_keyset_does(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        widgets = WidgetRepository(session)
        for descending in (False, True):
            cursor, orm_cursor, pages = None, None, 0
            while True:
                listing = widgets.keyset_listing(
                    WidgetPages,
                    None,
                    Keyset(limit=3, after=cursor),
                    order_by=Widget.created_at,
                    descending=descending,
                )
                rows, orm_cursor = widgets.keyset(
                    None,
                    Keyset(limit=3, after=orm_cursor),
                    order_by=Widget.created_at,
                    descending=descending,
                )
                assert listing == WidgetPages.of(rows, orm_cursor)
                pages += 1
                cursor = listing.next_cursor
                if cursor is None:
                    break
            assert pages == 3


def test_fields_that_are_no_column_come_from_sql_or_from_derive(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    listed = Listing[WidgetLabelPublic]

    def lengths(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["name_length"] = len(row["title"])

    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        widgets = WidgetRepository(session)
        listing = widgets.listing(
            listed,
            None,
            Page(limit=2),
            Widget.name,
            columns={"shouted": Widget.name + "!", "name_length": None},
            derive=lengths,
        )
        with pytest.raises(ColumnsMissing, match="shouted, name_length"):
            widgets.listing(listed, None, None, Widget.name)
    first = listing.data[0]
    assert first.title == f"{acme.tenant_id.hex[:4]}-0"
    assert first.shouted == first.title + "!" and first.name_length == len(first.title)
    assert listing.count == 7


def test_a_listing_response_is_the_bytes_fastapi_writes_for_the_response_model(
    runtime, acme_and_globex
):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        listing = WidgetRepository(session).listing(WidgetsPublic, None, None, Widget.name)
    app = FastAPI()

    @app.get("/validated", response_model=WidgetsPublic)
    def validated() -> Any:
        return listing.model_dump()  # FastAPI validates and serialises it

    @app.get("/encoded", response_model=WidgetsPublic)
    def encoded() -> Any:
        return ListingResponse(listing)

    with TestClient(app) as client:
        slow, fast = client.get("/validated"), client.get("/encoded")
    assert fast.status_code == slow.status_code == 200
    assert fast.content == slow.content
    assert fast.headers["content-type"] == slow.headers["content-type"] == "application/json"
    assert fast.json()["count"] == 7 and len(fast.json()["data"]) == 7
    schema = app.openapi()["paths"]["/encoded"]["get"]["responses"]["200"]["content"]
    assert "WidgetPublic" in schema["application/json"]["schema"]["$ref"]  # still documented
