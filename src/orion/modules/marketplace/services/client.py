"""The Letzshop GraphQL client (httpx): timeouts, retries with exponential backoff on 5xx
and dropped connections, `Retry-After` on 429, Relay-style cursor pagination, and a
`record` callback that sees every HTTP exchange (what was sent, what came back).

Choices where letzshop.md says a fact is unknown (docs/marketplace.md lists them): the
connection arguments are `first`/`after` with `pageInfo { hasNextPage endCursor }`; a
throttled call answers 429 with `Retry-After` in seconds; errors have GraphQL's shape.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from orion.modules.marketplace.exceptions import LetzshopError, LetzshopUnavailable


@dataclass(frozen=True)
class Exchange:
    """One HTTP exchange with Letzshop, as recorded."""

    operation: str
    request: dict[str, Any]
    status_code: int | None
    response: str | None
    error: str | None
    attempt: int
    duration_ms: int


Recorder = Callable[[Exchange], None]


class LetzshopClient:
    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        timeout: float = 30,
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_retry_after: float = 120,
        record: Recorder | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "Orion-marketplace/1.0"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            base_url=url, headers=headers, timeout=timeout, transport=transport
        )
        self._url = url
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._record = record
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LetzshopClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def execute(
        self, operation: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The `data` of one GraphQL operation. LetzshopUnavailable (transient) after the
        last try on 5xx, 429 or a connection failure; LetzshopError for GraphQL errors,
        a refused key (401/403) or an answer that is not GraphQL."""
        body = {"operationName": operation, "query": query, "variables": variables or {}}
        last = "no attempt made"
        for attempt in range(1, self._max_attempts + 1):
            started = time.perf_counter()
            try:
                response = self._http.post("", json=body)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                self._note(operation, body, None, None, last, attempt, started)
                self._wait(attempt, None)
                continue
            text = response.text
            self._note(operation, body, response.status_code, text, None, attempt, started)
            if response.status_code == 429 or response.status_code >= 500:
                last = f"Letzshop answered {response.status_code}"
                self._wait(attempt, response.headers.get("Retry-After"))
                continue
            if response.status_code in (401, 403):
                raise LetzshopError(
                    f"Letzshop refused the API key ({response.status_code}): check the key"
                )
            try:
                payload = response.json()
            except ValueError:
                raise LetzshopError(
                    f"Letzshop answered {response.status_code} without JSON"
                ) from None
            errors = payload.get("errors") if isinstance(payload, dict) else None
            if errors:
                messages = "; ".join(str(e.get("message", e)) for e in errors)
                raise LetzshopError(f"Letzshop refused {operation}: {messages}")
            if response.status_code >= 400 or not isinstance(payload.get("data"), dict):
                raise LetzshopError(f"Letzshop answered {response.status_code}: {text[:300]}")
            return payload["data"]  # type: ignore[no-any-return]
        raise LetzshopUnavailable(
            f"Letzshop did not answer {operation} after {self._max_attempts} tries ({last})"
        )

    def _wait(self, attempt: int, retry_after: str | None) -> None:
        if attempt >= self._max_attempts:
            return
        delay = self._backoff * 2 ** (attempt - 1)
        if retry_after is not None:
            with contextlib.suppress(ValueError):  # an HTTP date: keep the backoff
                delay = max(0.0, float(retry_after))
        self._sleep(min(delay, self._max_retry_after))

    def _note(
        self,
        operation: str,
        body: dict[str, Any],
        status: int | None,
        text: str | None,
        error: str | None,
        attempt: int,
        started: float,
    ) -> None:
        if self._record is None:
            return
        self._record(
            Exchange(
                operation=operation,
                request={"url": self._url, "variables": body["variables"], "query": body["query"]},
                status_code=status,
                response=text[:20_000] if text is not None else None,
                error=error,
                attempt=attempt,
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        )

    def paginate(
        self,
        operation: str,
        query: str,
        path: str,
        variables: dict[str, Any] | None = None,
        *,
        page_size: int = 50,
        after: str | None = None,
    ) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """Each page of the connection at `path` (dotted, in `data`): (nodes, its end
        cursor), following `pageInfo` until `hasNextPage` is false."""
        cursor = after
        while True:
            data = self.execute(
                operation, query, {**(variables or {}), "first": page_size, "after": cursor}
            )
            connection: Any = data
            for key in path.split("."):
                connection = connection.get(key) if isinstance(connection, dict) else None
            if not isinstance(connection, dict):
                raise LetzshopError(f"Letzshop's answer to {operation} has no {path}")
            info = connection.get("pageInfo") or {}
            cursor = info.get("endCursor")
            yield list(connection.get("nodes") or []), cursor
            if not info.get("hasNextPage") or not cursor:
                return


# -- the operations we send ------------------------------------------------------------------

ADDRESS = """firstName lastName company streetName streetNumber city zipCode phone
  country { name iso }"""
SHIPMENT = f"""id number state
  tracking {{ code provider }}
  order {{ id number email total completedAt locale
    shipAddress {{ {ADDRESS} }} billAddress {{ {ADDRESS} }} }}
  inventoryUnits {{ id state
    variant {{ id sku mpn price tradeId {{ number parser }}
      product {{ name {{ en fr de }} _brand {{ ... on Brand {{ name }} }} }} }} }}"""

SHIPMENTS = f"""query Shipments($state: ShipmentStateEnum, $first: Int, $after: String) {{
  shipments(state: $state, first: $first, after: $after) {{
    nodes {{ {SHIPMENT} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

CONFIRM_UNITS = """mutation ConfirmInventoryUnits($input: ConfirmInventoryUnitsInput!) {
  confirmInventoryUnits(input: $input) {
    inventoryUnits { id state }
    errors { id code message }
  }
}"""

SET_TRACKING = """mutation SetShipmentTracking($input: SetShipmentTrackingInput!) {
  setShipmentTracking(input: $input) {
    shipment { id tracking { code provider } }
    errors { code message }
  }
}"""

VENDORS = """query Vendors($first: Int, $after: String) {
  vendors(first: $first, after: $after) {
    nodes { id slug name representative
      socialMediaLinks { kind url }
      taxons { slug name } }
    pageInfo { hasNextPage endCursor }
  }
}"""

VIEWER = """query Viewer { me { email vendors { slug name } } }"""
