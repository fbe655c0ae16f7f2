"""Tenant isolation, generated from the OpenAPI document.

Every route of the API is classified by its prefix and called three ways:

* without credentials: 401 (every route that is not public);
* as a plain `user` member: 403 on platform-admin routes;
* as tenant B, with tenant A's ids in the path: 404 — never 200, never A's data. List
  routes called by B never show A's ids.

Path parameters are filled by FACTORIES (name -> a function creating that kind of row in
tenant A). A new route whose parameter has no factory fails the suite until a factory is
added or the route is listed in PUBLIC; so new routes are covered automatically.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from orion.kernel.contract.modules import Tier

PUBLIC = {
    # (method, path) reachable without credentials, on purpose.
    ("GET", "/health"),
    ("GET", "/ready"),
}
PUBLIC_PREFIX = "/api/v1/public/"
# Path values both tenants may see: the platform they share, module codes, setting keys,
# the models of their platform's AI catalogue (names and ids).
SHARED = {"platform_id", "code", "key", "model", "model_id"}
ADMIN_PREFIX = "/api/v1/admin/"


@dataclass
class World:
    """Two tenants with every module on, members, and rows of every kind in tenant A."""

    a_headers: dict[str, str]
    b_headers: dict[str, str]
    user_headers: dict[str, str]  # a `user`-role member of A
    a_ids: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)


def sample(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A small valid instance of a JSON schema (enough to get past request validation)."""
    if "$ref" in schema:
        return sample(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return sample(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        return {
            name: sample(prop, components)
            for name, prop in schema.get("properties", {}).items()
            if name in required
        }
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "email":
        return f"iso-{uuid.uuid4().hex[:8]}@example.com"
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    length = max(schema.get("minLength", 1), 8)
    return "Isolation-Check-1"[:length] if length <= 17 else "x" * length


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def request_body(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {"json": sample(content["application/json"]["schema"], components)}
    for form in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if form in content:
            fields = sample(content[form]["schema"], components)
            return {"data": {k: v for k, v in fields.items() if not isinstance(v, list)}}
    return {}


PARAM = re.compile(r"{([^}]+)}")


def _a_id(world: World, name: str, factories: dict[str, Callable[[World], str]]) -> str:
    """Tenant A's value for a path parameter, made once by its factory."""
    if name not in world.a_ids:
        world.a_ids[name] = factories[name](world)
    return world.a_ids[name]


def check_routes(
    client: Any,
    world: World,
    factories: dict[str, Callable[[World], str]],
) -> dict[str, int]:
    openapi = client.get("/openapi.json").json()
    components = openapi.get("components", {}).get("schemas", {})
    counts = {"routes": 0, "unauthenticated": 0, "admin_forbidden": 0, "cross_tenant": 0}
    uncovered = []
    # Internal modules' operator routes answer 404 to everyone but operators (unseen).
    registry = client.app.state.runtime.registry
    unseen = tuple(f"{ADMIN_PREFIX}{d.code}/" for d in registry.ordered if d.tier is Tier.INTERNAL)
    for method, path, operation in operations(openapi):
        counts["routes"] += 1
        if (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIX):
            continue
        params = PARAM.findall(path)
        missing = [p for p in params if p not in factories]
        if missing:
            uncovered.append(f"{method} {path} (no factory for {', '.join(missing)})")
            continue
        values = {p: _a_id(world, p, factories) for p in params}
        url = path.format(**values)
        body = request_body(operation, components)
        anonymous = client.request(method, url, **body)
        hidden = path.startswith(unseen)
        expected = (404, 404) if hidden else (401, 403)
        assert anonymous.status_code == expected[0], (
            f"{method} {path} answered {anonymous.status_code}"
        )
        counts["unauthenticated"] += 1
        if path.startswith(ADMIN_PREFIX):
            member = client.request(method, url, headers=world.user_headers, **body)
            assert member.status_code == expected[1], f"{method} {path} let a member in"
            counts["admin_forbidden"] += 1
            continue
        response = client.request(method, url, headers=world.b_headers, **body)
        # Echoes of what B itself sent (the URL, the ids in it) are not A's data.
        shown = response.text
        for sent in values.values():
            shown = shown.replace(sent, "")
        leaked = [
            value for name, value in world.a_ids.items() if name not in SHARED and value in shown
        ]
        assert not leaked, f"{method} {path} showed tenant A's ids to tenant B: {leaked}"
        if not set(params) <= SHARED:
            assert response.status_code == 404, (
                f"{method} {url} as tenant B answered {response.status_code}: {response.text}"
            )
            counts["cross_tenant"] += 1
    assert not uncovered, "routes neither covered nor listed as public:\n" + "\n".join(uncovered)
    return counts


# -- the world and its factories ------------------------------------------------------------


def _created_id(response: Any) -> str:
    assert response.status_code in (200, 201, 202), response.text
    return str(response.json()["id"])


FACTORIES: dict[str, Callable[[World], str]] = {}


def factory(name: str) -> Callable[[Callable[[World], str]], Callable[[World], str]]:
    def register(function: Callable[[World], str]) -> Callable[[World], str]:
        FACTORIES[name] = function
        return function

    return register


@pytest.fixture
def world(client, runtime, make_user, make_tenant, make_member, login) -> World:  # type: ignore[no-untyped-def]
    from orion.kernel.runtime.activation import ModuleScope, optional_modules

    tenant_a, tenant_b = make_tenant("Isolation A"), make_tenant("Isolation B")
    with runtime.database.unit_of_work() as session:
        for tenant in (tenant_a, tenant_b):
            for definition in optional_modules(runtime.registry):
                scope = ModuleScope(tenant.platform_id, tenant.tenant_id)
                runtime.modules.enable(session, definition.code, scope=scope)
    admin_a, password = make_member(tenant_a, "tenant_admin")
    admin_b, password_b = make_member(tenant_b, "tenant_admin")
    plain_user, password_u = make_member(tenant_a, "user")
    built = World(
        a_headers=login(admin_a.email, password, tenant_a.tenant_id),
        b_headers=login(admin_b.email, password_b, tenant_b.tenant_id),
        user_headers=login(plain_user.email, password_u, tenant_a.tenant_id),
    )
    built.client = client  # type: ignore[attr-defined]
    built.runtime = runtime  # type: ignore[attr-defined]
    built.a_ids.update(
        tenant_id=str(tenant_a.tenant_id),
        platform_id=str(tenant_a.platform_id),
        user_id=str(admin_a.id),
    )
    return built


@factory("store_id")
def _store(world: World) -> str:
    code = f"iso{uuid.uuid4().hex[:6]}"
    return _created_id(
        world.client.post(  # type: ignore[attr-defined]
            "/api/v1/tenancy/stores",
            json={"name": "Isolation store", "code": code},
            headers=world.a_headers,
        )
    )


@factory("membership_id")
def _membership(world: World) -> str:
    members = world.client.get(  # type: ignore[attr-defined]
        "/api/v1/tenancy/members", headers=world.a_headers
    ).json()
    return str(members["data"][0]["id"])


@factory("invitation_id")
def _invitation(world: World) -> str:
    return _created_id(
        world.client.post(  # type: ignore[attr-defined]
            "/api/v1/tenancy/invitations",
            json={"email": f"invitee-{uuid.uuid4().hex[:6]}@example.com", "role": "staff"},
            headers=world.a_headers,
        )
    )


@factory("token_id")
def _token(world: World) -> str:
    return _created_id(
        world.client.post(  # type: ignore[attr-defined]
            "/api/v1/auth/tokens",
            json={"name": "isolation", "scopes": ["tenancy.read"]},
            headers=world.a_headers,
        )
    )


@factory("message_id")
def _message(world: World) -> str:
    from orion.modules.email import services as email

    runtime = world.runtime  # type: ignore[attr-defined]
    with runtime.database.unit_of_work() as session:
        message = email.queue_email(
            session,
            tenant_id=uuid.UUID(world.a_ids["tenant_id"]),
            to="iso@example.com",
            template="test",
        )
        return str(message.id)


def _tenant_a_credits(world: World, amount: int = 1000):  # type: ignore[no-untyped-def]
    """A unit of work acting for tenant A, with `amount` credits granted first."""
    from orion.kernel.data.tenancy import TenantContext, set_tenant
    from orion.modules.credits import services as credits

    runtime = world.runtime  # type: ignore[attr-defined]
    tenant = TenantContext(
        uuid.UUID(world.a_ids["tenant_id"]), uuid.UUID(world.a_ids["platform_id"])
    )
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        credits.add(session, tenant, amount=amount, reason="isolation", idempotency_key=_key())
    return runtime, tenant, credits


def _key() -> str:
    return f"isolation-{uuid.uuid4()}"


@factory("transaction_id")
def _credit_transaction(world: World) -> str:
    from orion.kernel.data.tenancy import set_tenant

    runtime, tenant, credits = _tenant_a_credits(world)
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return str(credits.deduct(session, tenant, amount=10, idempotency_key=_key()).id)


@factory("hold_id")
def _credit_hold(world: World) -> str:
    from orion.kernel.data.tenancy import set_tenant

    runtime, tenant, credits = _tenant_a_credits(world)
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        return str(credits.hold(session, tenant, amount=10, idempotency_key=_key()).id)


@factory("plan_id")
def _plan(world: World) -> str:
    from orion.modules.billing import services as billing
    from orion.modules.billing.schemas import SubscriptionPlanCreate

    runtime = world.runtime  # type: ignore[attr-defined]
    with runtime.database.unit_of_work() as session:
        plan = billing.create_plan(
            session,
            uuid.UUID(world.a_ids["platform_id"]),
            data=SubscriptionPlanCreate(
                code=f"iso-{uuid.uuid4().hex[:6]}", name="Isolation", price_amount=0
            ),
        )
        return str(plan.id)


@factory("subscription_id")
def _subscription(world: World) -> str:
    response = world.client.post(  # type: ignore[attr-defined]
        "/api/v1/billing/subscription",
        json={"plan_id": world.a_ids.setdefault("plan_id", _plan(world))},
        headers=world.a_headers,
    )
    return _created_id(response)


@factory("key_id")
def _provider_key(world: World) -> str:
    return _created_id(
        world.client.post(  # type: ignore[attr-defined]
            "/api/v1/api_keys/keys",
            json={
                "provider": "openai",
                "name": f"iso-{uuid.uuid4().hex[:8]}",
                "api_key": "sk-isolation-1234",
            },
            headers=world.a_headers,
        )
    )


def _catalogue_model(world: World) -> Any:
    from orion.modules.ai_proxy import service as ai_proxy
    from orion.modules.ai_proxy.schemas import AiModelCreate

    runtime = world.runtime  # type: ignore[attr-defined]
    with runtime.database.unit_of_work() as session:
        return ai_proxy.create_model(
            session,
            uuid.UUID(world.a_ids["platform_id"]),
            data=AiModelCreate(
                name=f"iso-{uuid.uuid4().hex[:6]}", provider="openai", input_price=1
            ),
        )


@factory("model_id")
def _model_id(world: World) -> str:
    return str(_catalogue_model(world).id)


@factory("model")
def _model_name(world: World) -> str:
    return _catalogue_model(world).name


# -- commerce: tenant A's products, stock and orders in its store ----------------------------


def _a_store(world: World) -> str:
    return _a_id(world, "store_id", FACTORIES)


def _as_a(world: World, path: str, body: dict[str, Any] | None = None) -> Any:
    return world.client.post(path, json=body or {}, headers=world.a_headers)  # type: ignore[attr-defined]


def _active_product(world: World) -> tuple[str, str]:
    """(id, SKU) of a new active product of tenant A's store."""
    sku = f"ISO-{uuid.uuid4().hex[:8].upper()}"
    created = _as_a(
        world,
        f"/api/v1/catalog/stores/{_a_store(world)}/items",
        {"sku": sku, "titles": {"en": "Isolation item"}, "price": 1250, "status": "active"},
    )
    return _created_id(created), sku


@factory("item_id")
def _item(world: World) -> str:
    return _active_product(world)[0]


@factory("variant_id")
def _variant(world: World) -> str:
    item = _a_id(world, "item_id", FACTORIES)
    return _created_id(
        _as_a(
            world,
            f"/api/v1/catalog/stores/{_a_store(world)}/items/{item}/variants",
            {"sku": f"ISO-V-{uuid.uuid4().hex[:8].upper()}", "options": {"size": "M"}},
        )
    )


@factory("category_id")
def _category(world: World) -> str:
    return _created_id(
        _as_a(
            world,
            f"/api/v1/catalog/stores/{_a_store(world)}/categories",
            {"names": {"en": f"Isolation {uuid.uuid4().hex[:6]}"}},
        )
    )


@factory("location_id")
def _location(world: World) -> str:
    return _created_id(
        _as_a(
            world,
            f"/api/v1/inventory/stores/{_a_store(world)}/locations",
            {"code": f"iso{uuid.uuid4().hex[:6]}", "name": "Isolation shelf"},
        )
    )


@factory("level_id")
def _level(world: World) -> str:
    store = _a_store(world)
    product, _ = _active_product(world)
    location = _a_id(world, "location_id", FACTORIES)
    received = _as_a(
        world,
        f"/api/v1/inventory/stores/{store}/receipts",
        {"location_id": location, "product_id": product, "quantity": 5},
    )
    assert received.status_code == 201, received.text
    levels = world.client.get(  # type: ignore[attr-defined]
        f"/api/v1/inventory/stores/{store}/levels",
        params={"product_id": product},
        headers=world.a_headers,
    ).json()
    return str(levels["data"][0]["id"])


def _placed_order(world: World) -> str:
    _, sku = _active_product(world)
    return _created_id(
        _as_a(
            world,
            f"/api/v1/orders/stores/{_a_store(world)}/orders",
            {"items": [{"sku": sku, "quantity": 1}], "customer_email": "iso@example.com"},
        )
    )


@factory("order_id")
def _order(world: World) -> str:
    return _placed_order(world)


@factory("invoice_id")
def _invoice(world: World) -> str:
    order = _placed_order(world)
    orders = f"/api/v1/orders/stores/{_a_store(world)}/orders/{order}"
    assert _as_a(world, f"{orders}/confirm").status_code == 200
    return _created_id(_as_a(world, f"{orders}/invoice"))


@factory("credit_note_id")
def _credit_note(world: World) -> str:
    order = _placed_order(world)
    orders = f"/api/v1/orders/stores/{_a_store(world)}/orders/{order}"
    assert _as_a(world, f"{orders}/payments").status_code == 200
    refunded = _as_a(world, f"{orders}/refunds", {"amount": 100})
    assert refunded.status_code == 201, refunded.text
    return str(refunded.json()["credit_note"]["id"])


# -- customers: a customer of tenant A's store, an address of it --------------------------


@factory("customer_id")
def _customer(world: World) -> str:
    return _created_id(
        _as_a(
            world,
            f"/api/v1/customers/stores/{_a_store(world)}/customers",
            {"email": f"iso-{uuid.uuid4().hex[:8]}@example.com", "first_name": "Iso"},
        )
    )


@factory("address_id")
def _customer_address(world: World) -> str:
    customer = _a_id(world, "customer_id", FACTORIES)
    return _created_id(
        _as_a(
            world,
            f"/api/v1/customers/stores/{_a_store(world)}/customers/{customer}/addresses",
            {
                "kind": "shipping",
                "name": "Iso",
                "line1": "1 rue de l'Isolation",
                "postal_code": "1111",
                "city": "Luxembourg",
                "country": "LU",
            },
        )
    )


# -- payments: a bank transfer started for one of tenant A's orders ------------------------


@factory("payment_id")
def _payment(world: World) -> str:
    saved = world.client.put(  # type: ignore[attr-defined]
        "/api/v1/payments/accounts/bank-transfer",
        json={"account_holder": "Isolation A", "iban": "LU280019400644750000"},
        headers=world.a_headers,
    )
    assert saved.status_code == 200, saved.text
    order = _placed_order(world)
    return _created_id(
        _as_a(
            world,
            f"/api/v1/payments/stores/{_a_store(world)}/orders/{order}/payments",
            {"provider": "bank_transfer"},
        )
    )


# -- messaging: a conversation of tenant A's store with a customer, a file in it ------------


@factory("conversation_id")
def _conversation(world: World) -> str:
    return _created_id(
        _as_a(
            world,
            "/api/v1/messaging/conversations",
            {
                "kind": "customer",
                "store_id": _a_store(world),
                "subject": "Isolation",
                "customer_email": "iso-customer@example.com",
                "body": "Hello",
            },
        )
    )


@factory("attachment_id")
def _attachment(world: World) -> str:
    conversation = _a_id(world, "conversation_id", FACTORIES)
    posted = world.client.post(  # type: ignore[attr-defined]
        f"/api/v1/messaging/conversations/{conversation}/messages",
        data={"body": "The note"},
        files={"files": ("note.txt", b"isolation note", "text/plain")},
        headers=world.a_headers,
    )
    assert posted.status_code == 201, posted.text
    return str(posted.json()["attachments"][0]["id"])


# -- cms: a published page of tenant A's store (so it has a revision), a menu --------------


@factory("page_id")
def _cms_page(world: World) -> str:
    return _created_id(
        _as_a(
            world,
            f"/api/v1/cms/stores/{_a_store(world)}/pages",
            {"titles": {"en": "Isolation"}, "bodies": {"en": "Text"}, "publish": True},
        )
    )


@factory("revision_id")
def _cms_revision(world: World) -> str:
    page = _a_id(world, "page_id", FACTORIES)
    revisions = world.client.get(  # type: ignore[attr-defined]
        f"/api/v1/cms/stores/{_a_store(world)}/pages/{page}/revisions", headers=world.a_headers
    ).json()
    return str(revisions["data"][0]["id"])


@factory("menu_id")
def _cms_menu(world: World) -> str:
    return _created_id(
        _as_a(
            world,
            f"/api/v1/cms/stores/{_a_store(world)}/menus",
            {"name": f"iso-{uuid.uuid4().hex[:6]}"},
        )
    )


# -- marketplace: a product import, a Letzshop shipment, a historical import, an export -----


@factory("import_id")
def _marketplace_import(world: World) -> str:
    posted = world.client.post(  # type: ignore[attr-defined]
        f"/api/v1/marketplace/stores/{_a_store(world)}/imports",
        data={"language": "en", "policy": "dry_run"},
        files={"file": ("feed.tsv", b"id\ttitle\tprice\nISO-1\tIso\t1.00 EUR\n", "text/plain")},
        headers=world.a_headers,
    )
    return _created_id(posted)


@factory("shipment_id")
def _letzshop_shipment(world: World) -> str:
    from orion.kernel.data.tenancy import TenantContext
    from orion.modules.marketplace.services.shipments import record_shipment
    from orion.modules.tenancy import services as tenancy

    runtime = world.runtime  # type: ignore[attr-defined]
    tenant = TenantContext(
        uuid.UUID(world.a_ids["tenant_id"]), uuid.UUID(world.a_ids["platform_id"])
    )
    store_id = uuid.UUID(_a_store(world))
    letzshop_id = f"ISO-{uuid.uuid4().hex[:8]}"
    node = {
        "id": letzshop_id,
        "number": letzshop_id,
        "state": "unconfirmed",
        "order": {"number": letzshop_id, "email": "iso@example.com"},
        "inventoryUnits": [],
    }
    with runtime.database.unit_of_work(tenant=tenant) as session:
        store = tenancy.stores.store(session, tenant, store_id)
        record_shipment(session, tenant, store, node, source="sync")
    shipments = world.client.get(  # type: ignore[attr-defined]
        f"/api/v1/marketplace/stores/{store_id}/shipments", headers=world.a_headers
    ).json()
    return str(next(s["id"] for s in shipments["data"] if s["letzshop_id"] == letzshop_id))


@factory("historical_import_id")
def _historical_import(world: World) -> str:
    store = _a_store(world)
    stored = world.client.put(  # type: ignore[attr-defined]
        f"/api/v1/marketplace/stores/{store}/credential",
        json={"api_key": "isolation-key-0000"},
        headers=world.a_headers,
    )
    assert stored.status_code == 200, stored.text
    return _created_id(_as_a(world, f"/api/v1/marketplace/stores/{store}/historical-imports", {}))


@factory("export_id")
def _marketplace_export(world: World) -> str:
    return _created_id(
        _as_a(
            world,
            f"/api/v1/marketplace/stores/{_a_store(world)}/exports",
            {"kind": "marketplace_csv"},
        )
    )


@factory("file_name")
def _export_file(world: World) -> str:
    from orion.kernel.data.tenancy import TenantContext, set_tenant
    from orion.modules.marketplace.services.exports import run_marketplace_csv_export

    runtime = world.runtime  # type: ignore[attr-defined]
    tenant = TenantContext(
        uuid.UUID(world.a_ids["tenant_id"]), uuid.UUID(world.a_ids["platform_id"])
    )
    export_id = uuid.UUID(_a_id(world, "export_id", FACTORIES))
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        run_marketplace_csv_export(session, export_id)
    shown = world.client.get(  # type: ignore[attr-defined]
        f"/api/v1/marketplace/stores/{_a_store(world)}/exports/{export_id}",
        headers=world.a_headers,
    ).json()
    return str(shown["files"][0]["name"])


# Platform-admin routes only need some real id: they are checked for 401 and 403.
FACTORIES.update(
    tenant_id=lambda world: world.a_ids["tenant_id"],
    platform_id=lambda world: world.a_ids["platform_id"],
    user_id=lambda world: world.a_ids["user_id"],
    code=lambda world: "email",
    key=lambda world: "isolation.key",
    # dev_tools' (internal) operator routes answer 404 to everyone else whatever the id.
    scan_id=lambda world: str(uuid.uuid4()),
    run_id=lambda world: str(uuid.uuid4()),
    collection_id=lambda world: str(uuid.uuid4()),
    # monitoring's (internal) too.
    snapshot_id=lambda world: str(uuid.uuid4()),
    notification_id=lambda world: str(uuid.uuid4()),
    metric=lambda world: "database_mb",
)


def test_every_route_keeps_tenants_apart(world, request):  # type: ignore[no-untyped-def]
    counts = check_routes(world.client, world, FACTORIES)  # type: ignore[attr-defined]
    request.config.stash[ISOLATION_REPORT] = counts
    assert counts["cross_tenant"] >= 10
    assert counts["unauthenticated"] >= 40


ISOLATION_REPORT = pytest.StashKey[dict]()
