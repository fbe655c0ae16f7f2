"""Holds: credits reserved for work whose cost is known later (an AI call), then settled at
the actual cost or released. A hold's state moves with one conditional UPDATE, so of two
concurrent callers (settle and release, two workers releasing expired holds) one wins."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.credits.exceptions import HoldClosed, InsufficientCredits
from orion.modules.credits.models import CreditHold
from orion.modules.credits.repository import HoldRepository
from orion.modules.credits.schemas import (
    CreditHoldPublic,
    CreditHoldsPublic,
    HoldState,
    TransactionKind,
)
from orion.modules.credits.services.ledger import check_amount, claim, coverable, digest, move

log = structlog.get_logger(__name__)

DEFAULT_HOLD_LIFETIME = timedelta(minutes=15)
EXPIRY_BATCH = 1000


def list_holds(
    session: Session, tenant: TenantContext, *, page: Page, state: HoldState | None = None
) -> tuple[list[CreditHold], int]:
    holds = HoldRepository(session)
    query = holds.select()
    if state is not None:
        query = query.where(CreditHold.state == state)
    with acting_for(session, tenant):
        return holds.page(query, page, CreditHold.created_at.desc())


def holds_listing(
    session: Session, tenant: TenantContext, *, page: Page, state: HoldState | None = None
) -> CreditHoldsPublic:
    """The holds' list route (`list_holds` gives ORM rows)."""
    holds = HoldRepository(session)
    query = holds.select()
    if state is not None:
        query = query.where(CreditHold.state == state)
    with acting_for(session, tenant):
        return holds.listing(CreditHoldsPublic, query, page, CreditHold.created_at.desc())


def get_hold(session: Session, tenant: TenantContext, hold_id: uuid.UUID) -> CreditHold:
    with acting_for(session, tenant):
        return HoldRepository(session).get(hold_id)


def hold(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    idempotency_key: str,
    reason: str | None = None,
    reference: str | None = None,
    expires_in: timedelta | None = None,
) -> CreditHoldPublic:
    """Reserve `amount` (taken from the balance now, 402 when it is not there) for work
    whose cost is known later; `settle` or `release` it. Left open past `expires_in`
    (default 15 minutes), it is released by `credits.release_expired_holds`."""
    check_amount(amount)
    now = utcnow()
    record = CreditHold(
        id=uuid.uuid4(),
        tenant_id=tenant.tenant_id,
        amount=amount,
        state=HoldState.OPEN,
        reason=reason,
        reference=reference,
        expires_at=now + (expires_in or DEFAULT_HOLD_LIFETIME),
        created_at=now,
        updated_at=now,
        uncollected=0,
    )
    with acting_for(session, tenant):
        entry = claim(
            session,
            tenant,
            key=idempotency_key,
            digest=digest("hold", amount=amount, reference=reference),
            kind=TransactionKind.HOLD,
            amount=-amount,
            reason=reason,
            reference=reference,
            hold_id=record.id,
        )
        holds = HoldRepository(session)
        if not isinstance(entry, dict):
            assert entry.hold_id is not None
            return CreditHoldPublic.model_validate(holds.get(entry.hold_id))
        holds.add(record)
        try:
            move(session, tenant, entry)
        except InsufficientCredits:
            holds.delete(record)
            raise
    return CreditHoldPublic.model_validate(record)


