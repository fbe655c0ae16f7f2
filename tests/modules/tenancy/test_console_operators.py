# ruff: noqa: F811  (the `browser` fixtures are imported, then named as arguments)
"""An operator starts a tenant from its console page: invites its first admin (and is told
what became of the mail), adds its store, deactivates it after a confirmation and
reactivates it, each form keeping what was typed and showing errors next to the fields."""

from __future__ import annotations

import html
import re

from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.modules.tenancy import services
from tests.console.conftest import browser, errors_in, other_browser, switch_module  # noqa: F401
from tests.helpers import unique_email

TENANTS = "/console/platform/tenancy/tenants"


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def new_tenant(browser, name: str) -> str:  # type: ignore[no-untyped-def]
    """Create a tenant from the tenants page; the path of its page."""
    browser.get(TENANTS)
    made = browser.post(TENANTS, {"name": name, "platform_id": str(DEFAULT_PLATFORM_ID)})
    assert made.status_code == 303, made.text
    return made.headers["location"]


def test_a_new_tenant_page_says_what_to_do_next(browser, make_user):
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)

    path = new_tenant(browser, "Fresh Start")

    page = browser.get(path).text
    assert "Tenant Fresh Start created. Next: invite its first admin and add its store." in page
    assert "No member yet: nobody can sign in to Fresh Start. Invite its first admin." in page
    assert 'id="no-stores"' in page
    assert "Invite the first admin" in page
    assert re.search(r'<option value="tenant_admin"\s+selected', page)  # the first one's role


def test_the_operator_invites_the_first_admin_and_is_told_it_was_not_mailed(
    browser, other_browser, runtime, make_user
):
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    path = new_tenant(browser, "First Admin Co")
    browser.get(path)
    admin_email = unique_email("boss")

    invited = browser.post(f"{path}/invitations", {"email": admin_email, "role": "tenant_admin"})

    assert invited.status_code == 201
    said = text_of(invited.text.split('id="invited"', 1)[1].split("</article>", 1)[0])
    assert (
        f"Invitation created for {admin_email}, but not mailed: the email module is off for "
        "First Admin Co." in said
    )
    assert admin_email in text_of(invited.text.split('id="invitations"', 1)[1])
    link = re.search(r'id="invitation-link">([^<]+)<', invited.text).group(1)
    accept = other_browser.get(re.sub(r"^https?://[^/]+", "", link))
    assert f"{operator.full_name} invited {admin_email} to First Admin Co as tenant admin" in (
        text_of(accept.text)
    )


def test_with_email_on_but_no_server_the_operator_is_sent_to_the_outbox(
    browser, runtime, make_user, make_tenant
):
    tenant = make_tenant("Outbox Co")
    switch_module(runtime, tenant, "email", on=True)
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    path = f"{TENANTS}/{tenant.tenant_id}"
    browser.get(path)

    invited = browser.post(f"{path}/invitations", {"email": unique_email("boss")})

    said = invited.text.split('id="invited"', 1)[1].split("</article>", 1)[0]
    assert "but not mailed: no SMTP server is configured" in text_of(said)
    assert 'href="/console/platform/email/outbox"' in said


def test_a_refused_invitation_shows_the_error_next_to_the_email_and_keeps_it(
    browser, make_user, make_tenant
):
    tenant = make_tenant("Typo Co")
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    path = f"{TENANTS}/{tenant.tenant_id}"
    browser.get(path)

    refused = browser.post(f"{path}/invitations", {"email": "not-an-address", "role": "staff"})

    assert refused.status_code == 422
    assert set(errors_in(refused.text)) == {"email"}
    assert 'value="not-an-address"' in refused.text
    store_form = refused.text.split('id="store-form"', 1)[1].split("</form>", 1)[0]
    assert 'class="error"' not in store_form  # the other form is untouched


def test_the_operator_adds_a_store_for_the_tenant(browser, runtime, make_user, make_tenant):
    tenant = make_tenant("Store Co")
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    path = f"{TENANTS}/{tenant.tenant_id}"
    browser.get(path)

    bad = browser.post(f"{path}/stores", {"name": "Main street", "code": "Not A Code!"})
    assert bad.status_code == 422 and set(errors_in(bad.text)) == {"code"}
    assert 'value="Main street"' in bad.text and 'value="Not A Code!"' in bad.text

    made = browser.post(
        f"{path}/stores", {"name": "Main street", "code": "main", "currency": "USD"}
    )
    assert made.status_code == 303
    page = browser.get(path).text
    assert "Store Main street added." in page
    assert re.search(r"<td>Main street</td><td><code>main</code></td><td>USD</td>", page)
    with runtime.database.unit_of_work() as session:
        (store,), _ = services.list_stores(session, tenant)
    assert (store.code, store.currency, store.tenant_id) == ("main", "USD", tenant.tenant_id)


def test_deactivating_asks_first_then_locks_the_members_out_until_reactivated(
    browser, other_browser, runtime, make_user, make_tenant, make_member
):
    tenant = make_tenant("Pause Co")
    member, member_password = make_member(tenant, "tenant_admin")
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    path = f"{TENANTS}/{tenant.tenant_id}"
    assert f'href="{path}/deactivate"' in browser.get(path).text

    confirm = browser.get(f"{path}/deactivate")
    assert confirm.status_code == 200
    assert "Deactivate Pause Co?" in confirm.text and "Nothing is deleted" in confirm.text
    with runtime.database.unit_of_work() as session:
        assert services.get_tenant_record(session, tenant.tenant_id).is_active  # not yet

    done = browser.post(f"{path}/deactivate")
    assert done.status_code == 303
    page = browser.get(path).text
    assert "Pause Co is deactivated: its members cannot reach it" in page
    assert 'id="reactivate"' in page
    with runtime.database.unit_of_work() as session:
        assert not services.get_tenant_record(session, tenant.tenant_id).is_active
        assert services.my_tenants(session, member.id) == []

    assert browser.post(f"{path}/reactivate").status_code == 303
    assert "Pause Co is active again" in browser.get(path).text
    other_browser.sign_in(member.email, member_password)
    assert other_browser.get("/console/tenancy/stores").status_code == 200


def test_tenant_pages_are_for_operators_only(browser, make_tenant, make_member):
    tenant = make_tenant("Private Co")
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    path = f"{TENANTS}/{tenant.tenant_id}"

    assert browser.get(f"{path}/deactivate").status_code in (403, 404)
    assert browser.post(f"{path}/deactivate").status_code in (403, 404)
    assert browser.post(f"{path}/stores", {"name": "X", "code": "x"}).status_code in (403, 404)
