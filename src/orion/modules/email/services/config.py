"""SMTP configurations: a tenant's own server, a platform's default, and which one sends.

Which server sends a message: the tenant's own configuration, else its platform's default
(set by an operator), else the deployment default (ORION_MODULES__EMAIL__SMTP_*). Platform
mail (tenant_id None, e.g. password resets) starts at the platform default.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from orion.kernel.data.tenancy import TenantContext, acting_for, all_tenants, get_tenant
from orion.kernel.runtime import runtime_of
from orion.kernel.security import SecretDecryptionError
from orion.modules.email.exceptions import EmailConfigNotFound, SecretUnreadable
from orion.modules.email.models import EmailConfig, PlatformEmailConfig, SmtpServer
from orion.modules.email.repository import EmailConfigRepository, PlatformEmailConfigRepository
from orion.modules.email.schemas import ConfigSource, EmailConfigPublic, EmailConfigUpdate
from orion.modules.email.schemas import EmailConfig as SmtpConfig
from orion.modules.email.settings import EmailSettings, settings_from
from orion.modules.tenancy import services as tenancy


def email_settings(session: Session) -> EmailSettings:
    """The deployment's email settings (validated at start-up by the kernel)."""
    return settings_from(runtime_of(session).settings.modules.get("email"))


# -- a tenant's own SMTP server --------------------------------------------------------------


def find_config(session: Session, tenant: TenantContext) -> EmailConfig | None:
    with acting_for(session, tenant):
        return EmailConfigRepository(session).own()


def get_config(session: Session, tenant: TenantContext) -> EmailConfig:
    config = find_config(session, tenant)
    if config is None:
        raise EmailConfigNotFound(
            "this tenant has no SMTP server of its own; its mail goes through the "
            "platform's default server"
        )
    return config


def put_config(session: Session, tenant: TenantContext, *, data: EmailConfigUpdate) -> EmailConfig:
    """Create or replace the tenant's SMTP server; the password is kept unless given."""
    with acting_for(session, tenant):
        config = find_config(session, tenant)
        if config is None:
            config = EmailConfig()
            session.add(config)
        _apply(session, config, data)
        session.flush()
    return config


def delete_config(session: Session, tenant: TenantContext) -> None:
    """Forget the tenant's server: its mail goes through the platform default again."""
    with acting_for(session, tenant):
        EmailConfigRepository(session).delete(get_config(session, tenant))


# -- a platform's default SMTP server ---------------------------------------------------------


def find_platform_config(session: Session, platform_id: uuid.UUID) -> PlatformEmailConfig | None:
    return PlatformEmailConfigRepository(session).for_platform(platform_id)


def platform_default(session: Session, platform_id: uuid.UUID) -> EmailConfigPublic:
    """What the platform's mail goes through: the stored default, else the deployment's."""
    config = find_platform_config(session, platform_id)
    if config is not None:
        return public_config(config, ConfigSource.PLATFORM)
    default = email_settings(session).default_config()
    if default is None:
        raise EmailConfigNotFound(
            "no default SMTP server: store one here or set ORION_MODULES__EMAIL__SMTP_HOST"
        )
    return EmailConfigPublic(
        **default.model_dump(exclude={"password", "source"}),
        has_password=default.password is not None,
        source=ConfigSource.SETTINGS,
    )


def put_platform_config(
    session: Session, platform_id: uuid.UUID, *, data: EmailConfigUpdate
) -> PlatformEmailConfig:
    tenancy.get_platform(session, platform_id)  # 404 for a platform that does not exist
    config = find_platform_config(session, platform_id)
    if config is None:
        config = PlatformEmailConfig(platform_id=platform_id)
        session.add(config)
    _apply(session, config, data)
    session.flush()
    return config


def delete_platform_config(session: Session, platform_id: uuid.UUID) -> None:
    config = find_platform_config(session, platform_id)
    if config is None:
        raise EmailConfigNotFound("the platform has no stored SMTP server")
    PlatformEmailConfigRepository(session).delete(config)


def public_config(config: SmtpServer, source: ConfigSource) -> EmailConfigPublic:
    return EmailConfigPublic(
        host=config.host,
        port=config.port,
        username=config.username,
        tls_mode=config.tls_mode,
        from_address=config.from_address,
        from_name=config.from_name,
        has_password=config.has_password,
        source=source,
        updated_at=getattr(config, "updated_at", None),
    )


def _apply(session: Session, config: SmtpServer, data: EmailConfigUpdate) -> None:
    config.host = data.host
    config.port = data.port
    config.username = data.username
    config.tls_mode = data.tls_mode.value
    config.from_address = data.from_address
    config.from_name = data.from_name
    if data.password is not None:
        secret = data.password.get_secret_value()
        config.password_encrypted = runtime_of(session).secrets.encrypt(secret) if secret else None


# -- which server sends ------------------------------------------------------------------------


def platform_of(session: Session, tenant_id: uuid.UUID | None) -> uuid.UUID:
    """The platform a tenant belongs to; platform mail belongs to the default platform."""
    runtime = runtime_of(session)
    if tenant_id is not None:
        current = get_tenant(session)
        if current is not None and current.tenant_id == tenant_id and current.platform_id:
            return current.platform_id
        with all_tenants(session):
            platform_id = runtime.directory.platform_of(session, tenant_id)
        if platform_id is not None:
            return platform_id
    return runtime.directory.default_platform_id(session)


def tenant_for(session: Session, tenant_id: uuid.UUID) -> TenantContext:
    """The context of the tenant a message belongs to: the session's own when it acts for
    that tenant (mail is mostly queued and sent from there), else one naming its platform."""
    current = get_tenant(session)
    if current is not None and current.tenant_id == tenant_id:
        return current
    return TenantContext(tenant_id=tenant_id, platform_id=platform_of(session, tenant_id))


def effective_config(session: Session, tenant_id: uuid.UUID | None) -> SmtpConfig | None:
    """The configuration a message of `tenant_id` is sent with, password decrypted."""
    if tenant_id is not None:
        own = find_config(session, tenant_for(session, tenant_id))
        if own is not None:
            return _usable(session, own, ConfigSource.TENANT)
    stored = find_platform_config(session, platform_of(session, tenant_id))
    if stored is not None:
        return _usable(session, stored, ConfigSource.PLATFORM)
    return email_settings(session).default_config()


def _usable(session: Session, config: SmtpServer, source: ConfigSource) -> SmtpConfig:
    password = None
    if config.password_encrypted is not None:
        try:
            password = runtime_of(session).secrets.decrypt(config.password_encrypted)
        except SecretDecryptionError:
            raise SecretUnreadable(
                f"the {source} SMTP password cannot be decrypted: the encryption key that "
                "sealed it is no longer configured; store the password again"
            ) from None
    return SmtpConfig(
        host=config.host,
        port=config.port,
        username=config.username,
        password=password,
        tls_mode=config.tls_mode,
        from_address=config.from_address,
        from_name=config.from_name,
        source=source,
    )
