"""Evidence packs: built with `raidt evidence`, checked offline with `raidt verify-pack`.

The hand-built run is well governed: Ana runs it (2026-01-01 10:00:00-10:00:30) on template
tpl/v1 (approved by Sam on 2025-12-15), Cy reviews it at 10:50 and revises out/1-1 into out/1-1r,
Bo approves the revision with edits at 11:00 for Lu under a valid delegation, and Di enters it at
12:00 naming the approval. Expected contents are worked out from those records by hand.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import resource
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prov.constants import PROV_N_MAP
from prov.model import ProvDocument
from pydantic import ValidationError

from api.cli import run as raidt
from api.console import write_output
from provenance.errors import InvalidRecord
from provenance.formats import FORMATS
from provenance.identifiers import STANDARD_NAMESPACES
from provenance.ingest import import_document
from provenance.integrity import verify
from provenance.stores import SQLiteStore
from provenance.stores import plan as plan_module
from provenance.stores import sqlite as sqlite_module
from queries.context import Moment
from queries.evidence import build_pack, pack_files
from queries.scores import CARRIED, Rubric, load_rubric
from tests.conftest import put
from tests.factories import h, iri, person, rubric_before_critical
from tests.factories import run as factory_run

PACK_FILES = {
    "manifest.json",
    "README.txt",
    "prov.json",
    "prov.provn",
    "trace.json",
    "authority.json",
    "score.json",
    "timeline.json",
    "records.jsonl",
    "rubric.json",
    "lineage.svg",
}
REBUILT = sorted(PACK_FILES - {"manifest.json"})
GENERAL = load_rubric("general").sha256()
BY_GENERAL = f"its score names the shipped rubric 'general' (SHA-256 {GENERAL})"
"""What verify-pack says of a pack judged by the shipped general rubric."""
"""The files verify-pack builds again from the store and compares: all but the manifest."""
RUN1 = iri("runs/1")
OUT, REV = iri("out/1-1"), iri("out/1-1r")
REVIEW, APPROVAL, ACTION = iri("reviews/1"), iri("approvals/1"), iri("actions/1")
TEMPLATE, TEMPLATE_APPROVAL = iri("tpl/v1"), iri("approvals/tpl-v1")
DELEGATION = iri("delegations/bo-for-lu")


def people(*names: str) -> set[str]:
    return {iri(f"people/{name}") for name in names}


def records() -> list[dict[str, Any]]:
    """The records of the hand-built run, in the order they must be written."""
    return [
        {
            "type": "delegation",
            "id": DELEGATION,
            "delegate": person("bo", "consultant"),
            "responsible": person("lu", "clinical director"),
            "scope": ["discharge summary"],
            "valid_from": "2025-01-01T00:00:00+00:00",
        },
        {
            "type": "template_version",
            "id": TEMPLATE,
            "template": iri("tpl"),
            "version": "v1",
            "content_hash": h("tpl/v1"),
            "author": person("tess", "prompt engineer"),
            "created_at": "2025-12-01T09:00:00+00:00",
        },
        {
            "type": "approval",
            "id": TEMPLATE_APPROVAL,
            "at": "2025-12-15T09:00:00+00:00",
            "target": TEMPLATE,
            "approver": person("sam", "clinical safety officer"),
            "decision": "approved",
            "rationale": "hazard log reviewed",
        },
        factory_run(
            1,
            inputs=[
                {
                    "id": iri("docs/1"),
                    "content_hash": h("doc 1"),
                    "uri": "https://ehr.test.example/docs/1",
                }
            ],
            purpose="draft the discharge summary for the GP",
            workflow="inpatient-discharge",
            policy={"workflow_approved": True},
        ),
        {
            "type": "review",
            "id": REVIEW,
            "at": "2026-01-01T10:50:00+00:00",
            "target": OUT,
            "reviewer": person("cy", "registrar"),
            "comment": "dose corrected",
            "revision": {"id": REV, "content_hash": h(REV)},
        },
        {
            "type": "approval",
            "id": APPROVAL,
            "at": "2026-01-01T11:00:00+00:00",
            "target": REV,
            "approver": person("bo", "consultant"),
            "decision": "approved-with-edits",
            "rationale": "registrar's correction confirmed",
            "on_behalf_of": iri("people/lu"),
        },
        {
            "type": "action",
            "id": ACTION,
            "at": "2026-01-01T12:00:00+00:00",
            "target": REV,
            "approval": APPROVAL,
            "actor": person("di", "ward clerk"),
            "description": "entered into the patient record",
        },
    ]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = raidt(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def unzip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as pack:
        return {name: pack.read(name) for name in pack.namelist()}


def unzip_bytes(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def rezip(path: Path, contents: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as pack:
        for name, data in contents.items():
            pack.writestr(name, data)
    return path


def holds(stored: Any, written: Any) -> bool:
    """Whether ``stored`` holds everything in ``written``, times compared as times."""
    if isinstance(written, dict):
        return isinstance(stored, dict) and all(
            k in stored and holds(stored[k], v) for k, v in written.items()
        )
    if isinstance(written, list):
        return len(stored) == len(written) and all(map(holds, stored, written))
    if isinstance(written, str) and written[:2] == "20" and "T" in written:
        return datetime.fromisoformat(stored) == datetime.fromisoformat(written)
    return bool(stored == written)


def lines(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The hand-built run in a store file, and its evidence pack written by the CLI."""
    folder = tmp_path_factory.mktemp("pack")
    url = f"sqlite:///{folder / 'store.db'}"
    store = SQLiteStore(folder / "store.db")
    put(store, *records())
    store.close()
    pack = folder / "pack.zip"
    assert raidt(["evidence", RUN1, "-o", str(pack), "--store", url]) == 0
    return pack, url


@pytest.fixture
def pack(built: tuple[Path, str]) -> bytes:
    return built[0].read_bytes()


# --------------------------------------------------------------------------------------------
# A pack for the hand-built run
# --------------------------------------------------------------------------------------------


