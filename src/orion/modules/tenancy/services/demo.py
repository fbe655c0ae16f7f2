"""`orion demo`: two tenants with a store, an admin and a staff member each, and an operator."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.modules.auth import services as auth
from orion.modules.tenancy.repository import MembershipRepository, StoreRepository
from orion.modules.tenancy.schemas import StoreCreate, TenantCreate
from orion.modules.tenancy.services.common import TENANT_ADMIN
from orion.modules.tenancy.services.members import add_member
from orion.modules.tenancy.services.platforms import ensure_default_platform
from orion.modules.tenancy.services.stores import create_store
from orion.modules.tenancy.services.tenants import create_tenant, find_tenant

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - printed by `orion demo` on purpose
DEMO_OPERATOR = "operator@orion.test"
DEMO_TENANTS = (
    ("Acme Coffee", "acme-coffee", "acme", ("Acme Coffee Roastery", "roastery")),
    ("Bistro Lux", "bistro-lux", "bistro", ("Bistro Lux Downtown", "downtown")),
)


def demo_tenants(session: Session) -> list[TenantContext]:
    """The tenants `orion demo` made (for other modules' demo data)."""
    found = (find_tenant(session, DEFAULT_PLATFORM_ID, slug) for _, slug, _, _ in DEMO_TENANTS)
    return [TenantContext(t.id, t.platform_id) for t in found if t is not None]


def _demo_user(session: Session, email: str, *, full_name: str, superadmin: bool = False) -> Any:
    user = auth.get_user_by_email(session, email)
    if user is None:
        user = auth.create_user(
            session,
            email=email,
            password=DEMO_PASSWORD,
            full_name=full_name,
            is_superadmin=superadmin,
        )
    return user


def seed_demo(session: Session, runtime: Runtime) -> None:
    """Running it again adds nothing; the logins are listed in
    `runtime.extras["demo_logins"]`."""
    ensure_default_platform(session)
    logins: list[str] = runtime.extras.setdefault("demo_logins", [])

    def login(line: str) -> None:
        if line not in logins:
            logins.append(line)

    _demo_user(session, DEMO_OPERATOR, full_name="Platform Operator", superadmin=True)
    login(f"{DEMO_OPERATOR} / {DEMO_PASSWORD} (superadmin)")
    for name, slug, mail, (store_name, store_code) in DEMO_TENANTS:
        record = find_tenant(session, DEFAULT_PLATFORM_ID, slug)
        if record is None:
            record = create_tenant(
                session, DEFAULT_PLATFORM_ID, data=TenantCreate(name=name, slug=slug)
            )
        tenant = TenantContext(record.id, record.platform_id)
        with acting_for(session, tenant):
            store = StoreRepository(session).by_code(store_code)
            if store is None:
                store = create_store(
                    session, tenant, data=StoreCreate(name=store_name, code=store_code)
                )
            for role, who in ((TENANT_ADMIN, "admin"), ("staff", "staff")):
                email = f"{who}@{mail}.test"
                user = _demo_user(session, email, full_name=f"{name} {who.title()}")
                if MembershipRepository(session).id_of(user.id) is None:
                    add_member(
                        session,
                        tenant,
                        user_id=user.id,
                        role=role,
                        store_ids=[store.id] if role == "staff" else None,
                    )
                login(f"{email} / {DEMO_PASSWORD} ({role}, {name})")
