"""Fixtures for the AI gateway tests: a platform of its own per test (its model catalogue),
a funded tenant with the module on and an access token scoped to call it, the provider on
loopback (`upstream`), and Orion served by uvicorn for the tests that need a real socket."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from orion.kernel.data.tenancy import TenantContext, all_tenants, set_tenant
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import ModuleScope
from orion.modules.ai_proxy import service
from orion.modules.ai_proxy.models import AiUsage
from orion.modules.ai_proxy.schemas import AiModelCreate
from orion.modules.api_keys import service as api_keys
from orion.modules.api_keys.schemas import AdminApiKeyCreate, TenantApiKeyCreate
from orion.modules.credits import services as credits
from orion.modules.credits.models import CreditHold
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.schemas import PlatformCreate, TenantCreate
from tests.modules.ai_proxy.upstream import Upstream, upstream  # noqa: F401  (a fixture)

CHAT = "/v1/chat/completions"
TENANT_KEY = "sk-tenant-0000000000001111"
PLATFORM_KEY = "sk-platform-000000000002222"


@dataclass
class Gateway:
    """One test's world: its platform, tenant, token and a client calling /v1 with it."""

    runtime: Runtime
    client: TestClient
    upstream: Upstream
    platform_id: uuid.UUID
    tenant: TenantContext
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def chat(self, model: str = "chat-a", **body: Any) -> httpx.Response:
        body.setdefault("messages", [{"role": "user", "content": "hello there"}])
        return self.client.post(CHAT, json={"model": model, **body}, headers=self.headers)

    def model(self, name: str = "chat-a", **fields: Any) -> None:
        fields.setdefault("provider", "openai_compatible")
        fields.setdefault("input_price", 1_000_000)  # one credit per input token
        fields.setdefault("output_price", 2_000_000)  # two per output token
        with self.runtime.database.unit_of_work() as session:
            service.create_model(session, self.platform_id, data=AiModelCreate(name=name, **fields))

    def tenant_key(self, provider: str = "openai_compatible", key: str = TENANT_KEY) -> None:
        with self.runtime.database.unit_of_work() as session:
            set_tenant(session, self.tenant)
            api_keys.create_tenant_key(
                session,
                self.tenant,
                data=TenantApiKeyCreate(
                    provider=provider,
                    name=f"{provider}-{uuid.uuid4().hex[:6]}",
                    api_key=key,
                    base_url=self.upstream.base_url,
                ),
            )

    def platform_key(self, provider: str = "openai_compatible", allow_tenants: bool = True) -> None:
        with self.runtime.database.unit_of_work() as session:
            api_keys.create_admin_key(
                session,
                self.platform_id,
                data=AdminApiKeyCreate(
                    provider=provider,
                    name=f"{provider}-{uuid.uuid4().hex[:6]}",
                    api_key=PLATFORM_KEY,
                    base_url=self.upstream.base_url,
                    allow_tenants=allow_tenants,
                ),
            )

    def fund(self, amount: int) -> None:
        with self.runtime.database.unit_of_work() as session:
            set_tenant(session, self.tenant)
            credits.add(
                session,
                self.tenant,
                amount=amount,
                reason="test",
                idempotency_key=f"fund-{uuid.uuid4()}",
            )

    def balance(self) -> int:
        with self.runtime.database.unit_of_work() as session:
            set_tenant(session, self.tenant)
            return credits.get_balance(session, self.tenant)

    def usage(self) -> list[AiUsage]:
        with self.runtime.database.unit_of_work() as session, all_tenants(session):
            rows = session.scalars(
                select(AiUsage)
                .where(AiUsage.tenant_id == self.tenant.tenant_id)
                .order_by(AiUsage.created_at)
            )
            return list(rows)

    def holds(self) -> list[CreditHold]:
        with self.runtime.database.unit_of_work() as session, all_tenants(session):
            rows = session.scalars(
                select(CreditHold).where(CreditHold.tenant_id == self.tenant.tenant_id)
            )
            return list(rows)

    def wait_for_usage(self, count: int, timeout: float = 10) -> list[AiUsage]:
        """Streamed calls are settled by the gateway after the client's response ends."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.usage()
            if len(rows) >= count or time.monotonic() > deadline:
                return rows
            time.sleep(0.05)

    def ledger_is_exact(self) -> bool:
        with self.runtime.database.unit_of_work() as session:
            checks = credits.verify(session)
        mine = [c for c in checks if c.tenant_id == self.tenant.tenant_id]
        return len(mine) == 1 and mine[0].ok


@pytest.fixture
def gateway(runtime: Runtime, client: TestClient, upstream: Upstream, login, make_member):  # noqa: F811
    upstream.reset()
    code = f"ai{uuid.uuid4().hex[:8]}"
    with runtime.database.unit_of_work() as session:
        platform = tenancy.create_platform(session, data=PlatformCreate(code=code, name=code))
        made = tenancy.create_tenant(session, platform.id, data=TenantCreate(name=f"AI {code}"))
        tenant = TenantContext(made.id, platform.id)
        runtime.modules.enable(
            session, "ai_proxy", scope=ModuleScope(platform.id, tenant.tenant_id)
        )
    user, password = make_member(tenant, "tenant_admin")
    headers = login(user.email, password, tenant_id=tenant.tenant_id)
    created = client.post(
        "/api/v1/auth/tokens",
        json={"name": "app", "scopes": ["ai_proxy.use", "ai_proxy.read"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return Gateway(
        runtime=runtime,
        client=client,
        upstream=upstream,
        platform_id=platform.id,
        tenant=tenant,
        token=created.json()["token"],
    )


@contextmanager
def served(
    app: Any, *, lifespan: str = "off"
) -> Iterator[tuple[str, uvicorn.Server, threading.Thread]]:
    """`app` on a real socket (uvicorn in a thread): its URL, the server and its thread.
    Leaving stops it, if the test has not already."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan=lifespan, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", server, thread
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Orion on a real socket: streamed calls and disconnects."""
    with served(app) as (url, _, _):
        yield url
