"""The one way a balance changes, and the checks every movement makes first.

1. `claim` inserts the ledger entry first, keyed by (tenant, idempotency key), with
   INSERT ... ON CONFLICT DO NOTHING: a retry, or a concurrent twin (PostgreSQL makes it
   wait for the first to commit), finds the key taken and gets the first result instead.
2. `move` changes the account's balance by the entry's amount, a debit only where the
   balance covers it, and writes the resulting balance into the entry: on PostgreSQL one
   statement (a data-modifying CTE), so the account row, the one hot row every caller of
   a tenant queues on, stays locked only until the commit that follows.
3. A debit the balance does not cover deletes its own entry and raises 402.

The callers (movements, holds) act for the tenant (`acting_for`), so the ORM reads here are
the kernel's tenant-filtered ones; the Core statements on the tables name the tenant.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from orion.kernel.data.db import insert_or_ignore, utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import FieldError, ValidationFailed
from orion.kernel.runtime.events import publish
from orion.modules.credits.events import BalanceLow, Depleted
from orion.modules.credits.exceptions import IdempotencyKeyReused, InsufficientCredits
from orion.modules.credits.models import CreditAccount, CreditTransaction
from orion.modules.credits.repository import AccountRepository, TransactionRepository
from orion.modules.credits.schemas import MAX_AMOUNT, CreditTransactionPublic, TransactionKind


def new_entry(
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
) -> dict[str, Any]:
    """A ledger entry's values, every column named (a multi-row insert needs them all);
    `balance_after` is filled in when the entry is moved."""
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant.tenant_id,
        "kind": str(kind),
        "amount": amount,
        "balance_after": 0,
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


def claim(
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
    """The new entry's values (to be `move`d), or the entry already holding `key`."""
    check_key(key)
    entry = new_entry(
        tenant,
        key=key,
        digest=digest,
        kind=kind,
        amount=amount,
        reason=reason,
        reference=reference,
        hold_id=hold_id,
        refund_of_id=refund_of_id,
        actor_id=actor_id,
        refundable=refundable,
        details=details,
    )
    if insert_or_ignore(session, CreditTransaction, entry, unique=("tenant_id", "idempotency_key")):
        return entry
    existing = TransactionRepository(session).by_key(key)
    assert existing is not None  # the key's owner committed before our insert gave way
    if existing.request_hash != digest:
        raise IdempotencyKeyReused(key)
    return existing


def unclaim(session: Session, entry: dict[str, Any]) -> None:
    session.execute(
        delete(CreditTransaction).where(CreditTransaction.id == entry["id"]),
        execution_options={"synchronize_session": False},
    )


def move(session: Session, tenant: TenantContext, entry: dict[str, Any]) -> None:
    """Apply the claimed entry's amount to the balance (see above); 402 when a debit is not
    covered, after deleting the entry."""
    amount = entry["amount"]
    moved = _apply(session, tenant, entry["id"], amount)
    if moved is None and amount > 0:
        # A tenant's first credit: its account is made then (not checked on every move).
        ensure_account(session, tenant)
        moved = _apply(session, tenant, entry["id"], amount)
    if moved is None:
        unclaim(session, entry)
        raise InsufficientCredits(balance=AccountRepository(session).balance(), required=-amount)
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


def ensure_account(session: Session, tenant: TenantContext) -> None:
    insert_or_ignore(
        session,
        CreditAccount,
        {"tenant_id": tenant.tenant_id, "balance": 0},
        unique=("tenant_id",),
    )


def coverable(session: Session, amount: int) -> int:
    """How much of `amount` the balance can still cover (the rest goes uncollected). Locks
    the account row first so that the amount read is the amount taken."""
    return min(amount, AccountRepository(session).balance(lock=True))


def _announce(
    session: Session, tenant: TenantContext, *, before: int, after: int, threshold: int | None
) -> None:
    if threshold is not None and before >= threshold > after:
        publish(session, BalanceLow(tenant_id=tenant.tenant_id, balance=after, threshold=threshold))
    if after == 0 < before:
        publish(session, Depleted(tenant_id=tenant.tenant_id))


def digest(operation: str, **params: Any) -> str:
    canonical = json.dumps({"op": operation, **params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_key() -> str:
    """A key for a call that needs no retry safety (an API call without Idempotency-Key)."""
    return f"auto:{uuid.uuid4()}"


def public(entry: dict[str, Any] | CreditTransaction) -> CreditTransactionPublic:
    return CreditTransactionPublic.model_validate(entry)


# -- validation --------------------------------------------------------------------------------


def check_amount(amount: int, *, allow_zero: bool = False) -> None:
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


def check_key(key: str) -> None:
    if not key or len(key) > 200:
        raise ValidationFailed(
            "an idempotency key of 1 to 200 characters is required",
            errors=[FieldError("idempotency_key", "must be 1 to 200 characters")],
        )


def kind_of(
    kind: TransactionKind | str, *, allowed: tuple[TransactionKind, ...]
) -> TransactionKind:
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
