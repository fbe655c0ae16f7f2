"""Web plumbing shared by every module's routes: sessions, principals, module gating.

Routes declare what they need with the Annotated aliases below:

    @api.get("/things")
    def list_things(session: SessionDep, principal: TenantPrincipal) -> ThingsPublic: ...

A module's `api` router is its tenant router, written once and mounted twice
(`kernel.web.mounting`): under `/api/v1/<code>` for the tenant's own members (signed in for
a tenant that has the module on) and under `/api/v1/admin/<code>/tenants/{tenant_id}` for
platform operators acting for that tenant. Either way the route asks for `CurrentTenant`
and gets the tenant it acts for, and its `SessionDep` is already scoped to that tenant.
Its `admin` router is mounted under `/api/v1/admin/<code>` for platform-wide operator
routes; `public` under `/api/v1/public/<code>` without authentication.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http import HTTPStatus
from typing import Annotated, Any

import anyio
import structlog
from fastapi import Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.orm import Session

from orion.kernel.contract.points import AUTHENTICATOR, STORE_DIRECTORY, StoreInfo
from orion.kernel.contract.principal import Principal
from orion.kernel.data.db import TENANT_INFO, utcnow
from orion.kernel.data.paging import MAX_OFFSET, Keyset, Page
from orion.kernel.data.tenancy import TenantContext, all_tenants, set_tenant
from orion.kernel.errors import (
    ModuleNotEnabled,
    NotFound,
    PermissionDenied,
    StoreNotFound,
    Unauthenticated,
)
from orion.kernel.runtime import Runtime
from orion.kernel.runtime.principals import CREDENTIAL_STATE, Credential, PrincipalCache, Ticket

SESSION_COOKIE = "orion_session"  # the console's sign-in
TENANT_COOKIE = "orion_tenant"  # which of the user's tenants the console acts in


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


class RequestWork:
    """The request's one unit of work, opened when something first needs the database:
    authentication on a cache miss, or the route's `SessionDep` (acting for the request's
    tenant from its first statement). A request that needs neither opens none."""

    def __init__(self, runtime: Runtime) -> None:
        self._database = runtime.database
        self._context: AbstractContextManager[Session] | None = None
        self.session: Session | None = None

    def open(self, tenant: TenantContext | None = None) -> Session:
        """The session, opened acting for `tenant` if not open yet (then the caller sets
        the tenant it wants)."""
        if self.session is None:
            self._context = self._database.unit_of_work(tenant=tenant)
            self.session = self._context.__enter__()
        return self.session

    def close(self, error: BaseException | None) -> None:
        """Commit (or roll back on `error`, as the unit of work decides) and close."""
        context, self._context, self.session = self._context, None, None
        if context is not None:
            if error is None:
                context.__exit__(None, None, None)
            else:
                context.__exit__(type(error), error, error.__traceback__)


async def request_work(request: Request) -> AsyncIterator[RequestWork]:
    work = RequestWork(request.app.state.runtime)
    try:
        yield work
    except BaseException as error:
        await _close(work, error)
        raise
    else:
        await _close(work, None)


async def _close(work: RequestWork, error: BaseException | None) -> None:
    if work.session is None:
        return
    if not work.session.in_transaction():
        work.close(error)  # nothing was read: no round trip
        return
    # Commit or roll back off the event loop, shielded from cancellation, and not on the
    # request threads' limiter: requests waiting there for a pooled connection must not
    # keep the one that would give its connection back from running (as FastAPI's own
    # generator dependencies do).
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(work.close, error, limiter=anyio.CapacityLimiter(1))


# Closed when the endpoint returns, before the reply: the reply tells of committed work.
RequestWorkDep = Annotated[RequestWork, Depends(request_work, scope="function")]


async def resolve_principal(request: Request, work: RequestWorkDep) -> Principal | None:
    """Ask the `authenticator` provider who is calling; remembered for the request, and for
    the next requests with the same credential in the principal cache."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    runtime: Runtime = request.app.state.runtime
    authenticator = runtime.registry.provider(AUTHENTICATOR)
    principal = None
    if authenticator is not None:
        principal = await _authenticate(request, runtime, authenticator, work)
    request.state.principal = principal
    if principal is not None and principal.tenant is not None:
        # The request's session acts for this tenant, unless an operator route names another.
        if getattr(request.state, ACTING_TENANT, None) is None:
            setattr(request.state, ACTING_TENANT, principal.tenant)
        structlog.contextvars.bind_contextvars(tenant=str(principal.tenant.tenant_id))
    return principal


