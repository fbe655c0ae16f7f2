"""Payments console pages, per store (`?store=<id>`, the switcher of `ConsoleStore`):

* `/console/payments/`: the store's payments, filtered by state and provider, in pages;
* `/console/payments/{id}`: a payment with its captures and refunds, and the steps it
  allows as forms (capture, mark a transfer received, refund, cancel);
* `/console/payments/settings`: the tenant's Stripe keys and bank account.

The steps call the provider, so their posts open no unit of work of their own (no
`SessionDep`): the service's short transactions surround the call, and the page answers
with a redirect carrying the outcome (or the refusal, in words) as its message. Each form
carries an idempotency key made when the page was shown: a form sent twice (a double
click, a reload) is applied once.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from orion.kernel.data.money import amount_text, parse_amount
from orion.kernel.data.paging import Page
from orion.kernel.errors import FieldError, NotFound, OrionError, ValidationFailed
from orion.kernel.web.console import ConsolePage, ConsoleStore, FormData, FormPage, PageContext
from orion.kernel.web.dependencies import RuntimeDep, SessionDep, find_store
from orion.modules.payments import services
from orion.modules.payments.schemas import (
    BankAccountUpdate,
    PaymentState,
    Provider,
    StripeAccountUpdate,
)
from orion.modules.payments.services.amounts import capture_room, refund_room

pages = APIRouter()  # /console/payments/...

LIMIT = 25


def _url(path: str, store_id: uuid.UUID | None, **params: Any) -> str:
    query = {"store": str(store_id)} if store_id else {}
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"/console/payments{path}" + (f"?{urlencode(query)}" if query else "")


# -- the list ----------------------------------------------------------------------------------


@pages.get("/")
def payments(
    page: ConsolePage,
    session: SessionDep,
    choice: ConsoleStore,
    state: Annotated[PaymentState | None, Query()] = None,
    provider: Annotated[Provider | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    page.require("payments.read")
    store_id = choice.store.id if choice.store else None
    listing = (
        services.payments_listing(
            session,
            page.tenant,
            store_id=store_id,
            state=state.value if state else None,
            provider=provider.value if provider else None,
            page=Page(limit=LIMIT, offset=offset),
        )
        if store_id
        else None
    )
    filters = {
        "state": state.value if state else "",
        "provider": provider.value if provider else "",
    }
    return page.render(
        "payments/console/payments.html",
        choice=choice,
        payments=listing.data if listing else [],
        count=listing.count if listing else 0,
        offset=offset,
        limit=LIMIT,
        filters=filters,
        states=[s.value for s in PaymentState],
        providers=[p.value for p in Provider],
        base=_url("/", store_id, **filters) + ("&" if store_id or any(filters.values()) else "?"),
        url=lambda path, **params: _url(path, store_id, **params),
    )


# -- the provider accounts ---------------------------------------------------------------------

settings_page = FormPage(
    "payments/console/settings.html",
    lambda page, session: {"accounts": services.provider_accounts(session, page.tenant)},
)


@pages.get("/settings")
def settings(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    page.require("payments.read")
    return settings_page.show(page, session)


class StripeForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    secret_key: str | None = Field(default=None, max_length=255)
    webhook_secret: str | None = Field(default=None, max_length=255)
    publishable_key: str | None = Field(default=None, max_length=200)
    enabled: bool = False


@pages.post("/settings/stripe")
def save_stripe(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("payments.configure")

    def save(data: StripeForm) -> Any:
        update = StripeAccountUpdate.model_validate(
            {
                "secret_key": data.secret_key or None,
                "webhook_secret": data.webhook_secret or None,
                "publishable_key": data.publishable_key or None,
                "enabled": data.enabled,
            }
        )
        return services.configure_stripe(session, page.tenant, data=update)

    return settings_page.submit(
        page, session, form, StripeForm, save, done="/console/payments/settings",
        message="Stripe account saved.",
    )  # fmt: skip


@pages.post("/settings/bank-transfer")
def save_bank(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    page.require("payments.configure")
    return settings_page.submit(
        page,
        session,
        {**form, "enabled": form.get("enabled") or "false"},
        BankAccountUpdate,
        lambda data: services.configure_bank(session, page.tenant, data=data),
        done="/console/payments/settings",
        message="Bank account saved.",
    )


# -- one payment -------------------------------------------------------------------------------


@pages.get("/{payment_id}")
def payment(
    page: ConsolePage, session: SessionDep, choice: ConsoleStore, payment_id: uuid.UUID
) -> HTMLResponse:
    page.require("payments.read")
    if choice.store is None:
        raise NotFound("this tenant has no store yet")
    detail = services.payment_detail(
        session, page.tenant, store_id=choice.store.id, payment_id=payment_id
    )
    row = services.get_payment(
        session, page.tenant, store_id=choice.store.id, payment_id=payment_id
    )
    capturable, refundable = capture_room(session, row), refund_room(session, row)
    return page.render(
        "payments/console/payment.html",
        choice=choice,
        payment=detail,
        capturable=capturable,
        refundable=refundable,
        capturable_text=amount_text(max(capturable, 0), detail.currency),
        refundable_text=amount_text(max(refundable, 0), detail.currency),
        can_cancel=detail.captured_amount == 0 and detail.state != PaymentState.CANCELED,
        form_key=uuid.uuid4().hex,
        url=lambda path, **params: _url(path, choice.store.id if choice.store else None, **params),
    )


class AmountForm(BaseModel):
    """An amount as people type it ("29.80"), the form's own idempotency key."""

    model_config = ConfigDict(str_strip_whitespace=True)

    key: str = Field(min_length=8, max_length=100)
    amount: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=500)
    final: bool = False


