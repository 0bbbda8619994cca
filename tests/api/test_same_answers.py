"""One model, two doors: the service answers with exactly the JSON the command line prints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.cli import run as raidt
from api.deps import get_store
from provenance.demo_data import load_demo
from provenance.stores import SQLiteStore
from tests.api.conftest import ACTION, OUTPUT, PERSON, REVIEW, RUN, TEMPLATE_VERSION, enc

DOORS: list[tuple[list[str], str, dict[str, str]]] = [
    (["runs"], "/runs", {}),
    (
        ["runs", "--sector", "healthcare", "--person", "hospital:people/dr-niamh-byrne"],
        "/runs",
        {"sector": "healthcare", "person": "hospital:people/dr-niamh-byrne"},
    ),
    (["show", OUTPUT], f"/nodes/{enc(OUTPUT)}", {}),
    (["trace", OUTPUT], f"/outputs/{enc(OUTPUT)}/trace", {}),
    (["impact", TEMPLATE_VERSION], f"/nodes/{enc(TEMPLATE_VERSION)}/impact", {}),
    (["authority", ACTION], f"/actions/{enc(ACTION)}/authority", {}),
    (["accountable", PERSON], f"/people/{enc(PERSON)}/accountable", {}),
    (["reconstruct", REVIEW], f"/reviews/{enc(REVIEW)}/reconstruction", {}),
    (
        ["score", RUN, "--rubric", "healthcare"],
        f"/runs/{enc(RUN)}/scores",
        {"rubric": "healthcare"},
    ),
    (["weak-points"], "/weak-points", {}),
    (["verify"], "/verify", {}),
]


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "raidt.db"
    store = SQLiteStore(path)
    load_demo(store)
    store.close()
    return path


@pytest.fixture
def file_client(app: FastAPI, store_file: Path) -> Iterator[TestClient]:
    store = SQLiteStore(store_file)
    app.dependency_overrides[get_store] = lambda: store
    with TestClient(app) as client:
        yield client
    store.close()


def cli_json(capsys: pytest.CaptureFixture[str], args: list[str], url: str) -> Any:
    capsys.readouterr()
    assert raidt([*args, "--store", url, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("args", "path", "params"),
    DOORS,
    ids=[" ".join(d[0][:1]) + str(i) for i, d in enumerate(DOORS)],
)
def test_the_service_answers_as_the_command_line(
    file_client: TestClient,
    auditor: dict[str, str],
    store_file: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    path: str,
    params: dict[str, str],
) -> None:
    printed = cli_json(capsys, args, f"sqlite:///{store_file}")
    answer = file_client.get(path, params=params, headers=auditor).json()
    assert answer == printed


TIMES = [
    "2100-03-01T10:00:00+00:00",
    "2100-03-01T10:00:00z",
    "21000301T100000Z",
    "2100-W09-1T10:00Z",
    "2100-03-01T10:00:00",
    "yesterday",
    "4107578400",
]
"""Times after the demo was recorded, written in ways a reader may or may not take."""


@pytest.mark.parametrize("when", TIMES)
def test_both_doors_take_the_same_times(
    file_client: TestClient,
    auditor: dict[str, str],
    store_file: Path,
    capsys: pytest.CaptureFixture[str],
    when: str,
) -> None:
    capsys.readouterr()
    code = raidt(["trace", OUTPUT, "--as-of", when, "--store", f"sqlite:///{store_file}"])
    capsys.readouterr()
    answer = file_client.get(
        f"/outputs/{enc(OUTPUT)}/trace", params={"as_of": when}, headers=auditor
    )
    assert (code, answer.status_code) in ((0, 200), (1, 422)), answer.text
