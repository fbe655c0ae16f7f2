"""The operators' credit ledgers page: tenants by name, never a bare id to read or paste;
the grant form picks a tenant by its name (a datalist to search), its slug or its id, and
one it cannot find is the tenant field's error."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from orion.kernel.data.paging import Page
from orion.modules.credits import services
from tests.console.conftest import Browser, errors_in
from tests.helpers import platform_session

PAGE = "/console/platform/credits/"
GRANTS = "/console/platform/credits/grants"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def operator_browser(app, make_user) -> Iterator[Browser]:  # type: ignore[no-untyped-def]
    user, password = make_user(superadmin=True)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        browser.get(PAGE)
        yield browser


def balance(runtime, tenant) -> int:  # type: ignore[no-untyped-def]
    with platform_session(runtime) as session:
        return services.get_balance(session, tenant)


def visible_text(html: str) -> str:
    """What a person reads: the text between tags, not attributes."""
    main = html.split("<main", 1)[1]
    return re.sub(r"<[^>]+>", " ", main)


def test_ledgers_name_their_tenants_and_keep_the_id_at_hand(operator_browser, runtime, funded):
    tenant = funded(700)
    with platform_session(runtime) as session:
        name = runtime.directory.name_of(session, tenant.tenant_id)

    html = operator_browser.get(PAGE).text

    row = html.split(f'href="/console/platform/tenancy/tenants/{tenant.tenant_id}"', 1)[1]
    assert row.startswith(f' title="{tenant.tenant_id}">{name}</a>')
    assert '<td class="num">700</td>' in row.split("</tr>", 1)[0]
    assert UUID.search(visible_text(html).split("Grant credits", 1)[0]) is None


def test_the_grant_form_offers_tenants_by_name(operator_browser, make_tenant):
    name = f"Picker Shop {uuid.uuid4().hex[:6]}"
    make_tenant(name)

    html = operator_browser.get(PAGE).text

    assert 'list="tenant-choices"' in html and 'name="tenant"' in html
    datalist = html.split('<datalist id="tenant-choices">', 1)[1].split("</datalist>", 1)[0]
    assert f'<option value="{name}"' in datalist


@pytest.mark.parametrize("by", ["name", "lower-case name", "slug", "id"])
def test_credits_are_granted_to_the_tenant_named_by_its_name_slug_or_id(
    operator_browser, runtime, make_tenant, by
):
    from orion.modules.tenancy.models import Tenant

    name = f"Grant Shop {uuid.uuid4().hex[:6]}"
    tenant = make_tenant(name)
    with platform_session(runtime) as session:
        slug = session.scalar(select(Tenant.slug).where(Tenant.id == tenant.tenant_id))
    typed = {"name": name, "lower-case name": name.lower(), "slug": slug}.get(
        by, str(tenant.tenant_id)
    )

    granted = operator_browser.post(
        GRANTS, {"tenant": typed, "amount": "1500", "reason": "goodwill"}
    )

    assert granted.status_code == 303, errors_in(granted.text)
    assert balance(runtime, tenant) == 1500
    page = operator_browser.get(PAGE).text
    assert f"1\u202f500 credits granted to {name}." in page


def test_a_tenant_nobody_is_called_is_the_tenant_fields_error(operator_browser, runtime):
    refused = operator_browser.post(
        GRANTS, {"tenant": "Nobody Here Ltd", "amount": "10", "reason": "goodwill"}
    )

    assert refused.status_code == 422
    errors = errors_in(refused.text)
    assert "No tenant is called “Nobody Here Ltd”" in errors["tenant"]
    assert 'value="Nobody Here Ltd"' in refused.text


def test_two_tenants_of_one_name_are_told_apart_by_id(
    operator_browser, runtime, make_tenant, make_platform
):
    name = f"Twin Shop {uuid.uuid4().hex[:6]}"
    first = make_tenant(name)
    second = make_tenant(name, platform_id=make_platform().id)

    html = operator_browser.get(PAGE).text
    datalist = html.split('<datalist id="tenant-choices">', 1)[1].split("</datalist>", 1)[0]
    assert f'<option value="{first.tenant_id}" label="{name}">' in datalist
    assert f'<option value="{second.tenant_id}" label="{name}">' in datalist
    refused = operator_browser.post(GRANTS, {"tenant": name, "amount": "10", "reason": "goodwill"})
    assert refused.status_code == 422
    assert "2 tenants answer to" in errors_in(refused.text)["tenant"]
    chosen = operator_browser.post(
        GRANTS, {"tenant": str(second.tenant_id), "amount": "10", "reason": "goodwill"}
    )
    assert chosen.status_code == 303
    assert balance(runtime, second) == 10
    with platform_session(runtime) as session:
        assert services.list_transactions(session, first, page=Page())[1] == 0
