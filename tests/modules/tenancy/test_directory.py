"""The kernel's extension points tenancy provides (tenant directory, memberships), role
permissions, and the demo data."""

from __future__ import annotations

from sqlalchemy import func, select

from orion.kernel.contract.points import MEMBERSHIPS, TENANT_DIRECTORY
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.modules.tenancy import service
from orion.modules.tenancy.models import Membership, Store, Tenant
from orion.modules.tenancy.schemas import StoreCreate
from tests.helpers import platform_session


def test_tenancy_serves_the_kernels_directory_and_memberships(id_runtime):
    assert id_runtime.registry.provider(TENANT_DIRECTORY) is service.directory
    assert id_runtime.registry.provider(MEMBERSHIPS) is service.memberships
    assert isinstance(id_runtime.directory, service.TenantDirectory)


def test_the_directory_knows_tenants_and_their_platform(id_runtime, make_tenant):
    tenant = make_tenant()
    with id_runtime.database.unit_of_work() as session:
        directory = id_runtime.directory
        assert directory.default_platform_id(session) == DEFAULT_PLATFORM_ID
        assert directory.platform_of(session, tenant.tenant_id) == DEFAULT_PLATFORM_ID
        assert tenant in directory.tenants(session, DEFAULT_PLATFORM_ID)
        assert id_runtime.tenant_context(session, tenant.tenant_id) == tenant


def test_roles_map_to_the_permissions_modules_declare(id_runtime):
    registry = id_runtime.registry
    admin = service.role_permissions(registry, "tenant_admin")
    staff = service.role_permissions(registry, "staff")
    user = service.role_permissions(registry, "user")
    assert admin == frozenset(registry.permissions())
    assert {"tenancy.read", "tenancy.manage"} <= admin
    assert "tenancy.read" in staff and "tenancy.manage" not in staff
    assert "tenancy.read" in user and "tenancy.manage" not in user


def test_a_membership_carries_role_permissions_and_store_limit(
    id_runtime, make_tenant, make_member
):
    first = make_tenant()
    second = make_tenant()
    elsewhere = make_tenant()
    user, _ = make_member(first, role="staff")
    with id_runtime.database.unit_of_work() as session:
        store = service.create_store(session, second, data=StoreCreate(name="S", code="s"))
        service.add_member(session, second, user_id=user.id, role="user", store_ids=[store.id])
    with id_runtime.database.unit_of_work() as session:
        default = service.memberships.membership(session, user.id, None)
        assert default is not None and default.tenant == first  # the oldest membership
        assert default.role == "staff" and default.store_ids is None
        chosen = service.memberships.membership(session, user.id, second.tenant_id)
        assert chosen is not None and chosen.role == "user"
        assert chosen.store_ids == frozenset({store.id})
        assert "tenancy.read" in chosen.permissions
        assert service.memberships.membership(session, user.id, elsewhere.tenant_id) is None


def test_demo_data_is_seeded_once(id_runtime):
    def counts():
        with platform_session(id_runtime) as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model))
                for model in (Tenant, Store, Membership)
            )

    with id_runtime.database.unit_of_work() as session:
        service.seed_demo(session, id_runtime)
    first = counts()
    logins = list(id_runtime.extras["demo_logins"])
    with id_runtime.database.unit_of_work() as session:
        service.seed_demo(session, id_runtime)
    assert counts() == first
    assert id_runtime.extras["demo_logins"] == logins
    assert any(line.startswith("operator@orion.test / ") for line in logins)
    assert any(line.startswith("admin@acme.test / ") for line in logins)
    with platform_session(id_runtime) as session:
        names = set(session.scalars(select(Tenant.name)))
    assert {"Acme Coffee", "Bistro Lux"} <= names


def test_demo_logins_work(id_client, id_runtime, login):
    with id_runtime.database.unit_of_work() as session:
        service.seed_demo(session, id_runtime)
    operator = login("operator@orion.test", service.DEMO_PASSWORD)
    tenants = id_client.get(
        "/api/v1/admin/tenancy/tenants", headers=operator, params={"q": "acme coffee"}
    )
    (acme,) = [t for t in tenants.json()["data"] if t["slug"] == "acme-coffee"]
    assert {(m["email"], m["role"]) for m in acme["members"]} == {
        ("admin@acme.test", "tenant_admin"),
        ("staff@acme.test", "staff"),
    }
    staff = login("staff@bistro.test", service.DEMO_PASSWORD)
    stores = id_client.get("/api/v1/tenancy/stores", headers=staff).json()
    assert [s["code"] for s in stores["data"]] == ["downtown"]
