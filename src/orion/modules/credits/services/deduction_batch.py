"""Many deductions of one tenant in one transaction: the ledger's invariant, batched.

`apply_deductions` does for a list of deductions, in order, what `movements.deduct` does
for one, in a fixed number of statements whatever the list's length:

1. Claim every key at once: one multi-row INSERT ... ON CONFLICT DO NOTHING of the
   entries (sorted by key, so two batches claiming the same keys take them in the same
   order and never deadlock). A key already committed is a replay: one SELECT reads those
   entries, and each such deduction gets the first result (or 409 with other parameters).
2. Lock the account row (SELECT ... FOR UPDATE) and walk the deductions in order: each
   either fits the running balance (its entry gets that `balance_after`) or is refused
   with the same 402 as today (`balance` = the balance it found). The same key twice in
   one batch: the later one replays the earlier's entry; if the earlier was refused its
   entry is gone, so the later one is `DEFERRED` to the next batch, as it would have come
   after it.
3. One write (on PostgreSQL one statement, data-modifying CTEs): the balance minus the sum
   of what was accepted, every accepted entry's `balance_after`, refused entries deleted.
   The account row is locked from step 2 until the commit that follows.

Events are announced per accepted deduction with its own before and after, as one at a
time would. The caller commits (the combiner, in its own unit of work).
"""

from __future__ import annotations

import functools
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Uuid, bindparam, column, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import OrionError
from orion.modules.credits.exceptions import IdempotencyKeyReused, InsufficientCredits
from orion.modules.credits.models import CreditAccount, CreditTransaction
from orion.modules.credits.schemas import TransactionKind
from orion.modules.credits.services.ledger import (
    _announce,
    check_amount,
    check_key,
    digest,
    new_entry,
)

ACCOUNT = CreditAccount.__table__
LEDGER = CreditTransaction.__table__


@dataclass(frozen=True, slots=True)
class Deduction:
    """One `deduct` call's parameters, validated, with the digest its key is stored with."""

    amount: int
    idempotency_key: str
    request_hash: str
    reason: str | None = None
    reference: str | None = None
    actor_id: uuid.UUID | None = None

    @classmethod
    def of(
        cls,
        *,
        amount: int,
        idempotency_key: str,
        reason: str | None = None,
        reference: str | None = None,
        actor_id: uuid.UUID | None = None,
    ) -> Deduction:
        check_amount(amount)
        check_key(idempotency_key)
        return cls(
            amount=amount,
            idempotency_key=idempotency_key,
            # The same digest as movements.deduct: a replay may come by either path.
            request_hash=digest("deduct", amount=amount, reference=reference),
            reason=reason,
            reference=reference,
            actor_id=actor_id,
        )


class _Deferred:
    def __repr__(self) -> str:
        return "DEFERRED"


DEFERRED = _Deferred()  # run this deduction in the next batch (see step 2)

Entry = dict[str, Any] | CreditTransaction  # the values inserted, or a committed row
Outcome = Entry | OrionError | _Deferred


def apply_deductions(
    session: Session, tenant: TenantContext, deductions: list[Deduction]
) -> list[Outcome]:
    """Each deduction's outcome, in order: its entry (the values inserted, or the committed
    row a replay found), the error it is answered with, or DEFERRED. Flushes, never
    commits; the caller makes the public models after its commit (not while the account
    row is locked)."""
    first_of: dict[str, int] = {}
    entries: dict[str, dict[str, Any]] = {}
    for index, deduction in enumerate(deductions):
        key = deduction.idempotency_key
        if key not in first_of:
            first_of[key] = index
            entries[key] = _entry(tenant, deduction)
    claimed = _claim(session, [entries[key] for key in sorted(entries)])
    committed = _committed(session, tenant, [key for key in entries if key not in claimed])
    fresh = [entries[key] for key in entries if key in claimed]  # in the deductions' order

    refused: dict[str, InsufficientCredits] = {}
    threshold = _move_if_covered(session, tenant, fresh) if fresh else None
    if fresh and threshold is _NOT_COVERED:
        threshold, refused = _move_in_order(session, tenant, fresh)

    outcomes: list[Outcome] = []
    for index, deduction in enumerate(deductions):
        key = deduction.idempotency_key
        if key in committed:
            outcomes.append(_replay(committed[key], deduction))
        elif key in refused:
            # A later deduction with the refused one's key comes after the refusal, whose
            # entry is gone: it claims the key anew, in the next batch.
            outcomes.append(refused[key] if first_of[key] == index else DEFERRED)
        else:
            outcomes.append(_replay(entries[key], deduction))
    for entry in fresh:
        if entry["idempotency_key"] not in refused:
            after = entry["balance_after"]
            _announce(
                session, tenant, before=after - entry["amount"], after=after, threshold=threshold
            )
    return outcomes


