"""A Letzshop-compatible GraphQL server on loopback, for tests.

It answers the operations Orion sends (by `operationName`) in the shapes of letzshop.md:
`Shipments` (Relay connection: `first`/`after`, `pageInfo`), `ConfirmInventoryUnits`,
`SetShipmentTracking`, `Vendors`, `Viewer`. It checks the bearer key (401 otherwise;
vendors are public), records every request, and misbehaves on demand: `throttle(n)` answers
the next n requests 429 with `Retry-After`, `fail(n)` answers them 503.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class LetzshopState:
    api_key: str = "letzshop-test-key-1234"
    url: str = ""
    shipments: list[dict[str, Any]] = field(default_factory=list)
    vendors: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    throttled: int = 0
    failing: int = 0
    retry_after: str = "0"
    refuse_units: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def throttle(self, times: int, retry_after: str = "0") -> None:
        self.throttled, self.retry_after = times, retry_after

    def fail(self, times: int) -> None:
        self.failing = times

    def operations(self) -> list[str]:
        return [r["operationName"] for r in self.requests]


def unit(
    unit_id: str, sku: str, price: str = "12.50", state: str = "unconfirmed"
) -> dict[str, Any]:
    return {
        "id": unit_id,
        "state": state,
        "variant": {
            "id": f"v-{sku}",
            "sku": sku,
            "mpn": None,
            "price": price,
            "tradeId": None,
            "product": {
                "name": {"en": f"Product {sku}", "fr": None, "de": None},
                "_brand": {"name": "Roaster"},
            },
        },
    }


def shipment(
    number: str, units: list[dict[str, Any]], state: str = "unconfirmed"
) -> dict[str, Any]:
    address = {
        "firstName": "Bea",
        "lastName": "Buyer",
        "company": None,
        "streetName": "avenue de la Liberté",
        "streetNumber": "5",
        "city": "Luxembourg",
        "zipCode": "1930",
        "phone": None,
        "country": {"name": "Luxembourg", "iso": "LU"},
    }
    return {
        "id": f"S{number}",
        "number": f"H{number}",
        "state": state,
        "tracking": None,
        "order": {
            "id": f"O{number}",
            "number": f"R{number}",
            "email": "bea@example.com",
            "total": "25.00",
            "completedAt": "2026-11-01T10:00:00Z",
            "locale": "fr",
            "shipAddress": address,
            "billAddress": address,
        },
        "inventoryUnits": units,
    }


class _Handler(BaseHTTPRequestHandler):
    state: LetzshopState

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        state = self.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with state.lock:
            state.requests.append({**body, "authorization": self.headers.get("Authorization")})
            if state.throttled:
                state.throttled -= 1
                return self._send(
                    429, {"errors": [{"message": "slow down"}]}, {"Retry-After": state.retry_after}
                )
            if state.failing:
                state.failing -= 1
                return self._send(503, {"errors": [{"message": "maintenance"}]})
        operation = body.get("operationName")
        variables = body.get("variables") or {}
        if (
            operation != "Vendors"
            and self.headers.get("Authorization") != f"Bearer {state.api_key}"
        ):
            return self._send(401, {"errors": [{"message": "invalid token"}]})
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            return self._send(200, {"errors": [{"message": f"unknown operation {operation}"}]})
        with state.lock:
            return self._send(200, {"data": handler(variables)})

    def _page(self, items: list[dict[str, Any]], variables: dict[str, Any]) -> dict[str, Any]:
        first = int(variables.get("first") or 50)
        start = int(variables.get("after") or 0)
        nodes = items[start : start + first]
        end = start + len(nodes)
        return {
            "nodes": nodes,
            "pageInfo": {"hasNextPage": end < len(items), "endCursor": str(end) if nodes else None},
        }

    def _op_Shipments(self, variables: dict[str, Any]) -> dict[str, Any]:
        wanted = variables.get("state")
        items = [s for s in self.state.shipments if wanted is None or s["state"] == wanted]
        return {"shipments": self._page(items, variables)}

    def _op_Vendors(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {"vendors": self._page(self.state.vendors, variables)}

    def _op_Viewer(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {"me": {"email": "shop@example.com", "vendors": [{"slug": "roaster", "name": "R"}]}}

    def _op_ConfirmInventoryUnits(self, variables: dict[str, Any]) -> dict[str, Any]:
        answered, errors = [], []
        units = {u["id"]: u for s in self.state.shipments for u in s["inventoryUnits"]}
        for entry in variables["input"]["inventoryUnits"]:
            unit_id = entry["inventoryUnitId"]
            if unit_id in self.state.refuse_units or unit_id not in units:
                errors.append(
                    {
                        "id": unit_id,
                        "code": "not_confirmable",
                        "message": f"unit {unit_id} cannot be confirmed",
                    }
                )
                continue
            units[unit_id]["state"] = (
                "confirmed_available" if entry["isAvailable"] else "confirmed_unavailable"
            )
            answered.append({"id": unit_id, "state": units[unit_id]["state"]})
        return {"confirmInventoryUnits": {"inventoryUnits": answered, "errors": errors}}

    def _op_SetShipmentTracking(self, variables: dict[str, Any]) -> dict[str, Any]:
        data = variables["input"]
        for s in self.state.shipments:
            if s["id"] == data["shipmentId"]:
                s["tracking"] = {"code": data["code"], "provider": data["provider"]}
                return {"setShipmentTracking": {"shipment": s, "errors": []}}
        return {
            "setShipmentTracking": {
                "shipment": None,
                "errors": [{"code": "not_found", "message": "no such shipment"}],
            }
        }


@contextmanager
def letzshop_server() -> Iterator[tuple[str, LetzshopState]]:
    state = LetzshopState()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql", state
    finally:
        server.shutdown()
        server.server_close()
