"""The reference for bench/task_latency.py: a bare Celery app, no Orion.

Run by `celery -A bare_probe worker --pool solo -c 1` with BENCH_BARE_BROKER set (and
bench/ on PYTHONPATH); the benchmark sends to it with `make_app(broker)`. Its
configuration mirrors the transport settings of Orion's `create_celery()` (JSON, late
acknowledgement, prefetch 1, the started state tracked, the result backend on the broker),
so the ratio Orion/bare shows what Orion adds per task, not a difference in settings.
"""

from __future__ import annotations

import os
import time

from celery import Celery


def stamp(sent_at: float) -> float:
    """Seconds from `sent_at` (the sender's `time.time()`) to the start of this function."""
    return time.time() - sent_at


def make_app(broker: str) -> Celery:
    celery = Celery("bare_probe", broker=broker, backend=broker, set_as_current=False)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        result_expires=3600,
        timezone="UTC",
        enable_utc=True,
        broker_transport_options={"visibility_timeout": 3600},
    )
    celery.task(stamp, name="bare_probe.stamp")
    return celery


app = make_app(os.environ.get("BENCH_BARE_BROKER", "redis://127.0.0.1:6379/12"))
