"""The ledger: every movement is one entry, the balance is always the ledger's sum, a debit
is refused whole when the balance does not cover it, and a retried call applies once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.modules.credits import services
from orion.modules.credits.models import CreditTransaction
from tests.modules.credits.conftest import balance, key, ledger_is_exact


def entries(work, tenant) -> int:  # type: ignore[no-untyped-def]
    with work(tenant) as session:
        return session.scalar(select(func.count()).select_from(CreditTransaction)) or 0


def test_a_new_tenant_has_no_credits(work, tenant):
    assert balance(work, tenant) == 0


def test_credits_and_debits_move_the_balance_and_append_to_the_ledger(work, tenant):
    with work(tenant) as session:
        bought = services.add(
            session, tenant, amount=1000, kind="purchase", reason="pack", idempotency_key=key()
        )
        spent = services.deduct(session, tenant, amount=300, idempotency_key=key(), reference="r1")
        given = services.add(session, tenant, amount=50, reason="welcome", idempotency_key=key())

    assert (bought.kind, bought.amount, bought.balance_after) == ("purchase", 1000, 1000)
    assert (spent.kind, spent.amount, spent.balance_after, spent.refundable) == (
        "deduct",
        -300,
        700,
        300,
    )
    assert (given.kind, given.balance_after) == ("grant", 750)
    assert balance(work, tenant) == 750
    assert ledger_is_exact(work, tenant)


def test_a_debit_the_balance_does_not_cover_is_refused_and_writes_nothing(work, funded):
    tenant = funded(100)

    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.deduct(session, tenant, amount=101, idempotency_key=key())

    assert refused.value.status == 402 and refused.value.code == "insufficient_credits"
    assert refused.value.extra == {"balance": 100, "required": 101}
    assert balance(work, tenant) == 100 and entries(work, tenant) == 1


def test_a_retry_with_the_same_key_returns_the_first_result_and_charges_once(work, funded):
    tenant = funded(500)
    retry_key = key()

    with work(tenant) as session:
        first = services.deduct(session, tenant, amount=200, idempotency_key=retry_key)
    with work(tenant) as session:
        again = services.deduct(session, tenant, amount=200, idempotency_key=retry_key)

    assert again == first
    assert balance(work, tenant) == 300 and entries(work, tenant) == 2


def test_the_same_key_with_other_parameters_is_refused(work, funded):
    tenant = funded(500)
    reused = key()
    with work(tenant) as session:
        services.deduct(session, tenant, amount=200, idempotency_key=reused)

    for call in (
        lambda s: services.deduct(s, tenant, amount=201, idempotency_key=reused),
        lambda s: services.add(s, tenant, amount=200, reason="x", idempotency_key=reused),
    ):
        with pytest.raises(OrionError) as refused, work(tenant) as session:
            call(session)
        assert refused.value.status == 409 and refused.value.code == "idempotency_key_reused"
    assert balance(work, tenant) == 300


def test_keys_belong_to_one_tenant(work, funded, tenant, make_tenant, runtime):
    from tests.modules.credits.conftest import enable_credits

    funded(100)
    other = make_tenant()
    enable_credits(runtime, other)
    shared = key()
    with work(tenant) as session:
        services.add(session, tenant, amount=10, reason="a", idempotency_key=shared)
    with work(other) as session:
        services.add(session, other, amount=10, reason="b", idempotency_key=shared)

    assert balance(work, tenant) == 110 and balance(work, other) == 10


def test_refunds_never_exceed_the_charge(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        charge = services.deduct(session, tenant, amount=300, idempotency_key=key())
        first = services.refund(
            session, tenant, transaction_id=charge.id, amount=200, idempotency_key=key()
        )

    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.refund(
            session, tenant, transaction_id=charge.id, amount=101, idempotency_key=key()
        )

    assert (first.kind, first.amount, first.refund_of_id) == ("refund", 200, charge.id)
    assert refused.value.code == "credit_not_refundable"
    assert refused.value.extra == {"refundable": 100, "requested": 101}
    with work(tenant) as session:
        services.refund(
            session, tenant, transaction_id=charge.id, amount=100, idempotency_key=key()
        )
        assert services.get_transaction(session, tenant, charge.id).refundable == 0
    assert balance(work, tenant) == 1000 and ledger_is_exact(work, tenant)


def test_credits_themselves_are_not_refundable(work, funded):
    tenant = funded(100)
    with work(tenant) as session:
        grant = services.list_transactions(session, tenant, page=Page())[0][0]
    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.refund(session, tenant, transaction_id=grant.id, amount=1, idempotency_key=key())
    assert refused.value.status == 409


def test_adjustments_go_both_ways_but_never_below_zero(work, funded):
    tenant = funded(100)
    with work(tenant) as session:
        down = services.adjust(
            session, tenant, amount=-60, reason="double grant", idempotency_key=key()
        )
        up = services.adjust(session, tenant, amount=5, reason="goodwill", idempotency_key=key())
    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.adjust(session, tenant, amount=-46, reason="too much", idempotency_key=key())

    assert (down.amount, down.balance_after, up.balance_after) == (-60, 40, 45)
    assert refused.value.status == 402 and balance(work, tenant) == 45


@pytest.mark.parametrize(
    ("amount", "field"),
    [(0, "amount"), (-5, "amount"), (1.5, "amount"), (True, "amount"), (10**16, "amount")],
)
def test_bad_amounts_are_refused_naming_the_field(work, tenant, amount, field):
    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.deduct(session, tenant, amount=amount, idempotency_key=key())
    assert refused.value.status == 422
    assert [error.field for error in refused.value.errors] == [field]


def test_only_purchases_and_grants_add_credits(work, tenant):
    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.add(session, tenant, amount=5, kind="refund", reason="x", idempotency_key=key())
    assert refused.value.status == 422 and refused.value.errors[0].field == "kind"
    assert balance(work, tenant) == 0


def test_daily_totals_add_up_credits_and_debits_per_day(work, funded):
    tenant = funded(1000)
    with work(tenant) as session:
        services.deduct(session, tenant, amount=300, idempotency_key=key())
        services.deduct(session, tenant, amount=50, idempotency_key=key())
        ((day, added, spent),) = services.daily_totals(session, tenant)
    assert (added, spent) == (1000, 350) and len(day) == 10
