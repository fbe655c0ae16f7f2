"""`FormPage`: a console page that shows a form and handles its posts, written once.

Every form page does the same three things: show the page (its rows beside an empty
form), and on a post validate the fields with the module's schema, run one service call
in a savepoint, then either redirect with a message or show the page again, with the
refused fields marked and what was typed kept (422). A module declares the page once:

    stores_page = FormPage(
        "tenancy/console/stores.html",
        lambda page, session: {"stores": service.list_stores(session, page.tenant)[0]},
    )

    @pages.get("/stores")
    def stores(page: ConsolePage, session: SessionDep) -> HTMLResponse:
        page.require("tenancy.read")
        return stores_page.show(page, session)

    @pages.post("/stores")
    def create_store(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
        page.require("tenancy.manage")
        return stores_page.submit(
            page, session, form, StoreCreate,
            lambda data: service.create_store(session, page.tenant, data=data),
            done="/console/tenancy/stores",
            message=lambda store: f"Store {store.name} created.",
        )
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from orion.kernel.web.console.shell import FormErrors, PageContext, attempt, parse_form

S = TypeVar("S", bound=BaseModel)
R = TypeVar("R")

Context = Callable[[PageContext, Session], Mapping[str, Any]]


@dataclass(frozen=True)
class FormPage:
    template: str
    # What the page shows beside its form: rows, choices, counts.
    context: Context | None = None

    def show(
        self,
        page: PageContext,
        session: Session,
        *,
        errors: FormErrors | None = None,
        values: Mapping[str, Any] | None = None,
        status: int = 200,
        **extra: Any,
    ) -> HTMLResponse:
        shown = dict(self.context(page, session)) if self.context else {}
        shown.update(extra)
        return page.render(
            self.template, status=status, errors=errors or {}, values=values or {}, **shown
        )

    def submit(
        self,
        page: PageContext,
        session: Session,
        form: Mapping[str, Any],
        schema: type[S] | None,
        action: Callable[[S], R] | Callable[[], R],
        *,
        done: str | Callable[[R], str],
        message: str | Callable[[R], str] | None = None,
        raise_on: Collection[int] = (401, 403),
        shown: Callable[[], Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> Response:
        """Validate `form` with `schema` (None: a form without fields), run `action` with
        the data; redirect to `done` with `message`, or show the page again with errors.
        `shown` gives what the page shows beside the form, read only when it is shown."""
        return self.outcome(
            page,
            session,
            form,
            self.run(session, form, schema, action, raise_on=raise_on),
            done=done,
            message=message,
            shown=shown,
            **extra,
        )

    def run(
        self,
        session: Session,
        form: Mapping[str, Any],
        schema: type[S] | None,
        action: Callable[[S], R] | Callable[[], R],
        *,
        raise_on: Collection[int] = (401, 403),
    ) -> tuple[R | None, FormErrors]:
        """Validate and act, without answering: for a handler that answers on its own."""
        if schema is None:
            return attempt(session, action, raise_on=raise_on)  # type: ignore[arg-type]
        data, errors = parse_form(schema, dict(form))
        if data is None:
            return None, errors
        return attempt(session, lambda: action(data), raise_on=raise_on)  # type: ignore[call-arg]

    def outcome(
        self,
        page: PageContext,
        session: Session,
        form: Mapping[str, Any],
        result: tuple[R | None, FormErrors],
        *,
        done: str | Callable[[R], str],
        message: str | Callable[[R], str] | None = None,
        shown: Callable[[], Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> Response:
        value, errors = result
        if errors:
            # What the page shows is read only now: a redirect needs none of it.
            extra = {**(shown() if shown else {}), **extra}
            return self.show(page, session, errors=errors, values=form, status=422, **extra)
        url = done(value) if callable(done) else done  # type: ignore[arg-type]
        text = message(value) if callable(message) else message  # type: ignore[arg-type]
        return page.redirect(url, message=text)
