"""The console shell: page context, templates, menus, CSRF, flash messages, error pages."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import jinja2
import structlog
from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData as StarletteForm

from orion.kernel.contract.points import STORE_DIRECTORY, StoreInfo
from orion.kernel.contract.principal import Principal
from orion.kernel.data.money import format_money
from orion.kernel.errors import (
    NotFound,
    OrionError,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from orion.kernel.runtime import Runtime

# The console's sign-in cookies are credentials, so the request path (the principal cache)
# knows their names; the console sets them.
from orion.kernel.web.dependencies import SESSION_COOKIE as SESSION_COOKIE
from orion.kernel.web.dependencies import TENANT_COOKIE as TENANT_COOKIE
from orion.kernel.web.dependencies import OptionalPrincipal, SessionDep, find_store
from orion.kernel.web.hygiene import check_text
from orion.kernel.web.messages import describe, field_path

log = structlog.get_logger(__name__)

CSRF_COOKIE = "orion_csrf"
FLASH_COOKIE = "orion_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KERNEL_TEMPLATES = Path(__file__).parent / "templates"
KERNEL_STATIC = Path(__file__).parent / "static"
# Front-end libraries come from npm at set-up time (`npm install` at the repository root,
# which `./dev serve` runs); the app serves them from there and works unstyled without.
VENDOR_FILES = {
    "htmx.min.js": ("htmx.org", "dist", "htmx.min.js"),
    "pico.min.css": ("@picocss", "pico", "css", "pico.min.css"),
    "chart.umd.js": ("chart.js", "dist", "chart.umd.js"),
}

FormErrors = dict[str, str]


class CsrfRejected(OrionError):
    status = 403
    code = "csrf_rejected"


# -- page context ------------------------------------------------------------------------------


@dataclass
class MenuEntry:
    label: str
    path: str
    active: bool = False


@dataclass
class PageContext:
    """What a console page needs: who is asking, rendering, redirects with a message."""

    request: Request
    runtime: Runtime
    principal: Principal | None
    csrf_token: str
    flashes: list[dict[str, str]] = field(default_factory=list)
    _set_csrf: bool = False

    @property
    def tenant(self) -> Any:
        return self.principal.tenant if self.principal else None

    def can(self, permission: str) -> bool:
        return self.principal is not None and self.principal.can(permission)

    def require(self, permission: str) -> None:
        """403 unless the signed-in user has `permission`."""
        if not self.can(permission):
            raise PermissionDenied(f"you need the {permission} permission for this page")

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        env = environment(self.runtime)
        html = env.get_template(template).render(
            page=self,
            menu=menu(self),
            csrf_field=lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
                CSRF_FIELD, self.csrf_token
            ),
            # Inline <script>s carry it: the console's Content-Security-Policy (web.security).
            csp_nonce=getattr(self.request.state, "csp_nonce", ""),
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        self._finish(response)
        return response

    def redirect(self, url: str, *, message: str | None = None, level: str = "success") -> Response:
        """303 to `url` (after a form), with a message shown on the next page."""
        if self.request.headers.get("hx-request"):
            response: Response = Response(status_code=204, headers={"HX-Redirect": url})
        else:
            response = RedirectResponse(url, status_code=303)
        if message:
            token = self.runtime.jwt.encode(
                {"sub": "flash", "aud": "flash", "messages": [{"level": level, "text": message}]},
                lifetime=timedelta(minutes=5),
            )
            response.set_cookie(FLASH_COOKIE, token, **_cookie_options(self.request, 300))
        self._finish(response)
        return response

    def _finish(self, response: Response) -> None:
        if self._set_csrf:
            # Readable by the page's script (HTMX sends it as a header); useless elsewhere.
            options = _cookie_options(self.request, 12 * 3600) | {"httponly": False}
            response.set_cookie(CSRF_COOKIE, self.csrf_token, **options)
        if self.flashes and FLASH_COOKIE in self.request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/console")


def _cookie_options(request: Request, max_age: int) -> dict[str, Any]:
    return {
        "max_age": max_age,
        "path": "/console",
        "httponly": True,
        "secure": request.url.scheme == "https",
        "samesite": "lax",
    }


async def page_context(request: Request, principal: OptionalPrincipal) -> PageContext:
    runtime: Runtime = request.app.state.runtime
    token = request.cookies.get(CSRF_COOKIE)
    fresh = not token or len(token) < 20
    if fresh:
        token = secrets.token_urlsafe(32)
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            request.state.form = form
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if fresh or not sent or not secrets.compare_digest(sent, token or ""):
            raise CsrfRejected("the form expired or came from another site; reload and retry")
    assert token is not None
    return PageContext(
        request=request,
        runtime=runtime,
        principal=principal,
        csrf_token=token,
        flashes=_read_flashes(runtime, request),
        _set_csrf=fresh,
    )


def _read_flashes(runtime: Runtime, request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        return list(runtime.jwt.decode(raw, audience="flash").get("messages", []))
    except OrionError:
        return []


ConsolePage = Annotated[PageContext, Depends(page_context)]


async def form_data(request: Request) -> dict[str, str]:
    """The posted form's fields (without the CSRF token), empty strings as missing."""
    form = getattr(request.state, "form", None) or await request.form()
    return {
        key: value
        for key, value in form.items()
        if key != CSRF_FIELD and isinstance(value, str) and value.strip() != ""
    }


