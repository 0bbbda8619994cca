"""The governance questions over HTTP: each answer is the query function's own JSON, whichever
form the id takes in the path."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.reports
from api.keys import Role
from api.models import RubricName
from provenance.identifiers import compact
from provenance.stores import SQLiteStore, Store
from queries.authority import accountable, authority
from queries.lineage import impact, trace
from queries.reconstruction import reconstruct
from queries.runs import describe_node
from queries.scores import rubric_names, score, weak_points
from tests.api.conftest import ACTION, OUTPUT, PERSON, REVIEW, RUN, TEMPLATE_VERSION, enc
from tests.factories import iri, run

Ask = Callable[[Store, str], dict[str, Any]]

QUESTIONS: list[tuple[str, str, Ask]] = [
    ("/outputs/{}/trace", OUTPUT, trace),
    ("/nodes/{}/impact", TEMPLATE_VERSION, impact),
    ("/actions/{}/authority", ACTION, authority),
    ("/people/{}/accountable", PERSON, accountable),
    ("/reviews/{}/reconstruction", REVIEW, reconstruct),
    ("/runs/{}/scores", RUN, score),
    ("/nodes/{}", OUTPUT, describe_node),
]


def id_forms(store: Store, iri: str) -> list[str]:
    """The full IRI percent-encoded, the prefixed name encoded, and the prefixed name as typed."""
    short = compact(iri, store.namespaces())
    assert short != iri
    return [enc(iri), enc(short), short]


def plain(data: Any) -> Any:
    return json.loads(json.dumps(data))


@pytest.mark.parametrize(
    ("path", "node", "ask"), QUESTIONS, ids=[q[0].split("/")[-1] or "node" for q in QUESTIONS]
)
def test_every_question_answers_as_the_query_does(
    client: TestClient,
    auditor: dict[str, str],
    demo_store: SQLiteStore,
    path: str,
    node: str,
    ask: Ask,
) -> None:
    expected = plain(ask(demo_store, node))
    for form in id_forms(demo_store, node):
        answer = client.get(path.format(form), headers=auditor)
        assert answer.status_code == 200, (form, answer.text)
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == expected, form


@pytest.mark.parametrize(
    ("path", "node", "ask"), QUESTIONS[:-1], ids=[q[0].split("/")[-1] for q in QUESTIONS[:-1]]
)
def test_an_unknown_id_is_not_found(
    client: TestClient, auditor: dict[str, str], path: str, node: str, ask: Ask
) -> None:
    for form in (enc("https://nowhere.example/x/1"), "unknown:thing", "not%20an%20id"):
        answer = client.get(path.format(form), headers=auditor)
        assert answer.status_code == 404, form
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 404


def test_as_of_answers_from_earlier_records(
    client: TestClient, auditor: dict[str, str], demo_store: SQLiteStore
) -> None:
    early = "2000-01-01T00:00:00Z"
    answer = client.get(f"/outputs/{enc(OUTPUT)}/trace", params={"as_of": early}, headers=auditor)
    assert answer.status_code == 404
    later = [record.recorded_at for record in demo_store.records()][-1]
    answer = client.get(f"/outputs/{enc(OUTPUT)}/trace", params={"as_of": later}, headers=auditor)
    assert answer.json() == plain(trace(demo_store, OUTPUT, as_of=later))
    tomorrow = {"as_of": "2999-01-01T00:00:00+00:00"}
    answer = client.get(f"/outputs/{enc(OUTPUT)}/trace", params=tomorrow, headers=auditor)
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "no answer as of 2999-01-01T00:00:00.000000+00:00: that time has not come, and the store "
        "may yet record more before it; ask without a time for the store as it is"
    )


def test_authority_is_judged_at_the_time_asked(
    client: TestClient, auditor: dict[str, str], demo_store: SQLiteStore
) -> None:
    at = "2026-01-02T00:00:00+00:00"
    answer = client.get(f"/actions/{enc(ACTION)}/authority", params={"at": at}, headers=auditor)
    assert answer.json() == plain(authority(demo_store, ACTION, at=at))


def test_authority_over_what_is_not_an_action_is_unprocessable(
    client: TestClient, auditor: dict[str, str]
) -> None:
    answer = client.get(f"/actions/{enc(RUN)}/authority", headers=auditor)
    assert answer.status_code == 422
    assert "not an action" in answer.json()["detail"]


@pytest.mark.parametrize("rubric", ["general", "healthcare"])
def test_scores_and_weak_points_take_a_shipped_rubric(
    client: TestClient, auditor: dict[str, str], demo_store: SQLiteStore, rubric: str
) -> None:
    answer = client.get(f"/runs/{enc(RUN)}/scores", params={"rubric": rubric}, headers=auditor)
    assert answer.json() == plain(score(demo_store, RUN, rubric=rubric))
    answer = client.get("/weak-points", params={"rubric": rubric}, headers=auditor)
    assert answer.json() == plain(weak_points(demo_store, rubric=rubric))


def test_weak_points_are_made_once_per_state_of_the_store(
    client: TestClient,
    auditor: dict[str, str],
    headers: dict[Role, dict[str, str]],
    demo_store: SQLiteStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A weak-points report takes a minute on a large store: asked again, the service answers
    from the one it made, until a record is written."""
    made: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        made.append(kwargs.get("as_of"))
        return weak_points(*args, **kwargs)

    monkeypatch.setattr(api.reports, "weak_points", counted)
    first = client.get("/weak-points", headers=auditor).json()
    assert client.get("/ui/weak-points?format=json", headers=auditor).json() == first
    assert len(made) == 1
    written = [record.recorded_at for record in demo_store.records()][-1]
    stricter = {"rubric": "healthcare", "as_of": written}
    page = client.get("/ui/weak-points", params={**stricter, "format": "json"}, headers=auditor)
    assert page.json() == client.get("/weak-points", params=stricter, headers=auditor).json()
    assert (page.json()["rubric"], page.json()["as_of"]) == ("healthcare", written)
    drawn = client.get("/ui/weak-points", params=stricter, headers=auditor).text
    assert f"judged with the healthcare rubric, as of {written}." in drawn
    assert len(made) == 2
    assert client.post("/runs", json=run(1), headers=headers[Role.RECORDER]).status_code == 201
    after = client.get("/weak-points", headers=auditor).json()
    assert len(made) == 3
    assert after == plain(weak_points(demo_store))
    unreviewed = after["weak_points"]["runs-without-reviewer"]["runs"]
    assert set(unreviewed) - set(first["weak_points"]["runs-without-reviewer"]["runs"]) == {
        iri("runs/1")
    }
    assert after["runs"] == first["runs"] + 1


def test_a_rubric_file_cannot_be_named(client: TestClient, auditor: dict[str, str]) -> None:
    """The service reads no file a client names: only the shipped rubrics."""
    answer = client.get("/weak-points", params={"rubric": "/etc/passwd"}, headers=auditor)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "rubric"


def test_the_rubric_choices_are_the_shipped_rubrics() -> None:
    assert sorted(r.value for r in RubricName) == rubric_names()
