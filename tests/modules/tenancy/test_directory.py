"""The kernel's extension points tenancy provides (tenant directory, memberships), role
permissions, and the demo data."""

from __future__ import annotations

from sqlalchemy import func, select

from orion.kernel.contract.points import MEMBERSHIPS, TENANT_DIRECTORY
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.modules.tenancy import services
from orion.modules.tenancy.models import Membership, Store, Tenant
from orion.modules.tenancy.schemas import StoreCreate
from tests.helpers import platform_session


def test_tenancy_serves_the_kernels_directory_and_memberships(runtime):
    assert runtime.registry.provider(TENANT_DIRECTORY) is services.directory
    assert runtime.registry.provider(MEMBERSHIPS) is services.memberships
    assert isinstance(runtime.directory, services.TenantDirectory)


def test_the_directory_knows_tenants_and_their_platform(runtime, make_tenant):
    tenant = make_tenant()
    with runtime.database.unit_of_work() as session:
        directory = runtime.directory
        assert directory.default_platform_id(session) == DEFAULT_PLATFORM_ID
        assert directory.platform_of(session, tenant.tenant_id) == DEFAULT_PLATFORM_ID
        assert tenant in directory.tenants(session, DEFAULT_PLATFORM_ID)
        assert runtime.tenant_context(session, tenant.tenant_id) == tenant


def test_roles_map_to_the_permissions_modules_declare(runtime):
    registry = runtime.registry
    admin = services.role_permissions(registry, "tenant_admin")
    staff = services.role_permissions(registry, "staff")
    user = services.role_permissions(registry, "user")
    assert admin == frozenset(registry.permissions())
    assert {"tenancy.read", "tenancy.manage"} <= admin
    assert "tenancy.read" in staff and "tenancy.manage" not in staff
    assert "tenancy.read" in user and "tenancy.manage" not in user


def test_a_membership_carries_role_permissions_and_store_limit(runtime, make_tenant, make_member):
    first = make_tenant()
    second = make_tenant()
    elsewhere = make_tenant()
    user, _ = make_member(first, role="staff")
    with runtime.database.unit_of_work() as session:
        store = services.create_store(session, second, data=StoreCreate(name="S", code="s"))
        services.add_member(session, second, user_id=user.id, role="user", store_ids=[store.id])
    with runtime.database.unit_of_work() as session:
        default = services.memberships.membership(session, user.id, None)
        assert default is not None and default.tenant == first  # the oldest membership
        assert default.role == "staff" and default.store_ids is None
        chosen = services.memberships.membership(session, user.id, second.tenant_id)
        assert chosen is not None and chosen.role == "user"
        assert chosen.store_ids == frozenset({store.id})
        assert "tenancy.read" in chosen.permissions
        assert services.memberships.membership(session, user.id, elsewhere.tenant_id) is None


def test_demo_data_is_seeded_once(runtime):
    def counts():
        with platform_session(runtime) as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model))
                for model in (Tenant, Store, Membership)
            )

    with runtime.database.unit_of_work() as session:
        services.seed_demo(session, runtime)
    first = counts()
    logins = list(runtime.extras["demo_logins"])
    with runtime.database.unit_of_work() as session:
        services.seed_demo(session, runtime)
    assert counts() == first
    assert runtime.extras["demo_logins"] == logins
    assert any(line.startswith("operator@orion.test / ") for line in logins)
    assert any(line.startswith("admin@acme.test / ") for line in logins)
    with platform_session(runtime) as session:
        names = set(session.scalars(select(Tenant.name)))
    assert {"Acme Coffee", "Bistro Lux"} <= names


def test_demo_logins_work(client, runtime, login):
    with runtime.database.unit_of_work() as session:
        services.seed_demo(session, runtime)
    operator = login("operator@orion.test", services.DEMO_PASSWORD)
    tenants = client.get(
        "/api/v1/admin/tenancy/tenants", headers=operator, params={"q": "acme coffee"}
    )
    (acme,) = [t for t in tenants.json()["data"] if t["slug"] == "acme-coffee"]
    assert {(m["email"], m["role"]) for m in acme["members"]} == {
        ("admin@acme.test", "tenant_admin"),
        ("staff@acme.test", "staff"),
    }
    staff = login("staff@bistro.test", services.DEMO_PASSWORD)
    stores = client.get("/api/v1/tenancy/stores", headers=staff).json()
    assert [s["code"] for s in stores["data"]] == ["downtown"]
