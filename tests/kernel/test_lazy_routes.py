"""Modules' routers are imported when first needed, and then sit where an eager include
would have put them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fastapi import FastAPI

from orion.app import create_app
from orion.kernel.web.mounting import ModuleRoutes, include_module

PROBE = """
import json, sys
from fastapi.testclient import TestClient
from orion.app import create_app
from orion.settings import OrionSettings

def routers_imported():
    return sorted(m for m in sys.modules if m.startswith("orion.modules.") and
                  m.rsplit(".", 1)[-1] in ("routes", "console"))

app = create_app(OrionSettings(database_url=sys.argv[1], log_level="WARNING"),
                 embedded_worker=False)
seen = {"created": routers_imported()}
with TestClient(app) as client:
    seen["health"] = [client.get("/health").status_code, routers_imported()]
    seen["credits"] = [client.get("/api/v1/credits/balance").status_code, routers_imported()]
    seen["openapi"] = "/api/v1/tenancy/stores" in client.get("/openapi.json").json()["paths"]
    seen["all"] = routers_imported()
print(json.dumps(seen))
"""


def test_routers_are_imported_by_the_first_request_that_needs_them(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORION_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, f"sqlite:///{tmp_path / 'lazy.db'}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["created"] == []
    assert seen["health"] == [200, []]
    status, imported = seen["credits"]
    assert status == 401  # the module's own route answered: its guard wants credentials
    assert "orion.modules.credits.routes" in imported
    assert "orion.modules.billing.routes" not in imported
    assert seen["openapi"] is True  # the document lists every module's routes
    assert "orion.modules.billing.routes" in seen["all"]


def _shape(routes):
    """What each entry is: an included router (FastAPI keeps one entry per include) by the
    router and its prefix, any other route by its path and methods."""
    shapes = []
    for route in routes:
        context = getattr(route, "include_context", None)
        if context is not None:
            shapes.append((id(route.original_router), context.prefix))
        else:
            shapes.append((getattr(route, "path", None), sorted(getattr(route, "methods", ()))))
    return shapes


def test_routes_loaded_in_any_order_sit_where_an_eager_include_puts_them(runtime):
    app = create_app(runtime=runtime, embedded_worker=False)
    placeholders = [r for r in app.router.routes if isinstance(r, ModuleRoutes)]
    assert len(placeholders) > 2
    for placeholder in reversed(placeholders):  # the last module's first
        placeholder.load()
    eager = FastAPI()
    for definition in runtime.registry.ordered:
        include_module(eager, runtime, definition)
    defaults = _shape(FastAPI().routes)  # /openapi.json, /docs: not the modules'
    expected = [shape for shape in _shape(eager.routes) if shape not in defaults]
    loaded = [shape for shape in _shape(app.routes) if shape in expected]
    assert loaded == expected
    documented = set(app.openapi()["paths"])
    assert "/api/v1/tenancy/stores" in documented
    assert set(eager.openapi()["paths"]) <= documented
