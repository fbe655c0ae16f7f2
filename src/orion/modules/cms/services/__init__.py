"""CMS business logic: pages and their revisions, menus, what the storefront is served,
Markdown rendering. The module's public surface, with `schemas` and `events`.

Other modules call (each acting for the tenant it is given):

    storefront_page(session, tenant, *, store_id, slug, lang) -> StorefrontPage  # 404 drafts
    storefront_pages(session, tenant, *, store_id, lang) -> StorefrontPages
    storefront_menu(session, tenant, *, store_id, name, lang, page_url) -> StorefrontMenu
    render(markdown) -> str                                # sanitised HTML

Functions take the session first, then the tenant they act for, then keyword-only options;
they flush, never commit.
"""

from orion.modules.cms.services.demo import seed_demo
from orion.modules.cms.services.menus import (
    create_menu,
    delete_menu,
    get_menu,
    menu_public,
    menus_listing,
    update_menu,
)
from orion.modules.cms.services.pages import (
    create_page,
    delete_page,
    get_page,
    pages_listing,
    preview,
    publish_page,
    restore_revision,
    revisions_listing,
    unpublish_page,
    update_page,
)
from orion.modules.cms.services.rendering import render
from orion.modules.cms.services.storefront import (
    Alternate,
    page_document,
    served_language,
    storefront_menu,
    storefront_page,
    storefront_pages,
)

__all__ = [
    "Alternate",
    "create_menu",
    "create_page",
    "delete_menu",
    "delete_page",
    "get_menu",
    "get_page",
    "menu_public",
    "menus_listing",
    "page_document",
    "pages_listing",
    "preview",
    "publish_page",
    "render",
    "restore_revision",
    "revisions_listing",
    "seed_demo",
    "served_language",
    "storefront_menu",
    "storefront_page",
    "storefront_pages",
    "unpublish_page",
    "update_menu",
    "update_page",
]
