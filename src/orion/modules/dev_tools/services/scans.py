"""Architecture scans: the rules switched per platform, a scan requested and run (as a
task), its violations, the comparison with the previous scan, and the trend."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orion.kernel.data.db import utcnow
from orion.kernel.data.paging import Page
from orion.kernel.errors import FieldError
from orion.kernel.runtime import runtime_of
from orion.kernel.runtime.events import publish
from orion.kernel.runtime.tasks import enqueue
from orion.modules.dev_tools.events import ScanFinished
from orion.modules.dev_tools.exceptions import PathRefused, UnknownRule
from orion.modules.dev_tools.models import ArchitectureRule, ArchitectureScan, ArchitectureViolation
from orion.modules.dev_tools.repository import RuleRepository, ScanRepository, ViolationRepository
from orion.modules.dev_tools.scanning import RULES, ScanReport, compare, project_root, scan
from orion.modules.dev_tools.schemas import (
    RulePublic,
    ScanComparison,
    ScanCreate,
    ScansPublic,
    ScanTrendPoint,
    ViolationPublic,
    ViolationsPublic,
)
from orion.modules.dev_tools.services.common import (
    checked_path,
    ensure_enabled,
    is_enabled,
    mark,
    progress_writer,
    settings_of,
    shown_path,
)
from orion.modules.dev_tools.testing.runner import current_commit

SCAN_TASK = "dev_tools.execute_code_quality_scan"
FINISHED = ("succeeded", "failed", "refused")

# -- rules -------------------------------------------------------------------------------------


def list_rules(session: Session, platform_id: uuid.UUID) -> list[RulePublic]:
    """Every rule with whether it is on for the platform (a rule without a row is on)."""
    switches = dict(
        session.execute(
            select(ArchitectureRule.code, ArchitectureRule.enabled).where(
                ArchitectureRule.platform_id == platform_id
            )
        ).all()
    )
    return [
        RulePublic(
            code=rule.code,
            title=rule.title,
            description=rule.description,
            severity=rule.severity,
            enabled=switches.get(rule.code, True),
        )
        for rule in RULES.values()
    ]


def enabled_rules(session: Session, platform_id: uuid.UUID) -> list[str]:
    return [rule.code for rule in list_rules(session, platform_id) if rule.enabled]


def set_rule(session: Session, platform_id: uuid.UUID, code: str, *, enabled: bool) -> RulePublic:
    """Switch rule `code` on or off for the platform."""
    _known_rules([code], field="code")
    repository = RuleRepository(session)
    row = repository.first(
        select(ArchitectureRule).where(
            ArchitectureRule.platform_id == platform_id, ArchitectureRule.code == code
        )
    )
    if row is None:
        row = repository.add(ArchitectureRule(platform_id=platform_id, code=code, enabled=enabled))
    else:
        row.enabled = enabled
        session.flush()
    return next(rule for rule in list_rules(session, platform_id) if rule.code == code)


def _known_rules(codes: list[str], *, field: str = "rules") -> list[str]:
    unknown = [code for code in codes if code not in RULES]
    if unknown:
        raise UnknownRule(
            f"no rule {', '.join(unknown)} (known: {', '.join(RULES)})",
            errors=[FieldError(field, f"unknown rule {code}") for code in unknown],
        )
    return [code for code in RULES if code in set(codes)]


# -- requesting and running a scan ---------------------------------------------------------------


def request_scan(
    session: Session,
    platform_id: uuid.UUID,
    *,
    data: ScanCreate,
    requested_by: uuid.UUID | None = None,
) -> ArchitectureScan:
    """A pending scan, sent to the worker once the transaction commits."""
    ensure_enabled(session)
    target = shown_path(checked_path(session, data.path)) if data.path else None
    rules = (
        _known_rules(data.rules) if data.rules is not None else enabled_rules(session, platform_id)
    )
    row = ScanRepository(session).add(
        ArchitectureScan(
            platform_id=platform_id,
            state="pending",
            target=target,
            rules=rules,
            requested_by=requested_by,
        )
    )
    enqueue(session, SCAN_TASK, scan_id=row.id)
    return row


def execute_scan(session: Session, scan_id: uuid.UUID) -> dict[str, Any]:
    """Run a requested scan (the task's body; safe to run twice: a finished scan is left
    as it is). Its state and progress are written at once, in transactions of their own,
    so they are seen while it runs; the violations land with the task's commit."""
    runtime = runtime_of(session)
    with runtime.database.unit_of_work() as own:
        row = own.get(ArchitectureScan, scan_id)
        if row is None or row.state in FINISHED:
            return {"state": row.state if row else "missing"}
        target, rules, platform_id = row.target, list(row.rules or []), row.platform_id
        if not is_enabled(runtime):
            row.state, row.finished_at = "refused", utcnow()
            row.error = "dev_tools is switched off for this deployment"
            return {"state": "refused"}
        row.state, row.started_at, row.error = "running", utcnow(), None
        row.commit = current_commit(project_root())
    settings = settings_of(runtime)
    writer = progress_writer(
        runtime,
        ArchitectureScan,
        scan_id,
        lambda done, total: {"progress_done": done, "progress_total": total},
    )
    try:
        targets = [checked_path(session, target)] if target else None
    except PathRefused as exc:
        mark(
            runtime,
            ArchitectureScan,
            scan_id,
            state="failed",
            finished_at=utcnow(),
            error=exc.message,
        )
        return {"state": "failed"}
    try:
        report = scan(
            targets,
            rules=rules,
            registry=runtime.registry,
            max_file_lines=settings.max_file_lines,
            progress=writer,
        )
    except Exception as exc:
        mark(
            runtime, ArchitectureScan, scan_id, state="failed", finished_at=utcnow(), error=str(exc)
        )
        raise
    return store_report(session, scan_id, platform_id, report)


