"""The cms console as a tenant admin uses it: the pages table, the editor with its
language tabs and sanitised preview, publishing, and the menus editor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import Browser, errors_in
from tests.modules.cms.conftest import Shop, create_page
from tests.modules.tenancy.support import signed_in

PAGE = "/console/cms/"
HOSTILE = "**Hi** <script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))"


@pytest.fixture
def admin(app, runtime, make_tenant, make_store, make_member) -> Iterator[tuple[Browser, Shop]]:  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    store = make_store(tenant, name="Main shop")
    user, password = make_member(tenant, role="tenant_admin")
    shop = Shop(tenant, store, signed_in(runtime, user.id, tenant.tenant_id), user.id)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(user.email, password)
        yield browser, shop


def _fields(**extra: str) -> dict[str, str]:
    return {"title_en": "About us", "body_en": "We roast.", "sort_order": "0"} | extra


def test_the_content_menu_item_opens_the_pages_table(admin, client):
    browser, shop = admin
    create_page(client, shop, slug="about-us", publish=True)
    create_page(client, shop, slug="returns", titles={"en": "Returns"})
    assert PAGE in browser.menu(PAGE)
    page = browser.get(f"{PAGE}?store={shop.store.id}")
    assert page.status_code == 200, page.text
    assert "about-us" in page.text and "returns" in page.text and 'id="pages"' in page.text
    drafts = browser.get(PAGE, params={"store": str(shop.store.id), "status": "draft"}).text
    assert "returns" in drafts and "about-us" not in drafts


def test_a_page_is_written_previewed_and_published_in_the_editor(admin, client):
    browser, shop = admin
    editor = browser.get(f"{PAGE}new?store={shop.store.id}")
    assert (
        editor.status_code == 200
        and 'id="tab-fr"' in editor.text
        and 'name="body_de"' in editor.text
    )
    created = browser.post(
        f"{PAGE}new?store={shop.store.id}", _fields(title_fr="À propos", body_fr="Bonjour")
    )
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    shown = browser.get(url).text
    assert "À propos" in shown and "version 1" in shown
    page_id = url.split("?")[0].rsplit("/", 1)[1]
    published = browser.post(f"{PAGE}{page_id}/publish?store={shop.store.id}")
    assert published.status_code == 303
    api = client.get(f"{shop.pages}/{page_id}", headers=shop.headers).json()
    assert api["status"] == "published" and api["bodies"] == {"en": "We roast.", "fr": "Bonjour"}
    live = browser.get(url).text
    assert 'id="unpublish"' in live and 'id="public-link"' in live and 'id="revisions"' in live
    saved = browser.post(f"{PAGE}{page_id}?store={shop.store.id}", _fields(slug="about"))
    assert saved.status_code == 303
    assert client.get(f"{shop.pages}/{page_id}", headers=shop.headers).json()["slug"] == "about"
    assert browser.post(f"{PAGE}{page_id}/unpublish?store={shop.store.id}").status_code == 303


def test_the_preview_is_sanitised_like_the_storefront(admin):
    browser, shop = admin
    fragment = browser.client.post(
        f"{PAGE}preview?store={shop.store.id}",
        data={"csrf_token": browser.token, "lang": "en", "body_en": HOSTILE},
        headers={"HX-Request": "true", "X-CSRF-Token": browser.token or ""},
    )
    assert fragment.status_code == 200
    assert "<strong>Hi</strong>" in fragment.text and 'id="preview-en"' in fragment.text
    assert "<script" not in fragment.text and "onerror" not in fragment.text
    assert "javascript:" not in fragment.text.split("[x](")[0]
    assert "<html" not in fragment.text  # only the preview, swapped into the editor
    whole = browser.post(
        f"{PAGE}preview?store={shop.store.id}", _fields(body_fr=HOSTILE, title_fr="Salut")
    )
    assert whole.status_code == 200 and 'id="page-form"' in whole.text
    preview = whole.text.split('id="preview-fr"', 1)[1].split("</div>", 1)[0]
    assert (
        "<strong>Hi</strong>" in preview and "<script" not in preview and "onerror" not in preview
    )
    # What was typed is kept in the textarea, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in whole.text


def test_refused_fields_are_marked_and_what_was_typed_kept(admin, client):
    browser, shop = admin
    create_page(client, shop, slug="taken")
    refused = browser.post(
        f"{PAGE}new?store={shop.store.id}",
        _fields(slug="taken", canonical_url="ftp://x", meta_title_fr="x" * 80),
    )
    assert refused.status_code == 422
    errors = errors_in(refused.text)
    assert "canonical_url" in errors and "meta_title_fr" in errors
    assert 'value="taken"' in refused.text
    again = browser.post(f"{PAGE}new?store={shop.store.id}", _fields(slug="taken"))
    assert again.status_code == 422 and "already used" in errors_in(again.text)["slug"]


def test_a_menu_is_created_and_its_links_edited(admin, client):
    browser, shop = admin
    about = create_page(client, shop, slug="about", publish=True)
    listing = browser.get(f"{PAGE}menus?store={shop.store.id}")
    assert listing.status_code == 200 and 'id="menu-form"' in listing.text
    created = browser.post(f"{PAGE}menus?store={shop.store.id}", {"name": "footer"})
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    editor = browser.get(url)
    assert editor.status_code == 200 and 'name="page_0"' in editor.text
    menu_id = url.split("?")[0].rsplit("/", 1)[1]
    saved = browser.post(
        f"{PAGE}menus/{menu_id}?store={shop.store.id}",
        {
            "name": "footer",
            "rows": "3",
            "page_1": about["id"],
            "position_1": "1",
            "label_en_0": "Blog",
            "url_0": "https://blog.example",
            "position_0": "2",
        },
    )
    assert saved.status_code == 303, saved.text
    menu = client.get(f"{shop.menus}/{menu_id}", headers=shop.headers).json()
    assert [(i["page_id"], i["url"]) for i in menu["items"]] == [
        (about["id"], None),
        (None, "https://blog.example"),
    ]
    refused = browser.post(
        f"{PAGE}menus/{menu_id}?store={shop.store.id}",
        {"name": "footer", "rows": "1", "label_en_0": "Bad", "url_0": "javascript:alert(1)"},
    )
    assert refused.status_code == 422 and "Link 1 (url): " in refused.text
    assert "must be an http(s) URL" in refused.text
    assert 'value="javascript:alert(1)"' in refused.text
    deleted = browser.post(f"{PAGE}menus/{menu_id}/delete?store={shop.store.id}")
    assert deleted.status_code == 303
    assert client.get(shop.menus, headers=shop.headers).json()["count"] == 0


def test_staff_see_the_pages_but_get_no_editing_buttons(
    app, runtime, client, make_tenant, make_store, make_member
):  # type: ignore[no-untyped-def]
    tenant = make_tenant()
    store = make_store(tenant)
    admin_user, _ = make_member(tenant, role="tenant_admin")
    shop = Shop(tenant, store, signed_in(runtime, admin_user.id, tenant.tenant_id), admin_user.id)
    page = create_page(client, shop)
    staff, password = make_member(tenant, role="staff")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        browser = Browser(c)
        browser.sign_in(staff.email, password)
        table = browser.get(f"{PAGE}?store={store.id}").text
        assert "about-us" in table and 'id="new-page"' not in table
        editor = browser.get(f"{PAGE}{page['id']}?store={store.id}").text
        assert 'id="save-page"' not in editor and 'id="publish"' not in editor
        assert browser.post(f"{PAGE}{page['id']}/publish?store={store.id}").status_code == 403
