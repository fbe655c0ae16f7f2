"""Queries on the email tables. Tenant filtering is the kernel's: a session acting for a
tenant sees that tenant's configuration and mail only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select

from orion.kernel.data.repository import RepositoryBase
from orion.modules.email.exceptions import EmailConfigNotFound, EmailMessageNotFound
from orion.modules.email.models import EmailConfig, EmailMessage, PlatformEmailConfig
from orion.modules.email.schemas import MessageState

WAITING = (MessageState.QUEUED.value, MessageState.SENDING.value)


class EmailConfigRepository(RepositoryBase[EmailConfig]):
    model = EmailConfig
    not_found = EmailConfigNotFound

    def own(self) -> EmailConfig | None:
        """The acting tenant's server (at most one per tenant)."""
        return self.first(self.select())

    def with_password(self) -> list[EmailConfig]:
        return self.list(self.select().where(EmailConfig.password_encrypted.is_not(None)))

    def delete_all(self) -> None:
        """Every configuration the session sees: the acting tenant's."""
        self.session.execute(delete(EmailConfig))


class PlatformEmailConfigRepository(RepositoryBase[PlatformEmailConfig]):
    model = PlatformEmailConfig
    not_found = EmailConfigNotFound

    def for_platform(self, platform_id: uuid.UUID) -> PlatformEmailConfig | None:
        return self.first(self.select().where(PlatformEmailConfig.platform_id == platform_id))

    def with_password(self) -> list[PlatformEmailConfig]:
        return self.list(self.select().where(PlatformEmailConfig.password_encrypted.is_not(None)))


class EmailMessageRepository(RepositoryBase[EmailMessage]):
    model = EmailMessage
    not_found = EmailMessageNotFound

    def in_state(self, *where: Any, state: MessageState | None = None) -> Select[Any]:
        """Messages matching `where`, in `state` if given (the lists' query)."""
        query = self.select().where(*where)
        if state is not None:
            query = query.where(EmailMessage.state == state.value)
        return query

    def platform_message(self, message_id: uuid.UUID) -> EmailMessage | None:
        """A message of no tenant (platform mail), read with tenant filtering lifted."""
        return self.first(
            self.select().where(EmailMessage.id == message_id, EmailMessage.tenant_id.is_(None))
        )

    def tests_since(self, since: datetime) -> int:
        """How many test messages the session's tenant queued since `since`."""
        query = select(func.count(EmailMessage.id)).where(
            EmailMessage.template == "test", EmailMessage.created_at > since
        )
        return self.session.scalar(query) or 0

    def stale(self, before: datetime, *, limit: int) -> list[EmailMessage]:
        """Messages still waiting that nothing touched since `before`, oldest first."""
        return self.list(
            self.select()
            .where(EmailMessage.state.in_(WAITING), EmailMessage.updated_at < before)
            .order_by(EmailMessage.created_at)
            .limit(limit)
        )

    def sealed_waiting(self) -> list[EmailMessage]:
        """Sensitive messages not yet sent: their bodies are still sealed."""
        return self.list(
            self.select().where(EmailMessage.sensitive.is_(True), EmailMessage.state.in_(WAITING))
        )

    def delete_all(self) -> None:
        """Every message the session sees: the acting tenant's."""
        self.session.execute(delete(EmailMessage))
