"""Queries on the AI proxy's models: a platform's catalogue, and the session tenant's limits
and usage (filtered to it by the kernel)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, case, func, select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.ai_proxy.exceptions import ModelNotFound
from orion.modules.ai_proxy.models import AiModel, AiTenantLimits, AiUsage


class AiModelRepository(RepositoryBase[AiModel]):
    model = AiModel
    not_found = ModelNotFound

    def get(self, id: uuid.UUID, *, options: Sequence[Any] = (), lock: bool = False) -> AiModel:
        row = self.find(id, options=options, lock=lock)
        if row is None:
            raise ModelNotFound(str(id))  # it names the model as the caller did
        return row

    def of_platform(self, platform_id: uuid.UUID, *, active_only: bool = False) -> Select[Any]:
        query = self.select().where(AiModel.platform_id == platform_id)
        return query.where(AiModel.is_active.is_(True)) if active_only else query

    def names(self, platform_id: uuid.UUID) -> set[str]:
        return set(
            self.session.scalars(select(AiModel.name).where(AiModel.platform_id == platform_id))
        )

    def kinds(self, platform_id: uuid.UUID, names: Collection[str]) -> dict[str, str]:
        """The kind of each of `names` that is a model of the platform."""
        query = select(AiModel.name, AiModel.kind).where(
            AiModel.platform_id == platform_id, AiModel.name.in_(names)
        )
        return {name: kind for name, kind in self.session.execute(query)}

    def offered(self, platform_id: uuid.UUID, name: str) -> AiModel | None:
        return self.first(
            self.of_platform(platform_id, active_only=True).where(AiModel.name == name)
        )

    def offered_of_kind(
        self, platform_id: uuid.UUID, names: Collection[str], kind: str
    ) -> dict[str, AiModel]:
        query = self.of_platform(platform_id, active_only=True).where(
            AiModel.name.in_(names), AiModel.kind == kind
        )
        return {row.name: row for row in self.list(query)}


class AiTenantLimitsRepository(RepositoryBase[AiTenantLimits]):
    model = AiTenantLimits

    def own(self) -> AiTenantLimits | None:
        """The session tenant's overrides (one row at most)."""
        return self.first(self.select())


class AiUsageRepository(RepositoryBase[AiUsage]):
    model = AiUsage

    def matching(
        self,
        *,
        model: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[Any]:
        query = self.select()
        if model is not None:
            query = query.where(AiUsage.model == model)
        if status is not None:
            query = query.where(AiUsage.status == status)
        if since is not None:
            query = query.where(AiUsage.created_at >= since)
        if until is not None:
            query = query.where(AiUsage.created_at < until)
        return query

    def totals(self, since: datetime, until: datetime) -> Sequence[Row[Any]]:
        """(day, model, calls, failed, input tokens, output tokens, cost) for calls made in
        [since, until), by day and model."""
        day = func.date(AiUsage.created_at)
        query = (
            select(
                day,
                AiUsage.model,
                func.count(),
                func.sum(case((AiUsage.status == "failed", 1), else_=0)),
                func.sum(AiUsage.input_tokens),
                func.sum(AiUsage.output_tokens),
                func.sum(AiUsage.cost),
            )
            .where(AiUsage.created_at >= since, AiUsage.created_at < until)
            .group_by(day, AiUsage.model)
            .order_by(day, AiUsage.model)
        )
        return self.session.execute(query).all()
