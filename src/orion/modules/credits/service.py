"""Credits business logic: the ledger, the balance, holds, idempotency.

Public surface for other modules (amounts are integers in the smallest credit unit; each
mutating call takes an `idempotency_key`: a retry with the same key returns the first
result and changes nothing, the same key with other parameters is refused with 409):

    add(session, tenant, *, amount, kind="grant"|"purchase", reason, idempotency_key)
    deduct(session, tenant, *, amount, idempotency_key, reason=None, reference=None)
    refund(session, tenant, *, transaction_id, amount, idempotency_key)
    hold(session, tenant, *, amount, idempotency_key, expires_in=None) -> CreditHoldPublic
    settle(session, tenant, hold_id, *, amount)     # the actual cost
    release(session, tenant, hold_id)
    get_balance(session, tenant) -> int

Every change of the balance is one ledger entry, inserted first (it claims the idempotency
key), and one conditional UPDATE of the tenant's account row (`balance = balance - x WHERE
balance >= x`) that writes the new balance into the entry: concurrent callers are
serialised by the row lock and can never overdraw (see "the one way a balance changes").

Functions take the session first; they flush, never commit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.paging import Page, paginate
from orion.kernel.data.tenancy import TenantContext, all_tenants
from orion.kernel.errors import FieldError, ValidationFailed
from orion.kernel.runtime.events import publish
from orion.modules.credits.events import BalanceLow, Depleted
from orion.modules.credits.exceptions import (
    HoldClosed,
    HoldNotFound,
    IdempotencyKeyReused,
    InsufficientCredits,
    NotRefundable,
    TransactionNotFound,
)
from orion.modules.credits.models import CreditAccount, CreditHold, CreditTransaction
from orion.modules.credits.schemas import (
    MAX_AMOUNT,
    CreditBalancePublic,
    CreditHoldPublic,
    CreditTransactionPublic,
    HoldState,
    LedgerCheck,
    TransactionKind,
)
from orion.modules.tenancy import service as tenancy
from orion.modules.tenancy.events import TenantDeleted

log = structlog.get_logger(__name__)


DEFAULT_HOLD_LIFETIME = timedelta(minutes=15)
EXPIRY_BATCH = 1000
CREDIT_KINDS = (TransactionKind.PURCHASE, TransactionKind.GRANT)


# -- reading -----------------------------------------------------------------------------------


def get_balance(session: Session, tenant: TenantContext) -> int:
    """What the tenant can spend now (0 before its first credit)."""
    balance = session.scalar(
        select(CreditAccount.balance).where(CreditAccount.tenant_id == tenant.tenant_id)
    )
    return balance or 0


def balance_summary(session: Session, tenant: TenantContext) -> CreditBalancePublic:
    account = session.scalar(
        select(CreditAccount).where(CreditAccount.tenant_id == tenant.tenant_id)
    )
    held = session.scalar(
        select(func.coalesce(func.sum(CreditHold.amount), 0)).where(
            CreditHold.tenant_id == tenant.tenant_id, CreditHold.state == HoldState.OPEN
        )
    )
    return CreditBalancePublic(
        tenant_id=tenant.tenant_id,
        balance=account.balance if account else 0,
        held=held or 0,
        low_balance_threshold=account.low_balance_threshold if account else None,
    )


def balance_of(session: Session, tenant_id: uuid.UUID) -> int | None:
    """Kernel extension point `credit_balance`: a tenant's balance, None without an account
    (tenancy fills `TenantWithBalancePublic.balance` with it)."""
    with all_tenants(session):
        return session.scalar(
            select(CreditAccount.balance).where(CreditAccount.tenant_id == tenant_id)
        )


def list_transactions(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    kind: TransactionKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    reference: str | None = None,
    hold_id: uuid.UUID | None = None,
) -> tuple[list[CreditTransaction], int]:
    """The tenant's ledger, newest first, filtered."""
    query = select(CreditTransaction).where(CreditTransaction.tenant_id == tenant.tenant_id)
    if kind is not None:
        query = query.where(CreditTransaction.kind == kind)
    if since is not None:
        query = query.where(CreditTransaction.created_at >= since)
    if until is not None:
        query = query.where(CreditTransaction.created_at < until)
    if reference is not None:
        query = query.where(CreditTransaction.reference == reference)
    if hold_id is not None:
        query = query.where(CreditTransaction.hold_id == hold_id)
    return paginate(session, query, page, CreditTransaction.created_at.desc(), CreditTransaction.id)


