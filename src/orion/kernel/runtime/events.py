"""Events: what a module announces, handled in the transaction or after commit, durably.

An event is a Pydantic model whose `name` is `<module>.<event>`, declared in the
publisher's `events.py`. `publish(session, event)`:

* runs the subscribers' `transaction_handlers` at once, in the publisher's transaction;
* stores the event in the outbox table (same transaction) when anyone subscribes
  after commit, and asks a Celery task to deliver it once the transaction commits.

Delivery is at least once: a handler's run is recorded in `kernel_event_delivery` in the
handler's own transaction, so a redelivered event does not run a handler twice. Events
whose delivery task never ran (worker died, broker down) are picked up by the
`kernel.sweep_outbox` scheduled task.
"""

from __future__ import annotations

import importlib
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import structlog
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orion.kernel.data.db import after_commit, utcnow
from orion.kernel.data.tenancy import all_tenants, get_tenant, set_tenant
from orion.kernel.errors import NotFound
from orion.kernel.runtime.models import EventDelivery, OutboxEvent

if TYPE_CHECKING:
    from orion.kernel.runtime import Runtime

log = structlog.get_logger(__name__)

DELIVER_TASK = "kernel.deliver_events"
MAX_ATTEMPTS = 12
SCRUBBED = "[scrubbed]"  # about a day of retries with the backoff below
_PENDING = "orion.outbox_pending"


