"""The API documentation pages as a developer meets them: served with their own assets (no
CDN), and able to sign in through Swagger's Authorize dialog (OAuth2's password flow)."""

from __future__ import annotations

import re

from tests.helpers import PASSWORD


def test_docs_pages_load_every_asset_from_the_deployment_itself(client):
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        scripts = re.findall(r"url: '([^']+)'", html)
        assert sources, page
        for url in sources + scripts:
            assert url.startswith("/"), f"{page} loads {url} from elsewhere"
            assert client.get(url).status_code == 200, url


def test_the_document_declares_how_to_sign_in_and_which_routes_need_it(client):
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == (
        "/api/v1/public/auth/login"
    )
    assert schemes["BearerToken"] == schemes["BearerToken"] | {"type": "http", "scheme": "bearer"}
    paths = document["paths"]
    assert {"OAuth2Password": []} in paths["/api/v1/tenancy/stores"]["get"]["security"]
    assert "security" not in paths["/api/v1/public/auth/login"]["post"]


def test_a_token_from_the_authorize_dialog_calls_a_tenant_route(
    client, make_tenant, make_member, make_store
):
    tenant = make_tenant()
    make_store(tenant, name="Docs Corner")
    user, _ = make_member(tenant)
    # What Swagger UI posts for the password flow: a form with grant_type=password.
    token = client.post(
        "/api/v1/public/auth/login",
        data={"grant_type": "password", "username": user.email, "password": PASSWORD},
    )
    assert token.status_code == 200, token.text
    assert token.json()["token_type"].lower() == "bearer"
    stores = client.get(
        "/api/v1/tenancy/stores",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert stores.status_code == 200
    assert [store["name"] for store in stores.json()["data"]] == ["Docs Corner"]
