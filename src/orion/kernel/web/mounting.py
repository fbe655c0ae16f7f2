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

A module's routers (and the services, schemas and console pages they import) are imported
when first needed, not by `create_app()`: each module gets a `ModuleRoutes` placeholder in
the app's route list, which on the first request under one of the module's prefixes (or
when the app's routes or OpenAPI document are asked for, see `OrionAPI`) includes the
module's routers and puts them in its own place, so the order of routes is what an eager
include gives.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from orion.kernel.contract.modules import ModuleDefinition, Tier
from orion.kernel.contract.points import OPENAI_PROBLEM_RENDERER
from orion.kernel.runtime import Runtime
from orion.kernel.web.console import console_gate, operator_gate
from orion.kernel.web.dependencies import (
    mark_route,
    require_module,
    require_platform_admin,
    require_principal,
    require_superadmin_unseen,
    target_tenant,
)
from orion.kernel.web.docs import declare_security
from orion.kernel.web.hygiene import check_text
from orion.kernel.web.problems import add_problem_renderer

OPERATOR_TENANT_PREFIX = "/api/v1/admin/{code}/tenants/{{tenant_id}}"


def mounts_of(code: str, audience: str, *, internal: bool = False) -> list[tuple[str, list[Any]]]:
    """(prefix, guards) for each place a module's router of `audience` is mounted. An
    internal module's operator routes and pages answer 404 to everyone but operators."""
    if internal and audience in ("admin", "console_admin"):
        prefix = f"/api/v1/admin/{code}" if audience == "admin" else f"/console/platform/{code}"
        return [(prefix, [Depends(require_superadmin_unseen)])]
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


class OrionAPI(FastAPI):
    """FastAPI whose route list includes every module's routes when it is looked at."""

    @property
    def routes(self) -> list[BaseRoute]:
        load_all(self)
        return super().routes

    def openapi(self) -> dict[str, Any]:
        load_all(self)
        if self.openapi_schema is None:
            self.openapi_schema = declare_security(super().openapi())
        return self.openapi_schema


def mount_modules(app: FastAPI, runtime: Runtime) -> None:
    """Place each module's routers, to be included under their prefixes when first needed."""
    registry = runtime.registry
    renderer_provided = any(OPENAI_PROBLEM_RENDERER.name in d.provides for d in registry.ordered)
    for definition in registry.ordered:
        if "openai" in definition.routers and renderer_provided:
            add_problem_renderer(app, "/v1", _ProviderOnFirstUse(runtime))
        if definition.routers:
            app.router.routes.append(ModuleRoutes(app, runtime, definition))


class _ProviderOnFirstUse:
    """The OpenAI problem renderer, imported with the first error it renders (its module
    imports the provider's routes and services)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def __call__(self, request: Any, error: Any) -> Any:
        renderer = self.runtime.registry.provider(OPENAI_PROBLEM_RENDERER)
        assert renderer is not None  # a module provides it: mount_modules checked
        return renderer(request, error)


def include_module(app: FastAPI, runtime: Runtime, definition: ModuleDefinition) -> None:
    """Include a module's routers under their prefixes, tagged with the module's code."""
    code = definition.code
    for audience, path in definition.routers.items():
        router: APIRouter = runtime.registry.resolve(path)
        answer_on_the_loop(router)
        internal = definition.tier is Tier.INTERNAL
        for prefix, guards in mounts_of(code, audience, internal=internal):
            app.include_router(
                router,
                prefix=prefix,
                dependencies=[Depends(mark_route(code, prefix)), *guards],
                tags=[code],
                include_in_schema=not audience.startswith("console"),
            )


_ON_THE_LOOP = "__orion_on_the_loop__"


def answer_on_the_loop(router: APIRouter) -> None:
    """Run each sync endpoint on a request thread, as FastAPI does, but validate and encode
    its answer on the event loop rather than on a second request thread.

    FastAPI validates a sync endpoint's answer on the request threads' limiter before the
    request's unit of work commits. Under load every request thread can be taken by
    endpoints waiting for a row lock (the next invoice number, the last units of a
    product) that a finished endpoint holds while it waits for a thread to validate its
    answer: no commit, no lock released, a stalled server. Awaited from the loop, the
    finished endpoint needs no second thread, and the commit has its own (RequestWork).

    The same wrapper checks the text of the endpoint's validated bodies first (control
    characters in single-line fields, `kernel.web.hygiene.check_text`), for async
    endpoints too."""
    for route in router.routes:
        endpoint = getattr(route, "endpoint", None)
        if (
            not isinstance(route, APIRoute)
            or endpoint is None
            or getattr(endpoint, _ON_THE_LOOP, False)
        ):
            continue
        bodies = _body_locations(route)
        if inspect.iscoroutinefunction(endpoint) and not bodies:
            continue

        def awaited(call: Any, bodies: tuple[tuple[str, tuple[str, ...]], ...]) -> Any:
            on_a_thread = not inspect.iscoroutinefunction(call)

            @functools.wraps(call)
            async def endpoint_on_a_thread(*args: Any, **kwargs: Any) -> Any:
                for name, location in bodies:  # the kernel's text hygiene (kernel.web.hygiene)
                    check_text(kwargs.get(name), location)
                if on_a_thread:
                    return await run_in_threadpool(call, *args, **kwargs)
                return await call(*args, **kwargs)

            setattr(endpoint_on_a_thread, _ON_THE_LOOP, True)
            return endpoint_on_a_thread

        route.endpoint = awaited(endpoint, bodies)


def _body_locations(route: APIRoute) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(parameter name, where its fields are in the request) of each body parameter the
    endpoint itself takes: `("body",)` for a body sent as it is, `("body", alias)` for one
    embedded beside others (FastAPI's rule)."""
    params = route.dependant.body_params
    embedded = len(params) > 1 or any(getattr(p.field_info, "embed", False) for p in params)
    return tuple((p.name, ("body", p.alias) if embedded else ("body",)) for p in params)


