"""Fixtures of the payments tests: a store (orders' test shop) with payments on, its Stripe
account on the loopback Stripe server and its bank account, orders placed through the
orders service, and helpers paying them through the storefront and staff routes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from orion.kernel.data.tenancy import all_tenants
from orion.modules.orders import services as orders
from orion.modules.payments import services
from orion.modules.payments.models import Payment, PaymentOperation, WebhookEvent
from orion.modules.payments.schemas import BankAccountUpdate, StripeAccountUpdate
from tests.helpers import wait_for
from tests.modules.orders.conftest import Shop, open_shop
from tests.servers.stripe_server import FakeStripe

API = "/api/v1/payments"
PUBLIC = "/api/v1/public/payments"
WEBHOOK = f"{PUBLIC}/webhooks/stripe"
IBAN = "LU280019400644750000"


@dataclass
class PayingShop:
    shop: Shop
    stripe: FakeStripe
    headers: dict[str, str]  # a tenant admin's

    @property
    def store_id(self) -> uuid.UUID:
        return self.shop.store_id

    def order(self, *lines: tuple[str, int]) -> Any:
        return self.shop.place(*(lines or (("BOOK", 2),)))

    def token(self, order_id: uuid.UUID) -> str:
        with self.shop.work() as session:
            return orders.order_access_token(session, order_id)

    def shop_path(self, order_id: uuid.UUID, rest: str = "") -> str:
        return f"{PUBLIC}/stores/{self.store_id}/orders/{order_id}/payments{rest}"

    def staff_path(self, payment_id: uuid.UUID | str, rest: str = "") -> str:
        return f"{API}/stores/{self.store_id}/payments/{payment_id}{rest}"

    def payment(self, payment_id: uuid.UUID | str) -> Payment:
        with self.shop.work() as session:
            return session.get(Payment, uuid.UUID(str(payment_id)))

    def operations(self, payment_id: uuid.UUID | str) -> list[PaymentOperation]:
        with self.shop.work() as session:
            return list(
                session.scalars(
                    select(PaymentOperation)
                    .where(PaymentOperation.payment_id == uuid.UUID(str(payment_id)))
                    .order_by(PaymentOperation.created_at)
                )
            )

    def events(self) -> list[WebhookEvent]:
        with self.shop.runtime.database.unit_of_work() as session, all_tenants(session):
            return list(
                session.scalars(
                    select(WebhookEvent).where(WebhookEvent.tenant_id == self.shop.tenant.tenant_id)
                )
            )

    def order_now(self, order_id: uuid.UUID) -> Any:
        with self.shop.work() as session:
            return orders.get_order(
                session, self.shop.tenant, store_id=self.store_id, order_id=order_id
            )

    def wait_order(self, order_id: uuid.UUID, **expected: Any) -> Any:
        """The order once the payments' events reached it (a real worker delivers them)."""

        def matches() -> bool:
            order = self.order_now(order_id)
            return all(getattr(order, k) == v for k, v in expected.items())

        assert wait_for(matches, timeout=20), (
            {k: getattr(self.order_now(order_id), k) for k in expected},
            expected,
        )
        return self.order_now(order_id)

    def credit_notes(self, order_id: uuid.UUID) -> list[Any]:
        with self.shop.work() as session:
            return orders.order_credit_notes(session, self.shop.tenant, order_id=order_id)


@pytest.fixture(autouse=True)
def _stripe_answers(stripe_server: FakeStripe) -> Iterator[None]:
    stripe_server.reset()
    yield
    stripe_server.reset()


@pytest.fixture
def paying(  # type: ignore[no-untyped-def]
    runtime, make_tenant, make_store, enable, make_member, login, stripe_server
) -> PayingShop:
    """A store selling MUG, BEANS, BOOK, taking cards (its Stripe account on the loopback
    server) and bank transfers; a tenant admin's headers."""
    shop = open_shop(runtime, make_tenant, make_store, enable, modules=("payments",))
    with shop.work() as session:
        services.configure_stripe(
            session,
            shop.tenant,
            data=StripeAccountUpdate(
                secret_key=stripe_server.api_key,
                webhook_secret=stripe_server.webhook_secret,
                publishable_key="pk_test_orion",
            ),
        )
        services.configure_bank(
            session,
            shop.tenant,
            data=BankAccountUpdate(account_holder="Test Shop SARL", iban=IBAN, bic="BCEELULL"),
        )
    user, password = make_member(shop.tenant, "tenant_admin")
    return PayingShop(shop, stripe_server, login(user.email, password, shop.tenant.tenant_id))


def start(client, paying: PayingShop, order_id: uuid.UUID, provider: str = "stripe") -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        paying.shop_path(order_id),
        json={"provider": provider},
        headers={"X-Order-Token": paying.token(order_id)},
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def authorised(client, paying: PayingShop, order_id: uuid.UUID) -> dict:  # type: ignore[no-untyped-def]
    """A card payment of the order, confirmed server-side with pm_card_visa."""
    started = start(client, paying, order_id)
    confirmed = client.post(
        paying.shop_path(order_id, f"/{started['id']}/confirm"),
        json={"payment_method": "pm_card_visa"},
        headers={"X-Order-Token": paying.token(order_id)},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "authorised"
    return confirmed.json()


def capture(client, paying: PayingShop, payment_id: str, key: str, amount: int | None = None):  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {} if amount is None else {"amount": amount}
    return client.post(
        paying.staff_path(payment_id, "/captures"),
        json=body,
        headers={**paying.headers, "Idempotency-Key": key},
    )


def refund(client, paying: PayingShop, payment_id: str, key: str, amount: int):  # type: ignore[no-untyped-def]
    return client.post(
        paying.staff_path(payment_id, "/refunds"),
        json={"amount": amount, "reason": "damaged"},
        headers={**paying.headers, "Idempotency-Key": key},
    )
