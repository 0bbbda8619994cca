"""POST /runs, GET /runs (filtered, paginated) and GET /runs/{id}."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.keys import Role
from api.recording import record
from provenance.errors import InvalidRecord
from provenance.records import RECORD_ADAPTER
from provenance.stores import SQLiteStore
from provenance.vocabulary import Attr
from queries.runs import list_runs
from tests.api.conftest import RUN, enc
from tests.conftest import put
from tests.factories import h, iri, run

Headers = dict[Role, dict[str, str]]
PROBLEM = "application/problem+json"


def test_a_new_run_is_written_once(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    body = run(1)
    first = client.post("/runs", json=body, headers=headers[Role.RECORDER])
    assert first.status_code == 201, first.text
    assert first.json() == {"written": [iri("runs/1")], "unchanged": []}
    assert first.headers["location"] == "/runs/" + enc(iri("runs/1"))
    again = client.post("/runs", json=body, headers=headers[Role.RECORDER])
    assert again.status_code == 200
    assert again.json() == {"written": [], "unchanged": [iri("runs/1")]}
    stored = demo_store.record(iri("runs/1"))
    assert stored is not None
    assert json.loads(stored.body)["task"] == "discharge summary"
    shown = client.get(first.headers["location"], headers=headers[Role.AUDITOR])
    assert shown.status_code == 200
    assert shown.json()["record"] == json.loads(stored.body)
    assert shown.json()["stored"]["content_hash"] == stored.content_hash


def test_a_different_run_under_a_stored_id_is_a_conflict(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    client.post("/runs", json=run(1), headers=headers[Role.RECORDER])
    before = demo_store.counts()
    changed = client.post("/runs", json=run(1, task="other"), headers=headers[Role.RECORDER])
    assert changed.status_code == 409
    assert changed.headers["content-type"] == PROBLEM
    problem = changed.json()
    assert problem["status"] == 409
    assert problem["title"] == "Conflict"
    assert "append-only" in problem["detail"]
    assert demo_store.counts() == before


def test_an_invalid_run_names_the_failing_fields(client: TestClient, headers: Headers) -> None:
    body = run(1)
    body["outputs"][0]["content_hash"] = "md5:1"
    del body["task"]
    answer = client.post("/runs", json=body, headers=headers[Role.RECORDER])
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"task", "outputs.0.content_hash"} <= fields
    assert "task" in answer.json()["detail"]


def test_a_run_naming_an_unrecorded_output_is_refused(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    before = demo_store.counts()
    body = run(
        1, inputs=[{"id": iri("out/9-1"), "content_hash": "sha256:" + "0" * 64, "kind": "output"}]
    )
    answer = client.post("/runs", json=body, headers=headers[Role.RECORDER])
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("#dangling-reference")
    assert "inputs" in problem["detail"]
    assert problem["location"] == "body"
    [failed] = problem["errors"]
    assert failed["field"] == "inputs.0.id"
    assert failed["location"] == ["body", "inputs", 0, "id"]
    assert failed["message"].startswith(f"{iri('out/9-1')} is not in the store; expected ")
    assert failed["type"] == "dangling-reference"
    assert demo_store.counts() == before


def test_unreadable_json_is_a_bad_request(client: TestClient, headers: Headers) -> None:
    answer = client.post(
        "/runs",
        content=b'{"type": "run",',
        headers={**headers[Role.RECORDER], "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM
    assert "not readable JSON" in answer.json()["detail"]


def test_a_run_must_be_sent_as_json(client: TestClient, headers: Headers) -> None:
    answer = client.post(
        "/runs",
        content=json.dumps(run(1)),
        headers={**headers[Role.RECORDER], "Content-Type": "text/plain"},
    )
    assert answer.status_code == 415
    assert answer.headers["content-type"] == PROBLEM


def test_runs_lists_every_run_like_the_query(
    client: TestClient, auditor: dict[str, str], demo_store: SQLiteStore
) -> None:
    answer = client.get("/runs", headers=auditor)
    assert answer.status_code == 200
    assert answer.json() == {"data": list_runs(demo_store), "count": 8}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sector": "finance"}, ["https://bank.example/runs/credit-memo-2026-0317"]),
        (
            {"person": "council:people/ruth-adebayo"},
            [
                "https://council.example/runs/hb-letter-2026-0311",
                "https://council.example/runs/hb-letter-2026-0319",
            ],
        ),
        (
            {"template": "https://hospital.example/templates/discharge-summary"},
            [RUN, "https://hospital.example/runs/discharge-0415"],
        ),
        (
            {"template": "council:templates/benefit-decision-letter/v2"},
            ["https://council.example/runs/hb-letter-2026-0319"],
        ),
        (
            {"since": "2026-03-04T00:00:00Z", "until": "2026-03-17T12:00:00+00:00"},
            [
                "https://hospital.example/runs/discharge-0415",
                "https://council.example/runs/hb-letter-2026-0311",
                "https://bank.example/runs/credit-memo-2026-0317",
            ],
        ),
    ],
)
def test_runs_are_filtered(
    client: TestClient, auditor: dict[str, str], query: dict[str, str], expected: list[str]
) -> None:
    answer = client.get("/runs", params=query, headers=auditor).json()
    assert [r["id"] for r in answer["data"]] == expected
    assert answer["count"] == len(expected)


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        (
            {"person": "hospitl:people/x"},
            404,
            "no node or record hospitl:people/x: 'hospitl' is not a prefix the store knows",
        ),
        ({"template": "hospital:nope"}, 404, "no template or template version "),
        ({"person": "hospital:runs/discharge-0412"}, 422, f"{RUN} is not a person or organisation"),
        ({"template": "hospital:runs/discharge-0412"}, 422, f"{RUN} is not a template version"),
    ],
)
def test_a_filter_naming_no_such_person_or_template_is_refused_not_answered_with_none(
    client: TestClient, auditor: dict[str, str], query: dict[str, str], status: int, detail: str
) -> None:
    answer = client.get("/runs", params=query, headers=auditor)
    assert answer.status_code == status
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"].startswith(detail)


@pytest.mark.parametrize("sector", ["nosuch", "Healthcare"])
def test_a_sector_no_run_may_have_is_refused_naming_those_there_are(
    client: TestClient, auditor: dict[str, str], sector: str
) -> None:
    answer = client.get("/runs", params={"sector": sector}, headers=auditor)
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        f"sector {sector!r} is not one of: healthcare, finance, education, public-services, "
        "enterprise, other, nor one a stored run has"
    )


def test_runs_come_in_pages(
    client: TestClient, auditor: dict[str, str], demo_store: SQLiteStore
) -> None:
    every = [r["id"] for r in list_runs(demo_store)]
    pages = [
        client.get("/runs", params={"limit": 3, "offset": start}, headers=auditor).json()
        for start in (0, 3, 6)
    ]
    assert [r["id"] for page in pages for r in page["data"]] == every
    assert {page["count"] for page in pages} == {8}


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"since": "2026-03-04T00:00:00"}],
)
def test_bad_filters_are_refused(
    client: TestClient, auditor: dict[str, str], query: dict[str, object]
) -> None:
    answer = client.get("/runs", params=query, headers=auditor)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["errors"][0]["location"][0] == "query"


def test_an_unknown_prefix_in_a_filter_is_refused(
    client: TestClient, auditor: dict[str, str]
) -> None:
    answer = client.get("/runs", params={"person": "not an id"}, headers=auditor)
    assert answer.status_code == 422
    assert "not an absolute IRI" in answer.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/runs/" + enc(RUN),
        "/runs/hospital:runs%2Fdischarge-0412",
        "/runs/hospital:runs/discharge-0412",
    ],
)
def test_one_run_by_either_id(client: TestClient, auditor: dict[str, str], path: str) -> None:
    answer = client.get(path, headers=auditor)
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == RUN
    assert answer.json()["outputs"] == ["https://hospital.example/outputs/discharge-0412/summary"]
    assert answer.json()["stored"]["kind"] == "run"


@pytest.mark.parametrize(
    "path",
    ["/runs/" + enc("https://hospital.example/runs/nothing"), "/runs/nowhere:runs%2F1"],
)
def test_a_run_the_store_does_not_hold_is_not_found(
    client: TestClient, auditor: dict[str, str], path: str
) -> None:
    answer = client.get(path, headers=auditor)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["instance"] == path


@pytest.mark.parametrize("suffix", ["", "/scores", "/prov", "/evidence-pack"])
def test_a_stored_node_that_is_not_a_run_is_refused_as_the_score_command_refuses_it(
    client: TestClient, auditor: dict[str, str], suffix: str
) -> None:
    output = "https://hospital.example/outputs/gp-referral-0412/letter"
    answer = client.get(f"/runs/{enc(output)}{suffix}", headers=auditor)
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"] == f"{output} is not a run (a raidt:Run activity)"


@pytest.mark.parametrize(
    ("started_at", "message"),
    [
        ("0001-01-01T00:00:00+05:00", "out of range once expressed in UTC"),
        (1767261600, "expected an ISO 8601 time with a time zone, not a number"),
    ],
)
def test_a_time_that_is_no_time_in_utc_is_refused(
    client: TestClient, headers: Headers, started_at: object, message: str
) -> None:
    answer = client.post(
        "/runs", json={**run(7), "started_at": started_at}, headers=headers[Role.RECORDER]
    )
    assert answer.status_code == 422
    assert message in json.dumps(answer.json())
    assert client.get("/runs", headers=headers[Role.AUDITOR]).status_code == 200


@pytest.mark.parametrize("as_of", ["2026", "0001-01-01T00:00:00+05:00"])
def test_a_time_parameter_must_be_an_iso_time_in_range(
    client: TestClient, headers: Headers, as_of: str
) -> None:
    for path, name in (
        ("/weak-points", "as_of"),
        (f"/runs/{enc(RUN)}/scores", "as_of"),
        ("/runs", "since"),
    ):
        answer = client.get(path, params={name: as_of}, headers=headers[Role.AUDITOR])
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"][0]["field"] == name


def test_an_evidence_pack_of_a_run_named_in_any_script_downloads(
    client: TestClient, headers: Headers
) -> None:
    named = iri("runs/报告-é")
    assert (
        client.post(
            "/runs", json={**run(8), "id": named}, headers=headers[Role.RECORDER]
        ).status_code
        == 201
    )
    answer = client.get(f"/runs/{enc(named)}/evidence-pack", headers=headers[Role.AUDITOR])
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        'attachment; filename="evidence-----.zip"; '
        "filename*=UTF-8''evidence-%E6%8A%A5%E5%91%8A-%C3%A9.zip"
    )


def test_a_write_checks_inside_its_transaction_so_another_writer_cannot_slip_in(
    tmp_path: Path,
) -> None:
    # `raidt record` holds the store's write transaction, having written docs/x with one hash;
    # a request then posts a run saying docs/x has another. Checked before its own transaction,
    # the request saw no docs/x and wrote it again; checked inside, it waits, sees it, refuses.
    path = tmp_path / "shared.db"
    command, service = SQLiteStore(path), SQLiteStore(path)
    held, outcome = threading.Event(), []

    def post() -> None:
        held.wait()
        try:
            record(service, threading.Lock(), [RECORD_ADAPTER.validate_python(second)])
        except InvalidRecord as error:
            outcome.append(error.message)

    first = run(1, inputs=[{"id": iri("docs/x"), "content_hash": h("one")}])
    second = run(2, inputs=[{"id": iri("docs/x"), "content_hash": h("another")}])
    request = threading.Thread(target=post)
    request.start()
    with command.transaction():
        put(command, first)
        held.set()
        time.sleep(0.5)  # the request reaches its checks while the command's write is open
    request.join()
    assert outcome == [
        f"field inputs.0.id: {iri('docs/x')} is already recorded with content hash {h('one')}, "
        f"not {h('another')}; "
        "other content needs an id of its own (a new version or a revision)"
    ]
    assert [n.values(Attr.CONTENT_HASH) for n in command.nodes([iri("docs/x")]).values()] == [
        [h("one")]
    ]


def test_a_lone_surrogate_is_refused_not_a_server_error(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    # JSON can spell one (\udc80); it is not text, and can be neither stored nor hashed.
    def post(path: str, body: object, role: Role) -> Any:
        sent = {**headers[role], "Content-Type": "application/json"}
        return client.post(path, content=json.dumps(body).encode(), headers=sent)

    bad = run(5)
    bad["model"]["parameters"] = {"stop": "ok \udc80"}
    answer = post("/runs", bad, Role.RECORDER)
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "field model.parameters.stop: holds U+DC80, a lone surrogate, which is not text"
    )
    document = {"prefix": {"t": "https://test.example/"}, "entity": {"t:e": {"t:x": "\ud800"}}}
    answer = post("/prov", document, Role.ADMIN)
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "the document holds U+D800, a lone surrogate, which is not text"
    )


def test_a_key_given_twice_in_a_body_is_refused_as_raidt_record_refuses_it(
    client: TestClient, headers: dict[Role, dict[str, str]], demo_store: SQLiteStore
) -> None:
    body = json.dumps(run(5)).replace(
        '"risk_level": "high"', '"risk_level": "high", "risk_level": "low"'
    )
    before = demo_store.counts()
    answer = client.post(
        "/runs",
        content=body.encode(),
        headers={**headers[Role.RECORDER], "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "the body is not readable JSON: the key 'risk_level' is given twice in one object"
    )
    assert demo_store.counts() == before


def test_a_body_that_is_not_utf8_is_refused_as_raidt_record_refuses_it(
    client: TestClient, headers: dict[Role, dict[str, str]], demo_store: SQLiteStore
) -> None:
    # JSON read from bytes would guess UTF-16; records are UTF-8 on both doors.
    before = demo_store.counts()
    answer = client.post(
        "/runs",
        content=json.dumps(run(5)).encode("utf-16"),
        headers={**headers[Role.RECORDER], "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "the body is not readable JSON: not UTF-8 text"
    assert demo_store.counts() == before
