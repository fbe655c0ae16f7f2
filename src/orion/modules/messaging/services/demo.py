"""`orion demo`: in each demo tenant, a conversation of its store's staff with a demo
customer, and one of the platform's operator with the tenant's admin.

Notifications come from the demo's own events: the orders `orion demo` places publish
`orders.order_placed`, delivered to messaging by the worker (the outbox sweep, every
minute, when `orion serve` runs the embedded worker), so the staff see "New order" in
their notifications without made-up rows. Running the demo again adds nothing: a tenant
that has the demo's conversations is left alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.auth import services as auth
from orion.modules.messaging.models import Conversation
from orion.modules.messaging.repository import ConversationRepository
from orion.modules.messaging.schemas import ConversationCreate, ConversationKind
from orion.modules.messaging.services.conversations import (
    create_conversation,
    post_message,
    record_customer_message,
)
from orion.modules.messaging.services.participants import Participant
from orion.modules.tenancy import services as tenancy

CUSTOMER = ("Anna Muller", "anna@example.com")  # a customer of the orders' demo
CUSTOMER_SUBJECT = "Grind size for my espresso beans"
PLATFORM_SUBJECT = "Welcome to Orion"


def seed_demo(session: Session, runtime: Any) -> None:
    operator = auth.get_user_by_email(session, tenancy.DEMO_OPERATOR)
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    for tenant in tenants:
        _seed_tenant(session, tenant, operator)


def _member(session: Session, tenant: TenantContext, role: str) -> Participant | None:
    members, _ = tenancy.list_members(session, tenant)
    for member in members:
        if member.role == role:
            return Participant(
                key=f"user:{member.user_id}",
                side="staff",
                name=member.full_name or member.email or "Staff",
                user_id=member.user_id,
                store_ids=frozenset(member.store_ids) if member.store_ids is not None else None,
            )
    return None


def _seed_tenant(session: Session, tenant: TenantContext, operator: Any) -> None:
    with acting_for(session, tenant):
        repository = ConversationRepository(session)
        if repository.first(repository.select().where(Conversation.subject == PLATFORM_SUBJECT)):
            return  # seeded before
    admin, staff = _member(session, tenant, tenancy.TENANT_ADMIN), _member(session, tenant, "staff")
    stores, _ = tenancy.list_stores(session, tenant)
    if admin is None or not stores:
        return
    writer = staff or admin
    name, email = CUSTOMER
    chat = create_conversation(
        session,
        tenant,
        who=writer,
        data=ConversationCreate(
            kind=ConversationKind.CUSTOMER,
            store_id=stores[0].id,
            subject=CUSTOMER_SUBJECT,
            customer_email=email,
            customer_name=name,
            body="Hello Anna, thank you for your order! Which machine do you brew with?",
        ),
    )
    record_customer_message(
        session,
        tenant,
        chat.id,
        by=writer,
        body="A small home espresso machine. Should I grind finer than for filter?",
    )
    if operator is None:
        return
    team = Participant(
        key=f"user:{operator.id}", side="operator", name="Platform team", user_id=operator.id
    )
    welcome = create_conversation(
        session,
        tenant,
        who=team,
        data=ConversationCreate(
            kind=ConversationKind.PLATFORM,
            subject=PLATFORM_SUBJECT,
            body="Welcome aboard! Write to us here whenever you need a hand with your store.",
        ),
    )
    post_message(
        session,
        tenant,
        welcome.id,
        who=admin,
        body="Thank you! Where do we set up our own mail server?",
    )
