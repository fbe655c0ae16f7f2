"""A store's navigation menus (`header`, `footer`, ...): their ordered items, each a link
to one of the store's pages or to a URL with a label per language. A menu's items are
written whole: `items` replaces them in the order given."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.db import serialise, utcnow
from orion.kernel.data.paging import Page as PageWindow
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.cms.exceptions import MenuNameTaken, invalid
from orion.modules.cms.models import Menu, MenuLink
from orion.modules.cms.repository import MenuLinkRepository, MenuRepository, PageRepository
from orion.modules.cms.schemas import (
    MenuCreate,
    MenuItemIn,
    MenuItemPublic,
    MenuPublic,
    MenusPublic,
    MenuUpdate,
)
from orion.modules.cms.services.common import clean, store_of


def _lock_names(session: Session, store_id: uuid.UUID) -> None:
    serialise(session, "cms.menus", store_id)


def _write_items(
    session: Session, store_id: uuid.UUID, menu: Menu, items: Sequence[MenuItemIn]
) -> None:
    """Replace the menu's items; 422 naming `items[i].page_id` for a page not of the store."""
    pages = PageRepository(session).many(
        store_id, [item.page_id for item in items if item.page_id is not None]
    )
    for index, item in enumerate(items):
        if item.page_id is not None and item.page_id not in pages:
            raise invalid(f"items[{index}].page_id", "is not a page of this store")
    links = MenuLinkRepository(session)
    links.clear(menu.id)
    session.add_all(
        MenuLink(
            menu_id=menu.id,
            position=position,
            labels=clean(item.labels),
            page_id=item.page_id,
            url=item.url,
        )
        for position, item in enumerate(items)
    )
    session.flush()


def _fill_items(session: Session, rows: list[dict[str, Any]]) -> None:
    links = MenuLinkRepository(session).of([row["id"] for row in rows])
    for row in rows:
        row["items"] = [MenuItemPublic.model_validate(link) for link in links[row["id"]]]


def menu_public(session: Session, tenant: TenantContext, menu: Menu) -> MenuPublic:
    row = {name: getattr(menu, name) for name in MenuPublic.model_fields if name != "items"}
    with acting_for(session, tenant):
        _fill_items(session, [row])
    return MenuPublic.model_validate(row)


def menus_listing(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    page: PageWindow | None = None,
) -> MenusPublic:
    """The store's menus by name, each with its items (one query for the page's items)."""
    with acting_for(session, tenant):
        menus = MenuRepository(session)
        return menus.listing(
            MenusPublic,
            menus.in_store(store_id),
            page,
            Menu.name,
            columns={"items": None},
            derive=lambda rows: _fill_items(session, rows),
        )


def get_menu(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, menu_id: uuid.UUID
) -> Menu:
    with acting_for(session, tenant):
        return MenuRepository(session).get_in(store_id, menu_id)


def create_menu(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, data: MenuCreate
) -> Menu:
    """A new menu; 409 `menu_name_taken` (naming `name`) when the store has one so named."""
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        _lock_names(session, store_id)
        menus = MenuRepository(session)
        if menus.name_taken(store_id, data.name):
            raise MenuNameTaken(data.name)
        menu = menus.add(Menu(store_id=store_id, name=data.name))
        _write_items(session, store_id, menu, data.items)
        return menu


def update_menu(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    menu_id: uuid.UUID,
    data: MenuUpdate,
) -> Menu:
    with acting_for(session, tenant):
        menus = MenuRepository(session)
        menu = menus.get_in(store_id, menu_id)
        if data.name is not None and data.name != menu.name:
            _lock_names(session, store_id)
            if menus.name_taken(store_id, data.name, other_than=menu.id):
                raise MenuNameTaken(data.name)
            menu.name = data.name
        if data.items is not None:
            _write_items(session, store_id, menu, data.items)
        if data.items is not None:
            # The items are the menu's content: changing them changes the menu.
            menu.updated_at = utcnow()
        session.flush()
        return menu


def delete_menu(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, menu_id: uuid.UUID
) -> None:
    with acting_for(session, tenant):
        menus = MenuRepository(session)
        menu = menus.get_in(store_id, menu_id)
        MenuLinkRepository(session).clear(menu.id)
        menus.delete(menu)
