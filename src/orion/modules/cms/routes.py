"""CMS routes.

`api` is one router with two audiences (kernel.web.mounting): the tenant's staff at
/api/v1/cms/..., platform operators acting for a tenant at
/api/v1/admin/cms/tenants/{tenant_id}/... Everything sits under `/stores/{store_id}`
(`CurrentStore`: 404 `store_not_found` for a store the member does not reach).

`public` (/api/v1/public/cms) serves the storefront (`StorefrontDep`: any open store by
its id): published pages as HTML or JSON, their list, and menus. Routes are thin: parse,
call one service function, answer a schema.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response

from orion.kernel.web.dependencies import (
    CurrentStore,
    CurrentTenant,
    PageDep,
    SessionDep,
    problem_responses,
)
from orion.kernel.web.responses import ListingResponse
from orion.kernel.web.storefront import StorefrontDep
from orion.modules.cms import services
from orion.modules.cms.dependencies import (
    CanManage,
    CanRead,
    StorefrontFormat,
    StorefrontLanguage,
)
from orion.modules.cms.schemas import (
    MenuCreate,
    MenuPublic,
    MenusPublic,
    MenuUpdate,
    PageCreate,
    PagePublic,
    PageQuery,
    PagesPublic,
    PageUpdate,
    PreviewPublic,
    PreviewRequest,
    RevisionsPublic,
    StorefrontMenu,
    StorefrontPage,
    StorefrontPages,
)

api = APIRouter()
public = APIRouter()

PUBLIC_PREFIX = "/api/v1/public/cms"
READ = problem_responses(404)
WRITE = problem_responses(404, 409, 422)
# Public pages change when the merchant publishes: caches keep them a minute.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=60", "Vary": "Accept, Accept-Language"}
# The body is sanitised; the policy is the second wall (no script runs, whatever slipped).
DOCUMENT_POLICY = (
    "default-src 'none'; img-src https: http:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)

Filters = Annotated[PageQuery, Query()]
SlugPath = Annotated[str, Path(max_length=100, description="The page's slug")]
MenuNamePath = Annotated[str, Path(max_length=50, description="The menu's name: footer, ...")]


# -- pages (staff) -----------------------------------------------------------------------------


@api.get(
    "/stores/{store_id}/pages", response_model=PagesPublic, responses=problem_responses(404, 422)
)
def list_pages(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    filters: Filters,
    page: PageDep,
) -> ListingResponse:
    """The store's pages in their sort order: `status` (draft, published), `q` (part of a
    title or the slug); offset pages with the count."""
    return ListingResponse(
        services.pages_listing(session, tenant, store_id=store.id, filters=filters, page=page)
    )


@api.post("/stores/{store_id}/pages", status_code=status.HTTP_201_CREATED, responses=WRITE)
def create_page(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    who: CanManage,
    body: PageCreate,
) -> PagePublic:
    """A new page, a draft unless `publish`; 409 `page_slug_taken` naming `slug`."""
    page = services.create_page(
        session, tenant, store_id=store.id, data=body, author_id=who.user_id
    )
    return PagePublic.model_validate(page)


@api.post("/stores/{store_id}/preview", responses=problem_responses(404, 422))
def preview(store: CurrentStore, _: CanRead, body: PreviewRequest) -> PreviewPublic:
    """Markdown rendered and sanitised as the storefront would serve it (an editor's
    preview); nothing is saved."""
    return PreviewPublic(html=services.preview(body.markdown))


@api.get("/stores/{store_id}/pages/{page_id}", responses=READ)
def get_page(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page_id: uuid.UUID
) -> PagePublic:
    return PagePublic.model_validate(services.get_page(session, tenant, store.id, page_id))


@api.patch("/stores/{store_id}/pages/{page_id}", responses=WRITE)
def update_page(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    who: CanManage,
    page_id: uuid.UUID,
    body: PageUpdate,
) -> PagePublic:
    """Change the fields sent; a change to a published page is live at once (a revision)."""
    page = services.update_page(
        session, tenant, store_id=store.id, page_id=page_id, data=body, author_id=who.user_id
    )
    return PagePublic.model_validate(page)


@api.delete(
    "/stores/{store_id}/pages/{page_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
def delete_page(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    page_id: uuid.UUID,
) -> None:
    """409 `page_in_menu` while a menu links to the page."""
    services.delete_page(session, tenant, store_id=store.id, page_id=page_id)


@api.post("/stores/{store_id}/pages/{page_id}/publish", responses=WRITE)
def publish_page(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    who: CanManage,
    page_id: uuid.UUID,
) -> PagePublic:
    """Put the page online (a published page stays as it is: safe to retry)."""
    page = services.publish_page(
        session, tenant, store_id=store.id, page_id=page_id, author_id=who.user_id
    )
    return PagePublic.model_validate(page)


@api.post("/stores/{store_id}/pages/{page_id}/unpublish", responses=READ)
def unpublish_page(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    page_id: uuid.UUID,
) -> PagePublic:
    """Take the page offline: a draft again, 404 on the storefront."""
    page = services.unpublish_page(session, tenant, store_id=store.id, page_id=page_id)
    return PagePublic.model_validate(page)


@api.get(
    "/stores/{store_id}/pages/{page_id}/revisions",
    response_model=RevisionsPublic,
    responses=READ,
)
def list_revisions(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanRead,
    page_id: uuid.UUID,
    page: PageDep,
) -> ListingResponse:
    """The versions of the page that went live, newest first."""
    return ListingResponse(
        services.revisions_listing(session, tenant, store_id=store.id, page_id=page_id, page=page)
    )


@api.post("/stores/{store_id}/pages/{page_id}/revisions/{revision_id}/restore", responses=WRITE)
def restore_revision(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    who: CanManage,
    page_id: uuid.UUID,
    revision_id: uuid.UUID,
) -> PagePublic:
    """Copy the revision's texts back onto the page (its slug stays)."""
    page = services.restore_revision(
        session,
        tenant,
        store_id=store.id,
        page_id=page_id,
        revision_id=revision_id,
        author_id=who.user_id,
    )
    return PagePublic.model_validate(page)


