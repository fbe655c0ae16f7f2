"""The Letzshop vendor directory (public data, no key): every vendor upserted by slug;
vendors absent from a complete sync are marked as having left (`is_listed` false,
`left_at`), never deleted, and listed again if they come back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.modules.marketplace.models import Vendor
from orion.modules.marketplace.repository import VendorRepository
from orion.modules.marketplace.schemas import DirectorySummary, VendorsPublic
from orion.modules.marketplace.services import client as letzshop
from orion.modules.marketplace.services.common import settings_of


def _links(node: dict[str, Any]) -> dict[str, str]:
    return {
        str(link.get("kind")): str(link.get("url"))
        for link in node.get("socialMediaLinks") or []
        if link.get("kind") and link.get("url")
    }


def sync_directory(session: Session) -> DirectorySummary:
    """Fetch every vendor (paginated) and upsert them; mark the ones that left."""
    settings = settings_of(session)
    now = utcnow()
    known = {v.slug: v for v in session.scalars(select(Vendor))}
    seen: set[str] = set()
    added = updated = 0
    with letzshop.LetzshopClient(
        settings.letzshop_url,
        timeout=settings.timeout_seconds,
        max_attempts=settings.max_attempts,
        backoff=settings.backoff_seconds,
        max_retry_after=settings.max_retry_after_seconds,
    ) as client:
        for nodes, _ in client.paginate(
            "Vendors", letzshop.VENDORS, "vendors", page_size=settings.page_size
        ):
            for node in nodes:
                slug = str(node.get("slug") or "").strip()
                if not slug or slug in seen:
                    continue
                seen.add(slug)
                values = {
                    "letzshop_id": str(node.get("id")) if node.get("id") else None,
                    "name": str(node.get("name") or slug)[:300],
                    "representative": (node.get("representative") or None),
                    "categories": [
                        t.get("slug") for t in node.get("taxons") or [] if t.get("slug")
                    ],
                    "links": _links(node),
                    "url": f"https://letzshop.lu/en/vendors/{slug}",
                }
                vendor = known.get(slug)
                if vendor is None:
                    session.add(Vendor(slug=slug, is_listed=True, last_seen_at=now, **values))
                    added += 1
                    continue
                changed = any(getattr(vendor, k) != v for k, v in values.items())
                if changed or not vendor.is_listed:
                    updated += 1
                for key, value in values.items():
                    setattr(vendor, key, value)
                vendor.is_listed, vendor.left_at, vendor.last_seen_at = True, None, now
    left = 0
    for slug, vendor in known.items():
        if slug not in seen and vendor.is_listed:
            vendor.is_listed, vendor.left_at = False, now
            left += 1
    session.flush()
    return DirectorySummary(seen=len(seen), added=added, updated=updated, left=left)


def vendors_listing(
    session: Session, *, q: str | None = None, listed: bool | None = None, page: Page | None = None
) -> VendorsPublic:
    repo = VendorRepository(session)
    query = repo.select()
    if q:
        query = query.where(Vendor.name.ilike(f"%{q}%") | Vendor.slug.ilike(f"%{q}%"))
    if listed is not None:
        query = query.where(Vendor.is_listed.is_(listed))
    return repo.listing(VendorsPublic, query, page, Vendor.name)
