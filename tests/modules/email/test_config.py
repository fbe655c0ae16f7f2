"""SMTP configurations: stored encrypted, never answered, rotated to the newest key; a
tenant without its own server falls back to the platform's default."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import text

from orion.kernel.data.tenancy import set_tenant
from orion.kernel.runtime.activation import DEFAULT_PLATFORM_ID
from orion.kernel.security import SecretBox
from orion.modules.email import services
from orion.modules.email.exceptions import EmailConfigNotFound, SecretUnreadable
from orion.modules.email.models import EmailConfig, PlatformEmailConfig
from orion.modules.email.schemas import ConfigSource, EmailConfigUpdate
from orion.modules.tenancy import services as tenancy
from orion.modules.tenancy.schemas import PlatformCreate
from tests.conftest import PG_URL
from tests.helpers import make_probe_role
from tests.modules.email.conftest import SMTP_PASSWORD, enable_email, stored
from tests.modules.email.helpers import use_server


def effective(runtime, tenant):
    with runtime.database.unit_of_work() as session:
        if tenant is not None:
            set_tenant(session, tenant)
        return services.effective_config(session, tenant.tenant_id if tenant else None)


def raw_row(runtime, table: str, tenant_id: uuid.UUID) -> str:
    with runtime.database.engine.connect() as connection:
        row = connection.execute(
            text(f"SELECT * FROM {table} WHERE tenant_id = :tenant"),
            {"tenant": tenant_id.hex if runtime.settings.is_sqlite else str(tenant_id)},
        ).one()
    return " ".join(str(value) for value in row)


def test_the_password_is_stored_encrypted_and_decrypts_for_sending(
    runtime, email_tenant, starttls_smtp
):
    use_server(runtime, email_tenant, starttls_smtp)

    (row,) = stored(runtime, EmailConfig, EmailConfig.tenant_id == email_tenant.tenant_id)
    assert row.password_encrypted and SMTP_PASSWORD not in row.password_encrypted
    assert SMTP_PASSWORD not in raw_row(runtime, "email_config", email_tenant.tenant_id)
    assert runtime.secrets.decrypt(row.password_encrypted) == SMTP_PASSWORD
    config = effective(runtime, email_tenant)
    assert config.source is ConfigSource.TENANT
    assert config.password.get_secret_value() == SMTP_PASSWORD


def test_replacing_the_config_keeps_the_password_unless_one_is_given(
    runtime, email_tenant, starttls_smtp
):
    use_server(runtime, email_tenant, starttls_smtp)
    body = starttls_smtp.config(from_name="Acme Shop")
    del body["password"]

    use_server(runtime, email_tenant, starttls_smtp, **body)
    kept = effective(runtime, email_tenant)
    use_server(runtime, email_tenant, starttls_smtp, password="")
    cleared = effective(runtime, email_tenant)

    assert kept.from_name == "Acme Shop"
    assert kept.password.get_secret_value() == SMTP_PASSWORD
    assert cleared.password is None


def test_a_tenant_without_a_server_uses_the_platform_default(
    runtime, email_tenant, email_settings, tls_smtp
):
    deployment = effective(runtime, email_tenant)
    assert deployment.source is ConfigSource.SETTINGS
    assert (deployment.host, deployment.port) == (
        email_settings["smtp_host"],
        email_settings["smtp_port"],
    )

    platform_id = email_tenant.platform_id or DEFAULT_PLATFORM_ID
    with runtime.database.unit_of_work() as session:
        services.put_platform_config(
            session, platform_id, data=EmailConfigUpdate(**tls_smtp.config())
        )
    try:
        stored_default = effective(runtime, email_tenant)
        platform_mail = effective(runtime, None)
    finally:
        with runtime.database.unit_of_work() as session:
            services.delete_platform_config(session, platform_id)

    assert stored_default.source is ConfigSource.PLATFORM
    assert stored_default.port == tls_smtp.port
    assert stored_default.password.get_secret_value() == SMTP_PASSWORD
    assert platform_mail.source is ConfigSource.PLATFORM
    assert effective(runtime, email_tenant).source is ConfigSource.SETTINGS


def test_deleting_the_tenants_server_falls_back_and_a_second_delete_is_404(
    runtime, email_tenant, plain_smtp
):
    use_server(runtime, email_tenant, plain_smtp)
    with runtime.database.unit_of_work() as session:
        set_tenant(session, email_tenant)
        services.delete_config(session, email_tenant)

    assert effective(runtime, email_tenant).source is ConfigSource.SETTINGS
    with pytest.raises(EmailConfigNotFound), runtime.database.unit_of_work() as session:
        set_tenant(session, email_tenant)
        services.delete_config(session, email_tenant)


def derived_key(runtime) -> str:
    """The key a deployment without ORION_ENCRYPTION_KEYS seals with (kernel SecretBox)."""
    secret = runtime.settings.secret_key.get_secret_value().encode()
    digest = hashlib.sha256(b"orion-secret-box:" + secret).digest()
    return base64.urlsafe_b64encode(digest).decode()


@pytest.fixture
def use_keys(runtime, monkeypatch):
    """Switch the runtime's encryption keys (newest first) for the rest of the test."""

    def switch(*keys: str) -> None:
        monkeypatch.setattr(runtime.settings, "encryption_keys", [SecretStr(k) for k in keys])
        monkeypatch.setitem(runtime.__dict__, "secrets", SecretBox(runtime.settings))

    return switch


