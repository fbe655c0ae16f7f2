"""The AI proxy's data: the model catalogue, rate limits, usage records, and the two
database halves of a call around the upstream request (`open_call`, `close_call`).

Functions take the session first; they flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import structlog
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.errors import FieldError, OrionError
from orion.kernel.runtime import Runtime, runtime_of
from orion.modules.ai_proxy.exceptions import (
    CreditsExhausted,
    InvalidModel,
    ModelNameTaken,
    ModelNotFound,
    WrongModelKind,
)
from orion.modules.ai_proxy.metering import (
    BYTES_PER_TOKEN_ESTIMATE,
    Price,
    input_token_bound,
    output_token_cap,
)
from orion.modules.ai_proxy.models import AiModel, AiTenantLimits, AiUsage
from orion.modules.ai_proxy.ratelimit import Limits
from orion.modules.ai_proxy.repository import (
    AiModelRepository,
    AiTenantLimitsRepository,
    AiUsageRepository,
)
from orion.modules.ai_proxy.schemas import (
    AiModelCreate,
    AiModelsPublic,
    AiModelUpdate,
    AiTenantLimitsPublic,
    AiTenantLimitsUpdate,
    AiUsagesPublic,
    AiUsageTotal,
    ModelKind,
    ModelProvider,
)
from orion.modules.ai_proxy.settings import AiProxySettings
from orion.modules.api_keys import service as api_keys
from orion.modules.credits import services as credits

log = structlog.get_logger(__name__)


def settings_of(runtime: Runtime) -> AiProxySettings:
    cached = runtime.extras.get("ai_proxy.settings")
    if cached is None:
        cached = AiProxySettings.model_validate(runtime.settings.modules.get("ai_proxy", {}))
        runtime.extras["ai_proxy.settings"] = cached
    return cached


# -- the catalogue -----------------------------------------------------------------------------


def list_models(
    session: Session, platform_id: uuid.UUID, *, page: Page, active_only: bool = False
) -> tuple[list[AiModel], int]:
    models = AiModelRepository(session)
    return models.page(models.of_platform(platform_id, active_only=active_only), page, AiModel.name)


def models_listing(
    session: Session, platform_id: uuid.UUID, *, page: Page, active_only: bool = False
) -> AiModelsPublic:
    """The catalogue's list routes (`list_models` gives ORM rows)."""
    models = AiModelRepository(session)
    query = models.of_platform(platform_id, active_only=active_only)
    return models.listing(AiModelsPublic, query, page, AiModel.name)


def get_model(session: Session, model_id: uuid.UUID) -> AiModel:
    return AiModelRepository(session).get(model_id)


def create_model(session: Session, platform_id: uuid.UUID, *, data: AiModelCreate) -> AiModel:
    if data.kind is ModelKind.EMBEDDING and data.provider is ModelProvider.ANTHROPIC:
        raise InvalidModel(
            "Anthropic offers no embeddings",
            errors=[FieldError("kind", "anthropic models are chat models")],
        )
    row = AiModel(
        platform_id=platform_id,
        name=data.name,
        kind=data.kind.value,
        provider=data.provider.value,
        upstream_model=data.upstream_model or data.name,
        input_price=data.input_price,
        output_price=data.output_price,
        max_output_tokens=data.max_output_tokens,
        fallbacks=[],
        is_active=data.is_active,
    )
    _set_fallbacks(session, row, data.fallbacks)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ModelNameTaken(
            f"a model named {data.name!r} exists on this platform",
            errors=[FieldError("name", "taken on this platform")],
        ) from None
    return row


def update_model(session: Session, model_id: uuid.UUID, *, data: AiModelUpdate) -> AiModel:
    row = get_model(session, model_id)
    if data.fallbacks is not None:
        _set_fallbacks(session, row, data.fallbacks)  # checked before anything changes
    for name in ("upstream_model", "input_price", "output_price", "max_output_tokens"):
        value = getattr(data, name)
        if value is not None:
            setattr(row, name, value)
    if data.is_active is not None:
        row.is_active = data.is_active
    session.flush()
    return row


