"""`create_app(settings)`: the FastAPI application with every module's routes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from orion import __version__
from orion.kernel.data.rls import bypassing_role
from orion.kernel.runtime import Runtime, build_runtime
from orion.kernel.runtime.observability import (
    RequestContextMiddleware,
    configure_logging,
    run_health_checks,
)
from orion.kernel.runtime.worker import EmbeddedWorker, create_celery
from orion.kernel.web.console import install_console
from orion.kernel.web.dependencies import OptionalPrincipal
from orion.kernel.web.docs import install_api_docs
from orion.kernel.web.hygiene import refuse_unsafe_input
from orion.kernel.web.limits import BodyLimitMiddleware
from orion.kernel.web.mounting import OrionAPI, mount_modules
from orion.kernel.web.problems import install_problem_handlers
from orion.kernel.web.security import (
    install_security,
    operations_access,
    require_operations_access,
)
from orion.settings import OrionSettings

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

    app = OrionAPI(
        title="Orion",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served with local assets: install_api_docs
        redoc_url=None,
        dependencies=[Depends(refuse_unsafe_input)],  # NUL, surrogates (kernel.web.hygiene)
    )
    app.state.runtime = runtime
    install_api_docs(app, title="Orion")
    install_problem_handlers(app)
    install_console(app, runtime)
    mount_modules(app, runtime)
    _mount_operations(app, runtime)
    # 413 before a larger body is read; upload routes declare more (kernel.web.limits).
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.request_body_limit_bytes,
        upload_default=settings.upload_body_limit_bytes,
    )
    install_security(app, cors_origins=settings.cors_allowed_origins)
    app.add_middleware(RequestContextMiddleware)
    return app


def create_app_from_environment() -> FastAPI:
    """The app factory of `orion serve --workers N`: every server process reads the settings
    from the environment and builds its own runtime (engine, caches, Celery client)."""
    from orion.settings import load_settings

    return create_app(load_settings())


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


def _mount_operations(app: FastAPI, runtime: Runtime) -> None:
    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/console/")

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str | int]:
        """The process is alive; `pid` says which server process answered."""
        return {"status": "ok", "version": __version__, "pid": os.getpid()}

    networks = runtime.settings.operations_networks

    @app.get("/ready", tags=["operations"])
    async def ready(request: Request, principal: OptionalPrincipal) -> JSONResponse:
        """The database, the broker and every module's health checks: 200 or 503 for
        anyone (a load balancer); each check's result only for a platform operator or a
        client in `ORION_OPERATIONS_NETWORKS`."""
        results = await run_in_threadpool(run_health_checks, runtime)
        ok = all(result.ok for result in results)
        body: dict[str, Any] = {"status": "ready" if ok else "unavailable"}
        if operations_access(request, principal, networks):
            body["checks"] = {
                r.name: {"ok": r.ok, "detail": r.detail, "duration_ms": r.duration_ms}
                for r in results
            }
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics(request: Request, principal: OptionalPrincipal) -> Response:
        """Prometheus' text format, for a platform operator or an allowed network."""
        require_operations_access(request, principal, networks)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
