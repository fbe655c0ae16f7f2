"""Third-party modules arrive through the `orion.modules` entry-point group."""

from __future__ import annotations

import sys
import textwrap

from orion.kernel.contract.modules import Registry


def test_a_module_advertised_by_an_installed_distribution_is_discovered(tmp_path, monkeypatch):
    package = tmp_path / "acme_loyalty"
    package.mkdir()
    (package / "__init__.py").write_text(
        textwrap.dedent("""
        from orion.kernel.contract.modules import ModuleDefinition, Tier

        definition = ModuleDefinition(
            code="loyalty", name="Loyalty", version="2.1.0", tier=Tier.OPTIONAL,
            requires=("core>=1.0",),
        )
    """)
    )
    dist = tmp_path / "acme_loyalty-2.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-loyalty\nVersion: 2.1.0\n")
    (dist / "entry_points.txt").write_text("[orion.modules]\nloyalty = acme_loyalty\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    registry = Registry.discover()

    loyalty = registry.get("loyalty")
    assert loyalty.package == "acme_loyalty"
    assert loyalty.version == "2.1.0"
    assert registry.codes.index("core") < registry.codes.index("loyalty")
    sys.modules.pop("acme_loyalty", None)
