"""Events cms publishes: its public contract with the other modules (a storefront cache,
a sitemap, a search index listen to them)."""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from orion.kernel.runtime.events import Event


class PagePublished(Event):
    """A version of the page went live: it was published (`first`), or a published page
    changed (its new `version` is live at once)."""

    name: ClassVar[str] = "cms.page_published"

    page_id: uuid.UUID
    store_id: uuid.UUID
    slug: str
    version: int
    first: bool


class PageUnpublished(Event):
    """The page is no longer served: taken offline, or deleted while published."""

    name: ClassVar[str] = "cms.page_unpublished"

    page_id: uuid.UUID
    store_id: uuid.UUID
    slug: str
    reason: Literal["unpublished", "deleted"]
