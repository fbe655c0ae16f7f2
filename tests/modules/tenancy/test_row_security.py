"""On PostgreSQL, row-level security keeps raw SQL in a tenant's session to that tenant's
stores, memberships and invitations; platform code that acted for a tenant sees every
tenant again afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from orion.kernel.data.tenancy import set_tenant
from orion.modules.tenancy import services
from orion.modules.tenancy.schemas import StoreCreate, TenantInvitationCreate
from tests.conftest import PG_URL
from tests.helpers import make_probe_role, unique_email

TABLES = ("tenancy_store", "tenancy_membership", "tenancy_invitation")
PROBE = "orion_rls_probe"


@pytest.mark.skipif(not PG_URL, reason="row-level security is PostgreSQL's")
def test_row_level_security_stops_raw_sql_at_the_tenant(runtime, make_tenant, make_member):
    mine, theirs = make_tenant(), make_tenant()
    for tenant in (mine, theirs):
        make_member(tenant, role="staff")
        with runtime.database.unit_of_work() as session:
            services.create_store(session, tenant, data=StoreCreate(name="RLS", code="rls"))
            services.create_invitation(
                session, tenant, data=TenantInvitationCreate(email=unique_email("rls"))
            )
    # Superusers bypass RLS; applications connect as an ordinary role, as this one.
    with runtime.database.engine.begin() as connection:
        make_probe_role(connection, PROBE, tuple(TABLES))
    ids = {"mine": mine.tenant_id, "theirs": theirs.tenant_id}

    def tenants_seen(session, table):  # type: ignore[no-untyped-def]
        query = f"SELECT DISTINCT tenant_id FROM {table} WHERE tenant_id IN (:mine, :theirs)"
        return set(session.execute(text(query), ids).scalars())

    with runtime.database.unit_of_work() as session:
        set_tenant(session, mine)
        session.execute(text(f"SET LOCAL ROLE {PROBE}"))
        for table in TABLES:
            assert tenants_seen(session, table) == {mine.tenant_id}, table

    with runtime.database.unit_of_work() as session:
        session.execute(text(f"SET LOCAL ROLE {PROBE}"))
        stores, _ = services.list_stores(session, theirs)  # acts for a tenant, then leaves
        assert [s.tenant_id for s in stores] == [theirs.tenant_id]
        assert tenants_seen(session, "tenancy_store") == {mine.tenant_id, theirs.tenant_id}
