"""Query parameters a route does not take are refused, not ignored; a value one cannot take is a
bad request, whichever check refuses it."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import OUTPUT, REVIEW, enc


def test_a_misspelt_parameter_is_refused_naming_those_the_endpoint_takes(
    client: TestClient, auditor: dict[str, str]
) -> None:
    # asOf for as_of would otherwise be ignored, and today's answer taken for 2020's
    path = f"/outputs/{enc(OUTPUT)}/trace"
    answer = client.get(path, params={"asOf": "2020-01-01T00:00:00Z"}, headers=auditor)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    [problem] = answer.json()["errors"]
    assert problem["field"] == "asOf"
    assert problem["location"] == ["query", "asOf"]
    assert problem["message"] == "not a query parameter here; this endpoint takes: as_of"


def test_as_of_is_refused_where_the_answer_is_always_as_of_the_review(
    client: TestClient, auditor: dict[str, str]
) -> None:
    path = f"/reviews/{enc(REVIEW)}/reconstruction"
    answer = client.get(path, params={"as_of": "garbage"}, headers=auditor)
    assert answer.status_code == 422
    [problem] = answer.json()["errors"]
    assert problem["field"] == "as_of"
    assert problem["message"].endswith("this endpoint takes none")


def test_each_unknown_parameter_is_named_once_and_known_ones_still_answer(
    client: TestClient, auditor: dict[str, str]
) -> None:
    answer = client.get("/runs?sector=finance&limit=1&x=1&x=2&y", headers=auditor)
    assert answer.status_code == 422
    assert [p["field"] for p in answer.json()["errors"]] == ["x", "y"]
    assert client.get("/runs?sector=finance&limit=1", headers=auditor).status_code == 200


def test_a_caller_without_the_key_learns_nothing_of_the_parameters(client: TestClient) -> None:
    answer = client.get(f"/outputs/{enc(OUTPUT)}/trace", params={"asOf": "2020-01-01T00:00:00Z"})
    assert answer.status_code == 401


def test_every_route_of_the_service_refuses_unknown_parameters(
    app: FastAPI, client: TestClient, admin: dict[str, str]
) -> None:
    operations = [
        (method, path.replace("{id}", "x"))
        for path, item in app.openapi()["paths"].items()
        for method in item
    ]
    assert len(operations) > 20
    for method, path in operations:
        answer = client.request(method.upper(), path, params={"zz": "1"}, headers=admin)
        assert answer.status_code == 422, (method, path, answer.text)
        assert [p["field"] for p in answer.json()["errors"]] == ["zz"], (method, path)


@pytest.mark.parametrize(
    "path",
    [
        "/runs?person=nope",
        "/runs?template=nope",
        "/runs?sector=zzz",
        "/runs?person=hospital:runs/discharge-0412",
        "/runs?since=garbage",
        "/ui/runs?since=garbage",
        "/ui/runs?until=garbage&format=json",
        "/ui/runs?sector=zzz",
        "/ui/runs?person=nope",
    ],
)
def test_a_value_a_parameter_cannot_take_is_an_invalid_request_not_record(
    client: TestClient, auditor: dict[str, str], path: str
) -> None:
    # The query functions say "invalid record" of what they cannot take, as of a file; a
    # request with no body at all has no record to be invalid.
    answer = client.get(path, headers=auditor)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "https://w3id.org/raidt/problems#invalid-request"
