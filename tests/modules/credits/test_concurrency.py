"""Many callers at once (threads, each with its own connection and transaction, as
concurrent requests are): no overdraft, an exact balance, one entry per idempotency key,
one settlement per hold, refunds capped by the charge. Meaningful on PostgreSQL, where the
transactions really overlap; on SQLite they are serialised and the same facts hold."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.modules.credits import services
from orion.modules.credits.models import CreditTransaction
from tests.modules.credits.conftest import balance, key, ledger_is_exact

CALLERS = 16  # below the engine's pool (10 + 10 overflow)


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released together; results or raised errors."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def codes(results: list[Any]) -> Counter[str]:
    return Counter(r.code if isinstance(r, OrionError) else type(r).__name__ for r in results)


def test_concurrent_deductions_never_overdraw_and_leave_an_exact_balance(work, funded):
    tenant = funded(1000)
    rounds = 5

    def spender() -> int:
        done = 0
        for _ in range(rounds):
            try:
                with work(tenant) as session:
                    services.deduct(session, tenant, amount=17, idempotency_key=key())
                done += 1
            except OrionError as exc:
                assert exc.code == "insufficient_credits"
        return done

    # 16 callers x 5 rounds x 17 = 1360 wanted of 1000: 58 fit (986), the rest are refused.
    succeeded = sum(at_once([spender] * CALLERS))

    assert succeeded == 1000 // 17
    assert balance(work, tenant) == 1000 - 17 * succeeded == 1000 % 17
    assert ledger_is_exact(work, tenant)


def test_concurrent_retries_with_one_key_charge_once(work, funded):
    tenant = funded(1000)
    shared = key()

    def retry() -> Any:
        with work(tenant) as session:
            return services.deduct(session, tenant, amount=100, idempotency_key=shared).id

    results = at_once([retry] * CALLERS)

    assert len(set(results)) == 1 and not any(isinstance(r, Exception) for r in results)
    assert balance(work, tenant) == 900
    with work(tenant) as session:
        entries = session.scalar(
            select(func.count()).where(CreditTransaction.idempotency_key == shared)
        )
    assert entries == 1


def test_concurrent_settlements_of_one_hold_apply_once(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=400, idempotency_key=key())

    def settle(amount: int) -> Callable[[], Any]:
        def call() -> Any:
            with work(tenant) as session:
                return services.settle(session, tenant, held.id, amount=amount).settled_amount

        return call

    def release() -> Any:
        with work(tenant) as session:
            return services.release(session, tenant, held.id).state

    results = at_once([settle(150)] * 8 + [settle(200)] * 4 + [release] * 4)

    with work(tenant) as session:
        final = services.get_hold(session, tenant, held.id)
        rows, _ = services.list_transactions(session, tenant, page=Page(), hold_id=held.id)
    closing = [row for row in rows if row.kind != "hold"]
    assert len(closing) == 1  # one settle or one release, never two
    assert balance(work, tenant) == 1000 - (final.settled_amount or 0)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert winners and all(r in (final.settled_amount, final.state) for r in winners)
    assert set(codes([r for r in results if isinstance(r, Exception)])) <= {"credit_hold_closed"}
    assert ledger_is_exact(work, tenant)


def test_concurrent_refunds_never_exceed_the_charge(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        charge = services.deduct(session, tenant, amount=100, idempotency_key=key())

    def refund() -> Any:
        with work(tenant) as session:
            return services.refund(
                session, tenant, transaction_id=charge.id, amount=30, idempotency_key=key()
            )

    results = at_once([refund] * 8)

    assert codes(results) == Counter({"CreditTransactionPublic": 3, "credit_not_refundable": 5})
    assert balance(work, tenant) == 990
    assert ledger_is_exact(work, tenant)
