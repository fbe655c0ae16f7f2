"""The probe task: how long after it was sent did the task's own code start?"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from orion.kernel.runtime.tasks import task


@task("bench_probe.stamp")
def stamp(session: Session, sent_at: float) -> float:
    """Seconds from `sent_at` (the sender's `time.time()`) to the start of this function."""
    return time.time() - sent_at
