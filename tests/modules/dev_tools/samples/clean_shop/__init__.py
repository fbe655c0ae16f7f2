"""A module that keeps every architecture rule (data for the scan tests, never imported)."""

from orion.kernel.contract.modules import ModuleDefinition, Tier

definition = ModuleDefinition(
    code="clean_shop",
    name="Clean shop",
    version="0.1.0",
    tier=Tier.OPTIONAL,
    requires=("credits",),
    models="clean_shop.models",
    routers={"api": "clean_shop.routes:api"},
)
