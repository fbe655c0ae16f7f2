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
serialised by the row lock and can never overdraw (see ledger.py).

Functions take the session first, then the tenant they act for; they flush, never commit.
"""

from orion.modules.credits.services.balances import (
    balance_of,
    balance_summary,
    daily_totals,
    get_balance,
    get_transaction,
    list_transactions,
    update_settings,
    verify,
)
from orion.modules.credits.services.holds import (
    get_hold,
    hold,
    list_holds,
    release,
    release_expired_holds,
    settle,
)
from orion.modules.credits.services.ledger import new_key
from orion.modules.credits.services.lifecycle import on_tenant_deleted, seed_demo
from orion.modules.credits.services.movements import add, adjust, deduct, refund

__all__ = [
    "add",
    "adjust",
    "balance_of",
    "balance_summary",
    "daily_totals",
    "deduct",
    "get_balance",
    "get_hold",
    "get_transaction",
    "hold",
    "list_holds",
    "list_transactions",
    "new_key",
    "on_tenant_deleted",
    "refund",
    "release",
    "release_expired_holds",
    "seed_demo",
    "settle",
    "update_settings",
    "verify",
]
