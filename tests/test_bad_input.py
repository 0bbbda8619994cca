"""Bad input is refused whole, with a message naming the file, line and field, and the store
stays row for row as it was."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from api.cli import run as raidt
from provenance import ingest
from provenance.errors import InvalidRecord
from provenance.formats import FORMATS, parse_document
from provenance.integrity import verify
from provenance.stores import SQLiteStore, Store
from provenance.vocabulary import PROV
from tests.conftest import dump, put
from tests.factories import action, approval, h, iri, person, review, run


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


def delegation(record_id: str, delegate: str = "bo", responsible: str = "cy") -> dict[str, Any]:
    """A delegation in every scope from 2026 on, under ``record_id``."""
    return {
        "type": "delegation",
        "id": record_id,
        "delegate": person(delegate),
        "responsible": person(responsible),
        "scope": ["*"],
        "valid_from": "2026-01-01T00:00:00+00:00",
    }


def without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != field}


PROV_N_CANNOT_WRITE = pytest.mark.filterwarnings("ignore:the local part '")
"""The PROV reader warns of a name PROV-N cannot write (a bare '%', a control character) as it
reads one (a later version refuses it)."""

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
        "field outputs.0.content_hash: String should match pattern '^sha256:[0-9a-f]{64}$' "
        '(got "md5:abc")\n',
    ),
    "naive time": ({**run(2), "started_at": "2026-01-01T10:00:00"}, "line 2", "field started_at"),
    "not an IRI": (
        {**run(2), "id": "run two"},
        "line 2",
        "field id: Value error, expected an absolute IRI",
    ),
    "bare percent sign in an id": (
        {**run(2), "id": iri("runs/50%")},
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
    "conflicting record": (
        {**run(1), "task": "changed"},
        "line 2",
        f"record {iri('runs/1')} is already stored with other content",
    ),
    "control character": (
        {**run(2), "task": "discharge \u001b[31msummary"},
        "line 2",
        "field task: Value error, contains the control character U+001B at position 10",
    ),
    "key given twice": (
        json.dumps(run(2)).replace(
            '"risk_level": "high"', '"risk_level": "high", "risk_level": "low"'
        ),
        "line 2",
        "malformed JSON: the key 'risk_level' is given twice in one object",
    ),
    "noncharacter": (
        {**run(2), "task": "a\ufffeb"},
        "line 2",
        "field task: Value error, contains the noncharacter U+FFFE at position 1",
    ),
    "C1 control character": (
        {**run(2), "purpose": "next\u0085line"},
        "line 2",
        "field purpose: Value error, contains the control character U+0085 at position 4",
    ),
    "id with a noncharacter": (
        run(2, outputs=0) | {"outputs": [{"id": iri("out/2\uffff"), "content_hash": h("o")}]},
        "line 2",
        "field outputs.0.id: Value error, expected an absolute IRI",
    ),
    "number that is not finite": (
        {**run(2), "model": {**run(2)["model"], "parameters": {"temperature": float("nan")}}},
        "line 2",
        "field model.parameters.temperature: Input should be a finite number",
    ),
    "nested beyond reason": ("[" * 100_000 + "]" * 100_000, "line 2", "nested too deeply"),
    "earlier output with another hash": (
        run(2, inputs=[{"id": iri("out/1-1"), "content_hash": h("other"), "kind": "output"}]),
        "line 2",
        f"{iri('out/1-1')} is already recorded with content hash {h('out 1 1')}, not {h('other')}",
    ),
    "earlier output that is not an output": (
        run(
            2,
            inputs=[{"id": iri("runs/1/prompt"), "content_hash": h("prompt 1"), "kind": "output"}],
        ),
        "line 2",
        f"field inputs.0.id: {iri('runs/1/prompt')} is a prompt; expected an output recorded "
        "earlier",
    ),
    "revision with an input's id": (
        review("r9", iri("out/1-1"), revision=iri("docs/1")),
        "line 2",
        f"{iri('docs/1')} is already recorded and was not made by {iri('reviews/r9')}",
    ),
    "action citing what is not an approval": (
        action("x9", iri("out/1-1"), approval_id=iri("runs/1")),
        "line 2",
        f"field approval: {iri('runs/1')} is a run; expected an approval recorded earlier",
    ),
    # docs/1 is stored with h("doc 1"); docs/3 comes with h("doc 3") in the line before.
    "stored input with other content": (
        run(2, inputs=[{"id": iri("docs/1"), "content_hash": h("doc 1, edited")}]),
        "line 2",
        f"field inputs.0.id: {iri('docs/1')} is already recorded with content hash "
        f"{h('doc 1')}, not {h('doc 1, edited')}; other content needs an id of its own",
    ),
    "output generated again": (
        {**run(2), "outputs": [{"id": iri("out/1-1"), "content_hash": h("out 1 1")}]},
        "line 2",
        f"field outputs.0.id: {iri('out/1-1')} was already generated by {iri('runs/1')}; an "
        "entity is generated once",
    ),
    "prompt with an output's id": (
        {**run(2), "prompt": {"id": iri("out/2-1"), "content_hash": h("prompt 2")}},
        "line 2",
        f"field prompt.id: {iri('out/2-1')} is made by {iri('runs/2')}, and the same record has "
        f"{iri('runs/2')} used it; a result needs an id of its own",
    ),
    "output with the template version's id": (
        {
            **run(2, template="tpl/v7"),
            "outputs": [{"id": iri("tpl/v7"), "content_hash": h("tpl/v7")}],
        },
        "line 2",
        f"{iri('tpl/v7')} is made by {iri('runs/2')}, and the same record has",
    ),
    "delegation with an output's id": (
        delegation(iri("out/1-1")),
        "line 2",
        f"record id {iri('out/1-1')} is already the id of an entity; a delegation needs an id",
    ),
    "review of an input": (
        review("r9", iri("docs/1")),
        "line 2",
        f"field target: {iri('docs/1')} is an input; expected an output or a prompt template "
        "recorded earlier",
    ),
    "action on a prompt": (
        action("x9", iri("runs/1/prompt")),
        "line 2",
        f"field target: {iri('runs/1/prompt')} is a prompt; expected an output recorded earlier",
    ),
    "approval on the approver's own behalf": (
        {**approval("a9", iri("out/1-1"), by="bo"), "on_behalf_of": iri("people/bo")},
        "line 2",
        "field record: Value error, on_behalf_of is the approver: no one acts on their own "
        "behalf\n",
    ),
    "model that is the initiator": (
        {**run(2), "model": {**run(2)["model"], "agent": iri("people/ana")}},
        "line 2",
        "field record: Value error, model.agent is the initiator's id",
    ),
    "person recorded before as software": (
        {**run(2), "initiator": {**person("ana"), "kind": "software"}},
        "line 2",
        f"{iri('people/ana')} is already recorded as person; it cannot also be software",
    ),
    "initiator with the run's id": (
        {**run(2), "initiator": {"id": iri("runs/2"), "name": "Ana"}},
        "line 2",
        f"{iri('runs/2')} is already an activity; it cannot also be an agent",
    ),
    "approval on behalf of an output": (
        {**approval("a9", iri("out/1-1")), "on_behalf_of": iri("out/1-1")},
        "line 2",
        f"{iri('out/1-1')} is an entity; only an agent can be on that end of actedOnBehalfOf",
    ),
    "record given twice with other content": (
        {**run(3, minute=3), "purpose": "another purpose"},
        "line 2",
        f"record {iri('runs/3')} is given again with other content (first at ",
    ),
    "lone surrogate": (
        {**review("r9", iri("out/1-1")), "comment": "ok \udc80"},
        "line 2",
        "field comment: holds U+DC80, a lone surrogate, which is not text",
    ),
    "lone surrogate in a parameter's name": (
        {**run(2), "model": {**run(2)["model"], "parameters": {"t\ud800": 1}}},
        "line 2",
        "field model.parameters.t\\ud800: holds U+D800",
    ),
    "number too long to read": (
        json.dumps(run(2)).replace('"temperature": 0.1', '"temperature": ' + "9" * 5001),
        "line 2",
        "malformed JSON: a number with more digits than can be read",
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
    assert message in error + "\n"  # a message ending in a line break ends the error
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
        (
            "json.ttl",
            '{"entity": {"ex:e": {}}}',
            None,
            "not a valid PROV-O (Turtle) document: at line 1 of <>: Bad syntax (expected "
            "directive or statement)",
        ),
        (
            "bare.json",
            '{"entity": {"e": {}}}',
            None,
            "not a valid PROV-JSON document: an identifier is missing, or is neither an IRI nor "
            "a prefixed name whose prefix the document declares",
        ),
        ("doc.xml", "<prov:document", None, "not a valid PROV-XML document"),
        ("doc.txt", "anything", None, "cannot tell the PROV format from the suffix '.txt'"),
        ("doc.json", "{}", "yaml", "unknown PROV format 'yaml'"),
        ("empty.json", "{}", None, "the document states nothing: no element and no relation"),
        (
            "empty.provn",
            "document\n  prefix ex <https://example.org/>\nendDocument",
            None,
            "the document states nothing",
        ),
        (
            "doc.xml",
            "<notprov/>",
            None,
            "not a PROV-XML document: its root element is notprov, not prov:document",
        ),
        (
            "prefix.json",
            '{"prefix": {"ex": "not an iri"}, "entity": {"ex:e1": {}}}',
            None,
            "prefix ex stands for 'not an iri', not an IRI",
        ),
        (
            "rehash.provn",
            f"""document
  prefix t <{iri("")}>
  prefix raidt <https://w3id.org/raidt#>
  entity(t:out/1-1, [raidt:contentHash="sha256:{"0" * 64}"])
