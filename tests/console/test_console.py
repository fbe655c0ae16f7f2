"""The console as people use it: signing in, menus from the enabled modules, permissions,
CSRF, forms that show field errors, the operator's and the tenant's pages."""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import select

from orion.kernel.runtime.models import OutboxEvent
from tests.console.conftest import errors_in, switch_module
from tests.helpers import platform_session, unique_email


def test_the_anonymous_are_sent_to_sign_in_and_come_back(browser, make_tenant, make_member):
    tenant = make_tenant()
    user, password = make_member(tenant, "tenant_admin")

    sent = browser.get("/console/tenancy/stores", follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/console/sign-in?next=%2Fconsole%2Ftenancy%2Fstores"

    browser.get("/console/sign-in?next=/console/tenancy/stores")
    signed = browser.post(
        "/console/sign-in",
        {"email": user.email, "password": password, "next": "/console/tenancy/stores"},
    )
    assert signed.headers["location"] == "/console/tenancy/stores"
    cookie = signed.headers["set-cookie"]
    assert "orion_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie and "Path=/console" in cookie
    assert browser.get("/console/tenancy/stores").status_code == 200


def test_a_wrong_password_is_shown_on_the_form(browser, make_tenant, make_member):
    user, _ = make_member(make_tenant(), "tenant_admin")
    browser.get("/console/sign-in")
    refused = browser.post("/console/sign-in", {"email": user.email, "password": "wrong-one"})
    assert refused.status_code == 401
    assert "incorrect email or password" in refused.text
    assert "orion_session" not in refused.headers.get("set-cookie", "")


def test_a_sign_in_never_redirects_off_the_console(browser, make_tenant, make_member):
    user, password = make_member(make_tenant(), "tenant_admin")
    browser.get("/console/sign-in")
    response = browser.post(
        "/console/sign-in",
        {"email": user.email, "password": password, "next": "https://evil.example/"},
    )
    assert response.headers["location"] == "/console/"


def test_forms_without_the_csrf_token_are_refused(browser, make_tenant, make_member):
    tenant = make_tenant()
    user, password = make_member(tenant, "tenant_admin")
    browser.sign_in(user.email, password)

    forged = browser.client.post(
        "/console/tenancy/stores",
        data={"name": "Forged", "code": "forged"},
        follow_redirects=False,
    )
    wrong = browser.client.post(
        "/console/tenancy/stores",
        data={"name": "Forged", "code": "forged", "csrf_token": "x" * 43},
        follow_redirects=False,
    )

    assert forged.status_code == wrong.status_code == 403
    assert "the form expired or came from another site" in forged.text
    assert "Forged" not in browser.get("/console/tenancy/stores").text


def test_the_menu_shows_enabled_modules_and_what_the_role_allows(
    browser, other_browser, runtime, make_tenant, make_member
):
    tenant = make_tenant()
    admin, password = make_member(tenant, "tenant_admin")
    staff, staff_password = make_member(tenant, "staff")
    switch_module(runtime, tenant, "credits", on=False)
    switch_module(runtime, tenant, "email", on=True)
    browser.sign_in(admin.email, password)
    other_browser.sign_in(staff.email, staff_password)

    admin_menu = browser.menu()
    assert {"/console/tenancy/stores", "/console/tenancy/members", "/console/email/"} <= set(
        admin_menu
    )
    assert "/console/credits/" not in admin_menu
    assert browser.get("/console/credits/").status_code == 404  # a disabled module's page

    staff_menu = other_browser.menu()
    assert "/console/tenancy/stores" in staff_menu
    assert "/console/tenancy/members" not in staff_menu and "/console/email/" not in staff_menu
    assert other_browser.get("/console/tenancy/members").status_code == 403
    assert other_browser.get("/console/platform/tenancy/tenants").status_code == 403

    switch_module(runtime, tenant, "credits", on=True)
    assert "/console/credits/" in browser.menu()
    assert browser.get("/console/credits/").status_code == 200


def test_the_api_never_takes_the_console_cookie(browser, make_tenant, make_member):
    user, password = make_member(make_tenant(), "tenant_admin")
    browser.sign_in(user.email, password)
    # The browser sends the cookie on its own: accepting it on the API would allow CSRF.
    assert browser.client.get("/api/v1/tenancy/tenant").status_code == 401


def test_the_top_bar_says_who_is_signed_in_and_pages_without_menu_use_the_width(
    browser, make_tenant, make_member
):
    sign_in_page = browser.get("/console/sign-in").text
    assert 'class="container-fluid layout"' in sign_in_page  # no empty sidebar column
    user, password = make_member(make_tenant(), "tenant_admin")
    browser.sign_in(user.email, password)

    for _ in range(2):  # the first request reads the database, the second the cache
        page = browser.get("/console/tenancy/").text
        who = page.split('id="signed-in-as">', 1)[1].split("</li>", 1)[0]
        assert user.email in who and "tenant admin" in who
    assert 'class="container-fluid layout with-sidebar"' in page
    assert 'rel="icon" href="/console/static/favicon.svg"' in page
    assert browser.get("/console/static/favicon.svg").status_code == 200


def test_signing_out_ends_the_session(browser, make_tenant, make_member):
    user, password = make_member(make_tenant(), "tenant_admin")
    browser.sign_in(user.email, password)
    cookie = browser.client.cookies.get("orion_session")

    out = browser.post("/console/sign-out")

    assert out.status_code == 303 and out.headers["location"] == "/console/sign-in"
    browser.client.cookies.set("orion_session", cookie, path="/console")  # a stolen copy
    again = browser.get("/console/tenancy/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/console/sign-in")


def test_stores_form_shows_field_errors_then_creates(browser, make_tenant, make_member):
    tenant = make_tenant()
    user, password = make_member(tenant, "tenant_admin")
    browser.sign_in(user.email, password)
    browser.get("/console/tenancy/stores")

    bad = browser.post("/console/tenancy/stores", {"name": "", "code": "Not A Code!"})
    assert bad.status_code == 422
    assert set(errors_in(bad.text)) == {"name", "code"}
    assert 'value="Not A Code!"' in bad.text  # what was typed stays

    made = browser.post("/console/tenancy/stores", {"name": "Harbour shop", "code": "harbour"})
    assert made.status_code == 303
    listed = browser.get("/console/tenancy/stores")
    assert "Harbour shop" in listed.text and "Store Harbour shop created." in listed.text

    taken = browser.post("/console/tenancy/stores", {"name": "Again", "code": "harbour"})
    assert taken.status_code == 422 and "code" in errors_in(taken.text)


def test_an_invitation_is_accepted_from_its_page(
    browser, other_browser, runtime, make_tenant, make_member
):
    tenant = make_tenant("Invite Co")
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    browser.get("/console/tenancy/members")
    invitee = unique_email("invitee")

    invited = browser.post("/console/tenancy/invitations", {"email": invitee, "role": "staff"})

    assert invited.status_code == 201, invited.text
    link = re.search(r'id="invitation-link">([^<]+)<', invited.text).group(1)
    token = unquote(link.split("token=", 1)[1])
    page = other_browser.get(f"/console/invitations/accept?token={token}")
    assert page.status_code == 200
    short = other_browser.post(
        "/console/invitations/accept", {"token": token, "full_name": "Ivy", "password": "short"}
    )
    assert short.status_code == 422 and "password" in errors_in(short.text)

    joined = other_browser.post(
        "/console/invitations/accept",
        {"token": token, "full_name": "Ivy", "password": "Long-enough-pass-7"},
    )
    assert joined.status_code == 303 and joined.headers["location"] == "/console/sign-in"
    other_browser.sign_in(invitee, "Long-enough-pass-7")
    assert "Invite Co" in other_browser.get("/console/tenancy/").text
    reused = other_browser.post(
        "/console/invitations/accept", {"token": token, "password": "Long-enough-pass-7"}
    )
    assert reused.status_code == 422 and "already used" in reused.text


def test_an_access_token_is_shown_once(browser, make_tenant, make_member):
    user, password = make_member(make_tenant(), "tenant_admin")
    browser.sign_in(user.email, password)
    browser.get("/console/auth/tokens")

    none_picked = browser.post("/console/auth/tokens", {"name": "sync"})
    assert none_picked.status_code == 422 and "scopes" in none_picked.text

    created = browser.post(
        "/console/auth/tokens", {"name": "shop sync", "scopes": ["tenancy.read"]}
    )
    assert created.status_code == 201
    token = re.search(r'id="token-value">(orn_[^<]+)<', created.text).group(1)
    assert (
        browser.client.get(
            "/api/v1/tenancy/stores", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )
    listed = browser.get("/console/auth/tokens").text
    assert "shop sync" in listed and token not in listed


def test_operators_switch_modules_per_tenant_and_see_why_one_is_refused(
    browser, runtime, make_tenant, make_user
):
    tenant = make_tenant("Switch Co")
    switch_module(runtime, tenant, "billing", on=True)
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    page = f"/console/platform/tenancy/tenants/{tenant.tenant_id}"
    browser.get(page)

    refused = browser.post(f"{page}/modules/credits", {"enable": "false"})
    assert refused.status_code == 409
    assert "cannot disable credits: billing requires it" in refused.text

    assert browser.post(f"{page}/modules/billing", {"enable": "false"}).status_code == 303
    assert browser.post(f"{page}/modules/credits", {"enable": "false"}).status_code == 303
    assert "credits disabled for Switch Co." in browser.get(page).text
    with runtime.database.unit_of_work() as session:
        assert not runtime.modules.is_enabled(
            session, "credits", platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
        )


def test_operators_reach_every_platform_page_by_the_menu(browser, make_user):
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    menu = browser.menu("/console/platform/tasks")
    assert {
        "/console/platform/tenancy/tenants",
        "/console/platform/tenancy/platforms",
        "/console/platform/tenancy/stores",
        "/console/platform/auth/users",
        "/console/platform/core/modules",
        "/console/platform/core/settings",
        "/console/platform/tasks",
    } <= set(menu)
    for path in menu:
        assert browser.get(path).status_code == 200, path
    assert browser.get("/console/platform/tasks?state=bogus").status_code == 422


def test_task_runs_show_state_and_error(browser, runtime, make_user):
    from orion.kernel.runtime.models import TaskRun

    with runtime.database.unit_of_work() as session:
        session.add(
            TaskRun(
                task_id="t-1",
                name="email.send_message",
                state="failed",
                error="SMTPRecipientsRefused: 550 mailbox unavailable",
            )
        )
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    page = browser.get("/console/platform/tasks?state=failed").text
    assert "email.send_message" in page and "550 mailbox unavailable" in page


def test_password_reset_from_the_console(browser, make_tenant, make_member, runtime):
    user, _ = make_member(make_tenant(), "tenant_admin")
    browser.get("/console/password-reset")
    asked = browser.post("/console/password-reset/request", {"email": user.email})
    assert asked.status_code == 200 and "on its way" in asked.text
    with platform_session(runtime) as session:
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.name == "auth.password_reset_requested")
        ).all()
    token = next(e.payload["token"] for e in events if e.payload["email"] == user.email)

    browser.get(f"/console/password-reset?token={token}")
    weak = browser.post("/console/password-reset", {"token": token, "new_password": "weak"})
    assert weak.status_code == 422 and "new_password" in errors_in(weak.text)
    done = browser.post(
        "/console/password-reset", {"token": token, "new_password": "A-new-passw0rd-x"}
    )
    assert done.status_code == 303
    browser.sign_in(user.email, "A-new-passw0rd-x")
    bogus = browser.post(
        "/console/password-reset", {"token": "nope", "new_password": "A-new-passw0rd-y"}
    )
    assert bogus.status_code in (400, 404, 410) and "token" in bogus.text


