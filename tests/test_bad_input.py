"""Bad input is refused whole, with a message naming the file, line and field, and the store
stays row for row as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.cli import run as raidt
from provenance import ingest
from tests.conftest import dump
from tests.factories import approval, h, iri, run


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, str]:
    """A store holding one run, and its URL."""
    db = tmp_path / "raidt.db"
    url = f"sqlite:///{db}"
    assert (
        raidt(["record", str(write_jsonl(tmp_path / "seed.jsonl", [run(1)])), "--store", url]) == 0
    )
    return db, url


def without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != field}


CASES = {
    "malformed JSON": ('{"type": "run", "id": ', "line 2", "malformed JSON at column"),
    "unknown field": (
        {**run(2), "colour": "blue"},
        "line 2",
        "field colour: Extra inputs are not permitted",
    ),
    "missing field": (without(run(2), "task"), "line 2", "field task: Field required"),
    "wrong type": ({**run(2), "risk_level": 3}, "line 2", "field risk_level: Input should be"),
    "bad hash": (
        {**run(2), "outputs": [{"id": iri("out/2-1"), "content_hash": "md5:abc"}]},
        "line 2",
        "field outputs.0.content_hash: String should match pattern",
    ),
    "naive time": ({**run(2), "started_at": "2026-01-01T10:00:00"}, "line 2", "field started_at"),
    "not an IRI": (
        {**run(2), "id": "run two"},
        "line 2",
        "field id: Value error, expected an absolute IRI",
    ),
    "unknown type": (
        {"type": "meeting", "id": iri("m/1")},
        "line 2",
        "field type: missing or unknown",
    ),
    "dangling reference": (
        approval("a9", iri("out/99-1")),
        "line 2",
        "field target: https://test.example/out/99-1 is not in the store",
    ),
    "id reused as another kind": (
        approval("a9", iri("runs/1")),
        "line 2",
        "field target: https://test.example/runs/1 is an activity; expected an entity",
    ),
    "conflicting record": ({**run(1), "task": "changed"}, "", "already stored with other content"),
    # docs/1 is stored with h("doc 1"); docs/3 comes with h("doc 3") in the line before.
    "stored input with other content": (
        run(2, inputs=[{"id": iri("docs/1"), "content_hash": h("doc 1, edited")}]),
        "line 2",
        f"{iri('docs/1')} is already recorded with content hash {h('doc 1')}, not "
        f"{h('doc 1, edited')}; other content needs an id of its own",
    ),
    "input changed within the file": (
        run(2, inputs=[{"id": iri("docs/3"), "content_hash": h("doc 3, edited")}]),
        "line 2",
        f"{iri('docs/3')} is already recorded with content hash {h('doc 3')}",
    ),
}


@pytest.mark.parametrize("batch", [1, 5000])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_record_is_refused_whole(
    case: str,
    batch: int,
    seeded: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With batches of one, the good record is written before the bad one is read: the one
    # transaction around the file still takes it back.
    monkeypatch.setattr(ingest, "BATCH", batch)
    db, url = seeded
    bad, where, message = CASES[case]
    before = dump(db)
    good_first = run(3, minute=3)  # valid, and must not be written either
    path = write_jsonl(tmp_path / "batch.jsonl", [good_first, bad])
    capsys.readouterr()
    assert raidt(["record", str(path), "--store", url]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0, error  # one line, no traceback
    assert error.startswith("error: ")
    assert message in error
    if where:
        assert f"{path}:2" in error
    assert dump(db) == before


def test_json_array_errors_name_the_record(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, url = seeded
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([run(4), without(run(5), "sector")]))
    before = dump(db)
    assert raidt(["record", str(path), "--store", url]) == 1
    assert f"{path}: record 2: field sector: Field required" in capsys.readouterr().err
    assert dump(db) == before


@pytest.mark.parametrize(
    ("name", "text", "fmt", "message"),
    [
        ("doc.json", '{"entity": {"ex:e": {}}', None, "not a valid PROV-JSON document"),
        (
            "doc.provn",
            "document\n entity(ex:e, [\nendDocument",
            None,
            "not a valid PROV-N document",
        ),
        ("doc.ttl", "@prefix ex <http://x/> .", None, "not a valid PROV-O (Turtle) document"),
        ("doc.xml", "<prov:document", None, "not a valid PROV-XML document"),
        ("doc.txt", "anything", None, "cannot tell the PROV format from the suffix '.txt'"),
        ("doc.json", "{}", "yaml", "unknown PROV format 'yaml'"),
    ],
)
def test_bad_documents_are_refused(
    name: str,
    text: str,
    fmt: str | None,
    message: str,
    seeded: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, url = seeded
    path = tmp_path / name
    path.write_text(text)
    before = dump(db)
    args = ["import", str(path), "--store", url] + (["--format", fmt] if fmt else [])
    assert raidt(args) == 1
    error = capsys.readouterr().err.strip()
    assert message in error
    assert error.count("\n") == 0
    assert dump(db) == before


def test_missing_file_is_one_clear_line(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = seeded
    assert raidt(["record", str(tmp_path / "nope.jsonl"), "--store", url]) == 1
    assert "nope.jsonl: cannot read the file" in capsys.readouterr().err


def test_an_input_used_again_with_its_own_hash_is_accepted(
    seeded: tuple[Path, str], tmp_path: Path
) -> None:
    _, url = seeded
    again = run(2, inputs=[{"id": iri("docs/1"), "content_hash": h("doc 1")}])
    assert (
        raidt(["record", str(write_jsonl(tmp_path / "again.jsonl", [again])), "--store", url]) == 0
    )