endDocument""",
            None,
            f"{iri('out/1-1')} is already recorded with content hash {h('out 1 1')}",
        ),
        (
            "activity.provn",
            f"document\n  prefix t <{iri('')}>\n  activity(t:out/1-1)\nendDocument",
            None,
            f"{iri('out/1-1')} is already an entity; it cannot also be an activity",
        ),
        (
            "dropped.json",
            json.dumps(
                {"prefix": {"t": iri("")}, "activity": {"t:a1": {"prov:startTime": "soon"}}}
            ),
            None,
            "'soon' is not an xsd:dateTime and is dropped; a document is taken whole or not at all",
        ),
        (
            "entities.xml",
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY who "Dr Okafor">]>'
            '<prov:document xmlns:prov="http://www.w3.org/ns/prov#" '
            f'xmlns:t="{iri("")}"><prov:entity prov:id="t:e">'
            "<prov:label>approved by &who;</prov:label></prov:entity></prov:document>",
            None,
            "a document type declaration (<!DOCTYPE …>) is not taken",
        ),
        (
            "relative.ttl",
            "@prefix prov: <http://www.w3.org/ns/prov#> .\n<e10> a prov:Entity .\n",
            None,
            "<e10> is a relative IRI; IRIs are absolute, whoever reads them",
        ),
        (
            "relative-type.ttl",
            "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
            f"<{iri('e')}> a prov:Entity ; prov:type <Thing> .\n",
            None,
            "<Thing> is a relative IRI; IRIs are absolute, whoever reads them",
        ),
        (
            "no-entity.json",
            json.dumps(
                {
                    "prefix": {"t": iri("")},
                    "activity": {"t:a1": {}},
                    "wasGeneratedBy": {"t:g": {"prov:activity": "t:a1", "prov:entityy": "t:e"}},
                }
            ),
            None,
            "a wasGeneratedBy names no entity",
        ),
        (
            "two-hashes.provn",
            f"""document
  prefix t <{iri("")}>
  prefix raidt <https://w3id.org/raidt#>
  entity(t:new, [raidt:contentHash="sha256:{"0" * 64}", raidt:contentHash="sha256:{"1" * 64}"])