def test_a_console_page_never_answers_a_500_on_bad_input(browser, make_tenant, make_member):
    user, password = make_member(make_tenant(), "tenant_admin")
    browser.sign_in(user.email, password)
    for path in ("/console/tenancy/members/not-a-uuid/remove", "/console/auth/tokens/x/revoke"):
        assert browser.post(path).status_code == 422
    assert browser.get("/console/credits/?kind=nothing").status_code in (404, 422)
    assert (
        browser.post("/console/tenancy/invitations", {"email": "not-an-email"}).status_code == 422
    )


def test_a_member_of_two_tenants_chooses_where_to_work(browser, make_tenant, make_member, runtime):
    from orion.modules.tenancy import services as tenancy_service

    first, second = make_tenant("First Co"), make_tenant("Second Co")
    user, password = make_member(first, "tenant_admin")
    with runtime.database.unit_of_work() as session:
        tenancy_service.add_member(session, second, user_id=user.id, role="staff")
    browser.sign_in(user.email, password)
    assert 'id="tenant-name">First Co<' in browser.get("/console/tenancy/stores").text

    page = browser.get("/console/tenants/choose")
    assert "First Co" in page.text and "Second Co" in page.text
    moved = browser.post("/console/tenants/choose", {"tenant_id": str(second.tenant_id)})
    assert moved.status_code == 303
    assert "Second Co" in browser.get("/console/tenancy/").text
    assert browser.get("/console/tenancy/members").status_code == 403  # staff there

    stranger = make_tenant("Not Mine")
    refused = browser.post("/console/tenants/choose", {"tenant_id": str(stranger.tenant_id)})
    assert refused.status_code == 404


