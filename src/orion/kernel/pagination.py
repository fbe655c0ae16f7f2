"""Pages of rows: `limit`/`offset` in, `(rows, count)` out. No FastAPI here, so services
can use it; routes take it through `orion.kernel.web.PageDep`."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Page(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


def paginate(
    session: Session, query: Select[tuple[T]], page: Page | None, *order_by: Any
) -> tuple[list[T], int]:
    """One page of `query`'s rows (in `order_by` order) and how many rows it has in all."""
    page = page or Page()
    count = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.order_by(*order_by).limit(page.limit).offset(page.offset))
    return list(rows.all()), count or 0
