"""The import contract as an allow-list: a module reads another only through its `service`,
`schemas` and `events` (and its package, where the definition lives). import-linter's
contract in pyproject.toml forbids the known private parts; this catches any new one
(a `gateway`, a `webhooks`, a `console`) the day it is imported from outside."""

from __future__ import annotations

import grimp

PUBLIC = {"service", "services", "schemas", "events"}


def test_modules_read_each_other_only_through_their_public_surface():
    graph = grimp.build_graph("orion", cache_dir=None)
    crossings = []
    for importer in sorted(graph.modules):
        parts = importer.split(".")
        if parts[:2] != ["orion", "modules"] or len(parts) < 3:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = imported.split(".")
            if target[:2] != ["orion", "modules"] or len(target) < 3 or target[2] == parts[2]:
                continue
            if len(target) == 3 or target[3] in PUBLIC:
                continue
            crossings.append(f"{importer} imports {imported}")
    assert crossings == []
