"""Queries on the billing models. Plans belong to a platform, not a tenant; the other rows
are tenant-owned and filtered by the kernel to the tenant the session acts for."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.billing.exceptions import PlanNotFound, SubscriptionNotFound
from orion.modules.billing.models import SubscriptionPlan, UsageCounter, UserSubscription


class PlanRepository(RepositoryBase[SubscriptionPlan]):
    model = SubscriptionPlan
    not_found = PlanNotFound
    label = "plan"

    def of_platform(self, platform_id: uuid.UUID, *, active_only: bool = False) -> Select[Any]:
        query = self.select().where(SubscriptionPlan.platform_id == platform_id)
        if active_only:
            query = query.where(SubscriptionPlan.is_active.is_(True))
        return query

    def by_code(self, platform_id: uuid.UUID, code: str) -> SubscriptionPlan | None:
        return self.first(self.of_platform(platform_id).where(SubscriptionPlan.code == code))

    def by_price(self, platform_id: uuid.UUID | None, price: str) -> SubscriptionPlan | None:
        return self.first(
            self.select().where(
                SubscriptionPlan.platform_id == platform_id,
                SubscriptionPlan.stripe_price_id == price,
            )
        )

    def default_of(self, platform_id: uuid.UUID) -> SubscriptionPlan | None:
        """The platform's default plan (the limits of tenants with no live subscription)."""
        return self.first(
            self.of_platform(platform_id, active_only=True).where(
                SubscriptionPlan.is_default.is_(True)
            )
        )


class SubscriptionRepository(RepositoryBase[UserSubscription]):
    model = UserSubscription
    not_found = SubscriptionNotFound
    label = "subscription"

    def current(self, *, lock: bool = False) -> UserSubscription | None:
        """The tenant's subscription row (a tenant has one); `lock` holds it until commit
        and reads it as it is after the wait."""
        query = self.select()
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.first(query)


class UsageCounterRepository(RepositoryBase[UsageCounter]):
    model = UsageCounter

    def period_of(self, counter: str) -> Any:
        """(used, period_start) of the tenant's `counter`, or None before its first use."""
        return self.session.execute(
            select(UsageCounter.used, UsageCounter.period_start).where(
                UsageCounter.counter == counter
            )
        ).first()
