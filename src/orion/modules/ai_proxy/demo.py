"""`orion demo`'s AI calls: a few calls per demo tenant, gone through the gateway's own two
database halves (`open_call` holds the worst case, `close_call` settles it and records the
usage), so the credit history, the balance and the AI usage page tell the same story. No
provider is called: the demo has no key; the tokens are what such calls report."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.kernel.runtime import Runtime
from orion.modules.ai_proxy.metering import Price
from orion.modules.ai_proxy.models import AiModel, AiUsage
from orion.modules.ai_proxy.repository import AiModelRepository
from orion.modules.ai_proxy.schemas import ModelKind
from orion.modules.ai_proxy.service import (
    Candidate,
    Outcome,
    Route,
    close_call,
    limits_for,
    open_call,
    seed_demo_catalogue,
)
from orion.modules.tenancy import services as tenancy


@dataclass(frozen=True)
class DemoCall:
    request_id: str
    model: str
    prompt: str
    input_tokens: int
    output_tokens: int
    latency_ms: int


DEMO_CALLS = (
    DemoCall(
        "demo-1",
        "claude-haiku-4-5",
        "Write a two-sentence description of our house espresso blend for the shop.",
        28,
        96,
        1840,
    ),
    DemoCall(
        "demo-2",
        "gpt-4o-mini",
        "Translate this product description into French and German, keeping it short.",
        142,
        230,
        2210,
    ),
    DemoCall(
        "demo-3",
        "text-embedding-3-small",
        "House espresso blend; Single origin Ethiopia; Decaf Colombia; Moka pot",
        18,
        0,
        120,
    ),
)
ENDPOINTS = {ModelKind.CHAT: "chat.completions", ModelKind.EMBEDDING: "embeddings"}


def record_demo_calls(session: Session, runtime: Runtime) -> None:
    """Once per demo tenant (a second run finds its calls and adds nothing)."""
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    platform_id = runtime.directory.default_platform_id(session)
    models = AiModelRepository(session)
    for tenant in tenants:
        with acting_for(session, tenant):
            done = session.scalar(select(exists().where(AiUsage.request_id == "demo-1")))
        if done:
            continue
        for demo in DEMO_CALLS:
            model = models.offered(platform_id, demo.model)
            if model is not None:
                _call(session, tenant, model, demo)


def _call(session: Session, tenant: TenantContext, model: AiModel, demo: DemoCall) -> None:
    kind = ModelKind(model.kind)
    candidate = Candidate(
        name=model.name,
        provider=model.provider,
        upstream_model=model.upstream_model,
        price=Price(model.input_price, model.output_price),
        max_output_tokens=model.max_output_tokens,
        base_url="",
        key_source="platform",
        api_key="",
    )
    route = Route(kind=kind, candidates=(candidate,), limits=limits_for(session, tenant))
    if kind is ModelKind.CHAT:
        body: dict[str, object] = {
            "model": model.name,
            "messages": [{"role": "user", "content": demo.prompt}],
        }
    else:
        body = {"model": model.name, "input": demo.prompt}
    call = open_call(
        session,
        tenant,
        route,
        principal="demo",
        user_id=None,
        request_id=demo.request_id,
        endpoint=ENDPOINTS[kind],
        body=body,
        output_cap=400 if kind is ModelKind.CHAT else None,
    )
    close_call(
        session,
        call,
        Outcome(
            status="ok",
            served_by=candidate,
            input_tokens=demo.input_tokens,
            output_tokens=demo.output_tokens,
            latency_ms=demo.latency_ms,
        ),
    )


def seed_demo(session: Session, runtime: Runtime) -> None:
    """`orion demo`: the catalogue, and the demo tenants' first calls, charged in credits as
    any call is (after credits' demo gave them their welcome credits)."""
    seed_demo_catalogue(session, runtime)
    record_demo_calls(session, runtime)