def store_report(
    session: Session, scan_id: uuid.UUID, platform_id: uuid.UUID, report: ScanReport
) -> dict[str, Any]:
    row = ScanRepository(session).get(scan_id)
    session.refresh(row)
    previous = _previous(session, row)
    before: list[str] = []
    if previous is not None:
        shared = set(previous.rules or []) & set(report.rules)
        before = list(
            session.scalars(
                select(ArchitectureViolation.fingerprint).where(
                    ArchitectureViolation.scan_id == previous.id,
                    ArchitectureViolation.rule.in_(shared),
                )
            )
        )
    comparison = compare(before, report.fingerprints)
    unchanged = set(comparison.unchanged)
    session.execute(
        ArchitectureViolation.__table__.delete().where(ArchitectureViolation.scan_id == scan_id)
    )
    if report.violations:
        session.execute(
            ArchitectureViolation.__table__.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "scan_id": scan_id,
                    "status": "unchanged" if fingerprint in unchanged else "new",
                    "fingerprint": fingerprint,
                    **violation.as_dict(),
                }
                for violation, fingerprint in zip(
                    report.violations, report.fingerprints, strict=True
                )
            ],
        )
    now = utcnow()
    row.state = "succeeded"
    row.finished_at = now
    row.duration_ms = report.duration_ms
    row.files_scanned = report.files
    row.progress_done = row.progress_total = len(report.rules) + 1
    row.violation_count = len(report.violations)
    row.new_count = len(report.violations) - len(unchanged)
    row.fixed_count = len(comparison.fixed)
    row.unchanged_count = len(unchanged)
    row.previous_scan_id = previous.id if previous else None
    session.flush()
    publish(
        session,
        ScanFinished(
            scan_id=scan_id,
            platform_id=platform_id,
            state=row.state,
            violation_count=row.violation_count,
            new_count=row.new_count,
            fixed_count=row.fixed_count,
        ),
    )
    return {"state": row.state, "violations": row.violation_count, "new": row.new_count}


def _previous(session: Session, row: ArchitectureScan) -> ArchitectureScan | None:
    """The last succeeded scan of the same target on the same platform before `row`."""
    target = (
        ArchitectureScan.target.is_(None)
        if row.target is None
        else ArchitectureScan.target == row.target
    )
    return session.scalars(
        select(ArchitectureScan)
        .where(
            ArchitectureScan.platform_id == row.platform_id,
            ArchitectureScan.id != row.id,
            ArchitectureScan.state == "succeeded",
            ArchitectureScan.created_at <= row.created_at,
            target,
        )
        .order_by(ArchitectureScan.created_at.desc(), ArchitectureScan.finished_at.desc())
        .limit(1)
    ).first()


# -- reading scans -------------------------------------------------------------------------------


