"""The cms services called directly: pages, slugs, publishing and revisions, menus."""

from __future__ import annotations

import pytest

from orion.kernel.errors import StoreNotFound
from orion.modules.cms import services
from orion.modules.cms.exceptions import (
    CmsInvalid,
    MenuNameTaken,
    PageInMenu,
    PageNotFound,
    SlugTaken,
)
from orion.modules.cms.schemas import (
    MenuCreate,
    MenuItemIn,
    MenuUpdate,
    PageCreate,
    PageQuery,
    PageUpdate,
)


def _page(**fields):  # type: ignore[no-untyped-def]
    body = {"titles": {"en": "About us"}, "bodies": {"en": "Hello"}}
    return PageCreate.model_validate(body | fields)


def test_a_page_gets_its_slug_from_its_title_and_a_number_when_it_is_taken(runtime, shop):
    with runtime.database.unit_of_work() as session:
        first = services.create_page(session, shop.tenant, store_id=shop.store.id, data=_page())
        second = services.create_page(session, shop.tenant, store_id=shop.store.id, data=_page())
        german = services.create_page(
            session,
            shop.tenant,
            store_id=shop.store.id,
            data=_page(titles={"de": "Über uns & Kontakt"}),
        )
    assert (first.slug, second.slug, german.slug) == ("about-us", "about-us-2", "uber-uns-kontakt")
    assert first.status == "draft" and first.published_at is None and first.version == 1
    assert german.title == "Über uns & Kontakt"


def test_a_slug_asked_for_is_unique_in_its_store_only(runtime, shop, make_store):
    other_store = make_store(shop.tenant)
    with runtime.database.unit_of_work() as session:
        services.create_page(session, shop.tenant, store_id=shop.store.id, data=_page(slug="faq"))
        services.create_page(session, shop.tenant, store_id=other_store.id, data=_page(slug="faq"))
        with pytest.raises(SlugTaken) as refused:
            services.create_page(
                session, shop.tenant, store_id=shop.store.id, data=_page(slug="faq")
            )
    assert refused.value.errors[0].field == "slug"


def test_renaming_a_page_to_a_slug_its_store_has_is_refused(runtime, shop):
    with runtime.database.unit_of_work() as session:
        services.create_page(session, shop.tenant, store_id=shop.store.id, data=_page(slug="a"))
        page = services.create_page(
            session, shop.tenant, store_id=shop.store.id, data=_page(slug="b")
        )
        with pytest.raises(SlugTaken):
            services.update_page(
                session,
                shop.tenant,
                store_id=shop.store.id,
                page_id=page.id,
                data=PageUpdate(slug="a"),
            )
        same = services.update_page(
            session, shop.tenant, store_id=shop.store.id, page_id=page.id, data=PageUpdate(slug="b")
        )
    assert same.version == 1  # nothing changed, no new version


def test_another_tenants_store_and_pages_are_unknown(runtime, shop, make_shop):
    other = make_shop()
    with runtime.database.unit_of_work() as session:
        page = services.create_page(session, shop.tenant, store_id=shop.store.id, data=_page())
        with pytest.raises(StoreNotFound):
            services.create_page(session, other.tenant, store_id=shop.store.id, data=_page())
        with pytest.raises(PageNotFound):
            services.get_page(session, other.tenant, shop.store.id, page.id)
        with pytest.raises(PageNotFound):
            services.get_page(session, other.tenant, other.store.id, page.id)


def test_publishing_keeps_a_revision_per_version_that_went_live(runtime, shop, heard):
    store_id = shop.store.id
    with runtime.database.unit_of_work() as session:
        page = services.create_page(session, shop.tenant, store_id=store_id, data=_page())
        services.update_page(  # a draft's change: a new version, nothing live
            session,
            shop.tenant,
            store_id=store_id,
            page_id=page.id,
            data=PageUpdate(bodies={"en": "Draft two"}),
        )
        assert heard == []
        services.publish_page(session, shop.tenant, store_id=store_id, page_id=page.id)
        services.publish_page(session, shop.tenant, store_id=store_id, page_id=page.id)  # again
        assert page.status == "published" and page.published_at is not None
        published_at = page.published_at
        services.update_page(
            session,
            shop.tenant,
            store_id=store_id,
            page_id=page.id,
            data=PageUpdate(bodies={"en": "Live three"}, sort_order=5),
        )
        services.update_page(  # the order is no content: no version, no revision
            session,
            shop.tenant,
            store_id=store_id,
            page_id=page.id,
            data=PageUpdate(sort_order=6),
        )
        revisions = services.revisions_listing(
            session, shop.tenant, store_id=store_id, page_id=page.id
        )
    assert page.version == 3 and page.published_at == published_at
    assert [(r.version, r.bodies) for r in revisions.data] == [
        (3, {"en": "Live three"}),
        (2, {"en": "Draft two"}),
    ]
    assert [(e.name, e.version, e.first) for e in heard] == [
        ("cms.page_published", 2, True),
        ("cms.page_published", 3, False),
    ]
    assert all(e.tenant_id == shop.tenant.tenant_id and e.slug == "about-us" for e in heard)


