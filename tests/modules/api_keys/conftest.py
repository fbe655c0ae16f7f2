"""Fixtures for the provider key tests: a tenant with the module on, its admin signed in,
and a provider on loopback that checks keys the way OpenAI and Anthropic do."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from orion.kernel.data.tenancy import TenantContext
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.activation import ModuleScope

GOOD_KEY = "sk-good-0123456789abcd"
BAD_KEY = "sk-bad-0000000000wxyz"


class Provider(BaseHTTPRequestHandler):
    """GET /v1/models: 200 for GOOD_KEY (Bearer, or x-api-key for Anthropic), else 401."""

    def do_GET(self) -> None:
        bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
        key = self.headers.get("x-api-key") or bearer
        if self.path != "/v1/models":
            self._answer(404, {"error": {"message": "no such path"}})
        elif key == GOOD_KEY:
            self._answer(200, {"object": "list", "data": [{"id": "gpt-test", "object": "model"}]})
        else:
            self._answer(401, {"error": {"message": "invalid api key", "type": "auth"}})

    def _answer(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def enable(runtime: Runtime, tenant: TenantContext) -> None:
    assert tenant.platform_id is not None
    with runtime.database.unit_of_work() as session:
        runtime.modules.enable(
            session, "api_keys", scope=ModuleScope(tenant.platform_id, tenant.tenant_id)
        )


@pytest.fixture
def tenant(runtime: Runtime, make_tenant) -> TenantContext:  # type: ignore[no-untyped-def]
    made = make_tenant()
    enable(runtime, made)
    return made


@pytest.fixture
def admin_headers(tenant, make_member, login) -> dict[str, str]:  # type: ignore[no-untyped-def]
    user, password = make_member(tenant, "tenant_admin")
    return login(user.email, password, tenant_id=tenant.tenant_id)
