"""Billing routes.

`api` (/api/v1/billing, and /api/v1/admin/billing/tenants/{tenant_id} for operators acting
for a tenant): plans offered, the tenant's subscription, usage and Stripe Checkout.
`admin` (/api/v1/admin/billing): plans and every tenant's subscription.
`public` (/api/v1/public/billing): the Stripe webhook endpoint (signed, no sign-in).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, status

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import (
    CurrentTenant,
    PageDep,
    PlatformAdmin,
    PlatformId,
    RuntimeDep,
    SessionDep,
    problem_responses,
    require_permission,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.billing import services, webhooks
from orion.modules.billing.schemas import (
    CheckoutSessionCreate,
    CheckoutSessionPublic,
    PlanChangePublic,
    ProrationPublic,
    SetupSessionCreate,
    SubscriptionCancel,
    SubscriptionPlanCreate,
    SubscriptionPlanPublic,
    SubscriptionPlansPublic,
    SubscriptionPlanUpdate,
    SubscriptionStatus,
    UsagePublic,
    UserSubscriptionCreate,
    UserSubscriptionPublic,
    UserSubscriptionsPublic,
    UserSubscriptionUpdate,
    WebhookReceipt,
)

api = APIRouter()
admin = APIRouter()
public = APIRouter()

CanRead = Annotated[Principal, Depends(require_permission("billing.read"))]
CanManage = Annotated[Principal, Depends(require_permission("billing.manage"))]


# -- tenant ------------------------------------------------------------------------------------


@api.get("/plans", response_model=SubscriptionPlansPublic)
def list_offered_plans(
    session: SessionDep, tenant: CurrentTenant, _: CanRead, page: PageDep
) -> ListingResponse:
    """The plans the tenant may subscribe to, cheapest first."""
    return ListingResponse(services.offered_plans_listing(session, tenant, page=page))


@api.get("/subscription", responses=problem_responses(404))
def get_subscription(
    session: SessionDep, tenant: CurrentTenant, _: CanRead
) -> UserSubscriptionPublic:
    return UserSubscriptionPublic.model_validate(services.get_subscription(session, tenant))


@api.post(
    "/subscription",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422, 502, 503),
)
def subscribe(
    session: SessionDep, tenant: CurrentTenant, principal: CanManage, body: UserSubscriptionCreate
) -> UserSubscriptionPublic:
    """Subscribe the tenant to a plan (a trial first when the plan has one)."""
    subscription = services.subscribe(session, tenant, user_id=principal.user_id, data=body)
    return UserSubscriptionPublic.model_validate(subscription)


@api.patch("/subscription", responses=problem_responses(404, 409, 422, 502, 503))
def change_plan(
    session: SessionDep, tenant: CurrentTenant, principal: CanManage, body: UserSubscriptionUpdate
) -> PlanChangePublic:
    """Move to another plan now; the rest of the period is prorated."""
    subscription, proration = services.change_plan(
        session, tenant, user_id=principal.user_id, data=body
    )
    return PlanChangePublic(
        subscription=UserSubscriptionPublic.model_validate(subscription),
        proration=ProrationPublic.model_validate(proration),
    )


@api.post("/subscription/cancel", responses=problem_responses(404, 409, 502, 503))
def cancel(
    session: SessionDep, tenant: CurrentTenant, _: CanManage, body: SubscriptionCancel
) -> UserSubscriptionPublic:
    """Cancel at the end of the period (default) or now."""
    return UserSubscriptionPublic.model_validate(services.cancel(session, tenant, data=body))


@api.post("/subscription/resume", responses=problem_responses(404, 409, 502, 503))
def resume(session: SessionDep, tenant: CurrentTenant, _: CanManage) -> UserSubscriptionPublic:
    """Take back a cancellation scheduled for the end of the period."""
    return UserSubscriptionPublic.model_validate(services.resume(session, tenant))


@api.get("/usage")
def get_usage(session: SessionDep, tenant: CurrentTenant, _: CanRead) -> UsagePublic:
    """What the tenant uses of each limit of its plan."""
    return services.usage(session, tenant)


@api.post("/checkout", responses=problem_responses(409, 422, 502, 503))
def checkout(
    session: SessionDep, tenant: CurrentTenant, principal: CanManage, body: CheckoutSessionCreate
) -> CheckoutSessionPublic:
    """A Stripe Checkout page to pay for a plan; the subscription follows by webhook."""
    return services.checkout_session(session, tenant, user_id=principal.user_id, data=body)


@api.post("/payment-method", responses=problem_responses(404, 502, 503))
def payment_method(
    session: SessionDep, tenant: CurrentTenant, _: CanManage, body: SetupSessionCreate
) -> CheckoutSessionPublic:
    """A Stripe Checkout page (setup mode) to store a payment method."""
    return services.setup_session(session, tenant, data=body)


# -- Stripe webhooks ---------------------------------------------------------------------------


@public.post("/stripe/webhook", responses=problem_responses(400, 503))
async def stripe_webhook(
    request: Request,
    runtime: RuntimeDep,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookReceipt:
    """Stripe's webhook endpoint: the signature is checked on the raw body; each event is
    stored once and processed in the background."""
    from fastapi.concurrency import run_in_threadpool

    payload = await request.body()

    def receive() -> WebhookReceipt:
        with runtime.database.unit_of_work() as session:
            return webhooks.receive(session, payload=payload, signature=stripe_signature)

    return await run_in_threadpool(receive)


# -- platform ----------------------------------------------------------------------------------


@admin.get("/plans", response_model=SubscriptionPlansPublic)
def list_plans(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, page: PageDep
) -> ListingResponse:
    return ListingResponse(services.plans_listing(session, platform_id, page=page))


@admin.post(
    "/plans", status_code=status.HTTP_201_CREATED, responses=problem_responses(404, 409, 422)
)
def create_plan(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, body: SubscriptionPlanCreate
) -> SubscriptionPlanPublic:
    plan = services.create_plan(session, platform_id, data=body)
    return SubscriptionPlanPublic.model_validate(plan)


@admin.get("/plans/{plan_id}", responses=problem_responses(404))
def get_plan(session: SessionDep, _: PlatformAdmin, plan_id: uuid.UUID) -> SubscriptionPlanPublic:
    return SubscriptionPlanPublic.model_validate(services.get_plan(session, plan_id))


@admin.patch("/plans/{plan_id}", responses=problem_responses(404, 422))
def update_plan(
    session: SessionDep, _: PlatformAdmin, plan_id: uuid.UUID, body: SubscriptionPlanUpdate
) -> SubscriptionPlanPublic:
    plan = services.update_plan(session, plan_id, data=body)
    return SubscriptionPlanPublic.model_validate(plan)


@admin.delete(
    "/plans/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409),
)
def delete_plan(session: SessionDep, _: PlatformAdmin, plan_id: uuid.UUID) -> None:
    """Delete a plan nobody used; retire a used one with PATCH is_active=false."""
    services.delete_plan(session, plan_id)


@admin.get("/subscriptions", response_model=UserSubscriptionsPublic)
def list_subscriptions(
    session: SessionDep,
    _: PlatformAdmin,
    page: PageDep,
    platform_id: Annotated[uuid.UUID | None, Query()] = None,
    status: Annotated[SubscriptionStatus | None, Query()] = None,
    plan_id: Annotated[uuid.UUID | None, Query()] = None,
) -> ListingResponse:
    return ListingResponse(
        services.all_subscriptions_listing(
            session, page=page, platform_id=platform_id, status=status, plan_id=plan_id
        )
    )


@admin.get("/subscriptions/{subscription_id}", responses=problem_responses(404))
def get_any_subscription(
    session: SessionDep, _: PlatformAdmin, subscription_id: uuid.UUID
) -> UserSubscriptionPublic:
    return UserSubscriptionPublic.model_validate(
        services.get_any_subscription(session, subscription_id)
    )
