"""Two requests racing for the same unique row: the loser gets the conflict, never a 500."""

from __future__ import annotations

import threading
import time

from orion.modules.tenancy import services
from orion.modules.tenancy.exceptions import AlreadyMember


def test_a_membership_added_twice_at_once_is_a_conflict(runtime, make_tenant, make_user):
    tenant = make_tenant()
    user, _ = make_user()
    first = runtime.database.session()
    services.add_member(first, tenant, user_id=user.id, role="staff")  # written, not committed
    outcome: dict[str, BaseException] = {}

    def second() -> None:
        try:
            with runtime.database.unit_of_work() as session:
                services.add_member(session, tenant, user_id=user.id, role="user")
        except BaseException as exc:
            outcome["error"] = exc

    racer = threading.Thread(target=second)
    racer.start()
    time.sleep(0.3)  # the second request waits on the first's row (or lock)
    first.commit()
    first.close()
    racer.join(timeout=30)
    assert isinstance(outcome.get("error"), AlreadyMember), outcome
