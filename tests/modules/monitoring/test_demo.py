"""`orion demo`: the operators' overview starts with a first capacity snapshot, taken once
the demo's data is committed; running the demo again takes no second one."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from orion.modules.monitoring import services
from orion.modules.monitoring.models import CapacitySnapshot
from orion.modules.tenancy import services as tenancy


def seed(runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.database.unit_of_work() as session:
        tenancy.seed_demo(session, runtime)
        services.seed_demo(session, runtime)


def test_the_demo_takes_a_first_snapshot_once(runtime, monkeypatch):
    monkeypatch.setitem(runtime.settings.modules, "monitoring", {"ping_timeout_seconds": 0})
    with runtime.database.unit_of_work() as session:
        session.execute(delete(CapacitySnapshot))
    seed(runtime)
    with runtime.database.unit_of_work() as session:
        (snapshot,) = session.scalars(select(CapacitySnapshot)).all()
        assert snapshot.tenants is not None and snapshot.tenants >= len(tenancy.DEMO_TENANTS)
        assert snapshot.users is not None and snapshot.users >= 1
    seed(runtime)
    with runtime.database.unit_of_work() as session:
        assert session.scalar(select(func.count(CapacitySnapshot.id))) == 1
