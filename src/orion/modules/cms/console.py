"""Console pages of the cms, per store (`?store=<id>`, the store switcher): the pages
table, the page editor (a tab per language with its Markdown, SEO texts, a preview
rendered by the storefront's sanitiser, publish and unpublish, the revisions) and the
menus (`console_menus`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.data.languages import LANGUAGES
from orion.kernel.data.paging import Page as PageWindow
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, StoreChoice
from orion.kernel.web.console.shell import PageContext
from orion.kernel.web.dependencies import SessionDep
from orion.modules.cms import services
from orion.modules.cms.console_menus import MANAGE, READ, chosen_store, store_url
from orion.modules.cms.console_menus import router as menus_router
from orion.modules.cms.schemas import PageCreate, PageQuery, PageStatus, PageUpdate

LIMIT = 50
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}
# The editor's fields per language, and the schema's field they fill.
PER_LANGUAGE = {
    "title": "titles",
    "body": "bodies",
    "meta_title": "meta_titles",
    "meta_description": "meta_descriptions",
}

pages = APIRouter()  # /console/cms/...
# Before the page routes: "/menus" is no page id.
pages.include_router(menus_router, prefix="/menus")
table_page = FormPage("cms/console/pages.html")
editor_page = FormPage("cms/console/page.html")


# -- the pages table ---------------------------------------------------------------------------


def _table(page: PageContext, session: Session, choice: StoreChoice) -> dict[str, Any]:
    params = dict(page.request.query_params)
    shown: dict[str, Any] = {
        "choice": choice,
        "params": params,
        "statuses": [s.value for s in PageStatus],
        "limit": LIMIT,
        "url": lambda path, **extra: store_url(path, choice, **extra),
    }
    if choice.store is None:
        return shown | {"listing": None, "offset": 0, "base": "?"}
    status = params.get("status")
    filters = PageQuery(
        status=status if status in shown["statuses"] else None, q=params.get("q") or None
    )
    try:
        offset = max(0, int(params.get("offset", "0")))
    except ValueError:
        offset = 0
    listing = services.pages_listing(
        session,
        page.tenant,
        store_id=choice.store.id,
        filters=filters,
        page=PageWindow(limit=LIMIT, offset=offset),
    )
    kept = {k: v for k, v in params.items() if k in ("status", "q")}
    return shown | {
        "listing": listing,
        "offset": offset,
        "base": store_url("/", choice, **kept) + "&",
    }


@pages.get("/")
def pages_table(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require(READ)
    return table_page.show(page, session, **_table(page, session, choice))


# -- the page editor ---------------------------------------------------------------------------


def _editor(
    page: PageContext,
    session: Session,
    choice: StoreChoice,
    page_id: uuid.UUID | None,
    previews: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    store = chosen_store(choice)
    found = services.get_page(session, page.tenant, store.id, page_id) if page_id else None
    revisions = (
        services.revisions_listing(
            session, page.tenant, store_id=store.id, page_id=found.id, page=PageWindow(limit=20)
        ).data
        if found
        else []
    )
    return {
        "choice": choice,
        "store": store,
        "item": found,
        "revisions": revisions,
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "previews": previews or {},
        "public_url": (
            f"/api/v1/public/cms/stores/{store.id}/pages/{found.slug}"
            if found is not None and found.status == PageStatus.published.value
            else None
        ),
        "url": lambda path, **extra: store_url(path, choice, **extra),
        "action": store_url(f"/{found.id}" if found else "/new", choice),
    }


def _values(item: Any) -> dict[str, Any]:
    """The form's fields as the page has them."""
    values: dict[str, Any] = {
        "slug": item.slug,
        "sort_order": item.sort_order,
        "canonical_url": item.canonical_url or "",
    }
    for field, attribute in PER_LANGUAGE.items():
        texts = getattr(item, attribute)
        for lang in LANGUAGES:
            values[f"{field}_{lang}"] = texts.get(lang, "")
    return values


def _page_data(form: Mapping[str, str], *, creating: bool) -> dict[str, Any]:
    """The editor's fields as a PageCreate/PageUpdate body (empty fields: left out, or
    cleared where the page may have none)."""
    data: dict[str, Any] = {
        attribute: {lang: form.get(f"{field}_{lang}", "") for lang in LANGUAGES}
        for field, attribute in PER_LANGUAGE.items()
    }
    if form.get("slug"):
        data["slug"] = form["slug"]
    elif not creating:
        data["slug"] = ""  # the schema says what a slug must be
    data["sort_order"] = form.get("sort_order") or 0
    if form.get("canonical_url") or not creating:
        data["canonical_url"] = form.get("canonical_url") or None
    if creating and form.get("publish"):
        data["publish"] = True
    return data


