"""Console pages of core: the platform's settings and which modules it runs."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, field_validator

from orion.kernel.data.paging import Page
from orion.kernel.errors import OrionError
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.web.console import ConsolePage, FormData, FormErrors, parse_form
from orion.kernel.web.dependencies import RuntimeDep, SessionDep
from orion.modules.core import service

admin_pages = APIRouter()  # /console/platform/core/...

ModuleCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class SettingForm(BaseModel):
    key: str = Field(min_length=1, max_length=128, pattern=r"^[a-z][a-z0-9_.]*$")
    value: Any

    @field_validator("value", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        """A JSON value; text that is not JSON is kept as a string."""
        if not isinstance(value, str):
            raise ValueError("enter a value")
        try:
            return json.loads(value)
        except ValueError:
            return value


def _settings_page(
    page: ConsolePage,
    session: Any,
    runtime: Any,
    *,
    errors: FormErrors | None = None,
    values: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    platform_id = runtime.directory.default_platform_id(session)
    rows, _ = service.list_settings(session, platform_id, page=Page(limit=500))
    return page.render(
        "core/console/settings.html",
        status=status,
        settings=[(row.key, json.dumps(row.value)) for row in rows],
        errors=errors or {},
        values=values or {},
    )


@admin_pages.get("/settings")
def settings(page: ConsolePage, session: SessionDep, runtime: RuntimeDep) -> HTMLResponse:
    return _settings_page(page, session, runtime)


@admin_pages.post("/settings")
def save_setting(
    page: ConsolePage, session: SessionDep, runtime: RuntimeDep, form: FormData
) -> Response:
    data, errors = parse_form(SettingForm, {"key": form.get("key"), "value": form.get("value")})
    if data is None:
        return _settings_page(page, session, runtime, errors=errors, values=form, status=422)
    service.set_setting(
        session, runtime.directory.default_platform_id(session), data.key, data.value
    )
    return page.redirect("/console/platform/core/settings", message=f"{data.key} saved.")


def _modules_page(
    page: ConsolePage, session: Any, runtime: Any, *, refusal: dict | None = None
) -> HTMLResponse:
    platform_id = runtime.directory.default_platform_id(session)
    return page.render(
        "core/console/modules.html",
        status=409 if refusal else 200,
        modules=service.list_modules(session, platform_id=platform_id),
        refusal=refusal or {},
    )


@admin_pages.get("/modules")
def modules(page: ConsolePage, session: SessionDep, runtime: RuntimeDep) -> HTMLResponse:
    """Every installed module and whether the platform runs it (tenants may override)."""
    return _modules_page(page, session, runtime)


@admin_pages.post("/modules/{code}")
def switch_module(
    page: ConsolePage, session: SessionDep, runtime: RuntimeDep, code: ModuleCode, form: FormData
) -> Response:
    enable = form.get("enable") == "true"
    scope = ModuleScope(runtime.directory.default_platform_id(session))
    try:
        with session.begin_nested():
            result = service.change_module(session, code, enable=enable, scope=scope)
    except OrionError as exc:
        if exc.status not in (404, 409):
            raise
        return _modules_page(page, session, runtime, refusal={code: exc.message})
    changed = ", ".join(result.changed) or code
    verb = "enabled" if enable else "disabled"
    return page.redirect("/console/platform/core/modules", message=f"{changed} {verb}.")