def _entry(tenant: TenantContext, deduction: Deduction) -> dict[str, Any]:
    return new_entry(
        tenant,
        key=deduction.idempotency_key,
        digest=deduction.request_hash,
        kind=TransactionKind.DEDUCT,
        amount=-deduction.amount,
        reason=deduction.reason,
        reference=deduction.reference,
        actor_id=deduction.actor_id,
        refundable=deduction.amount,
    )


def _replay(first: Entry, deduction: Deduction) -> Outcome:
    """The key's first entry, or 409 when it was made with other parameters."""
    request_hash = first["request_hash"] if isinstance(first, dict) else first.request_hash
    if request_hash != deduction.request_hash:
        return IdempotencyKeyReused(deduction.idempotency_key)
    return first


def _claim(session: Session, entries: list[dict[str, Any]]) -> set[str]:
    """Insert the entries whose key is free, in one statement; the keys inserted."""
    connection = session.connection()
    # executemany with RETURNING: SQLAlchemy sends one multi-row INSERT ("insertmanyvalues").
    claimed = connection.execute(_statements(connection.dialect.name).claim, entries)
    return set(claimed.scalars())


def _committed(
    session: Session, tenant: TenantContext, keys: list[str]
) -> dict[str, CreditTransaction]:
    """The entries already holding `keys` (their owners committed before our insert)."""
    if not keys:
        return {}
    found = session.scalars(
        select(CreditTransaction).where(
            CreditTransaction.tenant_id == tenant.tenant_id,
            CreditTransaction.idempotency_key.in_(keys),
        )
    ).all()
    by_key = {entry.idempotency_key: entry for entry in found}
    assert set(by_key) == set(keys)  # ON CONFLICT gave way to committed entries only
    return by_key


class _NotCovered:
    pass


_NOT_COVERED: Any = _NotCovered()


def _move_if_covered(
    session: Session, tenant: TenantContext, fresh: list[dict[str, Any]]
) -> int | _NotCovered | None:
    """The common case in one statement: when the balance covers the whole batch, take its
    total and write every entry's balance_after (the new balance plus what the entries
    after it take); the account row is locked from here to the commit. The tenant's
    low-balance threshold, or _NOT_COVERED (nothing changed)."""
    taken = [-entry["amount"] for entry in fresh]
    # What the entries after each one take: its balance_after is the new balance plus that.
    later = list(itertools.accumulate(reversed(taken), initial=0))[-2::-1]
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    params: dict[str, Any] = {
        "account_tenant_id": tenant.tenant_id,
        "total": sum(taken),
        "moved_at": utcnow(),
    }
    if postgres:
        params.update(entry_ids=[entry["id"] for entry in fresh], later=later)
    statements = _statements(connection.dialect.name)
    row = connection.execute(statements.move_if_covered, params).first()
    if row is None:
        return _NOT_COVERED
    balance, threshold = row[0], row[1]
    for entry, taken_after in zip(fresh, later, strict=True):
        entry["balance_after"] = balance + taken_after
    if not postgres:
        _write_balances_after(session, fresh)
    return threshold


