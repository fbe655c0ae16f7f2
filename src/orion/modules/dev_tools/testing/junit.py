"""pytest's JUnit XML, read into one result per test (the standard library's parser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # pytest's own file, written for this run
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CaseResult:
    node_id: str
    classname: str
    name: str
    file: str | None
    outcome: str  # passed, failed, skipped, error
    duration_seconds: float
    message: str | None
    output: str | None


def _clip(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    return text if len(text) <= limit else text[:limit] + f"\n... ({len(text) - limit} more)"


def _node_id(classname: str, name: str, file: str | None) -> str:
    """pytest's node id, rebuilt: `path/test_x.py::Class::test`."""
    parts = classname.split(".") if classname else []
    if file:
        module_parts = list(Path(file).with_suffix("").parts)
        # The classname is the module's dotted path, then the classes the test is in.
        classes = parts[len(module_parts) :] if parts[: len(module_parts)] == module_parts else []
        return "::".join([Path(file).as_posix(), *classes, name])
    return "::".join([*parts, name]) if parts else name


def parse(path: Path, *, limit: int = 20_000) -> list[CaseResult]:
    """Every test case of the report; a test that failed in its teardown after passing is
    one result, `error` (as pytest counts it)."""
    root = ET.parse(path).getroot()  # noqa: S314
    merged: dict[str, CaseResult] = {}
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        name = case.get("name", "")
        file = case.get("file")
        outcome, message = "passed", None
        for child in case:
            tag = child.tag
            if tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                text = child.get("message") or ""
                body = (child.text or "").strip()
                message = "\n".join(part for part in (text, body) if part) or None
                if tag == "skipped" and child.get("type") == "pytest.xfail":
                    outcome = "skipped"
                break
        output = "\n".join(
            (child.text or "").strip()
            for child in case
            if child.tag in ("system-out", "system-err") and (child.text or "").strip()
        )
        result = CaseResult(
            node_id=_node_id(classname, name, file),
            classname=classname,
            name=name,
            file=file,
            outcome=outcome,
            duration_seconds=float(case.get("time") or 0.0),
            message=_clip(message, limit),
            output=_clip(output, limit),
        )
        earlier = merged.get(result.node_id)
        if earlier is not None and earlier.outcome != "passed":
            continue  # the first failing phase tells
        merged[result.node_id] = result
    return list(merged.values())
