"""Email routes: a tenant's SMTP server, test sends and message log; the platform default.

`api` serves the tenant's own mail: mounted under /api/v1/email for tenants with the module
enabled, and under /api/v1/admin/email/tenants/{tenant_id} for operators acting for a
tenant. `admin` (/api/v1/admin/email) is the platform's own: its default SMTP server, its
test sends, and every message of every tenant and of the platform.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from orion.kernel.contract.principal import Principal
from orion.kernel.web.dependencies import (
    CurrentTenant,
    PageDep,
    PlatformAdmin,
    PlatformId,
    SessionDep,
    problem_responses,
    require_permission,
)
from orion.kernel.web.responses import ListingResponse
from orion.modules.email import services
from orion.modules.email.schemas import (
    ConfigSource,
    EmailConfigPublic,
    EmailConfigUpdate,
    EmailMessagePublic,
    EmailMessagesPublic,
    EmailTestSend,
    MessageState,
)

api = APIRouter()  # the tenant the route acts for
admin = APIRouter()  # platform-wide, platform operators

CanManage = Annotated[Principal, Depends(require_permission("email.manage"))]
CanRead = Annotated[Principal, Depends(require_permission("email.read"))]

NO_CONFIG = problem_responses(404)
NO_MESSAGE = problem_responses(404)


# -- tenant ------------------------------------------------------------------------------------


@api.get("/config", responses=NO_CONFIG)
def get_config(session: SessionDep, tenant: CurrentTenant, _: CanManage) -> EmailConfigPublic:
    """The tenant's own SMTP server (404 when it uses the platform's). No password."""
    config = services.get_config(session, tenant)
    return services.public_config(config, ConfigSource.TENANT)


@api.put("/config")
def put_config(
    session: SessionDep, tenant: CurrentTenant, _: CanManage, body: EmailConfigUpdate
) -> EmailConfigPublic:
    """Store the tenant's SMTP server. Leave `password` out to keep the stored one."""
    config = services.put_config(session, tenant, data=body)
    return services.public_config(config, ConfigSource.TENANT)


@api.delete("/config", status_code=status.HTTP_204_NO_CONTENT, responses=NO_CONFIG)
def delete_config(session: SessionDep, tenant: CurrentTenant, _: CanManage) -> None:
    """Forget the tenant's server; mail goes through the platform default again."""
    services.delete_config(session, tenant)


@api.post("/test", status_code=status.HTTP_202_ACCEPTED)
def send_test(
    session: SessionDep, tenant: CurrentTenant, _: CanManage, body: EmailTestSend
) -> EmailMessagePublic:
    """Queue a test message; follow its state at /messages/{message_id}."""
    message = services.send_test(session, tenant, to=body.to)
    return EmailMessagePublic.model_validate(message)


@api.get("/messages", response_model=EmailMessagesPublic)
def list_messages(
    session: SessionDep,
    tenant: CurrentTenant,
    _: CanRead,
    page: PageDep,
    state: Annotated[MessageState | None, Query()] = None,
) -> ListingResponse:
    """The tenant's messages, newest first, with their delivery state."""
    return ListingResponse(services.messages_listing(session, tenant, page=page, state=state))


@api.get("/messages/{message_id}", responses=NO_MESSAGE)
def get_message(
    session: SessionDep, tenant: CurrentTenant, _: CanRead, message_id: uuid.UUID
) -> EmailMessagePublic:
    return EmailMessagePublic.model_validate(services.get_message(session, tenant, message_id))


# -- platform ----------------------------------------------------------------------------------


@admin.get("/config", responses=NO_CONFIG)
def get_platform_config(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId
) -> EmailConfigPublic:
    """The platform's default SMTP server: the stored one (`source` platform), else the
    deployment's (`source` settings). No password."""
    return services.platform_default(session, platform_id)


@admin.put("/config")
def put_platform_config(
    session: SessionDep, _: PlatformAdmin, platform_id: PlatformId, body: EmailConfigUpdate
) -> EmailConfigPublic:
    """Store the platform's default SMTP server (over the deployment's)."""
    config = services.put_platform_config(session, platform_id, data=body)
    return services.public_config(config, ConfigSource.PLATFORM)


@admin.delete("/config", status_code=status.HTTP_204_NO_CONTENT, responses=NO_CONFIG)
def delete_platform_config(session: SessionDep, _: PlatformAdmin, platform_id: PlatformId) -> None:
    """Forget the stored default: the deployment's settings apply again."""
    services.delete_platform_config(session, platform_id)


@admin.post("/test", status_code=status.HTTP_202_ACCEPTED)
def send_platform_test(
    session: SessionDep, _: PlatformAdmin, body: EmailTestSend
) -> EmailMessagePublic:
    """Queue a test message through the platform's default server."""
    return EmailMessagePublic.model_validate(services.send_test(session, None, to=body.to))


@admin.get("/messages", response_model=EmailMessagesPublic)
def list_all_messages(
    session: SessionDep,
    _: PlatformAdmin,
    page: PageDep,
    tenant_id: Annotated[uuid.UUID | None, Query()] = None,
    platform_only: Annotated[bool, Query(description="Only mail of no tenant")] = False,
    state: Annotated[MessageState | None, Query()] = None,
) -> ListingResponse:
    """Every message (a tenant's with `tenant_id`, platform mail with `platform_only`).
    One tenant's mail is also at /api/v1/admin/email/tenants/{tenant_id}/messages."""
    return ListingResponse(
        services.all_messages_listing(
            session, page=page, tenant_id=tenant_id, platform_only=platform_only, state=state
        )
    )


@admin.get("/messages/{message_id}", responses=NO_MESSAGE)
def get_any_message(
    session: SessionDep, _: PlatformAdmin, message_id: uuid.UUID
) -> EmailMessagePublic:
    return EmailMessagePublic.model_validate(services.get_any_message(session, message_id))
