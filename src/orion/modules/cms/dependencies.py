"""What cms's routes need, as Annotated dependencies: the permissions, and the storefront's
choice of language (`?lang=`, else `Accept-Language`) and of format (`?format=`, else
`Accept`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Query

from orion.kernel.contract.principal import Principal
from orion.kernel.data.languages import LANGUAGES
from orion.kernel.web.dependencies import require_permission

CanRead = Annotated[Principal, Depends(require_permission("cms.read"))]
CanManage = Annotated[Principal, Depends(require_permission("cms.manage"))]

Format = Literal["html", "json"]


def _weighted(header: str) -> list[tuple[str, float]]:
    """An Accept or Accept-Language header's values with their q weights, best first
    (a weight that cannot be read counts as 0)."""
    found: list[tuple[str, float]] = []
    for position, part in enumerate(header.split(",")):
        value, *params = (piece.strip() for piece in part.split(";"))
        if not value:
            continue
        weight = 1.0
        for param in params:
            name, _, number = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(number)
                except ValueError:
                    weight = 0.0
        found.append((value.lower(), weight - position * 1e-6))  # ties: the first wins
    return sorted(found, key=lambda item: -item[1])


def storefront_language(
    lang: Annotated[
        Literal["en", "fr", "de"] | None,
        Query(description="en, fr or de; default: the best of Accept-Language, else en"),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str | None:
    """The language asked for: `lang`, else the first of en/fr/de in Accept-Language
    (`fr-LU` counts as fr), else None (the page's default, English)."""
    if lang is not None:
        return lang
    for value, weight in _weighted(accept_language or ""):
        primary = value.split("-", 1)[0]
        if weight > 0 and primary in LANGUAGES:
            return primary
    return None


def storefront_format(
    format: Annotated[
        Format | None,
        Query(description="html or json; default: what Accept prefers, else html"),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Format:
    """`format`, else JSON when Accept ranks application/json above text/html (a browser
    sends text/html first; `*/*` alone gets HTML)."""
    if format is not None:
        return format
    for value, weight in _weighted(accept or ""):
        if weight <= 0:
            continue
        if value in ("application/json", "application/*"):
            return "json"
        if value in ("text/html", "text/*", "application/xhtml+xml", "*/*"):
            return "html"
    return "html"


StorefrontLanguage = Annotated[str | None, Depends(storefront_language)]
StorefrontFormat = Annotated[Format, Depends(storefront_format)]