endDocument""",
            None,
            f"{iri('new')} is given 2 content hashes; one id names one content",
        ),
        (
            "both-kinds.ttl",
            "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
            f"<{iri('x1')}> a prov:Activity, prov:Entity .\n",
            None,
            f"{iri('x1')} is described as an activity and typed {PROV}Entity: it cannot be both",
        ),
        pytest.param(
            "percent.json",
            '{"prefix": {"ex": "http://example.org/"}, "entity": {"ex:50%": {}}}',
            None,
            "'http://example.org/50%' is not an absolute IRI",
            marks=PROV_N_CANNOT_WRITE,
        ),
        (
            "bundle.provn",
            f"""document
  prefix t <{iri("")}>
  bundle t:runs/1
    entity(t:e)
  endBundle
endDocument""",
            None,
            f"{iri('runs/1')} names a bundle, which is an entity, and an activity",
        ),
        (
            "reused.provn",
            f"""document
  prefix t <{iri("")}>
  entity(t:e2)
  activity(t:a2)
  used(t:r9; t:a2, t:e2, -)
  wasGeneratedBy(t:r9; t:e2, t:a2, -)
endDocument""",
            None,
            f"relation id {iri('r9')} names used({iri('a2')}, {iri('e2')}), and here "
            f"wasGeneratedBy({iri('e2')}, {iri('a2')}); one id names one relation",
        ),
        (
            "forged.provn",
            f"""document
  prefix t <{iri("")}>
  activity(t:runs/forged, 2026-01-01T10:00:00Z, 2026-01-01T10:01:00Z)
  wasGeneratedBy(t:out/1-1, t:runs/forged, -)
endDocument""",
            None,
            f"{iri('out/1-1')} was already generated by {iri('runs/1')}, not by "
            f"{iri('runs/forged')}; an entity is generated once",
        ),
        (
            "repeated.json",
            '{"prefix": {"ex": "http://example.org/"}, "entity": {"ex:one": {}}, '
            '"entity": {"ex:two": {}}}',
            None,
            "the key 'entity' is given twice in one object; a document is taken whole or not at "
            "all",
        ),
        (
            "repeated.jsonld",
            '{"@context": {"prov": "http://www.w3.org/ns/prov#"}, "@id": "http://example.org/a", '
            '"@type": "prov:Entity", "@type": "prov:Activity"}',
            None,
            "the key '@type' is given twice in one object",
        ),
        pytest.param(
            "bare-percent-in-name.json",
            json.dumps({"prefix": {"t": iri("")}, "entity": {"t:e1": {"t:50%": "half"}}}),
            None,
            f"'{iri('50%')}' is not an absolute IRI",
            marks=PROV_N_CANNOT_WRITE,
        ),
        pytest.param(
            "plan-not-an-iri.json",
            json.dumps(
                {
                    "prefix": {"t": iri("")},
                    "activity": {"t:a": {}},
                    "agent": {"t:ag": {}},
                    "wasAssociatedWith": {
                        "_:w": {"prov:activity": "t:a", "prov:agent": "t:ag", "prov:plan": "t:a b"}
                    },
                }
            ),
            None,
            f"'{iri('a b')}' is not an absolute IRI",
            marks=pytest.mark.filterwarnings("ignore:the local part 'a b'"),
        ),
        pytest.param(
            "nul-in-name.json",
            '{"prefix": {"ex": "http://example.org/"}, "entity": {"ex:e": {"ex:x\\u0000y": "v"}}}',
            None,
            "'http://example.org/x\\x00y' is not an absolute IRI",
            marks=PROV_N_CANNOT_WRITE,
        ),
        (
            "escape-in-label.provn",
            f"""document
  prefix t <{iri("")}>
  entity(t:e3, [prov:label="red\u001b[31m"])
