"""POST /runs/{id}/events: every kind of event, only on the run's own outputs, by the right role."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.keys import Role
from provenance.stores import SQLiteStore
from tests.api.conftest import RUN, enc
from tests.factories import action, approval, iri, person, review, run

Headers = dict[Role, dict[str, str]]
AT = "2026-01-01T11:30:00+00:00"
RUN_1 = "/runs/" + enc(iri("runs/1"))
OUT, REV = iri("out/1-1"), iri("out/1-1r")


def escalation(name: str, trigger: str) -> dict[str, Any]:
    return {
        "type": "escalation",
        "id": iri(f"escalations/{name}"),
        "at": AT,
        "trigger": trigger,
        "target": OUT,
        "raised_by": person("cy"),
        "escalated_to": person("bo"),
        "rationale": "dose unclear",
    }


def override(name: str, trigger: str) -> dict[str, Any]:
    return {
        "type": "override",
        "id": iri(f"overrides/{name}"),
        "at": AT,
        "trigger": trigger,
        "overridden_by": person("bo"),
        "rationale": "clinically justified",
    }


def challenge(name: str, target: str) -> dict[str, Any]:
    return {
        "type": "challenge",
        "id": iri(f"challenges/{name}"),
        "at": AT,
        "target": target,
        "challenger": person("ed"),
        "grounds": "wrong dose",
    }


EVENTS = [
    review("r1", OUT, revision=REV),
    approval("a1", REV),
    escalation("e1", iri("runs/1")),
    override("o1", iri("reviews/r1")),
    action("x1", REV, approval_id=iri("approvals/a1")),
    challenge("c1", OUT),
]


@pytest.fixture
def run_1(client: TestClient, headers: Headers) -> None:
    assert client.post("/runs", json=run(1), headers=headers[Role.RECORDER]).status_code == 201


@pytest.mark.usefixtures("run_1")
def test_every_kind_of_event_is_recorded(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    for event in EVENTS:
        answer = client.post(f"{RUN_1}/events", json=event, headers=headers[Role.RECORDER])
        assert answer.status_code == 201, answer.text
        assert answer.json() == {"written": [event["id"]], "unchanged": []}
        assert answer.headers["location"] == "/nodes/" + enc(event["id"])
        assert demo_store.record(event["id"]) is not None
    again = client.post(f"{RUN_1}/events", json=EVENTS[0], headers=headers[Role.RECORDER])
    assert again.status_code == 200


@pytest.mark.usefixtures("run_1")
def test_an_event_by_prefixed_run_name(client: TestClient, headers: Headers) -> None:
    for name, path in (("c1", "/runs/test:runs%2F1/events"), ("c2", "/runs/test:runs/1/events")):
        answer = client.post(path, json=challenge(name, OUT), headers=headers[Role.REVIEWER])
        assert answer.status_code == 201, answer.text


@pytest.mark.usefixtures("run_1")
@pytest.mark.parametrize(
    "event",
    [
        review("r9", "https://hospital.example/outputs/discharge-0412/summary"),
        approval("a9", iri("out/2-1")),
        escalation("e9", RUN),
        override("o9", "https://hospital.example/reviews/discharge-0412-r1"),
    ],
    ids=["review-elsewhere", "approval-of-nothing", "escalation-elsewhere", "override-elsewhere"],
)
def test_an_event_about_another_run_is_refused(
    client: TestClient, headers: Headers, demo_store: SQLiteStore, event: dict[str, Any]
) -> None:
    before = demo_store.counts()
    answer = client.post(f"{RUN_1}/events", json=event, headers=headers[Role.RECORDER])
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    field = "trigger" if event["type"] in ("escalation", "override") else "target"
    assert answer.json()["detail"].startswith(f"field {field}:")
    [failed] = answer.json()["errors"]
    assert (failed["field"], failed["location"]) == (field, ["body", field])
    assert demo_store.counts() == before


def test_a_revision_counts_as_the_run_s_output(client: TestClient, headers: Headers) -> None:
    """Demo run discharge-0412 was reviewed with a revision; approving the revision is fine."""
    event = approval("a-rev", "https://hospital.example/outputs/discharge-0412/summary-rev1")
    answer = client.post(f"/runs/{enc(RUN)}/events", json=event, headers=headers[Role.REVIEWER])
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("run", "status"),
    [(iri("runs/404"), 404), ("https://hospital.example/outputs/discharge-0412/summary", 422)],
    ids=["not-stored", "not-a-run"],
)
def test_events_on_what_is_not_a_run_are_refused(
    client: TestClient, headers: Headers, run: str, status: int
) -> None:
    path = f"/runs/{enc(run)}/events"
    answer = client.post(path, json=challenge("c", OUT), headers=headers[Role.RECORDER])
    assert answer.status_code == status


@pytest.mark.usefixtures("run_1")
@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e["type"])
def test_a_reviewer_records_reviews_approvals_and_challenges_only(
    client: TestClient, headers: Headers, event: dict[str, Any]
) -> None:
    if event["type"] == "approval":
        client.post(f"{RUN_1}/events", json=EVENTS[0], headers=headers[Role.REVIEWER])
    answer = client.post(f"{RUN_1}/events", json=event, headers=headers[Role.REVIEWER])
    if event["type"] in ("review", "approval", "challenge"):
        assert answer.status_code == 201, answer.text
    else:
        assert answer.status_code == 403
        assert "reviewer" in answer.json()["detail"]


def test_an_event_of_unknown_type_names_the_type_field(
    client: TestClient, headers: Headers
) -> None:
    event = {**challenge("c", OUT), "type": "complaint"}
    answer = client.post(f"/runs/{enc(RUN)}/events", json=event, headers=headers[Role.RECORDER])
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["type"] == "union_tag_invalid"
