"""What two requests at once must not break (PostgreSQL, where writers do run at once):
one account per email whatever its case, one default address per kind, one erasure."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from orion.kernel.data.tenancy import all_tenants
from orion.modules.customers.models import Customer, CustomerAddress
from tests.modules.customers.conftest import SHOPPER_PASSWORD

pytestmark = pytest.mark.postgres


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        start.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_registrations_of_one_email_in_two_cases_make_one_account(shop):
    local = f"race-{uuid.uuid4().hex[:6]}"
    emails = [f"{local}@example.com", f"{local.upper()}@Example.COM"] * 3

    def register(email: str) -> Callable[[], int]:
        return lambda: (
            shop.client.post(
                shop.public("/register"), json={"email": email, "password": SHOPPER_PASSWORD}
            ).status_code
        )

    statuses = at_once(*(register(email) for email in emails))
    assert sorted(statuses) == [201] + [409] * 5, statuses
    with shop.work() as session, all_tenants(session):
        count = session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.email == f"{local}@example.com")
        )
    assert count == 1


def test_concurrent_default_addresses_leave_one_default(shop):
    customer = shop.client.post(
        shop.api(), json={"email": f"addr-{uuid.uuid4().hex[:6]}@example.com"}, headers=shop.staff
    ).json()
    addresses = shop.api(f"/{customer['id']}/addresses")
    body = {
        "kind": "shipping",
        "name": "Ana",
        "postal_code": "1",
        "city": "Lux",
        "country": "LU",
        "is_default": True,
    }

    def add(line: str) -> Callable[[], int]:
        return lambda: (
            shop.client.post(
                addresses, json={**body, "line1": line}, headers=shop.staff
            ).status_code
        )

    statuses = at_once(*(add(f"{n} rue") for n in range(6)))
    assert statuses == [201] * 6
    with shop.work() as session:
        rows = session.scalars(
            select(CustomerAddress).where(CustomerAddress.customer_id == uuid.UUID(customer["id"]))
        ).all()
    assert len(rows) == 6
    assert sum(1 for row in rows if row.is_default) == 1