def test_rotation_reencrypts_every_password_with_the_newest_key(
    runtime, email_tenant, starttls_smtp, use_keys
):
    old_key, new_key = derived_key(runtime), Fernet.generate_key().decode()
    use_server(runtime, email_tenant, starttls_smtp)
    with runtime.database.unit_of_work() as session:
        code = f"rotation-{uuid.uuid4().hex[:8]}"
        platform_id = tenancy.create_platform(
            session, data=PlatformCreate(code=code, name="Rotation")
        ).id
        services.put_platform_config(
            session, platform_id, data=EmailConfigUpdate(**starttls_smtp.config())
        )
    (before,) = stored(runtime, EmailConfig, EmailConfig.tenant_id == email_tenant.tenant_id)

    # The new key goes first; the old one stays until everything is re-encrypted.
    use_keys(new_key, old_key)
    with runtime.database.unit_of_work() as session:
        count = services.rotate_secrets(session)

    assert count >= 2  # this tenant's password and the platform's, at least
    (after,) = stored(runtime, EmailConfig, EmailConfig.tenant_id == email_tenant.tenant_id)
    (platform,) = stored(
        runtime, PlatformEmailConfig, PlatformEmailConfig.platform_id == platform_id
    )
    assert after.password_encrypted != before.password_encrypted
    for sealed in (after.password_encrypted, platform.password_encrypted):
        assert Fernet(new_key).decrypt(sealed.encode()).decode() == SMTP_PASSWORD
    # Once rotated, the old key can go: everything still opens.
    use_keys(new_key)
    assert effective(runtime, email_tenant).password.get_secret_value() == SMTP_PASSWORD

    # Back to the suite's own key, the same way.
    use_keys(old_key, new_key)
    with runtime.database.unit_of_work() as session:
        assert services.rotate_secrets(session) == count


def test_a_password_no_key_opens_is_reported_not_used(
    runtime, email_tenant, starttls_smtp, use_keys
):
    use_keys(Fernet.generate_key().decode())  # sealed with a key that is then lost
    use_server(runtime, email_tenant, starttls_smtp)
    use_keys(derived_key(runtime))

    with pytest.raises(SecretUnreadable, match="store the password again"):
        effective(runtime, email_tenant)
    with (
        pytest.raises(SecretUnreadable, match="no configured encryption key opens it"),
        runtime.database.unit_of_work() as session,
    ):
        services.rotate_secrets(session)

    with runtime.database.unit_of_work() as session:  # leave nothing unreadable behind
        set_tenant(session, email_tenant)
        services.delete_config(session, email_tenant)


PROBE = "orion_rls_probe"


@pytest.mark.skipif(not PG_URL, reason="row-level security is PostgreSQL's")
def test_row_security_keeps_raw_sql_to_the_tenants_own_mail(
    runtime, email_tenant, make_tenant, plain_smtp
):
    other = make_tenant()
    enable_email(runtime, other)
    for tenant in (email_tenant, other):
        use_server(runtime, tenant, plain_smtp)
        with runtime.database.unit_of_work() as session:
            set_tenant(session, tenant)
            services.queue_email(
                session, tenant_id=tenant.tenant_id, to="rls@example.com", template="test"
            )
    # Superusers bypass row-level security; applications connect as an ordinary role.
    with runtime.database.engine.begin() as connection:
        make_probe_role(connection, PROBE, ("email_config", "email_message"))
    ids = {"mine": email_tenant.tenant_id, "theirs": other.tenant_id}

    with runtime.database.unit_of_work() as session:
        set_tenant(session, email_tenant)
        session.execute(text(f"SET LOCAL ROLE {PROBE}"))
        for table in ("email_config", "email_message"):
            seen = session.execute(
                text(f"SELECT DISTINCT tenant_id FROM {table} WHERE tenant_id IN (:mine, :theirs)"),
                ids,
            ).scalars()
            assert set(seen) == {email_tenant.tenant_id}, table