def credential_key(request: Request) -> bytes | None:
    """The principal cache's key: everything the authenticator's answer depends on (the
    bearer token and the tenant asked for, or the console's cookies), hashed; None when the
    request presents no credential."""
    on_console = request.url.path.startswith("/console")
    header = request.headers.get("authorization")
    if header:
        tenant = request.headers.get("x-tenant-id")
        return PrincipalCache.key("bearer", header, tenant, "console" if on_console else None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and on_console:
        return PrincipalCache.key("console", cookie, request.cookies.get(TENANT_COOKIE))
    return None


async def _authenticate(
    request: Request, runtime: Runtime, authenticator: Any, work: RequestWork
) -> Principal | None:
    cache = runtime.principals
    key = credential_key(request) if cache.enabled else None
    if key is not None:
        entry = cache.get(key)
        if entry is not None:
            for name, value in entry.state.items():
                setattr(request.state, name, value)
            now = utcnow()
            if entry.touch is not None and entry.claim_touch(now):
                touch = entry.touch

                def record_use() -> None:
                    with _authentication_session(request, runtime, work) as session:
                        touch(session, now)

                await run_in_threadpool(record_use)
            return entry.principal

    def authenticate() -> Principal | None:
        ticket = cache.begin() if key is not None else None  # before the database is read
        # Platform-level by nature: who is calling decides the tenant, not the reverse.
        with _authentication_session(request, runtime, work) as session:
            return read(session, ticket)

    def read(session: Session, ticket: Ticket | None) -> Principal | None:
        state: dict[str, Any] = {}
        with all_tenants(session):
            found = authenticator(session, request)
            tenant = found.tenant if found is not None else None
            if tenant is not None and tenant.platform_id is not None:
                # Read in the same unit of work: `require_module` needs no second one.
                state["enabled_modules"] = runtime.modules.enabled_codes(
                    session, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
                )
                if request.url.path.startswith("/console"):
                    # The console names the tenant it acts in.
                    state["tenant_name"] = runtime.directory.name_of(session, tenant.tenant_id)
        # What authentication loaded platform-wide stays out of the route's tenant's view.
        session.expunge_all()
        for name, value in state.items():
            setattr(request.state, name, value)
        credential: Credential | None = getattr(request.state, CREDENTIAL_STATE, None)
        if key is not None and found is not None and credential is not None:
            cache.put(key, ticket, found, credential, state)
        return found

    return await run_in_threadpool(authenticate)


@contextmanager
def _authentication_session(
    request: Request, runtime: Runtime, work: RequestWork
) -> Iterator[Session]:
    """The request's own unit of work when its route has one (`SessionDep`); otherwise a
    short one, closed at once: a route without it (a streamed AI call) must hold no
    transaction, and no SQLite write lock, while it runs."""
    if _route_uses_session(request):
        yield work.open()
    else:
        with runtime.database.unit_of_work() as session:
            yield session


_USES_SESSION = "orion_uses_session"  # on a route: worked out once, on its first request


def _route_uses_session(request: Request) -> bool:
    route = request.scope.get("route")
    known = getattr(route, _USES_SESSION, None)
    if known is None:
        dependant = getattr(route, "dependant", None)
        known = dependant is not None and _depends_on(dependant, get_session)
        if route is not None:
            setattr(route, _USES_SESSION, known)
    return known


def _depends_on(dependant: Any, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


ACTING_TENANT = "acting_tenant"  # request.state: the tenant the request's session acts for


async def get_session(request: Request, work: RequestWorkDep) -> Session:
    """The request's unit of work, committed after the endpoint returns (before the reply),
    acting for the request's tenant (the caller's own, or the one an operator route names)."""
    tenant = getattr(request.state, ACTING_TENANT, None)
    if work.session is None:
        return work.open(tenant)  # no statement yet: the tenant applies from the first one
    session = work.session
    if session.info.get(TENANT_INFO) != tenant:
        # Authentication (a cache miss) read in it already: act for the tenant from now on.
        await run_in_threadpool(set_tenant, session, tenant)
    return session


SessionDep = Annotated[Session, Depends(get_session)]
OptionalPrincipal = Annotated[Principal | None, Depends(resolve_principal)]


async def require_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated()
    return principal


async def require_tenant_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated()
    if principal.tenant is None:
        raise PermissionDenied("this route acts for a tenant; sign in as a tenant member")
    if principal.tenant.platform_id is None:
        raise PermissionDenied("the tenant belongs to no platform")
    return principal


async def require_platform_admin(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated()
    if not principal.is_superadmin:
        raise PermissionDenied("platform operators only")
    return principal


async def require_superadmin_unseen(principal: OptionalPrincipal) -> Principal:
    """Internal modules' routes exist only for platform operators: anyone else, signed in
    or not, gets the 404 an unknown path gets (their existence does not leak)."""
    if principal is None or not principal.is_superadmin:
        raise NotFound("no such page")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
TenantPrincipal = Annotated[Principal, Depends(require_tenant_principal)]
PlatformAdmin = Annotated[Principal, Depends(require_platform_admin)]


async def current_tenant_context(request: Request, principal: OptionalPrincipal) -> TenantContext:
    """The tenant the route acts for: the one an operator route names, else the caller's."""
    acting: TenantContext | None = getattr(request.state, ACTING_TENANT, None)
    if acting is not None:
        return acting
    return (await require_tenant_principal(principal)).tenant  # type: ignore[return-value]


CurrentTenant = Annotated[TenantContext, Depends(current_tenant_context)]


def target_tenant(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    tenant_id: Annotated[uuid.UUID, Path(description="The tenant the operator acts for")],
) -> TenantContext:
    """Operators act for the tenant named in the path: the request's session is scoped to
    it, so the same tenant-filtered service code serves them (404 for an unknown tenant)."""
    tenant = runtime.tenant_context(session, tenant_id)
    setattr(request.state, ACTING_TENANT, tenant)
    set_tenant(session, tenant)
    return tenant


TargetTenant = Annotated[TenantContext, Depends(target_tenant)]


def platform_param(
    session: SessionDep,
    runtime: RuntimeDep,
    platform_id: Annotated[
        uuid.UUID | None, Query(description="The default platform if omitted")
    ] = None,
) -> uuid.UUID:
    """Operator routes act on the platform named by `?platform_id=`, else the default one."""
    return platform_id or runtime.directory.default_platform_id(session)


PlatformId = Annotated[uuid.UUID, Depends(platform_param)]


def find_store(
    session: Session,
    runtime: Runtime,
    tenant: TenantContext,
    principal: Principal | None,
    store_id: uuid.UUID,
) -> StoreInfo:
    """The tenant's store `store_id` as `principal` may reach it; 404 `store_not_found` for
    an unknown store, another tenant's, or one outside the member's `store_ids`."""
    reach = principal.store_ids if principal is not None and not principal.is_superadmin else None
    if reach is not None and store_id not in reach:
        raise StoreNotFound(f"store {store_id} does not exist")
    directory = runtime.registry.provider(STORE_DIRECTORY)
    store = directory.store(session, tenant, store_id) if directory is not None else None
    if store is None:
        raise StoreNotFound(f"store {store_id} does not exist")
    return store


def current_store(
    session: SessionDep,
    runtime: RuntimeDep,
    tenant: CurrentTenant,
    principal: OptionalPrincipal,
    store_id: Annotated[uuid.UUID, Path(description="One of the tenant's stores")],
) -> StoreInfo:
    """Routes under `/stores/{store_id}/...`: the store, checked against the caller."""
    return find_store(session, runtime, tenant, principal, store_id)


CurrentStore = Annotated[StoreInfo, Depends(current_store)]


def mark_route(code: str, prefix: str) -> Callable[..., Any]:
    """Router dependency: tell the metrics middleware the module and full route template."""

    async def dependency(request: Request) -> None:
        route = request.scope.get("route")
        path = getattr(route, "path_format", "") or ""
        # Depending on the FastAPI version, an included route knows its prefix or not.
        request.state.route_template = path if path.startswith(prefix) else prefix + path
        request.state.module = code
        structlog.contextvars.bind_contextvars(module=code)

    dependency.__name__ = f"mark_route_{code}"
    return dependency


def require_module(code: str) -> Callable[..., Any]:
    """Router dependency: the module must be enabled for the caller's tenant."""

    async def dependency(
        request: Request, principal: TenantPrincipal, work: RequestWorkDep
    ) -> None:
        runtime: Runtime = request.app.state.runtime
        definition = runtime.registry.get(code)
        if definition.always_on:
            return
        tenant = principal.tenant
        assert tenant is not None and tenant.platform_id is not None

        known: frozenset[str] | None = getattr(request.state, "enabled_modules", None)
        if known is not None:
            enabled = code in known
        else:

            def read() -> bool:
                # An authenticator that read no modules: ask in the request's unit of work.
                with (
                    _authentication_session(request, runtime, work) as session,
                    all_tenants(session),
                ):
                    return runtime.modules.is_enabled(
                        session, code, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
                    )

            enabled = await run_in_threadpool(read)
        if not enabled:
            raise ModuleNotEnabled(code)

    dependency.__name__ = f"require_module_{code}"
    return dependency


def require_permission(permission: str) -> Callable[..., Any]:
    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise PermissionDenied(f"missing permission {permission}", permission=permission)
        return principal

    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    return dependency


def page_params(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(page_params)]


def keyset_params(
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[
        str | None,
        Query(max_length=512, description="The `next_cursor` of the previous page"),
    ] = None,
) -> Keyset:
    return Keyset(limit=limit, after=after)


KeysetDep = Annotated[Keyset, Depends(keyset_params)]


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=200,
            pattern=r"^[\x21-\x7e]+$",
            description="Send a retried request with the same key to have it applied once",
        ),
    ] = None,
) -> str | None:
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the problem+json errors a route answers."""
    return {
        status: {"model": ProblemPublic, "description": HTTPStatus(status).phrase}
        for status in statuses
    }


class ProblemPublic(BaseModel):
    """RFC 9457 problem details, as every Orion error is answered."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, str]] | None = None
