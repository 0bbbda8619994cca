"""What the `raidt` commands say and leave behind when asked plainly, mistyped or failing."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import uvicorn

from api.cli import run as raidt
from tests.factories import run


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'raidt.db'}"


def said(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = raidt(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_writes_the_format_its_output_s_suffix_names(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(run(1)))
    assert raidt(["record", str(records), "--store", url]) == 0
    turtle, provn = tmp_path / "out.ttl", tmp_path / "OUT.PROVN"
    assert said(capsys, "export", "-o", str(turtle), "--store", url)[2].startswith(
        "wrote PROV-O (Turtle) to"
    )
    assert turtle.read_text().startswith("@prefix")
    assert said(capsys, "export", "-o", str(provn), "--store", url)[0] == 0
    assert provn.read_text().startswith("document")
    # what import reads the file as, it reads back
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert raidt(["import", str(turtle), "--store", other]) == 0
    # an explicit --format wins; a suffix import does not know keeps the default, PROV-JSON
    assert said(capsys, "export", "-f", "json", "-o", str(turtle), "--store", url)[0] == 0
    assert json.loads(turtle.read_text())
    text = tmp_path / "out.txt"
    assert said(capsys, "export", "-o", str(text), "--store", url)[0] == 0
    assert json.loads(text.read_text())


def _never_serve(*_: object, **__: object) -> None:
    raise AssertionError("the service started")


@pytest.mark.parametrize(
    ("variable", "value", "takes"),
    [
        ("RAIDT_MAX_BODY", "abc", "a whole number of bytes above 0"),
        ("RAIDT_MAX_BODY", "5MB", "a whole number of bytes above 0"),
        ("RAIDT_MAX_BODY", "0", "a whole number of bytes above 0"),
        ("RAIDT_AUTH", "maybe", "true or false"),
    ],
)
def test_a_bad_setting_in_the_environment_is_one_line_naming_it(
    variable: str,
    value: str,
    takes: str,
    tmp_path: Path,
    url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr(uvicorn.Server, "run", _never_serve)
    keys = str(tmp_path / "keys.db")
    code, out, err = said(capsys, "serve", "--port", "0", "--store", url, "--keys", keys)
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {variable}={value} is not valid: it takes {takes}")
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def recorded(tmp_path: Path, url: str, *records: dict[str, object]) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    assert raidt(["record", str(path), "--store", url]) == 0
    path.unlink()


def tamper(url: str) -> None:
    """Delete every relation's row: each record's graph hash fails."""
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as db, db:
        db.execute("DELETE FROM edges")


def test_verify_lists_every_problem_a_line_each(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded(tmp_path, url, run(1), run(2))
    code, out, _ = said(capsys, "verify", "--store", url)
    assert (code, out.split(",")[0]) == (0, "ok: 2 records")
    tamper(url)
    code, out, err = said(capsys, "verify", "--store", url, "--json")
    problems = json.loads(out)["problems"]
    assert len(problems) == 2
    code, out, err = said(capsys, "verify", "--store", url)
    assert (code, out) == (1, "")
    lines = err.splitlines()
    first = problems[0]
    assert lines[0] == (
        f"FAILED: record {first['record']} (#{first['seq']}): {first['problem']}"
        f" ({len(problems)} problems in all)"
    )
    assert lines[1:] == [
        f"  record {p['record']} (#{p['seq']}): {p['problem']}" for p in problems[1:]
    ]


def test_a_mistyped_prefix_is_named_with_the_known_ones(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert said(capsys, "demo", "--store", url)[0] == 0
    known = "bank, config, corp, council, hospital, model, prov, raidt, xsd"
    for command in ("trace", "show", "export", "score"):
        code, out, err = said(capsys, command, "hospitl:outputs/x", "--store", url)
        assert (code, out) == (1, "")
        assert err == (
            "error: no node or record hospitl:outputs/x: 'hospitl' is not a prefix the store "
            f"knows (known: {known}), and nothing is stored under it as an IRI\n"
        )
    # a name with a known prefix, or an IRI of a scheme, that names nothing is simply not there
    for missing, full in (
        ("hospital:outputs/x", "https://hospital.example/outputs/x"),
        ("urn:x:y", "urn:x:y"),
    ):
        code, _, err = said(capsys, "trace", missing, "--store", url)
        assert (code, err) == (1, f"error: no node {full} in {url}\n")


@pytest.mark.parametrize("given", ["missing.toml", "t/missing.toml", "./general", "rubrics/strict"])
def test_a_rubric_file_that_is_not_there_is_said_not_to_exist(
    given: str, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = said(capsys, "weak-points", "--rubric", given, "--store", url)
    assert (code, out, err) == (1, "", f"error: {given}: the rubric file does not exist\n")
    code, _, err = said(capsys, "weak-points", "--rubric", "strict", "--store", url)
    assert err == "error: no rubric 'strict': give a .toml file or one of: general, healthcare\n"


def test_a_rubric_s_mistake_names_its_check_by_id(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rubric = tmp_path / "mine.toml"
    rubric.write_text(
        'name = "mine"\ntitle = "Mine"\n'
        '[[checks]]\nid = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
        '[[checks]]\nid = "reviewer-distinct"\npillar = "responsibility"\nweight = 0\n'
        '[[checks]]\npillar = "responsibility"\nweight = -1\n'
    )
    code, _, err = said(capsys, "weak-points", "--rubric", str(rubric), "--store", url)
    assert code == 1
    assert err == (
        f"error: {rubric}: not a valid rubric: "
        "checks.1.weight: Input should be greater than 0 (in the check 'reviewer-distinct'); "
        "checks.2.id: Field required; checks.2.weight: Input should be greater than 0\n"
    )


def test_keys_list_makes_no_keys_file(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "raidt-keys.db"
    code, out, _ = said(capsys, "keys", "list", "--store", url)
    assert (code, out) == (
        0,
        f"no API keys: there is no keys file {keys}; `raidt keys create` makes one\n",
    )
    assert said(capsys, "keys", "list", "--store", url, "--json")[1] == "[]\n"
    code, _, err = said(capsys, "keys", "revoke", "abcd", "--store", url)
    assert (code, err) == (1, f"error: no API key 'abcd': there is no keys file {keys}\n")
    assert list(tmp_path.iterdir()) == []


def test_one_of_a_thing_is_counted_as_one(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded(tmp_path, url, run(1))
    out = said(capsys, "verify", "--store", url)[1]
    assert out.startswith("ok: 1 record, chain head ")
    document = tmp_path / "doc.provn"
    document.write_text("document\n prefix ex <http://example.org/>\n entity(ex:e)\nendDocument\n")
    out = said(capsys, "import", str(document), "--store", url)[1]
    assert out.endswith(": imported (1 element, 0 relations)\n")
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    out = said(capsys, "copy", "--from", url, "--to", copy)[1]
    assert out.startswith(f"copied 2 of 2 records to {copy}")
    tamper(url)
    assert said(capsys, "verify", "--store", url)[2].endswith(" (1 problem in all)\n")


def test_accountable_with_no_actions_says_none(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert said(capsys, "demo", "--store", url)[0] == 0
    code, out, _ = said(capsys, "accountable", "hospital:people/dr-niamh-byrne", "--store", url)
    assert (code, out.splitlines()) == (
        0,
        [
            "actions hospital:people/dr-niamh-byrne held authority over",
            "none: no recorded action was done under their authority, directly or by delegation",
        ],
    )