def delete_model(session: Session, model_id: uuid.UUID) -> None:
    models = AiModelRepository(session)
    models.delete(models.get(model_id))


def _set_fallbacks(session: Session, row: AiModel, names: list[str]) -> None:
    problems = []
    if row.name in names:
        problems.append(f"{row.name} cannot fall back to itself")
    if len(set(names)) != len(names):
        problems.append("a fallback is named twice")
    known = AiModelRepository(session).kinds(row.platform_id, names)
    problems += [f"{name} is not a model of this platform" for name in names if name not in known]
    problems += [
        f"{name} is a {known[name]} model"
        for name in names
        if known.get(name, row.kind) != row.kind
    ]
    if problems:
        raise InvalidModel(
            "; ".join(problems), errors=[FieldError("fallbacks", p) for p in problems]
        )
    row.fallbacks = list(names)


# -- rate limits -------------------------------------------------------------------------------


def limits_for(session: Session, tenant: TenantContext) -> Limits:
    """The tenant's rate limits: its own where an operator set them, else the defaults."""
    defaults = settings_of(runtime_of(session))
    own = own_limits(session, tenant)

    def pick(name: str) -> int:
        value = getattr(own, name) if own is not None else None
        return int(value if value is not None else getattr(defaults, name))

    return Limits(
        requests_per_minute=pick("requests_per_minute"),
        tokens_per_minute=pick("tokens_per_minute"),
        token_requests_per_minute=pick("token_requests_per_minute"),
        token_tokens_per_minute=pick("token_tokens_per_minute"),
    )


def own_limits(session: Session, tenant: TenantContext) -> AiTenantLimits | None:
    """The tenant's own overrides, if an operator set any."""
    with acting_for(session, tenant):
        return AiTenantLimitsRepository(session).own()


def limits_public(session: Session, tenant: TenantContext) -> AiTenantLimitsPublic:
    limits = limits_for(session, tenant)
    return AiTenantLimitsPublic(tenant_id=tenant.tenant_id, **asdict(limits))


def set_limits(
    session: Session, tenant: TenantContext, *, data: AiTenantLimitsUpdate
) -> AiTenantLimitsPublic:
    with acting_for(session, tenant):
        row = own_limits(session, tenant) or AiTenantLimits()
        for name, value in data.model_dump().items():
            setattr(row, name, value)
        AiTenantLimitsRepository(session).add(row)
        return limits_public(session, tenant)


# -- a call ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A model a call may be served by, with the key it is called with."""

    name: str
    provider: str
    upstream_model: str
    price: Price
    max_output_tokens: int
    base_url: str
    key_source: str
    api_key: str = field(repr=False)  # never in a log line


@dataclass(frozen=True, slots=True)
class Route:
    """What serves a model for a tenant: the model, then its fallbacks that have a key,
    and the tenant's rate limits. It depends on no request: the gateway keeps it briefly."""

    kind: ModelKind
    candidates: tuple[Candidate, ...]
    limits: Limits


def route(session: Session, tenant: TenantContext, name: str, kind: ModelKind) -> Route:
    """The model `name` of the tenant's platform and its fallbacks, each with the key it
    is called with (the tenant's own, else the platform's); a fallback without a key is
    skipped, the model itself without one is a 404."""
    assert tenant.platform_id is not None
    candidates = []
    for model in _chain(AiModelRepository(session), tenant.platform_id, name, kind):
        try:
            key = api_keys.resolve_key(session, tenant, model.provider)
        except OrionError as exc:
            # Errors are told apart by their stable code (modules share services, not
            # exception classes).
            if exc.code != "no_provider_key" or model.name == name:
                raise
            continue
        candidates.append(
            Candidate(
                name=model.name,
                provider=model.provider,
                upstream_model=model.upstream_model,
                price=Price(model.input_price, model.output_price),
                max_output_tokens=model.max_output_tokens,
                base_url=key.base_url,
                key_source=key.source,
                api_key=key.api_key.get_secret_value(),
            )
        )
    return Route(kind=kind, candidates=tuple(candidates), limits=limits_for(session, tenant))


