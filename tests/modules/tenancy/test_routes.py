"""Tenancy's tenant router serves operators too: no admin twin answers the same URL."""

from __future__ import annotations

from collections import Counter

OPERATOR = "/api/v1/admin/tenancy/tenants/{tenant_id}"


def test_no_two_tenancy_routes_share_a_method_and_path(app):
    routes = Counter(
        (method, route.path)
        for route in app.routes
        if "/tenancy" in getattr(route, "path", "")
        for method in getattr(route, "methods", None) or ()
    )
    assert [key for key, seen in routes.items() if seen > 1] == []


def test_operators_act_for_a_tenant_through_the_tenant_router(app):
    paths = app.openapi()["paths"]
    for path in ("/stores", "/stores/{store_id}", "/members/{membership_id}", "/invitations"):
        assert f"/api/v1/tenancy{path}" in paths
        assert f"{OPERATOR}{path}" in paths
    # Not a twin: tenants invite, only operators add an existing account by email.
    assert set(paths[f"{OPERATOR}/members"]) == {"get", "post"}
    assert set(paths["/api/v1/tenancy/members"]) == {"get"}
