"""What the storefront is served: published pages in one language (as JSON, or as an
HTML document with its SEO head) and menus. Drafts do not exist here (404).

A page is written in the languages it has a body in. Asked for another, it is served in
English, else in the first language it has; titles and SEO texts follow the language
served. A missing meta description is the beginning of the page's text.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import nh3
from sqlalchemy.orm import Session

from orion.kernel.data.languages import LANGUAGES
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.cms.exceptions import MenuNotFound, PageNotFound
from orion.modules.cms.models import Page
from orion.modules.cms.repository import MenuLinkRepository, MenuRepository, PageRepository
from orion.modules.cms.schemas import (
    PageStatus,
    StorefrontMenu,
    StorefrontMenuItem,
    StorefrontPage,
    StorefrontPages,
    StorefrontPageSummary,
)
from orion.modules.cms.services.common import DEFAULT_LANGUAGE, in_language
from orion.modules.cms.services.rendering import is_external, render

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DESCRIPTION_LENGTH = 160
_SPACES = re.compile(r"\s+")


def written_in(page: Page) -> list[str]:
    """The languages the page has a body in (en, fr, de order)."""
    return [lang for lang in LANGUAGES if page.bodies.get(lang)]


def served_language(available: list[str], wanted: str | None) -> str:
    """`wanted` when the page has it, else English, else its first language."""
    if wanted in available:
        return wanted  # type: ignore[return-value]
    if DEFAULT_LANGUAGE in available or not available:
        return DEFAULT_LANGUAGE
    return available[0]


def excerpt(fragment: str, length: int = DESCRIPTION_LENGTH) -> str:
    """The text of an HTML fragment, shortened at a word to at most `length` characters."""
    text = _SPACES.sub(" ", html.unescape(nh3.clean(fragment, tags=set()))).strip()
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def _published(session: Session, store_id: uuid.UUID, slug: str) -> Page:
    page = PageRepository(session).by_slug(store_id, slug)
    if page is None or page.status != PageStatus.published.value:
        raise PageNotFound(f"the store has no published page {slug!r}")
    return page


def storefront_page(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    slug: str,
    lang: str | None = None,
) -> StorefrontPage:
    """The published page `slug` in `lang` (or its fallback); 404 `page_not_found` for a
    draft or an unknown slug."""
    with acting_for(session, tenant):
        page = _published(session, store_id, slug)
    languages = written_in(page)
    served = served_language(languages, lang)
    body = render(page.bodies.get(served, ""))
    title = in_language(page.titles, served)
    assert page.published_at is not None
    return StorefrontPage(
        id=page.id,
        store_id=page.store_id,
        slug=page.slug,
        lang=served,  # type: ignore[arg-type]
        languages=languages,  # type: ignore[arg-type]
        title=title,
        meta_title=page.meta_titles.get(served) or title,
        meta_description=page.meta_descriptions.get(served) or excerpt(body),
        canonical_url=page.canonical_url,
        html=body,
        published_at=page.published_at,
        updated_at=page.updated_at,
    )


def storefront_pages(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, lang: str | None = None
) -> StorefrontPages:
    """The store's published pages in their sort order (a sitemap's or a footer's list)."""
    with acting_for(session, tenant):
        pages = PageRepository(session).published(store_id)
    summaries = []
    for page in pages:
        served = served_language(written_in(page), lang)
        assert page.published_at is not None
        summaries.append(
            StorefrontPageSummary(
                slug=page.slug,
                title=in_language(page.titles, served),
                lang=served,  # type: ignore[arg-type]
                sort_order=page.sort_order,
                published_at=page.published_at,
                updated_at=page.updated_at,
            )
        )
    return StorefrontPages(data=summaries)


def storefront_menu(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    name: str,
    lang: str | None,
    page_url: Callable[[str, str], str],
) -> StorefrontMenu:
    """The menu `name` in `lang` (labels fall back to English, then to the linked page's
    title); items linking to a page that is not published are left out. `page_url(slug,
    lang)` is where the storefront serves a page."""
    served = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    with acting_for(session, tenant):
        menu = MenuRepository(session).by_name(store_id, name)
        if menu is None:
            raise MenuNotFound(f"the store has no menu {name!r}")
        links = MenuLinkRepository(session).of([menu.id])[menu.id]
        pages = PageRepository(session).many(
            store_id, [link.page_id for link in links if link.page_id is not None]
        )
    items = []
    for link in links:
        if link.page_id is None:
            assert link.url is not None
            items.append(
                StorefrontMenuItem(
                    label=in_language(link.labels, served),
                    url=link.url,
                    page_slug=None,
                    external=is_external(link.url),
                )
            )
            continue
        page = pages.get(link.page_id)
        if page is None or page.status != PageStatus.published.value:
            continue
        label = link.labels.get(served) or page.titles.get(served)
        items.append(
            StorefrontMenuItem(
                label=label or in_language(link.labels, served) or in_language(page.titles, served),
                url=page_url(page.slug, served),
                page_slug=page.slug,
                external=False,
            )
        )
    return StorefrontMenu(name=menu.name, lang=served, items=items)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Alternate:
    lang: str
    url: str


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def page_document(
    page: StorefrontPage,
    *,
    store_name: str,
    canonical: str,
    alternates: list[Alternate],
) -> str:
    """The page as a whole HTML document: its language, title, meta description,
    canonical link and the addresses of its other languages."""
    return (
        _environment()
        .get_template("cms/storefront/page.html")
        .render(page=page, store_name=store_name, canonical=canonical, alternates=alternates)
    )
