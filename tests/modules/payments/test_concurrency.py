"""Captures at the same moment (PostgreSQL, real threads, real row locks): one key gives
one capture; two keys together beyond the authorisation give one capture and one 422."""

from __future__ import annotations

import threading
import uuid

import pytest

from orion.kernel.errors import OrionError
from orion.modules.payments import services
from tests.modules.payments.conftest import authorised


def _at_once(count: int, action) -> list:  # type: ignore[no-untyped-def]
    barrier, results = threading.Barrier(count), []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results.append(action(index))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
def test_concurrent_captures_with_one_key_capture_once(client, paying, runtime):
    order = paying.order(("BOOK", 2))
    payment = authorised(client, paying, order.id)
    results = _at_once(
        4,
        lambda _: services.capture(
            runtime, paying.shop.tenant, store_id=paying.store_id,
            payment_id=uuid.UUID(payment["id"]), amount=3000, idempotency_key="together",
        ),
    )  # fmt: skip
    assert not [r for r in results if isinstance(r, OrionError) and r.status < 500], results
    done = [r for r in results if not isinstance(r, OrionError)]
    assert len({r.operation.id for r in done}) == 1
    assert [r.replayed for r in done].count(False) <= 1
    assert len(paying.operations(payment["id"])) == 1
    assert paying.payment(payment["id"]).captured_amount == 3000
    assert paying.stripe.payment_intents[payment["provider_reference"]]["amount_received"] == 3000


@pytest.mark.postgres
def test_concurrent_captures_beyond_the_authorisation_let_one_through(client, paying, runtime):
    order = paying.order(("BOOK", 2))  # 6400 authorised
    payment = authorised(client, paying, order.id)
    results = _at_once(
        2,
        lambda i: services.capture(
            runtime, paying.shop.tenant, store_id=paying.store_id,
            payment_id=uuid.UUID(payment["id"]), amount=4000, idempotency_key=f"key-{i}",
        ),
    )  # fmt: skip
    refused = [r for r in results if isinstance(r, OrionError)]
    assert len(refused) == 1 and refused[0].code == "amount_too_large", results
    assert [op.amount for op in paying.operations(payment["id"])] == [4000]
    assert paying.payment(payment["id"]).captured_amount == 4000
    assert paying.stripe.payment_intents[payment["provider_reference"]]["amount_received"] == 4000
