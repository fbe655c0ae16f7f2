"""Storefront carts: a shopper's basket in one store, and its checkout into an order.

An anonymous cart is found by its token (shown once when it is made, stored as a hash);
a signed-in customer has one open cart per store, into which an anonymous cart is merged
(quantities added up). Lines hold SKUs and quantities only: what they cost is read from the
catalogue each time the cart is shown, and fixed once, by `place_order`, at checkout.

Checkout locks the cart, places the order with the cart as its idempotency key (a retried
checkout answers the same order, never a second one) and closes the cart, all in one
transaction: a refused checkout (stock short, the plan's monthly orders used up) leaves the
cart as it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from orion.kernel.contract.points import CustomerRef, StoreInfo
from orion.kernel.data.tenancy import TenantContext, acting_for
from orion.kernel.security import hash_token, new_token
from orion.modules.catalog import services as catalog
from orion.modules.orders.exceptions import CartClosed, CartInvalid, CartNotFound
from orion.modules.orders.models import Cart, CartItem
from orion.modules.orders.repository import CartItemRepository, CartRepository
from orion.modules.orders.schemas import (
    CartLinePublic,
    CartPublic,
    CheckoutCreate,
    OrderCreate,
    OrderItemCreate,
)
from orion.modules.orders.services import totals
from orion.modules.orders.services.placement import Placed, place_order
from orion.modules.orders.services.reads import get_order, order_items

OPEN, MERGED, CHECKED_OUT = "open", "merged", "checked_out"
MAX_LINES = 250  # what an order takes


@dataclass(frozen=True)
class ShopperCart:
    """The cart a storefront request works on, and its token when it was just made."""

    cart: Cart
    token: str | None = None


def open_cart(
    session: Session, tenant: TenantContext, *, store: StoreInfo, customer: CustomerRef | None
) -> ShopperCart:
    """A new anonymous cart (with its token), or the signed-in customer's open cart."""
    with acting_for(session, tenant):
        repository = CartRepository(session)
        if customer is not None:
            found = repository.open_of_customer(store.id, customer.id)
            if found is not None:
                return ShopperCart(found)
            return ShopperCart(repository.add(_new_cart(tenant, store, customer.id, None)))
        token, token_hash = new_token("cart")
        return ShopperCart(repository.add(_new_cart(tenant, store, None, token_hash)), token)


def _new_cart(
    tenant: TenantContext, store: StoreInfo, customer_id: uuid.UUID | None, token_hash: str | None
) -> Cart:
    return Cart(
        id=uuid.uuid4(),
        tenant_id=tenant.tenant_id,
        store_id=store.id,
        customer_id=customer_id,
        token_hash=token_hash,
        state=OPEN,
    )


def find_cart(
    session: Session,
    tenant: TenantContext,
    *,
    store: StoreInfo,
    customer: CustomerRef | None,
    token: str | None,
    lock: bool = False,
) -> Cart:
    """The cart the shopper means: the one whose token they send, else the signed-in
    customer's open cart. An anonymous cart's token opens it for anyone who has it; a
    customer's cart opens only for that customer. 404 `cart_not_found` otherwise."""
    with acting_for(session, tenant):
        repository = CartRepository(session)
        cart = None
        if token:
            cart = repository.by_token(store.id, hash_token(token), lock=lock)
            owned_by_another = (
                cart is not None
                and cart.customer_id is not None
                and (customer is None or cart.customer_id != customer.id)
            )
            if owned_by_another:
                cart = None
        elif customer is not None:
            cart = repository.open_of_customer(store.id, customer.id, lock=lock)
        if cart is None:
            raise CartNotFound("no such cart in this store: send its X-Cart-Token, or sign in")
        return cart


def _writable(cart: Cart) -> None:
    if cart.state != OPEN:
        raise CartClosed(f"this cart is {cart.state.replace('_', ' ')}; open a new one")


def set_item(
    session: Session,
    tenant: TenantContext,
    *,
    store: StoreInfo,
    cart: Cart,
    sku: str,
    quantity: int,
) -> Cart:
    """Hold `quantity` of `sku` in the cart from now on (0 takes it out). 422 naming `sku`
    for a SKU not on sale in this store, `quantity` for more than is in stock."""
    with acting_for(session, tenant):
        _writable(cart)
        items = CartItemRepository(session)
        current = {item.sku: item for item in items.of_cart(cart.id)}
        line = current.get(sku)
        if quantity == 0:
            if line is not None:
                session.delete(line)
            session.flush()
            return cart
        sellable = catalog.find_sellable(session, tenant, store_id=store.id, skus={sku})
        if sku not in sellable:
            raise CartInvalid.field("sku", f"no product on sale in this store has SKU {sku!r}")
        available = sellable[sku].available_quantity
        if available is not None and quantity > available:
            raise CartInvalid.field(
                "quantity", f"only {max(available, 0)} of {sku} in stock, not {quantity}"
            )
        if line is None:
            if len(current) >= MAX_LINES:
                raise CartInvalid.field("sku", f"a cart holds at most {MAX_LINES} products")
            items.add(
                CartItem(tenant_id=tenant.tenant_id, cart_id=cart.id, sku=sku, quantity=quantity)
            )
        else:
            line.quantity = quantity
        session.flush()
        return cart


