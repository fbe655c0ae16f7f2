"""A store's content pages: create, read, change, publish, take offline, delete, and the
revisions kept of what went live.

A change to a published page goes live at once. Each version that goes live (on
publishing, and on every change of a published page) is kept as a revision, the newest
`REVISIONS_KEPT` per page; restoring one copies its texts back (not its slug: the page's
address stays). Slugs are unique per store: checked under a per-store lock, so two
writers cannot both take one.
"""

from __future__ import annotations

import uuid
from typing import Any

from slugify import slugify
from sqlalchemy import func, or_
from sqlalchemy.orm import Session

from orion.kernel.data.db import serialise, utcnow
from orion.kernel.data.paging import Page as PageWindow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.runtime.events import publish as publish_event
from orion.modules.cms.events import PagePublished, PageUnpublished
from orion.modules.cms.exceptions import PageInMenu, SlugTaken, invalid
from orion.modules.cms.models import Page, PageRevision
from orion.modules.cms.repository import MenuLinkRepository, PageRepository, RevisionRepository
from orion.modules.cms.schemas import (
    PageCreate,
    PageQuery,
    PagesPublic,
    PageStatus,
    PageUpdate,
    RevisionsPublic,
)
from orion.modules.cms.services.common import clean, first_text, store_of
from orion.modules.cms.services.rendering import render

REVISIONS_KEPT = 50
# The fields whose change makes a new version of the page (and, when it is live, a
# revision): its texts and its address.
CONTENT = ("slug", "titles", "bodies", "meta_titles", "meta_descriptions", "canonical_url")
PER_LANGUAGE = ("titles", "bodies", "meta_titles", "meta_descriptions")


def _lock_slugs(session: Session, store_id: uuid.UUID) -> None:
    serialise(session, "cms.slugs", store_id)


def _free_slug(session: Session, store_id: uuid.UUID, wanted: str | None, title: str) -> str:
    """The slug asked for (409 when the store has it), or one made from the title with a
    number added until it is free. Call under `_lock_slugs`."""
    pages = PageRepository(session)
    if wanted is not None:
        if pages.slug_taken(store_id, wanted):
            raise SlugTaken(wanted)
        return wanted
    base = slugify(title, max_length=90) or "page"
    slug, number = base, 1
    while pages.slug_taken(store_id, slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


def get_page(
    session: Session, tenant: TenantContext, store_id: uuid.UUID, page_id: uuid.UUID
) -> Page:
    """The store's page; 404 `page_not_found` for an unknown one, another store's or
    another tenant's."""
    with acting_for(session, tenant):
        return PageRepository(session).get_in(store_id, page_id)


def pages_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    filters: PageQuery | None = None,
    page: PageWindow | None = None,
) -> PagesPublic:
    """One offset page of the store's pages, in their sort order, with the count."""
    filters = filters or PageQuery()
    with acting_for(session, tenant):
        repository = PageRepository(session)
        query = repository.in_store(store_id)
        if filters.status is not None:
            query = query.where(Page.status == filters.status.value)
        if filters.q:
            term = filters.q.casefold()
            query = query.where(
                or_(
                    func.lower(Page.title).contains(term, autoescape=True),
                    Page.slug.contains(term, autoescape=True),
                )
            )
        return repository.listing(PagesPublic, query, page, Page.sort_order, Page.title)


def create_page(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    data: PageCreate,
    author_id: uuid.UUID | None = None,
) -> Page:
    """A new page (a draft unless `data.publish`); the slug is made from the title when
    none is given."""
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        titles = clean(data.titles)
        _lock_slugs(session, store_id)
        page = Page(
            store_id=store_id,
            slug=_free_slug(session, store_id, data.slug, first_text(titles)),
            titles=titles,
            title=first_text(titles),
            bodies=clean(data.bodies),
            meta_titles=clean(data.meta_titles),
            meta_descriptions=clean(data.meta_descriptions),
            canonical_url=data.canonical_url,
            sort_order=data.sort_order,
            status=PageStatus.draft.value,
            version=1,
        )
        PageRepository(session).add(page)
        if data.publish:
            _go_live(session, page, author_id=author_id, first=True)
        return page


def update_page(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    page_id: uuid.UUID,
    data: PageUpdate,
    author_id: uuid.UUID | None = None,
) -> Page:
    """Change the fields sent. A new slug must be free in the store (409 `slug`)."""
    with acting_for(session, tenant):
        page = PageRepository(session).get_in(store_id, page_id, lock=True)
        changes: dict[str, Any] = data.model_dump(exclude_unset=True)
        for field in PER_LANGUAGE:
            if field in changes:
                changes[field] = clean(changes[field])
        if "slug" in changes and changes["slug"] != page.slug:
            _lock_slugs(session, store_id)
            if PageRepository(session).slug_taken(store_id, changes["slug"], other_than=page.id):
                raise SlugTaken(changes["slug"])
        _apply(session, page, changes, author_id=author_id)
        return page


