"""The customers services called as other modules call them: one customer per email and
store whatever its case, guests made once, default addresses kept to one per kind, and a
customer's export and erasure with the orders module's part."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from orion.kernel.data.tenancy import all_tenants
from orion.modules.customers import services
from orion.modules.customers.exceptions import CustomerEmailTaken, CustomerErased
from orion.modules.customers.models import Customer, CustomerAddress, CustomerSession
from orion.modules.customers.schemas import (
    AddressCreate,
    AddressKind,
    AddressUpdate,
    CustomerCreate,
    CustomerUpdate,
)


def _create(shop, email: str, **fields):  # type: ignore[no-untyped-def]
    with shop.work() as session:
        return services.create_customer(
            session,
            shop.tenant,
            store_id=shop.store_id,
            data=CustomerCreate(email=email, **fields),
        )


def _address(kind: str = "shipping", line1: str = "1 rue Haute", **fields):  # type: ignore[no-untyped-def]
    return AddressCreate(
        kind=AddressKind(kind),
        name="Ana Lopes",
        line1=line1,
        postal_code="1111",
        city="Luxembourg",
        country="lu",
        **fields,
    )


def test_an_email_is_stored_lower_case_and_taken_in_any_case(shop):
    customer = _create(shop, "Ana.Lopes@Example.COM", first_name="Ana")
    assert customer.email == "ana.lopes@example.com"
    assert customer.hashed_password is None and customer.is_active

    with pytest.raises(CustomerEmailTaken) as refused:
        _create(shop, "ANA.LOPES@example.com")
    assert refused.value.status == 409
    assert [error.field for error in refused.value.errors] == ["email"]


def test_the_same_email_is_another_customer_in_another_store(shop, make_store):
    _create(shop, "twice@example.com")
    second_store = make_store(shop.tenant)
    with shop.work() as session:
        other = services.create_customer(
            session,
            shop.tenant,
            store_id=second_store.id,
            data=CustomerCreate(email="Twice@Example.com"),
        )
    assert other.store_id == second_store.id


def test_the_database_refuses_an_email_that_is_not_lower_case(shop):
    # The unique index is case-insensitive because no row can hold upper case.
    with pytest.raises(IntegrityError), shop.work() as session:
        session.execute(
            insert(Customer).values(
                id=uuid.uuid4(),
                tenant_id=shop.tenant.tenant_id,
                store_id=shop.store_id,
                email="Upper@example.com",
                marketing_consent=False,
                is_active=True,
                created_at=shop_now(),
                updated_at=shop_now(),
            )
        )


def shop_now():  # type: ignore[no-untyped-def]
    from orion.kernel.data.db import utcnow

    return utcnow()


def test_a_guest_checkout_makes_its_customer_once(shop):
    with shop.work() as session:
        first = services.ensure_customer(
            session, shop.tenant, store_id=shop.store_id, email="Guest@Example.com", first_name="G"
        )
        again = services.ensure_customer(
            session, shop.tenant, store_id=shop.store_id, email="guest@example.com"
        )
    assert first.id == again.id
    assert again.email == "guest@example.com" and again.hashed_password is None


def test_a_consent_records_when_it_was_given_and_is_withdrawn(shop):
    customer = _create(shop, f"c-{uuid.uuid4().hex[:6]}@example.com", marketing_consent=True)
    assert customer.marketing_consent_at is not None
    with shop.work() as session:
        changed = services.update_customer(
            session,
            shop.tenant,
            store_id=shop.store_id,
            customer_id=customer.id,
            data=CustomerUpdate(marketing_consent=False, phone="+352 621 123 456"),
        )
    assert not changed.marketing_consent and changed.marketing_consent_at is None
    assert changed.phone == "+352 621 123 456"


def test_the_first_address_of_a_kind_is_its_default_and_a_new_default_replaces_it(shop):
    customer = _create(shop, f"a-{uuid.uuid4().hex[:6]}@example.com")
    ids = {"store_id": shop.store_id, "customer_id": customer.id}
    with shop.work() as session:
        first = services.add_address(session, shop.tenant, **ids, data=_address())
        billing = services.add_address(session, shop.tenant, **ids, data=_address("billing"))
        second = services.add_address(
            session, shop.tenant, **ids, data=_address(line1="2 rue Basse", is_default=True)
        )
        third = services.add_address(session, shop.tenant, **ids, data=_address(line1="3 rue"))
    assert first.country == "LU"
    defaults = _defaults(shop, customer.id)
    assert defaults == {"shipping": second.id, "billing": billing.id}
    assert third.is_default is False

    with shop.work() as session:
        services.update_address(
            session, shop.tenant, **ids, address_id=first.id, data=AddressUpdate(is_default=True)
        )
    assert _defaults(shop, customer.id)["shipping"] == first.id

    with shop.work() as session:
        services.delete_address(session, shop.tenant, **ids, address_id=first.id)
    # The newest other shipping address takes over.
    assert _defaults(shop, customer.id)["shipping"] == third.id

    with shop.work() as session:
        services.update_address(
            session,
            shop.tenant,
            **ids,
            address_id=third.id,
            data=AddressUpdate(kind=AddressKind.BILLING, is_default=True),
        )
    assert _defaults(shop, customer.id) == {"shipping": second.id, "billing": third.id}


def _defaults(shop, customer_id):  # type: ignore[no-untyped-def]
    with shop.work() as session:
        rows = session.scalars(
            select(CustomerAddress).where(
                CustomerAddress.customer_id == customer_id, CustomerAddress.is_default.is_(True)
            )
        ).all()
    kinds = [row.kind for row in rows]
    assert len(kinds) == len(set(kinds)), "two defaults of one kind"
    return {row.kind: row.id for row in rows}


def test_the_database_holds_at_most_one_default_per_kind(shop):
    customer = _create(shop, f"d-{uuid.uuid4().hex[:6]}@example.com")
    with shop.work() as session:
        services.add_address(
            session,
            shop.tenant,
            store_id=shop.store_id,
            customer_id=customer.id,
            data=_address(),
        )
    with pytest.raises(IntegrityError), shop.work() as session:
        session.add(
            CustomerAddress(
                customer_id=customer.id,
                kind="shipping",
                is_default=True,
                name="X",
                line1="X",
                postal_code="1",
                city="X",
                country="LU",
            )
        )
        session.flush()


def test_erasure_anonymises_the_customer_and_ends_its_sessions(shop):
    email = f"gone-{uuid.uuid4().hex[:6]}@example.com"
    shop.register(email)
    with shop.work() as session:
        customer = services.find_customer(session, shop.tenant, store_id=shop.store_id, email=email)
        assert customer is not None
        services.add_address(
            session,
            shop.tenant,
            store_id=shop.store_id,
            customer_id=customer.id,
            data=_address(),
        )
        customer_id = customer.id
    with shop.work() as session:
        erased = services.erase_customer(
            session, shop.tenant, store_id=shop.store_id, customer_id=customer_id
        )
        assert erased.email == services.erased_email(customer_id)
        assert (erased.first_name, erased.last_name, erased.phone) == (None, None, None)
        assert erased.hashed_password is None and not erased.is_active
        assert erased.erased_at is not None
    with shop.work() as session, all_tenants(session):
        assert not session.scalars(
            select(CustomerAddress).where(CustomerAddress.customer_id == customer_id)
        ).all()
        open_sessions = session.scalars(
            select(CustomerSession).where(
                CustomerSession.customer_id == customer_id, CustomerSession.revoked_at.is_(None)
            )
        ).all()
        assert open_sessions == []
    # The address is free again, and the erased customer cannot be changed back.
    _create(shop, email)
    with shop.work() as session, pytest.raises(CustomerErased):
        services.update_customer(
            session,
            shop.tenant,
            store_id=shop.store_id,
            customer_id=customer_id,
            data=CustomerUpdate(first_name="Back"),
        )
    with shop.work() as session:  # erasing again changes nothing more
        again = services.erase_customer(
            session, shop.tenant, store_id=shop.store_id, customer_id=customer_id
        )
        assert again.email == services.erased_email(customer_id)
