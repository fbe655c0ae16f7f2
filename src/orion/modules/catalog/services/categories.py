"""A store's categories: a tree without cycles (moving a category under itself or one of
its subcategories is a 409), slugs unique in the store."""

from __future__ import annotations

import re
import unicodedata
import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.db import serialise
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.modules.catalog.exceptions import (
    CategoryCycle,
    CategoryHasChildren,
    SlugTaken,
    invalid,
)
from orion.modules.catalog.models import Category
from orion.modules.catalog.repository import CategoryRepository
from orion.modules.catalog.schemas import (
    CategoriesPublic,
    CategoryCreate,
    CategoryNode,
    CategoryPublic,
    CategoryUpdate,
)
from orion.modules.catalog.services.common import clean, display_title, store_of

MAX_DEPTH = 10


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "category"


def _lock_tree(session: Session, store_id: uuid.UUID) -> None:
    """Changes of a store's tree take turns: two moves at once cannot make a cycle."""
    serialise(session, "catalog.categories", store_id)


def list_categories(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, page: Page | None = None
) -> CategoriesPublic:
    """The store's categories, flat, each with its `parent_id`."""
    with acting_for(session, tenant):
        repository = CategoryRepository(session)
        query = repository.select().where(Category.store_id == store_id)
        return repository.listing(
            CategoriesPublic, query, page or Page(limit=500), Category.position, Category.name
        )


def category_tree(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID
) -> list[CategoryNode]:
    """The store's categories as a tree: top categories first, each with its children."""
    with acting_for(session, tenant):
        rows = CategoryRepository(session).of_store(store_id)
    nodes = {
        row.id: CategoryNode(**CategoryPublic.model_validate(row).model_dump(), depth=0)
        for row in rows
    }
    roots: list[CategoryNode] = []
    for row in rows:
        node = nodes[row.id]
        parent = nodes.get(row.parent_id) if row.parent_id else None
        (parent.children if parent else roots).append(node)

    def set_depth(level: list[CategoryNode], depth: int) -> None:
        for node in level:
            node.depth = depth
            set_depth(node.children, depth + 1)

    set_depth(roots, 0)
    return roots


def get_category(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, category_id: uuid.UUID
) -> Category:
    with acting_for(session, tenant):
        return CategoryRepository(session).get_in(store_id, category_id)


def _depth(parents: dict[uuid.UUID, uuid.UUID | None], node: uuid.UUID | None) -> int:
    depth = 0
    while node is not None:
        depth += 1
        node = parents.get(node)
    return depth


def _check_parent(
    session: Session,
    store_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    *,
    moving: uuid.UUID | None = None,
) -> None:
    if parent_id is None:
        return
    parents = CategoryRepository(session).parents(store_id)
    if parent_id not in parents:
        raise invalid("parent_id", f"no category {parent_id} in this store")
    node: uuid.UUID | None = parent_id
    seen: set[uuid.UUID] = set()
    while node is not None and node not in seen:
        if node == moving:
            raise CategoryCycle()
        seen.add(node)
        node = parents.get(node)
    if _depth(parents, parent_id) >= MAX_DEPTH:
        raise invalid("parent_id", f"categories nest at most {MAX_DEPTH} deep")


def create_category(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, data: CategoryCreate
) -> Category:
    with acting_for(session, tenant):
        store_of(session, tenant, store_id)
        _lock_tree(session, store_id)
        _check_parent(session, store_id, data.parent_id)
        names = clean(data.names)
        slug = data.slug or slugify(display_title(names))
        repository = CategoryRepository(session)
        if repository.slug_taken(store_id, slug):
            raise SlugTaken(slug)
        return repository.add(
            Category(
                store_id=store_id,
                parent_id=data.parent_id,
                names=names,
                name=display_title(names),
                slug=slug,
                position=data.position,
            )
        )


def update_category(
    session: Session,
    tenant: TenantContext,
    *,
    store_id: uuid.UUID,
    category_id: uuid.UUID,
    data: CategoryUpdate,
) -> Category:
    """Rename, re-slug, reorder, or move (`parent_id`; null: to the top)."""
    with acting_for(session, tenant):
        repository = CategoryRepository(session)
        category = repository.get_in(store_id, category_id)
        changes = data.model_dump(exclude_unset=True)
        if "parent_id" in changes:
            _lock_tree(session, store_id)
            _check_parent(session, store_id, changes["parent_id"], moving=category.id)
            category.parent_id = changes["parent_id"]
        if "names" in changes:
            category.names = clean(changes["names"])
            category.name = display_title(category.names)
        if "slug" in changes and changes["slug"] != category.slug:
            if repository.slug_taken(store_id, changes["slug"], other_than=category.id):
                raise SlugTaken(changes["slug"])
            category.slug = changes["slug"]
        if "position" in changes:
            category.position = changes["position"]
        session.flush()
        return category


def delete_category(
    session: Session, tenant: TenantContext, *, store_id: uuid.UUID, category_id: uuid.UUID
) -> None:
    """Delete a category without subcategories; its products stay, without it."""
    with acting_for(session, tenant):
        repository = CategoryRepository(session)
        category = repository.get_in(store_id, category_id)
        _lock_tree(session, store_id)
        if repository.has_children(category.id):
            raise CategoryHasChildren()
        repository.delete(category)