def daily_totals(
    session: Session, tenant: TenantContext, *, days: int = 30
) -> list[tuple[str, int, int]]:
    """(day, credited, debited) for the last `days` days with movements, oldest first."""
    since = utcnow() - timedelta(days=days)
    day = func.date(CreditTransaction.created_at)
    credited = func.sum(case((CreditTransaction.amount > 0, CreditTransaction.amount), else_=0))
    debited = func.sum(case((CreditTransaction.amount < 0, -CreditTransaction.amount), else_=0))
    rows = session.execute(
        select(day, credited, debited)
        .where(
            CreditTransaction.tenant_id == tenant.tenant_id,
            CreditTransaction.created_at >= since,
        )
        .group_by(day)
        .order_by(day)
    ).all()
    return [(str(when), int(plus or 0), int(minus or 0)) for when, plus, minus in rows]


def get_transaction(
    session: Session, tenant: TenantContext, transaction_id: uuid.UUID
) -> CreditTransaction:
    entry = session.get(CreditTransaction, transaction_id)
    if entry is None or entry.tenant_id != tenant.tenant_id:
        raise TransactionNotFound(f"credit transaction {transaction_id} does not exist")
    return entry


def list_holds(
    session: Session, tenant: TenantContext, *, page: Page, state: HoldState | None = None
) -> tuple[list[CreditHold], int]:
    query = select(CreditHold).where(CreditHold.tenant_id == tenant.tenant_id)
    if state is not None:
        query = query.where(CreditHold.state == state)
    return paginate(session, query, page, CreditHold.created_at.desc(), CreditHold.id)


def get_hold(session: Session, tenant: TenantContext, hold_id: uuid.UUID) -> CreditHold:
    hold = session.get(CreditHold, hold_id)
    if hold is None or hold.tenant_id != tenant.tenant_id:
        raise HoldNotFound(f"credit hold {hold_id} does not exist")
    return hold


# -- credits and debits ------------------------------------------------------------------------