@dataclass(slots=True)
class Call:
    """One call through the proxy, from its hold to its usage record."""

    tenant: TenantContext
    principal: str
    user_id: uuid.UUID | None
    request_id: str | None
    endpoint: str
    model: str
    stream: bool
    input_bound: int
    output_cap: int | None  # what the caller asked for, if anything
    route: Route
    held: int = 0
    hold_id: uuid.UUID | None = None
    attempts: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.route.candidates

    @property
    def limits(self) -> Limits:
        return self.route.limits

    def cap(self, candidate: Candidate) -> int:
        """The most output `candidate` may produce for this call."""
        return output_token_cap(self.output_cap, candidate.max_output_tokens)

    def worst_case(self, candidate: Candidate) -> int:
        output = self.cap(candidate) if self.route.kind is ModelKind.CHAT else 0
        return candidate.price.cost(self.input_bound, output)

    @property
    def input_estimate(self) -> int:
        """The input tokens billed when the provider never said (a cut stream)."""
        return -(-self.input_bound // BYTES_PER_TOKEN_ESTIMATE)


def open_call(
    session: Session,
    tenant: TenantContext,
    route: Route,
    *,
    principal: str,
    user_id: uuid.UUID | None,
    request_id: str | None,
    endpoint: str,
    body: dict[str, Any],
    output_cap: int | None,
) -> Call:
    """Everything before the upstream request, in one statement: a hold of the worst case
    over the route's models (402 when the balance lacks it, before any upstream call). The
    route comes from the gateway's cache; the session needs no tenant setting."""
    name = body["model"]
    call = Call(
        tenant=tenant,
        principal=principal,
        user_id=user_id,
        request_id=request_id,
        endpoint=endpoint,
        model=name,
        stream=bool(body.get("stream")),
        input_bound=input_token_bound(body),
        output_cap=output_cap,
        route=route,
    )
    worst = max(call.worst_case(candidate) for candidate in route.candidates)
    if worst > 0:
        runtime = runtime_of(session)
        try:
            call.hold_id = credits.metered.hold_call(
                session,
                tenant,
                amount=worst,
                idempotency_key=f"ai_proxy:{uuid.uuid4()}",
                reason=f"AI call: {name}",
                reference=request_id,
                expires_in=timedelta(minutes=settings_of(runtime).hold_minutes),
            )
        except OrionError as exc:
            if exc.code != "insufficient_credits":
                raise
            raise CreditsExhausted(balance=exc.extra["balance"], estimate=worst) from None
        call.held = worst
    return call


def _chain(
    models: AiModelRepository, platform_id: uuid.UUID, name: str, kind: ModelKind
) -> list[AiModel]:
    primary = models.offered(platform_id, name)
    if primary is None:
        raise ModelNotFound(name)
    if primary.kind != kind:
        raise WrongModelKind(name, primary.kind)
    if not primary.fallbacks:
        return [primary]
    found = models.offered_of_kind(platform_id, primary.fallbacks, kind)
    return [primary, *(found[n] for n in primary.fallbacks if n in found)]


@dataclass(slots=True)
class Outcome:
    status: str  # ok, failed, disconnected
    served_by: Candidate | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    usage_estimated: bool = False
    attempts: int = 1
    latency_ms: int = 0
    error: str | None = None


RECORD_USAGE = insert(AiUsage.__table__)  # built (and compiled) once; a call binds its values


def close_call(session: Session, call: Call, outcome: Outcome) -> uuid.UUID:
    """Everything after: settle the hold to what the provider produced (release it when
    nothing was), and record the call's usage: two statements, committed together before
    the answer leaves, so a call answered is a call charged and recorded. The session needs
    no tenant setting: both statements name the call's tenant. The usage record's id."""
    cost = 0
    if outcome.served_by is not None and (outcome.input_tokens or outcome.output_tokens):
        cost = outcome.served_by.price.cost(outcome.input_tokens, outcome.output_tokens)
    if call.hold_id is not None:
        credits.metered.settle_call(session, call.tenant, call.hold_id, held=call.held, cost=cost)
    served = outcome.served_by
    record_id = uuid.uuid4()
    session.execute(
        RECORD_USAGE,
        dict(
            id=record_id,
            tenant_id=call.tenant.tenant_id,
            request_id=call.request_id,
            principal=call.principal,
            user_id=call.user_id,
            endpoint=call.endpoint,
            model=call.model,
            served_by=served.name if served else None,
            provider=served.provider if served else None,
            key_source=served.key_source if served else None,
            stream=call.stream,
            input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens,
            usage_estimated=outcome.usage_estimated,
            held=call.held,
            cost=cost,
            hold_id=call.hold_id,
            attempts=outcome.attempts,
            latency_ms=outcome.latency_ms,
            status=outcome.status,
            error=(outcome.error or None) and outcome.error[:500],
            details=call.details or None,
            created_at=utcnow(),
        ),
    )
    return record_id


# -- usage -------------------------------------------------------------------------------------


def list_usage(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    model: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AiUsage], int]:
    with acting_for(session, tenant):
        usage = AiUsageRepository(session)
        query = usage.matching(model=model, status=status, since=since, until=until)
        return usage.page(query, page, AiUsage.created_at.desc())