def settle(
    session: Session, tenant: TenantContext, hold_id: uuid.UUID, *, amount: int
) -> CreditHoldPublic:
    """Close the hold at its actual cost `amount`: what was held beyond it goes back to the
    balance; a cost above the hold is charged on top as far as the balance allows, the rest
    recorded as `uncollected`. Settling again with the same cost returns the settled hold;
    with another cost, or after a release, it is refused (409).

    A hold that expired (released by the clean-up task) can still be settled: the work was
    done, so its cost is charged as far as the balance allows.
    """
    check_amount(amount, allow_zero=True)
    closed = {"state": HoldState.SETTLED, "settled_amount": amount, "closed_at": utcnow()}
    with acting_for(session, tenant):
        holds = HoldRepository(session)
        held = _close_hold(session, hold_id, HoldState.OPEN, closed)
        if held is None:
            # Expired holds gave their amount back already: nothing is held any more.
            expired = _close_hold(session, hold_id, HoldState.EXPIRED, closed)
            held = 0 if expired is not None else None
        if held is None:
            record = holds.get(hold_id)
            if record.state == HoldState.SETTLED and record.settled_amount == amount:
                return CreditHoldPublic.model_validate(record)
            raise HoldClosed(record.state)

        uncollected = 0
        if amount <= held:
            change = held - amount  # the unused part goes back
        else:
            extra = amount - held
            charged = coverable(session, extra)
            uncollected = extra - charged
            change = -charged
        entry = claim(
            session,
            tenant,
            key=f"hold:{hold_id}:settle",
            digest=digest("settle", hold_id=hold_id, amount=amount),
            kind=TransactionKind.SETTLE,
            amount=change,
            reason=f"settled at {amount}",
            hold_id=hold_id,
            refundable=amount - uncollected,
            details={"held": held, "cost": amount, "uncollected": uncollected},
        )
        if isinstance(entry, dict):
            move(session, tenant, entry)
        if uncollected:
            session.execute(
                update(CreditHold).where(CreditHold.id == hold_id).values(uncollected=uncollected),
                execution_options={"synchronize_session": False},
            )
            log.warning("credits_uncollected", hold_id=str(hold_id), uncollected=uncollected)
        return CreditHoldPublic.model_validate(holds.fresh(hold_id))


def release(session: Session, tenant: TenantContext, hold_id: uuid.UUID) -> CreditHoldPublic:
    """Give the whole hold back (the work was not done). Releasing again is a no-op."""
    with acting_for(session, tenant):
        holds = HoldRepository(session)
        held = _close_hold(
            session, hold_id, HoldState.OPEN, {"state": HoldState.RELEASED, "closed_at": utcnow()}
        )
        if held is None:
            record = holds.get(hold_id)
            if record.state in (HoldState.RELEASED, HoldState.EXPIRED):
                return CreditHoldPublic.model_validate(record)
            raise HoldClosed(record.state)
        _give_back(session, tenant, hold_id, held, reason="released")
        return CreditHoldPublic.model_validate(holds.fresh(hold_id))


def release_expired_holds(session: Session, *, now: datetime | None = None) -> int:
    """Platform task: give back the holds left open past their expiry; how many."""
    now = now or utcnow()
    with all_tenants(session):
        due = session.execute(
            select(CreditHold.id, CreditHold.tenant_id)
            .where(CreditHold.state == HoldState.OPEN, CreditHold.expires_at <= now)
            .order_by(CreditHold.expires_at)
            .limit(EXPIRY_BATCH)
        ).all()
    released = 0
    for hold_id, tenant_id in due:
        tenant = TenantContext(tenant_id)
        with acting_for(session, tenant):
            held = _close_hold(
                session, hold_id, HoldState.OPEN, {"state": HoldState.EXPIRED, "closed_at": now}
            )
            if held is None:
                continue  # settled or released meanwhile
            _give_back(session, tenant, hold_id, held, reason="expired")
        released += 1
    return released


def _close_hold(
    session: Session, hold_id: uuid.UUID, from_state: HoldState, values: dict[str, Any]
) -> int | None:
    """Move the hold out of `from_state` if it is still there (one conditional UPDATE, so
    one caller wins); the held amount, or None when it was not in that state."""
    return session.execute(
        update(CreditHold)
        .where(CreditHold.id == hold_id, CreditHold.state == from_state)
        .values(**values, updated_at=utcnow())
        .returning(CreditHold.amount),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()


def _give_back(
    session: Session, tenant: TenantContext, hold_id: uuid.UUID, held: int, *, reason: str
) -> None:
    entry = claim(
        session,
        tenant,
        key=f"hold:{hold_id}:release",
        digest=digest("release", hold_id=hold_id),
        kind=TransactionKind.RELEASE,
        amount=held,
        reason=reason,
        hold_id=hold_id,
    )
    if isinstance(entry, dict):
        move(session, tenant, entry)