def _step(
    page: PageContext,
    runtime: Any,
    store: uuid.UUID,
    payment_id: uuid.UUID,
    form: dict[str, str],
    action: Any,
    message: str,
) -> Response:
    done = _url(f"/{payment_id}", store)
    try:
        with runtime.database.unit_of_work() as session:
            found = find_store(session, runtime, page.tenant, page.principal, store)
        data = AmountForm.model_validate(form, strict=False)
        amount = None
        if data.amount:
            try:
                amount = parse_amount(data.amount, found.currency)
            except ValueError as why:
                raise ValidationFailed(
                    f"amount {why}", errors=[FieldError("amount", str(why))]
                ) from None
        action(data, amount)
    except OrionError as exc:
        if exc.status in (401, 403):
            raise
        detail = "; ".join(f"{e.field} {e.message}" for e in exc.errors) or exc.message
        return page.redirect(done, message=f"Not done: {detail}", level="error")
    except ValueError as exc:  # the form itself (a missing key)
        return page.redirect(done, message=f"Not done: {exc}", level="error")
    return page.redirect(done, message=message)


def _ids(page: PageContext, store: uuid.UUID, payment_id: uuid.UUID) -> dict[str, Any]:
    return {"store_id": store, "payment_id": payment_id, "actor": page.principal.subject}


@pages.post("/{payment_id}/capture")
def capture(
    page: ConsolePage,
    runtime: RuntimeDep,
    payment_id: uuid.UUID,
    form: FormData,
    store: Annotated[uuid.UUID, Query()],
) -> Response:
    page.require("payments.manage")
    return _step(
        page, runtime, store, payment_id, form,
        lambda data, amount: services.capture(
            runtime, page.tenant, **_ids(page, store, payment_id), amount=amount,
            final=data.final, idempotency_key=f"console:{data.key}", source="console",
        ),
        "Captured.",
    )  # fmt: skip


@pages.post("/{payment_id}/received")
def received(
    page: ConsolePage,
    runtime: RuntimeDep,
    payment_id: uuid.UUID,
    form: FormData,
    store: Annotated[uuid.UUID, Query()],
) -> Response:
    page.require("payments.manage")
    return _step(
        page, runtime, store, payment_id, form,
        lambda data, amount: services.mark_received(
            runtime, page.tenant, **_ids(page, store, payment_id), amount=amount,
            reference=data.note, idempotency_key=f"console:{data.key}", source="console",
        ),
        "Transfer recorded as received.",
    )  # fmt: skip


@pages.post("/{payment_id}/refund")
def refund(
    page: ConsolePage,
    runtime: RuntimeDep,
    payment_id: uuid.UUID,
    form: FormData,
    store: Annotated[uuid.UUID, Query()],
) -> Response:
    page.require("payments.refund")
    return _step(
        page, runtime, store, payment_id, form,
        lambda data, amount: services.refund(
            runtime, page.tenant, **_ids(page, store, payment_id), amount=amount,
            reason=data.note, idempotency_key=f"console:{data.key}", source="console",
        ),
        "Refunded; the order gets its credit note.",
    )  # fmt: skip


@pages.post("/{payment_id}/cancel")
def cancel(
    page: ConsolePage,
    runtime: RuntimeDep,
    payment_id: uuid.UUID,
    form: FormData,
    store: Annotated[uuid.UUID, Query()],
) -> Response:
    page.require("payments.manage")
    return _step(
        page, runtime, store, payment_id, {"key": "cancel-form", **form},
        lambda data, amount: services.cancel(runtime, page.tenant, **_ids(page, store, payment_id)),
        "Payment canceled.",
    )  # fmt: skip
