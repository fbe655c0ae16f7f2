"""Console pages of core: the platform's settings and which modules it runs."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from orion.kernel.data.paging import Page
from orion.kernel.runtime.activation import ModuleScope
from orion.kernel.web.console import ConsolePage, FormData, FormPage, PageContext
from orion.kernel.web.dependencies import SessionDep
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


def _settings(page: PageContext, session: Session) -> dict[str, Any]:
    platform_id = page.runtime.directory.default_platform_id(session)
    rows, _ = service.list_settings(session, platform_id, page=Page(limit=500))
    return {"settings": [(row.key, json.dumps(row.value)) for row in rows]}


def _modules(page: PageContext, session: Session) -> dict[str, Any]:
    platform_id = page.runtime.directory.default_platform_id(session)
    return {"modules": service.list_modules(session, platform_id=platform_id), "refusal": {}}


settings_page = FormPage("core/console/settings.html", _settings)
modules_page = FormPage("core/console/modules.html", _modules)


@admin_pages.get("/settings")
def settings(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    return settings_page.show(page, session)


@admin_pages.post("/settings")
def save_setting(page: ConsolePage, session: SessionDep, form: FormData) -> Response:
    platform_id = page.runtime.directory.default_platform_id(session)
    saved = settings_page.run(
        session,
        {"key": form.get("key"), "value": form.get("value")},  # a missing value: "enter a value"
        SettingForm,
        lambda data: service.set_setting(session, platform_id, data.key, data.value),
    )
    return settings_page.outcome(
        page,
        session,
        form,
        saved,
        done="/console/platform/core/settings",
        message=lambda setting: f"{setting.key} saved.",
    )


@admin_pages.get("/modules")
def modules(page: ConsolePage, session: SessionDep) -> HTMLResponse:
    """Every installed module and whether the platform runs it (tenants may override)."""
    return modules_page.show(page, session)


@admin_pages.post("/modules/{code}")
def switch_module(
    page: ConsolePage, session: SessionDep, code: ModuleCode, form: FormData
) -> Response:
    enable = form.get("enable") == "true"
    scope = ModuleScope(page.runtime.directory.default_platform_id(session))
    result, errors = modules_page.run(
        session,
        form,
        None,
        lambda: service.change_module(session, code, enable=enable, scope=scope),
    )
    if result is None:
        # Not a form's field errors: a refused switch (an unknown module, a requirement in
        # the way) is told beside the module it concerns.
        refusal = {code: " ".join(errors.values())}
        return modules_page.show(page, session, status=409, refusal=refusal)
    changed = ", ".join(result.changed) or code
    verb = "enabled" if enable else "disabled"
    return page.redirect("/console/platform/core/modules", message=f"{changed} {verb}.")