FormData = Annotated[dict[str, str], Depends(form_data)]


M = TypeVar("M", bound=BaseModel)


async def posted_form(request: Request) -> StarletteForm:
    """The posted form as sent (for multi-valued fields: `form.getlist(name)`)."""
    return getattr(request.state, "form", None) or await request.form()


PostedForm = Annotated[StarletteForm, Depends(posted_form)]


def parse_form(model: type[M], data: dict[str, Any]) -> tuple[M | None, FormErrors]:
    """Validate posted fields with a schema: (the model, {}) or (None, {field: message})."""
    try:
        # A form's fields are text: "500" is read as the number a strict API schema wants.
        parsed = model.model_validate(data, strict=False)
        check_text(parsed, ())  # control characters in single-line fields (kernel.web.hygiene)
        return parsed, {}
    except ValidationFailed as refused:
        return None, {e.field: e.message for e in refused.errors}
    except ValidationError as exc:
        errors: FormErrors = {}
        for error in exc.errors():
            location = error.get("loc", ())
            name = field_path(location) if location else "form"
            errors.setdefault(name, describe(error))
        return None, errors


def error_fields(error: OrionError) -> FormErrors:
    """An OrionError's field errors as form errors (the message if it names none)."""
    if error.errors:
        return {e.field.split(".")[-1]: e.message for e in error.errors}
    return {"form": error.message}


R = TypeVar("R")


def attempt(
    session: Session, action: Callable[[], R], *, raise_on: Collection[int] = ()
) -> tuple[R | None, FormErrors]:
    """Run a posted form's service call in a savepoint: `(its result, {})`, or, when it is
    refused (a 4xx OrionError), `(None, the field errors)` with what it wrote rolled back,
    since the request still commits the page that shows them. Errors of 500 and above, and
    the statuses in `raise_on` (401 and 403 where they are the error page's), propagate."""
    try:
        with session.begin_nested():
            return action(), {}
    except OrionError as exc:
        if exc.status >= 500 or exc.status in raise_on:
            raise
        return None, error_fields(exc)


# -- gates -------------------------------------------------------------------------------------


def console_gate(code: str) -> Callable[..., Any]:
    """Router dependency of a module's tenant pages: a signed-in tenant member, the module
    on for the tenant (404 otherwise: its pages do not exist there)."""

    async def dependency(request: Request, principal: OptionalPrincipal) -> None:
        runtime: Runtime = request.app.state.runtime
        if principal is None:
            raise Unauthenticated("sign in to use the console")
        if principal.tenant is None:
            raise PermissionDenied("tenant pages are for members of a tenant")
        if runtime.registry.get(code).always_on:
            return
        enabled = getattr(request.state, "enabled_modules", None)
        if enabled is None or code not in enabled:
            raise NotFound("no such page")

    dependency.__name__ = f"console_gate_{code}"
    return dependency


async def operator_gate(principal: OptionalPrincipal) -> None:
    if principal is None:
        raise Unauthenticated("sign in to use the console")
    if not principal.is_superadmin:
        raise PermissionDenied("platform pages are for platform operators")


async def public_page() -> None:
    """Console pages anyone may open (sign-in, invitations, password reset)."""


# -- templates and menus -----------------------------------------------------------------------


def _money(amount: int | None, currency: str, locale: str = "en") -> str:
    return "" if amount is None else format_money(amount, currency, locale=locale)


def _when(value: Any) -> Markup | str:
    """A moment as people read it, on one line; the machine-readable time in `datetime`."""
    if not value:
        return ""
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(), value.strftime("%Y-%m-%d %H:%M")
    )


