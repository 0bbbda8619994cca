"""Every error is an RFC 9457 problem: the status, its content type and body; the body limit;
an unreachable store; and nothing half-written by a failed request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import get_store
from api.keys import KeyStore, Role
from api.main import create_app
from api.settings import Settings
from provenance.errors import StoreError
from provenance.integrity import verify
from provenance.stores import SQLiteStore
from tests.api.conftest import RUN, enc
from tests.factories import run

Headers = dict[Role, dict[str, str]]
PROBLEM = "application/problem+json"


def assert_problem(answer: object, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, object] = answer.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["type"], str)
    return body


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/runs", "GET, POST, HEAD"),
        ("/prov", "GET, POST, HEAD"),
        ("/healthz", "GET, HEAD"),
        ("/runs/" + enc(RUN), "GET, HEAD"),
        ("/ui/static/runs", "GET, HEAD"),
    ],
)
def test_a_method_not_allowed_names_every_method_the_path_answers(
    client: TestClient, headers: Headers, path: str, allowed: str
) -> None:
    # A path may have one route for reading and another for writing; Allow names both.
    answer = client.delete(path, headers=headers[Role.ADMIN])
    assert_problem(answer, 405)
    assert answer.headers["allow"] == allowed
    for method in allowed.split(", "):
        if method != "POST" and not path.startswith("/ui/static"):
            assert client.request(method, path, headers=headers[Role.ADMIN]).status_code == 200


@pytest.mark.parametrize("run_id", [enc(RUN), "hospital:runs/discharge-0412"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_a_run_s_events_are_only_written(
    client: TestClient, headers: Headers, run_id: str, method: str
) -> None:
    # GET /runs/{id} takes ids with slashes; it must not take …/events for a run's id.
    answer = client.request(method, f"/runs/{run_id}/events", headers=headers[Role.ADMIN])
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    if method != "HEAD":
        assert_problem(answer, 405)
    # an id that ends so, sent as one segment, is still looked up
    ending = enc("https://hospital.example/runs/events")
    assert_problem(client.get(f"/runs/{ending}", headers=headers[Role.ADMIN]), 404)


def test_every_error_status_is_a_problem(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    recorder, auditor, admin = headers[Role.RECORDER], headers[Role.AUDITOR], headers[Role.ADMIN]
    client.post("/runs", json=run(1), headers=recorder)
    before = demo_store.counts()
    sent_json = {**recorder, "Content-Type": "application/json"}
    cases = [
        (400, client.post("/runs", content=b"{", headers=sent_json)),
        (401, client.get("/verify")),
        (403, client.get("/verify", headers=recorder)),
        (404, client.get("/nodes/" + enc("https://nowhere.example/1"), headers=auditor)),
        (405, client.delete("/runs", headers=auditor)),
        (406, client.get("/prov", headers={**auditor, "Accept": "image/png"})),
        (409, client.post("/runs", json=run(1, task="changed"), headers=recorder)),
        (413, client.post("/runs", content=b" " * 70_000, headers=sent_json)),
        (415, client.post("/prov", content=b"x", headers={**admin, "Content-Type": "a/b"})),
        (422, client.post("/runs", json={"type": "run"}, headers=recorder)),
        (422, client.get("/runs", params={"limit": 501}, headers=auditor)),
    ]
    # The package's own kinds where it has one; a bad parameter is a bad request, not a bad
    # record; plain HTTP failures are about:blank, their title saying all (RFC 9457).
    kinds = [str(assert_problem(answer, status)["type"]) for status, answer in cases]
    ours = "https://w3id.org/raidt/problems#"
    assert kinds == [
        ours + "unreadable-body",
        "about:blank",
        "about:blank",
        ours + "not-found",
        "about:blank",
        "about:blank",
        ours + "record-conflict",
        ours + "body-too-large",
        "about:blank",
        ours + "invalid-record",
        ours + "invalid-request",
    ]
    assert demo_store.counts() == before
    assert verify(demo_store).ok


def test_an_oversized_body_is_refused_even_without_a_length(
    client: TestClient, headers: Headers, demo_store: SQLiteStore, keys: KeyStore
) -> None:
    before = demo_store.counts()
    body = json.dumps(run(1, purpose="x" * 70_000)).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    answer = client.post(
        "/runs",
        content=chunks(),
        headers={**headers[Role.RECORDER], "Content-Type": "application/json"},
    )
    problem = assert_problem(answer, 413)
    assert "64000 bytes" in str(problem["detail"])
    assert demo_store.counts() == before
    assert keys.entries()[-1].status == 413


def test_a_body_under_the_limit_is_taken(client: TestClient, headers: Headers) -> None:
    body = run(1, purpose="x" * 50_000)
    assert client.post("/runs", json=body, headers=headers[Role.RECORDER]).status_code == 201


def test_the_body_limit_is_a_setting(tmp_path: Path, demo_store: SQLiteStore) -> None:
    app = create_app(
        Settings(store="sqlite:///:memory:", keys=tmp_path / "k.db", auth=False, max_body=100)
    )
    app.dependency_overrides[get_store] = lambda: demo_store
    with TestClient(app) as client:
        assert_problem(client.post("/runs", json=run(1)), 413)


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[TestClient]:
    """A service whose store is a file in a folder that does not exist."""
    settings = Settings(
        store=f"sqlite:///{tmp_path / 'gone' / 'raidt.db'}", keys=tmp_path / "k.db", auth=False
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_an_unreachable_store_is_unavailable(unreachable: TestClient) -> None:
    assert unreachable.get("/healthz").json() == {"status": "ok"}
    assert_problem(unreachable.get("/readyz"), 503)
    assert_problem(unreachable.get("/verify"), 503)
    assert_problem(unreachable.post("/runs", json=run(1)), 503)
    assert_problem(unreachable.get(f"/outputs/{enc(RUN)}/trace"), 503)


def test_problems_do_not_say_where_the_store_lives(tmp_path: Path) -> None:
    folder = tmp_path / "private-folder"
    settings = Settings(
        store=f"sqlite:///{folder / 'raidt.db'}", keys=tmp_path / "k.db", auth=False
    )
    with TestClient(create_app(settings)) as client:
        gone = assert_problem(client.get("/verify"), 503)
        folder.mkdir()
        missing = assert_problem(client.get("/nodes/" + enc("https://nowhere.example/1")), 404)
        # an IRI that holds the store's folder keeps it: only the store's own mentions go
        holding = "https://files.example" + str(folder) + "/out/7"
        kept = assert_problem(client.get("/nodes/" + enc(holding)), 404)
    assert gone["detail"] == "the store cannot be reached now; the service's log says why"
    assert missing["detail"] == "no node https://nowhere.example/1 in the store"
    assert kept["detail"] == f"no node {holding} in the store"


def test_a_store_that_comes_back_is_served(tmp_path: Path) -> None:
    folder = tmp_path / "later"
    settings = Settings(
        store=f"sqlite:///{folder / 'raidt.db'}", keys=tmp_path / "k.db", auth=False
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 503
        folder.mkdir()
        assert client.get("/readyz").json() == {"status": "ready", "store": "sqlite"}


def test_an_unexpected_failure_is_a_problem_without_details(
    app: FastAPI, auditor: dict[str, str]
) -> None:
    def broken() -> SQLiteStore:
        raise RuntimeError("secret internals")

    app.dependency_overrides[get_store] = broken
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/verify", headers=auditor)
    problem = assert_problem(answer, 500)
    assert "secret" not in json.dumps(problem)


@pytest.mark.parametrize(
    "url", ["postgres://app:s3cret@db.internal/prov", "sqlite:///./private-dir/raidt.db"]
)
def test_a_store_that_cannot_be_opened_is_not_described_to_the_caller(
    tmp_path: Path, url: str
) -> None:
    # A URL may hold a password; a path names the server's folders. The log has them.
    with TestClient(create_app(Settings(store=url, keys=tmp_path / "k.db", auth=False))) as c:
        problem = assert_problem(c.get("/runs"), 503)
    assert problem["detail"] == "the store cannot be reached now; the service's log says why"


def test_a_failing_keys_file_is_not_described_to_the_caller(
    client: TestClient, keys: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(secret: str) -> None:
        raise StoreError(f"cannot read the keys file {keys.path}: disk I/O error")

    monkeypatch.setattr(keys, "authenticate", failing)
    problem = assert_problem(client.get("/runs", headers={"Authorization": "Bearer x"}), 500)
    assert problem["detail"] == "the keys file failed; the service's log says why"
