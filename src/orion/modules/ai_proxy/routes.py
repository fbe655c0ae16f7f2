"""AI proxy routes: the OpenAI-compatible surface at /v1 (callers use an Orion access token
with the `ai_proxy.use` scope; the tenant is the token's); the tenant's usage, limits and
prices (`api`: its members, and operators acting for it under
/api/v1/admin/ai_proxy/tenants/{tenant_id}, who also set its limits); the operators'
model catalogue (`admin`)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, Response

from orion.kernel.contract.principal import Principal
from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import FieldError, OrionError, ValidationFailed
from orion.kernel.web.dependencies import (
    CurrentTenant,
    PageDep,
    PlatformAdmin,
    PlatformId,
    SessionDep,
    problem_responses,
    require_permission,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.ai_proxy import service
from orion.modules.ai_proxy.exceptions import ModelNotFound
from orion.modules.ai_proxy.gateway import gateway_of
from orion.modules.ai_proxy.schemas import (
    AiModelCreate,
    AiModelPublic,
    AiModelsPublic,
    AiModelUpdate,
    AiTenantLimitsPublic,
    AiTenantLimitsUpdate,
    AiUsagesPublic,
    AiUsageTotalsPublic,
    ChatCompletionCreate,
    EmbeddingCreate,
)

gateway = APIRouter()
api = APIRouter()
admin = APIRouter()

CanCall = Annotated[Principal, Depends(require_permission("ai_proxy.use"))]
CanRead = Annotated[Principal, Depends(require_permission("ai_proxy.read"))]
CALL_ERRORS = problem_responses(402, 404, 429, 502, 504)
NOT_FOUND = problem_responses(404)
SAVING = problem_responses(409, 422)
MAX_TOTALS_DAYS = 366


# -- /v1 ---------------------------------------------------------------------------------------


@gateway.post("/chat/completions", responses=CALL_ERRORS)
async def chat_completions(
    request: Request, principal: CanCall, body: ChatCompletionCreate
) -> Response:
    """OpenAI's chat completions, streamed (`stream: true`, server-sent events) or not.
    The call's worst case is held in credits first; what the provider reports is settled."""
    return await gateway_of(request.app.state.runtime).chat(request, principal, body)


@gateway.post("/embeddings", responses=CALL_ERRORS)
async def embeddings(request: Request, principal: CanCall, body: EmbeddingCreate) -> Response:
    return await gateway_of(request.app.state.runtime).embeddings(request, principal, body)


@gateway.get("/models")
def models(session: SessionDep, tenant: CurrentTenant, _: CanCall) -> dict[str, Any]:
    """The models the tenant may call, in OpenAI's list shape."""
    return {"object": "list", "data": [_openai_model(row) for row in _offered(session, tenant)]}


@gateway.get("/models/{model:path}", responses=NOT_FOUND)
def model(session: SessionDep, tenant: CurrentTenant, _: CanCall, model: str) -> dict[str, Any]:
    for row in _offered(session, tenant):
        if row.name == model:
            return _openai_model(row)
    raise ModelNotFound(model)


def _offered(session: SessionDep, tenant: TenantContext) -> list[Any]:
    assert tenant.platform_id is not None
    rows, _ = service.list_models(
        session, tenant.platform_id, page=Page(limit=500, offset=0), active_only=True
    )
    return rows


def _openai_model(row: Any) -> dict[str, Any]:
    return {
        "id": row.name,
        "object": "model",
        "created": int(row.created_at.timestamp()),
        "owned_by": row.provider,
    }


OPENAI_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_quota",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def openai_problem(request: Request, error: OrionError) -> Response:
    """Errors under /v1 in OpenAI's shape, so its clients and SDKs read them; Orion's own
    `code` and context (balance, estimate, retry_after) ride along."""
    param = error.extra.get("param")
    if param is None and error.errors:
        param = error.errors[0].field
    body: dict[str, Any] = {
        "message": error.message,
        "type": OPENAI_ERROR_TYPES.get(error.status, "api_error"),
        "param": param,
        "code": error.code,
    }
    body.update({k: v for k, v in error.extra.items() if k not in body})
    if isinstance(error, ValidationFailed) and error.errors:
        body["errors"] = [e.as_dict() for e in error.errors]
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return JSONResponse({"error": body}, status_code=error.status, headers=error.headers)