def add(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    reason: str,
    idempotency_key: str,
    kind: TransactionKind | str = TransactionKind.GRANT,
    reference: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """Credit the tenant: a purchase, or a grant (a plan's included credits, a gesture)."""
    kind = _kind(kind, allowed=CREDIT_KINDS)
    _check_amount(amount)
    entry = _claim(
        session,
        tenant,
        key=idempotency_key,
        digest=_digest("add", kind=kind, amount=amount, reference=reference),
        kind=kind,
        amount=amount,
        reason=reason,
        reference=reference,
        actor_id=actor_id,
    )
    if isinstance(entry, dict):
        _move(session, tenant, entry)
    return _public(entry)


def adjust(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    reason: str,
    idempotency_key: str,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """An operator's correction up or down; down never below zero (402 otherwise)."""
    if amount == 0:
        raise ValidationFailed(
            "an adjustment moves a non-zero amount",
            errors=[FieldError("amount", "must not be zero")],
        )
    _check_amount(abs(amount))
    entry = _claim(
        session,
        tenant,
        key=idempotency_key,
        digest=_digest("adjust", amount=amount),
        kind=TransactionKind.ADJUSTMENT,
        amount=amount,
        reason=reason,
        actor_id=actor_id,
    )
    if isinstance(entry, dict):
        _move(session, tenant, entry)
    return _public(entry)


def deduct(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    idempotency_key: str,
    reason: str | None = None,
    reference: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """Charge the tenant `amount`, or refuse with 402 (balance and amount) leaving it as it
    was. The charge stays refundable."""
    _check_amount(amount)
    entry = _claim(
        session,
        tenant,
        key=idempotency_key,
        digest=_digest("deduct", amount=amount, reference=reference),
        kind=TransactionKind.DEDUCT,
        amount=-amount,
        reason=reason,
        reference=reference,
        actor_id=actor_id,
        refundable=amount,
    )
    if isinstance(entry, dict):
        _move(session, tenant, entry)
    return _public(entry)


def refund(
    session: Session,
    tenant: TenantContext,
    *,
    transaction_id: uuid.UUID,
    amount: int,
    idempotency_key: str,
    reason: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """Give back part or all of a charge (a deduction, a settled hold); refunds of one
    charge never add up to more than it (409 otherwise)."""
    _check_amount(amount)
    original = get_transaction(session, tenant, transaction_id)
    entry = _claim(
        session,
        tenant,
        key=idempotency_key,
        digest=_digest("refund", transaction_id=transaction_id, amount=amount),
        kind=TransactionKind.REFUND,
        amount=amount,
        reason=reason,
        reference=original.reference,
        refund_of_id=transaction_id,
        actor_id=actor_id,
    )
    if not isinstance(entry, dict):
        return _public(entry)
    # One conditional UPDATE takes the amount from what is left to refund: concurrent
    # refunds of one charge cannot add up to more than it.
    left = session.execute(
        update(CreditTransaction)
        .where(CreditTransaction.id == transaction_id, CreditTransaction.refundable >= amount)
        .values(refundable=CreditTransaction.refundable - amount)
        .returning(CreditTransaction.refundable),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if left is None:
        _unclaim(session, entry)
        session.refresh(original)
        raise NotRefundable(refundable=original.refundable, requested=amount)
    _move(session, tenant, entry)
    return _public(entry)


# -- holds -------------------------------------------------------------------------------------


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
    _check_amount(amount)
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
    entry = _claim(
        session,
        tenant,
        key=idempotency_key,
        digest=_digest("hold", amount=amount, reference=reference),
        kind=TransactionKind.HOLD,
        amount=-amount,
        reason=reason,
        reference=reference,
        hold_id=record.id,
    )
    if not isinstance(entry, dict):
        assert entry.hold_id is not None
        return CreditHoldPublic.model_validate(get_hold(session, tenant, entry.hold_id))
    session.add(record)
    session.flush()
    try:
        _move(session, tenant, entry)
    except InsufficientCredits:
        session.delete(record)
        session.flush()
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
    _check_amount(amount, allow_zero=True)
    closed = {"state": HoldState.SETTLED, "settled_amount": amount, "closed_at": utcnow()}
    held = _close_hold(session, hold_id, HoldState.OPEN, closed)
    if held is None:
        # Expired holds gave their amount back already: nothing is held any more.
        held = 0 if _close_hold(session, hold_id, HoldState.EXPIRED, closed) is not None else None
    if held is None:
        record = get_hold(session, tenant, hold_id)
        if record.state == HoldState.SETTLED and record.settled_amount == amount:
            return CreditHoldPublic.model_validate(record)
        raise HoldClosed(record.state)

    uncollected = 0
    if amount <= held:
        change = held - amount  # the unused part goes back
    else:
        extra = amount - held
        charged = _coverable(session, tenant, extra)
        uncollected = extra - charged
        change = -charged
    entry = _claim(
        session,
        tenant,
        key=f"hold:{hold_id}:settle",
        digest=_digest("settle", hold_id=hold_id, amount=amount),
        kind=TransactionKind.SETTLE,
        amount=change,
        reason=f"settled at {amount}",
        hold_id=hold_id,
        refundable=amount - uncollected,
        details={"held": held, "cost": amount, "uncollected": uncollected},
    )
    if isinstance(entry, dict):
        _move(session, tenant, entry)
    if uncollected:
        session.execute(
            update(CreditHold).where(CreditHold.id == hold_id).values(uncollected=uncollected),
            execution_options={"synchronize_session": False},
        )
        log.warning("credits_uncollected", hold_id=str(hold_id), uncollected=uncollected)
    return CreditHoldPublic.model_validate(_reload(session, tenant, hold_id))


def release(session: Session, tenant: TenantContext, hold_id: uuid.UUID) -> CreditHoldPublic:
    """Give the whole hold back (the work was not done). Releasing again is a no-op."""
    held = _close_hold(
        session, hold_id, HoldState.OPEN, {"state": HoldState.RELEASED, "closed_at": utcnow()}
    )
    if held is None:
        record = get_hold(session, tenant, hold_id)
        if record.state in (HoldState.RELEASED, HoldState.EXPIRED):
            return CreditHoldPublic.model_validate(record)
        raise HoldClosed(record.state)
    _give_back(session, tenant, hold_id, held, reason="released")
    return CreditHoldPublic.model_validate(_reload(session, tenant, hold_id))


def release_expired_holds(session: Session, *, now: datetime | None = None) -> int:
    """Platform task: give back the holds left open past their expiry; how many."""
    now = now or utcnow()
    released = 0
    with all_tenants(session):
        due = session.execute(
            select(CreditHold.id, CreditHold.tenant_id)
            .where(CreditHold.state == HoldState.OPEN, CreditHold.expires_at <= now)
            .order_by(CreditHold.expires_at)
            .limit(EXPIRY_BATCH)
        ).all()
        for hold_id, tenant_id in due:
            held = _close_hold(
                session, hold_id, HoldState.OPEN, {"state": HoldState.EXPIRED, "closed_at": now}
            )
            if held is None:
                continue  # settled or released meanwhile
            _give_back(session, TenantContext(tenant_id), hold_id, held, reason="expired")
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
    entry = _claim(
        session,
        tenant,
        key=f"hold:{hold_id}:release",
        digest=_digest("release", hold_id=hold_id),
        kind=TransactionKind.RELEASE,
        amount=held,
        reason=reason,
        hold_id=hold_id,
    )
    if isinstance(entry, dict):
        _move(session, tenant, entry)


def _reload(session: Session, tenant: TenantContext, hold_id: uuid.UUID) -> CreditHold:
    """The hold as the statements above left it (one SELECT, refreshing any stale copy)."""
    record = session.get(CreditHold, hold_id, populate_existing=True)
    if record is None or record.tenant_id != tenant.tenant_id:
        raise HoldNotFound(f"credit hold {hold_id} does not exist")
    return record


# -- settings, verification, lifecycle ---------------------------------------------------------


def update_settings(
    session: Session, tenant: TenantContext, *, low_balance_threshold: int | None
) -> CreditBalancePublic:
    _ensure_account(session, tenant)
    session.execute(
        update(CreditAccount)
        .where(CreditAccount.tenant_id == tenant.tenant_id)
        .values(low_balance_threshold=low_balance_threshold, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return balance_summary(session, tenant)


def verify(session: Session) -> list[LedgerCheck]:
    """Every tenant's balance against the sum of its ledger (platform-level)."""
    with all_tenants(session):
        sums = dict(
            session.execute(
                select(CreditTransaction.tenant_id, func.sum(CreditTransaction.amount)).group_by(
                    CreditTransaction.tenant_id
                )
            ).all()
        )
        held = dict(
            session.execute(
                select(CreditHold.tenant_id, func.sum(CreditHold.amount))
                .where(CreditHold.state == HoldState.OPEN)
                .group_by(CreditHold.tenant_id)
            ).all()
        )
        balances = dict(
            session.execute(select(CreditAccount.tenant_id, CreditAccount.balance)).all()
        )
    return [
        LedgerCheck(
            tenant_id=tenant_id,
            balance=balances.get(tenant_id, 0),
            ledger_sum=int(sums.get(tenant_id) or 0),
            open_holds=int(held.get(tenant_id) or 0),
        )
        for tenant_id in sorted(set(balances) | set(sums), key=str)
    ]


def seed_demo(session: Session, runtime: Any) -> None:
    """`orion demo`: the demo tenants get welcome credits and a first charge (once: the
    idempotency keys make a second run a no-op)."""
    with all_tenants(session):
        for tenant in tenancy.demo_tenants(session):
            _seed_tenant(session, tenant)


def _seed_tenant(session: Session, tenant: TenantContext) -> None:
    add(
        session,
        tenant,
        amount=10_000,
        reason="welcome credits",
        idempotency_key="demo:welcome",
    )
    deduct(
        session,
        tenant,
        amount=1_250,
        reason="first AI usage",
        reference="demo",
        idempotency_key="demo:first-charge",
    )


def on_tenant_deleted(session: Session, event: TenantDeleted) -> None:
    """tenancy.tenant_deleted: the tenant's account, ledger and holds go with it."""
    tenant_id = event.deleted_tenant_id
    with all_tenants(session):
        for model in (CreditTransaction, CreditHold, CreditAccount):
            session.execute(delete(model).where(model.tenant_id == tenant_id))


# -- the one way a balance changes -------------------------------------------------------------
#
# 1. `_claim` inserts the ledger entry first, keyed by (tenant, idempotency key), with
#    INSERT ... ON CONFLICT DO NOTHING: a retry, or a concurrent twin (PostgreSQL makes it
#    wait for the first to commit), finds the key taken and gets the first result instead.
# 2. `_move` changes the account's balance by the entry's amount, a debit only where the
#    balance covers it, and writes the resulting balance into the entry: on PostgreSQL one
#    statement (a data-modifying CTE), so the account row, the one hot row every caller of
#    a tenant queues on, stays locked only until the commit that follows.
# 3. A debit the balance does not cover deletes its own entry and raises 402.


def _claim(
    session: Session,
    tenant: TenantContext,
    *,
    key: str,
    digest: str,
    kind: TransactionKind,
    amount: int,
    reason: str | None = None,
    reference: str | None = None,
    hold_id: uuid.UUID | None = None,
    refund_of_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    refundable: int = 0,
    details: dict[str, Any] | None = None,
) -> dict[str, Any] | CreditTransaction:
    """The new entry's values (to be `_move`d), or the entry already holding `key`."""
    _check_key(key)
    entry: dict[str, Any] = {
        "id": uuid.uuid4(),
        "tenant_id": tenant.tenant_id,
        "kind": str(kind),
        "amount": amount,
        "balance_after": 0,  # filled in by _move
        "refundable": refundable,
        "reason": reason,
        "reference": reference,
        "hold_id": hold_id,
        "refund_of_id": refund_of_id,
        "actor_id": actor_id,
        "idempotency_key": key,
        "request_hash": digest,
        "details": details,
        "created_at": utcnow(),
    }
    if insert_or_ignore(session, CreditTransaction, entry, unique=("tenant_id", "idempotency_key")):
        return entry
    existing = session.scalar(
        select(CreditTransaction).where(
            CreditTransaction.tenant_id == tenant.tenant_id,
            CreditTransaction.idempotency_key == key,
        )
    )
    assert existing is not None  # the key's owner committed before our insert gave way
    if existing.request_hash != digest:
        raise IdempotencyKeyReused(key)
    return existing


def _unclaim(session: Session, entry: dict[str, Any]) -> None:
    session.execute(
        delete(CreditTransaction).where(CreditTransaction.id == entry["id"]),
        execution_options={"synchronize_session": False},
    )


def _move(session: Session, tenant: TenantContext, entry: dict[str, Any]) -> None:
    """Apply the claimed entry's amount to the balance (see above); 402 when a debit is not
    covered, after deleting the entry."""
    amount = entry["amount"]
    moved = _apply(session, tenant, entry["id"], amount)
    if moved is None and amount > 0:
        # A tenant's first credit: its account is made then (not checked on every move).
        _ensure_account(session, tenant)
        moved = _apply(session, tenant, entry["id"], amount)
    if moved is None:
        _unclaim(session, entry)
        raise InsufficientCredits(balance=get_balance(session, tenant), required=-amount)
    balance, threshold = moved
    entry["balance_after"] = balance
    if amount < 0:
        _announce(session, tenant, before=balance - amount, after=balance, threshold=threshold)


def _apply(
    session: Session, tenant: TenantContext, entry_id: uuid.UUID, amount: int
) -> tuple[int, int | None] | None:
    account = CreditAccount.__table__
    ledger = CreditTransaction.__table__
    covered = [account.c.tenant_id == tenant.tenant_id]
    if amount < 0:
        covered.append(account.c.balance >= -amount)
    change = (
        update(account)
        .where(*covered)
        .values(balance=account.c.balance + amount, updated_at=utcnow())
        .returning(account.c.balance, account.c.low_balance_threshold, account.c.tenant_id)
    )
    if session.get_bind().dialect.name == "postgresql":
        moved = change.cte("moved")
        row = session.execute(
            update(ledger)
            .where(ledger.c.id == entry_id, ledger.c.tenant_id == moved.c.tenant_id)
            .values(balance_after=moved.c.balance)
            .returning(ledger.c.balance_after, moved.c.low_balance_threshold)
        ).one_or_none()
        return (row[0], row[1]) if row else None
    # SQLite has no data-modifying CTEs; its writers are serialised anyway.
    row = session.execute(change).one_or_none()
    if row is None:
        return None
    session.execute(update(ledger).where(ledger.c.id == entry_id).values(balance_after=row[0]))
    return row[0], row[1]


def _ensure_account(session: Session, tenant: TenantContext) -> None:
    insert_or_ignore(
        session,
        CreditAccount,
        {"tenant_id": tenant.tenant_id, "balance": 0},
        unique=("tenant_id",),
    )


def _coverable(session: Session, tenant: TenantContext, amount: int) -> int:
    """How much of `amount` the balance can still cover (the rest goes uncollected). Locks
    the account row first so that the amount read is the amount taken."""
    balance = session.scalar(
        select(CreditAccount.balance)
        .where(CreditAccount.tenant_id == tenant.tenant_id)
        .with_for_update()
    )
    return min(amount, balance or 0)


def _announce(
    session: Session, tenant: TenantContext, *, before: int, after: int, threshold: int | None
) -> None:
    if threshold is not None and before >= threshold > after:
        publish(session, BalanceLow(tenant_id=tenant.tenant_id, balance=after, threshold=threshold))
    if after == 0 < before:
        publish(session, Depleted(tenant_id=tenant.tenant_id))


def _digest(operation: str, **params: Any) -> str:
    canonical = json.dumps({"op": operation, **params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_key() -> str:
    """A key for a call that needs no retry safety (an API call without Idempotency-Key)."""
    return f"auto:{uuid.uuid4()}"


def _public(entry: dict[str, Any] | CreditTransaction) -> CreditTransactionPublic:
    if isinstance(entry, dict):
        return CreditTransactionPublic.model_validate(entry)
    return CreditTransactionPublic.model_validate(entry)


# -- validation --------------------------------------------------------------------------------


def _check_amount(amount: int, *, allow_zero: bool = False) -> None:
    smallest = 0 if allow_zero else 1
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(
            "amount must be an integer number of credit units",
            errors=[FieldError("amount", "must be an integer", "int_type")],
        )
    if not smallest <= amount <= MAX_AMOUNT:
        raise ValidationFailed(
            f"amount must be between {smallest} and {MAX_AMOUNT}",
            errors=[FieldError("amount", f"must be between {smallest} and {MAX_AMOUNT}")],
        )


def _check_key(key: str) -> None:
    if not key or len(key) > 200:
        raise ValidationFailed(
            "an idempotency key of 1 to 200 characters is required",
            errors=[FieldError("idempotency_key", "must be 1 to 200 characters")],
        )


def _kind(kind: TransactionKind | str, *, allowed: tuple[TransactionKind, ...]) -> TransactionKind:
    try:
        value = TransactionKind(kind)
    except ValueError:
        value = None
    if value not in allowed:
        names = ", ".join(allowed)
        raise ValidationFailed(
            f"kind must be one of {names}", errors=[FieldError("kind", f"must be one of {names}")]
        )
    return value
