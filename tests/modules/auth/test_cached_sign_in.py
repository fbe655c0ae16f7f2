"""Signed in from memory: the principal cache on the request path. A cached caller costs
no statement to authenticate and a request at most one unit of work; a miss authenticates
in the request's own unit of work."""

from __future__ import annotations

from sqlalchemy import event


def count_statements(runtime):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(runtime.database.engine, "before_cursor_execute", record)
    return statements, lambda: event.remove(
        runtime.database.engine, "before_cursor_execute", record
    )


def test_a_cached_caller_costs_no_statement_and_a_list_one_unit_of_work(
    client, runtime, make_tenant, make_member, login
):
    tenant = make_tenant()
    user, password = make_member(tenant)
    headers = login(user.email, password)
    sessions: list[object] = []
    listener = lambda session, transaction, connection: sessions.append(session)  # noqa: E731
    assert client.get("/api/v1/tenancy/roles", headers=headers).status_code == 200  # a miss
    statements, stop = count_statements(runtime)
    event.listen(runtime.database.session_factory, "after_begin", listener)
    try:
        assert client.get("/api/v1/tenancy/roles", headers=headers).status_code == 200
        assert statements == []  # signed in from memory; the route reads no database
        assert sessions == []

        assert client.get("/api/v1/tenancy/stores", headers=headers).status_code == 200
        assert len(sessions) == 1  # the endpoint's own, acting for the tenant
        assert statements  # the endpoint read its stores
    finally:
        stop()
        event.remove(runtime.database.session_factory, "after_begin", listener)


def test_a_miss_authenticates_in_the_requests_own_unit_of_work(
    client, runtime, make_tenant, make_member, login
):
    tenant = make_tenant()
    user, password = make_member(tenant)
    headers = login(user.email, password)
    runtime.principals.clear()
    sessions: list[object] = []
    listener = lambda session, transaction, connection: sessions.append(session)  # noqa: E731
    event.listen(runtime.database.session_factory, "after_begin", listener)
    try:
        response = client.get("/api/v1/tenancy/stores", headers=headers)
    finally:
        event.remove(runtime.database.session_factory, "after_begin", listener)
    assert response.status_code == 200, response.text
    assert len(sessions) == 1
