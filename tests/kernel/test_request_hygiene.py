"""Hostile input is refused by the kernel, once for every module: text that is never text
(NUL, unpaired surrogates) anywhere in a request, control characters in single-line
fields, paging beyond the database's integers, bodies beyond the limit (413 before they
are read). Each answer is a 422/413 problem naming the field, never a 500."""

from __future__ import annotations

import pytest

from tests.helpers import OPERATOR, tenant_headers

WIDGETS = "/api/v1/widgets/widgets"


@pytest.fixture
def member(make_tenant, enable):
    enable("widgets")
    return tenant_headers(make_tenant())


def _refused(response, field: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    assert [e["field"] for e in body["errors"]] == [field]
    assert body["errors"][0]["type"] == "text_unsafe"
    return body["detail"]


def test_a_nul_in_a_json_string_is_refused_naming_the_field(client, member):
    response = client.post(WIDGETS, json={"name": "a\x00b"}, headers=member)
    assert _refused(response, "name") == "Name must not contain a NUL character."


def test_an_unpaired_surrogate_in_a_json_string_is_refused(client, member):
    response = client.post(
        WIDGETS,
        content=b'{"name": "a\\ud800b"}',
        headers={**member, "content-type": "application/json"},
    )
    assert "unpaired surrogate (U+D800)" in _refused(response, "name")


def test_a_nul_deep_inside_a_json_value_of_any_shape_is_refused(client):
    # A platform setting takes any JSON value: the kernel looks at every string in it.
    response = client.put(
        "/api/v1/admin/core/settings/hygiene.probe",
        json={"value": {"labels": ["ok", "bad\x00"]}},
        headers=OPERATOR,
    )
    _refused(response, "value.labels[1]")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("line\nbreak", "a line break"),
        ("carriage\rreturn", "a line break"),
        ("esc\x1b[31m", "a control character (U+001B)"),
        ("c1\x85", "a control character (U+0085)"),
        ("evil\u202etxt.exe", "a text direction control (U+202E)"),
        ("tab\there", "a tab"),
    ],
)
def test_control_characters_are_refused_in_a_single_line_field(client, member, text, said):
    response = client.post(WIDGETS, json={"name": text}, headers=member)
    assert _refused(response, "name") == f"Name must not contain {said}."


def test_ordinary_text_in_any_script_is_kept(client, member):
    name = "Café ☕ — 東京 مرحبا"
    response = client.post(WIDGETS, json={"name": name}, headers=member)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == name


def test_a_nul_in_a_query_or_path_parameter_is_refused(client, member):
    _refused(client.get(f"{WIDGETS}?limit=5&q=a%00b", headers=member), "q")
    _refused(client.get(f"{WIDGETS}/ab%00cd", headers=member), "widget_id")


def test_paging_beyond_the_databases_integers_is_a_422(client):
    response = client.get(
        "/api/v1/admin/core/settings?offset=9223372036854775808", headers=OPERATOR
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"


def test_a_body_beyond_the_limit_is_413_without_being_read(client, member, runtime):
    limit = runtime.settings.request_body_limit_bytes
    response = client.post(
        WIDGETS,
        content=b'{"name": "' + b"x" * limit + b'"}',
        headers={**member, "content-type": "application/json"},
    )
    assert response.status_code == 413
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["code"] == "content_too_large"
    assert f"{limit:,} bytes" in body["detail"]


def test_a_body_announcing_more_than_the_limit_is_refused_before_a_byte_is_read(app, runtime):
    """An ASGI call whose receive() must never be awaited: the Content-Length decides."""
    import anyio

    sent: list[dict] = []
    received = 0

    async def receive():
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"{}", "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/public/auth/password-reset",
        "raw_path": b"/api/v1/public/auth/password-reset",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(100 * 1024 * 1024).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert received == 0
