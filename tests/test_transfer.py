"""A whole store copied to another kind of store gives the same chain and the same answers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from api.cli import run as raidt
from provenance.errors import StoreError, StoreFailsVerify
from provenance.integrity import verify
from provenance.stores import SQLiteStore, Store
from provenance.transfer import copy_store
from queries.authority import accountable, authority
from queries.lineage import impact, trace
from queries.reconstruction import reconstruct
from queries.scores import score, weak_points
from tests.conftest import put
from tests.factories import run

H = "https://hospital.example/"
B = "https://bank.example/"
C = "https://corp.example/"

QUESTIONS = [
    ("trace", lambda s: trace(s, H + "outputs/gp-referral-0412/letter")),
    ("impact", lambda s: impact(s, H + "lab/reports/lr-88213")),
    ("authority", lambda s: authority(s, H + "actions/discharge-0415-ehr-entry")),
    ("authority chain", lambda s: authority(s, B + "actions/credit-memo-2026-0317-committee-pack")),
    ("accountable", lambda s: accountable(s, H + "people/dr-henrik-lund")),
    ("reconstruct", lambda s: reconstruct(s, H + "approvals/discharge-0412-a1")),
    ("score", lambda s: score(s, C + "runs/deal-desk-0409")),
    ("score healthcare", lambda s: score(s, H + "runs/discharge-0412", rubric="healthcare")),
    ("weak points", weak_points),
]


def normalised(answer: Any) -> Any:
    """Lists whose order no question promises are compared as sorted lists."""
    if isinstance(answer, dict):
        return {key: normalised(value) for key, value in answer.items()}
    if isinstance(answer, list):
        items = [normalised(item) for item in answer]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return answer


@pytest.fixture
def copied(demo_store_session: SQLiteStore, store: Store) -> Store:
    report = copy_store(demo_store_session, store)
    assert report.copied == report.records == 53
    return store


def test_copy_keeps_the_chain_and_counts(demo_store_session: SQLiteStore, copied: Store) -> None:
    assert copied.counts() == demo_store_session.counts()
    assert verify(copied).head == verify(demo_store_session).head
    assert verify(copied).ok


@pytest.mark.parametrize(("name", "ask"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_every_question_has_the_same_answer_after_a_copy(
    name: str, ask: Any, demo_store_session: SQLiteStore, copied: Store
) -> None:
    assert normalised(ask(copied)) == normalised(ask(demo_store_session))


def test_copying_again_resumes_and_changes_nothing(
    demo_store_session: SQLiteStore, copied: Store
) -> None:
    counts = copied.counts()
    assert copy_store(demo_store_session, copied).copied == 0
    assert copied.counts() == counts


def test_copy_refuses_a_target_holding_other_records(
    demo_store_session: SQLiteStore, store: Store
) -> None:
    put(store, run(1))
    with pytest.raises(StoreError, match="copy into an empty store"):
        copy_store(demo_store_session, store)


def test_copy_refuses_a_source_that_does_not_verify(tmp_path: Path) -> None:
    # The target hashes what it is given afresh: a tampered relation would verify there.
    source = SQLiteStore(tmp_path / "a.db")
    put(source, run(1))
    with sqlite3.connect(tmp_path / "a.db") as db:
        db.execute("UPDATE edges SET dst = src WHERE kind = 'used'")
    target = SQLiteStore(tmp_path / "b.db")
    with pytest.raises(StoreFailsVerify, match=r"a\.db fails verification .* nothing was copied"):
        copy_store(source, target)
    assert target.counts()["records"] == 0


def test_copy_command_reports_and_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    assert raidt(["demo", "--store", source, "--json"]) == 0
    capsys.readouterr()
    assert raidt(["copy", "--from", source, "--to", target, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["copied"] == 53
    assert report["counts"] == {"records": 53, "nodes": 134, "relations": 227}
