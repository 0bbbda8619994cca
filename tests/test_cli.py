"""The `raidt` commands end to end on a real store file."""

from __future__ import annotations

import json
import sqlite3
from importlib.metadata import version
from pathlib import Path

import jsonschema_rs
import pytest
from prov.model import ProvDocument

from api.cli import run as raidt
from provenance.formats import FORMATS
from tests.factories import approval, iri, review, run


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'raidt.db'}"


def output_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = raidt(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def record(tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "records.jsonl"
    records = [
        run(1),
        review("r1", iri("out/1-1"), revision=iri("out/1-1r")),
        approval("a1", iri("out/1-1r")),
    ]
    path.write_text("\n".join(json.dumps(r) for r in records))
    result = json.loads(output_of(capsys, "record", str(path), "--store", url, "--json"))
    assert result == {
        "written": [iri("runs/1"), iri("reviews/r1"), iri("approvals/a1")],
        "unchanged": [],
    }


def test_record_then_show_by_prefixed_name(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record(tmp_path, url, capsys)
    shown = json.loads(output_of(capsys, "show", "test:out/1-1r", "--store", url, "--json"))
    assert shown["id"] == iri("out/1-1r")
    kinds = {(r["kind"], r["direction"], r["other"]) for r in shown["relations"]}
    assert ("wasRevisionOf", "out", iri("out/1-1")) in kinds
    assert ("used", "in", iri("approvals/a1")) in kinds
    assert ("wasGeneratedBy", "out", iri("reviews/r1")) in kinds
    human = output_of(capsys, "show", iri("out/1-1r"), "--store", url)
    assert "wasRevisionOf" in human


def test_runs_lists_what_was_recorded(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record(tmp_path, url, capsys)
    runs = json.loads(output_of(capsys, "runs", "--store", url, "--json"))
    assert runs["count"] == 1
    assert runs["data"] == [
        {
            "id": iri("runs/1"),
            "started_at": "2026-01-01T10:00:00+00:00",
            "task": "discharge summary",
            "sector": "healthcare",
            "risk_level": "high",
            "initiator": iri("people/ana"),
            "outputs": [iri("out/1-1")],
        }
    ]


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--person", "test:people/nobody"], f"error: no node {iri('people/nobody')} in "),
        (["--person", "test:runs/1"], f"error: {iri('runs/1')} is not a person or organisation"),
        (
            ["--template", "test:tpl/none"],
            f"error: no template or template version {iri('tpl/none')} in ",
        ),
        (["--template", "test:runs/1"], f"error: {iri('runs/1')} is not a template version"),
        (["--sector", "Healthcare"], "error: sector 'Healthcare' is not one of: healthcare, "),
    ],
)
def test_runs_refuses_a_filter_that_names_nothing_rather_than_listing_no_runs(
    tmp_path: Path,
    url: str,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
    said: str,
) -> None:
    record(tmp_path, url, capsys)
    assert raidt(["runs", *option, "--store", url, "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(said)
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_then_import_into_another_store(
    fmt: str, tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record(tmp_path, url, capsys)
    exported = tmp_path / f"all.{fmt}"
    assert raidt(["export", "--format", fmt, "-o", str(exported), "--store", url]) == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert raidt(["import", str(exported), "--format", fmt, "--store", other]) == 0
    again = tmp_path / f"again.{fmt}"
    assert raidt(["export", "--format", fmt, "-o", str(again), "--store", other]) == 0
    kwargs = {"rdf_format": "turtle"} if fmt == "ttl" else {}
    prov_name = FORMATS[fmt].prov_name
    first = ProvDocument.deserialize(exported, format=prov_name, **kwargs)
    second = ProvDocument.deserialize(again, format=prov_name, **kwargs)
    assert first == second
    # run: 8 elements + 10 relations; review with a revision: 3 + 5; approval: 3 + 4
    assert len(first.get_records()) == 33


def test_a_store_export_states_what_records_restate_once_and_reads_back_the_same(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the demo's people are restated by every record that names them
    assert raidt(["demo", "--store", url]) == 0
    exported, again = tmp_path / "all.provn", tmp_path / "again.provn"
    assert raidt(["export", "-o", str(exported), "--store", url]) == 0
    lines = exported.read_text().splitlines()
    said = [line for line in lines if line.lstrip().startswith(("agent(", "entity("))]
    assert len(said) == len(set(said)) > 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert raidt(["import", str(exported), "--store", other]) == 0
    assert raidt(["export", "-o", str(again), "--store", other]) == 0
    assert again.read_bytes() == exported.read_bytes()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_an_id_with_nothing_after_its_host_exports_in_a_form_that_imports(
    fmt: str, tmp_path: Path, url: str
) -> None:
    document = tmp_path / "root.ttl"
    document.write_text(
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n<https://out.example/> a prov:Entity .\n"
    )
    assert raidt(["import", str(document), "--store", url]) == 0
    exported = tmp_path / f"all.{fmt}"
    assert raidt(["export", "--format", fmt, "-o", str(exported), "--store", url]) == 0
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert raidt(["import", str(exported), "--store", fresh]) == 0


def test_export_one_record_and_one_node(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record(tmp_path, url, capsys)
    one = output_of(capsys, "export", "test:approvals/a1", "--format", "provn", "--store", url)
    assert "activity(test:approvals/a1" in one
    assert "test:runs/1" not in one
    node = output_of(capsys, "export", iri("out/1-1"), "--format", "provn", "--store", url)
    assert "wasGeneratedBy(test:out/1-1, test:runs/1" in node


def test_a_turtle_export_of_one_record_imports_into_another_store(tmp_path: Path, url: str) -> None:
    """The record mentions nodes it does not describe, under ids whose local parts hold a
    ``/``, which the Turtle writer does not shorten."""
    assert raidt(["demo", "--store", url]) == 0
    exported = tmp_path / "entry.ttl"
    entry = "hospital:actions/discharge-0412-ehr-entry"
    assert raidt(["export", entry, "--format", "ttl", "-o", str(exported), "--store", url]) == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert raidt(["import", str(exported), "--store", other]) == 0


def test_import_twice_changes_nothing(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "doc.provn"
    document.write_text(
        "document\n prefix ex <http://example.org/>\n entity(ex:e)\n activity(ex:a)\n"
        " used(ex:a, ex:e, -)\nendDocument\n"
    )
    first = json.loads(output_of(capsys, "import", str(document), "--store", url, "--json"))
    second = json.loads(output_of(capsys, "import", str(document), "--store", url, "--json"))
    assert first["written"] is True
    assert second == {**first, "written": False}
    shown = json.loads(output_of(capsys, "show", "ex:a", "--store", url, "--json"))
    assert shown["relations"][0]["other"] == "http://example.org/e"


def test_schema_is_json_schema_for_every_record_type(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads(output_of(capsys, "schema"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    tags = set(schema["discriminator"]["mapping"])
    assert tags == {
        "run",
        "review",
        "approval",
        "escalation",
        "override",
        "action",
        "challenge",
        "delegation",
        "template_version",
    }


def test_the_schema_and_record_agree_on_what_a_record_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A tool that checks its records against the published schema must not have them refused.
    validator = jsonschema_rs.Draft202012Validator(json.loads(output_of(capsys, "schema")))
    untyped = {key: value for key, value in run(1).items() if key != "type"}
    demo = Path(__file__).parent.parent / "provenance" / "demo"
    given = [
        json.loads(line)
        for path in sorted(demo.glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    for record in [*given, untyped, {**run(1), "type": "runs"}]:
        path = tmp_path / "one.json"
        path.write_text(json.dumps(record))
        url = f"sqlite:///{tmp_path / 'raidt.db'}"
        recorded = raidt(["record", str(path), "--store", url]) == 0
        assert validator.is_valid(record) == recorded, record.get("id")
    assert not validator.is_valid(untyped)


def test_store_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAIDT_STORE", f"sqlite:///{tmp_path / 'env.db'}")
    assert raidt(["demo"]) == 0
    assert (tmp_path / "env.db").exists()
    assert raidt(["verify"]) == 0


@pytest.mark.parametrize(
    "command",
    [
        ["verify"],
        ["runs"],
        ["trace", "https://hospital.example/outputs/discharge-0412/summary"],
        ["score", "https://hospital.example/runs/discharge-0412"],
        ["weak-points"],
    ],
)
def test_a_question_to_a_store_that_is_not_there_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    # A mistyped path is not answered from a new, empty store made there.
    typo = tmp_path / "stroe.db"
    capsys.readouterr()
    assert raidt([*command, "--store", f"sqlite:///{typo}"]) == 1
    assert capsys.readouterr().err == (
        f"error: no store at {typo}: `raidt record` or `raidt demo` makes one\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_another_database_is_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An application's own database given by mistake gets neither this store's tables nor a
    # changed journal mode, whether the command reads or writes.
    theirs = tmp_path / "customers.db"
    with sqlite3.connect(theirs) as db:
        db.execute("CREATE TABLE customers (id INTEGER)")
    before = theirs.read_bytes()
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(run(1)))
    for command in (["verify"], ["runs"], ["record", str(records)]):
        capsys.readouterr()
        assert raidt([*command, "--store", f"sqlite:///{theirs}"]) == 1
        assert capsys.readouterr().err == (
            f"error: {theirs} is a database, but not a RAIDT store: it holds other tables\n"
        )
    assert theirs.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.db", "records.jsonl"]


def test_an_empty_file_holds_no_store_to_ask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "raidt.db"
    empty.touch()
    capsys.readouterr()
    assert raidt(["verify", "--store", f"sqlite:///{empty}"]) == 1
    assert capsys.readouterr().err == (
        f"error: no store at {empty}: `raidt record` or `raidt demo` makes one\n"
    )
    assert empty.read_bytes() == b""
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(run(1)))
    assert raidt(["record", str(records), "--store", f"sqlite:///{empty}"]) == 0


def test_a_url_with_three_slashes_to_a_root_path_says_to_add_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root_path = str(tmp_path / "store.db").lstrip("/")
    assert raidt(["verify", "--store", f"sqlite:///{root_path}"]) == 1
    assert capsys.readouterr().err.endswith(
        f"a path from the root takes a fourth slash: sqlite:////{root_path}\n"
    )
    (tmp_path / "here").mkdir()
    assert raidt(["verify", "--store", "sqlite:///here/none.db"]) == 1
    assert "fourth slash" not in capsys.readouterr().err


def test_unusable_store_url_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert raidt(["verify", "--store", "mysql://localhost/x"]) == 1
    assert "unsupported store URL" in capsys.readouterr().err
    assert raidt(["verify", "--store", f"sqlite:///{tmp_path}/no/such/dir/x.db"]) == 1
    assert "no directory" in capsys.readouterr().err
    not_a_db = tmp_path / "text.db"
    not_a_db.write_text("hello, this is not a database file at all" * 100)
    assert raidt(["verify", "--store", f"sqlite:///{not_a_db}"]) == 1
    error = capsys.readouterr().err
    assert "is it a RAIDT store file?" in error
    assert error.count("\n") == 1


def test_text_from_records_is_printed_as_given_not_read_as_styling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A task and a person's name that look like console markup: "[/]" would end a style that
    # was never opened, "[red]" would colour what follows and vanish.
    data = tmp_path / "odd.jsonl"
    record = run(1, task="[/] discharge [red]summary")
    record["initiator"]["name"] = "[bold]Ana[/bold]"
    data.write_text(json.dumps(record) + "\n")
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    assert raidt(["record", str(data), "--store", url]) == 0
    capsys.readouterr()
    assert raidt(["runs", "--store", url]) == 0
    assert "[/] discharge [red]summary" in capsys.readouterr().out
    assert raidt(["show", iri("people/ana"), "--store", url]) == 0
    assert 'prov:label = "[bold]Ana[/bold]"' in capsys.readouterr().out
    assert raidt(["score", iri("runs/1"), "--store", url]) == 0
    assert "started by [bold]Ana[/bold] (" in capsys.readouterr().out


def test_emoji_codes_in_ids_and_labels_are_printed_as_given(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # ":x:" in an id and ":smile:" in a label are text, not emoji to draw.
    document = tmp_path / "doc.provn"
    document.write_text(
        'document\n prefix ex <http://example.org/>\n entity(ex:e, [prov:label=":smile:"])\n'
        "endDocument\n"
    )
    imported = output_of(capsys, "import", str(document), "--id", "urn:x:doc", "--store", url)
    assert imported.startswith("urn:x:doc: imported")
    assert 'prov:label = ":smile:"' in output_of(capsys, "show", "ex:e", "--store", url)
    assert raidt(["export", "urn:x:y", "--store", url]) == 1
    assert "urn:x:y" in capsys.readouterr().err


def test_show_and_export_of_a_node_keep_relations_with_nothing_at_the_other_end(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # PROV lets a relation leave its other end out ("-"); such a relation is still the node's.
    document = tmp_path / "doc.provn"
    document.write_text(
        "document\n prefix ex <http://example.org/>\n activity(ex:act)\n"
        " used(ex:act, -, 2020-01-01T00:00:00Z)\n wasAssociatedWith(ex:act, -, ex:plan)\n"
        "endDocument\n"
    )
    output_of(capsys, "import", str(document), "--store", url)
    shown = json.loads(output_of(capsys, "show", "ex:act", "--json", "--store", url))
    assert [(r["kind"], r["direction"], r["other"]) for r in shown["relations"]] == [
        ("used", "out", None),
        ("wasAssociatedWith", "out", None),
    ]
    exported = output_of(capsys, "export", "ex:act", "--format", "provn", "--store", url)
    assert "used(ex:act, -, 2020-01-01T00:00:00" in exported
    assert "wasAssociatedWith(ex:act, -, ex:plan)" in exported


def test_an_import_id_may_be_a_prefixed_name(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # After the first document the store knows ex:, so ex:docs/second names the full IRI.
    document = tmp_path / "doc.provn"
    document.write_text("document\n prefix ex <http://example.org/>\n entity(ex:e)\nendDocument\n")
    output_of(capsys, "import", str(document), "--store", url)
    document.write_text("document\n prefix ex <http://example.org/>\n entity(ex:f)\nendDocument\n")
    said = json.loads(
        output_of(
            capsys, "import", str(document), "--id", "ex:docs/second", "--store", url, "--json"
        )
    )
    assert said["record"] == "http://example.org/docs/second"
    output_of(capsys, "export", "http://example.org/docs/second", "--store", url)


def test_a_node_s_export_keeps_each_bundle_s_statements_in_it(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # ex:e is described at the top level and in two bundles: exported alone, each description
    # stays where it was said, not merged into one at the top.
    document = tmp_path / "doc.provn"
    document.write_text(
        'document\n prefix ex <http://example.org/>\n entity(ex:e, [ex:top="1"])\n'
        ' bundle ex:b1\n  entity(ex:e, [ex:inb="2"])\n  entity(ex:f)\n'
        "  wasDerivedFrom(ex:e, ex:f)\n"
        ' endBundle\n bundle ex:b2\n  entity(ex:e, [ex:inb2="3"])\n endBundle\nendDocument\n'
    )
    output_of(capsys, "import", str(document), "--store", url)
    exported = json.loads(output_of(capsys, "export", "ex:e", "--store", url))
    assert exported["entity"] == {"ex:e": {"ex:top": "1"}}
    assert exported["bundle"]["ex:b1"]["entity"]["ex:e"] == {"ex:inb": "2"}
    assert exported["bundle"]["ex:b1"]["entity"]["ex:f"] == {}
    assert "wasDerivedFrom" in exported["bundle"]["ex:b1"]
    assert exported["bundle"]["ex:b2"]["entity"] == {"ex:e": {"ex:inb2": "3"}}


def test_a_run_is_captioned_by_its_task_not_by_its_policy(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A run record's label is its policy's name: every run under one policy would be captioned
    # alike.
    policy = {"policy": iri("policies/p1"), "name": "GenAI policy v2"}
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps({**run(1, task="credit memo"), "policy": policy}))
    output_of(capsys, "record", str(records), "--store", url)
    picture = tmp_path / "run.svg"
    output_of(capsys, "view", iri("runs/1"), "--store", url, "-o", str(picture))
    assert "GenAI policy v2" not in picture.read_text()
    assert "credit memo" in picture.read_text()


def test_a_prefixed_name_must_stand_for_an_iri(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    output_of(capsys, "demo", "--store", url, "--json")
    assert raidt(["trace", "hospital:a b", "--store", url]) == 1
    assert capsys.readouterr().err == (
        "error: 'hospital:a b' stands for 'https://hospital.example/a b', which is not an IRI\n"
    )


def test_a_control_character_in_an_error_is_shown_not_obeyed(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A path typed with an escape sequence in it must not recolour, or rewrite, the terminal.
    missing = tmp_path / "x\x1b[31m.jsonl"
    capsys.readouterr()
    assert raidt(["record", str(missing), "--store", url]) == 1
    error = capsys.readouterr().err
    assert "\x1b" not in error
    assert "x\\x1b[31m.jsonl" in error


def test_demo_and_record_say_what_they_wrote_alike(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = json.loads(output_of(capsys, "demo", "--store", url, "--json"))
    again = json.loads(output_of(capsys, "demo", "--store", url, "--json"))
    assert len(first["written"]) == first["counts"]["records"] == 53
    assert first["unchanged"] == again["written"] == []
    assert sorted(again["unchanged"]) == sorted(first["written"])


def test_runs_take_a_sector_an_imported_run_has(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A PROV document may give a run any sector; the filter is refused only a sector no run has.
    document = tmp_path / "run.provn"
    document.write_text(
        "document\n  prefix ex <https://retail.example/>\n"
        "  prefix raidt <https://w3id.org/raidt#>\n"
        "  activity(ex:runs/r2, 2026-01-01T10:00:00Z, -, "
        "[prov:type='raidt:Run', raidt:sector=\"retail\"])\nendDocument\n"
    )
    output_of(capsys, "import", str(document), "--store", url)
    listed = json.loads(output_of(capsys, "runs", "--sector", "retail", "--json", "--store", url))
    assert [r["id"] for r in listed["data"]] == ["https://retail.example/runs/r2"]
    assert raidt(["runs", "--sector", "retial", "--store", url]) == 1
    assert "sector 'retial' is not one of" in capsys.readouterr().err


def test_a_line_break_in_what_was_typed_keeps_the_error_on_one_line(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "records\nmore.jsonl"
    capsys.readouterr()
    assert raidt(["record", str(missing), "--store", url]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "records\\x0amore.jsonl" in error


def test_trace_as_text_shows_what_it_promises_with_ids_whole(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The text answer has the prompts, models and reviews the JSON has, and a long id on a
    # narrow terminal wraps onto the next line instead of losing its end.
    monkeypatch.setenv("COLUMNS", "100")
    output_of(capsys, "demo", "--store", url, "--json")
    shown = output_of(capsys, "trace", "hospital:outputs/gp-referral-0412/letter", "--store", url)
    for section in ("prompts", "models", "reviews", "template versions", "approvals"):
        assert f"\n{section}\n" in shown
    assert "…" not in shown


def test_version_is_the_installed_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert output_of(capsys, "--version") == f"raidt {version('raidt-provenance')}\n"
