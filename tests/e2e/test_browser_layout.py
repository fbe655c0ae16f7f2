"""Every console page at a laptop's width (1366 px) and a phone's (390 px): nothing wider
than the window, the sign-in card not squeezed; and the API docs working with no network
beyond the server, signing in through their Authorize dialog."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PASSWORD, shot, sign_in

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

WIDTHS = {"laptop": 1366, "phone": 390}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def menu_paths(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all("#menu a", "links => links.map(a => a.getAttribute('href'))")


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("who", ["admin@acme.test", "operator@orion.test"])
def test_no_console_page_is_wider_than_the_window(new_page, width, who):
    page = new_page(width=width)
    sign_in(page, who)
    paths = menu_paths(page)
    assert len(paths) >= 5
    too_wide = {}
    for path in paths:
        page.goto(path)
        page.wait_for_selector("main")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            too_wide[path] = overflow
        shot(page, f"{who.split('@')[0]}-{width}-{slug(path)}")
    assert too_wide == {}, f"pages wider than {width} px (by px): {too_wide}"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_pages_before_sign_in_use_the_width_they_have(new_page, width):
    page = new_page(width=width)
    for path in ("/console/sign-in", "/console/password-reset"):
        page.goto(path)
        form = page.locator("main form").first
        box = form.bounding_box()
        assert box is not None
        assert box["width"] >= min(width - 80, 400), f"{path} squeezes its form: {box}"
        assert page.evaluate(OVERFLOW) <= 0
        shot(page, f"public-{width}-{slug(path)}")


def test_the_api_docs_need_no_network_and_sign_in_from_their_authorize_dialog(new_page, server):
    page = new_page(width=1366)
    elsewhere: list[str] = []

    def only_the_server(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .information-container")
    page.click("button.authorize")
    dialog = page.locator(".dialog-ux")
    dialog.locator("#oauth_username").fill("admin@acme.test")
    dialog.locator("#oauth_password").fill(PASSWORD)
    dialog.locator(".auth-btn-wrapper button.authorize").first.click()
    dialog.locator("text=Authorized").first.wait_for()
    dialog.locator("button.close-modal").first.click()

    operation = page.locator("#operations-tenancy-list_stores_api_v1_tenancy_stores_get")
    if operation.count() == 0:  # the operation id is FastAPI's: find it by its path
        operation = page.locator(".opblock-get", has_text="/api/v1/tenancy/stores").first
    operation.locator(".opblock-summary").first.click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert "Acme Coffee Roastery" in operation.locator(".live-responses-table").inner_text()
    shot(page, "api-docs-signed-in")

    assert elsewhere == []

    page.goto("/redoc")
    page.wait_for_selector("h1")
    page.get_by_text("/api/v1/tenancy/stores").first.wait_for(state="attached")
    # ReDoc's bundle links its "API docs by Redocly" badge from its CDN; refused here, the
    # page works without it.
    assert [url for url in elsewhere if "cdn.redoc.ly/redoc/logo" not in url] == []
