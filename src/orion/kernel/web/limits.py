"""How large a request body a route reads.

Every route reads at most `ORION_REQUEST_BODY_LIMIT_BYTES` (1 MiB): a larger body is
answered `413 content_too_large` (a problem) as soon as its `Content-Length` says so, or as
soon as the bytes read pass the limit, never read whole (`BodyLimitMiddleware`, installed by
`create_app`). A route that takes files declares it:

    from orion.kernel.web.limits import accepts_upload

    @api.post("/stores/{store_id}/imports")
    @accepts_upload()                       # ORION_UPLOAD_BODY_LIMIT_BYTES (64 MiB)
    async def upload_import(..., file: Annotated[UploadFile, File()]) -> ImportPublic: ...

    @accepts_upload(max_bytes=200 * 1024 * 1024)   # its own limit, when it needs more

The decorator goes below the router's; console pages that take files (`/console/...`
routes) declare it the same way. Multipart files beyond 1 MiB are spooled to a temporary
file by Starlette, not held in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Any])
UPLOAD = "__orion_upload_limit__"  # on an endpoint: its limit in bytes (0: the deployment's)


def accepts_upload(*, max_bytes: int | None = None) -> Callable[[F], F]:
    """Mark an endpoint as taking an upload: its body may be as large as `max_bytes`, or the
    deployment's `upload_body_limit_bytes` when None."""
    if max_bytes is not None and max_bytes < 1:
        raise ValueError("max_bytes must be positive")

    def mark(endpoint: F) -> F:
        setattr(endpoint, UPLOAD, max_bytes or 0)
        return endpoint

    return mark


def upload_limit_of(endpoint: Any, default: int) -> int | None:
    """The body limit an endpoint declared (`default` for the deployment's), or None."""
    declared = getattr(endpoint, UPLOAD, None)
    if declared is None:
        return None
    return declared or default


BODY_LIMIT = "orion.body_limit"  # scope: the limit the request's body was read against


class BodyLimitMiddleware:
    """Counts what a request's body brings in as the route reads it: a `Content-Length`
    beyond the route's limit is refused at the first read, a streamed body as soon as it
    passes it (413, answered as a problem by the app's handlers). A route that never reads
    its body reads nothing of it. The limit is the route's (`accepts_upload`), known once
    the request is routed, which is before anything reads the body."""

    def __init__(self, app: ASGIApp, *, default: int, upload_default: int) -> None:
        self.app = app
        self.default = default
        self.upload_default = upload_default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = _content_length(scope)
        limit: int | None = None
        total = 0

        async def limited_receive() -> Message:
            nonlocal limit, total
            if limit is None:
                limit = self._limit_for(scope)
                scope[BODY_LIMIT] = limit
            if announced is not None and announced > limit:
                raise HTTPException(413)
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited_receive, send)

    def _limit_for(self, scope: Scope) -> int:
        endpoint = getattr(scope.get("route"), "endpoint", None) or scope.get("endpoint")
        declared = upload_limit_of(endpoint, self.upload_default)
        return self.default if declared is None else declared


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