endDocument""",
            None,
            f"the value of {PROV}label on {iri('e3')} contains the control character U+001B at "
            "position 3",
        ),
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


def configured(n: int, temperature: float, *, config: str = "configs/prod") -> dict[str, Any]:
    """Run ``n`` on the named model configuration, at ``temperature``."""
    record = run(n, minute=n)
    record["model"] = {
        **record["model"],
        "id": iri(config),
        "parameters": {"temperature": temperature},
    }
    return record


@pytest.mark.parametrize("where", ["stored", "same file"])
def test_a_model_configuration_id_names_one_set_of_settings(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    # configs/prod ran run 2 at temperature 0.9; run 3 names it again, at 0. That is another
    # configuration: recorded under the same id, a trace of run 2 would say either.
    db, url = seeded
    first = [configured(2, 0.9)]
    if where == "stored":
        assert raidt(["record", str(write_jsonl(tmp_path / "a.jsonl", first)), "--store", url]) == 0
        first = []
    before = dump(db)
    path = write_jsonl(tmp_path / "b.jsonl", [*first, configured(3, 0.0)])
    capsys.readouterr()
    assert raidt(["record", str(path), "--store", url]) == 1
    error = capsys.readouterr().err.strip()
    assert error == (
        f"error: {path}:{len(first) + 1}: field model.id: {iri('configs/prod')} is already "
        "recorded as a model "
        "configuration with other settings (parameters differ); other settings need a "
        "configuration id of their own"
    )
    assert dump(db) == before
    same = write_jsonl(tmp_path / "c.jsonl", [*first, configured(4, 0.9)])
    assert raidt(["record", str(same), "--store", url]) == 0


def test_import_with_an_id_that_is_not_an_iri_is_refused(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, url = seeded
    before = dump(db)
    document = tmp_path / "doc.json"
    document.write_text('{"prefix": {"ex": "https://ex.example/"}, "entity": {"ex:e": {}}}')
    capsys.readouterr()
    assert raidt(["import", str(document), "--id", "not an iri", "--store", url]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: id: record id 'not an iri' is not an absolute IRI"
    )
    assert dump(db) == before


@pytest.mark.parametrize(
    "command",
    [
        ["export", "-o", "{missing}/x.json"],
        ["evidence", iri("runs/1"), "-o", "{folder}"],
        ["view", iri("runs/1"), "-o", "{missing}/v.svg"],
    ],
)
def test_an_output_file_that_cannot_be_written_is_one_clear_line(
    command: list[str],
    seeded: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url = seeded
    argv = [part.format(missing=tmp_path / "missing", folder=tmp_path) for part in command]
    capsys.readouterr()
    assert raidt([*argv, "--store", url]) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith(f"error: cannot write {argv[-1]}: ")


def imported(url: str, path: Path, text: str) -> None:
    path.write_text(text)
    assert raidt(["import", str(path), "--store", url]) == 0


def test_an_any_uri_value_is_a_value_not_a_name(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # names must be IRIs; a value typed xsd:anyURI is text, written back as it was given
    _, url = seeded
    link = {"$": "http://example.org/a b", "type": "xsd:anyURI"}
    document = {"prefix": {"t": iri("")}, "entity": {"t:linked": {"t:link": link}}}
    imported(url, tmp_path / "linked.json", json.dumps(document))
    capsys.readouterr()
    assert raidt(["export", iri("linked"), "--format", "provn", "--store", url]) == 0
    assert '"http://example.org/a b" %% xsd:anyURI' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "document", "fmt", "said"),
    [
        pytest.param(
            "mention.provn",
            f"""document
  prefix t <{iri("")}>
  bundle t:b
    entity(t:general)
  endBundle
  entity(t:specific)
  mentionOf(t:specific, t:general, t:b)
