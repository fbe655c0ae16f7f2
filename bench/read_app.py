"""The app `api_read.py` serves: Orion's, plus a reference route with the same payload.

The reference answers the bytes of the measured endpoint's response, read once from
ORION_BENCH_REFERENCE_FILE: the cost of a route that does no work at all, on the same
server, the same middleware and the same process.

`/bench/statements` answers the SQL statements the server's engine has run so far (counted
with SQLAlchemy's `before_cursor_execute` event, by the statement's first words), so the
script can divide them by the requests wrk made. The listener lives here, in the benchmark's
app: production code pays nothing for it.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from sqlalchemy import event

from orion.app import create_app
from orion.settings import load_settings

_SHAPE = re.compile(r"\s+")


def statement_shape(statement: str) -> str:
    """A statement's first words, enough to tell the queries of a request apart."""
    return _SHAPE.sub(" ", statement).strip()[:90]


def app() -> FastAPI:
    orion = create_app(load_settings(), embedded_worker=False)
    payload = Path(os.environ["ORION_BENCH_REFERENCE_FILE"]).read_bytes()
    seen: Counter[str] = Counter()
    lock = threading.Lock()  # sync endpoints run in a thread pool

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with lock:
            seen[statement_shape(statement)] += 1

    event.listen(orion.state.runtime.database.engine, "before_cursor_execute", count)

    @orion.get("/bench/reference", include_in_schema=False)
    async def reference() -> Response:
        return Response(payload, media_type="application/json")

    @orion.get("/bench/statements", include_in_schema=False)
    async def statements() -> dict[str, Any]:
        with lock:
            return {"total": sum(seen.values()), "by_statement": dict(seen)}

    return orion
