"""`orion modules check` compares what each XCreate/XUpdate schema lets into a text field
with the length of the column of the same name, and what each XUpdate field takes for
`null` with whether its column holds one: a longer value, or a null for a NOT NULL column,
would be a 500 from the database instead of a 422 naming the field."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Annotated

import orion_testkit.widgets.models  # noqa: F401 - Widget: name String(100) NOT NULL
import orion_testkit.widgets.schemas as widget_schemas
import pytest
from pydantic import BaseModel, Field, HttpUrl, StringConstraints, field_validator

from orion.kernel.tooling.checks import check_registry
from orion.kernel.tooling.checks.columns import schema_column_problems
from orion.kernel.web.hygiene import not_null

WIDGETS = SimpleNamespace(package="orion_testkit.widgets")


def _schema(name: str, annotation: object, default: object = ...) -> type[BaseModel]:
    schema = type(
        name,
        (BaseModel,),
        {
            "__annotations__": {"name": annotation},
            "name": default,
            "__module__": widget_schemas.__name__,
        },
    )
    return schema  # type: ignore[return-value]


def test_the_testkits_schema_that_fits_its_column_has_no_problem():
    assert schema_column_problems(WIDGETS) == []


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (Annotated[str, Field(max_length=300)], "allows 300 characters"),
        (str, "has no max_length"),
        (Annotated[str, StringConstraints(max_length=101)] | None, "allows 101 characters"),
        (HttpUrl, "allows 2083 characters"),
    ],
)
def test_a_field_longer_than_its_column_is_named(monkeypatch, annotation, expected):
    monkeypatch.setattr(
        widget_schemas, "WidgetUpdate", _schema("WidgetUpdate", annotation, None), raising=False
    )
    problems = schema_column_problems(WIDGETS)
    [(where, problem)] = [p for p in problems if "accepts null" not in p[1]]
    assert where == "schema WidgetUpdate.name"
    assert expected in problem
    assert ".name holds 100" in problem


def test_a_field_bounded_otherwise_than_by_max_length_passes(monkeypatch):
    bounded = Annotated[str, StringConstraints(pattern=r"^[a-z]{1,10}$")]
    monkeypatch.setattr(
        widget_schemas, "WidgetUpdate", _schema("WidgetUpdate", bounded, None), raising=False
    )
    assert schema_column_problems(WIDGETS) == []


class _NullableName(BaseModel):
    __module__ = widget_schemas.__name__
    name: str | None = Field(default=None, min_length=1, max_length=100)


class _RefusingNull(_NullableName):
    _required = not_null("name")


class _RefusingNullItsOwnWay(_NullableName):
    @field_validator("name")
    @classmethod
    def _named(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("a widget keeps its name")
        return value


def _update(base: type[BaseModel], name: str = "WidgetUpdate") -> type[BaseModel]:
    return type(name, (base,), {"__module__": widget_schemas.__name__})


@pytest.mark.parametrize("name", ["WidgetUpdate", "WidgetUpdateMe"])
def test_an_update_field_taking_null_for_a_column_without_null_is_named(monkeypatch, name):
    monkeypatch.setattr(widget_schemas, name, _update(_NullableName, name), raising=False)
    [(where, problem)] = schema_column_problems(WIDGETS)
    assert where == f"schema {name}.name"
    assert "accepts null, but column widgets_widget.name holds no null" in problem
    assert 'not_null("name")' in problem


def test_an_update_extending_another_is_checked_against_the_same_model(monkeypatch):
    admin_update = type(
        "WidgetAdminUpdate",
        (_update(_NullableName),),
        {
            "__module__": widget_schemas.__name__,
            "__annotations__": {"total_at_creation": "int | None"},
            "total_at_creation": None,
        },
    )
    monkeypatch.setattr(widget_schemas, "WidgetAdminUpdate", admin_update, raising=False)
    assert sorted(where for where, _ in schema_column_problems(WIDGETS)) == [
        "schema WidgetAdminUpdate.name",
        "schema WidgetAdminUpdate.total_at_creation",
    ]


@pytest.mark.parametrize("base", [_RefusingNull, _RefusingNullItsOwnWay])
def test_an_update_field_that_refuses_null_passes(monkeypatch, base):
    monkeypatch.setattr(widget_schemas, "WidgetUpdate", _update(base), raising=False)
    assert schema_column_problems(WIDGETS) == []
    with pytest.raises(ValueError, match="name"):
        widget_schemas.WidgetUpdate.model_validate({"name": None})
    assert widget_schemas.WidgetUpdate.model_validate({}).model_fields_set == set()


def test_null_meaning_clear_it_passes_where_the_column_holds_null(monkeypatch):
    # WidgetHookLog.tenant_id is nullable: null clears it, and the schema may say so.
    hook_update = type(
        "WidgetHookLogUpdate",
        (BaseModel,),
        {
            "__module__": widget_schemas.__name__,
            "__annotations__": {"tenant_id": uuid.UUID | None},
            "tenant_id": None,
        },
    )
    monkeypatch.setattr(widget_schemas, "WidgetHookLogUpdate", hook_update, raising=False)
    assert schema_column_problems(WIDGETS) == []


def test_the_built_in_modules_schemas_fit_their_columns(runtime):
    problems = [p for p in check_registry(runtime.registry) if ": schema " in p]
    assert problems == []