def load_all(app: FastAPI) -> None:
    for placeholder in [r for r in app.router.routes if isinstance(r, ModuleRoutes)]:
        placeholder.load()


_ROUTE = "orion.module_route"  # the module route a placeholder matched, for its handle()
_LOADING = threading.Lock()


class ModuleRoutes(BaseRoute):
    """A module's routes, not imported yet (see the module docstring)."""

    def __init__(self, app: FastAPI, runtime: Runtime, definition: ModuleDefinition) -> None:
        self.app_ = app
        self.runtime = runtime
        self.definition = definition
        self.loaded: list[BaseRoute] | None = None
        # What precedes the first path parameter of each prefix: a request under it may
        # be for this module.
        self.path_starts = tuple(
            prefix.split("{", 1)[0]
            for audience in definition.routers
            for prefix, _guards in mounts_of(definition.code, audience)
        )

    def load(self) -> list[BaseRoute]:
        with _LOADING:
            if self.loaded is None:
                routes = self.app_.router.routes
                before = len(routes)
                include_module(self.app_, self.runtime, self.definition)
                added = routes[before:]
                del routes[before:]
                place = next(i for i, route in enumerate(routes) if route is self)
                routes[place : place + 1] = added
                self.loaded = added
        return self.loaded

    def _candidates(self, scope: Scope) -> Iterator[BaseRoute]:
        if self.loaded is None:
            path = scope.get("path", "")
            if not any(path.startswith(start) for start in self.path_starts):
                return
        yield from self.load()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        partial: tuple[Match, Scope] | None = None
        for route in self._candidates(scope):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, {**child_scope, _ROUTE: route}
            if match is Match.PARTIAL and partial is None:
                partial = (match, {**child_scope, _ROUTE: route})
        return partial or (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope.pop(_ROUTE)
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        for route in self.load():
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)
