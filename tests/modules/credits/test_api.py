"""The credits API as clients use it: signed in for real, for a real tenant."""

from __future__ import annotations

import json
import uuid

import pytest
from typer.testing import CliRunner

from orion.modules.credits.cli import app as credits_cli


@pytest.fixture
def admin_headers(tenant, make_member, login):  # type: ignore[no-untyped-def]
    user, password = make_member(tenant, "tenant_admin")
    return login(user.email, password, tenant_id=tenant.tenant_id)


@pytest.fixture
def grant(client, operator_headers, tenant):  # type: ignore[no-untyped-def]
    def give(amount: int, key: str | None = None, **body: object):
        headers = dict(operator_headers)
        if key:
            headers["Idempotency-Key"] = key
        return client.post(
            f"/api/v1/admin/credits/tenants/{tenant.tenant_id}/credits",
            json={"amount": amount, "reason": "test grant", **body},
            headers=headers,
        )

    return give


def test_operators_grant_and_tenants_see_balance_and_history(client, tenant, admin_headers, grant):
    granted = grant(1000, kind="purchase", reference="inv-1")
    assert granted.status_code == 201, granted.text
    spent = client.post(
        "/api/v1/credits/deductions",
        json={"amount": 250, "reference": "job-7", "reason": "export"},
        headers=admin_headers,
    )
    assert spent.status_code == 201, spent.text

    balance = client.get("/api/v1/credits/balance", headers=admin_headers).json()
    assert (balance["balance"], balance["held"]) == (750, 0)
    own = client.get("/api/v1/tenancy/tenant", headers=admin_headers).json()
    assert own["balance"] == 750
    history = client.get("/api/v1/credits/transactions", headers=admin_headers).json()
    assert history["count"] == 2
    assert [(t["kind"], t["amount"]) for t in history["data"]] == [
        ("deduct", -250),
        ("purchase", 1000),
    ]
    only = client.get(
        "/api/v1/credits/transactions",
        params={"kind": "deduct", "reference": "job-7"},
        headers=admin_headers,
    ).json()
    assert [t["id"] for t in only["data"]] == [spent.json()["id"]]


def test_a_retried_request_with_the_same_idempotency_key_applies_once(
    client, tenant, admin_headers, grant
):
    key = f"grant-{uuid.uuid4()}"
    first, again = grant(500, key), grant(500, key)
    changed = grant(600, key)

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_key_reused"
    assert client.get("/api/v1/credits/balance", headers=admin_headers).json()["balance"] == 500