@dataclass(frozen=True, slots=True)
class _Statements:
    claim: Any
    move_if_covered: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    """The batch's statements, built once per dialect (they are the same for every batch;
    only their parameters change)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claim = (
        insert(LEDGER)
        .on_conflict_do_nothing(index_elements=("tenant_id", "idempotency_key"))
        .returning(LEDGER.c.idempotency_key)
    )
    total = bindparam("total", type_=BigInteger())
    moved = (
        update(ACCOUNT)
        .where(ACCOUNT.c.tenant_id == bindparam("account_tenant_id"), ACCOUNT.c.balance >= total)
        .values(balance=ACCOUNT.c.balance - total, updated_at=bindparam("moved_at"))
        .returning(ACCOUNT.c.balance, ACCOUNT.c.low_balance_threshold, ACCOUNT.c.tenant_id)
    )
    if dialect != "postgresql":  # SQLite has no data-modifying CTEs; its writers are serialised.
        return _Statements(claim=claim, move_if_covered=moved)
    moved_cte = moved.cte("moved")
    rows = _unnest("later")
    move_if_covered = (
        update(LEDGER)
        .where(LEDGER.c.id == rows.c.entry_id, LEDGER.c.tenant_id == moved_cte.c.tenant_id)
        .values(balance_after=moved_cte.c.balance + rows.c.later)
        .returning(moved_cte.c.balance, moved_cte.c.low_balance_threshold)
    )
    return _Statements(claim=claim, move_if_covered=move_if_covered)


def _move_in_order(
    session: Session, tenant: TenantContext, fresh: list[dict[str, Any]]
) -> tuple[int | None, dict[str, InsufficientCredits]]:
    """The balance does not cover the batch: lock the account row, then each deduction in
    order either fits what is left or is refused (402 with the balance it found; its entry
    deleted). The threshold, and the refusals by key."""
    row = session.execute(
        select(ACCOUNT.c.balance, ACCOUNT.c.low_balance_threshold)
        .where(ACCOUNT.c.tenant_id == tenant.tenant_id)
        .with_for_update()
    ).one_or_none()
    balance, threshold = (row[0], row[1]) if row else (0, None)
    accepted: list[dict[str, Any]] = []
    refused: dict[str, InsufficientCredits] = {}
    for entry in fresh:
        amount = -entry["amount"]
        if balance >= amount:
            balance -= amount
            entry["balance_after"] = balance
            accepted.append(entry)
        else:
            refused[entry["idempotency_key"]] = InsufficientCredits(
                balance=balance, required=amount
            )
    refused_ids = [entry["id"] for entry in fresh if entry["idempotency_key"] in refused]
    if not accepted:
        session.execute(delete(LEDGER).where(LEDGER.c.id.in_(refused_ids)))
        return threshold, refused
    total = sum(-entry["amount"] for entry in accepted)
    moved = (
        update(ACCOUNT)
        .where(ACCOUNT.c.tenant_id == tenant.tenant_id)
        .values(balance=ACCOUNT.c.balance - total, updated_at=utcnow())
        .returning(ACCOUNT.c.balance)
    )
    if session.get_bind().dialect.name == "postgresql":
        moved_cte = moved.cte("moved")
        afters = [entry["balance_after"] for entry in accepted]
        rows = _unnest("after", [entry["id"] for entry in accepted], afters)
        statement = (
            update(LEDGER)
            .where(LEDGER.c.id == rows.c.entry_id)
            .values(balance_after=rows.c.after)
            .returning(select(moved_cte.c.balance).scalar_subquery())
        )
        if refused_ids:
            dropped = delete(LEDGER).where(LEDGER.c.id.in_(refused_ids)).returning(LEDGER.c.id)
            statement = statement.add_cte(dropped.cte("dropped"))
        after = session.execute(statement).first()[0]
    else:
        after = session.execute(moved).scalar_one()
        if refused_ids:
            session.execute(delete(LEDGER).where(LEDGER.c.id.in_(refused_ids)))
        _write_balances_after(session, accepted)
    # The row was locked when the balance was read: anything else is a bug, never booked.
    if after != balance:
        raise RuntimeError(f"credits batch: balance {after}, expected {balance}")
    return threshold, refused


def _unnest(name: str, ids: list[uuid.UUID] | None = None, values: list[int] | None = None) -> Any:
    """PostgreSQL: the pairs (entry_id, `name`) as a table, from two array parameters
    (bound now, or when the statement runs)."""
    return (
        func.unnest(
            bindparam("entry_ids", ids, type_=postgresql.ARRAY(Uuid())),
            bindparam(name, values, type_=postgresql.ARRAY(BigInteger())),
        )
        .table_valued(column("entry_id", Uuid()), column(name, BigInteger()), name="entries")
        .render_derived()
    )


def _write_balances_after(session: Session, entries: list[dict[str, Any]]) -> None:
    session.execute(
        update(LEDGER)
        .where(LEDGER.c.id == bindparam("entry_id"))
        .values(balance_after=bindparam("after")),
        [{"entry_id": e["id"], "after": e["balance_after"]} for e in entries],
    )
