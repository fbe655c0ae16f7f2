"""Group commit for a hot credit account: concurrent deductions of one tenant share one
transaction, one balance update and one multi-row ledger insert.

One tenant's deductions serialise on its account row; one at a time, a tenant cannot be
charged faster than one transaction per lock hold. Here, in one server process, the
deductions waiting for a tenant are combined: the first caller to arrive leads, takes
every deduction queued for the tenant (up to `max_batch`), applies them in order in one
unit of work of its own (`deduction_batch.apply_deductions`), commits, and wakes each
caller with its own result; callers that arrived meanwhile queue for the next batch, led
by the first of them. Between server processes the account row's lock still serialises
the batches, so each process combines what it has.

Only for callers whose whole work is the deduction (the `POST /deductions` route): the
deduction is committed here, not in the caller's transaction. Callers deducting inside a
larger unit of work of their own (billing, the AI gateway) use `movements.deduct`, which
commits or rolls back with their work.

The mutex guards the queues only; nobody holds it while talking to the database. A batch
waits on locks at most `lock_timeout_ms` (PostgreSQL), so a leader stuck behind a long
transaction gives up its followers in bounded time; when a batch fails for any reason
(that timeout, a deadlock, a lost connection) nothing of it is committed and every one of
its callers runs its deduction alone, the way it always did (its key makes that safe even
if a commit was in fact acknowledged late).
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections import deque
from dataclasses import dataclass, field

import structlog
from sqlalchemy import text

from orion.kernel.data.db import Database
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import OrionError
from orion.modules.credits.schemas import CreditTransactionPublic
from orion.modules.credits.services.deduction_batch import (
    DEFERRED,
    Deduction,
    apply_deductions,
)
from orion.modules.credits.services.ledger import public
from orion.modules.credits.services.movements import deduct

log = structlog.get_logger(__name__)

MAX_BATCH = 256
LOCK_TIMEOUT_MS = 5000


class _Alone:
    def __repr__(self) -> str:
        return "ALONE"


_PENDING: None = None
_ALONE = _Alone()  # the batch failed: deduct alone, in a unit of work of one's own


@dataclass(eq=False, slots=True)
class _Waiter:
    deduction: Deduction
    outcome: CreditTransactionPublic | OrionError | _Alone | None = _PENDING
    # Set when the outcome is in, or (outcome still pending) when it is this one's turn to lead.
    woken: threading.Event = field(default_factory=threading.Event)


@dataclass(eq=False, slots=True)
class _Lane:
    """One tenant's queue in this process; it exists while it has a leader."""

    queue: deque[_Waiter] = field(default_factory=deque)


@dataclass(slots=True)
class CombinerStats:
    batches: int = 0
    deductions: int = 0
    alone: int = 0  # deductions that fell back to a unit of work of their own


class DeductionCombiner:
    """Combines one process's concurrent deductions per tenant (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        *,
        max_batch: int = MAX_BATCH,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    ) -> None:
        self.database = database
        self.max_batch = max_batch
        # SET takes no bound parameters: an int, formatted here, is all that reaches the SQL.
        self._set_lock_timeout = text(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
        self.stats = CombinerStats()
        self._mutex = threading.Lock()
        self._lanes: dict[TenantContext, _Lane] = {}

    def deduct(self, tenant: TenantContext, deduction: Deduction) -> CreditTransactionPublic:
        """Deduct and commit; the entry, or the error the deduction is refused with."""
        waiter = _Waiter(deduction)
        with self._mutex:
            lane = self._lanes.get(tenant)
            leads = lane is None
            if lane is None:
                lane = self._lanes[tenant] = _Lane()
            lane.queue.append(waiter)
        if not leads:
            waiter.woken.wait()
        if waiter.outcome is _PENDING:
            self._lead(tenant, lane, waiter)
        outcome = waiter.outcome
        if isinstance(outcome, CreditTransactionPublic):
            return outcome
        if isinstance(outcome, OrionError):
            raise outcome
        return self._deduct_alone(tenant, deduction)

    def _lead(self, tenant: TenantContext, lane: _Lane, own: _Waiter) -> None:
        """Commit batches from the lane until `own` has its outcome, then hand the lane to
        the next waiter (or close it)."""
        try:
            while own.outcome is _PENDING:
                with self._mutex:
                    taken = min(len(lane.queue), self.max_batch)
                    batch = [lane.queue.popleft() for _ in range(taken)]
                    self.stats.batches += 1
                    self.stats.deductions += taken
                try:
                    deferred = self._commit(tenant, batch)
                    with self._mutex:
                        lane.queue.extendleft(reversed(deferred))
                finally:
                    for waiter in batch:
                        if waiter.outcome is not _PENDING and waiter is not own:
                            waiter.woken.set()
        finally:
            with self._mutex:
                if lane.queue:
                    lane.queue[0].woken.set()  # its outcome is pending: it leads next
                else:
                    del self._lanes[tenant]

    def _commit(self, tenant: TenantContext, batch: list[_Waiter]) -> list[_Waiter]:
        """Apply and commit the batch, giving each waiter its outcome; the waiters deferred
        to the next batch."""
        try:
            with self.database.unit_of_work(tenant=tenant) as session:
                if session.get_bind().dialect.name == "postgresql":
                    session.execute(self._set_lock_timeout)
                outcomes = apply_deductions(session, tenant, [w.deduction for w in batch])
        except BaseException as exc:
            for waiter in batch:
                waiter.outcome = _ALONE
            with self._mutex:
                self.stats.alone += len(batch)
            if not isinstance(exc, Exception):
                raise
            log.warning("credits_batch_failed", size=len(batch), error=repr(exc))
            return []
        deferred = []
        for waiter, outcome in zip(batch, outcomes, strict=True):
            if outcome is DEFERRED:
                deferred.append(waiter)
            elif isinstance(outcome, OrionError):
                waiter.outcome = outcome
            else:
                waiter.outcome = public(outcome)
        return deferred

    def _deduct_alone(self, tenant: TenantContext, deduction: Deduction) -> CreditTransactionPublic:
        with self.database.unit_of_work(tenant=tenant) as session:
            return deduct(
                session,
                tenant,
                amount=deduction.amount,
                idempotency_key=deduction.idempotency_key,
                reason=deduction.reason,
                reference=deduction.reference,
                actor_id=deduction.actor_id,
            )


_combiners: weakref.WeakKeyDictionary[Database, DeductionCombiner] = weakref.WeakKeyDictionary()
_combiners_mutex = threading.Lock()


def combiner_for(database: Database) -> DeductionCombiner:
    """The process's combiner for `database` (one per database, made on first use)."""
    with _combiners_mutex:
        combiner = _combiners.get(database)
        if combiner is None:
            combiner = _combiners[database] = DeductionCombiner(database)
        return combiner


def deduct_and_commit(
    database: Database,
    tenant: TenantContext,
    *,
    amount: int,
    idempotency_key: str,
    reason: str | None = None,
    reference: str | None = None,
    actor_id: uuid.UUID | None = None,
) -> CreditTransactionPublic:
    """`deduct`, committed at once, combined with the tenant's concurrent deductions in this
    process: for a caller with no unit of work of its own. Same entry, same 402 and 409,
    same events as `deduct`."""
    deduction = Deduction.of(
        amount=amount,
        idempotency_key=idempotency_key,
        reason=reason,
        reference=reference,
        actor_id=actor_id,
    )
    return combiner_for(database).deduct(tenant, deduction)