# -- the tenant's usage ------------------------------------------------------------------------


@api.get("/usage", response_model=AiUsagesPublic)
def list_usage(
    session: SessionDep,
    tenant: CurrentTenant,
    _: CanRead,
    page: PageDep,
    model: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(pattern="^(ok|failed|disconnected)$")] = None,
) -> ListingResponse:
    """One record per call, newest first."""
    return ListingResponse(
        service.usage_listing(session, tenant, page=page, model=model, status=status)
    )


@api.get("/usage/totals", responses=problem_responses(422))
def usage_totals(
    session: SessionDep,
    tenant: CurrentTenant,
    _: CanRead,
    since: date | None = None,
    until: date | None = None,
) -> AiUsageTotalsPublic:
    """Calls, tokens and credits by day and model (default: the last 30 days)."""
    until = until or utcnow().date()
    since = since or until - timedelta(days=29)
    if since > until:
        raise ValidationFailed("since is after until", errors=[FieldError("since", "after until")])
    if (until - since).days >= MAX_TOTALS_DAYS:
        raise ValidationFailed(
            f"at most {MAX_TOTALS_DAYS} days", errors=[FieldError("since", "too far back")]
        )
    rows = service.usage_totals(session, tenant, since=since, until=until)
    return AiUsageTotalsPublic(data=rows, since=since, until=until)


@api.get("/limits")
def tenant_limits(session: SessionDep, tenant: CurrentTenant, _: CanRead) -> AiTenantLimitsPublic:
    return service.limits_public(session, tenant)


@api.put("/limits", responses=problem_responses(403, 404, 422))
def set_tenant_limits(
    session: SessionDep, tenant: CurrentTenant, _: PlatformAdmin, body: AiTenantLimitsUpdate
) -> AiTenantLimitsPublic:
    """The tenant's own limits (operators only); a null field takes the deployment's default."""
    return service.set_limits(session, tenant, data=body)


@api.get("/models", response_model=AiModelsPublic)
def tenant_models(session: SessionDep, tenant: CurrentTenant, _: CanRead) -> ListingResponse:
    """The models offered to the tenant, with their prices (credits per million tokens)."""
    assert tenant.platform_id is not None
    offered = service.models_listing(
        session, tenant.platform_id, page=Page(limit=500, offset=0), active_only=True
    )
    return ListingResponse(offered)


# -- operators ---------------------------------------------------------------------------------


@admin.get("/models", response_model=AiModelsPublic)
def list_models(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, page: PageDep
) -> ListingResponse:
    return ListingResponse(service.models_listing(session, platform_id, page=page))


@admin.post("/models", status_code=status.HTTP_201_CREATED, responses=SAVING)
def create_model(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, body: AiModelCreate
) -> AiModelPublic:
    """Offer a model to the platform's tenants at a price (credits per million tokens)."""
    return AiModelPublic.model_validate(service.create_model(session, platform_id, data=body))


@admin.get("/models/{model_id}", responses=NOT_FOUND)
def get_model(session: SessionDep, _: PlatformAdmin, model_id: uuid.UUID) -> AiModelPublic:
    return AiModelPublic.model_validate(service.get_model(session, model_id))


@admin.patch("/models/{model_id}", responses=NOT_FOUND | SAVING)
def update_model(
    session: SessionDep, _: PlatformAdmin, model_id: uuid.UUID, body: AiModelUpdate
) -> AiModelPublic:
    return AiModelPublic.model_validate(service.update_model(session, model_id, data=body))


@admin.delete("/models/{model_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_model(session: SessionDep, _: PlatformAdmin, model_id: uuid.UUID) -> None:
    service.delete_model(session, model_id)
