"""Markdown to HTML that is safe to put in a storefront page.

The Markdown (CommonMark with tables and strikethrough, raw HTML allowed) is rendered by
markdown-it-py and then cleaned by nh3 (the Ammonia sanitiser) against an allow-list: no
script, style, iframe, form or event-handler attribute survives; URLs keep only the
http(s), mailto and tel schemes (or are relative), so `javascript:` and `data:` links are
dropped. Links to other sites get `rel="nofollow noopener"`; the store's own (relative)
links keep their weight. Console previews and the storefront use this one function.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
        "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "u", "ul",
    }
)  # fmt: skip
CELL = {"align", "colspan", "rowspan", "style"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": CELL,
    "th": CELL,
}
# Removed with what they contain (the other unknown tags are removed, their text kept).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "noscript", "textarea",
     "select", "title", "svg", "math"}
)  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
EXTERNAL_REL = "nofollow noopener"

_ANCHOR = re.compile(r"<a\b([^>]*)>")
_HREF = re.compile(r'\shref="([^"]*)"')
_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def is_external(href: str) -> bool:
    """Whether a link leaves the store's site: an absolute or protocol-relative URL."""
    return bool(_ABSOLUTE.match(href.strip()))


def _mark_external(match: re.Match[str]) -> str:
    attributes = match.group(1)
    href = _HREF.search(attributes)
    if href is None or not is_external(html.unescape(href.group(1))):
        return match.group(0)
    return f'<a{attributes} rel="{EXTERNAL_REL}">'


def sanitise(fragment: str) -> str:
    """An HTML fragment reduced to the allow-list (what `render` does after Markdown)."""
    cleaned = nh3.clean(
        fragment,
        tags=set(TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel=None,
        strip_comments=True,
    )
    # nh3 writes every attribute double-quoted with `"`, `<` and `>` escaped in values,
    # so an `<a ...>` start tag is matched whole here; rel was not allowed in, so it is
    # only ever the one set here.
    return _ANCHOR.sub(_mark_external, cleaned)


def render(markdown: str) -> str:
    """The Markdown as sanitised HTML (an empty string for an empty text)."""
    if not markdown.strip():
        return ""
    return sanitise(_markdown().render(markdown)).strip()
