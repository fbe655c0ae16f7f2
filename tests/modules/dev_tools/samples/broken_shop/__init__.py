"""A deliberately broken module (data for the scan tests, never imported): each
architecture rule finds exactly one violation in it, at a known file and line."""

from orion.kernel.contract.modules import ModuleDefinition, Tier

definition = ModuleDefinition(
    code="broken_shop",
    name="Broken shop",
    version="0.1.0",
    tier=Tier.OPTIONAL,
    requires=("credits",),
    models="broken_shop.models",
)
