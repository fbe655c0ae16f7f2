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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes (uvicorn workers); more than one needs PostgreSQL and "
            "a broker (ORION_DATABASE_URL, ORION_BROKER_URL)",
        ),
    ] = 1,
    with_demo: Annotated[bool, typer.Option("--demo", help="Seed demo data first")] = False,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations before serving")
    ] = True,
) -> None:
    """Run the API and console; with no broker configured, also the embedded worker and Beat."""
    import os

    import uvicorn

    from orion.kernel.runtime import build_runtime
    from orion.kernel.tooling import migrate

    loaded = settings(server=True)
    if host:
        loaded = loaded.model_copy(update={"host": host})
    if port:
        loaded = loaded.model_copy(update={"port": port})
    if workers > 1:
        _check_multi_process(loaded.broker_url, loaded.database_url)
    _check_port_free(loaded.host, loaded.port)
    rt = build_runtime(loaded)
    with orion_errors():
        if migrate_first:
            migrate.upgrade(rt)
        if with_demo:
            _seed_demo(rt)
    mode = (
        "embedded worker and scheduler" if loaded.embedded_broker else f"broker {loaded.broker_url}"
    )
    console.print(f"[bold green]Orion[/bold green] on {loaded.base_url}  ({mode})")
    console.print(f"  console: {loaded.base_url}/console/   API docs: {loaded.base_url}/docs")
    for line in rt.extras.get("demo_logins", []):
        console.print(f"  login: {line}")
    if workers == 1:
        from orion.app import create_app

        app = create_app(runtime=rt)
        uvicorn.run(app, host=loaded.host, port=loaded.port, log_config=None, access_log=False)
        return
    rt.close()  # each worker process builds its own runtime from the same settings
    console.print(f"  {workers} server processes")
    # The worker processes read their settings from the environment, as this one did.
    os.environ["ORION_HOST"], os.environ["ORION_PORT"] = loaded.host, str(loaded.port)
    uvicorn.run(
        "orion.app:create_app_from_environment",
        factory=True,
        workers=workers,
        host=loaded.host,
        port=loaded.port,
        log_config=None,
        access_log=False,
    )


def _check_port_free(host: str, port: int) -> None:
    """Say a port is taken before migrating, seeding and announcing the demo logins."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                fail(
                    f"port {port} on {host} is taken by another program (another Orion?); "
                    f"stop it, or choose another port: orion serve --port {port + 1} "
                    f"(./dev serve --port {port + 1})"
                )
            fail(f"cannot listen on {host}:{port}: {error.strerror}")


def _check_multi_process(broker_url: str | None, database_url: str) -> None:
    """Several server processes share nothing but the database and the broker: the embedded
    worker's in-memory broker and a SQLite file are each one process's own."""
    missing = []
    if broker_url is None or broker_url.startswith("memory://"):
        missing.append("a broker shared by every process (ORION_BROKER_URL=redis://...)")
    if database_url.startswith("sqlite"):
        missing.append("PostgreSQL (ORION_DATABASE_URL=postgresql://...)")
    if missing:
        fail(
            "orion serve --workers N (N > 1) needs "
            + " and ".join(missing)
            + "; run `orion worker` and `orion beat` beside it. "
            "Without them, serve with one process."
        )


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
