"""Metered work (an AI call) in the fewest statements: a hold taken in one statement and
closed in one, with the same ledger entries, keys and 402 as `holds.hold`, `settle` and
`release`.

On PostgreSQL each is one data-modifying CTE: the account's conditional UPDATE, the hold's
row and its ledger entry (balance_after filled from the UPDATE's RETURNING) move together,
so the account row stays locked only until the commit that follows. The statements name
the tenant in every WHERE and VALUES, so the caller's unit of work needs no tenant setting
(one `set_config` fewer per transaction). Anything off the common path (a cost above the
hold, a hold that expired or was closed already, SQLite, a crossed low-balance threshold)
goes through the general functions in holds.py, acting for the tenant.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.credits.exceptions import InsufficientCredits
from orion.modules.credits.models import CreditAccount, CreditHold, CreditTransaction
from orion.modules.credits.schemas import HoldState, TransactionKind
from orion.modules.credits.services.holds import DEFAULT_HOLD_LIFETIME, hold, release, settle
from orion.modules.credits.services.ledger import _announce, check_amount, check_key, digest

ACCOUNT = CreditAccount.__table__
HOLD = CreditHold.__table__
LEDGER = CreditTransaction.__table__
# The statements below name the tenant in every WHERE and VALUES themselves: the kernel's
# tenant filter (and the set_config it needs) would only repeat that.
NAMES_ITS_TENANT = {"all_tenants": True}


def hold_call(
    session: Session,
    tenant: TenantContext,
    *,
    amount: int,
    idempotency_key: str,
    reason: str | None = None,
    reference: str | None = None,
    expires_in: timedelta | None = None,
) -> uuid.UUID:
    """`holds.hold` for a caller whose key is new (a fresh one per call): reserve `amount`,
    402 (`InsufficientCredits`, with the balance) when the balance lacks it; the hold's id."""
    if session.get_bind().dialect.name != "postgresql":
        with acting_for(session, tenant):
            return hold(
                session,
                tenant,
                amount=amount,
                idempotency_key=idempotency_key,
                reason=reason,
                reference=reference,
                expires_in=expires_in,
            ).id
    check_amount(amount)
    check_key(idempotency_key)
    now = utcnow()
    hold_id = uuid.uuid4()
    values = _entry(
        tenant,
        kind=TransactionKind.HOLD,
        amount=-amount,
        key=idempotency_key,
        digest=digest("hold", amount=amount, reference=reference),
        reason=reason,
        reference=reference,
        hold_id=hold_id,
        now=now,
    )
    values |= {
        "taken": amount,
        "hold_amount": amount,
        "hold_state": str(HoldState.OPEN),
        "expires_at": now + (expires_in or DEFAULT_HOLD_LIFETIME),
        "uncollected": 0,
    }
    row = session.execute(
        _hold_statement(), _params(values), execution_options=NAMES_ITS_TENANT
    ).one()
    after, threshold, balance, holds_made, entries_made = row
    if after is None:
        raise InsufficientCredits(balance=balance or 0, required=amount)
    assert holds_made == entries_made == 1
    before_hold = after + amount
    if (threshold is not None and before_hold >= threshold > after) or after == 0:
        with acting_for(session, tenant):  # subscribers may write as the tenant
            _announce(session, tenant, before=before_hold, after=after, threshold=threshold)
    return hold_id


def settle_call(
    session: Session, tenant: TenantContext, hold_id: uuid.UUID, *, held: int, cost: int
) -> None:
    """Close a hold of `held` at its actual `cost`: `holds.settle` (`holds.release` when
    the cost is 0), in one statement when the hold is still open and covers the cost."""
    check_amount(cost, allow_zero=True)
    one_statement = session.get_bind().dialect.name == "postgresql" and cost <= held
    if one_statement and _close_open_hold(session, tenant, hold_id, held=held, cost=cost):
        return
    with acting_for(session, tenant):
        if cost > 0:
            settle(session, tenant, hold_id, amount=cost)
        else:
            release(session, tenant, hold_id)


def _close_open_hold(
    session: Session, tenant: TenantContext, hold_id: uuid.UUID, *, held: int, cost: int
) -> bool:
    """The hold's state, the unused part back on the balance and the ledger entry, in one
    statement; False (nothing changed) when the hold is not open at `held` any more."""
    now = utcnow()
    if cost > 0:
        closing: dict[str, Any] = {"hold_state": str(HoldState.SETTLED), "cost": cost}
        entry = _entry(
            tenant,
            kind=TransactionKind.SETTLE,
            amount=held - cost,
            key=f"hold:{hold_id}:settle",
            digest=digest("settle", hold_id=hold_id, amount=cost),
            reason=f"settled at {cost}",
            hold_id=hold_id,
            refundable=cost,
            details={"held": held, "cost": cost, "uncollected": 0},
            now=now,
        )
    else:
        closing = {"hold_state": str(HoldState.RELEASED)}
        entry = _entry(
            tenant,
            kind=TransactionKind.RELEASE,
            amount=held,
            key=f"hold:{hold_id}:release",
            digest=digest("release", hold_id=hold_id),
            reason="released",
            hold_id=hold_id,
            now=now,
        )
    values = entry | closing | {"held": held, "change": held - cost}
    statement = _close_statement(settled=cost > 0)
    made = session.execute(
        statement, _params(values), execution_options=NAMES_ITS_TENANT
    ).scalar_one()
    return made == 1