def test_unpublishing_and_publishing_again_adds_no_revision_for_the_same_version(
    runtime, shop, heard
):
    store_id = shop.store.id
    with runtime.database.unit_of_work() as session:
        page = services.create_page(
            session, shop.tenant, store_id=store_id, data=_page(publish=True)
        )
        services.unpublish_page(session, shop.tenant, store_id=store_id, page_id=page.id)
        services.unpublish_page(session, shop.tenant, store_id=store_id, page_id=page.id)
        assert page.status == "draft" and page.published_at is None
        services.publish_page(session, shop.tenant, store_id=store_id, page_id=page.id)
        count = services.revisions_listing(
            session, shop.tenant, store_id=store_id, page_id=page.id
        ).count
    assert count == 1
    assert [e.name for e in heard] == [
        "cms.page_published",
        "cms.page_unpublished",
        "cms.page_published",
    ]
    assert heard[1].reason == "unpublished"


def test_a_page_without_text_cannot_go_live(runtime, shop):
    with runtime.database.unit_of_work() as session:
        page = services.create_page(
            session, shop.tenant, store_id=shop.store.id, data=_page(bodies={})
        )
        with pytest.raises(CmsInvalid) as refused:
            services.publish_page(session, shop.tenant, store_id=shop.store.id, page_id=page.id)
    assert refused.value.errors[0].field == "bodies"


def test_restoring_a_revision_brings_its_texts_back_live_and_keeps_the_slug(runtime, shop):
    store_id = shop.store.id
    with runtime.database.unit_of_work() as session:
        page = services.create_page(
            session, shop.tenant, store_id=store_id, data=_page(publish=True)
        )
        services.update_page(
            session,
            shop.tenant,
            store_id=store_id,
            page_id=page.id,
            data=PageUpdate(bodies={"en": "Oops"}, slug="about"),
        )
        revisions = services.revisions_listing(
            session, shop.tenant, store_id=store_id, page_id=page.id
        ).data
        first = revisions[-1]
        services.restore_revision(
            session, shop.tenant, store_id=store_id, page_id=page.id, revision_id=first.id
        )
        after = services.revisions_listing(session, shop.tenant, store_id=store_id, page_id=page.id)
    assert page.bodies == {"en": "Hello"} and page.slug == "about" and page.version == 3
    assert after.count == 3 and after.data[0].bodies == {"en": "Hello"}


def test_deleting_a_published_page_takes_it_offline_unless_a_menu_links_it(runtime, shop, heard):
    store_id = shop.store.id
    with runtime.database.unit_of_work() as session:
        page = services.create_page(
            session, shop.tenant, store_id=store_id, data=_page(publish=True)
        )
        menu = services.create_menu(
            session,
            shop.tenant,
            store_id=store_id,
            data=MenuCreate(name="footer", items=[MenuItemIn(page_id=page.id)]),
        )
        with pytest.raises(PageInMenu) as refused:
            services.delete_page(session, shop.tenant, store_id=store_id, page_id=page.id)
        assert refused.value.extra["menus"] == ["footer"]
        services.update_menu(
            session, shop.tenant, store_id=store_id, menu_id=menu.id, data=MenuUpdate(items=[])
        )
        services.delete_page(session, shop.tenant, store_id=store_id, page_id=page.id)
        with pytest.raises(PageNotFound):
            services.get_page(session, shop.tenant, store_id, page.id)
    assert heard[-1].name == "cms.page_unpublished" and heard[-1].reason == "deleted"


def test_menus_keep_their_items_in_order_and_refuse_pages_of_another_store(
    runtime, shop, make_store
):
    other_store = make_store(shop.tenant)
    with runtime.database.unit_of_work() as session:
        page = services.create_page(session, shop.tenant, store_id=shop.store.id, data=_page())
        elsewhere = services.create_page(
            session, shop.tenant, store_id=other_store.id, data=_page()
        )
        menu = services.create_menu(
            session,
            shop.tenant,
            store_id=shop.store.id,
            data=MenuCreate(
                name="header",
                items=[
                    MenuItemIn(labels={"en": "Blog"}, url="https://blog.example"),
                    MenuItemIn(page_id=page.id),
                ],
            ),
        )
        shown = services.menu_public(session, shop.tenant, menu)
        with pytest.raises(CmsInvalid) as refused:
            services.update_menu(
                session,
                shop.tenant,
                store_id=shop.store.id,
                menu_id=menu.id,
                data=MenuUpdate(items=[MenuItemIn(page_id=elsewhere.id)]),
            )
        with pytest.raises(MenuNameTaken):
            services.create_menu(
                session, shop.tenant, store_id=shop.store.id, data=MenuCreate(name="header")
            )
    assert [(i.position, i.url, i.page_id) for i in shown.items] == [
        (0, "https://blog.example", None),
        (1, None, page.id),
    ]
    assert refused.value.errors[0].field == "items[0].page_id"


def test_the_list_filters_by_status_and_words_in_the_title(runtime, shop):
    with runtime.database.unit_of_work() as session:
        for title, publish, order in (
            ("Shipping", True, 2),
            ("Returns", False, 1),
            ("FAQ", True, 3),
        ):
            services.create_page(
                session,
                shop.tenant,
                store_id=shop.store.id,
                data=_page(titles={"en": title}, publish=publish, sort_order=order),
            )
        every = services.pages_listing(session, shop.tenant, store_id=shop.store.id)
        live = services.pages_listing(
            session, shop.tenant, store_id=shop.store.id, filters=PageQuery(status="published")
        )
        found = services.pages_listing(
            session, shop.tenant, store_id=shop.store.id, filters=PageQuery(q="SHIP")
        )
    assert [p.title for p in every.data] == ["Returns", "Shipping", "FAQ"] and every.count == 3
    assert [p.title for p in live.data] == ["Shipping", "FAQ"]
    assert [p.slug for p in found.data] == ["shipping"]
