"""A tenant's home page: tenancy's own cards (stores, team, invitations waiting) and those
of every module on for the tenant that provides the kernel's `dashboard_cards` point."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog
from sqlalchemy.orm import Session

from orion.kernel.contract.points import DASHBOARD_CARDS, DashboardCard
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime import runtime_of
from orion.modules.tenancy.repository import MembershipRepository
from orion.modules.tenancy.services.invitations import list_invitations
from orion.modules.tenancy.services.stores import list_stores

log = structlog.get_logger(__name__)

STORES = "/console/tenancy/stores"
TEAM = "/console/tenancy/members"


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The cards to act on (`todo`, most urgent first) and the others, in module order;
    `unavailable` names the modules whose cards could not be read this time."""

    todo: list[DashboardCard] = field(default_factory=list)
    cards: list[DashboardCard] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def dashboard(session: Session, tenant: TenantContext) -> Dashboard:
    """Every card for the tenant's home page. A module's cards are asked only when the
    module is on for the tenant; one that fails is named in `unavailable`, and the page
    shows the others."""
    runtime = runtime_of(session)
    found = list(tenancy_cards(session, tenant))
    unavailable = []
    for code, provider in runtime.registry.all_providers(DASHBOARD_CARDS):
        definition = runtime.registry.get(code)
        if not definition.always_on and not (
            tenant.platform_id is not None
            and runtime.modules.is_enabled(
                session, code, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
            )
        ):
            continue
        try:
            with session.begin_nested(), acting_for(session, tenant):
                found.extend(provider(session, tenant))
        except Exception:  # one module's broken card must not take the home page down
            log.exception("dashboard_cards_failed", module=code)
            unavailable.append(definition.name)
    urgency = {"danger": 0, "warning": 1}
    todo = sorted((c for c in found if c.todo), key=lambda c: urgency.get(c.tone, 2))
    return Dashboard(todo=todo, cards=[c for c in found if not c.todo], unavailable=unavailable)


def tenancy_cards(session: Session, tenant: TenantContext) -> list[DashboardCard]:
    """Stores, the team, invitations waiting to be accepted; a first store to create."""
    stores, store_count = list_stores(session, tenant, page=Page(limit=100))
    with acting_for(session, tenant):
        roles = [m.role for m in MembershipRepository(session).list()]
    _, pending = list_invitations(session, tenant, status="pending", page=Page(limit=1))
    cards = []
    if store_count == 0:
        cards.append(
            DashboardCard(
                title="Create your first store",
                figure="No store yet",
                detail="Products, stock and orders belong to a store.",
                link=STORES,
                tone="warning",
                todo=True,
            )
        )
    else:
        active = sum(1 for store in stores if store.is_active)
        cards.append(
            DashboardCard(
                title="Stores",
                figure=store_count,
                detail=f"{active:,} active" if active != store_count else "all active",
                link=STORES,
            )
        )
    admins = roles.count("tenant_admin")
    cards.append(
        DashboardCard(
            title="Team",
            figure=len(roles),
            detail=f"{admins:,} admin{'s' if admins != 1 else ''}, "
            f"{len(roles) - admins:,} other member{'s' if len(roles) - admins != 1 else ''}",
            link=TEAM,
        )
    )
    if pending:
        cards.append(
            DashboardCard(
                title="Invitations waiting",
                figure=pending,
                detail="not accepted yet: see who, or revoke and invite again, on the Team page",
                link=TEAM,
                todo=True,
            )
        )
    elif len(roles) <= 1:
        cards.append(
            DashboardCard(
                title="Invite your team",
                figure="Just you",
                detail="Invite staff to share the work; each gets a role.",
                link=TEAM,
                todo=True,
            )
        )
    return cards
