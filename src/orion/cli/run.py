"""`orion serve | worker | beat | demo`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from orion.kernel.tooling.cli import console, fail, orion_errors, runtime, settings

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.command()(beat)
    app.command()(demo)


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    with_demo: Annotated[bool, typer.Option("--demo", help="Seed demo data first")] = False,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving")
    ] = True,
) -> None:
    """Run the API and console; with no broker configured, also the embedded worker and Beat."""
    import uvicorn

    from orion.app import create_app
    from orion.kernel.runtime import build_runtime
    from orion.kernel.tooling import migrate

    loaded = settings(server=True)
    if host:
        loaded = loaded.model_copy(update={"host": host})
    if port:
        loaded = loaded.model_copy(update={"port": port})
    rt = build_runtime(loaded)
    with orion_errors():
        if migrate_first:
            migrate.upgrade(rt)
        if with_demo:
            _seed_demo(rt)
    app = create_app(runtime=rt)
    mode = (
        "embedded worker and scheduler" if loaded.embedded_broker else f"broker {loaded.broker_url}"
    )
    console.print(f"[bold green]Orion[/bold green] on {loaded.base_url}  ({mode})")
    console.print(f"  console: {loaded.base_url}/console/   API docs: {loaded.base_url}/docs")
    for line in rt.extras.get("demo_logins", []):
        console.print(f"  login: {line}")
    uvicorn.run(app, host=loaded.host, port=loaded.port, log_config=None, access_log=False)


def worker(
    queues: Annotated[
        str, typer.Option("-Q", "--queues", help="Comma-separated queues")
    ] = "default,long_running,scheduled",
    concurrency: Annotated[int, typer.Option("-c", "--concurrency")] = 2,
    pool: Annotated[str, typer.Option(help="prefork, threads or solo")] = "prefork",
    with_beat: Annotated[
        bool, typer.Option("--beat", help="Also run Beat in this process")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this worker's Prometheus metrics on this port")
    ] = None,
) -> None:
    """Run a Celery worker for the given queues."""
    import logging

    if metrics_port:
        _serve_worker_metrics(metrics_port)
    from orion.kernel.runtime.worker import create_celery

    loaded = settings(server=True)
    if loaded.embedded_broker:
        fail(
            "orion worker needs ORION_BROKER_URL; without a broker, orion serve runs "
            "the embedded worker"
        )
    celery = create_celery(loaded)
    logging.getLogger("celery").setLevel(logging.INFO)  # "ready", "received", "succeeded"
    argv = [
        "worker",
        f"--queues={queues}",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    if with_beat:
        argv.append("--beat")
    celery.worker_main(argv)


def _serve_worker_metrics(port: int) -> None:
    """Metrics of every pool process, gathered through prometheus_client's multiprocess mode.

    The directory must be known before prometheus_client is first imported, which the CLI
    has not done yet at this point.
    """
    import os
    import tempfile

    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="orion-metrics-"))
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, addr="127.0.0.1", registry=registry)


def beat() -> None:
    """Run Celery Beat with the schedule assembled from every module."""
    from orion.kernel.runtime.scheduling import ClaimingScheduler
    from orion.kernel.runtime.worker import create_celery

    loaded = settings(server=True)
    if loaded.embedded_broker:
        fail(
            "orion beat needs ORION_BROKER_URL; without a broker, orion serve runs "
            "the embedded scheduler"
        )
    celery = create_celery(loaded)
    celery.Beat(scheduler=ClaimingScheduler, loglevel="INFO").run()


def demo() -> None:
    """Migrate and seed demo data: every optional module on for the default platform."""
    from orion.kernel.tooling import migrate

    with runtime() as rt, orion_errors():
        migrate.upgrade(rt)
        _seed_demo(rt)
    console.print("[green]demo data ready[/green]")
    for line in rt.extras.get("demo_logins", []):
        console.print(f"  login: {line}")


def _seed_demo(rt: Runtime) -> None:
    """Every module with an `on_install` hook seeds its own demo data; optional ones go on."""
    with rt.database.unit_of_work() as session:
        platform_id = rt.directory.default_platform_id(session)
        from orion.kernel.runtime.activation import ModuleScope, optional_modules

        for definition in optional_modules(rt.registry):
            rt.modules.enable(session, definition.code, scope=ModuleScope(platform_id))
        for definition in rt.registry.ordered:
            hook = rt.registry.hook(definition.code, "on_install")
            if hook is not None:
                hook(session, rt)