def test_evidence_command_writes_the_pack(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = built
    target = tmp_path / "again.zip"
    code, out, err = cli(capsys, "evidence", "test:runs/1", "-o", str(target), "--store", url)
    assert code == 0
    assert out == ""
    size = len(target.read_bytes())
    assert err.strip() == f"wrote evidence pack ({size} bytes) to {target}"
    assert set(unzip(target)) == PACK_FILES


def test_pack_holds_exactly_the_ten_files(built: tuple[Path, str]) -> None:
    with zipfile.ZipFile(built[0]) as opened:
        names = opened.namelist()
    assert sorted(names) == sorted(PACK_FILES)
    assert len(names) == 11  # no name twice


def test_manifest_lists_every_other_file_with_its_hash(pack: bytes) -> None:
    contents = unzip_bytes(pack)
    manifest = json.loads(contents["manifest.json"])
    assert manifest["format"] == "raidt-evidence-pack/1"
    assert manifest["run"] == RUN1
    # as of the store's last record, the action, and named by its time as well
    assert manifest["store_records"] == 7
    assert manifest["as_of"] == lines(contents["records.jsonl"])[0]["recorded_at"]
    assert len(manifest["store_chain_head"]) == 64
    assert manifest["files"] == {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in contents.items()
        if name != "manifest.json"
    }
    assert set(manifest["files"]) == PACK_FILES - {"manifest.json"}
    assert f"RAIDT evidence pack for run {RUN1}" in contents["README.txt"].decode()


def test_verify_pack_passes(built: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "verify-pack", str(built[0]))
    assert (code, err) == (0, "")
    # 10 files besides the manifest; 7 records (see test_records_are_the_run_and_its_events)
    # offline it claims no more than that the pack agrees with itself
    assert out.strip() == (
        f"ok: 10 files match the manifest and 7 records their content hashes (run {RUN1}); "
        f"{BY_GENERAL}; offline that is all: nothing in a pack is signed, so files and "
        "manifest can be rewritten together, and nothing ties the reports to the records; only "
        "--store proves the records and reports are the store's"
    )
    code, out, _ = cli(capsys, "verify-pack", str(built[0]), "--json")
    assert code == 0
    assert json.loads(out) == {
        "ok": True,
        "run": RUN1,
        "files": 10,
        "records": 7,
        "store": None,
        "compared": [],
        "as_of": {"record": None, "time": None},
        "problems": [],
        "warnings": [],
        "rubric": {"name": "general", "sha256": GENERAL, "source": "shipped"},
    }


def test_verify_pack_against_its_store(
    built: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built
    code, out, err = cli(capsys, "verify-pack", str(pack), "--store", url)
    assert (code, err) == (0, "")
    written = SQLiteStore(Path(url.removeprefix("sqlite:///"))).record(ACTION)
    assert written is not None
    assert written.seq == 7
    assert out.strip() == (
        f"ok: 10 files match the manifest and 7 records their content hashes (run {RUN1}); "
        f"{BY_GENERAL}; the store {url} passes verification, holds every record and, as of "
        f"its record 7 (written "
        f"{written.recorded_at}), gives the same {', '.join(REBUILT)}"
    )


def test_verify_pack_names_only_the_files_it_compared(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # lineage.svg is optional: a pack without it passes, but no picture was compared
    pack, url = built

    def change(contents: dict[str, bytes]) -> None:
        del contents["lineage.svg"]
        manifest = json.loads(contents["manifest.json"])
        del manifest["files"]["lineage.svg"]
        contents["manifest.json"] = json.dumps(manifest).encode()

    path = tampered(pack.read_bytes(), tmp_path, change)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url)
    assert code == 0
    compared = [name for name in REBUILT if name != "lineage.svg"]
    assert out.strip().endswith(f"gives the same {', '.join(compared)}")
    assert "picture" not in out


def _relations(document: ProvDocument) -> set[tuple[str, str, str]]:
    found = set()
    for record in document.get_records():
        if record.is_relation():
            first, second = (value for _, value in record.formal_attributes[:2])
            found.add((PROV_N_MAP[record.get_type()], first.uri, second.uri))
    return found


def test_prov_json_is_a_prov_document_of_the_run(pack: bytes) -> None:
    document = ProvDocument.deserialize(
        content=unzip_bytes(pack)["prov.json"].decode(), format="json"
    )
    elements = {r.identifier.uri for r in document.get_records() if r.is_element()}
    assert {RUN1, OUT, REV, REVIEW, APPROVAL, ACTION, TEMPLATE, TEMPLATE_APPROVAL} <= elements
    # initiator, reviewer, approver, executor, the one the approver stood for, template approver
    assert people("ana", "cy", "bo", "di", "lu", "sam") <= elements
    relations = _relations(document)
    assert {
        ("wasGeneratedBy", OUT, RUN1),
        ("wasGeneratedBy", REV, REVIEW),
        ("used", REVIEW, OUT),
        ("used", APPROVAL, REV),
        ("used", ACTION, REV),
        ("wasInformedBy", ACTION, APPROVAL),
        ("wasAssociatedWith", RUN1, iri("people/ana")),
        ("wasAssociatedWith", APPROVAL, iri("people/bo")),
        ("wasAssociatedWith", ACTION, iri("people/di")),
        ("actedOnBehalfOf", iri("people/bo"), iri("people/lu")),
    } <= relations
    provn = unzip_bytes(pack)["prov.provn"].decode()
    assert provn.startswith("document")
    assert provn.rstrip().endswith("endDocument")
    assert "wasInformedBy(" in provn


def test_timeline_is_every_event_in_time_order(pack: bytes) -> None:
    timeline = json.loads(unzip_bytes(pack)["timeline.json"])
    assert [(row["time"], row["type"], row["id"]) for row in timeline] == [
        ("2025-12-15T09:00:00+00:00", "template-approval", TEMPLATE_APPROVAL),
        ("2026-01-01T10:00:00+00:00", "run", RUN1),
        ("2026-01-01T10:50:00+00:00", "review", REVIEW),
        ("2026-01-01T11:00:00+00:00", "approval", APPROVAL),
        ("2026-01-01T12:00:00+00:00", "action", ACTION),
    ]
    assert timeline[1]["people"] == [{"agent": iri("people/ana"), "role": "initiator"}]
    assert timeline[3] == {
        "time": "2026-01-01T11:00:00+00:00",
        "type": "approval",
        "id": APPROVAL,
        "subject": REV,
        "people": [{"agent": iri("people/bo"), "role": "approver"}],
        "decision": "approved-with-edits",
        "rationale": "registrar's correction confirmed",
    }
    assert timeline[2]["subject"] == OUT
    assert timeline[4]["subject"] == REV


def test_records_are_the_run_and_its_events(pack: bytes) -> None:
    rows = lines(unzip_bytes(pack)["records.jsonl"])
    # the records behind the bundle, sorted by id, then the delegation on the authority path
    assert [(row["id"], row["kind"]) for row in rows] == [
        (ACTION, "action"),
        (APPROVAL, "approval"),
        (TEMPLATE_APPROVAL, "approval"),
        (REVIEW, "review"),
        (RUN1, "run"),
        (TEMPLATE, "template_version"),
        (DELEGATION, "delegation"),
    ]
    for row in rows:
        assert row["content_hash"] == "sha256:" + hashlib.sha256(row["body"].encode()).hexdigest()
        assert len(row["chain_hash"]) == 64
        assert row["recorded_at"]
    bodies = {row["id"]: json.loads(row["body"]) for row in rows}
    written = {record["id"]: record for record in records()}
    for record_id, body in bodies.items():
        # every field written is in the stored body (which adds defaults such as kind, and may
        # write +00:00 as Z)
        assert holds(body, written[record_id]), record_id


def test_score_and_authority_in_the_pack(pack: bytes) -> None:
    contents = unzip_bytes(pack)
    profile = json.loads(contents["score.json"])
    # every applicable check passes on this run (see the module docstring)
    assert profile["run"] == RUN1
    assert profile["overall"] == {"score": 100.0, "rating": "strong"}
    assert [c["id"] for c in profile["checks"] if c["passed"] is False] == []
    powers = json.loads(contents["authority.json"])
    assert list(powers) == [ACTION]
    # Di executed it, Bo approved what it used, Lu stands behind Bo by delegation
    assert [(x["agent"], x["basis"], x["valid"]) for x in powers[ACTION]["holders"]] == [
        (iri("people/di"), "executor", True),
        (iri("people/bo"), "approver", True),
        (iri("people/lu"), "delegation", True),
    ]
    traces = json.loads(contents["trace.json"])
    assert sorted(traces) == [OUT, REV]
    assert [r["id"] for r in traces[REV]["runs"]] == [RUN1]


# --------------------------------------------------------------------------------------------
# The demo discharge summary
# --------------------------------------------------------------------------------------------

H = "https://hospital.example"


@pytest.fixture(scope="module")
def demo_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    assert raidt(["demo", "--store", url]) == 0
    pack = folder / "discharge.zip"
    assert raidt(["evidence", "hospital:runs/discharge-0412", "-o", str(pack), "--store", url]) == 0
    return pack


def test_demo_discharge_summary_pack(demo_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contents = unzip(demo_pack)
    assert set(contents) == PACK_FILES
    code, out, _ = cli(capsys, "verify-pack", str(demo_pack))
    assert code == 0
    assert out.startswith("ok: 10 files match the manifest and ")
    run = f"{H}/runs/discharge-0412"
    timeline = json.loads(contents["timeline.json"])
    # provenance/demo/README.md and 10_healthcare.jsonl: template v3 approved, the run, the
    # review with its revision, the approval with edits, the EHR entry
    assert [(row["time"], row["type"], row["id"]) for row in timeline] == [
        (
            "2026-02-26T10:00:00+00:00",
            "template-approval",
            f"{H}/approvals/template-discharge-summary-v3",
        ),
        ("2026-03-02T09:14:00+00:00", "run", run),
        ("2026-03-02T09:41:00+00:00", "review", f"{H}/reviews/discharge-0412-r1"),
        ("2026-03-02T10:05:00+00:00", "approval", f"{H}/approvals/discharge-0412-a1"),
        ("2026-03-02T10:20:00+00:00", "action", f"{H}/actions/discharge-0412-ehr-entry"),
    ]
    document = ProvDocument.deserialize(content=contents["prov.json"].decode(), format="json")
    elements = {r.identifier.uri for r in document.get_records() if r.is_element()}
    assert {
        run,
        f"{H}/outputs/discharge-0412/summary",
        f"{H}/outputs/discharge-0412/summary-rev1",
        f"{H}/reviews/discharge-0412-r1",
        f"{H}/approvals/discharge-0412-a1",
        f"{H}/actions/discharge-0412-ehr-entry",
        f"{H}/people/dr-niamh-byrne",
        f"{H}/people/dr-tomas-reyes",
        f"{H}/people/dr-amara-okafor",
        f"{H}/people/daniel-mensah",
        f"{H}/people/dr-henrik-lund",
    } <= elements
    rows = lines(contents["records.jsonl"])
    ids = [row["id"] for row in rows]
    assert {
        run,
        f"{H}/reviews/discharge-0412-r1",
        f"{H}/approvals/discharge-0412-a1",
        f"{H}/actions/discharge-0412-ehr-entry",
        f"{H}/templates/discharge-summary/v3",
        f"{H}/approvals/template-discharge-summary-v3",
        # Okafor for Lund, Lund for the hospital: the authority path of the EHR entry
        f"{H}/delegations/okafor-for-lund-2026",
        f"{H}/delegations/lund-for-hospital",
    } <= set(ids)
    assert len(ids) == len(set(ids))
    for row in rows:
        assert row["content_hash"] == "sha256:" + hashlib.sha256(row["body"].encode()).hexdigest()


def test_a_pack_made_before_scores_named_their_rubric_still_checks_out(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Packs made before scores carried rubric_sha256 hold no such key: they are not forgeries.
    pack, url = built

    def older(contents: dict[str, bytes]) -> None:
        score = json.loads(contents["score.json"])
        del score["rubric_sha256"]
        contents["score.json"] = (json.dumps(score, indent=2, sort_keys=True) + "\n").encode()
        _fix_manifest(contents, "score.json")

    path = tampered(pack.read_bytes(), tmp_path, older)
    code, _, err = cli(capsys, "verify-pack", str(path), "--store", url)
    assert (code, err) == (0, "")


def test_a_pack_made_before_traces_told_withdrawals_and_authority_rests_on_checks_out(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Packs made before a trace said whether each approval was withdrawn, and before authority
    # named what an action rests on so, hold neither key: they are not forgeries.
    pack, url = built

    def older(contents: dict[str, bytes]) -> None:
        traces = json.loads(contents["trace.json"])
        approvals = [a for answer in traces.values() for a in answer["approvals"]]
        assert approvals
        for approval in approvals:
            del approval["withdrawn"]
        powers = json.loads(contents["authority.json"])
        assert powers
        for answer in powers.values():
            del answer["rests_on"]
        for name, data in (("trace.json", traces), ("authority.json", powers)):
            contents[name] = (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()
            _fix_manifest(contents, name)

    path = tampered(pack.read_bytes(), tmp_path, older)
    code, _, err = cli(capsys, "verify-pack", str(path), "--store", url)
    assert (code, err) == (0, "")


def test_a_pack_judged_by_a_shipped_rubric_before_critical_checks_still_checks_out(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # an older pack carries the general rubric as shipped then, and its score rated by it
    pack, url = built
    before = rubric_before_critical("general")

    def older(contents: dict[str, bytes]) -> None:
        score = json.loads(contents["score.json"])
        del score["critical_failed"]
        for rated in [*score["pillars"].values(), score["overall"]]:
            rated["rating"] = before.rating(rated["score"])
        score["rubric_sha256"] = before.sha256()
        contents["score.json"] = (json.dumps(score, indent=2, sort_keys=True) + "\n").encode()
        contents["rubric.json"] = before.canonical()
        _fix_manifest(contents, "score.json")
        _fix_manifest(contents, "rubric.json")

    path = tampered(pack.read_bytes(), tmp_path, older)
    code, out, err = cli(capsys, "verify-pack", str(path))
    assert (code, err) == (0, "")
    assert (
        "its score names an earlier version of the shipped rubric 'general', carried in the "
        f"pack (SHA-256 {before.sha256()})"
    ) in out
    code, _, err = cli(capsys, "verify-pack", str(path), "--store", url)
    assert (code, err) == (0, "")


# --------------------------------------------------------------------------------------------
# Tampering
# --------------------------------------------------------------------------------------------


def tampered(pack: bytes, tmp_path: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    contents = unzip_bytes(pack)
    change(contents)
    return rezip(tmp_path / "tampered.zip", contents)


def verify_fails(
    capsys: pytest.CaptureFixture[str], path: Path, problems: list[str]
) -> dict[str, Any]:
    """verify-pack exits 1 with every problem on stderr, a line each; --json lists them too."""
    code, out, err = cli(capsys, "verify-pack", str(path))
    assert code == 1
    assert out == ""
    counted = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
    assert err.splitlines() == [
        f"FAILED: {problems[0]} ({counted} in all)",
        *(f"  {problem}" for problem in problems[1:]),
    ]
    code, out, _ = cli(capsys, "verify-pack", str(path), "--json")
    assert code == 1
    report: dict[str, Any] = json.loads(out)
    assert report["ok"] is False
    assert report["problems"] == problems
    return report


def flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    while not chr(data[middle]).isalnum():  # stay ASCII: the change is one letter or digit
        middle += 1
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


@pytest.mark.parametrize(
    "name",
    sorted(PACK_FILES - {"manifest.json", "records.jsonl"}),
)
def test_one_changed_byte_is_caught(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        contents[name] = flip_one_byte(contents[name])

    report = verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [f"{name}: SHA-256 does not match the manifest"],
    )
    assert report["files"] == 9  # the other nine still match
    assert report["records"] == 7


def test_changed_byte_in_records_is_caught_by_both_checks(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # line 5 is the run's record; change one letter of its task inside the body
    def change(contents: dict[str, bytes]) -> None:
        contents["records.jsonl"] = contents["records.jsonl"].replace(
            b"discharge summary", b"discharge summarz", 1
        )

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [
            "records.jsonl: SHA-256 does not match the manifest",
            f"records.jsonl:5: {RUN1} does not match its content hash",
        ],
    )


def test_removed_file_is_caught(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = verify_fails(
        capsys,
        tampered(pack, tmp_path, lambda contents: contents.pop("trace.json")),
        ["trace.json: listed in the manifest but missing"],
    )
    assert report["files"] == 9


def test_added_file_is_caught(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        contents["notes.txt"] = b"nothing to see\n"

    report = verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        ["notes.txt: not a file an evidence pack holds", "notes.txt: not listed in the manifest"],
    )
    assert report["files"] == 10


def _fix_manifest(contents: dict[str, bytes], name: str) -> None:
    manifest = json.loads(contents["manifest.json"])
    manifest["files"][name] = {
        "sha256": hashlib.sha256(contents[name]).hexdigest(),
        "bytes": len(contents[name]),
    }
    contents["manifest.json"] = json.dumps(manifest).encode()


def test_edited_record_body_is_caught_even_with_the_manifest_fixed(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        rows = lines(contents["records.jsonl"])
        assert rows[4]["id"] == RUN1
        rows[4]["body"] = rows[4]["body"].replace(
            '"task":"discharge summary"', '"task":"credit memo"'
        )
        assert "credit memo" in rows[4]["body"]
        contents["records.jsonl"] = "".join(json.dumps(row) + "\n" for row in rows).encode()
        _fix_manifest(contents, "records.jsonl")

    report = verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [f"records.jsonl:5: {RUN1} does not match its content hash"],
    )
    assert report["files"] == 10  # every file matches the (rewritten) manifest


SUMS = "score.json: '{}' is not what its checks' results add up to under rubric 'general'"


def _rescored(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, bytes]], None]:
    """A change to score.json, written back with the manifest fixed to match."""

    def change(contents: dict[str, bytes]) -> None:
        scored = json.loads(contents["score.json"])
        edit(scored)
        contents["score.json"] = json.dumps(scored).encode()
        _fix_manifest(contents, "score.json")

    return change


def _first_passed(scored: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in scored["checks"] if c["passed"] and c["pillar"] == "auditability")


@pytest.mark.parametrize(
    ("edit", "problems"),
    [
        (
            lambda s: s["overall"].update(
                rating="weak" if s["overall"]["rating"] != "weak" else "strong"
            ),
            [SUMS.format("overall")],
        ),
        (
            lambda s: _first_passed(s).update(passed=False),
            [SUMS.format("pillars"), SUMS.format("overall")],
        ),
        (
            lambda s: _first_passed(s).update(weight=99.0),
            ["score.json: its checks are not rubric 'general''s, each once, as it weighs them"],
        ),
        (
            lambda s: s["checks"].pop(),
            ["score.json: its checks are not rubric 'general''s, each once, as it weighs them"],
        ),
    ],
    ids=["rating", "a result", "a weight", "a check left out"],
)
def test_a_score_that_does_not_add_up_is_caught_offline(
    pack: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[dict[str, Any]], None],
    problems: list[str],
) -> None:
    # Offline, only the pack's own files can be compared: the score's sums against its checks
    # under the rubric it names, whatever each check's result.
    verify_fails(capsys, tampered(pack, tmp_path, _rescored(edit)), problems)


def test_pack_without_manifest_fails_in_one_line(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tampered(pack, tmp_path, lambda contents: contents.pop("manifest.json"))
    code, out, err = cli(capsys, "verify-pack", str(path))
    assert (code, out) == (1, "")
    assert err.strip() == f"error: {path}: the pack has no readable manifest.json"


def test_file_that_is_not_a_zip_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pack.zip"
    path.write_text("this is not a zip file\n")
    code, out, err = cli(capsys, "verify-pack", str(path))
    assert (code, out) == (1, "")
    assert len(err.strip().splitlines()) == 1
    assert err.strip() == f"error: {path}: not a readable evidence pack: File is not a zip file"


def test_missing_pack_fails_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "absent.zip"
    code, _, err = cli(capsys, "verify-pack", str(path))
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: {path}: not a readable evidence pack")


def test_records_file_made_invalid_utf8_is_reported_not_crashed(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Changing one byte of records.jsonl to 0xFF is a one-byte tamper like any other: it is
    # reported (the file is no longer UTF-8), not a crash while decoding it.
    def change(contents: dict[str, bytes]) -> None:
        data = contents["records.jsonl"]
        middle = data.index(b"discharge summary")
        contents["records.jsonl"] = data[:middle] + b"\xff" + data[middle + 1 :]

    path = tampered(pack, tmp_path, change)
    code, _, err = cli(capsys, "verify-pack", str(path))
    assert code == 1
    assert "records.jsonl" in err


def test_record_line_without_id_is_reported_not_crashed(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A records.jsonl line whose body does not match and which has no "id" is reported by its
    # line number: there is no id to name it by.
    def change(contents: dict[str, bytes]) -> None:
        rows = lines(contents["records.jsonl"])
        del rows[4]["id"]
        rows[4]["body"] = rows[4]["body"].replace("discharge summary", "credit memo")
        contents["records.jsonl"] = "".join(json.dumps(row) + "\n" for row in rows).encode()
        _fix_manifest(contents, "records.jsonl")

    path = tampered(pack, tmp_path, change)
    code, _, err = cli(capsys, "verify-pack", str(path))
    assert code == 1
    assert "records.jsonl:5" in err


def _forge_record(contents: dict[str, bytes], line: int, old: str, new: str) -> None:
    """Rewrite one record's body and recompute its content hash and the manifest: a forgery
    that every check inside the pack passes."""
    rows = lines(contents["records.jsonl"])
    assert old in rows[line]["body"]
    rows[line]["body"] = rows[line]["body"].replace(old, new)
    rows[line]["content_hash"] = "sha256:" + hashlib.sha256(rows[line]["body"].encode()).hexdigest()
    contents["records.jsonl"] = "".join(json.dumps(row) + "\n" for row in rows).encode()
    _fix_manifest(contents, "records.jsonl")


def test_a_forged_record_passes_offline_but_not_against_the_store(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built
    path = tampered(
        pack.read_bytes(),
        tmp_path,
        lambda contents: _forge_record(contents, 4, "discharge summary", "credit memo"),
    )
    code, _, _ = cli(capsys, "verify-pack", str(path))
    assert code == 0  # offline, a consistent rewrite cannot be told apart
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        f"records.jsonl:5: {RUN1} differs from the store's record in content_hash",
        f"records.jsonl: not what the store gives for run {RUN1} as of record 7",
    ]


def test_a_record_the_store_never_held_is_named(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built

    def change(contents: dict[str, bytes]) -> None:
        rows = lines(contents["records.jsonl"])
        rows[0]["id"] = iri("runs/invented")
        contents["records.jsonl"] = "".join(json.dumps(row) + "\n" for row in rows).encode()
        _fix_manifest(contents, "records.jsonl")

    path = tampered(pack.read_bytes(), tmp_path, change)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        f"records.jsonl:1: {iri('runs/invented')} is not in the store",
        f"records.jsonl: not what the store gives for run {RUN1} as of record 7",
    ]


def copy_store(url: str, path: Path) -> sqlite3.Connection:
    """A copy of the store file behind ``url`` at ``path``, opened."""
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    source.backup(target := sqlite3.connect(path))
    source.close()
    return target


def _forge_score(contents: dict[str, bytes]) -> None:
    """The overall score raised to 100, with the manifest's hash and size to match."""
    profile = json.loads(contents["score.json"])
    profile["overall"]["score"] = 100.0
    contents["score.json"] = json.dumps(profile).encode()
    _fix_manifest(contents, "score.json")


def _forge_picture(contents: dict[str, bytes]) -> None:
    """Another name drawn into the lineage picture, with the manifest's hash and size to match."""
    contents["lineage.svg"] = contents["lineage.svg"].replace(b"Bo", b"Al")
    _fix_manifest(contents, "lineage.svg")


def _forge_prefix(contents: dict[str, bytes]) -> None:
    """Every id moved to another site by its prefix alone, with the manifest to match."""
    document = json.loads(contents["prov.json"])
    document["prefix"] = {
        p: u.replace("test.example", "evil.example") for p, u in document["prefix"].items()
    }
    contents["prov.json"] = json.dumps(document).encode()
    _fix_manifest(contents, "prov.json")


def _forge_prov_prefix(contents: dict[str, bytes]) -> None:
    """PROV's own prefix bound elsewhere in prov.json alone, with the manifest to match."""
    document = json.loads(contents["prov.json"])
    document["prefix"] = {**document["prefix"], "prov": "https://evil.example/prov#"}
    contents["prov.json"] = json.dumps(document).encode()
    _fix_manifest(contents, "prov.json")


@pytest.mark.parametrize(
    ("forge", "forged"),
    [
        (_forge_score, ["score.json"]),
        (_forge_picture, ["lineage.svg"]),
    ],
)
def test_a_forged_report_or_picture_passes_offline_but_not_against_the_store(
    built: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    forge: Callable[[dict[str, bytes]], None],
    forged: list[str],
) -> None:
    pack, url = built
    path = tampered(pack.read_bytes(), tmp_path, forge)
    code, _, _ = cli(capsys, "verify-pack", str(path))
    assert code == 0  # offline, a consistent rewrite cannot be told apart
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        f"{name}: not what the store gives for run {RUN1} as of record 7" for name in forged
    ]
    # a report that differs may be one an earlier raidt built by other rules: the warning says
    # so, and how to build this raidt's pack to compare
    assert json.loads(out)["warnings"] == [
        "reports are rebuilt by this raidt's rules: one that differs was changed after the pack "
        "was built, or built by a raidt whose rules differ (a later fix in how a question reads "
        f"the graph); `raidt evidence {RUN1}` as of record 7's time builds this raidt's pack to "
        "compare"
    ]


def _forge_prefix_name(contents: dict[str, bytes]) -> None:
    """A prefix no PROV-N reader takes, for the store's namespace, with the manifest to match."""
    document = json.loads(contents["prov.json"])
    document["prefix"] = {**document["prefix"], "t e>st": "https://test.example/"}
    contents["prov.json"] = json.dumps(document).encode()
    _fix_manifest(contents, "prov.json")


@pytest.mark.parametrize(
    ("forge", "problems"),
    [
        # every id moved to another site by its prefix alone
        (
            _forge_prefix,
            [
                "prov.json: prefix 'test' names https://evil.example/, which neither the store "
                "nor a standard prefix binds it to"
            ],
        ),
        # PROV's own prefixes are not the pack's to bind
        (
            _forge_prov_prefix,
            [
                "prov.json: prefix 'prov' names https://evil.example/prov#, which neither the "
                "store nor a standard prefix binds it to"
            ],
        ),
        # a name no PROV-N reader takes, for the store's namespace
        (
            _forge_prefix_name,
            [
                "prov.json: prefix 't e>st' names https://test.example/, which neither the store "
                "nor a standard prefix binds it to"
            ],
        ),
    ],
)
def test_a_pack_declaring_prefixes_the_store_does_not_fails_against_it(
    built: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    forge: Callable[[dict[str, bytes]], None],
    problems: list[str],
) -> None:
    # The pack's PROV is written again with the prefixes it declares: only the store's own, and
    # the standard ones, may be among them, each a prefix PROV-N can write.
    pack, url = built
    path = tampered(pack.read_bytes(), tmp_path, forge)
    code, _, _ = cli(capsys, "verify-pack", str(path))
    assert code == 0  # offline, a consistent rewrite cannot be told apart
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == problems


def later_challenge(name: str) -> dict[str, Any]:
    """A challenge to the run's revised output, the day after: written after the pack."""
    return {
        "type": "challenge",
        "id": iri(name),
        "at": "2026-01-02T09:00:00+00:00",
        "target": REV,
        "challenger": person("gp", "general practitioner"),
        "grounds": "the dose still looks high",
    }


def grown_copy(url: str, folder: Path) -> tuple[Path, SQLiteStore]:
    """A copy of the pack's store, opened, for a test to grow after the pack was built."""
    grown = folder / "grown.db"
    copy_store(url, grown).close()
    return grown, SQLiteStore(grown)


def test_a_pack_checks_against_its_store_after_the_store_has_grown(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Records written after the pack (a challenge to the run's output, a filed copy of the
    # output under a new prefix) change today's reports, but the pack is rebuilt as of its own
    # record 7, its PROV written with the prefixes it declares.
    pack, url = built
    grown, later = grown_copy(url, tmp_path)
    put(later, later_challenge("challenges/1"))
    # and a prefix for the outputs' own namespace, which would write their ids otherwise
    filed = """document
  prefix outs <https://test.example/out/>
  entity(outs:1-1r-filed, [prov:label="discharge letter, as filed later"])
  wasDerivedFrom(outs:1-1r-filed, outs:1-1r)
endDocument
"""
    import_document(filed, FORMATS["provn"], later, source="later.provn")
    later.close()
    code, out, _ = cli(capsys, "verify-pack", str(pack), "--store", f"sqlite:///{grown}", "--json")
    assert (code, json.loads(out)["problems"]) == (0, [])
    today = tmp_path / "today.zip"
    assert raidt(["evidence", RUN1, "-o", str(today), "--store", f"sqlite:///{grown}"]) == 0
    for name in ("timeline.json", "trace.json", "prov.json"):
        assert unzip(today)[name] != unzip(pack)[name]


def _timeless(data: Any) -> Any:
    """An answer without the moment it was asked as of."""
    if isinstance(data, dict):
        return {k: _timeless(v) for k, v in data.items() if k != "as_of"}
    return [_timeless(v) for v in data] if isinstance(data, list) else data


def test_a_pack_as_of_a_moment_is_the_store_as_it_stood_then(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The store grows by a challenge; a pack as of the time of its record 7 is the pack built
    # then, its moment named, and it checks against the grown store.
    pack, url = built
    grown, later = grown_copy(url, tmp_path)
    then = [r.recorded_at for r in later.records()][-1]
    put(later, later_challenge("challenges/later"))
    later.close()
    past = tmp_path / "past.zip"
    command = ["evidence", RUN1, "--as-of", then, "-o", str(past)]
    assert raidt([*command, "--store", f"sqlite:///{grown}"]) == 0
    contents, original = unzip(past), unzip(pack)
    manifest = json.loads(contents["manifest.json"])
    assert (manifest["store_records"], manifest["as_of"]) == (7, then)
    for name in ("prov.json", "prov.provn", "records.jsonl", "timeline.json"):
        assert contents[name] == original[name], name
    for name in ("trace.json", "authority.json", "score.json"):  # the same, but as of then
        assert _timeless(json.loads(contents[name])) == _timeless(json.loads(original[name]))
    code, out, _ = cli(capsys, "verify-pack", str(past), "--store", f"sqlite:///{grown}", "--json")
    assert (code, json.loads(out)["problems"]) == (0, [])


def test_a_manifest_pointing_at_another_chain_head_is_caught(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built

    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        contents["manifest.json"] = json.dumps({**manifest, "store_chain_head": "0" * 64}).encode()

    path = tampered(pack.read_bytes(), tmp_path, change)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        "manifest.json: the store's chain hash at record 7 is not the pack's head"
    ]


def test_a_gutted_pack_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A manifest that lists nothing, in a zip that holds nothing else: nothing mismatches, but
    # nothing an evidence pack must hold is there.
    path = rezip(tmp_path / "empty.zip", {"manifest.json": b'{"files": {}}'})
    verify_fails(
        capsys,
        path,
        [
            "manifest.json: format None, expected 'raidt-evidence-pack/1'",
            "manifest.json: names no run",
            *(
                f"{name}: missing; every evidence pack holds it"
                for name in sorted(PACK_FILES - {"manifest.json", "lineage.svg", "rubric.json"})
            ),
        ],
    )


def test_a_pack_without_its_score_fails(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        del contents["score.json"]
        manifest = json.loads(contents["manifest.json"])
        del manifest["files"]["score.json"]
        contents["manifest.json"] = json.dumps(manifest).encode()

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        ["score.json: missing; every evidence pack holds it"],
    )


@pytest.mark.parametrize("files", [5, ["trace.json"], "trace.json"])
def test_a_manifest_whose_files_are_not_a_table_fails_in_one_line(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str], files: object
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        contents["manifest.json"] = json.dumps({**manifest, "files": files}).encode()

    path = tampered(pack, tmp_path, change)
    code, out, err = cli(capsys, "verify-pack", str(path))
    assert (code, out) == (1, "")
    assert err.strip() == f"error: {path}: the pack has no readable manifest.json"


def test_a_manifest_entry_that_is_not_a_table_is_a_mismatch(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        manifest["files"]["trace.json"] = 5
        contents["manifest.json"] = json.dumps(manifest).encode()

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        ["trace.json: SHA-256 does not match the manifest"],
    )


# --------------------------------------------------------------------------------------------
# Packs crafted to slip past the checks, and a store that fails verification
# --------------------------------------------------------------------------------------------


def test_a_name_given_twice_in_the_zip_is_caught(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A forged score.json placed before the real one: unzip shows the forgery, the manifest's
    # hash matches the real one.
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as forged:
        forged.writestr("score.json", b'{"overall": {"score": 100}}')
        for name, data in unzip_bytes(pack).items():
            if name == "score.json":
                with pytest.warns(UserWarning, match="Duplicate name"):
                    forged.writestr(name, data)
            else:
                forged.writestr(name, data)
    # the first copy is the one checked, and it is not the one the manifest lists
    verify_fails(
        capsys,
        path,
        [
            "score.json: in the zip more than once",
            "score.json: SHA-256 does not match the manifest",
        ],
    )


def test_a_folder_in_the_zip_is_caught(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        contents["hidden/"] = b"something kept out of the manifest"

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [
            "hidden/: not a plain file name",
            "hidden/: not a file an evidence pack holds",
            "hidden/: not listed in the manifest",
        ],
    )


def test_a_manifest_pointed_at_another_run_is_caught(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = iri("runs/2")

    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        contents["manifest.json"] = json.dumps({**manifest, "run": other}).encode()

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [
            f"score.json: scores run {RUN1}, not the manifest's run {other}",
            f"README.txt: its first line is not about run {other}",
            f"timeline.json: its run is {RUN1}, not the manifest's run {other}",
            f"trace.json: {OUT}, {REV} not traced to run {other}",
        ],
    )


@pytest.mark.parametrize("run", [[RUN1], {"id": RUN1}])
def test_a_run_that_is_no_id_is_a_problem_not_a_crash(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str], run: object
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        contents["manifest.json"] = json.dumps({**manifest, "run": run}).encode()
        timeline = json.loads(contents["timeline.json"])
        for row in timeline:
            if row["type"] in ("run", "action"):
                row["id"] = run
        contents["timeline.json"] = json.dumps(timeline).encode()
        _fix_manifest(contents, "timeline.json")

    code, _, err = cli(capsys, "verify-pack", str(tampered(pack, tmp_path, change)))
    assert code == 1
    assert err.startswith("FAILED: ")
    assert "Traceback" not in err


def test_a_wrong_size_in_the_manifest_is_caught(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        manifest["files"]["trace.json"]["bytes"] += 1
        contents["manifest.json"] = json.dumps(manifest).encode()

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        ["trace.json: its size does not match the manifest"],
    )


def _patch_entry(data: bytes, name: str, *, method: int | None = None, flags: int = 0) -> bytes:
    """The zip with one entry's compression method or flag bits changed in both its headers."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        local = opened.getinfo(name).header_offset
    central = next(
        at
        for at in range(len(data))
        if data.startswith(b"PK\x01\x02", at)
        and data[at + 46 : at + 46 + int.from_bytes(data[at + 28 : at + 30], "little")]
        == name.encode()
    )
    for start, flag_at, method_at in ((local, 6, 8), (central, 8, 10)):
        if method is not None:
            patched[start + method_at : start + method_at + 2] = method.to_bytes(2, "little")
        old = int.from_bytes(patched[start + flag_at : start + flag_at + 2], "little")
        patched[start + flag_at : start + flag_at + 2] = (old | flags).to_bytes(2, "little")
    return bytes(patched)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"method": 99}, "compression method is not supported"),
        ({"flags": 0x1}, "encrypted"),
    ],
)
def test_an_entry_that_cannot_be_unpacked_is_a_problem_not_a_crash(
    pack: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, int],
    why: str,
) -> None:
    path = tmp_path / "odd.zip"
    path.write_bytes(_patch_entry(pack, "trace.json", **change))
    code, out, err = cli(capsys, "verify-pack", str(path), "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert problems[0].startswith("trace.json: cannot be unpacked:")
    assert why in problems[0]
    assert "Traceback" not in err


def test_corrupt_compressed_data_is_a_problem_not_a_crash(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with zipfile.ZipFile(io.BytesIO(pack)) as opened:
        info = opened.getinfo("trace.json")
    assert info.compress_type == zipfile.ZIP_DEFLATED
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    spoiled = bytearray(pack)
    spoiled[start : start + 8] = b"\xff" * 8
    path = tmp_path / "spoiled.zip"
    path.write_bytes(bytes(spoiled))
    code, out, err = cli(capsys, "verify-pack", str(path), "--json")
    assert code == 1
    assert json.loads(out)["problems"][0].startswith("trace.json: cannot be unpacked:")
    assert "Traceback" not in err


def test_json_nested_too_deep_is_reported_not_crashed(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000

    def change(contents: dict[str, bytes]) -> None:
        contents["records.jsonl"] = deep + b"\n"
        _fix_manifest(contents, "records.jsonl")

    code, out, _ = cli(capsys, "verify-pack", str(tampered(pack, tmp_path, change)), "--json")
    assert code == 1
    assert json.loads(out)["problems"] == ["records.jsonl:1: not a record"]
    path = tampered(pack, tmp_path, lambda contents: contents.update({"manifest.json": deep}))
    code, _, err = cli(capsys, "verify-pack", str(path))
    assert code == 1
    assert err.strip() == f"error: {path}: the pack has no readable manifest.json"


def test_a_pack_is_the_same_bytes_each_time_and_compressed(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    pack, url = built
    again = tmp_path / "again.zip"
    assert raidt(["evidence", RUN1, "-o", str(again), "--store", url]) == 0
    assert again.read_bytes() == pack.read_bytes()
    with zipfile.ZipFile(pack) as opened:
        entries = opened.infolist()
    assert {e.compress_type for e in entries} == {zipfile.ZIP_DEFLATED}
    assert sum(e.compress_size for e in entries) < sum(e.file_size for e in entries) / 2
    manifest = json.loads(unzip(pack)["manifest.json"])
    assert manifest["store_records"] == len(records())


def test_no_pack_is_built_from_a_store_that_fails_verification(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The approval's body and content hash rewritten in the database file: every hash inside a
    # pack built from it would agree, so the pack must not be built at all.
    _, url = built
    copy = tmp_path / "tampered.db"
    target = copy_store(url, copy)
    body = target.execute("SELECT body FROM records WHERE id = ?", (APPROVAL,)).fetchone()[0]
    forged = body.replace("approved-with-edits", "approved")
    target.execute(
        "UPDATE records SET body = ?, content_hash = ? WHERE id = ?",
        (forged, "sha256:" + hashlib.sha256(forged.encode()).hexdigest(), APPROVAL),
    )
    target.commit()
    target.close()
    output = tmp_path / "pack.zip"
    output.write_bytes(b"an earlier pack")
    code, out, err = cli(
        capsys, "evidence", RUN1, "-o", str(output), "--store", f"sqlite:///{copy}"
    )
    assert (code, out) == (1, "")
    assert f"sqlite:///{copy} fails verification at record" in err
    assert f"({APPROVAL}): its graph hash is not what its body maps to" in err
    assert output.read_bytes() == b"an earlier pack"


def test_an_output_that_cannot_be_written_whole_leaves_the_old_one(tmp_path: Path) -> None:
    # A real failed write, as a full disk gives: a child process whose files may not grow past
    # 50,000 bytes writes 100,000 (a pack, a picture, an export: every -o goes this way).
    output = tmp_path / "pack.zip"
    output.write_bytes(b"an earlier pack")

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    write = (
        "import sys; from pathlib import Path; from api.console import write_output; "
        "write_output(Path(sys.argv[1]), bytes(100_000))"
    )
    done = subprocess.run(
        [sys.executable, "-c", write, str(output)],
        preexec_fn=small_files,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().endswith(f"CannotWrite: cannot write {output}: File too large")
    assert output.read_bytes() == b"an earlier pack"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.zip"]


def test_a_new_output_file_gets_the_usual_mode(tmp_path: Path) -> None:
    # written through a private temporary file, it still ends up as open() would have made it
    output = tmp_path / "pack.zip"
    write_output(output, b"a pack")
    umask = os.umask(0)
    os.umask(umask)
    assert (output.read_bytes(), output.stat().st_mode & 0o777) == (b"a pack", 0o666 & ~umask)


def test_an_output_through_a_link_is_written_to_what_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "pack.zip").write_bytes(b"an earlier pack")
    link = tmp_path / "link.zip"
    link.symlink_to(real / "pack.zip")
    write_output(link, b"a pack")
    assert link.is_symlink()
    assert (real / "pack.zip").read_bytes() == b"a pack"


def test_an_output_to_a_pipe_is_written_to_it(tmp_path: Path) -> None:
    # -o /dev/stdout piped somewhere, or any named pipe: written to, not replaced by a file
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE) as reader:
        write_output(fifo, b"a pack")
        out, _ = reader.communicate(timeout=30)
    assert out == b"a pack"
    assert fifo.exists()
    assert not fifo.is_file()


def test_a_pack_scored_by_an_own_rubric_checks_against_its_store(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The rubric goes in the pack in full, so the score can be judged again without the file.
    _, url = built
    rubric = tmp_path / "ours.toml"
    rubric.write_text(
        'name = "ours"\ntitle = "Ours"\n'
        + "".join(
            f'[[checks]]\nid = "{check}"\npillar = "{pillar}"\nweight = 2\n'
            for check, pillar in (
                ("initiator-named", "responsibility"),
                ("outputs-hashed", "auditability"),
                ("purpose-stated", "interpretability"),
                ("workflow-approved", "dependability"),
                ("chain-of-custody", "traceability"),
            )
        )
    )
    pack = tmp_path / "ours.zip"
    assert raidt(["evidence", RUN1, "-o", str(pack), "--rubric", str(rubric), "--store", url]) == 0
    rubric.unlink()
    assert json.loads(unzip(pack)["rubric.json"])["name"] == "ours"
    code, out, _ = cli(capsys, "verify-pack", str(pack), "--store", url, "--json")
    assert (code, json.loads(out)["problems"]) == (0, [])
    ours = hashlib.sha256(unzip(pack)["rubric.json"]).hexdigest()
    assert json.loads(out)["rubric"] == {"name": "ours", "sha256": ours, "source": "pack"}
    # offline, the pack's word is all there is for a rubric it carries, and the line says so
    code, out, _ = cli(capsys, "verify-pack", str(pack))
    assert code == 0
    assert f"its score names its own rubric 'ours', carried in the pack (SHA-256 {ours})" in out


def test_a_pack_scored_by_a_rubric_later_rules_refuse_still_checks_out(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One pillar weighed, thresholds inverted: a rubric made before such rubrics were refused.
    _, url = built
    earlier = {
        "name": "earlier",
        "title": "Earlier",
        "ratings": {"strong": 50.0, "adequate": 60.0},
        "checks": [{"id": "initiator-named", "pillar": "responsibility", "weight": 2.0}],
    }
    with pytest.raises(ValidationError, match="every pillar needs a check"):
        Rubric.model_validate(earlier)
    store = SQLiteStore(url.removeprefix("sqlite:///"))
    try:
        data = build_pack(store, RUN1, rubric=Rubric.model_validate(earlier, context=CARRIED))
    finally:
        store.close()
    pack = tmp_path / "earlier.zip"
    pack.write_bytes(data)
    for offline in (True, False):
        code, _, err = cli(capsys, "verify-pack", str(pack), *([] if offline else ["--store", url]))
        assert (code, err) == (0, "")


def test_a_file_no_pack_holds_is_caught_even_when_listed(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def change(contents: dict[str, bytes]) -> None:
        contents["notes.txt"] = b"the auditor agreed\n"
        _fix_manifest(contents, "notes.txt")

    verify_fails(
        capsys, tampered(pack, tmp_path, change), ["notes.txt: not a file an evidence pack holds"]
    )


LENIENT = load_rubric("general").model_copy(update={"ratings": {"strong": 1.0, "adequate": 0.5}})
"""The general rubric with its thresholds lowered, still calling itself general."""


def test_no_pack_is_built_with_a_rubric_taking_a_shipped_name(built: tuple[Path, str]) -> None:
    _, url = built
    store = SQLiteStore(Path(url.removeprefix("sqlite:///")))
    with pytest.raises(InvalidRecord, match="is named 'general' but is not the shipped rubric"):
        build_pack(store, RUN1, rubric=LENIENT)
    store.close()


def _pose_as_general(contents: dict[str, bytes]) -> None:
    """The lenient rubric in the pack, the score naming general and the lenient rubric's hash, the
    manifest to match: a pack judged by a rubric file that took the shipped rubric's name."""
    profile = json.loads(contents["score.json"])
    contents["rubric.json"] = LENIENT.canonical()
    contents["score.json"] = json.dumps({**profile, "rubric_sha256": LENIENT.sha256()}).encode()
    _fix_manifest(contents, "rubric.json")
    _fix_manifest(contents, "score.json")


def test_a_pack_judged_by_a_rubric_posing_as_a_shipped_one_fails(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built
    path = tampered(pack.read_bytes(), tmp_path, _pose_as_general)
    posing = (
        "rubric.json: not the shipped rubric 'general' that score.json names; "
        "a shipped name means the shipped rubric"
    )
    verify_fails(capsys, path, [posing])
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    # rebuilt with the shipped general rubric, neither the score nor the rubric is the store's
    assert json.loads(out)["problems"] == [
        posing,
        f"rubric.json: not what the store gives for run {RUN1} as of record 7",
        f"score.json: not what the store gives for run {RUN1} as of record 7",
    ]


def test_a_score_names_the_rubric_in_the_pack_by_its_sha256(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contents = unzip_bytes(pack)
    digest = json.loads(contents["score.json"])["rubric_sha256"]
    assert digest == hashlib.sha256(contents["rubric.json"]).hexdigest()

    def change(contents: dict[str, bytes]) -> None:
        profile = json.loads(contents["score.json"])
        contents["score.json"] = json.dumps({**profile, "rubric_sha256": "0" * 64}).encode()
        _fix_manifest(contents, "score.json")

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        ["score.json: its rubric_sha256 is not the SHA-256 of rubric 'general'"],
    )


def test_a_rubric_with_equal_thresholds_makes_no_pack(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # strong and adequate at 70: the rating would hang on the order of the keys, which the
    # pack's rubric.json (keys sorted) does not keep, and the pack would fail against its store
    _, url = built
    tie = tmp_path / "tie.toml"
    tie.write_text(
        'name = "tie"\ntitle = "Tie"\n[ratings]\nstrong = 70\nadequate = 70\n'
        '[[checks]]\nid = "initiator-named"\npillar = "responsibility"\nweight = 2\n'
    )
    output = tmp_path / "tie.zip"
    code, _, err = cli(
        capsys, "evidence", RUN1, "-o", str(output), "--rubric", str(tie), "--store", url
    )
    assert code == 1
    assert "equal: strong and adequate (70)" in err
    assert not output.exists()


def test_a_pack_short_of_the_store_says_what_it_is_as_of_and_warns_of_what_came_after(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pack as of record 7, given no time, while the store goes on to a challenge of the run:
    # the manifest names the record and its time, and verify-pack passes it but says what the
    # store holds about the run since.
    _, url = built
    grown, later = grown_copy(url, tmp_path)
    put(later, later_challenge("challenges/1"))
    seventh, challenge = later.record(ACTION), later.record(iri("challenges/1"))
    assert seventh is not None
    assert challenge is not None
    short = tmp_path / "short.zip"
    short.write_bytes(build_pack(later, RUN1, at=Moment(7, None)))
    later.close()
    manifest = json.loads(unzip(short)["manifest.json"])
    assert (manifest["store_records"], manifest["as_of"]) == (7, seventh.recorded_at)
    code, out, err = cli(capsys, "verify-pack", str(short), "--store", f"sqlite:///{grown}")
    assert code == 0
    assert f"as of its record 7 (written {seventh.recorded_at}), gives the same" in out
    assert err.splitlines() == [
        f"warning: record 8 (challenge {iri('challenges/1')}, written {challenge.recorded_at}) "
        f"concerns run {RUN1} and came after the pack",
        f"warning: the store says more of run {RUN1} now than as of record 7: prov.json, "
        "prov.provn, records.jsonl, timeline.json differ; build the pack again for the store's "
        "latest word",
    ]


SHOUTED = LENIENT.model_copy(update={"name": "General"})
"""The lenient rubric under the shipped rubric's name in capitals."""


def test_no_pack_is_built_with_a_rubric_taking_a_shipped_name_in_another_case(
    built: tuple[Path, str],
) -> None:
    _, url = built
    store = SQLiteStore(Path(url.removeprefix("sqlite:///")))
    with pytest.raises(
        InvalidRecord, match="is named 'General' but is not the shipped rubric 'general' in another"
    ):
        build_pack(store, RUN1, rubric=SHOUTED)
    store.close()


def _pose_as_general_in_capitals(contents: dict[str, bytes]) -> None:
    """The lenient rubric named General in the pack, the score naming it with its hash and
    ratings, the manifest to match: as if the rubric's name were its own."""
    profile = json.loads(contents["score.json"])
    contents["rubric.json"] = SHOUTED.canonical()
    contents["score.json"] = json.dumps(
        {**profile, "rubric": "General", "rubric_sha256": SHOUTED.sha256()}
    ).encode()
    _fix_manifest(contents, "rubric.json")
    _fix_manifest(contents, "score.json")


def test_a_rubric_posing_as_a_shipped_one_in_another_case_fails(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built
    path = tampered(pack.read_bytes(), tmp_path, _pose_as_general_in_capitals)
    verify_fails(
        capsys,
        path,
        [
            "score.json: names rubric 'General', the shipped rubric 'general' in another case; "
            "a shipped name means the shipped rubric",
            "rubric.json: not the shipped rubric 'general' that score.json names; "
            "a shipped name means the shipped rubric",
        ],
    )
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert (
        f"score.json: not what the store gives for run {RUN1} as of record 7"
        in (json.loads(out)["problems"])
    )


def test_a_carried_rubric_taking_a_shipped_name_in_another_case_fails(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the score names a rubric of its own, but the rubric it carries calls itself General
    def change(contents: dict[str, bytes]) -> None:
        _pose_as_general_in_capitals(contents)
        profile = json.loads(contents["score.json"])
        contents["score.json"] = json.dumps({**profile, "rubric": "mine"}).encode()
        _fix_manifest(contents, "score.json")

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [
            "rubric.json: not the shipped rubric 'general' whose name it takes as 'General'; "
            "a shipped name means the shipped rubric"
        ],
    )


def test_a_pack_checked_against_a_store_that_fails_verification_fails(
    built: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The approval's decision edited in the descriptions table alone, which no record's hash
    # covers directly: a pack built from those tables (past the check that refuses it) agrees
    # with every report the store gives, so the store must verify before it vouches for a pack.
    _, url = built
    copy = tmp_path / "edited.db"
    target = copy_store(url, copy)
    edited = target.execute(
        "UPDATE descriptions SET attributes = replace(attributes, ?, ?) WHERE instr(attributes, ?)",
        ("approved-with-edits", "approved", "approved-with-edits"),
    ).rowcount
    target.commit()
    target.close()
    assert edited == 2  # the approval and its decision
    store = SQLiteStore(copy)
    with monkeypatch.context() as patched:
        patched.setattr("queries.evidence.require_verified", lambda store, _: verify(store))
        data = build_pack(store, RUN1)
    store.close()
    assert b"approved-with-edits" not in unzip_bytes(data)["timeline.json"]
    path = tmp_path / "edited.zip"
    path.write_bytes(data)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", f"sqlite:///{copy}", "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        f"sqlite:///{copy} fails verification at record 6 ({APPROVAL}): its graph rows do not "
        "match its graph hash; no pack is checked against it (`raidt verify` lists every problem)"
    ]
    assert json.loads(out)["compared"] == []


def test_a_manifest_counting_records_past_the_store_s_last_fails(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Past the last record there is no chain hash to compare, and the empty chain's stood in
    # for it: a pack claiming records 8 and 9, which the store never held, passed.
    pack, url = built

    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        manifest.update(store_records=9, store_chain_head="0" * 64)
        contents["manifest.json"] = json.dumps(manifest).encode()

    path = tampered(pack.read_bytes(), tmp_path, change)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        "manifest.json: store_records is 9, but the store holds 7 records"
    ]


def _moved_in_time(contents: dict[str, bytes], to: str) -> None:
    """The pack said to be as of another time: the manifest and every report that names the
    time, with the manifest's hashes to match; the records keep the times they were written."""
    then = json.loads(contents["manifest.json"])["as_of"].encode()
    for name in set(contents) - {"manifest.json", "records.jsonl"}:
        if then in contents[name]:
            contents[name] = contents[name].replace(then, to.encode())
            _fix_manifest(contents, name)
    manifest = json.loads(contents["manifest.json"])
    contents["manifest.json"] = json.dumps({**manifest, "as_of": to}).encode()


@pytest.mark.parametrize(
    ("to", "why"),
    [
        # before the store held any record
        (
            "2025-06-01T00:00:00.000000+00:00",
            "as of 2025-06-01T00:00:00.000000+00:00 the store held 0 records, not the 7 "
            "store_records says",
        ),
        # the store holds 7 records then too, as far as it knows, but that time has not come
        (
            "2999-01-01T00:00:00.000000+00:00",
            "as_of 2999-01-01T00:00:00.000000+00:00 is a time that has not come",
        ),
        ("last Tuesday", "as_of 'last Tuesday' is not a time"),
    ],
)
def test_a_pack_said_to_be_as_of_another_time_fails_against_the_store(
    built: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    to: str,
    why: str,
) -> None:
    pack, url = built
    path = tampered(pack.read_bytes(), tmp_path, lambda contents: _moved_in_time(contents, to))
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [f"manifest.json: {why}"]


def test_a_store_written_by_a_clock_that_ran_ahead_still_gives_packs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # its records' times are ahead of this machine's clock; a pack as of now is as of its last
    # record, whose time that is
    ahead = (datetime.now(UTC) + timedelta(minutes=5)).isoformat(timespec="microseconds")
    monkeypatch.setattr(sqlite_module, "stamp", lambda after="": ahead)
    monkeypatch.setattr(plan_module, "stamp", lambda after="": ahead)
    url = f"sqlite:///{tmp_path / 'ahead.db'}"
    store = SQLiteStore(tmp_path / "ahead.db")
    put(store, *records())
    store.close()
    monkeypatch.undo()
    output = tmp_path / "ahead.zip"
    assert cli(capsys, "evidence", RUN1, "-o", str(output), "--store", url)[0] == 0
    assert json.loads(unzip(output)["manifest.json"])["as_of"] == ahead
    code, _, err = cli(capsys, "verify-pack", str(output), "--store", url)
    assert (code, err) == (0, "")
    # asked as of that time, which this machine's clock has not reached, the pack is the same:
    # the store's own records reach it, as they do for any other question
    asked = tmp_path / "asked.zip"
    assert cli(capsys, "evidence", RUN1, "--as-of", ahead, "-o", str(asked), "--store", url)[0] == 0
    assert asked.read_bytes() == output.read_bytes()
    # the clock set right, what is written next is still written after, not at the same time
    store = SQLiteStore(tmp_path / "ahead.db")
    put(store, factory_run(9))
    (later,) = [r.recorded_at for r in store.records() if r.id == iri("runs/9")]
    store.close()
    assert later > ahead
    code, _, err = cli(capsys, "verify-pack", str(output), "--store", url)
    assert code == 0


def test_a_pack_as_of_a_time_between_two_records_a_clock_ahead_wrote_checks_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # two transactions a minute apart, both ahead of this machine's clock: a time between them
    # has not come here, but the store's records reach past it, so a pack as of it is built,
    # and verify-pack takes it by the same rule
    first = datetime.now(UTC) + timedelta(minutes=5)
    url = f"sqlite:///{tmp_path / 'ahead.db'}"
    store = SQLiteStore(tmp_path / "ahead.db")
    for when, written in ((first, records()), (first + timedelta(minutes=1), [factory_run(9)])):
        stamped = when.isoformat(timespec="microseconds")
        monkeypatch.setattr(sqlite_module, "stamp", lambda after="", at=stamped: at)
        monkeypatch.setattr(plan_module, "stamp", lambda after="", at=stamped: at)
        put(store, *written)
    store.close()
    monkeypatch.undo()
    between = (first + timedelta(seconds=30)).isoformat(timespec="microseconds")
    output = tmp_path / "between.zip"
    assert (
        cli(capsys, "evidence", RUN1, "--as-of", between, "-o", str(output), "--store", url)[0] == 0
    )
    assert json.loads(unzip(output)["manifest.json"])["as_of"] == between
    code, out, _ = cli(capsys, "verify-pack", str(output), "--store", url, "--json")
    assert (code, json.loads(out)["problems"]) == (0, [])


def test_a_prefix_the_store_holds_checks_out_whatever_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a PROV-JSON document may bind a prefix PROV-N would not take; the store keeps it, and a
    # pack of a run under that namespace names it
    store = SQLiteStore(tmp_path / "odd.db")
    document = {"prefix": {"1x": "https://one.example/"}, "entity": {"1x:doc": {}}}
    import_document(json.dumps(document), FORMATS["json"], store, source="odd.json")
    put(store, factory_run(1, inputs=[{"id": "https://one.example/doc", "content_hash": h("d")}]))
    store.close()
    url = f"sqlite:///{tmp_path / 'odd.db'}"
    output = tmp_path / "odd.zip"
    assert cli(capsys, "evidence", iri("runs/1"), "-o", str(output), "--store", url)[0] == 0
    assert json.loads(unzip(output)["prov.json"])["prefix"]["1x"] == "https://one.example/"
    code, _, err = cli(capsys, "verify-pack", str(output), "--store", url)
    assert (code, err) == (0, "")


def test_a_record_whose_text_holds_a_line_separator_checks_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # U+2028 is text, not a line break, in JSON Lines: records.jsonl keeps it as it is
    store = SQLiteStore(tmp_path / "sep.db")
    put(store, factory_run(1, purpose="first line\u2028second line"))
    store.close()
    url = f"sqlite:///{tmp_path / 'sep.db'}"
    output = tmp_path / "sep.zip"
    assert cli(capsys, "evidence", iri("runs/1"), "-o", str(output), "--store", url)[0] == 0
    assert "\u2028".encode() in unzip(output)["records.jsonl"]
    for offline in (True, False):
        code, _, err = cli(
            capsys, "verify-pack", str(output), *([] if offline else ["--store", url])
        )
        assert (code, err) == (0, "")


def test_no_pack_is_built_as_of_a_time_that_has_not_come(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = built
    output = tmp_path / "tomorrow.zip"
    later = "2999-01-01T00:00:00+00:00"
    code, out, err = cli(
        capsys, "evidence", RUN1, "--as-of", later, "-o", str(output), "--store", url
    )
    assert (code, out) == (1, "")
    assert err.strip() == (
        "error: no answer as of 2999-01-01T00:00:00.000000+00:00: that time has not come, and "
        "the store may yet record more before it; ask without a time for the store as it is"
    )
    assert not output.exists()


def test_no_pack_is_built_as_of_a_record_and_a_time_that_disagree(
    built: tuple[Path, str],
) -> None:
    # the hand-built records were written together, at one time: at that time the store held
    # all seven, so a pack as of record 5 cannot be named by it
    _, url = built
    store = SQLiteStore(Path(url.removeprefix("sqlite:///")))
    with pytest.raises(InvalidRecord, match=r"as of record 5 at .*: the store held 7 records then"):
        build_pack(store, RUN1, at=Moment(5, None))
    store.close()


def test_a_pack_writing_the_store_s_ids_under_another_prefix_fails_against_it(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Both PROV files written with the store's namespace under a prefix of another's choosing:
    # written again with the prefixes the pack declares, they are the same bytes.
    pack, url = built
    store = SQLiteStore(Path(url.removeprefix("sqlite:///")))
    renamed = {"hospital": "https://test.example/", **STANDARD_NAMESPACES}
    forged = pack_files(store, RUN1, at=Moment(7, None), namespaces=renamed)
    store.close()
    assert b"hospital:runs/1" in forged["prov.provn"]

    def change(contents: dict[str, bytes]) -> None:
        for name in ("prov.json", "prov.provn"):
            contents[name] = forged[name]
            _fix_manifest(contents, name)

    path = tampered(pack.read_bytes(), tmp_path, change)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert code == 1
    assert json.loads(out)["problems"] == [
        "prov.json: prefix 'hospital' names https://test.example/, which neither the store nor "
        "a standard prefix binds it to"
    ]


def test_an_entry_no_pack_holds_is_refused_unread(
    pack: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 100 MB of zeros packs into 100 kB: a name no pack holds is refused before it is unpacked
    path = tmp_path / "padded.zip"
    path.write_bytes(pack)
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as padded,
        padded.open("padding.bin", "w") as entry,
    ):
        for _ in range(100):
            entry.write(bytes(1 << 20))
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spied(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spied)
    verify_fails(
        capsys,
        path,
        [
            "padding.bin: not a file an evidence pack holds",
            "padding.bin: not listed in the manifest",
        ],
    )
    assert "padding.bin" not in opened
    assert "trace.json" in opened


def test_a_pack_unpacking_past_128_mib_is_not_read_past_it(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a pack of one run unpacks to some megabytes (the demo's to 155 kB); a picture of 130 MiB,
    # packed into 130 kB, is not unpacked at all
    path = tmp_path / "huge.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as huge:
        for name, data in unzip_bytes(pack).items():
            if name == "lineage.svg":
                with huge.open(name, "w") as entry:
                    for _ in range(130):
                        entry.write(bytes(1 << 20))
            else:
                huge.writestr(name, data)
    verify_fails(
        capsys,
        path,
        [
            f"lineage.svg: {130 << 20} bytes, too large to read: a pack unpacks to "
            f"{128 << 20} bytes at most"
        ],
    )


def _rezipped_with(pack: bytes, path: Path, name: str, **header: Any) -> Path:
    """The pack zipped again with one entry's header fields set (its bytes unchanged)."""
    with zipfile.ZipFile(path, "w") as odd:
        for entry, data in unzip_bytes(pack).items():
            info = zipfile.ZipInfo(entry, (2000, 1, 1, 0, 0, 0))
            if entry == name:
                for key, value in header.items():
                    setattr(info, key, value)
            odd.writestr(info, data)
    return path


def _unicode_path(name: str, other: str) -> bytes:
    """An Info-ZIP Unicode Path extra field giving ``name`` the name ``other``."""
    payload = b"\x01" + zlib.crc32(name.encode()).to_bytes(4, "little") + other.encode()
    return struct.pack("<HH", 0x7075, len(payload)) + payload


@pytest.mark.parametrize(
    ("header", "why"),
    [
        # unzip writes the file checked as score.json under the name the field gives
        (
            {"extra": _unicode_path("score.json", "other.json")},
            "carries a Unicode Path field (0x7075), under which unzip writes another name",
        ),
        # unzip makes a link named score.json, pointing at a path spelt by the score's text
        (
            {"external_attr": (stat.S_IFLNK | 0o777) << 16},
            "not a regular file (mode 120777): unzip would make a link or another kind of file",
        ),
    ],
)
def test_an_entry_unzip_would_write_otherwise_is_refused(
    pack: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    header: dict[str, Any],
    why: str,
) -> None:
    path = _rezipped_with(pack, tmp_path / "odd.zip", "score.json", **header)
    report = verify_fails(capsys, path, [f"score.json: {why}"])
    assert report["files"] == 9  # the score is not read, nor counted


def test_an_entry_with_a_unicode_comment_or_a_plain_mode_passes(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comment = b"\x01" + zlib.crc32(b"").to_bytes(4, "little") + b"kommentar"
    extra = struct.pack("<HH", 0x6375, len(comment)) + comment
    path = _rezipped_with(pack, tmp_path / "commented.zip", "score.json", extra=extra)
    assert cli(capsys, "verify-pack", str(path))[0] == 0
    regular = (stat.S_IFREG | 0o644) << 16
    path = _rezipped_with(pack, tmp_path / "regular.zip", "score.json", external_attr=regular)
    assert cli(capsys, "verify-pack", str(path))[0] == 0


def test_manifest_keys_the_format_does_not_define_are_refused(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # nothing checks what they claim, yet a reader might take them at their word
    def change(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        manifest["signed_by"] = "the trust's auditor"
        manifest["files"]["score.json"]["reviewed"] = True
        contents["manifest.json"] = json.dumps(manifest).encode()

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [
            "manifest.json: 'signed_by' is not a key the pack format defines",
            "manifest.json: 'reviewed' in the entry of score.json is not a key the pack format "
            "defines",
        ],
    )


def test_the_creation_time_earlier_packs_carry_is_still_taken(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # packs were once stamped with the time they were made; nothing rests on it
    def older(contents: dict[str, bytes]) -> None:
        manifest = json.loads(contents["manifest.json"])
        manifest["created_at"] = "2026-03-02T11:00:00+00:00"
        contents["manifest.json"] = json.dumps(manifest).encode()

    assert cli(capsys, "verify-pack", str(tampered(pack, tmp_path, older)))[0] == 0


def _given_first(data: bytes, key: str, value: Any) -> bytes:
    """A JSON object's text with ``key`` given once more, first: Python's json reads the
    value given last, as before, and a parser that keeps the first reads ``value``."""
    assert data.startswith(b"{")
    return b"{" + json.dumps({key: value}).encode()[1:-1] + b", " + data[1:]


def test_a_key_given_twice_in_a_json_file_is_refused(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = iri("runs/2")

    def change(contents: dict[str, bytes]) -> None:
        contents["score.json"] = _given_first(contents["score.json"], "overall", {"score": 100})
        _fix_manifest(contents, "score.json")
        rows = contents["records.jsonl"].splitlines(keepends=True)
        rows[4] = _given_first(rows[4], "id", other)
        contents["records.jsonl"] = b"".join(rows)
        _fix_manifest(contents, "records.jsonl")
        contents["manifest.json"] = _given_first(contents["manifest.json"], "run", other)

    twice = "given twice in one object; readers differ on which counts"
    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [
            f"manifest.json: key 'run' {twice}",
            f"score.json: key 'overall' {twice}",
            f"records.jsonl:5: key 'id' {twice}",
        ],
    )


def _relabelled(contents: dict[str, bytes], other: str) -> None:
    """The pack said to be of run ``other``: its manifest, score and README, the manifest's
    hashes to match."""
    profile = json.loads(contents["score.json"])
    contents["score.json"] = json.dumps({**profile, "run": other}).encode()
    contents["README.txt"] = contents["README.txt"].replace(RUN1.encode(), other.encode())
    _fix_manifest(contents, "score.json")
    _fix_manifest(contents, "README.txt")
    manifest = json.loads(contents["manifest.json"])
    contents["manifest.json"] = json.dumps({**manifest, "run": other}).encode()


def test_a_pack_relabelled_as_another_run_is_caught_offline(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # manifest, score and README rewritten alike: the timeline and traces still say whose
    other = iri("runs/2")
    verify_fails(
        capsys,
        tampered(pack, tmp_path, lambda contents: _relabelled(contents, other)),
        [
            f"timeline.json: its run is {RUN1}, not the manifest's run {other}",
            f"trace.json: {OUT}, {REV} not traced to run {other}",
        ],
    )


def test_authority_for_an_action_not_on_the_timeline_is_caught_offline(
    pack: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the authority behind another run's action, put in this pack's authority.json
    elsewhere = iri("actions/elsewhere")

    def change(contents: dict[str, bytes]) -> None:
        powers = json.loads(contents["authority.json"])
        powers = {elsewhere: {**powers[ACTION], "action": elsewhere}}
        contents["authority.json"] = json.dumps(powers).encode()
        _fix_manifest(contents, "authority.json")

    verify_fails(
        capsys,
        tampered(pack, tmp_path, change),
        [f"authority.json: {elsewhere} not among the timeline's actions"],
    )


def test_the_pack_s_readme_says_what_checking_it_proves(
    built: tuple[Path, str], tmp_path: Path
) -> None:
    readme = unzip(built[0])["README.txt"].decode()
    assert readme.startswith(f"RAIDT evidence pack for run {RUN1}\n")
    # offline, only agreement; with the store, that they are what it holds; an anchored head
    assert "Offline, only that the files agree with manifest.json and with each" in readme
    assert "Also that they are what the store holds" in readme
    assert "raidt verify --store URL --expect-head HEAD" in readme
    for key in ("store_records", "store_chain_head", "as_of"):
        assert f"\n  {key} " in readme
    # manifest.json is no sha256sum list: the README says how to make one, and the recipe
    # (jq's output, made here by hand) is what sha256sum -c reads
    recipe = next(line for line in readme.splitlines() if "sha256sum -c" in line)
    assert recipe.strip() == (
        """jq -r '.files | to_entries[] | "\\(.value.sha256)  \\(.key)"' manifest.json """
        "| sha256sum -c"
    )
    assert "check with `raidt verify-pack` or sha256sum" not in readme
    folder = tmp_path / "unzipped"
    folder.mkdir()
    manifest = json.loads(unzip(built[0])["manifest.json"])
    for name, data in unzip(built[0]).items():
        (folder / name).write_bytes(data)
    listing = "".join(f"{e['sha256']}  {name}\n" for name, e in manifest["files"].items())
    done = subprocess.run(
        ["sha256sum", "-c", "-"],
        input=listing,
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_a_pack_with_the_readme_packs_had_before_still_checks_against_its_store(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built
    before = f"""RAIDT evidence pack for run {RUN1}

manifest.json    SHA-256 and size of every other file; check with `raidt verify-pack` or sha256sum
prov.json        the run's PROV bundle (PROV-JSON): its lineage, events and the people involved
prov.provn       the same bundle in PROV-N
trace.json       for each output: every upstream run, input, prompt, template, model and person
authority.json   for each action on its outputs: who held authority, by what path, and if valid
score.json       the five-pillar RAIDT score profile, every check with its evidence
timeline.json    every event in time order
records.jsonl    the stored records behind the bundle, each with its SHA-256 content hash
rubric.json      the rubric the score was judged by, in full
lineage.svg      the run's lineage, drawn in PROV's conventions (when the pack was built with it)
"""

    def older(contents: dict[str, bytes]) -> None:
        contents["README.txt"] = before.encode()
        _fix_manifest(contents, "README.txt")

    path = tampered(pack.read_bytes(), tmp_path, older)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert (code, json.loads(out)["problems"]) == (0, [])
    assert "README.txt" in json.loads(out)["compared"]


def test_a_pack_with_the_readme_before_offline_checks_added_up_the_score_still_checks(
    built: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack, url = built
    readme = unzip(pack)["README.txt"].decode()
    now = (
        "      rubric the manifest and score name, the score's sums those of its checks\n"
        "      under that rubric. Nothing in the pack is signed, so whoever rewrites\n"
        "      files and manifest together passes this check too.\n"
    )
    assert now in readme
    before = readme.replace(
        now,
        "      rubric the manifest and score name. Nothing in the pack is signed, so\n"
        "      whoever rewrites files and manifest together passes this check too.\n",
    )

    def older(contents: dict[str, bytes]) -> None:
        contents["README.txt"] = before.encode()
        _fix_manifest(contents, "README.txt")

    path = tampered(pack.read_bytes(), tmp_path, older)
    code, out, _ = cli(capsys, "verify-pack", str(path), "--store", url, "--json")
    assert (code, json.loads(out)["problems"]) == (0, [])
    assert "README.txt" in json.loads(out)["compared"]
