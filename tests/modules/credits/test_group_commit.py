"""Group commit: concurrent deductions of one tenant combined into one transaction
(services/combiner.py, services/deduction_batch.py) keep every guarantee of one at a time:
no overdraft, an exact ledger, the first result for a replayed key, the same 402 and 409,
the same events. The concurrent tests mean most on PostgreSQL, where batches of several
processes' transactions really overlap; on SQLite the same facts hold."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, func, select

from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.modules.credits import services
from orion.modules.credits.models import CreditTransaction
from orion.modules.credits.repository import AccountRepository
from orion.modules.credits.schemas import CreditTransactionPublic
from orion.modules.credits.services.combiner import DeductionCombiner, combiner_for
from orion.modules.credits.services.deduction_batch import (
    DEFERRED,
    Deduction,
    Outcome,
    apply_deductions,
)
from orion.modules.credits.services.ledger import public
from tests.modules.credits.conftest import balance, key, ledger_is_exact
from tests.modules.credits.test_concurrency import at_once, codes

CLIENTS = 64


def entries_with(work, tenant, idempotency_key: str) -> int:  # type: ignore[no-untyped-def]
    with work(tenant) as session:
        return session.scalar(
            select(func.count()).where(CreditTransaction.idempotency_key == idempotency_key)
        )


def batch_outcomes(work, tenant, batch: list[Deduction]) -> list[Any]:  # type: ignore[no-untyped-def]
    """One batch in one unit of work; entries as the API answers them."""
    with work(tenant) as session:
        outcomes: list[Outcome] = apply_deductions(session, tenant, batch)
    return [o if isinstance(o, OrionError) or o is DEFERRED else public(o) for o in outcomes]


def test_64_clients_spend_exactly_the_balance_and_the_rest_is_refused(runtime, work, funded):
    tenant = funded(1000)
    combiner = combiner_for(runtime.database)
    batches_before, deductions_before = combiner.stats.batches, combiner.stats.deductions

    def client() -> list[Any]:
        outcomes: list[Any] = []
        for _ in range(20):
            try:
                outcomes.append(
                    services.deduct_and_commit(
                        runtime.database, tenant, amount=1, idempotency_key=key()
                    )
                )
            except OrionError as exc:
                outcomes.append(exc)
        return outcomes

    # 64 clients x 20 deductions of 1 = 1280 wanted of 1000.
    outcomes = [outcome for outcomes in at_once([client] * CLIENTS) for outcome in outcomes]

    assert codes(outcomes) == Counter(
        {"CreditTransactionPublic": 1000, "insufficient_credits": 280}
    )
    refusals = [o for o in outcomes if isinstance(o, OrionError)]
    assert {(r.status, r.extra["balance"], r.extra["required"]) for r in refusals} == {(402, 0, 1)}
    # Every accepted deduction left its own balance: 999 down to 0, each once.
    charged = [o for o in outcomes if isinstance(o, CreditTransactionPublic)]
    assert sorted(c.balance_after for c in charged) == list(range(1000))
    assert balance(work, tenant) == 0
    assert ledger_is_exact(work, tenant)
    with work(tenant) as session:
        kept = session.scalar(select(func.count()).where(CreditTransaction.kind == "deduct"))
    assert kept == 1000  # refused entries are not in the ledger
    # Deductions were combined: fewer transactions than deductions.
    batches = combiner.stats.batches - batches_before
    assert combiner.stats.deductions - deductions_before >= 1280 > batches


def test_64_concurrent_replays_of_one_key_charge_once_and_get_the_first_result(
    runtime, work, funded
):
    tenant = funded(1000)
    shared = key()

    def replay() -> Any:
        return services.deduct_and_commit(
            runtime.database, tenant, amount=100, idempotency_key=shared, reference="job-1"
        )

    results = at_once([replay] * CLIENTS)

    assert not [r for r in results if isinstance(r, Exception)]
    assert len({r.id for r in results}) == 1 and {r.balance_after for r in results} == {900}
    assert balance(work, tenant) == 900
    assert entries_with(work, tenant, shared) == 1
    with pytest.raises(OrionError) as refused:  # the same key with other parameters
        services.deduct_and_commit(
            runtime.database, tenant, amount=100, idempotency_key=shared, reference="job-2"
        )
    assert refused.value.code == "idempotency_key_reused"
    assert ledger_is_exact(work, tenant)


def test_a_batch_the_balance_covers_gives_each_entry_its_own_balance(work, funded, heard):
    tenant = funded(100)
    with work(tenant) as session:
        services.update_settings(session, tenant, low_balance_threshold=50)
    first, second, third = key(), key(), key()
    batch = [
        Deduction.of(amount=10, idempotency_key=first),
        Deduction.of(amount=20, idempotency_key=second, reason="export"),
        Deduction.of(amount=10, idempotency_key=first),  # a replay in the same batch
        Deduction.of(amount=11, idempotency_key=second, reason="export"),  # other amount
        Deduction.of(amount=30, idempotency_key=third),  # 70 -> 40 crosses 50
    ]
    one, two, replayed, reused, three = batch_outcomes(work, tenant, batch)

    assert [one.balance_after, two.balance_after, three.balance_after] == [90, 70, 40]
    assert (two.amount, two.refundable, two.reason) == (-20, 20, "export")
    assert replayed == one
    assert reused.code == "idempotency_key_reused"
    assert [(e.name, e.balance, e.threshold) for e in heard] == [("credits.balance_low", 40, 50)]
    assert balance(work, tenant) == 40
    with work(tenant) as session:
        rows, _ = services.list_transactions(session, tenant, page=Page())
    assert sorted(r.balance_after for r in rows if r.kind == "deduct") == [40, 70, 90]
    assert ledger_is_exact(work, tenant)


def test_one_batch_applies_in_order_refuses_what_does_not_fit_and_commits_the_rest(
    work, funded, heard
):
    tenant = funded(100)
    with work(tenant) as session:
        services.update_settings(session, tenant, low_balance_threshold=50)
    first, refused, last = key(), key(), key()
    batch = [
        Deduction.of(amount=30, idempotency_key=first, reference="a"),  # 100 -> 70
        Deduction.of(amount=80, idempotency_key=refused),  # does not fit 70: 402
        Deduction.of(amount=30, idempotency_key=first, reference="a"),  # replay in the batch
        Deduction.of(amount=31, idempotency_key=first, reference="a"),  # other parameters
        Deduction.of(amount=70, idempotency_key=last),  # 70 -> 0: crosses 50, depletes
        Deduction.of(amount=5, idempotency_key=refused),  # its key's first was refused
    ]
    outcomes = batch_outcomes(work, tenant, batch)

    charged, not_covered, replayed, reused, emptied, deferred = outcomes
    assert (charged.kind, charged.amount, charged.balance_after) == ("deduct", -30, 70)
    assert charged.refundable == 30 and charged.reference == "a"
    assert not_covered.code == "insufficient_credits" and not_covered.status == 402
    assert not_covered.extra == {"balance": 70, "required": 80}
    assert replayed == charged
    assert reused.code == "idempotency_key_reused" and reused.status == 409
    assert (emptied.amount, emptied.balance_after) == (-70, 0)
    assert deferred is DEFERRED  # it comes after the refusal: it runs in the next batch
    assert [(e.name, e.tenant_id, e.balance) for e in heard] == [
        ("credits.balance_low", tenant.tenant_id, 0),
        ("credits.depleted", tenant.tenant_id, 0),
    ]
    assert heard[0].threshold == 50
    assert balance(work, tenant) == 0
    assert entries_with(work, tenant, refused) == 0
    assert ledger_is_exact(work, tenant)

    # The next batch: the deferred deduction finds its key free (and too little left); a
    # replay of a committed key gets the first result and changes nothing.
    later = batch_outcomes(
        work, tenant, [batch[5], Deduction.of(amount=70, idempotency_key=last), batch[0]]
    )
    assert later[0].code == "insufficient_credits" and later[0].extra["balance"] == 0
    assert later[1] == emptied and later[2] == charged
    assert balance(work, tenant) == 0
    assert ledger_is_exact(work, tenant)


def test_a_key_replays_across_the_combined_path_and_a_unit_of_work(runtime, work, funded):
    tenant = funded(500)
    inside, combined = key(), key()
    with work(tenant) as session:
        made_inside = services.deduct(session, tenant, amount=40, idempotency_key=inside)
    made_combined = services.deduct_and_commit(
        runtime.database, tenant, amount=60, idempotency_key=combined
    )

    assert (
        services.deduct_and_commit(runtime.database, tenant, amount=40, idempotency_key=inside)
        == made_inside
    )
    with work(tenant) as session:
        assert services.deduct(session, tenant, amount=60, idempotency_key=combined) == (
            made_combined
        )
    assert balance(work, tenant) == 400
    assert ledger_is_exact(work, tenant)


def test_a_batch_takes_the_same_statements_for_one_deduction_as_for_fifty(runtime, work, funded):
    tenant = funded(10_000)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    def statements_for(size: int) -> int:
        statements.clear()
        with work(tenant) as session:
            apply_deductions(
                session,
                tenant,
                [Deduction.of(amount=1, idempotency_key=key()) for _ in range(size)],
            )
        return len(statements)

    event.listen(runtime.database.engine, "before_cursor_execute", count)
    try:
        one, fifty = statements_for(1), statements_for(50)
    finally:
        event.remove(runtime.database.engine, "before_cursor_execute", count)

    # The tenant setting (PostgreSQL), the claims, the locked read, the write(s).
    assert one == fifty <= 5
    assert balance(work, tenant) == 10_000 - 51
    assert ledger_is_exact(work, tenant)


def test_a_batch_that_cannot_get_the_lock_in_time_falls_back_to_deducting_alone(
    runtime, work, funded
):
    if runtime.database.dialect != "postgresql":
        pytest.skip("lock_timeout is PostgreSQL's; SQLite's writers wait on its busy timeout")
    tenant = funded(100)
    combiner = DeductionCombiner(runtime.database, lock_timeout_ms=200)
    results: list[Any] = []
    spend = key()

    def deduct() -> None:
        results.append(combiner.deduct(tenant, Deduction.of(amount=30, idempotency_key=spend)))

    with work(tenant) as session:
        AccountRepository(session).balance(lock=True)  # a long transaction on the account
        spender = threading.Thread(target=deduct)
        spender.start()
        deadline = time.monotonic() + 10
        while combiner.stats.alone == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert combiner.stats.alone == 1  # the batch gave up; its caller now waits alone
        assert results == []
    spender.join(timeout=30)

    assert [r.balance_after for r in results] == [70]
    assert balance(work, tenant) == 70
    assert entries_with(work, tenant, spend) == 1
    assert ledger_is_exact(work, tenant)