def _apply(
    session: Session, page: Page, changes: dict[str, Any], *, author_id: uuid.UUID | None
) -> None:
    """Set what differs; a new version (live at once, as a revision) when the content did."""
    changed = [name for name, value in changes.items() if getattr(page, name) != value]
    for name in changed:
        setattr(page, name, changes[name])
    if "titles" in changed:
        page.title = first_text(page.titles)
    session.flush()
    if any(name in CONTENT for name in changed):
        page.version += 1
        session.flush()
        if page.status == PageStatus.published.value:
            _go_live(session, page, author_id=author_id, first=False)


def _go_live(session: Session, page: Page, *, author_id: uuid.UUID | None, first: bool) -> None:
    """Publish the page's current version: a revision of it (one per version: publishing
    again what was live before adds none), and the event."""
    if not page.bodies:
        raise invalid("bodies", "a published page needs its text in at least one language")
    now = utcnow()
    if first:
        page.status = PageStatus.published.value
        page.published_at = now
        session.flush()
    revisions = RevisionRepository(session)
    if not revisions.has_version(page.id, page.version):
        revisions.add(
            PageRevision(
                page_id=page.id,
                version=page.version,
                slug=page.slug,
                titles=dict(page.titles),
                bodies=dict(page.bodies),
                meta_titles=dict(page.meta_titles),
                meta_descriptions=dict(page.meta_descriptions),
                canonical_url=page.canonical_url,
                published_at=now,
                author_id=author_id,
            )
        )
    revisions.prune(page.id, REVISIONS_KEPT)
    publish_event(
        session,
        PagePublished(
            page_id=page.id,
            store_id=page.store_id,
            slug=page.slug,
            version=page.version,
            first=first,
        ),
    )


def publish_page(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    page_id: uuid.UUID,
    author_id: uuid.UUID | None = None,
) -> Page:
    """Put the page online; a page already published is left as it is (safe to retry)."""
    with acting_for(session, tenant):
        page = PageRepository(session).get_in(store_id, page_id, lock=True)
        if page.status != PageStatus.published.value:
            _go_live(session, page, author_id=author_id, first=True)
        return page


def unpublish_page(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page_id: uuid.UUID
) -> Page:
    """Take the page offline (a draft again); a draft is left as it is."""
    with acting_for(session, tenant):
        page = PageRepository(session).get_in(store_id, page_id, lock=True)
        if page.status == PageStatus.published.value:
            page.status = PageStatus.draft.value
            page.published_at = None
            session.flush()
            publish_event(session, _offline(page, "unpublished"))
        return page


def _offline(page: Page, reason: Any) -> PageUnpublished:
    return PageUnpublished(page_id=page.id, store_id=page.store_id, slug=page.slug, reason=reason)


def delete_page(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page_id: uuid.UUID
) -> None:
    """Delete the page and its revisions; refused (409 `page_in_menu`) while a menu links
    to it."""
    with acting_for(session, tenant):
        pages = PageRepository(session)
        page = pages.get_in(store_id, page_id, lock=True)
        menus = MenuLinkRepository(session).menus_linking(page.id)
        if menus:
            raise PageInMenu(menus)
        event = _offline(page, "deleted") if page.status == PageStatus.published.value else None
        RevisionRepository(session).clear(page.id)
        pages.delete(page)
        if event is not None:
            publish_event(session, event)


def revisions_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    page_id: uuid.UUID,
    page: PageWindow | None = None,
) -> RevisionsPublic:
    """The versions of the page that went live, newest first."""
    with acting_for(session, tenant):
        found = PageRepository(session).get_in(store_id, page_id)
        revisions = RevisionRepository(session)
        return revisions.listing(
            RevisionsPublic, revisions.of(found.id), page, PageRevision.version.desc()
        )


def restore_revision(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    page_id: uuid.UUID,
    revision_id: uuid.UUID,
    author_id: uuid.UUID | None = None,
) -> Page:
    """Copy a revision's texts back onto the page (a new version; live at once when the
    page is published). The page keeps its slug."""
    with acting_for(session, tenant):
        page = PageRepository(session).get_in(store_id, page_id, lock=True)
        revision = RevisionRepository(session).get_of(page.id, revision_id)
        changes = {
            "titles": dict(revision.titles),
            "bodies": dict(revision.bodies),
            "meta_titles": dict(revision.meta_titles),
            "meta_descriptions": dict(revision.meta_descriptions),
            "canonical_url": revision.canonical_url,
        }
        _apply(session, page, changes, author_id=author_id)
        return page


def preview(markdown: str) -> str:
    """The Markdown as the storefront would serve it (sanitised HTML)."""
    return render(markdown)
