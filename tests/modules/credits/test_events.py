"""`credits.balance_low` when a debit crosses the tenant's threshold, `credits.depleted`
when it reaches zero; each announced once per crossing, in the debiting transaction."""

from __future__ import annotations

import pytest

from orion.kernel.errors import OrionError
from orion.modules.credits import services
from tests.modules.credits.conftest import key


def test_crossing_the_threshold_and_reaching_zero_are_announced_once(work, funded, heard):
    tenant = funded(1000)
    with work(tenant) as session:
        services.update_settings(session, tenant, low_balance_threshold=300)

    for amount in (600, 150, 100, 150):  # 400, 250 (crossed), 150, 0 (depleted)
        with work(tenant) as session:
            services.deduct(session, tenant, amount=amount, idempotency_key=key())

    assert [(e.name, e.tenant_id) for e in heard] == [
        ("credits.balance_low", tenant.tenant_id),
        ("credits.depleted", tenant.tenant_id),
    ]
    assert (heard[0].balance, heard[0].threshold) == (250, 300)


def test_a_refused_debit_announces_nothing(work, funded, heard):
    tenant = funded(100)
    with work(tenant) as session:
        services.update_settings(session, tenant, low_balance_threshold=50)
    with pytest.raises(OrionError) as refused, work(tenant) as session:
        services.deduct(session, tenant, amount=500, idempotency_key=key())
    assert refused.value.code == "insufficient_credits" and heard == []
