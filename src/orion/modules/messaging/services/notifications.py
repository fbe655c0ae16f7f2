"""In-app notifications per user, raised by other modules' events after they commit.

The handlers are registered by event name and read the fields they need from the event
(orders, inventory and credits are optional: messaging does not import their events; the
kernel rebuilds each event as its publisher's class before calling). Each user's
preferences say whether a kind shows in the app and/or goes into the daily digest; a kind
wanted nowhere is not stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.money import format_money
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, require_tenant
from orion.kernel.runtime.events import Event
from orion.modules.messaging.models import Notification, Preference
from orion.modules.messaging.repository import NotificationRepository, PreferenceRepository
from orion.modules.messaging.schemas import (
    NotificationKind,
    NotificationsPublic,
    PreferencePublic,
    PreferencesPublic,
    PreferencesUpdate,
)
from orion.modules.tenancy import services as tenancy

ADMIN = "tenant_admin"
NEWEST_FIRST = Notification.created_at.desc()


# -- recipients ----------------------------------------------------------------------------


def members(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID | None = None, admins_only=False
) -> list[uuid.UUID]:
    """The tenant's members (who may reach `store_id`; only admins with `admins_only`)."""
    rows, _ = tenancy.list_members(session, tenant)
    chosen = []
    for member in rows:
        if admins_only and member.role != ADMIN:
            continue
        if (
            store_id is not None
            and member.store_ids is not None
            and store_id not in member.store_ids
        ):
            continue
        chosen.append(member.user_id)
    return sorted(set(chosen))


# -- raising -------------------------------------------------------------------------------


def notify(
    session: Session,
    tenant: TenantContext,
    *,
    user_ids: Collection[uuid.UUID],
    kind: NotificationKind,
    title: str,
    body: str = "",
    link: str | None = None,
    event_id: uuid.UUID | None = None,
) -> list[Notification]:
    """One notification per user who wants this kind somewhere; once per event and user."""
    with acting_for(session, tenant):
        wanted = preferences_of(session, user_ids)
        repository = NotificationRepository(session)
        made = []
        for user_id in user_ids:
            in_app, digest = wanted.get((user_id, kind.value), (True, True))
            if not (in_app or digest):
                continue
            if event_id is not None and repository.exists(user_id, event_id, kind.value):
                continue
            made.append(
                repository.add(
                    Notification(
                        user_id=user_id,
                        kind=kind.value,
                        title=title[:200],
                        body=body[:1000],
                        link=link,
                        event_id=event_id,
                        in_app=in_app,
                        digest=digest,
                    )
                )
            )
        return made


def on_order_placed(session: Session, event: Any) -> None:
    """orders.order_placed: the store's staff hear of the order."""
    tenant = require_tenant(session)
    amount = format_money(event.grand_total, event.currency)
    notify(
        session,
        tenant,
        user_ids=members(session, tenant, store_id=event.store_id),
        kind=NotificationKind.ORDER_PLACED,
        title=f"New order of {amount}",
        body=f"{len(event.lines)} line(s), {amount} in all.",
        link=f"/console/orders/{event.order_id}",
        event_id=event.event_id,
    )


def on_stock_low(session: Session, event: Any) -> None:
    """inventory.stock_low: the store's staff hear a product is running out."""
    tenant = require_tenant(session)
    notify(
        session,
        tenant,
        user_ids=members(session, tenant, store_id=event.store_id),
        kind=NotificationKind.STOCK_LOW,
        title=f"Stock low: {event.available} left",
        body=f"A product is under its threshold of {event.threshold}.",
        link="/console/inventory/",
        event_id=event.event_id,
    )


def on_out_of_stock(session: Session, event: Any) -> None:
    """inventory.out_of_stock: the store's staff hear a product ran out."""
    tenant = require_tenant(session)
    notify(
        session,
        tenant,
        user_ids=members(session, tenant, store_id=event.store_id),
        kind=NotificationKind.OUT_OF_STOCK,
        title="Out of stock",
        body="A product has no stock left at one location.",
        link="/console/inventory/",
        event_id=event.event_id,
    )


def on_credits_low(session: Session, event: Event) -> None:
    """credits.balance_low / credits.depleted: the tenant's admins hear of the balance."""
    tenant = require_tenant(session)
    balance = getattr(event, "balance", 0)
    if event.name == "credits.depleted":
        kind, title = NotificationKind.CREDITS_DEPLETED, "Credits used up"
    else:
        kind, title = NotificationKind.CREDITS_LOW, f"Credit balance low: {balance} left"
    notify(
        session,
        tenant,
        user_ids=members(session, tenant, admins_only=True),
        kind=kind,
        title=title,
        body=f"The balance is {balance}.",
        link="/console/credits/",
        event_id=event.event_id,
    )


# -- reading -------------------------------------------------------------------------------


def notifications_listing(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID,
    page: Page,
    unread_only: bool = False,
) -> NotificationsPublic:
    repository = NotificationRepository(session)
    with acting_for(session, tenant):
        return repository.listing(
            NotificationsPublic,
            repository.shown_to(user_id, unread_only=unread_only),
            page,
            NEWEST_FIRST,
        )


def unread_notifications(session: Session, tenant: TenantContext, *, user_id: uuid.UUID) -> int:
    with acting_for(session, tenant):
        return NotificationRepository(session).unread_count(user_id)


def mark_notifications_read(
    session: Session,
    tenant: TenantContext,
    *,
    user_id: uuid.UUID,
    ids: Collection[uuid.UUID] | None = None,
) -> int:
    """Mark the user's notifications read (`ids`, or all); how many were unread."""
    with acting_for(session, tenant):
        return NotificationRepository(session).mark_read(user_id, ids, utcnow())


# -- preferences ---------------------------------------------------------------------------


def preferences_of(
    session: Session, user_ids: Collection[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], tuple[bool, bool]]:
    rows = PreferenceRepository(session).of_users(user_ids)
    return {(row.user_id, row.kind): (row.in_app, row.digest) for row in rows}


def get_preferences(
    session: Session, tenant: TenantContext, *, user_id: uuid.UUID
) -> PreferencesPublic:
    """Every kind, with the user's choice (in the app and in the digest when unset)."""
    with acting_for(session, tenant):
        wanted = preferences_of(session, [user_id])
    return PreferencesPublic(
        preferences=[
            PreferencePublic(
                kind=kind,
                in_app=wanted.get((user_id, kind.value), (True, True))[0],
                digest=wanted.get((user_id, kind.value), (True, True))[1],
            )
            for kind in NotificationKind
        ]
    )


def put_preferences(
    session: Session, tenant: TenantContext, *, user_id: uuid.UUID, data: PreferencesUpdate
) -> PreferencesPublic:
    """Set the kinds given (others keep their choice)."""
    with acting_for(session, tenant):
        repository = PreferenceRepository(session)
        existing = {row.kind: row for row in repository.of_users([user_id])}
        for choice in data.preferences:
            row = existing.get(choice.kind.value)
            if row is None:
                row = repository.add(Preference(user_id=user_id, kind=choice.kind.value))
                existing[row.kind] = row
            row.in_app, row.digest = choice.in_app, choice.digest
        session.flush()
    return get_preferences(session, tenant, user_id=user_id)
