"""The kernel's cryptography and PostgreSQL's row-level security wall."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from orion_testkit.widgets import service
from pydantic import SecretStr
from sqlalchemy import text

from orion.kernel.data.tenancy import all_tenants, set_tenant
from orion.kernel.errors import Unauthenticated
from orion.kernel.security import (
    Jwt,
    SecretBox,
    SecretDecryptionError,
    hash_password,
    hash_token,
    mask,
    new_token,
    verify_password,
)
from orion.settings import OrionSettings
from tests.conftest import PG_URL
from tests.helpers import OPERATOR, make_probe_role


def test_passwords_are_argon2_hashes_that_verify():
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password("correct horse battery staple", hashed)[0] is True
    assert verify_password("wrong", hashed)[0] is False


def test_tokens_are_shown_once_and_stored_as_hashes():
    token, stored = new_token("orn")
    assert token.startswith("orn_") and len(token) > 40
    assert stored == hash_token(token) and token not in stored


def test_jwt_round_trip_and_rejections():
    issuer = Jwt(OrionSettings(secret_key=SecretStr("k" * 40)))
    token = issuer.encode({"sub": "user-1", "aud": "access"}, lifetime=timedelta(minutes=5))
    assert issuer.decode(token, audience="access")["sub"] == "user-1"
    with pytest.raises(Unauthenticated, match="not valid"):
        issuer.decode(token, audience="refresh")
    with pytest.raises(Unauthenticated, match="not valid"):
        Jwt(OrionSettings(secret_key=SecretStr("x" * 40))).decode(token, audience="access")
    expired = issuer.encode({"sub": "u", "aud": "access"}, lifetime=timedelta(seconds=-1))
    with pytest.raises(Unauthenticated, match="expired"):
        issuer.decode(expired, audience="access")


def test_secrets_rotate_to_the_newest_key():
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = SecretBox(OrionSettings(encryption_keys=[SecretStr(old_key)])).encrypt("smtp-pass")
    both = SecretBox(OrionSettings(encryption_keys=[SecretStr(new_key), SecretStr(old_key)]))
    assert both.decrypt(sealed) == "smtp-pass"
    rotated = both.rotate(sealed)
    only_new = SecretBox(OrionSettings(encryption_keys=[SecretStr(new_key)]))
    assert only_new.decrypt(rotated) == "smtp-pass"
    with pytest.raises(SecretDecryptionError):
        only_new.decrypt(sealed)


def test_masking_keeps_only_the_last_characters():
    assert mask("sk-live-1234567890abcd") == "****abcd"
    assert mask("abc") == "***"


@pytest.mark.skipif(not PG_URL, reason="row-level security is PostgreSQL's")
def test_row_level_security_stops_raw_sql_at_the_tenant(runtime, make_tenant, enable):
    enable("widgets")
    mine, theirs = make_tenant("Mine"), make_tenant("Theirs")
    for tenant in (mine, theirs):
        with runtime.database.unit_of_work() as session:
            set_tenant(session, tenant)
            service.create_widget(session, name="rls")
    # Superusers bypass RLS; applications connect as an ordinary role, as this one.
    with runtime.database.engine.begin() as connection:
        make_probe_role(connection, "orion_rls_probe", ("widgets_widget",))
    with runtime.database.unit_of_work() as session:
        set_tenant(session, mine)
        session.execute(text("SET LOCAL ROLE orion_rls_probe"))
        raw = text("SELECT DISTINCT tenant_id FROM widgets_widget WHERE name = 'rls'")
        assert session.execute(raw).scalars().all() == [mine.tenant_id]
        with all_tenants(session):
            assert len(session.execute(raw).scalars().all()) >= 2
        assert session.execute(raw).scalars().all() == [mine.tenant_id]


@pytest.mark.skipif(not PG_URL, reason="row-level security is PostgreSQL's")
def test_a_role_that_row_level_security_does_not_bind_is_named(runtime):
    from orion.kernel.data.rls import bypassing_role

    with runtime.database.engine.begin() as connection:
        superuser = connection.execute(
            text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        me = connection.execute(text("SELECT current_user")).scalar()
        assert bypassing_role(connection) == (me if superuser else None)
        make_probe_role(connection, "orion_rls_probe")
        connection.execute(text("SET LOCAL ROLE orion_rls_probe"))
        assert bypassing_role(connection) is None


def test_readiness_says_when_row_level_security_is_bypassed(client, runtime):
    from orion.kernel.data.rls import bypassing_role

    with runtime.database.engine.connect() as connection:
        bypassing = bypassing_role(connection)
    detail = client.get("/ready", headers=OPERATOR).json()["checks"]["database"]["detail"]
    assert ("row-level security does not apply" in detail) == (bypassing is not None)
