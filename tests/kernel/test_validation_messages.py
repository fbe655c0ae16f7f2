"""Validation errors are sentences about the field a person typed, in the API and the
console alike; a malformed JSON body says where it breaks in lines and columns."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Form
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

from orion.kernel.web.messages import describe, field_label, field_path
from orion.kernel.web.problems import install_problem_handlers


class Line(BaseModel):
    sku: Annotated[str, Field(min_length=1, pattern="^[a-z0-9][a-z0-9_-]*$")]
    quantity: Annotated[int, Field(ge=1)]


class Order(BaseModel):
    store_id: Annotated[str, Field(max_length=5)] = "s"
    items: Annotated[list[Line], Field(min_length=1)]


def errors_of(data: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate(data)
    return {field_path(e["loc"]): describe(e) for e in caught.value.errors()}


def test_nested_fields_are_named_by_their_path_and_in_words():
    assert field_path(("body", "items", 1, "sku")) == "items[1].sku"
    assert field_label(("body", "items", 1, "sku")) == "SKU (items[1])"
    assert field_label(("body", "store_ids", 0)) == "Store IDs, item 1"
    assert field_label(("query", "low_balance_threshold")) == "Low balance threshold"


def test_each_kind_of_mistake_reads_as_a_sentence():
    assert errors_of({"items": []}) == {"items": "Items needs at least 1 item."}
    assert errors_of({"items": [{"sku": "Bad Sku", "quantity": 0}]}) == {
        "items[0].sku": "SKU (items[0]) may contain lower-case letters, digits, '-' and '_' "
        "only, starting with a letter or a digit.",
        "items[0].quantity": "Quantity (items[0]) must be at least 1.",
    }
    assert errors_of({"items": [{"sku": "a", "quantity": 1.5}]}) == {
        "items[0].quantity": "Quantity (items[0]) must be a whole number, without decimals."
    }
    assert errors_of({"store_id": "toolong", "items": [{"quantity": "x"}]}) == {
        "store_id": "Store ID must have at most 5 characters.",
        "items[0].sku": "SKU (items[0]) is required.",
        "items[0].quantity": "Quantity (items[0]) must be a whole number.",
    }


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/orders")
    def place(order: Order) -> dict[str, int]:
        return {"lines": len(order.items)}

    @app.post("/login")
    def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> str:
        return username

    return TestClient(app)


def test_a_malformed_json_body_names_the_line_and_column(client):
    answer = client.post(
        "/orders",
        content=b'{"items": [\n  {"sku": "a" "quantity": 1}]}',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert "line 2, column 15" in problem["detail"]
    assert problem["errors"][0]["field"] == "body"


def test_json_sent_to_a_form_route_is_told_a_form_is_expected(client):
    answer = client.post("/login", json={"username": "a", "password": "b"})
    assert answer.status_code == 422
    assert "takes a form" in answer.json()["detail"]
    assert client.post("/login", data={"username": "a", "password": "b"}).status_code == 200


def test_the_api_problem_carries_the_sentences(client):
    problem = client.post("/orders", json={"items": [{"sku": "a", "quantity": 0}]}).json()
    assert problem["detail"] == "Quantity (items[0]) must be at least 1."
    assert problem["errors"] == [
        {
            "field": "items[0].quantity",
            "message": "Quantity (items[0]) must be at least 1.",
            "type": "greater_than_equal",
        }
    ]
