"""CMS errors: each has a stable `code` and is answered as problem+json."""

from __future__ import annotations

from orion.kernel.errors import Conflict, FieldError, NotFound, OrionError, ValidationFailed


class CmsError(OrionError):
    code = "cms_error"


class PageNotFound(CmsError, NotFound):
    """An unknown page, another store's or tenant's, or (publicly) a draft."""

    code = "page_not_found"


class RevisionNotFound(CmsError, NotFound):
    code = "page_revision_not_found"


class MenuNotFound(CmsError, NotFound):
    code = "menu_not_found"


class SlugTaken(CmsError, Conflict):
    code = "page_slug_taken"

    def __init__(self, slug: str) -> None:
        super().__init__(
            f"the store already has a page with slug {slug!r}",
            errors=[
                FieldError("slug", f"{slug!r} is already used by a page of this store", "unique")
            ],
            slug=slug,
        )


class MenuNameTaken(CmsError, Conflict):
    code = "menu_name_taken"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"the store already has a menu named {name!r}",
            errors=[FieldError("name", f"{name!r} is already a menu of this store", "unique")],
            name=name,
        )


class PageInMenu(CmsError, Conflict):
    """A page linked from a menu is kept until the link is removed (a menu never points at
    nothing)."""

    code = "page_in_menu"

    def __init__(self, menus: list[str]) -> None:
        names = ", ".join(repr(m) for m in menus)
        super().__init__(
            f"the page is linked from the menu {names}: remove the link first", menus=menus
        )


class CmsInvalid(CmsError, ValidationFailed):
    """Input the schema could not judge alone (a page of another store in a menu)."""

    code = "validation_failed"


def invalid(field: str, message: str) -> CmsInvalid:
    return CmsInvalid(f"{field}: {message}", errors=[FieldError(field, message)])
