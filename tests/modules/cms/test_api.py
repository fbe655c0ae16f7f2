"""The staff API: pages and menus of a store, for the tenant's members and for operators
acting for the tenant; bad input answered with the field named."""

from __future__ import annotations

from tests.modules.cms.conftest import API, create_page, fields_of, page_body


def test_a_page_is_created_read_listed_changed_and_deleted(client, shop):
    created = create_page(client, shop, slug="about-us", sort_order=3)
    assert created["status"] == "draft" and created["title"] == "About us"
    assert created["titles"] == {"en": "About us", "fr": "À propos"}
    url = f"{shop.pages}/{created['id']}"
    assert client.get(url, headers=shop.headers).json()["slug"] == "about-us"
    listed = client.get(shop.pages, headers=shop.headers).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == created["id"]
    changed = client.patch(
        url,
        json={
            "meta_descriptions": {"en": "Who we are"},
            "canonical_url": "https://shop.example/about",
        },
        headers=shop.headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["meta_descriptions"] == {"en": "Who we are"} and body["titles"]["fr"] == "À propos"
    assert body["canonical_url"] == "https://shop.example/about" and body["version"] == 2
    cleared = client.patch(url, json={"canonical_url": None}, headers=shop.headers).json()
    assert cleared["canonical_url"] is None
    assert client.delete(url, headers=shop.headers).status_code == 204
    assert client.get(url, headers=shop.headers).json()["code"] == "page_not_found"


def test_a_taken_slug_is_a_409_naming_slug(client, shop):
    create_page(client, shop, slug="faq")
    again = client.post(shop.pages, json=page_body(slug="faq"), headers=shop.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "page_slug_taken" and fields_of(again) == ["slug"]
    other = create_page(client, shop, slug="other")
    renamed = client.patch(
        f"{shop.pages}/{other['id']}", json={"slug": "faq"}, headers=shop.headers
    )
    assert renamed.status_code == 409 and fields_of(renamed) == ["slug"]


def test_a_slug_that_is_not_one_is_a_422_with_a_suggestion(client, shop):
    bad = client.post(shop.pages, json=page_body(slug="Über Uns!"), headers=shop.headers)
    assert bad.status_code == 422 and fields_of(bad) == ["slug"]
    assert "uber-uns" in bad.json()["errors"][0]["message"]


def test_seo_fields_and_texts_are_checked(client, shop):
    cases = [
        ({"canonical_url": "javascript:alert(1)"}, "canonical_url"),
        ({"canonical_url": "/about"}, "canonical_url"),
        ({"canonical_url": "https://shop.example/a b"}, "canonical_url"),
        ({"meta_titles": {"en": "x" * 71}}, "meta_titles.en"),
        ({"meta_descriptions": {"it": "Chi siamo"}}, "meta_descriptions.it.[key]"),
        ({"titles": {"en": "", "fr": " "}}, "titles"),
        ({"bodies": {"en": "nul \x00 byte"}}, "bodies.en"),
        ({"sort_order": -1}, "sort_order"),
    ]
    for fields, field in cases:
        refused = client.post(shop.pages, json=page_body(**fields), headers=shop.headers)
        assert refused.status_code == 422, (fields, refused.text)
        assert fields_of(refused) == [field], (fields, refused.json())
    assert client.get(shop.pages, headers=shop.headers).json()["count"] == 0


def test_null_is_refused_where_a_field_may_only_be_left_out(client, shop):
    page = create_page(client, shop)
    refused = client.patch(
        f"{shop.pages}/{page['id']}", json={"titles": None}, headers=shop.headers
    )
    assert refused.status_code == 422 and fields_of(refused) == ["titles"]


def test_publish_unpublish_and_the_revisions(client, shop):
    page = create_page(client, shop)
    url = f"{shop.pages}/{page['id']}"
    published = client.post(f"{url}/publish", headers=shop.headers).json()
    assert published["status"] == "published" and published["published_at"]
    assert client.post(f"{url}/publish", headers=shop.headers).json() == published
    client.patch(url, json={"bodies": {"en": "New text"}}, headers=shop.headers)
    revisions = client.get(f"{url}/revisions", headers=shop.headers).json()
    assert [r["version"] for r in revisions["data"]] == [2, 1] and revisions["count"] == 2
    restored = client.post(
        f"{url}/revisions/{revisions['data'][1]['id']}/restore", headers=shop.headers
    ).json()
    assert restored["bodies"]["en"] == "We **roast** coffee." and restored["version"] == 3
    offline = client.post(f"{url}/unpublish", headers=shop.headers).json()
    assert offline["status"] == "draft" and offline["published_at"] is None
    filtered = client.get(shop.pages, params={"status": "published"}, headers=shop.headers)
    assert filtered.json()["count"] == 0


def test_publishing_a_page_without_text_names_the_bodies(client, shop):
    page = create_page(client, shop, bodies={})
    refused = client.post(f"{shop.pages}/{page['id']}/publish", headers=shop.headers)
    assert refused.status_code == 422 and fields_of(refused) == ["bodies"]
    direct = client.post(shop.pages, json=page_body(bodies={}, publish=True), headers=shop.headers)
    assert direct.status_code == 422 and fields_of(direct) == ["bodies"]
    assert client.get(shop.pages, headers=shop.headers).json()["count"] == 1  # nothing half-written


def test_the_preview_is_the_storefronts_sanitised_html(client, shop):
    shown = client.post(
        f"{API}/stores/{shop.store.id}/preview",
        json={"markdown": "**hi** <script>alert(1)</script><img src=x onerror=alert(1)>"},
        headers=shop.headers,
    )
    assert shown.status_code == 200
    assert shown.json()["html"] == '<p><strong>hi</strong> <img src="x"></p>'


def test_menus_are_created_listed_replaced_and_deleted(client, shop):
    about = create_page(client, shop, slug="about")
    created = client.post(
        shop.menus,
        json={
            "name": "footer",
            "items": [
                {"page_id": about["id"]},
                {"labels": {"en": "Blog", "de": "Blog"}, "url": "https://blog.example"},
                {"labels": {"en": "Call us"}, "url": "tel:+352123456"},
            ],
        },
        headers=shop.headers,
    )
    assert created.status_code == 201, created.text
    menu = created.json()
    assert [i["position"] for i in menu["items"]] == [0, 1, 2]
    assert menu["items"][0]["page_id"] == about["id"] and menu["items"][0]["labels"] == {}
    listed = client.get(shop.menus, headers=shop.headers).json()
    assert listed["count"] == 1 and len(listed["data"][0]["items"]) == 3
    url = f"{shop.menus}/{menu['id']}"
    replaced = client.patch(
        url, json={"name": "main-footer", "items": [{"page_id": about["id"]}]}, headers=shop.headers
    ).json()
    assert replaced["name"] == "main-footer" and len(replaced["items"]) == 1
    blocked = client.delete(f"{shop.pages}/{about['id']}", headers=shop.headers)
    assert blocked.status_code == 409 and blocked.json()["code"] == "page_in_menu"
    assert client.delete(url, headers=shop.headers).status_code == 204
    assert client.delete(f"{shop.pages}/{about['id']}", headers=shop.headers).status_code == 204


def test_bad_menus_name_the_field(client, shop, make_shop):
    foreign = create_page(client, make_shop(), slug="theirs")
    cases = [
        ({"name": "Main Menu"}, "name"),
        ({"name": "f", "items": [{"labels": {"en": "x"}}]}, "items[0]"),
        (
            {"name": "f", "items": [{"labels": {"en": "x"}, "url": "javascript:alert(1)"}]},
            "items[0].url",
        ),
        ({"name": "f", "items": [{"url": "https://x.example"}]}, "items[0]"),
        ({"name": "f", "items": [{"page_id": foreign["id"]}]}, "items[0].page_id"),
    ]
    for body, field in cases:
        refused = client.post(shop.menus, json=body, headers=shop.headers)
        assert refused.status_code == 422, (body, refused.text)
        assert fields_of(refused) == [field], (body, refused.json())
    client.post(shop.menus, json={"name": "footer"}, headers=shop.headers)
    taken = client.post(shop.menus, json={"name": "footer"}, headers=shop.headers)
    assert taken.status_code == 409 and fields_of(taken) == ["name"]


def test_staff_read_and_only_admins_change(client, runtime, shop, make_member):
    from tests.modules.tenancy.support import signed_in

    create_page(client, shop)
    staff, _ = make_member(shop.tenant, role="staff")
    headers = signed_in(runtime, staff.id, shop.tenant.tenant_id)
    assert client.get(shop.pages, headers=headers).status_code == 200
    refused = client.post(shop.pages, json=page_body(), headers=headers)
    assert refused.status_code == 403


def test_an_operator_acting_for_the_tenant_reaches_the_same_pages(client, shop, operator_headers):
    page = create_page(client, shop)
    url = f"/api/v1/admin/cms/tenants/{shop.tenant.tenant_id}/stores/{shop.store.id}/pages"
    listed = client.get(url, headers=operator_headers)
    assert listed.status_code == 200 and listed.json()["data"][0]["id"] == page["id"]


def test_another_tenants_store_and_page_are_404(client, shop, make_shop):
    other = make_shop()
    page = create_page(client, shop)
    assert client.get(shop.pages, headers=other.headers).json()["code"] == "store_not_found"
    mine = f"{other.pages}/{page['id']}"
    assert client.get(mine, headers=other.headers).json()["code"] == "page_not_found"
