"""Tampering with stored rows is caught by `raidt verify`, which names the first bad record."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from api.cli import run as raidt
from provenance.demo_data import demo_records
from provenance.graph import Element, Fragment
from provenance.ingest import document_record, prepare
from provenance.integrity import verify
from provenance.mapping import to_fragment
from provenance.records import RECORD_ADAPTER, STORED
from provenance.stores import SQLiteStore, graph_hash
from provenance.vocabulary import Attr, Type
from tests.factories import approval, h, iri, review, run

DATA = Path(__file__).parent / "data"


@pytest.fixture
def url(tmp_path: Path) -> str:
    records = [
        run(1),
        run(2, minute=2),
        review("r1", iri("out/1-1")),
        approval("a1", iri("out/1-1")),
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    store_url = f"sqlite:///{tmp_path / 'raidt.db'}"
    assert raidt(["record", str(path), "--store", store_url]) == 0
    return store_url


def edit(url: str, sql: str, *params: object) -> None:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        assert db.execute(sql, params).rowcount >= 1


def check(url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    code = raidt(["verify", "--json", "--store", url])
    report = json.loads(capsys.readouterr().out)
    assert code == (0 if report["ok"] else 1)
    return report


def test_untouched_store_verifies(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = check(url, capsys)
    assert report["ok"] is True
    assert report["records"] == 4


def run2_seq(url: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        return int(
            db.execute("SELECT seq FROM records WHERE id = ?", (iri("runs/2"),)).fetchone()[0]
        )


TAMPERING = {
    "an attribute of a node": (
        "UPDATE descriptions "
        "SET attributes = replace(attributes, 'discharge summary', 'credit memo') "
        "WHERE did IN (SELECT did FROM record_elements WHERE record_seq = ?)",
        "its graph rows do not match its graph hash",
    ),
    "a relation's end": (
        "UPDATE edges SET dst = (SELECT nid FROM nodes WHERE iri LIKE '%docs/1') "
        "WHERE record_seq = ? AND kind = 'used'",
        "its graph rows do not match its graph hash",
    ),
    "a deleted relation": (
        "DELETE FROM edges WHERE eid = (SELECT MIN(eid) FROM edges WHERE record_seq = ?)",
        "its graph rows do not match its graph hash",
    ),
    "the record body": (
        "UPDATE records SET body = replace(body, 'discharge summary', 'credit memo') WHERE seq = ?",
        "its body does not match its content hash",
    ),
    "the recorded time": (
        "UPDATE records SET recorded_at = '2020-01-01T00:00:00+00:00' WHERE seq = ?",
        "the hash chain breaks here",
    ),
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_tampering_is_named_at_the_first_bad_record(
    what: str, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sql, problem = TAMPERING[what]
    seq = run2_seq(url)
    edit(url, sql, seq)
    report = check(url, capsys)
    assert report["ok"] is False
    first = report["first_problem"]
    assert first == {"seq": seq, "record": iri("runs/2"), "problem": problem}


def test_body_rewritten_with_a_fresh_hash_still_fails(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Recomputing the content hash of an edited body does not hide the edit: the chain breaks."""
    seq = run2_seq(url)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        body = db.execute("SELECT body FROM records WHERE seq = ?", (seq,)).fetchone()[0]
        forged = body.replace("discharge summary", "credit memo")
        digest = "sha256:" + hashlib.sha256(forged.encode()).hexdigest()
        db.execute(
            "UPDATE records SET body = ?, content_hash = ? WHERE seq = ?", (forged, digest, seq)
        )
    report = check(url, capsys)
    problems = {p["problem"] for p in report["problems"] if p["seq"] == seq}
    assert problems == {"its graph hash is not what its body maps to", "the hash chain breaks here"}


