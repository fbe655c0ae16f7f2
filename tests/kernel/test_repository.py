"""The kernel's data kit: acting for a tenant, RepositoryBase, Listing and keyset pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from orion_testkit.widgets.models import Widget
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, text

from orion.kernel.data.paging import Keyset, KeysetListing, Listing, Page
from orion.kernel.data.repository import RepositoryBase
from orion.kernel.data.tenancy import (
    TenantContextMissing,
    acting_for,
    all_tenants,
    get_tenant,
)
from orion.kernel.errors import NotFound, ValidationFailed
from tests.conftest import PG_URL
from tests.helpers import make_probe_role


class WidgetMissing(NotFound):
    code = "widget_not_found"


class WidgetRepository(RepositoryBase[Widget]):
    model = Widget
    not_found = WidgetMissing


class WidgetPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str


WidgetsPublic = Listing[WidgetPublic]


@pytest.fixture
def acme_and_globex(runtime, make_tenant):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for tenant, count in ((acme, 7), (globex, 2)):
        with runtime.database.unit_of_work() as session, acting_for(session, tenant):
            for number in range(count):
                # Two widgets share each creation time: the id breaks the tie.
                stamp = start + timedelta(minutes=number // 2)
                session.add(Widget(name=f"{tenant.tenant_id.hex[:4]}-{number}", created_at=stamp))
    return acme, globex


# -- acting for a tenant ------------------------------------------------------------------------


def test_acting_for_scopes_the_block_and_gives_back_the_previous_tenant(runtime, acme_and_globex):
    acme, globex = acme_and_globex
    with runtime.database.unit_of_work() as session:
        with acting_for(session, acme):
            assert len(WidgetRepository(session).list()) == 7
            with acting_for(session, globex):
                assert get_tenant(session) == globex
                assert len(WidgetRepository(session).list()) == 2
            assert get_tenant(session) == acme
            assert len(WidgetRepository(session).list()) == 7
        assert get_tenant(session) is None
        with pytest.raises(TenantContextMissing):
            WidgetRepository(session).list()


def test_acting_for_inside_platform_code_filters_then_lifts_again(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, all_tenants(session):
        everyone = len(WidgetRepository(session).list())
        with acting_for(session, acme):
            assert len(WidgetRepository(session).list()) == 7
        assert len(WidgetRepository(session).list()) == everyone >= 9


def test_acting_for_restores_the_tenant_when_the_block_fails(runtime, acme_and_globex):
    acme, globex = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        with pytest.raises(RuntimeError), acting_for(session, globex):
            raise RuntimeError("refused")
        assert get_tenant(session) == acme
        assert len(WidgetRepository(session).list()) == 7


# -- one row ------------------------------------------------------------------------------------


def test_get_answers_the_modules_own_not_found_for_another_tenants_row(runtime, acme_and_globex):
    acme, globex = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, globex):
        theirs = WidgetRepository(session).list()[0].id
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        with pytest.raises(WidgetMissing, match=f"widget {theirs} does not exist"):
            WidgetRepository(session).get(theirs)
        assert WidgetRepository(session).find(uuid.uuid4()) is None


def test_get_refuses_a_row_the_identity_map_holds_for_another_tenant(runtime, acme_and_globex):
    acme, globex = acme_and_globex
    with runtime.database.unit_of_work() as session:
        with acting_for(session, globex):
            theirs = WidgetRepository(session).list()[0]  # now in the identity map
        with acting_for(session, acme):
            # Session.get would hand the cached row back without asking the database.
            assert session.get(Widget, theirs.id) is theirs
            with pytest.raises(WidgetMissing):
                WidgetRepository(session).get(theirs.id)


# -- lists --------------------------------------------------------------------------------------


def test_an_offset_page_counts_the_tenants_rows_and_listing_validates_them(
    runtime, acme_and_globex
):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        widgets = WidgetRepository(session)
        rows, count = widgets.page(widgets.select(), Page(limit=3, offset=3), Widget.name)
        listing = WidgetsPublic.of(rows, count)
    assert count == 7
    assert [w.name[-1] for w in listing.data] == ["3", "4", "5"]
    assert listing.model_dump()["count"] == 7
    assert WidgetsPublic.__name__ == "WidgetsPublic"


def test_keyset_pages_walk_the_whole_list_once_in_order_with_ties(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    seen: list[str] = []
    cursor = None
    pages = 0
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        widgets = WidgetRepository(session)
        expected = [
            w.name for w in session.scalars(select(Widget).order_by(Widget.created_at, Widget.id))
        ]
        while True:
            rows, cursor = widgets.keyset(
                None, Keyset(limit=3, after=cursor), order_by=Widget.created_at
            )
            seen += [row.name for row in rows]
            pages += 1
            if cursor is None:
                break
    assert seen == expected and len(seen) == 7
    assert pages == 3
    last_page = KeysetListing[WidgetPublic].of(rows, cursor)
    assert last_page.model_dump(mode="json")["next_cursor"] is None
    assert type(last_page).__name__ == "WidgetPagePublic"


def test_keyset_pages_run_newest_first_when_asked(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        widgets = WidgetRepository(session)
        first, cursor = widgets.keyset(
            None, Keyset(limit=4), order_by=Widget.created_at, descending=True
        )
        rest, last_cursor = widgets.keyset(
            None, Keyset(limit=4, after=cursor), order_by=Widget.created_at, descending=True
        )
    stamps = [w.created_at for w in first + rest]
    assert stamps == sorted(stamps, reverse=True)
    assert len({w.id for w in first + rest}) == 7 and last_cursor is None


def test_a_cursor_that_this_list_did_not_give_out_is_a_422_naming_after(runtime, acme_and_globex):
    acme, _ = acme_and_globex
    with runtime.database.unit_of_work() as session, acting_for(session, acme):
        widgets = WidgetRepository(session)
        for forged in ("not-base64!", "WzFd", "eyJhIjogMX0"):
            with pytest.raises(ValidationFailed) as refused:
                widgets.keyset(None, Keyset(after=forged), order_by=Widget.created_at)
            assert refused.value.errors[0].field == "after"


@pytest.mark.skipif(not PG_URL, reason="row-level security is PostgreSQL's")
def test_acting_for_moves_row_level_security_with_it(runtime, acme_and_globex):
    acme, globex = acme_and_globex
    with runtime.database.engine.begin() as connection:
        make_probe_role(connection, "orion_rls_probe", ("widgets_widget",))
    raw = text("SELECT DISTINCT tenant_id FROM widgets_widget")
    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.execute(text("SET LOCAL ROLE orion_rls_probe"))
        with acting_for(session, acme):
            assert session.execute(raw).scalars().all() == [acme.tenant_id]
            with acting_for(session, globex):
                assert session.execute(raw).scalars().all() == [globex.tenant_id]
            assert session.execute(raw).scalars().all() == [acme.tenant_id]
        # Back in platform code: every tenant's rows again.
        assert {acme.tenant_id, globex.tenant_id} <= set(session.execute(raw).scalars())