endDocument""",
            "jsonld",
            "PROV-JSONLD: PROV-JSONLD cannot represent",
            id="mention-in-jsonld",
        ),
    ],
)
def test_what_a_format_cannot_carry_is_one_clear_line(
    name: str,
    document: str,
    fmt: str,
    said: str,
    seeded: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # PROV-JSONLD defines no term for mentionOf. (What no format could write back, a control
    # character or a name that is no IRI, is refused when it is imported.) The service answers
    # 406.
    _, url = seeded
    imported(url, tmp_path / name, document)
    capsys.readouterr()
    assert raidt(["export", "--format", fmt, "--store", url]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: cannot write it as {said}")
    assert error.count("\n") == 0
    assert raidt(["export", "--format", "json", "--store", url]) == 0


def test_a_prefix_that_reads_as_a_scheme_is_not_learnt(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A document declares the prefix 'urn': learnt as it is, it would turn every urn: IRI typed
    # afterwards, its own record id included, into a name under http://other.example/.
    _, url = seeded
    text = "document\n  prefix urn <http://other.example/>\n  entity(urn:e1)\nendDocument\n"
    imported(url, tmp_path / "urn.provn", text)
    document = capsys.readouterr().out.split(": imported")[0]
    assert document.startswith("urn:raidt:document:")
    assert raidt(["export", document, "--store", url]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported == {"prefix": {"other": "http://other.example/"}, "entity": {"other:e1": {}}}


def test_a_library_warning_does_not_add_a_line_to_an_error(
    seeded: tuple[Path, str], tmp_path: Path
) -> None:
    # The PROV parser warns about the space in the name (a later version refuses it); the
    # import is refused for it anyway, in one line. A process of its own: the warning goes to
    # the real standard error, as a user sees it.
    _, url = seeded
    path = tmp_path / "space.json"
    path.write_text(json.dumps({"prefix": {"t": iri("")}, "entity": {"t:e 1": {}}}))
    command = [sys.executable, "-c", "import api.cli; api.cli.main()", "import", str(path)]
    done = subprocess.run([*command, "--store", url], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: {path}: '{iri('e 1')}' is not an absolute IRI"


def test_a_line_that_is_not_utf8_is_named_with_its_column(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, url = seeded
    latin = json.dumps(run(3, minute=3, task="café"), ensure_ascii=False).encode("latin-1")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(json.dumps(run(2)).encode() + b"\n" + latin + b"\n")
    before = dump(db)
    capsys.readouterr()
    assert raidt(["record", str(path), "--store", url]) == 1
    column = latin.index(b"\xe9") + 1
    assert capsys.readouterr().err.strip() == (
        f"error: {path}:2: not UTF-8 text: byte 0xe9 at column {column}"
    )
    assert dump(db) == before


def test_a_byte_that_is_not_utf8_after_a_byte_order_mark_is_the_one_named(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = seeded
    line = json.dumps(run(2)).encode().replace(b"discharge", b"dis\xffcharge", 1)
    path = tmp_path / "marked.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line + b"\n")
    assert raidt(["record", str(path), "--store", url]) == 1
    column = line.index(b"\xff") + 1
    assert capsys.readouterr().err.strip() == (
        f"error: {path}:1: not UTF-8 text: byte 0xff at column {column}"
    )


def test_a_byte_order_mark_and_a_carriage_return_inside_a_record_are_read(
    seeded: tuple[Path, str], tmp_path: Path
) -> None:
    # JSON takes a carriage return as white space; only a line feed ends a JSON Lines record.
    spread = json.dumps(run(2)).replace(", ", ",\r ", 3)
    path = tmp_path / "windows.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + spread.encode() + b"\r\n" + json.dumps(run(3, minute=3)).encode() + b"\n"
    )
    _, url = seeded
    assert raidt(["record", str(path), "--store", url]) == 0
    store = SQLiteStore(url.removeprefix("sqlite:///"))
    assert store.counts()["records"] == 3


def test_an_import_keeps_only_the_prefixes_its_ids_use(
    seeded: tuple[Path, str], tmp_path: Path
) -> None:
    # An RDF reader declares some thirty prefixes of its own (schema, foaf, brick …); a prefix
    # no id of the document uses is not the document's, and the store does not learn it.
    _, url = seeded
    path = tmp_path / "one.ttl"
    path.write_text(
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix lab: <https://lab.example/> .\n"
        "@prefix unused: <https://unused.example/> .\n"
        "lab:e1 a prov:Entity .\n"
    )
    store = SQLiteStore(url.removeprefix("sqlite:///"))
    before = set(store.namespaces().items())
    assert raidt(["import", str(path), "--store", url]) == 0
    assert set(store.namespaces().items()) - before == {("lab", "https://lab.example/")}
    # the record keeps what the document declared: imported again, it is found stored
    counts = store.counts()
    assert raidt(["import", str(path), "--store", url]) == 0
    assert store.counts() == counts


def test_records_can_come_from_standard_input(
    seeded: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = seeded
    data = "\n".join(json.dumps(run(n, minute=n)) for n in (2, 3)).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert raidt(["record", "-", "--store", url]) == 0
    assert SQLiteStore(url.removeprefix("sqlite:///")).counts()["records"] == 3


def test_a_pretty_printed_record_can_come_from_standard_input(
    seeded: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One record spread over lines, as the README shows them: one JSON object, not JSON Lines.
    _, url = seeded
    data = json.dumps(run(2, minute=2), indent=2).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert raidt(["record", "-", "--store", url]) == 0
    assert SQLiteStore(url.removeprefix("sqlite:///")).counts()["records"] == 2


def test_json_lines_in_a_file_named_json_are_read_as_lines(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the file holds decides how it is read, not its name; an error is still placed by line.
    _, url = seeded
    path = tmp_path / "batch.json"
    path.write_text("\n".join(json.dumps(run(n, minute=n)) for n in (2, 3)))
    assert raidt(["record", str(path), "--store", url]) == 0
    assert SQLiteStore(url.removeprefix("sqlite:///")).counts()["records"] == 3
    path.write_text(json.dumps(run(4, minute=4)) + "\n" + json.dumps(without(run(5), "sector")))
    assert raidt(["record", str(path), "--store", url]) == 1
    assert f"{path}:2: field sector: Field required" in capsys.readouterr().err


def test_a_document_type_is_found_in_any_encoding_and_only_where_it_is_one(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = seeded

    def document(prolog: str, label: str) -> str:
        return (
            f'<?xml version="1.0" encoding="UTF-16"?>{prolog}'
            '<prov:document xmlns:prov="http://www.w3.org/ns/prov#" '
            f'xmlns:t="{iri("")}"><prov:entity prov:id="t:e">'
            f"<prov:label>{label}</prov:label></prov:entity></prov:document>"
        )

    declared = tmp_path / "declared.xml"
    declared.write_bytes(
        document('<!DOCTYPE d [<!ENTITY who "Mallory">]>', "&who;").encode("utf-16")
    )
    assert raidt(["import", str(declared), "--store", url]) == 1
    assert "a document type declaration" in capsys.readouterr().err
    quoted = tmp_path / "quoted.xml"
    quoted.write_bytes(document("", "<![CDATA[<!DOCTYPE html> is markup]]>").encode("utf-16"))
    assert raidt(["import", str(quoted), "--store", url]) == 0


def test_documents_read_at_once_by_the_service_threads_are_each_judged_alone() -> None:
    # The reader's warnings are caught in the process's one warnings state: two threads swapping
    # it at once let a document that loses a value through, or refused a sound one.
    lossy = json.dumps({"prefix": {"t": iri("")}, "activity": {"t:a": {"prov:startTime": "x"}}})
    sound = json.dumps({"prefix": {"t": iri("")}, "activity": {"t:a": {}}})
    verdicts: list[tuple[str, bool]] = []

    def read(name: str, text: str) -> None:
        for _ in range(150):
            try:
                parse_document(text, FORMATS["json"])
                verdicts.append((name, True))
            except InvalidRecord:
                verdicts.append((name, False))

    threads = [
        threading.Thread(target=read, args=p) for p in [("lossy", lossy), ("sound", sound)] * 2
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(verdicts) == {("lossy", False), ("sound", True)}


def test_an_agent_a_document_typed_twice_may_be_named_by_either(
    seeded: tuple[Path, str], tmp_path: Path
) -> None:
    # A document calls bo both a person and software; a record naming bo as a person agrees
    # with one of them and contradicts nothing.
    _, url = seeded
    document = tmp_path / "bo.provn"
    document.write_text(
        f"document\n  prefix t <{iri('')}>\n"
        "  agent(t:people/bo, [prov:type='prov:Person', prov:type='prov:SoftwareAgent'])\n"
        "endDocument\n"
    )
    assert raidt(["import", str(document), "--store", url]) == 0
    records = write_jsonl(tmp_path / "bo.jsonl", [review("r9", iri("out/1-1"), by="bo")])
    assert raidt(["record", str(records), "--store", url]) == 0


@pytest.mark.parametrize("apart", [True, False], ids=["stored", "same file"])
def test_a_node_cannot_take_the_id_of_a_delegation(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], apart: bool
) -> None:
    # A delegation is a record with no node of its own; a run's input with its id would make
    # `show` and `export` of that id mean two things.
    db, url = seeded
    shared = iri("x/shared")
    first: list[Any] = [delegation(shared)]
    if apart:
        assert raidt(["record", str(write_jsonl(tmp_path / "a.jsonl", first)), "--store", url]) == 0
        first = []
    before = dump(db)
    using = run(2, inputs=[{"id": shared, "content_hash": h("shared")}])
    path = write_jsonl(tmp_path / "b.jsonl", [*first, using])
    capsys.readouterr()
    assert raidt(["record", str(path), "--store", url]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {path}:{len(first) + 1}: field inputs.0.id: {shared} is already the id of a "
        "record that is not a "
        "node (a delegation or a document); a node needs an id of its own"
    )
    assert dump(db) == before


def test_a_delegation_id_a_document_referred_to_first_is_no_node_s_to_take(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A document derives t:x from the delegation's id before anything describes it: a bare
    # reference, which makes a node of no kind. A run may not then take that id as a person's.
    _, url = seeded
    shared = iri("delegations/a-for-b")
    granted = write_jsonl(tmp_path / "d.jsonl", [delegation(shared, "a", "b")])
    assert raidt(["record", str(granted), "--store", url]) == 0
    reference = tmp_path / "ref.provn"
    reference.write_text(
        f"document\n  prefix t <{iri('')}>\n"
        "  wasDerivedFrom(t:x, t:delegations/a-for-b)\nendDocument\n"
    )
    assert raidt(["import", str(reference), "--store", url]) == 0
    taking = run(2, initiator="a") | {"initiator": {"id": shared, "name": "A"}}
    capsys.readouterr()
    assert raidt(["record", str(write_jsonl(tmp_path / "r.jsonl", [taking])), "--store", url]) == 1
    assert "is already the id of a record that is not a node" in capsys.readouterr().err


def test_an_xml_encoding_the_reader_cannot_take_is_one_clear_line(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = seeded
    path = tmp_path / "sjis.xml"
    path.write_bytes(
        b'<?xml version="1.0" encoding="Shift_JIS"?>'
        b'<prov:document xmlns:prov="http://www.w3.org/ns/prov#"/>'
    )
    assert raidt(["import", str(path), "--store", url]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: {path}: not a PROV-XML document that can be read here")
    assert error.count("\n") == 0


def test_a_key_given_twice_in_a_json_array_names_its_record(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The hook that finds the key cannot tell where it is; the record it lies in can be told.
    db, url = seeded
    path = tmp_path / "batch.json"
    third = json.dumps(run(6)).replace('"task":', '"task": "x", "task":')
    path.write_text(f"[{json.dumps(run(4))},\n {json.dumps(run(5))} ,\n{third}]")
    before = dump(db)
    assert raidt(["record", str(path), "--store", url]) == 1
    assert f"{path}: record 3: malformed JSON: the key 'task' is given twice" in (
        capsys.readouterr().err
    )
    assert dump(db) == before


def test_a_picture_of_no_depth_is_a_usage_error(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = seeded
    out = tmp_path / "v.svg"
    assert raidt(["view", iri("runs/1"), "--depth", "0", "-o", str(out), "--store", url]) == 2
    assert "--depth" in capsys.readouterr().err
    assert not out.exists()


def test_a_relation_id_names_one_relation_across_documents(
    seeded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first document names its generation t:r1; a later one may state that relation again,
    # but not give its id to another.
    db, url = seeded
    first = f"document\n prefix t <{iri('')}>\n wasGeneratedBy(t:r1; t:e, t:a, -)\nendDocument\n"
    imported(url, tmp_path / "first.provn", first)
    again = first.replace(
        "wasGeneratedBy(t:r1; t:e, t:a, -)", "wasGeneratedBy(t:r1; t:e, t:a, -)\n entity(t:f)"
    )
    imported(url, tmp_path / "again.provn", again)
    before = dump(db)
    other = tmp_path / "other.provn"
    other.write_text(f"document\n prefix t <{iri('')}>\n used(t:r1; t:a2, t:e2, -)\nendDocument\n")
    capsys.readouterr()
    assert raidt(["import", str(other), "--store", url]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {other}: relation id {iri('r1')} names wasGeneratedBy({iri('e')}, {iri('a')}), "
        f"and here used({iri('a2')}, {iri('e2')}); one id names one relation"
    )
    assert dump(db) == before


@pytest.mark.parametrize("port", ["65536", "99999", "-1"])
def test_a_port_out_of_range_is_a_usage_error(
    port: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:///{tmp_path / 'raidt.db'}"
    assert raidt(["serve", "--port", port, "--store", store, "--no-auth"]) == 2
    error = capsys.readouterr().err
    assert "--port" in error
    assert "Traceback" not in error


def test_the_fields_at_fault_are_kept_apart_from_the_text_that_shows_them(
    tmp_path: Path,
) -> None:
    # The service lists the fields an error names; a value that reads like one is not one.
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({**run(1), "risk_level": "high; field owner: forged"}))
    with pytest.raises(InvalidRecord) as refused:
        ingest.read_records(path)
    assert "field owner: forged" in refused.value.message
    assert [name for name, _ in refused.value.fields] == ["risk_level"]


# -- a document may restate or point to what governance records stated, not add to it ---------


@pytest.fixture
def governed(tmp_path: Path) -> tuple[Path, str]:
    """A store holding run 1 (ana's), ana's approval of its own output, and pat's rejection of
    the template version it used, and its URL."""
    db = tmp_path / "raidt.db"
    url = f"sqlite:///{db}"
    records = [
        run(1),
        approval("self", iri("out/1-1"), by="ana", at="10:40"),
        approval("tpl-v1", iri("tpl/v1"), by="pat", decision="rejected", at="09:00"),
    ]
    assert (
        raidt(["record", str(write_jsonl(tmp_path / "seed.jsonl", records)), "--store", url]) == 0
    )
    return db, url


def document(*statements: str) -> str:
    lines = "\n".join(f"  {s}" for s in statements)
    return (
        f"document\n  prefix test <{iri('')}>\n  prefix raidt <https://w3id.org/raidt#>\n"
        f"{lines}\nendDocument\n"
    )


ADDING = [
    pytest.param(
        document('activity(test:runs/1, -, -, [raidt:workflowApproved="true" %% xsd:boolean])'),
        f"{iri('runs/1')} is already recorded (a run); a document may restate it but not add to "
        "it (raidt:workflowApproved = true)",
        id="attribute-added-to-a-run",
    ),
    pytest.param(
        document(
            'activity(test:runs/1, -, -, [raidt:workflowApproved="true" %% xsd:boolean, '
            'raidt:purpose="patched in later"])'
        ),
        f"{iri('runs/1')} is already recorded (a run); a document may restate it but not add to "
        "it (raidt:purpose = patched in later)",
        id="attributes-added-to-a-run",
    ),
    pytest.param(
        document(
            "agent(test:people/aaron, [prov:label=\"Aaron\", prov:type='prov:Person'])",
            "wasAssociatedWith(test:runs/1, test:people/aaron, test:tpl/v1, "
            "[prov:role='raidt:initiator'])",
        ),
        f"{iri('runs/1')} is already recorded (a run); a document may not add what it did: "
        f"wasAssociatedWith({iri('runs/1')}, {iri('people/aaron')})",
        id="association-added-to-a-run",
    ),
    pytest.param(
        document("wasAssociatedWith(test:runs/1, -, test:tpl/v2)"),
        f"{iri('runs/1')} is already recorded (a run); a document may not add what it did: "
        f"wasAssociatedWith({iri('runs/1')}, -)",
        id="loose-association-added-to-a-run",
    ),
    pytest.param(
        document("agent(test:runs/1)"),
        f"{iri('runs/1')} is already recorded (a run); a document may restate it but not add to "
        "it (as an agent)",
        id="run-described-as-an-agent",
    ),
    pytest.param(
        document('activity(test:approvals/tpl-v1, -, -, [raidt:decision="approved"])'),
        f"{iri('approvals/tpl-v1')} is already recorded (an approval); a document may restate it "
        "but not add to it (raidt:decision = approved)",
        id="decision-added-to-an-approval",
    ),
    pytest.param(
        document("activity(test:approvals/self, 2026-01-01T09:00:00+00:00, -)"),
        f"{iri('approvals/self')} is already recorded (an approval); a document may restate it "
        "but not add to it (prov:startTime = 2026-01-01T09:00:00+00:00)",
        id="start-time-added-to-an-approval",
    ),
    pytest.param(
        document("wasAttributedTo(test:out/1-1, test:people/aaron)"),
        f"{iri('out/1-1')} is already recorded (an output); a document may not add what it did: "
        f"wasAttributedTo({iri('out/1-1')}, {iri('people/aaron')})",
        id="attribution-added-to-an-output",
    ),
    pytest.param(
        document(
            "entity(test:fake, [prov:type='raidt:Output'])",
            "wasGeneratedBy(test:fake, test:runs/1, -)",
        ),
        f"{iri('runs/1')} is already recorded (a run); a document may not add what it did: "
        f"wasGeneratedBy({iri('fake')}, {iri('runs/1')})",
        id="output-added-to-a-run",
    ),
    pytest.param(
        document("entity(test:e)", "wasInvalidatedBy(test:e, test:approvals/self, -)"),
        f"{iri('approvals/self')} is already recorded (an approval); a document may not add what "
        f"it did: wasInvalidatedBy({iri('e')}, {iri('approvals/self')})",
        id="invalidation-added-to-an-approval",
    ),
]


@pytest.mark.parametrize(("text", "message"), ADDING)
def test_a_document_may_not_add_to_a_recorded_governance_node(
    text: str,
    message: str,
    governed: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A self-approval, a rejected template version and a late approval would read otherwise if
    # a later document could add an initiator, a decision or an earlier start to what the
    # records stated: the store keeps every value, and answers read whichever sorts first.
    db, url = governed
    path = tmp_path / "added.provn"
    path.write_text(text)
    before = dump(db)
    capsys.readouterr()
    assert raidt(["import", str(path), "--store", url]) == 1
    assert capsys.readouterr().err.strip() == f"error: {path}: {message}"
    assert dump(db) == before
    assert raidt(["verify", "--store", url]) == 0


@pytest.mark.parametrize(("text", "message"), ADDING)
def test_an_import_that_adds_to_a_governance_node_writes_nothing_in_any_store(
    text: str, message: str, store: Store
) -> None:
    put(
        store,
        run(1),
        approval("self", iri("out/1-1"), by="ana", at="10:40"),
        approval("tpl-v1", iri("tpl/v1"), by="pat", decision="rejected", at="09:00"),
    )
    counts = store.counts()
    head = [r.chain_hash for r in store.records()][-1]
    with pytest.raises(InvalidRecord) as refused:
        ingest.import_document(text, FORMATS["provn"], store, source="added.provn")
    assert (refused.value.location, refused.value.message) == ("added.provn", message)
    assert store.counts() == counts
    assert [r.chain_hash for r in store.records()][-1] == head
    assert verify(store).ok


def test_a_document_that_restates_the_records_imports(
    governed: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The store's own export, a run's export and a document restating some of what a run and
    # an approval were recorded with add nothing, and import.
    _, url = governed
    for what in ([], [iri("runs/1")], [iri("approvals/tpl-v1")]):
        capsys.readouterr()
        assert raidt(["export", *what, "--store", url]) == 0
        imported(url, tmp_path / "again.json", capsys.readouterr().out)
    imported(
        url,
        tmp_path / "restated.provn",
        document(
            "activity(test:runs/1, 2026-01-01T10:00:00+00:00, -, [prov:type='raidt:Run'])",
            "entity(test:out/1-1)",
            'activity(test:approvals/tpl-v1, -, -, [raidt:decision="rejected"])',
            "wasGeneratedBy(test:out/1-1, test:runs/1, 2026-01-01T10:00:30+00:00)",
        ),
    )
    # A relation restated with less than it was recorded with, or inside a bundle of the
    # document's own, says nothing new either.
    imported(
        url,
        tmp_path / "less.provn",
        document(
            "used(test:runs/1, test:docs/1, -)",
            "wasGeneratedBy(test:out/1-1, test:runs/1, -)",
            "bundle test:b1",
            "  wasGeneratedBy(test:out/1-1, test:runs/1, 2026-01-01T10:00:30+00:00)",
            "endBundle",
        ),
    )
    assert raidt(["verify", "--store", url]) == 0


def test_a_document_may_point_to_a_recorded_output_from_what_is_new(
    governed: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # How a downstream system links in: its own activity used the recorded output, its own
    # letter derives from it, and its own person took part.
    _, url = governed
    imported(
        url,
        tmp_path / "downstream.provn",
        document(
            "activity(test:publish/1, 2026-01-02T09:00:00+00:00, 2026-01-02T09:01:00+00:00)",
            "used(test:publish/1, test:out/1-1, -)",
            'entity(test:letters/1, [prov:label="letter as sent"])',
            "wasGeneratedBy(test:letters/1, test:publish/1, -)",
            "wasDerivedFrom(test:letters/1, test:out/1-1)",
            "wasAssociatedWith(test:publish/1, test:people/ana, test:tpl/v1)",
            'agent(test:people/ana, [prov:label="Ana Lopez"])',
        ),
    )
    capsys.readouterr()
    assert raidt(["impact", iri("out/1-1"), "--json", "--store", url]) == 0
    assert iri("letters/1") in capsys.readouterr().out
    assert raidt(["verify", "--store", url]) == 0


def test_an_import_may_name_its_record_by_an_iri_of_any_scheme(
    seeded: tuple[Path, str], tmp_path: Path
) -> None:
    # "did" is no prefix this store knows: as a new record's id, did:example:1 is the IRI it
    # reads as, not a misspelt prefixed name.
    _, url = seeded
    document = tmp_path / "doc.json"
    document.write_text('{"prefix": {"ex": "https://ex.example/"}, "entity": {"ex:e": {}}}')
    assert raidt(["import", str(document), "--id", "did:example:1", "--store", url]) == 0
    assert SQLiteStore(url.removeprefix("sqlite:///")).record("did:example:1") is not None
