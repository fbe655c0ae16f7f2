"""CMS models: a store's content pages (title, body and SEO texts per language, Markdown
bodies), the versions of a page that went live (revisions), and its navigation menus with
their ordered items.

A slug is unique in its store (a unique constraint; the services check it under a
per-store lock and answer 409 naming `slug`). Per-language texts are JSON objects keyed by
`en`, `fr`, `de`, without empty values. A menu item links to one of the store's pages or
to a URL, never both (a check constraint). After changing a model:
`orion db revision --module cms -m "what changed"`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orion.kernel.data.db import Base, JSONType, TenantScoped, Timestamps, UUIDPrimaryKey

STATUSES = ("draft", "published")


def _store_fk() -> Mapped[uuid.UUID]:
    # No index of its own: the unique (store_id, slug|name) constraints lead with it.
    return mapped_column(ForeignKey("tenancy_store.id", ondelete="CASCADE"))


class Page(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A content page of a store ("About us"). `title` is derived by the services (the
    English title, else the French, else the German) for lists and sorting. `version`
    counts the changes of its content; `published_at` is when it was published (kept while
    it stays published, cleared when it is taken offline)."""

    __tablename__ = "cms_page"
    __table_args__ = (
        UniqueConstraint("store_id", "slug"),
        Index("ix_cms_page_store_id_sort_order", "store_id", "sort_order"),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)", name="published_at_set"
        ),
    )

    store_id: Mapped[uuid.UUID] = _store_fk()
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    titles: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    bodies: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    meta_titles: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    meta_descriptions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    canonical_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    published_at: Mapped[datetime | None] = mapped_column()
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PageRevision(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A version of a page as it went live (on publishing, and on each change of a
    published page); restoring one copies its texts back onto the page."""

    __tablename__ = "cms_page_revision"
    __table_args__ = (UniqueConstraint("page_id", "version"),)

    page_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cms_page.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(100))
    titles: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    bodies: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    meta_titles: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    meta_descriptions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    canonical_url: Mapped[str | None] = mapped_column(String(2000))
    published_at: Mapped[datetime] = mapped_column()
    author_id: Mapped[uuid.UUID | None] = mapped_column()


class Menu(UUIDPrimaryKey, TenantScoped, Timestamps, Base):
    """A navigation menu of a store, known by its name (`header`, `footer`, ...)."""

    __tablename__ = "cms_menu"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    store_id: Mapped[uuid.UUID] = _store_fk()
    name: Mapped[str] = mapped_column(String(50))


class MenuLink(UUIDPrimaryKey, TenantScoped, Base):
    """One entry of a menu, at `position`: a link to a page of the store (which cannot be
    deleted while linked) or to a URL, with its label per language."""

    __tablename__ = "cms_menu_link"
    __table_args__ = (
        Index("ix_cms_menu_link_menu_id_position", "menu_id", "position"),
        CheckConstraint("(page_id IS NULL) <> (url IS NULL)", name="page_or_url"),
    )

    menu_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cms_menu.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    labels: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    page_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cms_page.id", ondelete="RESTRICT"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(2000))
