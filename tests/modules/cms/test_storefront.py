"""What shoppers and search engines get: published pages as a whole HTML document with
its SEO head, or as JSON; the language asked for or English; menus; never a draft."""

from __future__ import annotations

import re
import uuid

from tests.modules.cms.conftest import create_page

ABOUT = {
    "slug": "about-us",
    "titles": {"en": "About us", "fr": "À propos", "de": "Über uns"},
    "bodies": {
        "en": (
            "We roast **coffee** & ship it. [Partner](https://partner.example) "
            "<script>alert(1)</script>"
        ),
        "fr": "Nous torréfions du **café**.",
    },
    "meta_titles": {"en": "About the roastery"},
    "meta_descriptions": {"fr": "Qui nous sommes"},
    "publish": True,
}


def _head(html: str) -> str:
    return html.split("</head>", 1)[0]


def test_a_published_page_is_a_whole_html_document_with_its_seo_head(client, shop):
    create_page(client, shop, **ABOUT, canonical_url="https://roastery.example/about")
    response = client.get(f"{shop.public}/pages/about-us")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html.startswith('<!doctype html>\n<html lang="en">')
    head = _head(html)
    assert "<title>About the roastery · Corner Roastery</title>" in head
    # No meta description in English: the beginning of the text stands for it.
    assert '<meta name="description" content="We roast coffee &amp; ship it. Partner">' in head
    assert '<link rel="canonical" href="https://roastery.example/about">' in head
    assert 'hreflang="fr"' in head and 'hreflang="de"' not in head  # no German text
    assert "<h1>About us</h1>" in html
    assert "<strong>coffee</strong>" in html and "<script" not in html
    assert 'href="https://partner.example" rel="nofollow noopener"' in html
    assert "script-src" not in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["content-language"] == "en"


