"""Markdown rendered for the storefront: what a merchant writes is shown, and nothing a
hostile text carries can run in a shopper's browser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from orion.modules.cms.services.rendering import is_external, render

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))" onmouseover="alert(1)">x</div>',
    '<form action="https://evil.example"><input name="card"></form>',
    '<a href="https://x.example" onclick="alert(1)" target="_blank">x</a>',
    "<details open ontoggle=alert(1)>x</details>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>"
    "</mglyph></table></mtext></math>",
    "<<script>script>alert(1)<</script>/script>",
    '<object data="https://evil.example/x.swf"></object><embed src="x.swf">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<!-- <script>alert(1)</script> -->",
]
DANGEROUS_TAGS = {
    "script", "iframe", "svg", "math", "style", "form", "input", "object", "embed", "meta",
    "base", "link", "textarea", "button",
}  # fmt: skip
SAFE_URL = re.compile(r"^(https?:|mailto:|tel:|/|#|[^:]*$)", re.IGNORECASE)


class Dangers(HTMLParser):
    """What a browser would find in the HTML that could run or leave: tags, handlers,
    URLs with another scheme, styles beyond text alignment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = "".join(c for c in (value or "") if c.isprintable() and not c.isspace())
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action", "formaction") and not SAFE_URL.match(value):
                self.found.append(f"{tag} {name}={value}")
            if name == "style" and not re.fullmatch(r"text-align:\w+;?", value):
                self.found.append(f"{tag} style={value}")


def dangers(html: str) -> list[str]:
    parser = Dangers()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_and_html_come_out_harmless(text):
    html = render(f"Hello\n\n{text}\n\nand [a link](/pages/x) after")
    assert dangers(html) == [], html
    assert 'href="/pages/x"' in html  # what follows the attack is still shown


def test_the_checker_sees_what_it_guards_against():
    raw = '<a href="javascript:x">a</a><img src=x onerror=y><script></script><p style="color:red">'
    assert len(dangers(raw)) == 4


def test_markdown_is_rendered_with_tables_lists_and_emphasis():
    html = render(
        "## Delivery\n\n- **fast**\n- *cheap*\n\n"
        "| Where | Price |\n|:--|--:|\n| LU | 4.90 |\n\n~~old~~"
    )
    assert "<h2>Delivery</h2>" in html
    assert "<li><strong>fast</strong></li>" in html and "<em>cheap</em>" in html
    assert '<td style="text-align:right">4.90</td>' in html
    assert "<s>old</s>" in html


def test_links_to_other_sites_get_nofollow_noopener_and_own_links_do_not():
    html = render(
        "[ours](/delivery) [anchor](#top) [theirs](https://other.example/x) "
        '<a href="//cdn.example/y">cdn</a> [mail](mailto:hi@shop.example) '
        '<a href="https://spam.example" rel="dofollow">raw</a>'
    )
    assert '<a href="/delivery">ours</a>' in html
    assert '<a href="#top">anchor</a>' in html
    assert '<a href="https://other.example/x" rel="nofollow noopener">theirs</a>' in html
    assert '<a href="//cdn.example/y" rel="nofollow noopener">cdn</a>' in html
    assert '<a href="mailto:hi@shop.example">mail</a>' in html
    assert '<a href="https://spam.example" rel="nofollow noopener">raw</a>' in html
    assert "dofollow" not in html


def test_safe_html_a_merchant_writes_is_kept():
    html = render("<details><summary>Sizes</summary>S, M, L</details>\n\nA<br>B <mark>new</mark>")
    assert "<details><summary>Sizes</summary>S, M, L</details>" in html
    assert "<br>" in html and "<mark>new</mark>" in html


def test_an_attribute_value_with_angle_brackets_cannot_hide_a_link():
    html = render('<a title="a>b" href="https://x.example">x</a>')
    assert 'rel="nofollow noopener"' in html and 'title="a&gt;b"' in html


def test_empty_text_renders_as_nothing():
    assert render("   \n") == ""


@pytest.mark.parametrize(
    ("href", "external"),
    [("https://a.example", True), ("//a.example", True), ("HTTP://A", True), ("/a", False),
     ("a/b", False), ("#x", False), ("mailto:x@y", False)],
)  # fmt: skip
def test_what_counts_as_an_external_link(href, external):
    assert is_external(href) is external