ENTRY_COLUMNS = (
    "id",
    "tenant_id",
    "kind",
    "amount",
    "refundable",
    "reason",
    "reference",
    "hold_id",
    "refund_of_id",
    "actor_id",
    "idempotency_key",
    "request_hash",
    "details",
    "created_at",
)


def _entry(
    tenant: TenantContext,
    *,
    kind: TransactionKind,
    amount: int,
    key: str,
    digest: str,
    now: Any,
    reason: str | None = None,
    reference: str | None = None,
    hold_id: uuid.UUID | None = None,
    refundable: int = 0,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ledger entry's values, as `ledger.claim` writes them (balance_after comes later)."""
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant.tenant_id,
        "kind": str(kind),
        "amount": amount,
        "refundable": refundable,
        "reason": reason,
        "reference": reference,
        "hold_id": hold_id,
        "refund_of_id": None,
        "actor_id": None,
        "idempotency_key": key,
        "request_hash": digest,
        "details": details,
        "created_at": now,
    }


# The statements are built once (their SQL compiled once): a call only binds its values.


@cache
def _hold_statement() -> Any:
    """Take `taken` from the balance if it covers it; insert the hold and its ledger entry
    from what the UPDATE returned (nothing when it matched nothing)."""
    moved = (
        update(ACCOUNT)
        .where(ACCOUNT.c.tenant_id == bindparam("p_tenant_id"), ACCOUNT.c.balance >= _bind("taken"))
        .values(balance=ACCOUNT.c.balance - _bind("taken"), updated_at=bindparam("p_created_at"))
        .returning(ACCOUNT.c.balance, ACCOUNT.c.low_balance_threshold)
        .cte("moved")
    )
    hold_columns = {
        "id": "hold_id",
        "tenant_id": "tenant_id",
        "amount": "hold_amount",
        "state": "hold_state",
        "reason": "reason",
        "reference": "reference",
        "expires_at": "expires_at",
        "uncollected": "uncollected",
        "created_at": "created_at",
        "updated_at": "created_at",
    }
    held = _insert_from(HOLD, moved, hold_columns).cte("held")
    entry = _insert_from(
        LEDGER, moved, {name: name for name in ENTRY_COLUMNS}, balance_after=moved.c.balance
    ).cte("entry")
    # Every sub-statement sees the snapshot from before the UPDATE: the last column is the
    # balance a refusal reports.
    before = select(ACCOUNT.c.balance).where(ACCOUNT.c.tenant_id == bindparam("p_tenant_id"))
    return select(
        select(moved.c.balance).scalar_subquery(),
        select(moved.c.low_balance_threshold).scalar_subquery(),
        before.scalar_subquery(),
        select(func.count()).select_from(held).scalar_subquery(),
        select(func.count()).select_from(entry).scalar_subquery(),
    )


@cache
def _close_statement(*, settled: bool) -> Any:
    """Close the hold if it is still open at `held`; put `change` back on the balance; the
    ledger entry from what the UPDATE returned. How many entries were written."""
    closing: dict[str, Any] = {"state": bindparam("p_hold_state", type_=HOLD.c.state.type)}
    if settled:
        closing["settled_amount"] = _bind("cost")
    closed = (
        update(HOLD)
        .where(
            HOLD.c.id == bindparam("p_hold_id"),
            HOLD.c.tenant_id == bindparam("p_tenant_id"),
            HOLD.c.state == str(HoldState.OPEN),
            HOLD.c.amount == _bind("held"),
        )
        .values(**closing, closed_at=_now(), updated_at=_now())
        .returning(HOLD.c.tenant_id)
        .cte("closed")
    )
    moved = (
        update(ACCOUNT)
        .where(ACCOUNT.c.tenant_id == closed.c.tenant_id)
        .values(balance=ACCOUNT.c.balance + _bind("change"), updated_at=bindparam("p_created_at"))
        .returning(ACCOUNT.c.balance)
        .cte("moved")
    )
    entry = _insert_from(
        LEDGER, moved, {name: name for name in ENTRY_COLUMNS}, balance_after=moved.c.balance
    ).cte("entry")
    return select(func.count()).select_from(entry)


def _now() -> Any:
    return bindparam("p_created_at", type_=HOLD.c.updated_at.type)


def _bind(name: str) -> Any:
    return bindparam(f"p_{name}", type_=BigInteger())


def _params(values: dict[str, Any]) -> dict[str, Any]:
    """Bound parameters never share a column's name: an UPDATE given a parameter named
    like one of its table's columns would also SET that column."""
    return {f"p_{name}": value for name, value in values.items()}


def _insert_from(table: Any, source: Any, params: dict[str, str], **from_source: Any) -> Any:
    """INSERT one row (column: the bound parameter giving its value, and columns taken
    from `source`) for each row of `source`: none when its UPDATE matched nothing."""
    columns = [*params, *from_source]
    bound = [bindparam(f"p_{param}", type_=table.c[name].type) for name, param in params.items()]
    return (
        insert(table)
        .from_select(columns, select(*bound, *from_source.values()).select_from(source))
        .returning(table.c.id)
    )
