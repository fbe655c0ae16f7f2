"""The API's documentation pages, served by the deployment itself.

`/docs` (Swagger UI) and `/redoc` load their scripts from `/docs/assets/`, copied from the
`fastapi-offline` package (PyPI) rather than a CDN, so they work on a machine with no
network beyond the server. The OpenAPI document declares how callers sign in: a bearer
token (an access token or a sign-in's access token) and OAuth2's password flow on
`POST /api/v1/public/auth/login`, which is what Swagger's Authorize dialog uses; every
operation outside the public prefixes requires one of them.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/docs/assets"
LOGIN_PATH = "/api/v1/public/auth/login"
OPEN_PREFIXES = ("/api/v1/public/", "/health", "/ready", "/metrics")

SECURITY_SCHEMES: dict[str, Any] = {
    "OAuth2Password": {
        "type": "oauth2",
        "description": "Sign in with an e-mail address and password (Swagger's Authorize).",
        "flows": {"password": {"tokenUrl": LOGIN_PATH, "scopes": {}}},
    },
    "BearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token (`orion_at_...`) or a sign-in's access token; add "
        "`X-Tenant-ID` to act in another of your tenants.",
    },
}
SIGNED_IN = [{"OAuth2Password": []}, {"BearerToken": []}]


def asset_folder() -> Path | None:
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "static"
    return folder if folder.is_dir() else None


def install_api_docs(app: FastAPI, *, title: str) -> None:
    """Serve `/docs`, `/docs/oauth2-redirect` and `/redoc` with local assets."""
    folder = asset_folder()
    if folder is not None:
        app.mount(ASSETS_PATH, StaticFiles(directory=folder), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} — API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
            oauth2_redirect_url=redirect_url,
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
        )

    @app.get(redirect_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} — API reference",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )


def declare_security(document: dict[str, Any]) -> dict[str, Any]:
    """Add the sign-in schemes, and require them on every operation not public."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for path, operations in document.get("paths", {}).items():
        if path.startswith(OPEN_PREFIXES):
            continue
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation.setdefault("security", SIGNED_IN)
    return document
