"""`orion demo`: a coffee roaster's catalogue in each demo store (skipped for a store that
has products already, so running it twice adds nothing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.catalog.models import Product
from orion.modules.catalog.schemas import CategoryCreate, ItemCreate, VariantCreate
from orion.modules.catalog.services.categories import create_category
from orion.modules.catalog.services.common import stock_managed_elsewhere
from orion.modules.catalog.services.products import create_product
from orion.modules.tenancy import services as tenancy

CATEGORIES = (
    ("coffee", None, {"en": "Coffee", "fr": "Café", "de": "Kaffee"}),
    ("beans", "coffee", {"en": "Beans", "fr": "Grains", "de": "Bohnen"}),
    ("drinks", "coffee", {"en": "Drinks", "fr": "Boissons", "de": "Getränke"}),
    ("accessories", None, {"en": "Accessories", "fr": "Accessoires", "de": "Zubehör"}),
    ("apparel", None, {"en": "Apparel", "fr": "Vêtements", "de": "Kleidung"}),
)

# sku, (en, fr, de), price (cents, VAT included), VAT (bp), status, categories, variants
PRODUCTS: tuple[tuple[Any, ...], ...] = (
    (
        "BEANS-ESP-1KG",
        ("Espresso beans 1 kg", "Café en grains espresso 1 kg", "Espressobohnen 1 kg"),
        2490,
        300,
        "active",
        ("beans",),
        (),
    ),
    (
        "BEANS-HOUSE-250",
        ("House blend 250 g", "Mélange maison 250 g", "Hausmischung 250 g"),
        890,
        300,
        "active",
        ("beans",),
        (),
    ),
    (
        "BEANS-DECAF-250",
        ("Decaf 250 g", "Décaféiné 250 g", "Entkoffeiniert 250 g"),
        950,
        300,
        "draft",
        ("beans",),
        (),
    ),
    (
        "COLD-BREW-330",
        ("Cold brew 330 ml", "Cold brew 33 cl", "Cold Brew 330 ml"),
        450,
        300,
        "active",
        ("drinks",),
        (),
    ),
    (
        "CHOC-DARK-70",
        ("Dark chocolate 70 %", "Chocolat noir 70 %", "Zartbitterschokolade 70 %"),
        390,
        300,
        "active",
        ("drinks",),
        (),
    ),
    (
        "MUG-CERAMIC",
        ("Ceramic mug", "Tasse en céramique", "Keramiktasse"),
        1490,
        1700,
        "active",
        ("accessories",),
        (),
    ),
    (
        "MUG-TRAVEL",
        ("Travel mug", "Mug de voyage", "Thermobecher"),
        2290,
        1700,
        "active",
        ("accessories",),
        (),
    ),
    (
        "GRINDER-HAND",
        ("Hand grinder", "Moulin à main", "Handmühle"),
        4990,
        1700,
        "active",
        ("accessories",),
        (),
    ),
    (
        "POUR-OVER-KIT",
        ("Pour-over kit", "Kit filtre", "Handfilter-Set"),
        3490,
        1700,
        "archived",
        ("accessories",),
        (),
    ),
    (
        "BOOK-ATLAS",
        ("The coffee atlas", "L'atlas du café", "Der Kaffeeatlas"),
        3200,
        300,
        "active",
        (),
        (),
    ),
    (
        "TEE-BARISTA",
        ("Barista T-shirt", "T-shirt barista", "Barista-T-Shirt"),
        2490,
        1700,
        "active",
        ("apparel",),
        (("S", "black", None), ("M", "black", None), ("L", "black", None), ("XL", "black", 2690)),
    ),
    (
        "APRON",
        ("Barista apron", "Tablier de barista", "Barista-Schürze"),
        2990,
        1700,
        "active",
        ("apparel",),
        ((None, "black", None), (None, "green", None)),
    ),
)


def gtin13(number: int) -> str:
    """A GTIN-13 in the in-store range (prefix 20) with its GS1 check digit."""
    body = f"20{number:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def seed_demo(session: Session, runtime: Any) -> None:
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    for tenant in tenants:
        for store in tenancy.stores.stores(session, tenant):
            _seed_store(session, tenant, store.id, store.code)


def _seed_store(session: Session, tenant: TenantContext, store_id: Any, code: str) -> None:
    with acting_for(session, tenant):
        if session.scalar(select(exists().where(Product.store_id == store_id))):
            return
    stocked = not stock_managed_elsewhere(session, tenant)
    categories: dict[str, Any] = {}
    for slug, parent, names in CATEGORIES:
        created = create_category(
            session,
            tenant,
            store_id=store_id,
            data=CategoryCreate(
                names=names, slug=slug, parent_id=categories.get(parent) if parent else None
            ),
        )
        categories[slug] = created.id
    prefix = code.upper()
    for number, (sku, (en, fr, de), price, vat, status, slugs, variants) in enumerate(PRODUCTS):
        create_product(
            session,
            tenant,
            store_id=store_id,
            data=ItemCreate(
                sku=f"{prefix}-{sku}",
                gtin=gtin13(number + 1) if not variants else None,
                titles={"en": en, "fr": fr, "de": de},
                descriptions={
                    "en": f"{en}, from our roastery.",
                    "fr": f"{fr}, de notre torréfaction.",
                },
                price=price,
                vat_rate=vat,
                status=status,
                images=[f"https://images.orion.test/demo/{sku.lower()}.jpg"],
                attributes={"origin": "Luxembourg"} if sku.startswith("BEANS") else {},
                category_ids=[categories[s] for s in slugs],
                available_quantity=(number * 7) % 40 if stocked and not variants else None,
                variants=[
                    VariantCreate(
                        sku=f"{prefix}-{sku}-{(size or colour).upper()}",
                        options={"size": size, "colour": colour} if size else {"colour": colour},
                        price=own_price,
                        available_quantity=(i * 5 + 3) if stocked else None,
                    )
                    for i, (size, colour, own_price) in enumerate(variants)
                ],
            ),
        )
