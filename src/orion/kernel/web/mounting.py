"""Where each module's routers are mounted, and behind which guards.

| audience | prefix | guard |
|---|---|---|
| `api` | `/api/v1/<code>` | a tenant member, the module on for the tenant |
|       | `/api/v1/admin/<code>/tenants/{tenant_id}` | a platform operator acting for that tenant |
| `user` | `/api/v1/<code>` | anyone signed in |
| `admin` | `/api/v1/admin/<code>` | a platform operator |
| `public` | `/api/v1/public/<code>` | none |
| `openai` | `/v1` | as `api` (tenant members); errors in OpenAI's shape |
| `console`, `console_admin`, `console_public` | under `/console` | see kernel.web.console |

The `api` router is one router with two audiences: the same routes, the same service
calls and the same tenant filtering serve a tenant's members and the operators acting for
it; a route learns which tenant it acts for from `CurrentTenant`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI

from orion.kernel.contract.points import OPENAI_PROBLEM_RENDERER
from orion.kernel.runtime import Runtime
from orion.kernel.web.console import console_gate, operator_gate
from orion.kernel.web.dependencies import (
    mark_route,
    require_module,
    require_platform_admin,
    require_principal,
    target_tenant,
)
from orion.kernel.web.problems import add_problem_renderer

OPERATOR_TENANT_PREFIX = "/api/v1/admin/{code}/tenants/{{tenant_id}}"


def mounts_of(code: str, audience: str) -> list[tuple[str, list[Any]]]:
    """(prefix, guards) for each place a module's router of `audience` is mounted."""
    if audience == "api":
        return [
            (f"/api/v1/{code}", [Depends(require_module(code))]),
            (
                OPERATOR_TENANT_PREFIX.format(code=code),
                [Depends(require_platform_admin), Depends(target_tenant)],
            ),
        ]
    return [
        {
            "user": (f"/api/v1/{code}", [Depends(require_principal)]),
            "admin": (f"/api/v1/admin/{code}", [Depends(require_platform_admin)]),
            "public": (f"/api/v1/public/{code}", []),
            # OpenAI-compatible clients expect /v1/<resource>; one module serves it.
            "openai": ("/v1", [Depends(require_module(code))]),
            # Console pages: HTML, not part of the API document.
            "console": (f"/console/{code}", [Depends(console_gate(code))]),
            "console_admin": (f"/console/platform/{code}", [Depends(operator_gate)]),
            "console_public": ("/console", []),
        }[audience]
    ]


def mount_modules(app: FastAPI, runtime: Runtime) -> None:
    """Include each module's routers under their prefixes, tagged with the module's code."""
    renderer = runtime.registry.provider(OPENAI_PROBLEM_RENDERER)
    for definition in runtime.registry.ordered:
        code = definition.code
        if "openai" in definition.routers and renderer is not None:
            add_problem_renderer(app, "/v1", renderer)
        for audience, path in definition.routers.items():
            router: APIRouter = runtime.registry.resolve(path)
            for prefix, guards in mounts_of(code, audience):
                app.include_router(
                    router,
                    prefix=prefix,
                    dependencies=[Depends(mark_route(code, prefix)), *guards],
                    tags=[code],
                    include_in_schema=not audience.startswith("console"),
                )
