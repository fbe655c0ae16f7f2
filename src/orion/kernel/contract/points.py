"""Extension points: where the kernel (or one module) asks a module for an answer.

Each point is declared once, here, with the Protocol its provider must fit and whether one
provider answers or several do. A module offers a provider by naming the point in its
definition (`provides={"tenant_directory": "pkg.service:directory"}`); code that asks uses
the declaration, so the answer is typed:

    directory = registry.provider(TENANT_DIRECTORY)       # TenantDirectory | None
    for code, rotate in registry.all_providers(SECRET_ROTATION): ...

The registry refuses a definition that provides an undeclared point, and
`orion modules check` refuses a provider that does not fit its Protocol.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from sqlalchemy.orm import Session

from orion.kernel.contract.principal import Membership, Principal
from orion.kernel.data.tenancy import TenantContext

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import Response

    from orion.kernel.errors import OrionError

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class ExtensionPoint(Generic[P]):
    name: str
    protocol: type[P]
    many: bool  # several providers answer together (every one is asked)
    description: str

    def misfit(self, provider: Any) -> str | None:
        """Why `provider` does not fit the Protocol, or None when it does."""
        methods = _protocol_methods(self.protocol)
        if set(methods) == {"__call__"}:
            if not callable(provider):
                return f"it is a {type(provider).__name__}, not a callable"
            return _signature_misfit(provider, methods["__call__"], "it")
        for name, expected in methods.items():
            member = getattr(provider, name, None)
            if member is None or not callable(member):
                return f"it has no method {name}()"
            problem = _signature_misfit(member, expected, f"{name}()")
            if problem:
                return problem
        return None


def _protocol_methods(protocol: type) -> dict[str, Callable[..., Any]]:
    names = [
        name
        for name, value in vars(protocol).items()
        if callable(value) and (not name.startswith("_") or name == "__call__")
    ]
    return {name: getattr(protocol, name) for name in names}


def _signature_misfit(
    function: Callable[..., Any], expected: Callable[..., Any], what: str
) -> str | None:
    """Does `function` accept every call the Protocol's method allows, and need no more?"""
    try:
        actual = inspect.signature(function)
    except (TypeError, ValueError):
        return None  # a builtin or C callable: nothing to compare
    wanted = list(inspect.signature(expected).parameters.values())[1:]  # drop self
    positional = [p.name for p in wanted if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keywords = [p.name for p in wanted if p.kind is p.KEYWORD_ONLY]
    shape = ", ".join(positional + (["*", *keywords] if keywords else []))
    try:
        actual.bind(*positional, **dict.fromkeys(keywords))
    except TypeError as exc:
        return f"{what} does not take ({shape}): {exc}"
    return None


# -- the Protocols ---------------------------------------------------------------------------


@runtime_checkable
class TenantDirectory(Protocol):
    """Who the tenants are and which platform each belongs to."""

    def default_platform_id(self, session: Session) -> uuid.UUID: ...

    def platform_of(self, session: Session, tenant_id: uuid.UUID) -> uuid.UUID | None: ...

    def tenants(
        self, session: Session, platform_id: uuid.UUID | None = None
    ) -> list[TenantContext]: ...

    def name_of(self, session: Session, tenant_id: uuid.UUID) -> str | None:
        """The tenant's display name (the console shows it)."""
        ...

    def lookup(self, session: Session, reference: str) -> list[TenantContext]:
        """The tenants a person means by `reference`: its full id or its slug (one slug may
        name a tenant on each of several platforms). The CLI takes either."""
        ...

    def platform_lookup(self, session: Session, reference: str) -> uuid.UUID | None:
        """The platform whose full id or code is `reference`."""
        ...


class Authenticator(Protocol):
    """Turn a request (its bearer token or console cookie) into a principal."""

    def __call__(self, session: Session, connection: HTTPConnection) -> Principal | None: ...


@runtime_checkable
class MembershipResolver(Protocol):
    """A user's standing in a tenant."""

    def membership(
        self, session: Session, user_id: uuid.UUID, tenant_id: uuid.UUID | None
    ) -> Membership | None:
        """The membership in `tenant_id`, or the user's default one when it is None."""
        ...


class CreditBalance(Protocol):
    """A tenant's credit balance, None when it has no account."""

    def __call__(self, session: Session, tenant_id: uuid.UUID) -> int | None: ...


class SecretRotation(Protocol):
    """Re-seal the secrets a module stores with the newest key; how many were re-sealed."""

    def __call__(self, session: Session) -> int: ...


@runtime_checkable
class UsageLimits(Protocol):
    """A plan's limits: refuse what would pass one, count per-period usage."""

    def check(
        self, session: Session, tenant: TenantContext, *, limit: str, current: int, adding: int = 1
    ) -> None: ...

    def consume(
        self, session: Session, tenant: TenantContext, *, counter: str, amount: int = 1
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What modules owning data per store need to know of one (commerce: its currency)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    code: str
    name: str
    currency: str  # ISO 4217, the store's prices and orders are in it
    is_active: bool


@runtime_checkable
class StoreDirectory(Protocol):
    """A tenant's stores (the kernel's `CurrentStore`, the console's store switcher)."""

    def store(
        self, session: Session, tenant: TenantContext, store_id: uuid.UUID
    ) -> StoreInfo | None: ...

    def stores(self, session: Session, tenant: TenantContext) -> list[StoreInfo]: ...

    def public_store(self, session: Session, store_id: uuid.UUID) -> StoreInfo | None:
        """Any tenant's store, for its storefront (the store names its tenant)."""
        ...


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """A store's signed-in customer, as the storefront routes of every module see one."""

    id: uuid.UUID
    store_id: uuid.UUID
    email: str
    name: str
    session_id: uuid.UUID | None = None  # the sign-in session the token belongs to


class CustomerAuthenticator(Protocol):
    """Turn a customer's bearer token into the customer of `store` (None: not one of its
    customers, or signed out). Staff tokens are never customers' tokens."""

    def __call__(self, session: Session, store: StoreInfo, token: str) -> CustomerRef | None: ...


@runtime_checkable
class CustomerData(Protocol):
    """What a module holds of a customer: its part of the customer's export, and its
    anonymisation when the customer is erased (amounts and ledgers stay as they are)."""

    def export(
        self, session: Session, tenant: TenantContext, customer_id: uuid.UUID
    ) -> dict[str, Any]: ...

    def erase(self, session: Session, tenant: TenantContext, customer_id: uuid.UUID) -> None: ...


@dataclass(frozen=True, slots=True)
class WebhookFailures:
    """A module's webhooks received since a moment that failed, and the latest error."""

    count: int
    last_error: str | None = None


class WebhookHealth(Protocol):
    """How a module that receives webhooks (Stripe's, ...) fared with them lately."""

    def __call__(self, session: Session, since: datetime) -> WebhookFailures: ...


@dataclass(frozen=True, slots=True)
class DashboardCard:
    """One card of a tenant's home page: a figure with its title, and what it means.

    `figure` is a count (the page writes it as the console writes numbers) or words already
    formatted for people ("€12.00", "Pro", "3 of 5"); `detail` says more
    ("spent in the last 30 days"); `link` is the console page to act on it; `tone` is one of
    "neutral", "good", "warning", "danger"; `todo` lists the card under "To do" (something
    the tenant should act on); `series` is a small chart: labelled points, oldest first
    (`(("2024-05-01", 12), ...)`), drawn as bars, shown as a table without Chart.js.
    """

    title: str
    figure: int | str
    detail: str | None = None
    link: str | None = None
    tone: str = "neutral"
    todo: bool = False
    series: tuple[tuple[str, float], ...] | None = None


class DashboardCards(Protocol):
    """The cards a module adds to a tenant's home page (asked only when it is on for the
    tenant); an empty list when it has nothing to say."""

    def __call__(self, session: Session, tenant: TenantContext) -> list[DashboardCard]: ...


@dataclass(frozen=True, slots=True)
class MailRoute:
    """How mail to a tenant's people (platform mail: no tenant) leaves now.

    `sends`: a message queued now is handed to an SMTP server (`server` names it); else
    `reason` says why not, in words ("no SMTP server is configured"). `outbox`: the console
    path where platform operators read the messages recorded, with their links when no
    server took them (None: not recorded, or not readable there). `settings`: the console
    page where the tenant sets up a server of its own (None: none to offer).
    """

    sends: bool
    reason: str | None = None
    server: str | None = None
    outbox: str | None = None
    settings: str | None = None


class MailDelivery(Protocol):
    """Whether mail for a tenant (None: platform mail) would be sent, and how."""

    def __call__(self, session: Session, tenant: TenantContext | None) -> MailRoute: ...


class ProblemRenderer(Protocol):
    """Answer an error under a path prefix in a shape of its own (OpenAI's, under /v1)."""

    def __call__(self, request: Request, error: OrionError) -> Response: ...


# -- the points ------------------------------------------------------------------------------

TENANT_DIRECTORY = ExtensionPoint(
    "tenant_directory",
    TenantDirectory,
    many=False,
    description="which tenants exist and their platforms (kernel: activation, fan-out)",
)
AUTHENTICATOR = ExtensionPoint(
    "authenticator",
    Authenticator,
    many=False,
    description="who is calling (kernel: the request path)",
)
MEMBERSHIPS = ExtensionPoint(
    "memberships",
    MembershipResolver,
    many=False,
    description="a user's role and permissions in a tenant (auth)",
)
CREDIT_BALANCE = ExtensionPoint(
    "credit_balance",
    CreditBalance,
    many=False,
    description="a tenant's credit balance (tenancy's tenant listing)",
)
SECRET_ROTATION = ExtensionPoint(
    "secret_rotation",
    SecretRotation,
    many=True,
    description="re-seal stored secrets with the newest key (`orion keys rotate`)",
)
USAGE_LIMITS = ExtensionPoint(
    "usage_limits",
    UsageLimits,
    many=True,
    description="plan limits and per-period counters (kernel: check_limit, consume_counter)",
)
STORE_DIRECTORY = ExtensionPoint(
    "store_directory",
    StoreDirectory,
    many=False,
    description="a tenant's stores (kernel: CurrentStore for the modules owning data per store)",
)
DASHBOARD_CARDS = ExtensionPoint(
    "dashboard_cards",
    DashboardCards,
    many=True,
    description="cards of a tenant's home page: figures, small charts, to-dos (tenancy)",
)
MAIL_DELIVERY = ExtensionPoint(
    "mail_delivery",
    MailDelivery,
    many=False,
    description="whether a tenant's mail would be sent, or why not (tenancy, auth pages)",
)
STOREFRONT_CUSTOMERS = ExtensionPoint(
    "storefront_customers",
    CustomerAuthenticator,
    many=False,
    description="a store's signed-in customer from a bearer token (kernel: storefront routes)",
)
CUSTOMER_DATA = ExtensionPoint(
    "customer_data",
    CustomerData,
    many=True,
    description="a customer's data held by a module: export and erasure (customers)",
)
WEBHOOK_FAILURES = ExtensionPoint(
    "webhook_failures",
    WebhookHealth,
    many=True,
    description="webhooks a module received that failed, across tenants (monitoring)",
)
OPENAI_PROBLEM_RENDERER = ExtensionPoint(
    "openai_problem_renderer",
    ProblemRenderer,
    many=False,
    description="errors under /v1 in OpenAI's shape (kernel: the app's mounting)",
)

POINTS: dict[str, ExtensionPoint[Any]] = {
    point.name: point
    for point in (
        TENANT_DIRECTORY,
        AUTHENTICATOR,
        MEMBERSHIPS,
        CREDIT_BALANCE,
        SECRET_ROTATION,
        USAGE_LIMITS,
        STORE_DIRECTORY,
        OPENAI_PROBLEM_RENDERER,
        DASHBOARD_CARDS,
        MAIL_DELIVERY,
        STOREFRONT_CUSTOMERS,
        CUSTOMER_DATA,
        WEBHOOK_FAILURES,
    )
}
