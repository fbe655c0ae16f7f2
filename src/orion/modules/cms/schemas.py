"""CMS DTOs: what the staff API and the console accept and answer (`PageCreate`,
`PageUpdate`, `PagePublic`, `PagesPublic`, the menus'), and what the storefront is served
(`StorefrontPage`, `StorefrontMenu`, `StorefrontPages`).

Per-language texts are objects keyed by `en`, `fr`, `de`; an empty text means "none in
that language". Bodies are Markdown. No string accepts a NUL character (PostgreSQL
refuses to store one).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from slugify import slugify

from orion.kernel.data.languages import Language, in_some_language
from orion.kernel.data.paging import Listing

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MENU_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class PageStatus(StrEnum):
    draft = "draft"
    published = "published"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("may not contain a NUL character")
    return value


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


def _slug(value: str) -> str:
    if not SLUG.match(value):
        suggestion = slugify(value, max_length=100)
        hint = f", such as {suggestion!r}" if suggestion else ""
        raise ValueError(f"use lowercase letters, digits and single hyphens{hint}")
    return value


def _menu_name(value: str) -> str:
    if not MENU_NAME.match(value):
        raise ValueError("use lowercase letters, digits, hyphens or underscores, such as 'footer'")
    return value


def _canonical(value: str) -> str:
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("a URL has no spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL, such as https://shop.example/about-us")
    return value


def _link(value: str) -> str:
    """A menu item's URL: absolute http(s), a path of the site (`/...`), mailto: or tel:."""
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("a URL has no spaces or control characters")
    parts = urlsplit(value)
    if value.startswith("/") and not value.startswith("//"):
        return value
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    if parts.scheme in ("mailto", "tel") and parts.path:
        return value
    raise ValueError(
        "must be an http(s) URL, a path of the shop starting with '/', mailto: or tel:"
    )


Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_slug),
    Field(
        description="Unique in the store: lowercase letters, digits, hyphens", examples=["about-us"]
    ),
]
MenuName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_menu_name),
    Field(description="Unique in the store: header, footer, ...", examples=["footer"]),
]
CanonicalUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_canonical),
    Field(description="The page's preferred address for search engines (absolute http(s))"),
]
LinkUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_link),
]
Title = _text(200)
Body = _text(100_000)
MetaTitle = _text(70)  # what search engines show of a title
MetaDescription = _text(300)
Label = _text(100)
SortOrder = Annotated[int, Field(ge=0, le=100_000, description="Lower first")]

Titles = Annotated[dict[Language, Title], Field(description="Per language: en, fr, de")]
Bodies = Annotated[
    dict[Language, Body],
    Field(description="Markdown, per language", json_schema_extra={"multiline": True}),
]
MetaTitles = dict[Language, MetaTitle]
MetaDescriptions = dict[Language, MetaDescription]
Labels = Annotated[dict[Language, Label], Field(description="Per language: en, fr, de")]


_some_text = in_some_language("text")


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- pages -------------------------------------------------------------------------------------


class PageCreate(_Input):
    titles: Titles
    slug: Slug | None = Field(default=None, description="Default: made from the title")
    bodies: Bodies = Field(default_factory=dict)
    meta_titles: MetaTitles = Field(default_factory=dict, description="Default: the title")
    meta_descriptions: MetaDescriptions = Field(default_factory=dict)
    canonical_url: CanonicalUrl | None = None
    sort_order: SortOrder = 0
    publish: bool = Field(default=False, description="Publish at once (else a draft)")

    _titles = field_validator("titles")(_some_text)


class PageUpdate(_Input):
    """A partial update: only the fields sent change (`canonical_url` may be null). A
    change to a published page goes live at once and is kept as a revision."""

    titles: Titles | None = None
    slug: Slug | None = None
    bodies: Bodies | None = None
    meta_titles: MetaTitles | None = None
    meta_descriptions: MetaDescriptions | None = None
    canonical_url: CanonicalUrl | None = None
    sort_order: SortOrder | None = None

    _required = field_validator(
        "titles", "slug", "bodies", "meta_titles", "meta_descriptions", "sort_order"
    )(_not_null)
    _titles = field_validator("titles")(_some_text)


class PagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    store_id: uuid.UUID
    slug: str
    title: str = Field(description="The English title, else the French, else the German")
    titles: dict[str, str]
    bodies: dict[str, str]
    meta_titles: dict[str, str]
    meta_descriptions: dict[str, str]
    canonical_url: str | None
    status: PageStatus
    published_at: datetime | None
    sort_order: int
    version: int
    created_at: datetime
    updated_at: datetime


PagesPublic = Listing[PagePublic]


class PageQuery(BaseModel):
    status: PageStatus | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="Part of a title or of the slug"
    )


class RevisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    page_id: uuid.UUID
    version: int
    slug: str
    titles: dict[str, str]
    bodies: dict[str, str]
    meta_titles: dict[str, str]
    meta_descriptions: dict[str, str]
    canonical_url: str | None
    published_at: datetime
    author_id: uuid.UUID | None


RevisionsPublic = Listing[RevisionPublic]


class PreviewRequest(_Input):
    markdown: Body


class PreviewPublic(BaseModel):
    html: str = Field(description="Sanitised HTML, as the storefront serves it")


# -- menus -------------------------------------------------------------------------------------


class MenuItemIn(_Input):
    """A link to one of the store's pages (`page_id`) or to a `url`: exactly one."""

    labels: Labels = Field(default_factory=dict, description="Default: the page's titles")
    page_id: uuid.UUID | None = None
    url: LinkUrl | None = None

    @model_validator(mode="after")
    def _one_target(self) -> MenuItemIn:
        if (self.page_id is None) == (self.url is None):
            raise ValueError("link to a page (page_id) or to a url, one of the two")
        if self.url is not None and not any(self.labels.values()):
            raise ValueError("a link to a url needs a label in at least one language")
        return self


MenuItems = Annotated[list[MenuItemIn], Field(max_length=50, description="In the order shown")]


class MenuCreate(_Input):
    name: MenuName
    items: MenuItems = Field(default_factory=list)


class MenuUpdate(_Input):
    """Partial: `items`, when sent, replaces the menu's items in the order given."""

    name: MenuName | None = None
    items: MenuItems | None = None

    _required = field_validator("name", "items")(_not_null)


class MenuItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    labels: dict[str, str]
    page_id: uuid.UUID | None
    url: str | None


class MenuPublic(BaseModel):
    id: uuid.UUID
    store_id: uuid.UUID
    name: str
    items: list[MenuItemPublic]
    created_at: datetime
    updated_at: datetime


MenusPublic = Listing[MenuPublic]


# -- the storefront ----------------------------------------------------------------------------


class StorefrontPage(BaseModel):
    """A published page in one language, as shoppers and search engines get it."""

    id: uuid.UUID
    store_id: uuid.UUID
    slug: str
    lang: Language = Field(description="The language served (the one asked for, else en)")
    languages: list[Language] = Field(description="The languages the page is written in")
    title: str
    meta_title: str
    meta_description: str
    canonical_url: str | None = Field(description="As set by the merchant (None: not set)")
    html: str = Field(description="The body, rendered from Markdown and sanitised")
    published_at: datetime
    updated_at: datetime


class StorefrontPageSummary(BaseModel):
    slug: str
    title: str
    lang: Language
    sort_order: int
    published_at: datetime
    updated_at: datetime


class StorefrontPages(BaseModel):
    data: list[StorefrontPageSummary]


class StorefrontMenuItem(BaseModel):
    label: str
    url: str = Field(description="Where the item leads (a page's public address, or its URL)")
    page_slug: str | None = Field(description="The page it links to (None: a URL)")
    external: bool


class StorefrontMenu(BaseModel):
    name: str
    lang: Language
    items: list[StorefrontMenuItem]
