"""A small Stripe-compatible HTTP server on loopback, for the real `stripe` SDK to talk to.

It speaks the form-encoded v1 API for what billing calls (customers, subscriptions,
Checkout sessions) and what payments calls (PaymentIntents with manual capture: create,
retrieve, confirm, capture with `amount_to_capture` and `final_capture`, cancel; refunds),
checks the secret key, honours `Idempotency-Key`, and records every request.
`signature()` signs webhook payloads exactly as Stripe does:
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>" with the secret>`.

Every change to a PaymentIntent or charge is also kept as the event Stripe would send
(`FakeStripe.events`: `payment_intent.amount_capturable_updated`, `payment_intent.succeeded`,
`payment_intent.canceled`, `payment_intent.requires_action`,
`payment_intent.payment_failed`, `charge.captured`, `charge.refunded`); `send()` posts one,
signed, to a URL or through a test client, when the test wants it (twice, late, out of
order).

Test payment methods: `pm_card_visa` authorises, `pm_card_chargeDeclined` is declined
(402 `card_declined`), `pm_card_authenticationRequired` needs 3-D Secure
(`requires_action`; `complete_action(pi)` plays the customer passing it).
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
    api_key: str = API_KEY  # the secret key it takes (Authorization: Bearer ...)
    webhook_secret: str = WEBHOOK_SECRET  # what `send()` signs with unless told another
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
    payment_intents: dict[str, dict] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    # The events Stripe would have sent, oldest first (see the module docstring).
    events: list[dict] = field(default_factory=list)
    # Hold answers to requests whose path starts with a key for that many seconds (a slow
    # Stripe: longer than the client's timeout is an outage that never answers).
    delay: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Back to answering everything at once (between tests)."""
        with self.lock:
            self.fail_with = None
            self.refuse.clear()
            self.delay.clear()

    def events_of(self, kind: str, object_id: str | None = None) -> list[dict]:
        """The events of `kind` (about `object_id`: a PaymentIntent's id, or the charge's)."""
        with self.lock:
            return [
                e
                for e in self.events
                if e["type"] == kind
                and (
                    object_id is None
                    or object_id
                    in (e["data"]["object"]["id"], e["data"]["object"].get("payment_intent"))
                )
            ]

    def send(
        self,
        target: Any,
        event: dict,
        *,
        path: str = "",
        secret: str = WEBHOOK_SECRET,
        timestamp: int | None = None,
    ) -> Any:
        """POST `event` signed with `secret`, as Stripe delivers a webhook: to the URL
        `target`, or through `target` an httpx client (a FastAPI TestClient) at `path`.
        Answers the response."""
        import httpx

        payload = json.dumps(event).encode()
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": signature(payload, secret, timestamp),
        }
        if isinstance(target, str):
            return httpx.post(target + path, content=payload, headers=headers, timeout=10)
        return target.post(path, content=payload, headers=headers)

    def complete_action(self, intent_id: str) -> dict:
        """The customer passed 3-D Secure: a `requires_action` PaymentIntent is authorised."""
        with self.lock:
            intent = self.payment_intents[intent_id]
            self._authorise(intent)
            return json.loads(json.dumps(intent))

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
        if parts[:2] == ["v1", "payment_intents"]:
            return self._payment_intents(method, parts[2:], params)
        if parts[:2] == ["v1", "refunds"]:
            if len(parts) == 2 and method == "POST":
                return self._create_refund(params)
            refund = self.refunds.get(parts[2]) if len(parts) == 3 else None
            return (200, refund) if refund is not None else _missing("refund")
        return 404, {
            "error": {"type": "invalid_request_error", "message": f"Unrecognized URL {path}"}
        }

    # -- PaymentIntents and refunds --------------------------------------------------------

    def _payment_intents(self, method: str, rest: list[str], params: dict) -> tuple[int, dict]:
        if not rest and method == "POST":
            return self._create_intent(params)
        intent = self.payment_intents.get(rest[0]) if rest else None
        if intent is None:
            return _missing("payment_intent")
        action = rest[1] if len(rest) > 1 else None
        if action is None and method == "GET":
            return 200, intent
        if action == "confirm" and method == "POST":
            return self._confirm(intent, params)
        if action == "capture" and method == "POST":
            return self._capture(intent, params)
        if action == "cancel" and method == "POST":
            if intent["status"] in ("succeeded", "canceled"):
                return _unexpected_state(intent, "cancel")
            intent.update(
                status="canceled",
                amount_capturable=0,
                canceled_at=int(time.time()),
                cancellation_reason=params.get("cancellation_reason") or "requested_by_customer",
            )
            self._emit("payment_intent.canceled", intent)
            return 200, intent
        return 404, {"error": {"type": "invalid_request_error", "message": "Unrecognized URL"}}

    def _create_intent(self, params: dict) -> tuple[int, dict]:
        try:
            amount = int(params.get("amount", ""))
        except ValueError:
            return _invalid("amount", "Missing required param: amount.")
        if amount < 1:
            return _invalid("amount", "This value must be greater than or equal to 1.")
        if not params.get("currency"):
            return _invalid("currency", "Missing required param: currency.")
        intent_id = f"pi_{uuid.uuid4().hex[:24]}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": params["currency"].lower(),
            "capture_method": params.get("capture_method", "automatic"),
            "client_secret": f"{intent_id}_secret_{uuid.uuid4().hex[:24]}",
            "status": "requires_payment_method",
            "payment_method": params.get("payment_method"),
            "latest_charge": None,
            "last_payment_error": None,
            "next_action": None,
            "metadata": params.get("metadata", {}),
            "description": params.get("description"),
            "canceled_at": None,
            "cancellation_reason": None,
            "created": int(time.time()),
            "livemode": False,
        }
        if intent["payment_method"]:
            intent["status"] = "requires_confirmation"
        self.payment_intents[intent_id] = intent
        if params.get("confirm") == "true":
            return self._confirm(intent, params)
        return 200, intent

    def _confirm(self, intent: dict, params: dict) -> tuple[int, dict]:
        if intent["status"] not in (
            "requires_payment_method",
            "requires_confirmation",
            "requires_action",
        ):
            return _unexpected_state(intent, "confirm")
        method = params.get("payment_method") or intent.get("payment_method")
        if not method:
            return _invalid("payment_method", "You must provide a payment method.")
        intent["payment_method"] = method
        if method == "pm_card_chargeDeclined":
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            }
            self._emit("payment_intent.payment_failed", intent)
            return 402, {
                "error": {
                    **intent["last_payment_error"],
                    "payment_intent": json.loads(json.dumps(intent)),
                }
            }
        if method == "pm_card_authenticationRequired":
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"https://hooks.stripe.test/3d_secure/{intent['id']}",
                    "return_url": params.get("return_url"),
                },
            }
            self._emit("payment_intent.requires_action", intent)
            return 200, intent
        self._authorise(intent)
        return 200, intent

    def _authorise(self, intent: dict) -> None:
        charge = {
            "id": f"ch_{uuid.uuid4().hex[:24]}",
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "captured": False,
            "refunded": False,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "metadata": dict(intent["metadata"]),
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.charges[charge["id"]] = charge
        intent.update(latest_charge=charge["id"], last_payment_error=None, next_action=None)
        if intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=intent["amount"])
            self._emit("payment_intent.amount_capturable_updated", intent)
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
            charge.update(amount_captured=intent["amount"], captured=True)
            self._emit("payment_intent.succeeded", intent)

    def _capture(self, intent: dict, params: dict) -> tuple[int, dict]:
        if intent["status"] != "requires_capture":
            return _unexpected_state(intent, "capture")
        try:
            amount = int(params.get("amount_to_capture") or intent["amount_capturable"])
        except ValueError:
            return _invalid("amount_to_capture", "Invalid integer.")
        if amount < 1 or amount > intent["amount_capturable"]:
            return _invalid(
                "amount_to_capture",
                f"The amount to capture ({amount}) is more than the amount capturable "
                f"({intent['amount_capturable']}).",
            )
        final = params.get("final_capture", "true") != "false"
        intent["amount_received"] += amount
        intent["amount_capturable"] = 0 if final else intent["amount_capturable"] - amount
        charge = self.charges[intent["latest_charge"]]
        charge.update(amount_captured=intent["amount_received"], captured=True)
        if intent["amount_capturable"] == 0:
            intent["status"] = "succeeded"
            self._emit("payment_intent.succeeded", intent)
        else:
            self._emit("payment_intent.amount_capturable_updated", intent)
        self._emit("charge.captured", charge)
        return 200, intent

    def _create_refund(self, params: dict) -> tuple[int, dict]:
        intent = self.payment_intents.get(params.get("payment_intent", ""))
        charge = self.charges.get(params.get("charge") or (intent or {}).get("latest_charge", ""))
        if charge is None:
            return _missing("charge")
        left = charge["amount_captured"] - charge["amount_refunded"]
        if left <= 0:
            return _invalid(
                "charge",
                f"Charge {charge['id']} has already been refunded.",
                "charge_already_refunded",
            )
        try:
            amount = int(params.get("amount") or left)
        except ValueError:
            return _invalid("amount", "Invalid integer.")
        if amount < 1 or amount > left:
            return _invalid(
                "amount",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                "amount_too_large",
            )
        refund = {
            "id": f"re_{uuid.uuid4().hex[:24]}",
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": charge["payment_intent"],
            "currency": charge["currency"],
            "metadata": params.get("metadata", {}),
            "reason": params.get("reason"),
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        self._emit("charge.refunded", charge)
        return 200, refund

    def _emit(self, kind: str, obj: dict) -> None:
        self.events.append(event(kind, json.loads(json.dumps(obj))))

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


def _invalid(param: str, message: str, code: str = "parameter_invalid") -> tuple[int, dict]:
    return 400, {
        "error": {"type": "invalid_request_error", "code": code, "param": param, "message": message}
    }


def _unexpected_state(intent: dict, action: str) -> tuple[int, dict]:
    return 400, {
        "error": {
            "type": "invalid_request_error",
            "code": "payment_intent_unexpected_state",
            "message": f"You cannot {action} this PaymentIntent because it has a status of "
            f"{intent['status']}.",
        }
    }


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
            pause = next((s for p, s in fake.delay.items() if path.startswith(p)), 0.0)
            if pause:
                time.sleep(pause)  # outside the lock: other requests go on meanwhile
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
