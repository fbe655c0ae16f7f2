"""A small Stripe-compatible HTTP server on loopback, for the real `stripe` SDK to talk to.

It speaks the form-encoded v1 API for what billing calls (customers, subscriptions,
Checkout sessions), checks the secret key, honours `Idempotency-Key`, and records every
request. `signature()` signs webhook payloads exactly as Stripe does:
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" with the secret>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

API_KEY = "sk_test_orion"
WEBHOOK_SECRET = "whsec_orion_test_secret"
MONTH = 30 * 24 * 3600


def signature(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(kind: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "pending_webhooks": 1,
        "type": kind,
        "data": {"object": obj},
    }


def _unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`items[0][price]=p` -> {"items": [{"price": "p"}]}."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


@dataclass
class FakeStripe:
    url: str = ""
    customers: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    idempotent: dict[tuple[str, str, str], tuple[int, dict]] = field(default_factory=dict)
    fail_with: int | None = None  # answer every request with this status (an outage)
    # Answer requests whose path starts with a key with its status, the others as usual:
    # {"/v1/subscriptions": 402} takes the customer and declines the subscription's card.
    refuse: dict[str, int] = field(default_factory=dict)
    # The status of subscriptions created without a trial: "active" (a card on file) or
    # "incomplete" (the first payment still to come).
    new_status: str = "active"
    clock_offset: int = 0  # seconds Stripe's clock (its Date header) is ahead of ours
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, prefix: str) -> list[dict]:
        with self.lock:
            return [p for m, path, p in self.requests if m == method and path.startswith(prefix)]

    def refusal(self, path: str) -> tuple[int, dict] | None:
        """The error answer to a request, if it is to fail (`fail_with`, `refuse`)."""
        status = self.fail_with
        if status is None:
            status = next((s for prefix, s in self.refuse.items() if path.startswith(prefix)), None)
        if status is None:
            return None
        if status == 402:
            error = {
                "type": "card_error",
                "code": "card_declined",
                "message": "Your card was declined.",
            }
        else:
            error = {"type": "api_error", "message": "outage"}
        return status, {"error": error}

    def set_status(self, subscription_id: str, status: str) -> dict:
        with self.lock:
            self.subscriptions[subscription_id]["status"] = status
            return json.loads(json.dumps(self.subscriptions[subscription_id]))

    # -- the API -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "customers"] and method == "POST" and len(parts) == 2:
            customer = {
                "id": f"cus_{uuid.uuid4().hex[:14]}",
                "object": "customer",
                "name": params.get("name"),
                "email": params.get("email"),
                "metadata": params.get("metadata", {}),
                "created": int(time.time()),
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if parts[:2] == ["v1", "subscriptions"]:
            if len(parts) == 2 and method == "POST":
                return self._create_subscription(params)
            subscription = self.subscriptions.get(parts[2]) if len(parts) == 3 else None
            if subscription is None:
                return _missing("subscription")
            if method == "GET":
                return 200, subscription
            if method == "POST":
                return self._update_subscription(subscription, params)
            if method == "DELETE":
                now = int(time.time())
                subscription.update(status="canceled", canceled_at=now, ended_at=now)
                return 200, subscription
        if parts[:3] == ["v1", "checkout", "sessions"] and method == "POST":
            if params.get("customer") not in self.customers:
                return _missing("customer")
            checkout = {
                "id": f"cs_test_{uuid.uuid4().hex[:20]}",
                "object": "checkout.session",
                "mode": params.get("mode"),
                "customer": params.get("customer"),
                "client_reference_id": params.get("client_reference_id"),
                "metadata": params.get("metadata", {}),
                "url": f"https://checkout.stripe.test/c/pay/{uuid.uuid4().hex}",
                "status": "open",
            }
            self.sessions[checkout["id"]] = {**checkout, "params": params}
            return 200, checkout
        return 404, {
            "error": {"type": "invalid_request_error", "message": f"Unrecognized URL {path}"}
        }

    def _create_subscription(self, params: dict) -> tuple[int, dict]:
        if params.get("customer") not in self.customers:
            return _missing("customer")
        now = int(time.time())
        trial_days = int(params.get("trial_period_days") or 0)
        end = now + (trial_days * 86400 if trial_days else MONTH)
        subscription = {
            "id": f"sub_{uuid.uuid4().hex[:14]}",
            "object": "subscription",
            "customer": params["customer"],
            "status": "trialing" if trial_days else self.new_status,
            "metadata": params.get("metadata", {}),
            "trial_end": end if trial_days else None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "ended_at": None,
            "created": now,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": f"si_{uuid.uuid4().hex[:14]}",
                        "object": "subscription_item",
                        "price": {"id": params["items"][0]["price"], "object": "price"},
                        "current_period_start": now,
                        "current_period_end": end,
                    }
                ],
            },
        }
        self.subscriptions[subscription["id"]] = subscription
        return 200, subscription

    def _update_subscription(self, subscription: dict, params: dict) -> tuple[int, dict]:
        if "cancel_at_period_end" in params:
            subscription["cancel_at_period_end"] = params["cancel_at_period_end"] == "true"
            subscription["canceled_at"] = (
                int(time.time()) if subscription["cancel_at_period_end"] else None
            )
        for change in params.get("items", []):
            item = subscription["items"]["data"][0]
            if change.get("id") not in (None, item["id"]):
                return _missing("subscription item")
            item["price"] = {"id": change["price"], "object": "price"}
        return 200, subscription


def _missing(what: str) -> tuple[int, dict]:
    return 404, {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such {what}",
        }
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        path, _, query = self.path.partition("?")
        params = _unflatten(parse_qsl(body or query, keep_blank_values=True))
        if self.headers.get("Authorization") != f"Bearer {API_KEY}":
            status, answer = (
                401,
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
            )
        else:
            with fake.lock:
                fake.requests.append((method, path, params))
                key = self.headers.get("Idempotency-Key")
                refusal = fake.refusal(path)
                if refusal is not None:
                    status, answer = refusal
                elif key and method == "POST" and (method, path, key) in fake.idempotent:
                    status, answer = fake.idempotent[(method, path, key)]
                else:
                    status, answer = fake.handle(method, path, params)
                    if key and method == "POST":
                        fake.idempotent[(method, path, key)] = (status, answer)
                answer = json.loads(json.dumps(answer))
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
        self.end_headers()
        self.wfile.write(payload)

    def date_time_string(self, timestamp: float | None = None) -> str:
        return super().date_time_string(time.time() + self.server.fake.clock_offset)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeStripe


def start() -> tuple[_Server, FakeStripe]:
    server = _Server(("127.0.0.1", 0), _Handler)
    fake = FakeStripe(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.fake = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, fake
