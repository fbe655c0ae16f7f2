"""Tenant isolation: every query and write on tenant-owned rows is confined to one tenant."""

from __future__ import annotations

import uuid

import pytest
from orion_testkit.widgets.models import Widget
from sqlalchemy import delete, func, select, update

from orion.kernel.data.tenancy import (
    CrossTenantWrite,
    TenantContext,
    TenantContextMissing,
    all_tenants,
    get_tenant,
    set_tenant,
)
from tests.helpers import platform_session, tenant_headers

PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def two_tenants(runtime, make_tenant) -> tuple[TenantContext, TenantContext]:
    """Acme owns widgets a1 and a2, Globex owns widget g1."""
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    for tenant, names in ((acme, ("a1", "a2")), (globex, ("g1",))):
        with runtime.database.unit_of_work() as session:
            set_tenant(session, tenant)
            session.add_all(Widget(name=name) for name in names)
    return acme, globex


def widget_names(session) -> list[str]:
    return sorted(session.scalars(select(Widget.name)))


def widget_id(runtime, tenant: TenantContext, name: str) -> uuid.UUID:
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return session.scalars(select(Widget.id).where(Widget.name == name)).one()


# -- reading -----------------------------------------------------------------------------------


def test_a_session_for_a_tenant_sees_only_that_tenants_rows(runtime, two_tenants):
    acme, globex = two_tenants

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        assert get_tenant(session) == acme
        assert sorted(w.name for w in session.scalars(select(Widget))) == ["a1", "a2"]
        assert widget_names(session) == ["a1", "a2"]
        assert session.scalars(select(Widget).where(Widget.name == "g1")).all() == []

    with runtime.database.unit_of_work() as session:
        set_tenant(session, globex)
        assert widget_names(session) == ["g1"]


def test_another_tenants_row_cannot_be_loaded_by_id(runtime, two_tenants):
    acme, globex = two_tenants
    g1 = widget_id(runtime, globex, "g1")

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        assert session.get(Widget, g1) is None


def test_aggregates_over_entity_columns_count_only_the_tenants_rows(runtime, two_tenants):
    acme, _ = two_tenants

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        assert session.scalar(select(func.count(Widget.id))) == 2


def test_aggregates_over_a_tenant_owned_table_count_only_the_tenants_rows(runtime, two_tenants):
    acme, _ = two_tenants

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        assert session.scalar(select(func.count()).select_from(Widget)) == 2


def test_a_session_without_a_tenant_may_not_read_tenant_owned_rows(runtime, two_tenants):
    with (
        pytest.raises(TenantContextMissing) as missing,
        runtime.database.unit_of_work() as session,
    ):
        session.scalars(select(Widget)).all()

    assert missing.value.code == "tenant_context_missing"
    assert "all_tenants" in str(missing.value)


def test_a_session_without_a_tenant_may_not_count_tenant_owned_rows(runtime, two_tenants):
    with (
        pytest.raises(TenantContextMissing),
        runtime.database.unit_of_work() as session,
    ):
        session.scalar(select(func.count()).select_from(Widget))


def test_platform_code_sees_every_tenant_when_it_says_so(runtime, two_tenants):
    mine = [tenant.tenant_id for tenant in two_tenants]

    with runtime.database.unit_of_work() as session, all_tenants(session):
        names = session.scalars(select(Widget.name).where(Widget.tenant_id.in_(mine))).all()
    assert sorted(names) == ["a1", "a2", "g1"]

    with runtime.database.unit_of_work() as session:
        with all_tenants(session):
            session.scalars(select(Widget)).all()
        with pytest.raises(TenantContextMissing):  # only for the duration of the block
            session.scalars(select(Widget)).all()


def test_the_same_select_can_opt_out_by_execution_option(runtime, two_tenants):
    mine = [tenant.tenant_id for tenant in two_tenants]

    with runtime.database.unit_of_work() as session:
        rows = session.scalars(
            select(Widget.name)
            .where(Widget.tenant_id.in_(mine))
            .execution_options(all_tenants=True)
        ).all()
    assert sorted(rows) == ["a1", "a2", "g1"]


# -- writing -----------------------------------------------------------------------------------


def test_bulk_updates_and_deletes_touch_only_the_tenants_rows(runtime, two_tenants):
    acme, globex = two_tenants

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        session.execute(update(Widget).values(name="renamed"))
    with runtime.database.unit_of_work() as session:
        set_tenant(session, globex)
        assert widget_names(session) == ["g1"]
        session.execute(delete(Widget))

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        assert widget_names(session) == ["renamed", "renamed"]


def test_a_new_row_belongs_to_the_sessions_tenant(runtime, make_tenant):
    acme = make_tenant("Acme")

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        widget = Widget(name="gear")
        session.add(widget)
        session.flush()
        assert widget.tenant_id == acme.tenant_id


def test_writing_a_row_for_another_tenant_is_refused(runtime, two_tenants):
    acme, globex = two_tenants

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        session.add(Widget(name="smuggled", tenant_id=globex.tenant_id))
        with pytest.raises(CrossTenantWrite) as refused:
            session.flush()
        session.rollback()

    assert refused.value.status == 403
    with runtime.database.unit_of_work() as session:
        set_tenant(session, globex)
        assert widget_names(session) == ["g1"]


def test_moving_a_row_to_another_tenant_is_refused(runtime, two_tenants):
    acme, globex = two_tenants

    with (
        pytest.raises(CrossTenantWrite),
        runtime.database.unit_of_work() as session,
    ):
        set_tenant(session, acme)
        widget = session.scalars(select(Widget).where(Widget.name == "a1")).one()
        widget.tenant_id = globex.tenant_id
        session.flush()

    with runtime.database.unit_of_work() as session:
        set_tenant(session, acme)
        assert widget_names(session) == ["a1", "a2"]


def test_writing_without_a_tenant_is_refused(runtime, two_tenants):
    acme, _ = two_tenants

    for widget in (Widget(name="orphan"), Widget(name="stamped", tenant_id=acme.tenant_id)):
        with (
            pytest.raises(TenantContextMissing),
            runtime.database.unit_of_work() as session,
        ):
            session.add(widget)

    with platform_session(runtime) as session:
        names = session.scalars(select(Widget.name).where(Widget.tenant_id == acme.tenant_id))
        assert sorted(names) == ["a1", "a2"]


def test_platform_code_writes_for_any_tenant_when_it_says_so(runtime, two_tenants):
    acme, globex = two_tenants

    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.add_all(
            [
                Widget(name="a3", tenant_id=acme.tenant_id),
                Widget(name="g2", tenant_id=globex.tenant_id),
            ]
        )
        session.flush()  # the opt-out covers what is flushed inside the block

    with runtime.database.unit_of_work() as session:
        set_tenant(session, globex)
        assert widget_names(session) == ["g1", "g2"]


# -- through the API -----------------------------------------------------------------------------


def test_a_tenant_cannot_see_another_tenants_widget_through_the_api(client, make_tenant, enable):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets")
    created = client.post(
        "/api/v1/widgets/widgets", json={"name": "secret"}, headers=tenant_headers(globex)
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/widgets/widgets/{created.json()['id']}"

    response = client.get(url, headers=tenant_headers(acme))

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == "not_found"
    listed = client.get("/api/v1/widgets/widgets", headers=tenant_headers(acme)).json()
    assert listed == {"data": [], "count": 0}
    own = client.get(url, headers=tenant_headers(globex))
    assert own.status_code == 200
    assert own.json()["name"] == "secret"
