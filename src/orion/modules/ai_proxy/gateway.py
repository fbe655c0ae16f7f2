"""A call through the proxy: admit it (rate limits, the route from memory), hold its worst
case (one statement), call the provider on one retry loop that moves on to the model's
fallbacks, settle what the provider reported and record the usage (two statements, one
commit), then answer. Charging before answering is what makes a server killed mid-load
lose nothing: every answer a client got is recorded and charged; a call killed before its
answer leaves only its hold, which expires (`credits.release_expired_holds`) and is given
back.

A streamed answer is read from the provider by a task of its own (`_pump`), which hands
the chunks to the client's response through a small buffer. The client going away ends
the relay but not the pump: it reads the provider to the end, so the call is settled on
the usage the provider reports for what it produced.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx
import orjson
import structlog
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from httpx_sse import EventSource
from starlette.responses import Response, StreamingResponse

from orion.kernel.contract.principal import Principal
from orion.kernel.data.tenancy import TenantContext
from orion.kernel.errors import OrionError
from orion.kernel.runtime import Runtime
from orion.modules.ai_proxy import service
from orion.modules.ai_proxy.exceptions import UpstreamFailed
from orion.modules.ai_proxy.metering import estimate_tokens
from orion.modules.ai_proxy.providers import (
    StreamFailed,
    StreamReader,
    UpstreamRequest,
    Usage,
    adapter_for,
    error_message,
    sse,
)
from orion.modules.ai_proxy.ratelimit import RateLimiter
from orion.modules.ai_proxy.schemas import ChatCompletionCreate, EmbeddingCreate, ModelKind
from orion.modules.ai_proxy.service import Call, Candidate, Outcome, Route

log = structlog.get_logger(__name__)

RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
NEXT_MODEL = frozenset({401, 403, 404})  # this provider or key will not serve it; another may
RELAY_BUFFER = 64  # chunks between the provider and a slow client
CLIENT_STALL_SECONDS = 30  # a client that reads nothing this long is treated as gone
ROUTE_SECONDS = 5.0  # how long a model's route (models, keys, limits) is reused
ROUTES_KEPT = 10_000
JSON = "application/json"


def gateway_of(runtime: Runtime) -> Gateway:
    gateway = runtime.extras.get("ai_proxy.gateway")
    if gateway is None:
        gateway = runtime.extras["ai_proxy.gateway"] = Gateway(runtime)
    return gateway


class Gateway:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = service.settings_of(runtime)
        self.limiter = RateLimiter(
            runtime.settings.broker_url, prefix=runtime.settings.broker_key_prefix
        )
        # One connection pool per event loop (tests run apps on several).
        self._clients: weakref.WeakKeyDictionary[Any, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._pumps: set[asyncio.Task[None]] = set()
        self._routes: dict[tuple[Any, ...], tuple[float, Route]] = {}
        # A stopping server first lets the streams it is still reading end and be billed.
        runtime.drains.append(self.idle)

    # -- the endpoints -------------------------------------------------------------------------

    async def chat(
        self, request: Request, principal: Principal, body: ChatCompletionCreate
    ) -> Response:
        data = body.model_dump(exclude_unset=True)
        call = await self._open(request, principal, "chat.completions", data, body.output_cap)
        started = time.perf_counter()

        def build(candidate: Candidate) -> UpstreamRequest:
            return adapter_for(candidate.provider).chat_request(
                data,
                upstream_model=candidate.upstream_model,
                api_key=candidate.api_key,
                output_cap=call.cap(candidate),
            )

        if not body.stream:
            return await self._answer(call, build, started, read="chat")
        try:
            candidate, upstream = await self._send(call, build, stream=True)
        except BaseException as exc:
            raise await self._fail(call, exc, started) from None
        reader = adapter_for(candidate.provider).stream_reader(
            model=body.model, wants_usage=body.wants_usage_chunk
        )
        send, receive = anyio.create_memory_object_stream[bytes](RELAY_BUFFER)
        pump = asyncio.create_task(self._pump(call, candidate, upstream, reader, send, started))
        self._pumps.add(pump)
        pump.add_done_callback(self._pumps.discard)
        return StreamingResponse(
            _relay(receive),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def embeddings(
        self, request: Request, principal: Principal, body: EmbeddingCreate
    ) -> Response:
        data = body.model_dump(exclude_unset=True)
        call = await self._open(request, principal, "embeddings", data, None)

        def build(candidate: Candidate) -> UpstreamRequest:
            return adapter_for(candidate.provider).embeddings_request(
                data, upstream_model=candidate.upstream_model, api_key=candidate.api_key
            )

        return await self._answer(call, build, time.perf_counter(), read="embeddings")

    async def idle(self) -> None:
        """Wait for the streams this event loop is still reading (and settling)."""
        loop = asyncio.get_running_loop()
        while pumps := [pump for pump in self._pumps if pump.get_loop() is loop]:
            await asyncio.gather(*pumps, return_exceptions=True)

    # -- the steps -----------------------------------------------------------------------------

    async def _open(
        self,
        request: Request,
        principal: Principal,
        endpoint: str,
        data: dict[str, Any],
        output_cap: int | None,
    ) -> Call:
        tenant = principal.tenant
        assert tenant is not None
        kind = ModelKind.EMBEDDING if endpoint == "embeddings" else ModelKind.CHAT

        def open_call() -> Call:
            route = self._route(tenant, data["model"], kind)
            self.limiter.admit(
                route.limits, tenant=str(tenant.tenant_id), principal=principal.subject
            )
            # One statement: the hold (the route and the limits came from memory).
            with self.runtime.database.unit_of_work() as session:
                return service.open_call(
                    session,
                    tenant,
                    route,
                    principal=principal.subject,
                    user_id=principal.user_id,
                    request_id=getattr(request.state, "request_id", None),
                    endpoint=endpoint,
                    body=data,
                    output_cap=output_cap,
                )

        return await run_in_threadpool(open_call)

    def _route(self, tenant: TenantContext, name: str, kind: ModelKind) -> Route:
        """The model's route, kept ROUTE_SECONDS: three queries and a key to decrypt less
        per call. Catalogue, key and limit changes apply within that time."""
        key = (tenant.tenant_id, name, kind)
        now = time.monotonic()
        kept = self._routes.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        with self.runtime.database.unit_of_work(tenant=tenant) as session:
            found = service.route(session, tenant, name, kind)
        if len(self._routes) >= ROUTES_KEPT:
            self._routes.clear()
        self._routes[key] = (now + ROUTE_SECONDS, found)
        return found

    async def _send(
        self,
        call: Call,
        build: Callable[[Candidate], UpstreamRequest],
        *,
        stream: bool,
    ) -> tuple[Candidate, httpx.Response]:
        """The retry loop: each model (the one asked for, then its fallbacks) is tried up to
        `retries + 1` times while its failures are transient; a refusal of the key or model
        moves on to the next; a refusal of the request itself ends the call."""
        client = self._client()
        failure: UpstreamFailed | None = None
        for candidate in call.candidates:
            for retry in range(self.settings.retries + 1):
                if retry:
                    await asyncio.sleep(self.settings.retry_backoff_seconds * 2 ** (retry - 1))
                call.attempts += 1
                upstream = build(candidate)
                request = client.build_request(
                    "POST",
                    candidate.base_url + upstream.path,
                    headers=upstream.headers,
                    content=orjson.dumps(upstream.body),
                )
                request.headers["Content-Type"] = JSON
                try:
                    response = await client.send(request, stream=stream)
                except httpx.TimeoutException:
                    failure = UpstreamFailed(
                        f"{candidate.name}: the provider did not answer in time", status=504
                    )
                    continue
                except httpx.TransportError as exc:
                    failure = UpstreamFailed(
                        f"{candidate.name}: the provider could not be reached "
                        f"({type(exc).__name__})"
                    )
                    continue
                if response.status_code < 400:
                    return candidate, response
                content = await response.aread()
                await response.aclose()
                said = error_message(response.status_code, content)
                log.warning(
                    "ai_upstream_refused",
                    model=candidate.name,
                    status=response.status_code,
                    detail=said,
                )
                if response.status_code in RETRYABLE:
                    failure = UpstreamFailed(
                        f"{candidate.name}: {said}", upstream_status=response.status_code
                    )
                    continue
                if response.status_code in NEXT_MODEL:
                    failure = UpstreamFailed(
                        f"{candidate.name}: the provider refused the call ({said})",
                        upstream_status=response.status_code,
                    )
                    break
                # The provider judged the request itself: another model would too.
                raise UpstreamFailed(
                    said, status=response.status_code, upstream_status=response.status_code
                )
        assert failure is not None
        raise failure

    async def _answer(
        self,
        call: Call,
        build: Callable[[Candidate], UpstreamRequest],
        started: float,
        *,
        read: str,
    ) -> Response:
        try:
            candidate, upstream = await self._send(call, build, stream=False)
            adapter = adapter_for(candidate.provider)
            try:
                data = orjson.loads(upstream.content)
                body, usage = (adapter.read_chat if read == "chat" else adapter.read_embeddings)(
                    data
                )
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
                raise UpstreamFailed(
                    f"{candidate.name}: the provider's answer is unreadable"
                ) from None
        except BaseException as exc:
            raise await self._fail(call, exc, started) from None
        if usage.estimated:
            usage = Usage(call.input_estimate, _estimate_output(body), estimated=True)
        outcome = Outcome(
            status="ok",
            served_by=candidate,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            usage_estimated=usage.estimated,
            attempts=call.attempts,
            latency_ms=_ms_since(started),
        )
        # Charged and recorded before the answer leaves: a server killed after this point
        # has billed every answer a client got. A client leaving meanwhile cancels nothing.
        with anyio.CancelScope(shield=True):
            await self._close(call, outcome)
        return Response(orjson.dumps(body), media_type=JSON)

    async def _pump(
        self,
        call: Call,
        candidate: Candidate,
        upstream: httpx.Response,
        reader: StreamReader,
        send: MemoryObjectSendStream[bytes],
        started: float,
    ) -> None:
        status, error, client_gone, closed = "ok", None, False, False
        try:
            async for event in EventSource(upstream).aiter_sse():
                if not event.data:
                    continue
                pieces = reader.read(event.event, event.data)
                if reader.finished:
                    # The answer is complete: charged and recorded before its last bytes
                    # leave, so a server killed later has billed every answer a client got.
                    closed = True
                    with anyio.CancelScope(shield=True):
                        await self._close_stream(
                            call, candidate, upstream, reader, started, client_gone=client_gone
                        )
                for piece in pieces:
                    if client_gone:
                        continue
                    try:
                        with anyio.fail_after(CLIENT_STALL_SECONDS):
                            await send.send(piece)
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError, TimeoutError):
                        client_gone = True
                if reader.finished:
                    break
            if not reader.finished:
                raise StreamFailed("the provider ended the stream before it was complete")
        except (StreamFailed, httpx.HTTPError, orjson.JSONDecodeError) as exc:
            status = "failed"
            error = (
                str(exc)
                if isinstance(exc, StreamFailed)
                else f"stream broken ({type(exc).__name__})"
            )
            log.warning("ai_stream_failed", model=candidate.name, error=error)
            if not client_gone:
                failure = {"message": error, "type": "upstream_error", "code": "upstream_error"}
                with anyio.move_on_after(1):
                    await send.send(sse({"error": failure}))
        except BaseException as exc:
            status, error = "failed", f"internal error ({type(exc).__name__})"
            log.error("ai_stream_crashed", exc_info=True)
            if not isinstance(exc, Exception):
                raise
        finally:
            send.close()
            if not closed:
                with anyio.CancelScope(shield=True):
                    await self._close_stream(
                        call,
                        candidate,
                        upstream,
                        reader,
                        started,
                        client_gone=client_gone,
                        status=status,
                        error=error,
                    )

    async def _close_stream(
        self,
        call: Call,
        candidate: Candidate,
        upstream: httpx.Response,
        reader: StreamReader,
        started: float,
        *,
        client_gone: bool,
        status: str = "ok",
        error: str | None = None,
    ) -> None:
        await upstream.aclose()
        usage = reader.final_usage(call.input_estimate)
        if status == "ok" and client_gone:
            status = "disconnected"
        outcome = Outcome(
            status=status,
            served_by=candidate,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            usage_estimated=usage.estimated,
            attempts=call.attempts,
            latency_ms=_ms_since(started),
            error=error,
        )
        await self._close(call, outcome)

    async def _fail(self, call: Call, exc: BaseException, started: float) -> BaseException:
        """A call that produced nothing: release its hold, record why; what to raise."""
        error = exc if isinstance(exc, OrionError) else None
        if error is None:
            if not isinstance(exc, Exception):
                error = UpstreamFailed("the call was cancelled")
            else:
                log.error("ai_call_crashed", exc_info=exc)
                error = UpstreamFailed(f"the call failed ({type(exc).__name__})")
        outcome = Outcome(
            status="failed",
            attempts=call.attempts,
            latency_ms=_ms_since(started),
            error=error.message,
        )
        with anyio.CancelScope(shield=True):
            await self._close(call, outcome)
        return error if isinstance(exc, Exception) else exc

    async def _close(self, call: Call, outcome: Outcome) -> None:
        def close() -> None:
            # Two statements (settlement, usage record) committed together; both name the
            # call's tenant, so the unit of work sets none.
            with self.runtime.database.unit_of_work() as session:
                service.close_call(session, call, outcome)

        try:
            await run_in_threadpool(close)
        except Exception:
            # The hold stays open and expires (given back): the tenant is never charged
            # twice, at worst not at all. Loud, so operators see it.
            log.error("ai_call_not_settled", hold_id=str(call.hold_id), exc_info=True)
        self.limiter.spent(
            call.limits,
            tenant=str(call.tenant.tenant_id),
            principal=call.principal,
            tokens=outcome.input_tokens + outcome.output_tokens,
        )

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(
                    self.settings.read_timeout_seconds,
                    connect=self.settings.connect_timeout_seconds,
                ),
                limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200),
            )
            self._clients[loop] = client
        return client


async def _relay(receive: MemoryObjectReceiveStream[bytes]) -> AsyncIterator[bytes]:
    # Closing the receiving end (the client went away) tells the pump to stop sending.
    with receive:
        async for piece in receive:
            yield piece


def _estimate_output(body: dict[str, Any]) -> int:
    text = "".join(
        str((choice.get("message") or {}).get("content") or "")
        for choice in body.get("choices", ())
    )
    return estimate_tokens(text)


def _ms_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