def merge(
    session: Session,
    tenant: TenantContext,
    *,
    store: StoreInfo,
    customer: CustomerRef,
    token: str,
) -> Cart:
    """Move the anonymous cart `token` into the customer's open cart (made if they have
    none): quantities of a SKU in both are added up. The anonymous cart is closed
    (`merged`); merging it again changes nothing."""
    with acting_for(session, tenant):
        source = CartRepository(session).by_token(store.id, hash_token(token), lock=True)
        if source is None or source.customer_id not in (None, customer.id):
            raise CartNotFound("no such cart in this store")
        target = CartRepository(session).open_of_customer(store.id, customer.id, lock=True)
        if target is None:
            target = CartRepository(session).add(_new_cart(tenant, store, customer.id, None))
        if source.state != OPEN or source.id == target.id:
            return target
        items = CartItemRepository(session)
        held = {item.sku: item for item in items.of_cart(target.id)}
        for item in items.of_cart(source.id):
            if item.sku in held:
                held[item.sku].quantity += item.quantity
                session.delete(item)
            else:
                item.cart_id = target.id
        source.state = MERGED
        session.flush()
        return target


def cart_public(
    session: Session, tenant: TenantContext, *, store: StoreInfo, cart: Cart, token: str | None
) -> CartPublic:
    """The cart with today's prices (one catalogue read for every line)."""
    with acting_for(session, tenant):
        items = CartItemRepository(session).of_cart(cart.id)
        sellable = catalog.find_sellable(
            session, tenant, store_id=store.id, skus={item.sku for item in items}
        )
    lines, priced = [], []
    for item in items:
        sale = sellable.get(item.sku)
        if sale is None:
            lines.append(CartLinePublic(
                sku=item.sku, quantity=item.quantity, title=None, unit_price=None,
                line_total=None, available=False,
            ))  # fmt: skip
            continue
        enough = sale.available_quantity is None or item.quantity <= sale.available_quantity
        lines.append(CartLinePublic(
            sku=item.sku, quantity=item.quantity, title=sale.title, unit_price=sale.unit_price,
            line_total=sale.unit_price * item.quantity, available=enough,
        ))  # fmt: skip
        priced.append(totals.Line(sale.unit_price, item.quantity, sale.vat_rate))
    figures = totals.compute(priced, shipping=0, discount=0)
    return CartPublic(
        id=cart.id,
        store_id=cart.store_id,
        state=cart.state,
        currency=store.currency,
        items=lines,
        items_total=figures.items_total,
        vat_total=figures.vat_total,
        token=token,
        order_id=cart.order_id,
    )


def checkout(
    session: Session,
    tenant: TenantContext,
    *,
    store: StoreInfo,
    cart: Cart,
    customer: CustomerRef | None,
    data: CheckoutCreate,
) -> Placed:
    """Place the cart's order (stock reserved where inventory is on, the confirmation
    mailed after commit) and close the cart. The cart must be locked (`find_cart(...,
    lock=True)`); a cart already checked out answers its order again (`replayed`)."""
    with acting_for(session, tenant):
        if cart.state == CHECKED_OUT and cart.order_id is not None:
            order = get_order(session, tenant, store_id=store.id, order_id=cart.order_id)
            return Placed(order, order_items(session, tenant, order_id=order.id), True)
        _writable(cart)
        items = CartItemRepository(session).of_cart(cart.id)
        if not items:
            raise CartInvalid.field("items", "the cart is empty: add a product first")
        email = customer.email if customer is not None else data.email
        if email is None:
            raise CartInvalid.field("email", "give an email address, or sign in")
        order_data = OrderCreate(
            items=[OrderItemCreate(sku=item.sku, quantity=item.quantity) for item in items],
            customer_email=data.email or email,
            customer_name=data.name or (customer.name if customer is not None else None),
            shipping_address=data.shipping_address,
            billing_address=data.billing_address,
            note=data.note,
        )
        placed = place_order(
            session,
            tenant,
            store_id=store.id,
            data=order_data,
            idempotency_key=f"cart:{cart.id}",
            actor=f"customer:{customer.id}" if customer is not None else "storefront",
            store=store,
            customer_id=customer.id if customer is not None else None,
        )
        cart.state = CHECKED_OUT
        cart.order_id = placed.order.id
        session.flush()
        return placed
