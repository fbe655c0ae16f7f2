"""Response headers every answer carries, CORS, and who may read the operations routes.

* `SecurityHeadersMiddleware` adds to every response: `X-Content-Type-Options: nosniff`,
  `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'` (no page of Orion in a frame),
  `Referrer-Policy: same-origin`, and `Strict-Transport-Security` when the request came
  over https (as the server sees it: behind a proxy, uvicorn's `--proxy-headers`). The
  Content-Security-Policy depends on what is answered:
  - console pages (`/console`): scripts only from the server and inline ones carrying the
    request's nonce (`csp_nonce` in templates: `<script nonce="{{ csp_nonce }}">`), no
    inline event handlers, no plugins, forms posted only to the server; styles from the
    server and inline (templates and htmx use `style`);
  - the API documentation (`/docs`, `/redoc`, FastAPI's pages with inline scripts): only
    `frame-ancestors 'none'`;
  - everything else (JSON): `default-src 'none'`.
* CORS is closed unless `ORION_CORS_ALLOWED_ORIGINS` names origins (`cors_middleware`).
* `/metrics` and `/ready`'s details are for platform operators (`operations_access`): an
  operator's token, or a client address in `ORION_OPERATIONS_NETWORKS`.
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orion.kernel.contract.principal import Principal
from orion.kernel.errors import PermissionDenied, Unauthenticated

HSTS = "max-age=63072000; includeSubDomains"  # two years, as the HSTS preload list asks
CSP_NONCE = "csp_nonce"  # request.state: the nonce of this answer's inline scripts
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = "frame-ancestors 'none'"
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_PREFIXES = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    """Pure ASGI (streamed answers stay streamed); see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path == "/console" or path.startswith("/console/"):
            nonce = secrets.token_urlsafe(18)
            scope.setdefault("state", {})[CSP_NONCE] = nonce
            policy = CONSOLE_CSP.format(nonce=nonce)
        elif path.startswith(DOCS_PREFIXES):
            policy = DOCS_CSP
        else:
            policy = API_CSP
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Content-Security-Policy", policy)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security(app: FastAPI, *, cors_origins: list[str]) -> None:
    """CORS (only for the configured origins) inside the security headers: a preflight's
    answer carries them too."""
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            # Bearer tokens, not cookies: the console's cookies never serve another origin.
            allow_credentials=False,
            allow_headers=["Authorization", "Content-Type", "X-Tenant-ID", "Idempotency-Key"],
            expose_headers=["X-Request-ID", "Retry-After", "Location"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)


@lru_cache(maxsize=64)
def _networks(
    networks: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def from_operations_network(request: Request, networks: list[str]) -> bool:
    """The client's address is in one of the configured operations networks."""
    host = request.client.host if request.client else None
    if not host or not networks:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(networks)))


def operations_access(request: Request, principal: Principal | None, networks: list[str]) -> bool:
    """May the caller read the operations details (see the module docstring)?"""
    if principal is not None and principal.is_superadmin:
        return True
    return from_operations_network(request, networks)


def require_operations_access(
    request: Request, principal: Principal | None, networks: list[str]
) -> None:
    if operations_access(request, principal, networks):
        return
    if principal is None:
        raise Unauthenticated("sign in as a platform operator, or scrape from an allowed network")
    raise PermissionDenied("platform operators only")
