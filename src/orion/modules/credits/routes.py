"""Credits routes: the tenant's balance, ledger and holds; operators' grants and checks.

`api` is mounted under /api/v1/credits for tenants with the module enabled, and under
/api/v1/admin/credits/tenants/{tenant_id} for operators acting for a tenant (its balance
and ledger among them); `admin` under /api/v1/admin/credits. Mutations take an optional
`Idempotency-Key` header: a retry with the same key returns the first result and applies
nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import (
    CurrentTenant,
    IdempotencyKey,
    PageDep,
    PlatformAdmin,
    RuntimeDep,
    SessionDep,
    TargetTenant,
    problem_responses,
    require_permission,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.credits import services
from orion.modules.credits.schemas import (
    CreditAdjustmentCreate,
    CreditBalancePublic,
    CreditDeductionCreate,
    CreditHoldCreate,
    CreditHoldPublic,
    CreditHoldSettle,
    CreditHoldsPublic,
    CreditRefundCreate,
    CreditSettingsUpdate,
    CreditTransactionCreate,
    CreditTransactionPublic,
    CreditTransactionsPublic,
    HoldState,
    LedgerCheck,
    TransactionKind,
)

api = APIRouter()
admin = APIRouter()

CanRead = Annotated[Principal, Depends(require_permission("credits.read"))]
CanSpend = Annotated[Principal, Depends(require_permission("credits.spend"))]
CanManage = Annotated[Principal, Depends(require_permission("credits.manage"))]

SPENDING = problem_responses(402, 409, 422)
HOLD = problem_responses(404, 409, 422)


class LedgerFilters:
    def __init__(
        self,
        kind: Annotated[TransactionKind | None, Query()] = None,
        since: Annotated[datetime | None, Query(description="Created at or after")] = None,
        until: Annotated[datetime | None, Query(description="Created before")] = None,
        reference: Annotated[str | None, Query(max_length=200)] = None,
        hold_id: Annotated[uuid.UUID | None, Query()] = None,
    ) -> None:
        self.values = {
            "kind": kind,
            "since": since,
            "until": until,
            "reference": reference,
            "hold_id": hold_id,
        }


Filters = Annotated[LedgerFilters, Depends()]


# -- tenant ------------------------------------------------------------------------------------


@api.get("/balance", responses=problem_responses(404))
def get_balance(session: SessionDep, tenant: CurrentTenant, _: CanRead) -> CreditBalancePublic:
    """What the tenant can spend, and how much of it open holds reserve."""
    return services.balance_summary(session, tenant)


@api.put("/settings")
def put_settings(
    session: SessionDep, tenant: CurrentTenant, _: CanManage, body: CreditSettingsUpdate
) -> CreditBalancePublic:
    """The threshold under which `credits.balance_low` is announced."""
    return services.update_settings(
        session, tenant, low_balance_threshold=body.low_balance_threshold
    )


@api.get("/transactions", response_model=CreditTransactionsPublic, responses=problem_responses(404))
def list_transactions(
    session: SessionDep, tenant: CurrentTenant, _: CanRead, page: PageDep, filters: Filters
) -> ListingResponse:
    """The ledger, newest first."""
    return ListingResponse(
        services.transactions_listing(session, tenant, page=page, **filters.values)
    )


@api.get("/transactions/{transaction_id}", responses=problem_responses(404))
def get_transaction(
    session: SessionDep, tenant: CurrentTenant, _: CanRead, transaction_id: uuid.UUID
) -> CreditTransactionPublic:
    return CreditTransactionPublic.model_validate(
        services.get_transaction(session, tenant, transaction_id)
    )


@api.post("/deductions", status_code=status.HTTP_201_CREATED, responses=SPENDING)
def deduct(
    session: SessionDep,
    runtime: RuntimeDep,
    tenant: CurrentTenant,
    principal: CanSpend,
    body: CreditDeductionCreate,
    key: IdempotencyKey,
) -> CreditTransactionPublic:
    """Charge the tenant; 402 with the balance when it does not cover the amount."""
    charge = {
        "amount": body.amount,
        "reason": body.reason,
        "reference": body.reference,
        "idempotency_key": key or services.new_key(),
        "actor_id": principal.user_id,
    }
    if runtime.database.dialect == "postgresql":
        # The deduction is the route's whole work: committed at once, combined with the
        # tenant's concurrent deductions (services/combiner.py). The request's session is
        # left unused. SQLite serialises its writers anyway, and the request's transaction
        # (authentication's) holds its write lock: there it goes in the request's session.
        return services.deduct_and_commit(runtime.database, tenant, **charge)
    return services.deduct(session, tenant, **charge)


@api.post("/refunds", status_code=status.HTTP_201_CREATED, responses=problem_responses(404, 409))
def refund(
    session: SessionDep,
    tenant: CurrentTenant,
    principal: CanSpend,
    body: CreditRefundCreate,
    key: IdempotencyKey,
) -> CreditTransactionPublic:
    """Give back part or all of a charge."""
    return services.refund(
        session,
        tenant,
        transaction_id=body.transaction_id,
        amount=body.amount,
        reason=body.reason,
        idempotency_key=key or services.new_key(),
        actor_id=principal.user_id,
    )


@api.post("/holds", status_code=status.HTTP_201_CREATED, responses=SPENDING)
def create_hold(
    session: SessionDep,
    tenant: CurrentTenant,
    _: CanSpend,
    body: CreditHoldCreate,
    key: IdempotencyKey,
) -> CreditHoldPublic:
    """Reserve credits for work whose cost is known later."""
    return services.hold(
        session,
        tenant,
        amount=body.amount,
        reason=body.reason,
        reference=body.reference,
        idempotency_key=key or services.new_key(),
        expires_in=timedelta(seconds=body.expires_in_seconds) if body.expires_in_seconds else None,
    )


@api.get("/holds", response_model=CreditHoldsPublic)
def list_holds(
    session: SessionDep,
    tenant: CurrentTenant,
    _: CanRead,
    page: PageDep,
    state: Annotated[HoldState | None, Query()] = None,
) -> ListingResponse:
    return ListingResponse(services.holds_listing(session, tenant, page=page, state=state))


@api.get("/holds/{hold_id}", responses=problem_responses(404))
def get_hold(
    session: SessionDep, tenant: CurrentTenant, _: CanRead, hold_id: uuid.UUID
) -> CreditHoldPublic:
    return CreditHoldPublic.model_validate(services.get_hold(session, tenant, hold_id))


@api.post("/holds/{hold_id}/settle", responses=HOLD)
def settle_hold(
    session: SessionDep,
    tenant: CurrentTenant,
    _: CanSpend,
    hold_id: uuid.UUID,
    body: CreditHoldSettle,
) -> CreditHoldPublic:
    """Close the hold at its actual cost; the rest goes back to the balance."""
    return services.settle(session, tenant, hold_id, amount=body.amount)


@api.post("/holds/{hold_id}/release", responses=HOLD)
def release_hold(
    session: SessionDep, tenant: CurrentTenant, _: CanSpend, hold_id: uuid.UUID
) -> CreditHoldPublic:
    """Give the whole hold back."""
    return services.release(session, tenant, hold_id)


# -- platform ----------------------------------------------------------------------------------


@admin.post(
    "/tenants/{tenant_id}/credits",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(404, 409),
)
def add_credits(
    session: SessionDep,
    operator: PlatformAdmin,
    tenant: TargetTenant,
    body: CreditTransactionCreate,
    key: IdempotencyKey,
) -> CreditTransactionPublic:
    """Grant credits to the tenant (or record a purchase made elsewhere), with a reason."""
    return services.add(
        session,
        tenant,
        amount=body.amount,
        kind=body.kind,
        reason=body.reason,
        reference=body.reference,
        idempotency_key=key or services.new_key(),
        actor_id=operator.user_id,
    )


@admin.post(
    "/tenants/{tenant_id}/adjustments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(402, 404, 409),
)
def adjust_credits(
    session: SessionDep,
    operator: PlatformAdmin,
    tenant: TargetTenant,
    body: CreditAdjustmentCreate,
    key: IdempotencyKey,
) -> CreditTransactionPublic:
    """Correct the balance up or down (never below zero); the reason stays in the ledger."""
    return services.adjust(
        session,
        tenant,
        amount=body.amount,
        reason=body.reason,
        idempotency_key=key or services.new_key(),
        actor_id=operator.user_id,
    )


@admin.get("/ledger-check")
def check_ledger(
    session: SessionDep,
    _: PlatformAdmin,
    only_mismatches: Annotated[bool, Query()] = False,
) -> list[LedgerCheck]:
    """Every tenant's balance against the sum of its ledger."""
    checks = services.verify(session)
    return [check for check in checks if not (only_mismatches and check.ok)]
