"""Logs, metrics and health.

* structlog renders JSON lines (or console lines in development) carrying the request id,
  tenant and module bound in context variables.
* Prometheus metrics: HTTP latency by route template, method, status and module; task runs
  and durations by task, queue and state. Served at `/metrics`.
* Health: `/health` says the process is alive; `/ready` runs the database and broker checks
  and every module's `health_checks`, each with its own status.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orion.kernel.data.rls import bypassing_role

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime

HTTP_LATENCY = Histogram(
    "orion_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route", "module", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASK_RUNS = Counter("orion_task_runs_total", "Task runs by final state", ["task", "queue", "state"])
TASK_DURATION = Histogram(
    "orion_task_duration_seconds",
    "Task run duration",
    ["task", "queue", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900),
)


def configure_logging(level: str = "INFO", *, json: bool | None = True) -> None:
    """structlog and the standard library's loggers both render through one formatter: JSON
    lines for machines, or (`json=None` on a terminal, `json=False`) lines for people."""
    if json is None:
        json = not sys.stderr.isatty()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *([structlog.processors.format_exc_info] if json else []),
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("alembic", "celery", "kombu", "amqp", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


class RequestContextMiddleware:
    """Request id, structlog context and the HTTP latency histogram, for every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 0 < len(incoming) <= 128 else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # Module routes say who they are (web.mark_route); the kernel's own are plain.
            state = scope.get("state", {})
            route = scope.get("route")
            template = state.get("route_template") or getattr(route, "path_format", None)
            module = state.get("module") or "kernel"
            if template is None:
                template, module = "unmatched", ""
            HTTP_LATENCY.labels(scope["method"], template, module, str(status)).observe(
                time.perf_counter() - started
            )
            structlog.contextvars.clear_contextvars()


# -- health ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""
    duration_ms: float = 0.0


def _timed(name: str, check: Callable[[], str | None]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check() or "ok"
        ok = True
    except Exception as exc:
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return CheckResult(name, ok, detail, round((time.perf_counter() - started) * 1000, 2))


def run_health_checks(runtime: Runtime) -> list[CheckResult]:
    results = [_timed("database", lambda: _check_database(runtime))]
    results.append(_timed("broker", lambda: _check_broker(runtime)))
    for definition in runtime.registry.ordered:
        for path in definition.health_checks:
            name = f"{definition.code}.{path.rpartition(':')[2]}"

            def check(path: str = path) -> str | None:
                with runtime.database.unit_of_work() as session:
                    return runtime.registry.resolve(path)(session)

            results.append(_timed(name, check))
    return results


def _check_database(runtime: Runtime) -> str:
    with runtime.database.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        bypassing = bypassing_role(connection)
    if bypassing:
        return (
            f"{runtime.database.dialect}; row-level security does not apply to role "
            f"{bypassing} (a superuser or BYPASSRLS): connect as an ordinary role"
        )
    return runtime.database.dialect


def _check_broker(runtime: Runtime) -> str:
    if runtime.settings.embedded_broker:
        return "embedded"
    if runtime.celery is None:
        return "not configured in this process"
    with runtime.celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return connection.transport_cls if isinstance(connection.transport_cls, str) else "ok"
