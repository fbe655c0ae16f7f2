"""Two editors taking the same slug at the same moment: one gets it, the other a 409
naming `slug` (PostgreSQL: concurrent transactions; SQLite's are serial)."""

from __future__ import annotations

import threading

import pytest

from orion.modules.cms import services
from orion.modules.cms.exceptions import SlugTaken
from orion.modules.cms.schemas import PageCreate, PageUpdate
from tests.modules.cms.conftest import needs_postgres

pytestmark = [pytest.mark.postgres, needs_postgres]


def _race(runtime, attempts):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []

    def run(attempt) -> None:  # type: ignore[no-untyped-def]
        try:
            with runtime.database.unit_of_work() as session:
                barrier.wait(timeout=10)
                attempt(session)
            outcomes.append("saved")
        except SlugTaken as refused:
            assert refused.errors[0].field == "slug"
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def test_two_pages_created_with_one_slug_at_once_give_one_page(runtime, shop):
    data = PageCreate(titles={"en": "Sale"}, slug="sale", bodies={"en": "-20 %"})

    def create(session):  # type: ignore[no-untyped-def]
        services.create_page(session, shop.tenant, store_id=shop.store.id, data=data)

    assert _race(runtime, [create] * 4) == ["refused", "refused", "refused", "saved"]
    with runtime.database.unit_of_work() as session:
        assert services.pages_listing(session, shop.tenant, store_id=shop.store.id).count == 1


def test_two_pages_with_made_up_slugs_at_once_get_different_ones(runtime, shop):
    data = PageCreate(titles={"en": "News"}, bodies={"en": "Hello"})

    def create(session):  # type: ignore[no-untyped-def]
        services.create_page(session, shop.tenant, store_id=shop.store.id, data=data)

    assert _race(runtime, [create] * 3) == ["saved"] * 3
    with runtime.database.unit_of_work() as session:
        slugs = {
            p.slug
            for p in services.pages_listing(session, shop.tenant, store_id=shop.store.id).data
        }
    assert slugs == {"news", "news-2", "news-3"}


def test_a_rename_racing_a_creation_for_one_slug_lets_one_win(runtime, shop):
    with runtime.database.unit_of_work() as session:
        page = services.create_page(
            session, shop.tenant, store_id=shop.store.id, data=PageCreate(titles={"en": "Old"})
        )

    def rename(session):  # type: ignore[no-untyped-def]
        services.update_page(
            session,
            shop.tenant,
            store_id=shop.store.id,
            page_id=page.id,
            data=PageUpdate(slug="new"),
        )

    def create(session):  # type: ignore[no-untyped-def]
        services.create_page(
            session,
            shop.tenant,
            store_id=shop.store.id,
            data=PageCreate(titles={"en": "New"}, slug="new"),
        )

    assert _race(runtime, [rename, create]) == ["refused", "saved"]
