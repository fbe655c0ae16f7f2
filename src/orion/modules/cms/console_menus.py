"""Console: a store's navigation menus (create, edit the items, rename, delete). Included
in `console.pages` under /console/cms/menus."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.languages import LANGUAGES
from orion.kernel.data.paging import Page as PageWindow
from orion.kernel.errors import NotFound
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, StoreChoice
from orion.kernel.web.console.shell import PageContext
from orion.kernel.web.dependencies import SessionDep
from orion.modules.cms import services
from orion.modules.cms.schemas import MenuCreate, MenuUpdate

BASE = "/console/cms"
READ, MANAGE = "cms.read", "cms.manage"
BLANK_ROWS = 3  # empty rows under a menu's items, to add links

router = APIRouter()  # /console/cms/menus...
menus_page = FormPage("cms/console/menus.html")
menu_page = FormPage("cms/console/menu.html")


def chosen_store(choice: StoreChoice) -> StoreInfo:
    if choice.store is None:
        raise NotFound("this tenant has no store yet")
    return choice.store


def store_url(path: str, choice: StoreChoice, **params: Any) -> str:
    """A cms page's URL keeping the chosen store."""
    query = {"store": str(choice.store.id)} if choice.store else {}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"{BASE}{path}?{urlencode(query)}"


def _url(choice: StoreChoice, path: str = "") -> str:
    return store_url(f"/menus{path}", choice)


def _menus(page: PageContext, session: Session, choice: StoreChoice) -> dict[str, Any]:
    listing = (
        services.menus_listing(
            session, page.tenant, store_id=choice.store.id, page=PageWindow(limit=100)
        )
        if choice.store
        else None
    )
    return {
        "choice": choice,
        "menus": listing.data if listing else [],
        "url": lambda p="": _url(choice, p),
    }


@router.get("")
def menus(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require(READ)
    return menus_page.show(page, session, **_menus(page, session, choice))


@router.post("")
def create_menu(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    return menus_page.submit(
        page,
        session,
        {"name": form.get("name", "")},
        MenuCreate,
        lambda data: services.create_menu(session, page.tenant, store_id=store.id, data=data),
        done=lambda menu: _url(choice, f"/{menu.id}"),
        message=lambda menu: f"Menu {menu.name} created: add its links.",
        shown=lambda: _menus(page, session, choice),
    )


def _editor(
    page: PageContext, session: Session, choice: StoreChoice, menu_id: uuid.UUID
) -> dict[str, Any]:
    store = chosen_store(choice)
    menu = services.menu_public(
        session,
        page.tenant,
        services.get_menu(session, page.tenant, store_id=store.id, menu_id=menu_id),
    )
    pages = services.pages_listing(
        session, page.tenant, store_id=store.id, page=PageWindow(limit=500)
    ).data
    return {
        "choice": choice,
        "store_menu": menu,  # `menu` is the console's own
        "pages": pages,
        "languages": LANGUAGES,
        "url": lambda p="": _url(choice, p),
    }


def _rows_of(menu: Any) -> dict[str, Any]:
    """The editor's fields as the menu has them: one row per item, then blank rows."""
    values: dict[str, Any] = {"name": menu.name, "rows": len(menu.items) + BLANK_ROWS}
    for index, item in enumerate(menu.items):
        values[f"page_{index}"] = str(item.page_id) if item.page_id else ""
        values[f"url_{index}"] = item.url or ""
        values[f"position_{index}"] = index + 1
        for lang in LANGUAGES:
            values[f"label_{lang}_{index}"] = item.labels.get(lang, "")
    return values


def _items_of(form: Mapping[str, str]) -> list[dict[str, Any]]:
    """The rows that say something, in the order of their position (then as shown)."""
    try:
        rows = min(int(form.get("rows", "0")), 100)
    except ValueError:
        rows = 0
    found = []
    for index in range(rows):
        labels = {lang: form.get(f"label_{lang}_{index}", "") for lang in LANGUAGES}
        page_id, url = form.get(f"page_{index}"), form.get(f"url_{index}")
        if not (page_id or url or any(labels.values())):
            continue
        item: dict[str, Any] = {"labels": labels}
        if page_id:
            item["page_id"] = page_id
        if url:
            item["url"] = url
        try:
            position = int(form.get(f"position_{index}", "") or 0)
        except ValueError:
            position = 0
        found.append((position or index + 1, index, item))
    return [item for _, _, item in sorted(found, key=lambda entry: entry[:2])]


_ROW = re.compile(r"^items\[(\d+)\](?:\.(\w+))?")


def _row_label(key: str) -> str:
    """`items[0].url` as people read it: "link 1 (url)"."""
    found = _ROW.match(key)
    if found is None:
        return key
    number, field = int(found.group(1)) + 1, found.group(2)
    return f"link {number}" + (f" ({field.replace('_', ' ')})" if field else "")


@router.get("/{menu_id}")
def edit_menu(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, menu_id: uuid.UUID
) -> HTMLResponse:
    page.require(READ)
    shown = _editor(page, session, choice, menu_id)
    return menu_page.show(page, session, values=_rows_of(shown["store_menu"]), **shown)


@router.post("/{menu_id}")
def save_menu(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    menu_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    result = menu_page.run(
        session,
        {"name": form.get("name", ""), "items": _items_of(form)},
        MenuUpdate,
        lambda data: services.update_menu(
            session, page.tenant, store_id=store.id, menu_id=menu_id, data=data
        ),
    )
    value, errors = result
    return menu_page.outcome(
        page,
        session,
        form,
        (value, {_row_label(key): message for key, message in errors.items()}),
        done=_url(choice, f"/{menu_id}"),
        message=lambda menu: f"Menu {menu.name} saved.",
        shown=lambda: _editor(page, session, choice, menu_id),
    )


@router.post("/{menu_id}/delete")
def delete_menu(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, menu_id: uuid.UUID
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    _, errors = menu_page.run(
        session,
        {},
        None,
        lambda: services.delete_menu(session, page.tenant, store_id=store.id, menu_id=menu_id),
    )
    if errors:
        return page.redirect(
            _url(choice, f"/{menu_id}"), message="; ".join(errors.values()), level="error"
        )
    return page.redirect(_url(choice), message="Menu deleted.")
