"""Exception handlers: every error leaves as RFC 9457 problem+json with a stable `code`."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from orion.kernel.errors import (
    FieldError,
    InternalError,
    OrionError,
    ValidationFailed,
    problem_for_status,
)
from orion.kernel.web.limits import BODY_LIMIT
from orion.kernel.web.messages import describe, field_path

log = structlog.get_logger(__name__)
PROBLEM_JSON = "application/problem+json"


ProblemRenderer = Callable[[Request, OrionError], Response]


def add_problem_renderer(app: FastAPI, prefix: str, renderer: ProblemRenderer) -> None:
    """Errors under `prefix` are answered by `renderer` instead of problem+json: the console
    shows people a page; the OpenAI-compatible surface answers in OpenAI's error shape."""
    renderers: dict[str, ProblemRenderer] = app.state.__dict__.setdefault("problem_renderers", {})
    renderers[prefix] = renderer


def problem_response(request: Request, error: OrionError) -> Response:
    renderers: dict[str, ProblemRenderer] = getattr(request.app.state, "problem_renderers", {})
    for prefix, renderer in renderers.items():
        if request.url.path == prefix or request.url.path.startswith(prefix + "/"):
            return renderer(request, error)
    body = error.problem(
        instance=request.url.path, request_id=getattr(request.state, "request_id", None)
    )
    return JSONResponse(
        body, status_code=error.status, headers=error.headers, media_type=PROBLEM_JSON
    )


def validation_failed(request: Request, exc: RequestValidationError) -> ValidationFailed:
    """A request's validation errors, each a sentence about its field (`messages`)."""
    if _form_expected(request):
        return ValidationFailed(
            "this route takes a form (application/x-www-form-urlencoded or multipart/form-data)"
            ", not JSON",
            errors=[FieldError("body", "Send the fields as a form, not as JSON.", "form_expected")],
        )
    errors = [
        FieldError(
            "body" if e.get("type") == "json_invalid" else field_path(e.get("loc", ())),
            describe(e, body=exc.body),
            e.get("type", ""),
        )
        for e in exc.errors()
    ]
    if len(errors) == 1:
        return ValidationFailed(errors[0].message, errors=errors)
    fields = ", ".join(dict.fromkeys(e.field for e in errors))
    return ValidationFailed(f"{len(errors)} problems in the request: {fields}.", errors=errors)


def _form_expected(request: Request) -> bool:
    """A JSON body sent to a route whose body is a form."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        return False
    body_field = getattr(request.scope.get("route"), "body_field", None)
    return body_field is not None and isinstance(body_field.field_info, params.Form)


def _too_large(request: Request) -> str:
    """A body beyond the route's limit (`kernel.web.limits`), said with the limit."""
    limit = request.scope.get(BODY_LIMIT)
    if not isinstance(limit, int):
        return "the request body is too large"
    return f"the request body is larger than the {limit:,} bytes this route takes"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(OrionError)
    async def orion_error(request: Request, exc: OrionError) -> Response:
        if exc.status >= 500:
            log.error("orion_error", code=exc.code, detail=exc.message)
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(request, validation_failed(request, exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if exc.detail else None
        if exc.status_code == 413:
            detail = _too_large(request)
        error = problem_for_status(exc.status_code, detail)
        if exc.status_code == 413:
            error.code = "content_too_large"  # RFC 9110's name; Python's phrase is older
        error.headers.update(exc.headers or {})
        return problem_response(request, error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette answers unhandled errors outside every middleware, after the request
        # context middleware has let go of the request: name the request id here.
        request_id = getattr(request.state, "request_id", None)
        log.exception("unhandled_error", path=request.url.path, request_id=request_id)
        error = InternalError(
            "an unexpected error occurred; quote the request id when reporting it"
        )
        if request_id:
            error.headers["X-Request-ID"] = request_id
        return problem_response(request, error)
