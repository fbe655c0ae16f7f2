"""Small helpers of the email tests (fixtures are in conftest.py)."""

from __future__ import annotations

import uuid
from typing import Any

from orion.kernel.data.tenancy import TenantContext, set_tenant
from orion.kernel.runtime import Runtime
from orion.modules.email import services
from orion.modules.email.models import EmailMessage
from orion.modules.email.schemas import EmailConfigUpdate
from tests.modules.email.conftest import SmtpServer, stored, wait_until


def use_server(
    runtime: Runtime, tenant: TenantContext, server: SmtpServer, **overrides: Any
) -> None:
    """Store `server` as the tenant's own SMTP server (through the service)."""
    with runtime.database.unit_of_work() as session:
        set_tenant(session, tenant)
        services.put_config(session, tenant, data=EmailConfigUpdate(**server.config(**overrides)))


def send_test(runtime: Runtime, tenant: TenantContext | None, to: str) -> uuid.UUID:
    with runtime.database.unit_of_work() as session:
        if tenant is not None:
            set_tenant(session, tenant)
        return services.send_test(session, tenant, to=to).id


def message(runtime: Runtime, message_id: uuid.UUID | str) -> EmailMessage:
    (row,) = stored(runtime, EmailMessage, EmailMessage.id == uuid.UUID(str(message_id)))
    return row


def settled(runtime: Runtime, message_id: uuid.UUID | str, timeout: float = 15.0) -> EmailMessage:
    """The message once it is sent or failed (fails the test if it never settles)."""
    assert wait_until(lambda: message(runtime, message_id).state in ("sent", "failed"), timeout), (
        f"message {message_id} is still {message(runtime, message_id).state}"
    )
    return message(runtime, message_id)
