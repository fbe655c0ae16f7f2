"""The platform's content languages, and which text of a per-language set a reader gets.

Texts that shoppers read (product titles, page bodies, menu labels) are stored per
language as `{"en": ..., "fr": ..., "de": ...}`. A reader asking for a language missing
from the set gets English, else the first language the set has, in `LANGUAGES` order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

LANGUAGES: tuple[str, ...] = ("en", "fr", "de")  # in the order a missing one falls back
DEFAULT_LANGUAGE = "en"
Language = Literal["en", "fr", "de"]


def without_empty(texts: Mapping[str, str] | None) -> dict[str, str]:
    """The texts that say something, stripped, in `LANGUAGES` order."""
    texts = texts or {}
    return {lang: texts[lang].strip() for lang in LANGUAGES if (texts.get(lang) or "").strip()}


def first_text(texts: Mapping[str, str]) -> str:
    """The English text, else the French, else the German ("" when there is none)."""
    return next((texts[lang] for lang in LANGUAGES if texts.get(lang)), "")


def in_language(texts: Mapping[str, str], lang: str) -> str:
    """The text in `lang`, else in English, else in the first language the set has."""
    return texts.get(lang) or texts.get(DEFAULT_LANGUAGE) or first_text(texts)


def in_some_language(what: str) -> Callable[[dict[str, str] | None], dict[str, str] | None]:
    """A validator for a per-language field that must say something in one language at
    least: `_titles = field_validator("titles")(in_some_language("title"))`."""

    def check(value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        kept = {lang: text for lang, text in value.items() if text}
        if not kept:
            raise ValueError(f"give a {what} in at least one language (en, fr or de)")
        return kept

    return check