def test_a_deduction_beyond_the_balance_is_a_402_with_the_balance(
    client, tenant, admin_headers, grant
):
    grant(100)
    refused = client.post("/api/v1/credits/deductions", json={"amount": 101}, headers=admin_headers)
    assert refused.status_code == 402
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (refused.json()["balance"], refused.json()["required"]) == (100, 101)
    history = client.get("/api/v1/credits/transactions", headers=admin_headers).json()
    assert history["count"] == 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/credits/deductions", {"amount": -5}, "amount"),
        ("/api/v1/credits/deductions", {"amount": 0}, "amount"),
        ("/api/v1/credits/deductions", {"amount": 1.5}, "amount"),
        ("/api/v1/credits/deductions", {"amount": "12"}, "amount"),
        ("/api/v1/credits/holds", {"amount": 10, "expires_in_seconds": 0}, "expires_in_seconds"),
        ("/api/v1/credits/holds/not-a-uuid/settle", {"amount": 1}, "hold_id"),
        ("/api/v1/credits/refunds", {"transaction_id": "x", "amount": 1}, "transaction_id"),
        ("/api/v1/credits/settings", {"low_balance_threshold": -1}, "low_balance_threshold"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, admin_headers, path, body, field):
    method = client.put if path.endswith("settings") else client.post
    response = method(path, json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert field in {error["field"].split(".")[-1] for error in response.json()["errors"]}


def test_operator_input_is_checked_too(client, tenant, operator_headers, grant):
    assert grant(10, kind="refund").status_code == 422
    assert grant(-10).status_code == 422
    zero = client.post(
        f"/api/v1/admin/credits/tenants/{tenant.tenant_id}/adjustments",
        json={"amount": 0, "reason": "nothing"},
        headers=operator_headers,
    )
    assert zero.status_code == 422
    nobody = client.post(
        f"/api/v1/admin/credits/tenants/{uuid.uuid4()}/credits",
        json={"amount": 10, "reason": "ghost"},
        headers=operator_headers,
    )
    assert nobody.status_code == 404


def test_holds_through_the_api(client, admin_headers, grant):
    grant(1000)
    hold = client.post(
        "/api/v1/credits/holds",
        json={"amount": 300, "reference": "call-1"},
        headers={**admin_headers, "Idempotency-Key": "hold-call-1"},
    )
    assert hold.status_code == 201, hold.text
    hold_id = hold.json()["id"]
    opened = client.get("/api/v1/credits/holds", params={"state": "open"}, headers=admin_headers)
    assert [h["id"] for h in opened.json()["data"]] == [hold_id]
    assert client.get("/api/v1/credits/balance", headers=admin_headers).json()["held"] == 300

    settled = client.post(
        f"/api/v1/credits/holds/{hold_id}/settle", json={"amount": 120}, headers=admin_headers
    )
    assert settled.status_code == 200 and settled.json()["state"] == "settled"
    late = client.post(f"/api/v1/credits/holds/{hold_id}/release", headers=admin_headers)
    assert late.status_code == 409 and late.json()["state"] == "settled"
    assert client.get("/api/v1/credits/balance", headers=admin_headers).json() == {
        "tenant_id": hold.json()["tenant_id"],
        "balance": 880,
        "held": 0,
        "low_balance_threshold": None,
    }


def test_staff_read_the_balance_but_cannot_spend(client, tenant, make_member, login, grant):
    grant(100)
    user, password = make_member(tenant, "staff")
    staff = login(user.email, password, tenant_id=tenant.tenant_id)
    assert client.get("/api/v1/credits/balance", headers=staff).status_code == 200
    refused = client.post("/api/v1/credits/deductions", json={"amount": 1}, headers=staff)
    assert refused.status_code == 403 and refused.json()["permission"] == "credits.spend"


def test_tenants_without_the_module_are_told_so(client, make_tenant, make_member, login):
    other = make_tenant()
    user, password = make_member(other, "tenant_admin")
    headers = login(user.email, password, tenant_id=other.tenant_id)
    refused = client.get("/api/v1/credits/balance", headers=headers)
    assert refused.status_code == 403 and refused.json()["code"] == "module_not_enabled"
    assert client.get("/api/v1/tenancy/tenant", headers=headers).json()["balance"] is None


def test_the_ledger_check_proves_every_balance(runtime, client, operator_headers, tenant, grant):
    grant(42)
    checks = client.get("/api/v1/admin/credits/ledger-check", headers=operator_headers)
    assert checks.status_code == 200
    (mine,) = [c for c in checks.json() if c["tenant_id"] == str(tenant.tenant_id)]
    assert (mine["balance"], mine["ledger_sum"]) == (42, 42)
    assert all(check["balance"] == check["ledger_sum"] for check in checks.json())
    wrong = client.get(
        "/api/v1/admin/credits/ledger-check",
        params={"only_mismatches": True},
        headers=operator_headers,
    )
    assert wrong.json() == []


def test_orion_credits_verify(runtime, grant, monkeypatch):
    grant(42)
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ORION_LOG_JSON", "false")
    result = CliRunner().invoke(credits_cli, ["verify"])
    assert result.exit_code == 0, result.output
    assert "0 mismatch(es)" in result.output


def test_orion_credits_verify_fails_on_a_balance_that_left_its_ledger(
    runtime, tenant, grant, monkeypatch
):
    from sqlalchemy import update

    from orion.kernel.data.tenancy import all_tenants
    from orion.modules.credits.models import CreditAccount

    grant(42)
    with runtime.database.unit_of_work() as session, all_tenants(session):
        session.execute(  # a write that went around the service
            update(CreditAccount)
            .where(CreditAccount.tenant_id == tenant.tenant_id)
            .values(balance=CreditAccount.balance + 1)
        )
    monkeypatch.setenv("ORION_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("ORION_LOG_JSON", "false")
    try:
        result = CliRunner().invoke(credits_cli, ["verify", "--json"])
        assert result.exit_code == 1
        rows = json.loads(result.stdout.splitlines()[0])
        (mine,) = [row for row in rows if row["tenant_id"] == str(tenant.tenant_id)]
        assert (mine["balance"], mine["ledger_sum"], mine["ok"]) == (43, 42, False)
    finally:
        with runtime.database.unit_of_work() as session, all_tenants(session):
            session.execute(
                update(CreditAccount)
                .where(CreditAccount.tenant_id == tenant.tenant_id)
                .values(balance=CreditAccount.balance - 1)
            )


def test_operators_read_a_tenants_balance_and_ledger_through_the_tenant_routes(
    client, tenant, operator_headers, grant
):
    grant(70, reference="gift")
    base = f"/api/v1/admin/credits/tenants/{tenant.tenant_id}"
    balance = client.get(f"{base}/balance", headers=operator_headers)
    assert balance.status_code == 200, balance.text
    assert (balance.json()["tenant_id"], balance.json()["balance"]) == (str(tenant.tenant_id), 70)
    history = client.get(
        f"{base}/transactions", params={"reference": "gift"}, headers=operator_headers
    ).json()
    assert history["count"] == 1 and history["data"][0]["amount"] == 70
    nobody = f"/api/v1/admin/credits/tenants/{uuid.uuid4()}/balance"
    assert client.get(nobody, headers=operator_headers).status_code == 404
