"""Queries on the CMS models. Tenant filtering is the kernel's: every query here reads the
rows of the tenant the session acts for; the store is a filter of ours."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import Select, delete, exists, select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.cms.exceptions import MenuNotFound, PageNotFound, RevisionNotFound
from orion.modules.cms.models import Menu, MenuLink, Page, PageRevision


class PageRepository(RepositoryBase[Page]):
    model = Page
    not_found = PageNotFound
    label = "page"

    def in_store(self, store_id: uuid.UUID) -> Select[tuple[Page]]:
        return self.select().where(Page.store_id == store_id)

    def get_in(self, store_id: uuid.UUID, page_id: uuid.UUID, *, lock: bool = False) -> Page:
        """The store's page, or 404 (another store's page is unknown here)."""
        page = self.find(page_id, lock=lock)
        if page is None or page.store_id != store_id:
            raise PageNotFound(f"page {page_id} does not exist")
        return page

    def by_slug(self, store_id: uuid.UUID, slug: str) -> Page | None:
        return self.first(self.in_store(store_id).where(Page.slug == slug))

    def slug_taken(
        self, store_id: uuid.UUID, slug: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        query = select(Page.id).where(Page.store_id == store_id, Page.slug == slug)
        if other_than is not None:
            query = query.where(Page.id != other_than)
        return bool(self.session.scalar(select(exists(query))))

    def published(self, store_id: uuid.UUID) -> list[Page]:
        return self.list(
            self.in_store(store_id)
            .where(Page.status == "published")
            .order_by(Page.sort_order, Page.title, Page.id)
        )

    def many(self, store_id: uuid.UUID, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Page]:
        if not ids:
            return {}
        rows = self.list(self.in_store(store_id).where(Page.id.in_(ids)))
        return {row.id: row for row in rows}


class RevisionRepository(RepositoryBase[PageRevision]):
    model = PageRevision
    not_found = RevisionNotFound
    label = "revision"

    def of(self, page_id: uuid.UUID) -> Select[tuple[PageRevision]]:
        return self.select().where(PageRevision.page_id == page_id)

    def get_of(self, page_id: uuid.UUID, revision_id: uuid.UUID) -> PageRevision:
        revision = self.find(revision_id)
        if revision is None or revision.page_id != page_id:
            raise RevisionNotFound(f"revision {revision_id} does not exist")
        return revision

    def has_version(self, page_id: uuid.UUID, version: int) -> bool:
        query = select(PageRevision.id).where(
            PageRevision.page_id == page_id, PageRevision.version == version
        )
        return bool(self.session.scalar(select(exists(query))))

    def clear(self, page_id: uuid.UUID) -> None:
        self.session.execute(delete(PageRevision).where(PageRevision.page_id == page_id))

    def prune(self, page_id: uuid.UUID, keep: int) -> None:
        """Keep the page's `keep` newest revisions."""
        newest = (
            select(PageRevision.id)
            .where(PageRevision.page_id == page_id)
            .order_by(PageRevision.version.desc())
            .limit(keep)
        )
        self.session.execute(
            delete(PageRevision).where(
                PageRevision.page_id == page_id, PageRevision.id.not_in(newest.scalar_subquery())
            )
        )


class MenuRepository(RepositoryBase[Menu]):
    model = Menu
    not_found = MenuNotFound
    label = "menu"

    def in_store(self, store_id: uuid.UUID) -> Select[tuple[Menu]]:
        return self.select().where(Menu.store_id == store_id)

    def get_in(self, store_id: uuid.UUID, menu_id: uuid.UUID) -> Menu:
        menu = self.find(menu_id)
        if menu is None or menu.store_id != store_id:
            raise MenuNotFound(f"menu {menu_id} does not exist")
        return menu

    def by_name(self, store_id: uuid.UUID, name: str) -> Menu | None:
        return self.first(self.in_store(store_id).where(Menu.name == name))

    def name_taken(
        self, store_id: uuid.UUID, name: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        query = select(Menu.id).where(Menu.store_id == store_id, Menu.name == name)
        if other_than is not None:
            query = query.where(Menu.id != other_than)
        return bool(self.session.scalar(select(exists(query))))


class MenuLinkRepository(RepositoryBase[MenuLink]):
    model = MenuLink

    def of(self, menu_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[MenuLink]]:
        found: dict[uuid.UUID, list[MenuLink]] = {menu_id: [] for menu_id in menu_ids}
        if not menu_ids:
            return found
        rows = self.list(
            self.select()
            .where(MenuLink.menu_id.in_(menu_ids))
            .order_by(MenuLink.menu_id, MenuLink.position, MenuLink.id)
        )
        for row in rows:
            found[row.menu_id].append(row)
        return found

    def clear(self, menu_id: uuid.UUID) -> None:
        self.session.execute(delete(MenuLink).where(MenuLink.menu_id == menu_id))

    def menus_linking(self, page_id: uuid.UUID) -> list[str]:
        """The names of the menus with an item linking to the page."""
        query = (
            select(Menu.name)
            .join(MenuLink, MenuLink.menu_id == Menu.id)
            .where(MenuLink.page_id == page_id)
            .distinct()
            .order_by(Menu.name)
        )
        return list(self.session.scalars(query))
