"""Credits business logic: the ledger, the balance, holds, idempotency.

Public surface for other modules (amounts are integers in the smallest credit unit; each
mutating call takes an `idempotency_key`: a retry with the same key returns the first
result and changes nothing, the same key with other parameters is refused with 409):

    add(session, tenant, *, amount, kind="grant"|"purchase", reason, idempotency_key)
    deduct(session, tenant, *, amount, idempotency_key, reason=None, reference=None)
    deduct_and_commit(database, tenant, *, amount, idempotency_key, ...)  # see below
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
The exception is `deduct_and_commit`, for a caller whose whole work is one deduction (the
`POST /deductions` route): it commits the deduction itself, combined with the tenant's
concurrent deductions in one transaction (group commit, services/combiner.py). A caller
deducting inside a unit of work of its own uses `deduct`, which commits with its work.
"""

from orion.modules.credits.services import metered as metered
from orion.modules.credits.services.balances import (
    balance_of,
    balance_summary,
    daily_totals,
    get_balance,
    get_transaction,
    list_transactions,
    transactions_listing,
    update_settings,
    verify,
)
from orion.modules.credits.services.combiner import deduct_and_commit
from orion.modules.credits.services.figures import LedgerDay, ledger_days
from orion.modules.credits.services.holds import (
    get_hold,
    hold,
    holds_listing,
    list_holds,
    release,
    release_expired_holds,
    settle,
)
from orion.modules.credits.services.ledger import new_key
from orion.modules.credits.services.lifecycle import on_tenant_deleted, seed_demo
from orion.modules.credits.services.movements import add, adjust, deduct, refund

__all__ = [
    "LedgerDay",
    "add",
    "adjust",
    "balance_of",
    "balance_summary",
    "daily_totals",
    "deduct",
    "deduct_and_commit",
    "get_balance",
    "get_hold",
    "get_transaction",
    "hold",
    "holds_listing",
    "ledger_days",
    "list_holds",
    "list_transactions",
    "new_key",
    "on_tenant_deleted",
    "refund",
    "release",
    "release_expired_holds",
    "seed_demo",
    "settle",
    "transactions_listing",
    "update_settings",
    "verify",
]
