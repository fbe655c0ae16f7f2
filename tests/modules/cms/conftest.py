"""Fixtures of the cms tests: a store of a tenant with a signed-in admin (`shop`), page and
menu bodies, and a listener on cms's events through the kernel's event bus."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.events import Event
from tests.modules.tenancy.support import signed_in

API = "/api/v1/cms"
PUBLIC = "/api/v1/public/cms"
PG_URL = os.environ.get("ORION_TEST_DATABASE_URL")

needs_postgres = pytest.mark.skipif(not PG_URL, reason="needs ORION_TEST_DATABASE_URL (PostgreSQL)")


@dataclass
class Shop:
    tenant: TenantContext
    store: Any
    headers: dict[str, str]
    user_id: uuid.UUID

    @property
    def pages(self) -> str:
        return f"{API}/stores/{self.store.id}/pages"

    @property
    def menus(self) -> str:
        return f"{API}/stores/{self.store.id}/menus"

    @property
    def public(self) -> str:
        return f"{PUBLIC}/stores/{self.store.id}"


def page_body(**fields: Any) -> dict[str, Any]:
    """A valid PageCreate body (JSON)."""
    body: dict[str, Any] = {
        "titles": {"en": "About us", "fr": "À propos"},
        "bodies": {"en": "We **roast** coffee.", "fr": "Nous **torréfions** du café."},
    }
    body.update(fields)
    return body


@pytest.fixture
def make_shop(runtime: Runtime, make_tenant, make_store, make_member):  # type: ignore[no-untyped-def]
    """`make_shop(role="tenant_admin", tenant=None)`: a store of a tenant (cms is a core
    module: always on) and a signed-in member."""

    def make(role: str = "tenant_admin", tenant: TenantContext | None = None) -> Shop:
        tenant = tenant or make_tenant()
        store = make_store(tenant, name="Corner Roastery")
        user, _ = make_member(tenant, role=role)
        return Shop(tenant, store, signed_in(runtime, user.id, tenant.tenant_id), user.id)

    return make


@pytest.fixture
def shop(make_shop) -> Shop:  # type: ignore[no-untyped-def]
    return make_shop()


def create_page(client, shop: Shop, **fields: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.post(shop.pages, json=page_body(**fields), headers=shop.headers)
    assert response.status_code == 201, response.text
    return response.json()


def fields_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [error["field"] for error in response.json().get("errors", [])]


HEARD: list[Event] = []


def hear(session: Any, event: Event) -> None:
    """An in-transaction handler of cms's events (subscribed by `heard`)."""
    HEARD.append(event)


@pytest.fixture
def heard(runtime: Runtime) -> Iterator[list[Event]]:
    """The cms events published while the test runs, heard the way a subscribing module
    hears them (in the publisher's transaction)."""
    path = f"{__name__}:hear"
    names = ("cms.page_published", "cms.page_unpublished")
    for name in names:
        runtime.events.in_transaction[name].append((path, "cms"))
    HEARD.clear()
    try:
        yield HEARD
    finally:
        for name in names:
            runtime.events.in_transaction[name].remove((path, "cms"))
        HEARD.clear()
