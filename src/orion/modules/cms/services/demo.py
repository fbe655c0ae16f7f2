"""`orion demo`: an "About us" and a "Delivery and returns" page, published in en, fr and
de, and a footer menu linking to them, in each demo store. A page or menu the store has
already (by slug, by name) is left as it is, so running it twice adds nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants
from orion.modules.cms.repository import MenuRepository, PageRepository
from orion.modules.cms.schemas import MenuCreate, MenuItemIn, PageCreate
from orion.modules.cms.services.menus import create_menu
from orion.modules.cms.services.pages import create_page
from orion.modules.tenancy import services as tenancy

FOOTER = "footer"

ABOUT = {
    "slug": "about-us",
    "titles": {"en": "About us", "fr": "À propos", "de": "Über uns"},
    "bodies": {
        "en": (
            "We roast small batches of coffee in **{store}** every week and ship them "
            "while they are fresh.\n\n"
            "- Beans bought directly from the farms\n- Roasted to order\n- Packed by hand\n\n"
            "Questions? Write to us at [hello@orion.test](mailto:hello@orion.test)."
        ),
        "fr": (
            "Nous torréfions chaque semaine de petits lots de café chez **{store}** et les "
            "expédions tant qu'ils sont frais.\n\n"
            "- Grains achetés directement aux fermes\n- Torréfiés à la commande\n"
            "- Emballés à la main"
        ),
        "de": (
            "Wir rösten jede Woche kleine Mengen Kaffee bei **{store}** und versenden sie "
            "frisch.\n\n- Bohnen direkt von den Farmen\n- Auf Bestellung geröstet\n"
            "- Von Hand verpackt"
        ),
    },
    "meta_descriptions": {
        "en": "Who we are: a small roastery shipping fresh coffee every week.",
        "fr": "Qui nous sommes : une petite torréfaction qui expédie du café frais.",
        "de": "Wer wir sind: eine kleine Rösterei, die jede Woche frischen Kaffee versendet.",
    },
    "sort_order": 10,
}
DELIVERY = {
    "slug": "delivery-and-returns",
    "titles": {
        "en": "Delivery and returns",
        "fr": "Livraison et retours",
        "de": "Lieferung und Rückgabe",
    },
    "bodies": {
        "en": (
            "## Delivery\n\nOrders placed before noon leave the same day. Delivery in "
            "Luxembourg takes 1 to 2 working days.\n\n"
            "| Destination | Price |\n|---|--:|\n| Luxembourg | 4.90 EUR |\n"
            "| Belgium, France, Germany | 7.90 EUR |\n\n"
            "## Returns\n\nYou may return unopened items within 14 days of delivery."
        ),
        "fr": (
            "## Livraison\n\nLes commandes passées avant midi partent le jour même.\n\n"
            "## Retours\n\nVous pouvez retourner les articles non ouverts sous 14 jours."
        ),
        "de": (
            "## Lieferung\n\nBestellungen bis 12 Uhr verlassen uns am selben Tag.\n\n"
            "## Rückgabe\n\nUngeöffnete Artikel können Sie binnen 14 Tagen zurückgeben."
        ),
    },
    "sort_order": 20,
}
PAGES = (ABOUT, DELIVERY)


def seed_demo(session: Session, runtime: Any) -> None:
    with all_tenants(session):
        tenants = tenancy.demo_tenants(session)
    for tenant in tenants:
        for store in tenancy.stores.stores(session, tenant):
            _seed_store(session, tenant, store.id, store.name)


def _seed_store(session: Session, tenant: TenantContext, store_id: Any, store_name: str) -> None:
    with acting_for(session, tenant):
        pages = PageRepository(session)
        linked = []
        for spec in PAGES:
            page = pages.by_slug(store_id, spec["slug"])
            if page is None:
                bodies = {
                    lang: text.format(store=store_name) for lang, text in spec["bodies"].items()
                }
                page = create_page(
                    session,
                    tenant,
                    store_id=store_id,
                    data=PageCreate.model_validate({**spec, "bodies": bodies, "publish": True}),
                )
            linked.append(page.id)
        if MenuRepository(session).by_name(store_id, FOOTER) is None:
            create_menu(
                session,
                tenant,
                store_id=store_id,
                data=MenuCreate(
                    name=FOOTER,
                    items=[MenuItemIn(page_id=page_id) for page_id in linked]
                    + [
                        MenuItemIn(
                            labels={"en": "Contact", "fr": "Contact", "de": "Kontakt"},
                            url="mailto:hello@orion.test",
                        )
                    ],
                ),
            )