def get_scan(session: Session, platform_id: uuid.UUID, scan_id: uuid.UUID) -> ArchitectureScan:
    row = ScanRepository(session).get(scan_id)
    if row.platform_id != platform_id:
        raise ScanRepository.not_found(f"scan {scan_id} does not exist")
    return row


def scans_listing(session: Session, platform_id: uuid.UUID, *, page: Page) -> ScansPublic:
    repository = ScanRepository(session)
    query = repository.select().where(ArchitectureScan.platform_id == platform_id)
    return repository.listing(ScansPublic, query, page, ArchitectureScan.created_at.desc())


def violations_listing(
    session: Session,
    platform_id: uuid.UUID,
    scan_id: uuid.UUID,
    *,
    page: Page,
    rule: str | None = None,
    status: str | None = None,
    module: str | None = None,
) -> ViolationsPublic:
    get_scan(session, platform_id, scan_id)
    repository = ViolationRepository(session)
    query = repository.select().where(ArchitectureViolation.scan_id == scan_id)
    if rule:
        query = query.where(ArchitectureViolation.rule == rule)
    if status:
        query = query.where(ArchitectureViolation.status == status)
    if module:
        query = query.where(ArchitectureViolation.module == module)
    return repository.listing(
        ViolationsPublic,
        query,
        page,
        ArchitectureViolation.file,
        ArchitectureViolation.line,
        ArchitectureViolation.rule,
    )


def comparison(session: Session, platform_id: uuid.UUID, scan_id: uuid.UUID) -> ScanComparison:
    """The scan's violations that are new, unchanged, and those of the previous scan that
    are gone (fixed), for the rules both scans ran."""
    row = get_scan(session, platform_id, scan_id)
    current = list(
        session.scalars(
            select(ArchitectureViolation)
            .where(ArchitectureViolation.scan_id == scan_id)
            .order_by(ArchitectureViolation.file, ArchitectureViolation.line)
        )
    )
    fixed: list[ArchitectureViolation] = []
    if row.previous_scan_id is not None:
        shared = set(row.rules or []) & set(_rules_of(session, row.previous_scan_id))
        present = {v.fingerprint for v in current}
        fixed = [
            v
            for v in session.scalars(
                select(ArchitectureViolation)
                .where(
                    ArchitectureViolation.scan_id == row.previous_scan_id,
                    ArchitectureViolation.rule.in_(shared),
                )
                .order_by(ArchitectureViolation.file, ArchitectureViolation.line)
            )
            if v.fingerprint not in present
        ]
    public = ViolationPublic.model_validate
    return ScanComparison(
        scan_id=row.id,
        previous_scan_id=row.previous_scan_id,
        new=[public(v) for v in current if v.status == "new"],
        fixed=[public(v) for v in fixed],
        unchanged=[public(v) for v in current if v.status == "unchanged"],
    )


def _rules_of(session: Session, scan_id: uuid.UUID) -> list[str]:
    return list(
        session.scalar(select(ArchitectureScan.rules).where(ArchitectureScan.id == scan_id)) or []
    )


def trend(session: Session, platform_id: uuid.UUID, *, limit: int = 30) -> list[ScanTrendPoint]:
    """The last `limit` succeeded scans, oldest first, with their counts by rule."""
    rows = list(
        session.scalars(
            select(ArchitectureScan)
            .where(
                ArchitectureScan.platform_id == platform_id,
                ArchitectureScan.state == "succeeded",
            )
            .order_by(ArchitectureScan.created_at.desc())
            .limit(limit)
        )
    )
    counts: dict[uuid.UUID, dict[str, int]] = {row.id: {} for row in rows}
    if rows:
        for scan_id, rule, count in session.execute(
            select(ArchitectureViolation.scan_id, ArchitectureViolation.rule, func.count())
            .where(ArchitectureViolation.scan_id.in_(list(counts)))
            .group_by(ArchitectureViolation.scan_id, ArchitectureViolation.rule)
        ):
            counts[scan_id][rule] = count
    return [
        ScanTrendPoint(
            scan_id=row.id,
            created_at=row.created_at,
            target=row.target,
            violation_count=row.violation_count,
            new_count=row.new_count,
            fixed_count=row.fixed_count,
            by_rule=counts[row.id],
        )
        for row in reversed(rows)
    ]