def environment(runtime: Runtime) -> jinja2.Environment:
    env = runtime.extras.get("console_env")
    if env is None:
        folders = [
            str(d.path / "templates")
            for d in runtime.registry.ordered
            if (d.path / "templates").is_dir()
        ]
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(KERNEL_TEMPLATES), *folders]),
            autoescape=jinja2.select_autoescape(default=True),
            undefined=jinja2.StrictUndefined,
        )
        env.globals["vendor"] = vendor_available(runtime)
        env.filters["when"] = _when
        # `{{ amount|money(currency) }}` or `{{ money(amount, currency) }}`: for people.
        env.filters["money"] = env.globals["money"] = _money
        env.filters["number"] = lambda value: f"{value:,}".replace(",", "\u202f")
        runtime.extras["console_env"] = env
    return env


def menu(page: PageContext) -> dict[str, list[MenuEntry]]:
    """The menu sections the signed-in user sees: tenant pages of the modules enabled for
    the tenant that the user's permissions allow; platform pages for operators."""
    principal = page.principal
    sections: dict[str, list[MenuEntry]] = {"tenant": [], "platform": []}
    if principal is None:
        return sections
    registry = page.runtime.registry
    enabled = getattr(page.request.state, "enabled_modules", None) or frozenset()
    items: list[tuple[int, str, Any]] = []
    for definition in registry.ordered:
        for item in definition.menu:
            if item.section == "tenant":
                if principal.tenant is None or definition.code not in enabled:
                    continue
                if item.permission and not principal.can(item.permission):
                    continue
            elif item.section == "platform" and not principal.is_superadmin:
                continue
            items.append((item.order, item.section, item))
    current = page.request.url.path
    for _, section, item in sorted(items, key=lambda entry: (entry[0], entry[2].label)):
        active = current == item.path or (
            not item.path.endswith("/") and current.startswith(item.path + "/")
        )
        sections.setdefault(section, []).append(MenuEntry(item.label, item.path, active))
    if principal.is_superadmin:
        sections["platform"].append(
            MenuEntry("Task runs", "/console/platform/tasks", current == "/console/platform/tasks")
        )
    return sections


def vendor_available(runtime: Runtime) -> dict[str, bool]:
    root = vendor_root(runtime)
    return {name: (root / Path(*parts)).is_file() for name, parts in VENDOR_FILES.items()}


def vendor_root(runtime: Runtime) -> Path:
    configured = runtime.settings.console_assets_dir
    if configured:
        return Path(configured)
    # An editable install (./dev): the repository's node_modules.
    return Path(__file__).resolve().parents[5] / "node_modules"


# -- mounting and errors -----------------------------------------------------------------------


def render_error(request: Request, error: OrionError) -> Response:
    """HTML for an error on a console page: sign-in for the anonymous, a page otherwise."""
    if isinstance(error, Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/console/sign-in?next={quote(target, safe='')}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)
    runtime: Runtime = request.app.state.runtime
    principal = getattr(request.state, "principal", None)
    page = PageContext(
        request=request,
        runtime=runtime,
        principal=principal,
        csrf_token=request.cookies.get(CSRF_COOKIE, ""),
    )
    return page.render(
        "console/error.html",
        status=error.status,
        error=error,
        request_id=getattr(request.state, "request_id", None),
    )


# -- the store a page works on -------------------------------------------------------------


@dataclass(frozen=True)
class StoreChoice:
    """The store a per-store page shows (`?store=<id>`, else the first the user reaches) and
    the others it may switch to; `store` is None while the tenant has no store."""

    store: StoreInfo | None
    stores: list[StoreInfo]

    def query(self) -> str:
        """`store=<id>` for links and forms that keep the chosen store."""
        return f"store={self.store.id}" if self.store else ""


def console_store(
    page: Annotated[PageContext, Depends(page_context)],
    session: SessionDep,
    store: Annotated[uuid.UUID | None, Query(description="The store the page shows")] = None,
) -> StoreChoice:
    """Per-store console pages: the chosen store, checked like `CurrentStore` (404 for one
    the user does not reach), and the stores of the switcher (`store_switcher` macro)."""
    if page.tenant is None:
        return StoreChoice(None, [])
    directory = page.runtime.registry.provider(STORE_DIRECTORY)
    reachable = page.principal.store_ids if page.principal else None
    stores = [
        s
        for s in (directory.stores(session, page.tenant) if directory is not None else [])
        if reachable is None or s.id in reachable
    ]
    if store is None:
        return StoreChoice(stores[0] if stores else None, stores)
    chosen = find_store(session, page.runtime, page.tenant, page.principal, store)
    return StoreChoice(chosen, stores)


ConsoleStore = Annotated[StoreChoice, Depends(console_store)]
