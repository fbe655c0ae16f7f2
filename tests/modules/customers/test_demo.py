"""`orion demo`: each demo store gets its demo customers once, two of whom sign in on the
storefront with the documented demo password."""

from __future__ import annotations

from sqlalchemy import func, select

from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import all_tenants
from orion.modules.customers import services
from orion.modules.customers.models import Customer
from orion.modules.tenancy import services as tenancy


def seed(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        tenancy.seed_demo(session, runtime)
        services.seed_demo(session, runtime)


def test_demo_customers_are_made_once_and_sign_in_with_the_demo_password(runtime, client):
    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        counted = session.scalar(select(func.count(Customer.id)))
    seed(runtime)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        assert session.scalar(select(func.count(Customer.id))) == counted
        tenant = tenancy.demo_tenants(session)[0]
    with runtime.database.unit_of_work(tenant=tenant) as session:
        store = tenancy.stores.stores(session, tenant)[0]
        listing = services.customers_listing(session, tenant, store_id=store.id, page=Page())
        anna = services.find_customer(session, tenant, store_id=store.id, email="anna@example.com")
        assert anna is not None
        addresses = services.list_addresses(session, tenant, store_id=store.id, customer_id=anna.id)
    emails = {row.email for row in listing.data}
    assert {"anna@example.com", "luc@example.com", "marie@example.com"} <= emails
    assert {a.kind for a in addresses if a.is_default} == {"billing", "shipping"}
    signed_in = client.post(
        f"/api/v1/public/customers/stores/{store.id}/sign-in",
        json={"email": "anna@example.com", "password": services.DEMO_PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text