class Event(BaseModel):
    """Base of every event. Subclasses set `name: ClassVar[str] = "<module>.<event>"`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ClassVar[str]
    # Fields carrying a secret (a one-time token for a mail): scrubbed from the stored
    # payload once the event is delivered, so the secret does not outlive its use.
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: datetime = Field(default_factory=utcnow)
    tenant_id: uuid.UUID | None = None

    _classes: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if isinstance(name, str):
            module, _, event = name.partition(".")
            if not module or not event:
                raise TypeError(f"event name {name!r} must be <module>.<event>")
            Event._classes[name] = cls

    @property
    def module(self) -> str:
        return self.name.partition(".")[0]

    @classmethod
    def class_for(cls, name: str) -> type[Event] | None:
        return cls._classes.get(name)


class EventBus:
    """Subscriptions assembled from every module's `handlers` and `transaction_handlers`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        # event name -> [(handler path, subscribing module)]
        self.in_transaction: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.after_commit: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for definition in runtime.registry.ordered:
            for name, path in definition.event_handlers(in_transaction=True):
                self.in_transaction[name].append((path, definition.code))
            for name, path in definition.event_handlers(in_transaction=False):
                self.after_commit[name].append((path, definition.code))

    def _subscribed(self, session: Session, module: str) -> bool:
        """A module disabled for the session's tenant does not hear that tenant's events."""
        definition = self.runtime.registry.get(module)
        tenant = get_tenant(session)
        if definition.always_on or tenant is None:
            return True
        return tenant.platform_id is not None and self.runtime.modules.is_enabled(
            session, module, platform_id=tenant.platform_id, tenant_id=tenant.tenant_id
        )

    def publish(self, session: Session, event: Event) -> None:
        for path, module in self.in_transaction.get(event.name, ()):
            if self._subscribed(session, module):
                self.runtime.registry.resolve(path)(session, event)
        if not self.after_commit.get(event.name):
            return
        session.add(
            OutboxEvent(
                id=event.event_id,
                name=event.name,
                payload=event.model_dump(mode="json"),
                tenant_id=event.tenant_id,
            )
        )
        session.info.setdefault(_PENDING, []).append(str(event.event_id))
        # One callback per event, the first to run sends every pending id in one task: a
        # savepoint rolled back drops its own callbacks and the others still send. Ids of
        # rolled-back events are skipped by the deliverer (no outbox row).
        after_commit(session, lambda: self._send(session.info.pop(_PENDING, [])))

    def _send(self, event_ids: list[str]) -> None:
        if event_ids:
            self.runtime.send_task(DELIVER_TASK, kwargs={"event_ids": event_ids})

    # -- delivery ------------------------------------------------------------------------

    def deliver(self, event_ids: list[uuid.UUID]) -> dict[str, int]:
        """Run every after-commit handler not yet run for these events. Safe to repeat."""
        counts = {"delivered": 0, "failed": 0, "skipped": 0}
        for event_id in event_ids:
            with self.runtime.database.unit_of_work() as session:
                outbox = session.get(OutboxEvent, event_id)
                if outbox is None or outbox.delivered_at is not None:
                    counts["skipped"] += 1
                    continue
                name, payload, attempts = outbox.name, outbox.payload, outbox.attempts
            errors = []
            try:
                event = self._rebuild(name, payload)
            except Exception as exc:
                errors.append(f"cannot read event {name}: {type(exc).__name__}: {exc}")
            else:
                for path, module in self.after_commit.get(name, ()):
                    try:
                        self._run_handler(path, module, event)
                    except Exception as exc:
                        log.exception("event_handler_failed", event_name=name, handler=path)
                        errors.append(f"{path}: {type(exc).__name__}: {exc}")
            with self.runtime.database.unit_of_work() as session:
                values: dict[str, Any] = {"attempts": OutboxEvent.attempts + 1}
                if errors:
                    values["last_error"] = "\n".join(errors)[:4000]
                    values["next_attempt_at"] = utcnow() + _backoff(attempts + 1)
                    counts["failed"] += 1
                else:
                    values["delivered_at"] = utcnow()
                    cls = Event.class_for(name)
                    if cls is not None and cls.secret_fields:
                        values["payload"] = {
                            key: SCRUBBED if key in cls.secret_fields else value
                            for key, value in payload.items()
                        }
                    counts["delivered"] += 1
                session.execute(
                    update(OutboxEvent).where(OutboxEvent.id == event_id).values(values)
                )
        return counts

    def _run_handler(self, path: str, module: str, event: Event) -> None:
        handler = self.runtime.registry.resolve(path)
        with self.runtime.database.unit_of_work() as session:
            # Claim first: a concurrent deliverer of the same event blocks here and then
            # fails on the key, so the handler's effects commit exactly once.
            session.add(EventDelivery(event_id=event.event_id, handler=path))
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                log.info("event_handler_already_ran", event_name=event.name, handler=path)
                return
            if event.tenant_id is not None:
                try:
                    tenant = self.runtime.tenant_context(session, event.tenant_id)
                except NotFound:
                    # Deleted since: recorded as delivered, there is nobody left to act for.
                    log.info("event_skipped_tenant_gone", event_name=event.name, handler=path)
                    return
                set_tenant(session, tenant)
                if not self._subscribed(session, module):
                    return  # recorded as delivered: the module was off when it came
                handler(session, event)
            else:
                with all_tenants(session):
                    handler(session, event)

    def _rebuild(self, name: str, payload: dict[str, Any]) -> Event:
        cls = Event.class_for(name)
        if cls is None:
            module = name.partition(".")[0]
            if module in self.runtime.registry:
                importlib.import_module(self.runtime.registry.get(module).package + ".events")
            cls = Event.class_for(name)
        if cls is None:
            raise LookupError(f"no Event class is named {name}")
        return cls.model_validate(payload)

    def pending(self, *, older_than_seconds: int, limit: int = 500) -> list[uuid.UUID]:
        """Undelivered events due for another try; those failing MAX_ATTEMPTS times stay
        in the outbox with their last error for an operator to look at."""
        now = utcnow()
        cutoff = now - timedelta(seconds=older_than_seconds)
        with self.runtime.database.unit_of_work() as session:
            return list(
                session.scalars(
                    select(OutboxEvent.id)
                    .where(
                        OutboxEvent.delivered_at.is_(None),
                        OutboxEvent.created_at <= cutoff,
                        OutboxEvent.next_attempt_at <= now,
                        OutboxEvent.attempts < MAX_ATTEMPTS,
                    )
                    .order_by(OutboxEvent.created_at)
                    .limit(limit)
                )
            )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def publish(session: Session, event: Event) -> None:
    """Publish `event` in the session's transaction (see the module docstring)."""
    bus: EventBus = session.info["orion.runtime"].events
    if event.tenant_id is None:
        tenant = get_tenant(session)
        if tenant is not None:
            event = event.model_copy(update={"tenant_id": tenant.tenant_id})
    bus.publish(session, event)
