"""Console: a store's category tree (add, rename, move, delete), and what the catalog's
pages share (the chosen store, links that keep it). Included in `console.pages`."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from orion.kernel.contract.points import StoreInfo
from orion.kernel.data.languages import LANGUAGES
from orion.kernel.errors import NotFound
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, StoreChoice
from orion.kernel.web.console.shell import PageContext
from orion.kernel.web.dependencies import SessionDep
from orion.modules.catalog import services
from orion.modules.catalog.schemas import CategoryCreate, CategoryUpdate

BASE = "/console/catalog"
READ, MANAGE = "catalog.read", "catalog.manage"

router = APIRouter()  # /console/catalog/categories...
categories_page = FormPage("catalog/console/categories.html")


def chosen_store(choice: StoreChoice) -> StoreInfo:
    if choice.store is None:
        raise NotFound("this tenant has no store yet")
    return choice.store


def store_url(path: str, choice: StoreChoice, **params: Any) -> str:
    """A catalog page's URL keeping the chosen store."""
    query = {"store": str(choice.store.id)} if choice.store else {}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"{BASE}{path}?{urlencode(query)}"


def _flat(nodes: list[Any]) -> list[Any]:
    found: list[Any] = []
    for node in nodes:
        found.append(node)
        found.extend(_flat(node.children))
    return found


def _tree(page: PageContext, session: Session, choice: StoreChoice) -> dict[str, Any]:
    tree = (
        services.category_tree(session, page.tenant, store_id=choice.store.id)
        if choice.store
        else []
    )
    return {
        "choice": choice,
        "tree": tree,
        "flat": _flat(tree),
        "languages": LANGUAGES,
        "url": lambda path, **params: store_url(path, choice, **params),
    }


def _names(form: dict[str, str]) -> dict[str, str]:
    return {lang: form.get(f"name_{lang}", "") for lang in LANGUAGES}


@router.get("")
def categories(page: ConsolePage, session: SessionDep, choice: ConsoleStore) -> HTMLResponse:
    page.require(READ)
    return categories_page.show(page, session, **_tree(page, session, choice))


@router.post("")
def add_category(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, form: FormData
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    data: dict[str, Any] = {"names": _names(form), "parent_id": form.get("parent_id") or None}
    if form.get("slug"):
        data["slug"] = form["slug"]
    return categories_page.outcome(
        page,
        session,
        form,
        categories_page.run(
            session,
            data,
            CategoryCreate,
            lambda body: services.create_category(
                session, page.tenant, store_id=store.id, data=body
            ),
        ),
        done=store_url("/categories", choice),
        message=lambda category: f"Category {category.name} added.",
        shown=lambda: _tree(page, session, choice),
    )


@router.post("/{category_id}/move")
def move_category(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    category_id: uuid.UUID,
    form: FormData,
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    data: dict[str, Any] = {"parent_id": form.get("parent_id") or None}
    if form.get("position"):
        data["position"] = form["position"]
    result = categories_page.run(
        session,
        data,
        CategoryUpdate,
        lambda body: services.update_category(
            session, page.tenant, store_id=store.id, category_id=category_id, data=body
        ),
    )
    return _answer(page, choice, result, "Category moved.")


@router.post("/{category_id}/delete")
def delete_category(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, category_id: uuid.UUID
) -> Response:
    page.require(MANAGE)
    store = chosen_store(choice)
    result = categories_page.run(
        session,
        {},
        None,
        lambda: services.delete_category(
            session, page.tenant, store_id=store.id, category_id=category_id
        ),
    )
    return _answer(page, choice, result, "Category deleted.")


def _answer(
    page: PageContext, choice: StoreChoice, result: tuple[Any, dict[str, str]], message: str
) -> Response:
    """Back to the tree, with the message or what refused the change."""
    _, errors = result
    url = store_url("/categories", choice)
    if errors:
        text = "; ".join(v if k == "form" else f"{k}: {v}" for k, v in errors.items())
        return page.redirect(url, message=text, level="error")
    return page.redirect(url, message=message)
