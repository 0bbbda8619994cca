"""GET /runs/{id}/evidence-pack and GET /verify."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import get_store
from api.main import create_app
from api.settings import Settings
from provenance.demo_data import load_demo
from provenance.integrity import verify
from provenance.stores import SQLiteStore
from queries.evidence import build_pack, verify_pack
from tests.api.conftest import RUN, enc
from visualisation.static import pack_pictures


@pytest.mark.parametrize("path", [enc(RUN), "hospital:runs/discharge-0412"])
def test_an_evidence_pack_checks_out_offline(
    client: TestClient, auditor: dict[str, str], tmp_path: Path, path: str
) -> None:
    answer = client.get(f"/runs/{path}/evidence-pack", headers=auditor)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="evidence-discharge-0412.zip"; '
        "filename*=UTF-8''evidence-discharge-0412.zip"
    )
    pack = tmp_path / "pack.zip"
    pack.write_bytes(answer.content)
    report = verify_pack(pack)
    assert report.ok, report.problems
    assert report.run == RUN


def test_the_service_and_the_command_give_the_same_pack(
    client: TestClient, auditor: dict[str, str], demo_store: SQLiteStore
) -> None:
    # the same files, lineage picture included, in the same bytes
    answer = client.get(f"/runs/{enc(RUN)}/evidence-pack", headers=auditor)
    assert answer.content == build_pack(demo_store, RUN, draw=pack_pictures)
    with zipfile.ZipFile(io.BytesIO(answer.content)) as pack:
        assert "lineage.svg" in pack.namelist()


def test_a_pack_as_of_a_time_to_come_is_a_bad_request(
    client: TestClient, auditor: dict[str, str]
) -> None:
    answer = client.get(
        f"/runs/{enc(RUN)}/evidence-pack",
        params={"as_of": "2999-01-01T00:00:00Z"},
        headers=auditor,
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("#invalid-request")
    assert "that time has not come" in problem["detail"]


def test_verify_answers_as_the_command_does(
    client: TestClient, auditor: dict[str, str], demo_store: SQLiteStore
) -> None:
    answer = client.get("/verify", headers=auditor)
    assert answer.status_code == 200
    assert answer.json() == verify(demo_store).as_dict()
    assert answer.json()["ok"] is True
    wrong = client.get("/verify", params={"expect_head": "1" * 64}, headers=auditor).json()
    assert wrong["ok"] is False
    assert wrong["first_problem"]["record"] == "(head)"
    typo = client.get("/verify", params={"expect_head": "deadbeef"}, headers=auditor)
    assert typo.status_code == 422
    assert typo.json()["type"].endswith("#invalid-request")
    assert typo.json()["errors"][0]["field"] == "expect_head"


def test_verify_names_a_tampered_record(
    app: FastAPI, client: TestClient, auditor: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "store.db"
    store = SQLiteStore(path)
    load_demo(store)
    tampered = store.record(RUN)
    assert tampered is not None
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE records SET body = replace(body, 'gpt-4o', 'gpt-5') WHERE id = ?", (RUN,)
        )
    app.dependency_overrides[get_store] = lambda: store
    try:
        report = client.get("/verify", headers=auditor).json()
    finally:
        store.close()
    assert report["ok"] is False
    assert report["first_problem"]["record"] == RUN
    assert report["first_problem"]["seq"] == tampered.seq


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE records SET body = body || ' ' WHERE seq = 3",
        "UPDATE descriptions SET attributes = replace(attributes, 'guideline', 'no')",
    ],
    ids=["record", "description"],
)
def test_a_pack_refused_for_a_store_that_fails_verification_is_a_conflict(
    tmp_path: Path, tamper: str
) -> None:
    # The refusal is about the store's records, as raidt evidence refuses, not a failure of the
    # service; and where the store lives is not in it.
    path = tmp_path / "demo.db"
    store = SQLiteStore(path)
    load_demo(store)
    store.close()
    raw = sqlite3.connect(path)
    raw.execute(tamper)
    raw.commit()
    raw.close()
    settings = Settings(store=f"sqlite:///{path}", keys=tmp_path / "k.db", auth=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answer = client.get(f"/runs/{enc(RUN)}/evidence-pack")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("#store-fails-verify")
    detail = answer.json()["detail"]
    assert detail.startswith("the store fails verification at record ")
    assert str(tmp_path) not in detail
