"""Holds: credits reserved before work whose cost is known after it. Settling charges the
actual cost and gives the rest back; releasing gives all of it back; a hold left open
past its expiry is released by the scheduled task, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import all_tenants
from orion.kernel.errors import OrionError
from orion.modules.credits import services
from orion.modules.credits.models import CreditHold
from tests.modules.credits.conftest import balance, key, ledger_is_exact


def ledger_kinds(work, tenant, hold_id) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with work(tenant) as session:
        rows, _ = services.list_transactions(session, tenant, page=Page(), hold_id=hold_id)
    return sorted((row.kind, row.amount) for row in rows)


def test_a_hold_takes_its_amount_from_the_balance_at_once(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=400, idempotency_key=key(), reference="call-1")
        summary = services.balance_summary(session, tenant)

    assert (held.state, held.amount, held.reference) == ("open", 400, "call-1")
    assert (summary.balance, summary.held) == (600, 400)


def test_a_hold_the_balance_does_not_cover_is_refused(work, funded):
    tenant = funded(100)
    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.hold(session, tenant, amount=101, idempotency_key=key())
    assert refused.value.status == 402
    with work(tenant) as session:
        assert services.list_holds(session, tenant, page=Page()) == ([], 0)


def test_settling_charges_the_cost_and_gives_back_the_rest(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=400, idempotency_key=key())
    with work(tenant) as session:
        settled = services.settle(session, tenant, held.id, amount=150)

    assert (settled.state, settled.settled_amount, settled.uncollected) == ("settled", 150, 0)
    assert balance(work, tenant) == 850
    assert ledger_kinds(work, tenant, held.id) == [("hold", -400), ("settle", 250)]
    assert ledger_is_exact(work, tenant)


def test_a_settled_charge_can_be_refunded(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=400, idempotency_key=key())
        services.settle(session, tenant, held.id, amount=150)
        (entry,), _ = services.list_transactions(session, tenant, page=Page(), kind="settle")
        services.refund(session, tenant, transaction_id=entry.id, amount=150, idempotency_key=key())
    assert balance(work, tenant) == 1000


def test_a_cost_above_the_hold_is_charged_as_far_as_the_balance_goes(work, funded):
    tenant = funded(500)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=300, idempotency_key=key())
        over = services.settle(session, tenant, held.id, amount=350)
    assert (over.settled_amount, over.uncollected, balance(work, tenant)) == (350, 0, 150)

    with work(tenant) as session:
        held = services.hold(session, tenant, amount=100, idempotency_key=key())
        short = services.settle(session, tenant, held.id, amount=400)
    # 100 held + the 50 left: 250 could not be collected, and the balance is not negative.
    assert (short.uncollected, balance(work, tenant)) == (250, 0)
    assert ledger_is_exact(work, tenant)


def test_settling_twice_with_the_same_cost_is_a_retry_with_another_a_conflict(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=400, idempotency_key=key())
        services.settle(session, tenant, held.id, amount=100)
    with work(tenant) as session:
        again = services.settle(session, tenant, held.id, amount=100)
    with pytest.raises(OrionError) as conflict, work(tenant) as session:
        services.settle(session, tenant, held.id, amount=120)

    assert again.state == "settled" and balance(work, tenant) == 900
    assert conflict.value.status == 409 and conflict.value.extra == {"state": "settled"}


def test_releasing_gives_everything_back_once(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=400, idempotency_key=key())
    for _ in range(2):
        with work(tenant) as session:
            released = services.release(session, tenant, held.id)
    with pytest.raises(OrionError) as conflict, work(tenant) as session:
        services.settle(session, tenant, held.id, amount=10)

    assert released.state == "released" and balance(work, tenant) == 1000
    assert ledger_kinds(work, tenant, held.id) == [("hold", -400), ("release", 400)]
    assert conflict.value.code == "credit_hold_closed"


def test_a_retried_hold_returns_the_same_hold(work, funded):
    tenant = funded(1000)
    hold_key = key()
    with work(tenant) as session:
        first = services.hold(session, tenant, amount=400, idempotency_key=hold_key)
    with work(tenant) as session:
        again = services.hold(session, tenant, amount=400, idempotency_key=hold_key)
    assert again.id == first.id and balance(work, tenant) == 600


def test_another_tenants_hold_is_not_found(work, funded, make_tenant, runtime):
    from tests.modules.credits.conftest import enable_credits

    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=400, idempotency_key=key())
    other = make_tenant()
    enable_credits(runtime, other)

    for act in (
        lambda s: services.settle(s, other, held.id, amount=1),
        lambda s: services.release(s, other, held.id),
    ):
        with pytest.raises(OrionError) as missing, work(other) as session:
            act(session)
        assert missing.value.status == 404
    assert balance(work, tenant) == 600


def expire(runtime, hold_id) -> None:  # type: ignore[no-untyped-def]
    """Move the hold's expiry into the past (as if its time ran out)."""
    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.execute(
            update(CreditHold)
            .where(CreditHold.id == hold_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def test_the_scheduled_task_releases_expired_holds_once(runtime, worker, work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        stale = services.hold(session, tenant, amount=300, idempotency_key=key())
        fresh = services.hold(session, tenant, amount=200, idempotency_key=key())
    expire(runtime, stale.id)

    results = [runtime.send_task("credits.release_expired_holds").get(timeout=30) for _ in range(2)]

    assert results[0] >= 1 and results[1] == 0
    with work(tenant) as session:
        assert services.get_hold(session, tenant, stale.id).state == "expired"
        assert services.get_hold(session, tenant, fresh.id).state == "open"
    assert balance(work, tenant) == 800
    assert ledger_kinds(work, tenant, stale.id) == [("hold", -300), ("release", 300)]


def test_an_expired_hold_can_still_be_settled_for_work_that_was_done(runtime, work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        held = services.hold(session, tenant, amount=300, idempotency_key=key())
    expire(runtime, held.id)
    with runtime.database.unit_of_work() as session:
        assert services.release_expired_holds(session) >= 1
    assert balance(work, tenant) == 1000

    with work(tenant) as session:
        settled = services.settle(session, tenant, held.id, amount=120)

    assert (settled.state, settled.settled_amount) == ("settled", 120)
    assert balance(work, tenant) == 880 and ledger_is_exact(work, tenant)