def usage_listing(
    session: Session,
    tenant: TenantContext,
    *,
    page: Page,
    model: str | None = None,
    status: str | None = None,
) -> AiUsagesPublic:
    """The usage list route: one record per call, newest first (`list_usage`: ORM rows)."""
    with acting_for(session, tenant):
        usage = AiUsageRepository(session)
        query = usage.matching(model=model, status=status, since=None, until=None)
        return usage.listing(AiUsagesPublic, query, page, AiUsage.created_at.desc())


def usage_totals(
    session: Session, tenant: TenantContext, *, since: date, until: date
) -> list[AiUsageTotal]:
    """Requests, tokens and credits by day and model, for days in [since, until]."""
    with acting_for(session, tenant):
        rows = AiUsageRepository(session).totals(
            datetime.combine(since, time.min, tzinfo=UTC),
            datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC),
        )
    return [
        AiUsageTotal(
            day=date.fromisoformat(str(when)),
            model=model,
            requests=int(count),
            failed=int(failed or 0),
            input_tokens=int(tokens_in or 0),
            output_tokens=int(tokens_out or 0),
            cost=int(cost or 0),
        )
        for when, model, count, failed, tokens_in, tokens_out, cost in rows
    ]


# -- demo --------------------------------------------------------------------------------------

DEMO_MODELS = (
    AiModelCreate(
        name="claude-haiku-4-5",
        provider=ModelProvider.ANTHROPIC,
        input_price=1_000_000,
        output_price=5_000_000,
        max_output_tokens=8192,
    ),
    AiModelCreate(
        name="gpt-4o-mini",
        provider=ModelProvider.OPENAI,
        input_price=150_000,
        output_price=600_000,
        max_output_tokens=16_384,
        fallbacks=["claude-haiku-4-5"],
    ),
    AiModelCreate(
        name="text-embedding-3-small",
        kind=ModelKind.EMBEDDING,
        provider=ModelProvider.OPENAI,
        input_price=20_000,
    ),
)


def seed_demo_catalogue(session: Session, runtime: Runtime) -> None:
    """`orion demo`'s catalogue on the default platform (calls need a provider key: the
    tenant's own, or one the platform shares)."""
    platform_id = runtime.directory.default_platform_id(session)
    existing = AiModelRepository(session).names(platform_id)
    for data in DEMO_MODELS:
        if data.name not in existing:
            create_model(session, platform_id, data=data)
    session.flush()
