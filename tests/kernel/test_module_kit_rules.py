"""Rules that keep every module in one shape as modules are added: files a reader can hold,
no import circles, one way to switch tenants, and the kernel's floors in order."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp

SRC = Path(__file__).resolve().parents[2] / "src"
KERNEL = SRC / "orion" / "kernel"
MAX_LINES = 600

# Tenant switching: only the kernel sets the session's tenant or the database setting.
SWITCHING = re.compile(
    r"set_config\s*\(|\bset_tenant\s*\(|orion\.tenant_id|_ALL_TENANTS|\"orion\.tenant\""
)


def python_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def test_no_file_under_src_is_longer_than_a_reader_can_hold():
    long = {
        str(path.relative_to(SRC)): count
        for path in python_files(SRC)
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"files over {MAX_LINES} lines: split them by concern"


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_circle_exists_in_src():
    # Imports made only for type checkers never run, so they close no circle.
    graph = grimp.build_graph("orion", exclude_type_checking_imports=True, cache_dir=None)
    assert _cycles(graph) == []


def test_an_import_circle_is_found_when_there_is_one(tmp_path, monkeypatch):
    package = tmp_path / "circular_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from circular_probe import b\n")
    (package / "b.py").write_text("from circular_probe import a\n")
    (package / "c.py").write_text("from circular_probe import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circular_probe", cache_dir=None)
    assert _cycles(graph) == [["circular_probe.a", "circular_probe.b"]]


def test_only_the_kernel_switches_the_tenant_a_session_acts_for():
    offenders = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in python_files(SRC / "orion")
        if KERNEL not in path.parents
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SWITCHING.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == [], "use `with acting_for(session, tenant):` from orion.kernel.data.tenancy"


def test_the_import_contracts_hold_the_kernels_floors_in_order():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=SRC.parent
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"The kernel's floors.*KEPT", result.stdout)
    assert re.search(
        r"Modules stand on the kernel, not on the application shell KEPT", result.stdout
    )