def test_human_output_names_the_record(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    edit(url, "DELETE FROM edges WHERE record_seq = ?", run2_seq(url))
    capsys.readouterr()
    assert raidt(["verify", "--store", url]) == 1
    assert f"FAILED: record {iri('runs/2')}" in capsys.readouterr().err


def test_expected_head_catches_a_rewritten_chain(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    head = check(url, capsys)["head"]
    assert raidt(["verify", "--expect-head", str(head), "--store", url]) == 0
    assert raidt(["verify", "--expect-head", "1" * 64, "--store", url]) == 1


def test_an_expected_head_that_is_no_head_is_a_mistake_not_tampering(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    head = str(check(url, capsys)["head"])
    for given in ("deadbeef", head[:-1], head[:-1] + "g"):
        assert raidt(["verify", "--expect-head", given, "--store", url]) == 1
        said = capsys.readouterr()
        assert said.err == (
            f"error: expected head {given!r} is not a chain head: one is 64 hexadecimal "
            "digits, as `raidt verify` prints it\n"
        )
        assert "FAILED" not in said.out + said.err


def test_an_anchored_head_still_holds_after_later_records(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The head is taken, then an approval is recorded: the store has grown, not been rewritten.
    # The head, written in capitals as some tools print hashes, is the fourth record's.
    taken = check(url, capsys)
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps(approval("a2", iri("out/2-1"))))
    assert raidt(["record", str(later), "--store", url]) == 0
    capsys.readouterr()
    head = str(taken["head"]).upper()
    assert raidt(["verify", "--json", "--expect-head", head, "--store", url]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["anchored_at"], report["records"]) == (True, 4, 5)
    assert raidt(["verify", "--expect-head", head, "--store", url]) == 0
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == "the expected head is record #4's; 1 record since"
    )
    # Now the fourth record's body is rewritten and every hash after it recomputed by hand
    # would still leave the anchored head unmatched: here the chain hash itself is replaced.
    edit(url, "UPDATE records SET chain_hash = ? WHERE seq = 4", "f" * 64)
    capsys.readouterr()
    assert raidt(["verify", "--json", "--expect-head", head, "--store", url]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert any(p["record"] == "(head)" and "never passes through" in p["problem"] for p in problems)


def test_the_type_index_is_checked_against_the_descriptions(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The index of nodes by type sits beside the hashed rows: retyping run 1 as an action there
    # would drop it from `raidt runs`, and verify names both sides of the change.
    edit(
        url,
        "UPDATE node_types SET type = replace(type, '#Run', '#Action') "
        "WHERE nid = (SELECT nid FROM nodes WHERE iri = ?) AND type LIKE '%#Run'",
        iri("runs/1"),
    )
    report = check(url, capsys)
    assert report["ok"] is False
    assert [p["problem"] for p in report["problems"]] == [
        f"the store leaves out {iri('runs/1')} as a https://w3id.org/raidt#Run; record 1 gives it",
        f"the store shows {iri('runs/1')} as a https://w3id.org/raidt#Action; no record does",
    ]


def test_verify_finds_what_contradicts_an_earlier_record(tmp_path: Path) -> None:
    # Each record's own hashes are right, but together they say two things: docs/x has two
    # content hashes, and out/1-1 is an entity and an activity. Ingest refuses both; a store
    # written by other hands, or by two writers racing, is still checked.
    store = SQLiteStore(tmp_path / "raidt.db")
    first = run(1, inputs=[{"id": iri("docs/x"), "content_hash": h("one")}])
    second = run(2, minute=2, inputs=[{"id": iri("docs/x"), "content_hash": h("two")}])
    store.write([prepare(RECORD_ADAPTER.validate_python(r)) for r in (first, second)])
    twice = (Attr.CONTENT_HASH, h("a")), (Attr.CONTENT_HASH, h("b"))
    odd = Fragment((Element(iri("out/1-1"), "activity"), Element(iri("docs/y"), "entity", twice)))
    store.write([document_record(odd, "urn:test:odd")])
    report = verify(store)
    # they say nothing of tampering: the store is intact, and says two things
    assert report.ok
    assert [(p.seq, p.what) for p in report.contradictions] == [
        (2, f"{iri('docs/x')} has content hash {h('two')} here and {h('one')} before"),
        (3, f"{iri('docs/y')} is given 2 content hashes in one record"),
        (3, f"{iri('out/1-1')} is an activity here and an entity before"),
    ]


def test_a_record_contradicting_itself_is_worded_alike_whatever_order_it_is_read_in(
    tmp_path: Path,
) -> None:
    # What was said "before" within one record goes by the elements' canonical order, not the
    # order a store lists them in (SQLite as stated, Neo4j by digest).
    x = iri("docs/x")
    one, two = (Element(x, "entity", ((Attr.CONTENT_HASH, h(t)),)) for t in ("one", "two"))
    kinds = Element(iri("out/1"), "activity"), Element(iri("out/1"), "entity")
    said = []
    for n, elements in enumerate([(one, two, *kinds), (two, one, *reversed(kinds))]):
        store = SQLiteStore(tmp_path / f"{n}.db")
        fragment = Fragment(tuple(elements))
        store.write([document_record(fragment, "urn:test:doc")])
        said.append([p.what for p in verify(store).contradictions])
        store.close()
    first, then = (e.attributes[0][1] for e in sorted((one, two), key=lambda e: e.canonical))
    assert said[0] == said[1]
    assert sorted(said[0]) == [
        f"{x} has content hash {then} here and {first} before",
        f"{iri('out/1')} is an entity here and an activity before",
    ]


def test_a_record_written_under_older_rules_still_verifies(tmp_path: Path) -> None:
    # A task with U+0085 and an approval on the approver's own behalf were taken before rules
    # refused them. Read back, a stored body is parsed, not judged again: the store is intact.
    store = SQLiteStore(tmp_path / "raidt.db")
    older = [
        run(1, task="discharge\u0085summary"),
        {**approval("a1", iri("out/1-1"), by="bo"), "on_behalf_of": iri("people/bo")},
    ]
    store.write([prepare(RECORD_ADAPTER.validate_python(r, context=STORED)) for r in older])
    assert verify(store).ok


ROWS_NO_HASH_COVERS = {
    "a relation that belongs to no record": (
        "INSERT INTO edges (record_seq, kind, src, dst, rid, bundle, attributes) "
        "SELECT 0, kind, src, dst, rid, bundle, attributes FROM edges WHERE record_seq = ?",
        "the store holds",
    ),
    "a node hidden from answers as of any time": (
        "UPDATE nodes SET first_seq = 4611686018427387905 "
        "WHERE first_seq = ? AND iri LIKE '%runs/2'",
        f"the store shows the node {iri('runs/2')} from record 4611686018427387905, not from "
        "record 2",
    ),
    "a description that belongs to no record": (
        "INSERT INTO descriptions (nid, kind, bundle, attributes, digest, first_seq) "
        "SELECT nid, kind, bundle, replace(attributes, 'discharge summary', 'credit memo'), "
        "'forged', first_seq FROM descriptions WHERE first_seq = ? AND attributes LIKE "
        "'%discharge summary%'",
        f"the store shows the description {iri('runs/2')} (forged); no record does",
    ),
    "a type seen before it was recorded": (
        "UPDATE node_types SET first_seq = 1 WHERE first_seq = ? AND type LIKE '%#Run'",
        f"the store shows {iri('runs/2')} as a https://w3id.org/raidt#Run from record 1, not "
        "from record 2",
    ),
    "a record's kind": (
        "UPDATE records SET kind = 'prov-document' WHERE seq = ?",
        "its body is not a PROV document's, as its kind says",
    ),
}


@pytest.mark.parametrize("what", sorted(ROWS_NO_HASH_COVERS))
def test_rows_no_record_hash_covers_are_held_to_the_records(
    what: str, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Answers read these rows too: left unchecked, they add, hide or move what was recorded
    # while every hash and the chain head stay as they were.
    head = check(url, capsys)["head"]
    sql, problem = ROWS_NO_HASH_COVERS[what]
    edit(url, sql, run2_seq(url))
    report = check(url, capsys)
    assert report["head"] == head
    assert report["ok"] is False
    assert [p for p in report["problems"] if problem in str(p["problem"])]


def test_events_cut_from_the_chain_but_left_in_the_graph_are_caught(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An approval is recorded, then its record is deleted while its rows stay and are made to
    # look as old as the first record: scores and packs would count an approval the anchored
    # chain head never held.
    head = check(url, capsys)["head"]
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps(approval("a2", iri("out/2-1"))))
    assert raidt(["record", str(later), "--store", url]) == 0
    for sql in (
        "DELETE FROM record_elements WHERE record_seq > 4",
        "UPDATE edges SET record_seq = 0 WHERE record_seq > 4",
        "UPDATE descriptions SET first_seq = 1 WHERE first_seq > 4",
        "UPDATE node_types SET first_seq = 1 WHERE first_seq > 4",
        "UPDATE nodes SET first_seq = 1 WHERE first_seq > 4",
        "DELETE FROM records WHERE seq > 4",
    ):
        edit(url, sql)
    capsys.readouterr()
    assert raidt(["verify", "--json", "--expect-head", str(head), "--store", url]) == 1
    problems = [p["problem"] for p in json.loads(capsys.readouterr().out)["problems"]]
    assert "the store holds 30 relations, and its records state 26" in problems
    assert f"the store shows {iri('approvals/a2')} as a {Type.APPROVAL}; no record does" in problems


def test_a_record_whose_kind_is_not_its_body_is_caught(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(url, "UPDATE records SET kind = 'review' WHERE seq = ?", run2_seq(url))
    assert check(url, capsys)["first_problem"] == {
        "seq": run2_seq(url),
        "record": iri("runs/2"),
        "problem": "its kind is 'review', but its body is a 'run' record",
    }


@pytest.mark.parametrize("prefix", ["hospital", "ns5"])
def test_a_changed_prefix_is_caught(
    prefix: str, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Prefixed names are read and written by the prefixes: a changed one would name one
    # organisation's nodes by another's. A numbered prefix is only chosen once the readable
    # ones are another namespace's.
    edit(url, f"UPDATE namespaces SET prefix = '{prefix}' WHERE uri = 'https://test.example/'")
    edit(url, "INSERT INTO namespaces VALUES ('spare', 'https://other.example/')")
    assert [p["problem"] for p in check(url, capsys)["problems"]] == [
        f"prefix {prefix} names https://test.example/, but no record declares it and it is not "
        "one the store chooses",
        "prefix spare names https://other.example/, which no record uses",
    ]


def test_the_demo_records_map_to_the_graphs_stores_already_hold() -> None:
    # verify derives each record's graph from its body again: a change to how records map to
    # PROV would fail every store written before it. The hashes were kept by an earlier version.
    kept = {
        line["id"]: line["graph_hash"]
        for line in map(json.loads, (DATA / "demo_graph_hashes.jsonl").read_text().splitlines())
    }
    records = [item.record for item in demo_records()]
    assert len(records) == len(kept) == 53
    assert {r.id: graph_hash(to_fragment(r)) for r in records} == kept
