"""`create_app(settings)`: the FastAPI application with every module's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from orion import __version__
from orion.kernel.console import console_gate, install_console, operator_gate
from orion.kernel.observability import (
    RequestContextMiddleware,
    configure_logging,
    run_health_checks,
)
from orion.kernel.problems import add_problem_renderer, install_problem_handlers
from orion.kernel.rls import bypassing_role
from orion.kernel.runtime import Runtime, build_runtime
from orion.kernel.web import (
    mark_route,
    require_module,
    require_platform_admin,
    require_principal,
)
from orion.settings import OrionSettings
from orion.worker import EmbeddedWorker, create_celery

log = structlog.get_logger(__name__)

DRAIN_SECONDS = 60  # the longest a stopping server waits for each module's drain


def create_app(
    settings: OrionSettings | None = None,
    *,
    runtime: Runtime | None = None,
    embedded_worker: bool | None = None,
) -> FastAPI:
    """Build the API. `embedded_worker` defaults to on when no broker is configured."""
    if runtime is None:
        if settings is None:
            raise ValueError("create_app needs settings or a runtime")
        configure_logging(settings.log_level, json=settings.log_json)
        runtime = build_runtime(settings)
    if runtime.celery is None:
        create_celery(runtime=runtime)
    settings = runtime.settings
    run_worker = settings.embedded_broker if embedded_worker is None else embedded_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(runtime.start)
        await run_in_threadpool(_warn_if_row_security_bypassed, runtime)
        worker = None
        if run_worker:
            worker = EmbeddedWorker(runtime.celery)
            await run_in_threadpool(worker.start)
        try:
            yield
        finally:
            for drain in runtime.drains:
                with anyio.move_on_after(DRAIN_SECONDS):
                    await drain()
            if worker is not None:
                await run_in_threadpool(worker.stop)
            await run_in_threadpool(runtime.stop)

    app = FastAPI(
        title="Orion",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_problem_handlers(app)
    install_console(app, runtime)
    _mount_modules(app, runtime)
    _mount_operations(app, runtime)
    app.add_middleware(RequestContextMiddleware)
    return app


def _warn_if_row_security_bypassed(runtime: Runtime) -> None:
    """Row-level security is the second wall only for an ordinary database role."""
    try:
        with runtime.database.engine.connect() as connection:
            role = bypassing_role(connection)
    except Exception:
        return  # an unreachable database is /ready's to report
    if role is not None:
        log.warning(
            "row_level_security_bypassed",
            role=role,
            detail="a superuser or BYPASSRLS role: connect as an ordinary role in production",
        )


def _mount_modules(app: FastAPI, runtime: Runtime) -> None:
    """Include each module's routers under its prefix, tagged with the module's code."""
    for definition in runtime.registry.ordered:
        code = definition.code
        mounts = {
            "api": (f"/api/v1/{code}", [Depends(require_module(code))]),
            "user": (f"/api/v1/{code}", [Depends(require_principal)]),
            "admin": (f"/api/v1/admin/{code}", [Depends(require_platform_admin)]),
            "public": (f"/api/v1/public/{code}", []),
            # OpenAI-compatible clients expect /v1/<resource>; one module serves it.
            "openai": ("/v1", [Depends(require_module(code))]),
            # Console pages: HTML, not part of the API document.
            "console": (f"/console/{code}", [Depends(console_gate(code))]),
            "console_admin": (f"/console/platform/{code}", [Depends(operator_gate)]),
            "console_public": ("/console", []),
        }
        renderer = runtime.registry.provider("openai_problem_renderer")
        if "openai" in definition.routers and renderer is not None:
            add_problem_renderer(app, "/v1", renderer)
        for audience, path in definition.routers.items():
            router: APIRouter = runtime.registry.resolve(path)
            prefix, dependencies = mounts[audience]
            app.include_router(
                router,
                prefix=prefix,
                dependencies=[Depends(mark_route(code, prefix)), *dependencies],
                tags=[code],
                include_in_schema=not audience.startswith("console"),
            )


def _mount_operations(app: FastAPI, runtime: Runtime) -> None:
    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/console/")

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "version": __version__}

    @app.get("/ready", tags=["operations"])
    async def ready() -> JSONResponse:
        """The database, the broker and every module's health checks."""
        results = await run_in_threadpool(run_health_checks, runtime)
        ok = all(result.ok for result in results)
        body = {
            "status": "ready" if ok else "unavailable",
            "checks": {
                r.name: {"ok": r.ok, "detail": r.detail, "duration_ms": r.duration_ms}
                for r in results
            },
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