def test_operators_find_any_tenants_store(browser, make_tenant, make_user, runtime):
    from orion.kernel.data.tenancy import set_tenant
    from orion.modules.tenancy import services as tenancy_service
    from orion.modules.tenancy.schemas import StoreCreate

    tenant = make_tenant("Lighthouse Ltd")
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        tenancy_service.create_store(
            session, tenant, data=StoreCreate(name="Pier shop", code="pier")
        )
    operator, password = make_user(superadmin=True)
    browser.sign_in(operator.email, password)
    found = browser.get("/console/platform/tenancy/stores?search=lighthouse").text
    assert "Pier shop" in found and "Lighthouse Ltd" in found
    assert "Pier shop" not in browser.get("/console/platform/tenancy/stores?search=zzz").text


def test_provider_keys_are_typed_in_and_shown_masked(
    browser, other_browser, runtime, make_tenant, make_member, make_user
):
    tenant = make_tenant()
    switch_module(runtime, tenant, "api_keys", on=True)
    admin, password = make_member(tenant, "tenant_admin")
    browser.sign_in(admin.email, password)
    assert "/console/api_keys/" in browser.menu()
    browser.get("/console/api_keys/")

    missing = browser.post(
        "/console/api_keys/", {"provider": "openai_compatible", "api_key": "sk-x-12345678"}
    )
    assert missing.status_code == 422 and "base_url" in errors_in(missing.text)
    assert "sk-x-12345678" not in missing.text  # a typed key is not echoed back
    stored = browser.post(
        "/console/api_keys/",
        {"provider": "openai", "name": "main", "api_key": "sk-console-key-wxyz"},
    )
    assert stored.status_code == 303
    page = browser.get("/console/api_keys/").text
    assert "****wxyz" in page and "sk-console-key-wxyz" not in page

    operator, operator_password = make_user(superadmin=True)
    other_browser.sign_in(operator.email, operator_password)
    platform = other_browser.get("/console/platform/api_keys/").text
    assert "****wxyz" in platform and "sk-console-key-wxyz" not in platform