def test_the_language_asked_for_is_served_and_missing_ones_fall_back_to_english(client, shop):
    create_page(client, shop, **ABOUT)
    french = client.get(f"{shop.public}/pages/about-us", params={"lang": "fr"}).text
    assert '<html lang="fr">' in french and "<h1>À propos</h1>" in french
    assert "<title>À propos · Corner Roastery</title>" in french
    assert '<meta name="description" content="Qui nous sommes">' in french
    # The canonical address defaults to the page's own, in the language served.
    assert re.search(
        r'<link rel="canonical" href="http://testserver/api/v1/public/cms/stores/[0-9a-f-]+/pages/about-us\?lang=fr">',
        french,
    )
    german = client.get(f"{shop.public}/pages/about-us", params={"lang": "de", "format": "json"})
    assert german.json()["lang"] == "en" and german.json()["languages"] == ["en", "fr"]
    by_header = client.get(
        f"{shop.public}/pages/about-us", headers={"Accept-Language": "de-LU, fr;q=0.8, en;q=0.5"}
    ).text
    assert '<html lang="en">' in by_header  # asked de: the page has none, so English
    by_header = client.get(
        f"{shop.public}/pages/about-us", headers={"Accept-Language": "fr-LU,fr;q=0.9"}
    ).text
    assert '<html lang="fr">' in by_header
    unknown = client.get(f"{shop.public}/pages/about-us", params={"lang": "xx"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "lang"


def test_json_is_served_by_format_or_by_accept(client, shop):
    create_page(client, shop, **ABOUT)
    url = f"{shop.public}/pages/about-us"
    by_format = client.get(url, params={"format": "json", "lang": "fr"})
    body = by_format.json()
    assert body["slug"] == "about-us" and body["lang"] == "fr" and body["title"] == "À propos"
    assert body["meta_title"] == "À propos" and body["meta_description"] == "Qui nous sommes"
    assert body["html"] == "<p>Nous torréfions du <strong>café</strong>.</p>"
    assert body["canonical_url"] is None and body["published_at"]
    assert client.get(url, headers={"Accept": "application/json"}).json()["lang"] == "en"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get(url, headers={"Accept": browser}).text.startswith("<!doctype html>")
    assert client.get(url, headers={"Accept": "*/*"}).text.startswith("<!doctype html>")
    ranked = client.get(url, headers={"Accept": "text/html;q=0.5, application/json"})
    assert ranked.headers["content-type"].startswith("application/json")
    assert "Accept" in by_format.headers["vary"]


def test_drafts_and_unknown_pages_are_not_found(client, shop):
    draft = create_page(client, shop, slug="secret-sale")
    for fmt in ("html", "json"):
        response = client.get(f"{shop.public}/pages/secret-sale", params={"format": fmt})
        assert response.status_code == 404 and response.json()["code"] == "page_not_found"
    assert client.get(f"{shop.public}/pages/nope").status_code == 404
    client.post(f"{shop.pages}/{draft['id']}/publish", headers=shop.headers)
    assert client.get(f"{shop.public}/pages/secret-sale").status_code == 200
    client.post(f"{shop.pages}/{draft['id']}/unpublish", headers=shop.headers)
    assert client.get(f"{shop.public}/pages/secret-sale").status_code == 404


def test_a_page_of_another_store_or_an_unknown_store_is_not_found(client, shop, make_store):
    create_page(client, shop, **ABOUT)
    other = make_store(shop.tenant)
    elsewhere = client.get(f"/api/v1/public/cms/stores/{other.id}/pages/about-us")
    assert elsewhere.status_code == 404 and elsewhere.json()["code"] == "page_not_found"
    unknown = client.get(f"/api/v1/public/cms/stores/{uuid.uuid4()}/pages/about-us")
    assert unknown.status_code == 404 and unknown.json()["code"] == "store_not_found"


def test_the_store_lists_its_published_pages_in_order(client, shop):
    create_page(client, shop, **ABOUT, sort_order=2)
    create_page(
        client, shop, slug="delivery", titles={"en": "Delivery"}, publish=True, sort_order=1
    )
    create_page(client, shop, slug="draft", titles={"en": "Draft"})
    listed = client.get(f"{shop.public}/pages", params={"lang": "de"}).json()["data"]
    assert [(p["slug"], p["title"], p["lang"]) for p in listed] == [
        ("delivery", "Delivery", "en"),
        ("about-us", "About us", "en"),  # no German text: served in English
    ]


def test_a_menu_is_served_with_labels_in_the_language_and_without_drafts(client, shop):
    about = create_page(client, shop, **ABOUT)
    draft = create_page(client, shop, slug="soon", titles={"en": "Soon"})
    client.post(
        shop.menus,
        json={
            "name": "footer",
            "items": [
                {"page_id": about["id"]},
                {"page_id": draft["id"], "labels": {"en": "Coming soon"}},
                {"labels": {"en": "Blog", "fr": "Journal"}, "url": "https://blog.example"},
                {"labels": {"en": "Stores"}, "url": "/stores"},
            ],
        },
        headers=shop.headers,
    )
    menu = client.get(f"{shop.public}/menus/footer", params={"lang": "fr"}).json()
    assert menu["name"] == "footer" and menu["lang"] == "fr"
    assert menu["items"] == [
        {
            "label": "À propos",
            "url": f"/api/v1/public/cms/stores/{shop.store.id}/pages/about-us?lang=fr",
            "page_slug": "about-us",
            "external": False,
        },
        {"label": "Journal", "url": "https://blog.example", "page_slug": None, "external": True},
        {"label": "Stores", "url": "/stores", "page_slug": None, "external": False},
    ]
    english = client.get(f"{shop.public}/menus/footer").json()
    assert english["items"][0]["url"].endswith("/pages/about-us")
    missing = client.get(f"{shop.public}/menus/header")
    assert missing.status_code == 404 and missing.json()["code"] == "menu_not_found"


def test_an_inactive_store_serves_nothing(client, shop, runtime):
    from orion.kernel.data.tenancy import acting_for
    from orion.modules.tenancy.models import Store

    create_page(client, shop, **ABOUT)
    with runtime.database.unit_of_work() as session, acting_for(session, shop.tenant):
        session.get(Store, shop.store.id).is_active = False
    closed = client.get(f"{shop.public}/pages/about-us")
    assert closed.status_code == 404 and closed.json()["code"] == "store_not_found"