def _form_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Schema errors (`titles.fr`) under the editor's field names (`title_fr`)."""
    renamed = {}
    by_attribute = {attribute: field for field, attribute in PER_LANGUAGE.items()}
    for key, message in errors.items():
        attribute, _, lang = key.partition(".")
        if attribute in by_attribute and lang in LANGUAGES:
            key = f"{by_attribute[attribute]}_{lang}"
        renamed[key] = message
    return renamed


def _outcome(
    page: PageContext,
    session: Session,
    choice: StoreChoice,
    form: Mapping[str, str],
    result: tuple[Any, dict[str, str]],
    *,
    page_id: uuid.UUID | None,
    message: str,
) -> Response:
    value, errors = result
    return editor_page.outcome(
        page,
        session,
        form,
        (value, _form_errors(errors)),
        done=lambda saved: store_url(f"/{saved.id}", choice),
        message=lambda saved: message.format(title=saved.title),
        shown=lambda: _editor(page, session, choice, page_id),
    )


@pages.get("/new")
def new_page(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require(MANAGE)
    return editor_page.show(
        page, session, values={"sort_order": 0}, **_editor(page, session, choice, None)
    )


@pages.post("/new")
def create_page(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    result = editor_page.run(
        session,
        _page_data(form, creating=True),
        PageCreate,
        lambda data: services.create_page(
            session, page.tenant, store_id=store.id, data=data, author_id=page.principal.user_id
        ),
    )
    return _outcome(page, session, choice, form, result, page_id=None, message="{title} created.")


@pages.post("/preview")
def preview(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    """The editor's Markdown as the storefront renders it. From HTMX: the one language's
    preview (`lang`); from a plain form: the editor again, what was typed kept, with the
    preview of each language."""
    page.require(READ)
    if page.request.headers.get("hx-request"):
        lang = form.get("lang", "en")
        html = services.preview(form.get(f"body_{lang}", ""))
        return page.render("cms/console/_preview.html", lang=lang, html=html)
    previews = {lang: services.preview(form.get(f"body_{lang}", "")) for lang in LANGUAGES}
    page_id = _uuid(form.get("page_id"))
    shown = _editor(page, session, choice, page_id, previews=previews)
    return editor_page.show(page, session, values=form, **shown)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@pages.get("/{page_id}")
def edit_page(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, page_id: uuid.UUID
) -> HTMLResponse:
    page.require(READ)
    shown = _editor(page, session, choice, page_id)
    return editor_page.show(page, session, values=_values(shown["item"]), **shown)


@pages.post("/{page_id}")
def save_page(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    page_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    result = editor_page.run(
        session,
        _page_data(form, creating=False),
        PageUpdate,
        lambda data: services.update_page(
            session,
            page.tenant,
            store_id=store.id,
            page_id=page_id,
            data=data,
            author_id=page.principal.user_id,
        ),
    )
    return _outcome(page, session, choice, form, result, page_id=page_id, message="{title} saved.")


def _act(
    page: PageContext,
    session: Session,
    choice: StoreChoice,
    page_id: uuid.UUID,
    action: Any,
    message: str,
    *,
    done: str | None = None,
) -> Response:
    """Run a button's service call; back to the editor with its message or its refusal."""
    _, errors = editor_page.run(session, {}, None, action)
    if errors:
        text = "; ".join(v if k == "form" else f"{k}: {v}" for k, v in errors.items())
        return page.redirect(store_url(f"/{page_id}", choice), message=text, level="error")
    return page.redirect(done or store_url(f"/{page_id}", choice), message=message)


@pages.post("/{page_id}/publish")
def publish_page(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, page_id: uuid.UUID
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    return _act(
        page,
        session,
        choice,
        page_id,
        lambda: services.publish_page(
            session,
            page.tenant,
            store_id=store.id,
            page_id=page_id,
            author_id=page.principal.user_id,
        ),
        "Page published.",
    )


@pages.post("/{page_id}/unpublish")
def unpublish_page(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, page_id: uuid.UUID
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    return _act(
        page,
        session,
        choice,
        page_id,
        lambda: services.unpublish_page(session, page.tenant, store_id=store.id, page_id=page_id),
        "Page taken offline: it is a draft again.",
    )


@pages.post("/{page_id}/revisions/{revision_id}/restore")
def restore_revision(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    page_id: uuid.UUID,
    revision_id: uuid.UUID,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    return _act(
        page,
        session,
        choice,
        page_id,
        lambda: services.restore_revision(
            session,
            page.tenant,
            store_id=store.id,
            page_id=page_id,
            revision_id=revision_id,
            author_id=page.principal.user_id,
        ),
        "Revision restored.",
    )


@pages.post("/{page_id}/delete")
def delete_page(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, page_id: uuid.UUID
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    return _act(
        page,
        session,
        choice,
        page_id,
        lambda: services.delete_page(session, page.tenant, store_id=store.id, page_id=page_id),
        "Page deleted.",
        done=store_url("/", choice),
    )
