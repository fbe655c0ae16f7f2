"""The app `api_read.py` serves: Orion's, plus a reference route with the same payload.

The reference answers the bytes of the measured endpoint's response, read once from
ORION_BENCH_REFERENCE_FILE: the cost of a route that does no work at all, on the same
server, the same middleware and the same process.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

from orion.app import create_app
from orion.settings import load_settings


def app() -> FastAPI:
    orion = create_app(load_settings(), embedded_worker=False)
    payload = Path(os.environ["ORION_BENCH_REFERENCE_FILE"]).read_bytes()

    @orion.get("/bench/reference", include_in_schema=False)
    async def reference() -> Response:
        return Response(payload, media_type="application/json")

    return orion
