"""The console in a real browser: Debian's Chromium driven by Playwright against
`orion serve --demo` started by a fixture. Screenshots of the main pages are saved under
test-artifacts/console/.

Skipped when Chromium or Playwright is missing on a developer's machine; CI installs both
(.ci/run), so there they run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import drop_database, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "demo-password-1"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`orion serve --demo` on a fresh database, embedded worker included."""
    url = fresh_database_url(tmp_path_factory.mktemp("browser"), "browser")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    env |= {"ORION_DATABASE_URL": url, "ORION_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "orion.cli", "serve", "--port", str(port), "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"orion serve did not start:\n{process.communicate(timeout=10)[0]}")
    yield base
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    drop_database(url)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, server):  # type: ignore[no-untyped-def]
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = chromium.new_context(base_url=server, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/console/")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#menu")


def menu_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [text.strip() for text in page.locator("#menu a").all_inner_texts()]


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_an_operator_switches_a_module_and_the_tenant_menu_follows(new_page):
    operator, admin = new_page(), new_page()
    sign_in(operator, "operator@orion.test")
    shot(operator, "operator-tenants")
    sign_in(admin, "admin@acme.test")
    assert "Email" in menu_labels(admin)

    operator.click("#menu >> text=Tenants")
    operator.click("#tenants >> text=Acme Coffee")
    operator.click("#module-email button")
    operator.wait_for_selector("text=email disabled for Acme Coffee.")
    shot(operator, "operator-tenant-modules")
    admin.reload()
    assert "Email" not in menu_labels(admin)
    assert admin.goto("/console/email/").status == 404

    operator.click("#module-email button")
    operator.wait_for_selector("text=email enabled for Acme Coffee.")
    admin.goto("/console/")
    assert "Email" in menu_labels(admin)
    admin.click("#menu >> text=Email")
    shot(admin, "tenant-email")

    operator.click("#menu >> text=AI models")
    operator.wait_for_selector("#catalogue >> text=gpt-4o-mini")
    shot(operator, "operator-ai-models")
    for label in ("Task runs", "Users", "Plans", "Credit ledgers", "Modules"):
        operator.click(f"#menu >> text={label}")
        operator.wait_for_selector("h1")
    shot(operator, "operator-modules")


def test_a_tenant_admin_invites_a_member_who_accepts(new_page):
    admin, invitee = new_page(), new_page()
    sign_in(admin, "admin@acme.test")
    shot(admin, "tenant-dashboard")
    admin.click("#menu >> text=Team")
    admin.fill("#f-email", "new.hire@acme.test")
    admin.select_option("#f-role", "staff")
    admin.click("#invite-form button[type=submit]")
    link = admin.inner_text("#invitation-link").strip()
    shot(admin, "tenant-team")

    invitee.goto(re.sub(r"^https?://[^/]+", "", link))
    invitee.fill("#f-full_name", "New Hire")
    invitee.fill("#f-password", "Welcome-aboard-42")
    invitee.click("#accept-form button[type=submit]")
    invitee.wait_for_selector("text=Welcome to Acme Coffee; sign in.")
    sign_in(invitee, "new.hire@acme.test", "Welcome-aboard-42")
    assert "Stores" in menu_labels(invitee) and "Team" not in menu_labels(invitee)

    admin.click("#menu >> text=Team")
    assert "new.hire@acme.test" in admin.inner_text("#members")


def test_a_tenant_admin_creates_an_access_token_shown_once(new_page, server):
    admin = new_page()
    sign_in(admin, "admin@bistro.test")
    admin.click("#menu >> text=API tokens")
    admin.click("summary")
    admin.fill("#f-name", "kitchen display")
    admin.check("input[name=scopes][value='tenancy.read']")
    admin.click("#token-form button[type=submit]")
    token = admin.inner_text("#token-value").strip()
    assert token.startswith("orn_")
    shot(admin, "tenant-tokens")

    stores = httpx.get(
        f"{server}/api/v1/tenancy/stores", headers={"Authorization": f"Bearer {token}"}
    )
    assert stores.status_code == 200 and stores.json()["count"] >= 1
    admin.reload()
    assert token not in admin.content()

    for label in ("Stores", "Credits", "Billing"):
        admin.click(f"#menu >> text={label}")
        admin.wait_for_selector("h1")
        shot(admin, f"tenant-{label.lower()}")
    admin.click("#menu >> text=AI usage")
    admin.wait_for_selector("#models >> text=gpt-4o-mini")
    assert admin.inner_text("#base-url").endswith("/v1")
    shot(admin, "tenant-ai-usage")
