"""One router, two audiences: a module's tenant router serves the tenant's members under
/api/v1/<code> and platform operators acting for a named tenant under
/api/v1/admin/<code>/tenants/{tenant_id}, with the same code and the same filtering."""

from __future__ import annotations

import uuid
from collections import Counter

from orion_testkit.widgets.models import Widget
from sqlalchemy import select

from tests.helpers import OPERATOR, platform_session, tenant_headers

OWN = "/api/v1/widgets/widgets"


def operator_url(tenant_id: uuid.UUID) -> str:
    return f"/api/v1/admin/widgets/tenants/{tenant_id}/widgets"


def test_an_operator_reads_and_writes_a_named_tenants_rows_through_the_tenant_router(
    client, runtime, make_tenant, enable
):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets", tenant_id=acme.tenant_id)
    assert (
        client.post(OWN, json={"name": "acme-own"}, headers=tenant_headers(acme)).status_code == 201
    )

    created = client.post(
        operator_url(globex.tenant_id), json={"name": "made-by-operator"}, headers=OPERATOR
    )
    assert created.status_code == 201, created.text

    listed = client.get(operator_url(acme.tenant_id), headers=OPERATOR)
    assert listed.status_code == 200
    assert [w["name"] for w in listed.json()["data"]] == ["acme-own"]
    with platform_session(runtime) as session:
        owner = session.scalars(select(Widget.tenant_id).where(Widget.name == "made-by-operator"))
        assert owner.one() == globex.tenant_id


def test_the_operator_mount_is_for_operators_and_names_an_existing_tenant(
    client, make_tenant, enable
):
    acme = make_tenant("Acme")
    enable("widgets", tenant_id=acme.tenant_id)

    assert client.get(operator_url(acme.tenant_id)).status_code == 401
    member = client.get(operator_url(acme.tenant_id), headers=tenant_headers(acme))
    assert member.status_code == 403
    unknown = client.get(operator_url(uuid.uuid4()), headers=OPERATOR)
    assert unknown.status_code == 404 and unknown.json()["code"] == "tenant_not_found"


def test_an_operator_acting_for_one_tenant_gets_404_for_another_tenants_row(
    client, make_tenant, enable
):
    acme, globex = make_tenant("Acme"), make_tenant("Globex")
    enable("widgets", tenant_id=globex.tenant_id)
    theirs = client.post(OWN, json={"name": "g"}, headers=tenant_headers(globex)).json()["id"]

    assert (
        client.get(f"{operator_url(globex.tenant_id)}/{theirs}", headers=OPERATOR).status_code
        == 200
    )
    assert (
        client.get(f"{operator_url(acme.tenant_id)}/{theirs}", headers=OPERATOR).status_code == 404
    )


def test_the_api_document_lists_both_audiences_once_each(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths[OWN])
    assert {"get", "post"} <= set(paths["/api/v1/admin/widgets/tenants/{tenant_id}/widgets"])
    operations = [op["operationId"] for item in paths.values() for op in item.values()]
    assert [name for name, seen in Counter(operations).items() if seen > 1] == []