# -- menus (staff) -----------------------------------------------------------------------------


@api.get("/stores/{store_id}/menus", response_model=MenusPublic, responses=READ)
def list_menus(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, page: PageDep
) -> ListingResponse:
    return ListingResponse(services.menus_listing(session, tenant, store_id=store.id, page=page))


@api.post("/stores/{store_id}/menus", status_code=status.HTTP_201_CREATED, responses=WRITE)
def create_menu(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanManage, body: MenuCreate
) -> MenuPublic:
    """409 `menu_name_taken` naming `name`; 422 naming `items[i].page_id` for a page that
    is not the store's."""
    menu = services.create_menu(session, tenant, store_id=store.id, data=body)
    return services.menu_public(session, tenant, menu)


@api.get("/stores/{store_id}/menus/{menu_id}", responses=READ)
def get_menu(
    session: SessionDep, tenant: CurrentTenant, store: CurrentStore, _: CanRead, menu_id: uuid.UUID
) -> MenuPublic:
    menu = services.get_menu(session, tenant, store_id=store.id, menu_id=menu_id)
    return services.menu_public(session, tenant, menu)


@api.patch("/stores/{store_id}/menus/{menu_id}", responses=WRITE)
def update_menu(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    menu_id: uuid.UUID,
    body: MenuUpdate,
) -> MenuPublic:
    """`items`, when sent, replaces the menu's items in the order given."""
    menu = services.update_menu(session, tenant, store_id=store.id, menu_id=menu_id, data=body)
    return services.menu_public(session, tenant, menu)


@api.delete(
    "/stores/{store_id}/menus/{menu_id}", status_code=status.HTTP_204_NO_CONTENT, responses=READ
)
def delete_menu(
    session: SessionDep,
    tenant: CurrentTenant,
    store: CurrentStore,
    _: CanManage,
    menu_id: uuid.UUID,
) -> None:
    services.delete_menu(session, tenant, store_id=store.id, menu_id=menu_id)


# -- the storefront (public) -------------------------------------------------------------------


def _page_path(store_id: uuid.UUID, slug: str, lang: str) -> str:
    query = "" if lang == "en" else "?" + urlencode({"lang": lang})
    return f"{PUBLIC_PREFIX}/stores/{store_id}/pages/{slug}{query}"


@public.get(
    "/stores/{store_id}/pages",
    response_model=StorefrontPages,
    responses=problem_responses(404, 422, 429),
)
def storefront_pages(
    session: SessionDep, shop: StorefrontDep, lang: StorefrontLanguage
) -> Response:
    """The store's published pages in their sort order (titles in `lang`, else English)."""
    listed = services.storefront_pages(session, shop.tenant, store_id=shop.store.id, lang=lang)
    return JSONResponse(listed.model_dump(mode="json"), headers=PUBLIC_CACHE)


@public.get(
    "/stores/{store_id}/pages/{slug}",
    response_model=StorefrontPage,
    responses={
        200: {"content": {"text/html": {}}, "description": "The page (JSON or HTML)"},
        **problem_responses(404, 422, 429),
    },
)
def storefront_page(
    request: Request,
    session: SessionDep,
    shop: StorefrontDep,
    slug: SlugPath,
    lang: StorefrontLanguage,
    answer: StorefrontFormat,
) -> Response:
    """A published page (drafts: 404 `page_not_found`) in `lang` (default: Accept-Language),
    falling back to English. `format=html` (a whole document with its SEO head) or `json`;
    without `format`, what `Accept` prefers, HTML by default."""
    page = services.storefront_page(
        session, shop.tenant, store_id=shop.store.id, slug=slug, lang=lang
    )
    if answer == "json":
        return JSONResponse(page.model_dump(mode="json"), headers=PUBLIC_CACHE)
    base = str(request.base_url).rstrip("/")
    alternates = [
        services.Alternate(other, base + _page_path(shop.store.id, page.slug, other))
        for other in page.languages
    ]
    if alternates:
        alternates.append(
            services.Alternate("x-default", base + _page_path(shop.store.id, page.slug, "en"))
        )
    document = services.page_document(
        page,
        store_name=shop.store.name,
        canonical=page.canonical_url or base + _page_path(shop.store.id, page.slug, page.lang),
        alternates=alternates,
    )
    headers = PUBLIC_CACHE | {
        "Content-Security-Policy": DOCUMENT_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Content-Language": page.lang,
    }
    return HTMLResponse(document, headers=headers)


@public.get(
    "/stores/{store_id}/menus/{name}",
    response_model=StorefrontMenu,
    responses=problem_responses(404, 422, 429),
)
def storefront_menu(
    session: SessionDep, shop: StorefrontDep, name: MenuNamePath, lang: StorefrontLanguage
) -> Response:
    """The menu `name` in `lang` (labels fall back to English); items linking to a page
    that is not published are left out."""
    menu = services.storefront_menu(
        session,
        shop.tenant,
        store_id=shop.store.id,
        name=name,
        lang=lang,
        page_url=lambda slug, language: _page_path(shop.store.id, slug, language),
    )
    return JSONResponse(menu.model_dump(mode="json"), headers=PUBLIC_CACHE)
