"""Evidence packs: everything an auditor needs about one run, in one zip that checks itself.

The pack holds the run's PROV bundle (PROV-JSON and PROV-N), the trace of each output, the
authority behind each action, the score profile, a timeline, the stored records with their hashes,
and a manifest with the SHA-256 of every file. ``verify_pack`` needs nothing but the zip.
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from provenance.errors import InvalidRecord, ProvenanceError, StoreFailsVerify
from provenance.export import export_nodes
from provenance.formats import FORMATS, write_document
from provenance.hashing import GENESIS, readable_json, sha256_hex, sha256_tag
from provenance.identifiers import STANDARD_NAMESPACES
from provenance.integrity import VerifyReport, require_verified
from provenance.jsontext import RepeatedKey, unique_keys
from provenance.stores.base import Store, StoredRecord
from provenance.vocabulary import Attr
from queries.authority import authority
from queries.context import (
    NOW,
    Moment,
    in_time_order,
    parse_time,
    record_at,
    require_come,
    require_node,
    started,
)
from queries.facts import Event, RunFacts, gather
from queries.lineage import role_name, time_text, trace, trace_ids
from queries.scores import (
    CARRIED,
    Rubric,
    former_shipped,
    how_written,
    load_rubric,
    own_name,
    profile,
    score,
    shipped_name,
)

__all__ = [
    "PACK_FORMAT",
    "Draw",
    "JudgedBy",
    "PackReport",
    "build_pack",
    "pack_files",
    "verify_pack",
]

PACK_FORMAT = "raidt-evidence-pack/1"
_MANIFEST = "manifest.json"
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
_REQUIRED = frozenset(
    {
        "README.txt",
        "prov.json",
        "prov.provn",
        "trace.json",
        "authority.json",
        "score.json",
        "timeline.json",
        "records.jsonl",
    }
)
"""The files every pack holds; pictures, and the rubric in full, are optional."""
_OPTIONAL = frozenset({"lineage.svg", "rubric.json"})
_KNOWN = _REQUIRED | _OPTIONAL | {_MANIFEST}
"""Every name an entry of a pack may have; an entry of any other is not read."""
Draw = Callable[[Store, str, Moment], Mapping[str, bytes]]
"""Draws a run's pictures for its pack, as the store stood at a moment: name → bytes."""
_README_BEFORE_SUMS = """RAIDT evidence pack for run {run}

What checking it proves
  raidt verify-pack pack.zip
      Offline, only that the files agree with manifest.json and with each
      other: each file has the SHA-256 and size the manifest gives, each record
      in records.jsonl its content hash, and the reports are of the run and the
      rubric the manifest and score name. Nothing in the pack is signed, so
      whoever rewrites files and manifest together passes this check too.
  raidt verify-pack pack.zip --store URL
      Also that they are what the store holds: the store passes `raidt verify`,
      holds every record as the pack gives it, held store_records records at
      as_of, and, asked again as of its record store_records, gives the same
      reports and picture.
  raidt verify --store URL --expect-head HEAD
      With store_chain_head as HEAD, from a copy kept apart from pack and store
      (a ticket, a signed log, a message to the auditor), also that none of the
      store's records up to it has been rewritten since: a store rewritten and
      hashed again whole still passes `raidt verify`, but not this.

Without raidt, jq and sha256sum check the files against the manifest, no more:
  jq -r '.files | to_entries[] | "\\(.value.sha256)  \\(.key)"' manifest.json | sha256sum -c

manifest.json    the run (run), what the pack is as of, and the SHA-256 and size
                 of every other file (files)
  store_records    the record the pack is as of: how many records the store
                   held; nothing written after it is in the pack
  store_chain_head that record's chain hash, which fixes it and every record
                   before it: kept apart, it anchors the pack to the store
  as_of            the time the pack is as of; the store held store_records
                   records then
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
_README = _README_BEFORE_SUMS.replace(
    """      rubric the manifest and score name. Nothing in the pack is signed, so
      whoever rewrites files and manifest together passes this check too.""",
    """      rubric the manifest and score name, the score's sums those of its checks
      under that rubric. Nothing in the pack is signed, so whoever rewrites
      files and manifest together passes this check too.""",
)
"""What a pack's README says, made from the one before offline checks added up the score."""
_FORMER_READMES = (
    """RAIDT evidence pack for run {run}

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
""",
    _README_BEFORE_SUMS,
)
"""The READMEs of packs made earlier (before it said what checking them proves, before offline
checks added up the score): such a pack still checks against its store."""


def _event_row(event: Event, kind: str) -> dict[str, Any]:
    return {
        "time": time_text(event.time),
        "type": kind,
        "id": event.id,
        "subject": event.subject,
        "people": [{"agent": a.agent, "role": role_name(a.role)} for a in event.people],
        "decision": event.node.text(Attr.DECISION),
        "rationale": event.node.text(Attr.RATIONALE),
    }


def _timeline(facts: RunFacts) -> list[dict[str, Any]]:
    rows = [
        {
            "time": time_text(started(facts.run)),
            "type": "run",
            "id": facts.run.id,
            "subject": None,
            "people": [{"agent": facts.initiator.agent, "role": "initiator"}]
            if facts.initiator
            else [],
            "decision": None,
            "rationale": None,
        }
    ]
    for kind, events in (
        ("template-approval", facts.template_approvals),
        ("review", facts.reviews),
        ("approval", facts.approvals),
        ("escalation", facts.escalations),
        ("override", facts.overrides),
        ("action", facts.actions),
        ("challenge", facts.challenges),
    ):
        rows += [_event_row(event, kind) for event in events]
    return sorted(rows, key=in_time_order)


def _bundle_ids(
    facts: RunFacts, traces: Iterable[dict[str, Any]], holders: Iterable[str]
) -> set[str]:
    ids = {facts.run.id, *(p.id for p in facts.products)}
    for answer in traces:
        ids.update(trace_ids(answer))
    events = [
        *facts.reviews,
        *facts.approvals,
        *facts.template_approvals,
        *facts.actions,
        *facts.escalations,
        *facts.overrides,
        *facts.challenges,
    ]
    ids.update(e.id for e in events)
    ids.update(a.agent for e in events for a in e.people)
    ids.update(holders)
    return ids


def pack_files(
    store: Store,
    run: str,
    *,
    rubric: Rubric | str | None = None,
    at: Moment = NOW,
    namespaces: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """The files of a run's evidence pack, its pictures and manifest aside, as the store stood
    at ``at``: what :func:`verify_pack` builds again to check a pack against its store, its PROV
    written with the ``namespaces`` the pack declares (the store keeps no time for a prefix, and
    one learnt later would write the same ids another way).

    Raises
    ------
    NotFound
        When the store holds no such run.
    """
    chosen = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    facts = gather(store, run, at)
    finals = [p.id for p in facts.products]
    traces = {output: trace(store, output, as_of=at) for output in finals}
    powers = {action.id: authority(store, action.id, as_of=at) for action in facts.actions}
    holders = {h["agent"] for answer in powers.values() for h in answer["holders"]}
    ids = _bundle_ids(facts, traces.values(), holders)
    document = export_nodes(store, ids, as_of=at.as_of, namespaces=namespaces)
    decisions = {f"{a.id}/decision" for a in [*facts.approvals, *facts.template_approvals]}
    delegation_ids = {
        step["id"]
        for answer in powers.values()
        for h in answer["holders"]
        for step in h["path"]
        if step.get("id")
    }
    wanted = [*sorted(ids | decisions), *sorted(delegation_ids)]
    limit = at.as_of if at.as_of is not None else float("inf")
    stored = [r for i in wanted if (r := store.record(i)) is not None and r.seq <= limit]
    return {
        "README.txt": _README.format(run=facts.run.id).encode(),
        "prov.json": write_document(document, FORMATS["json"]).encode(),
        "prov.provn": write_document(document, FORMATS["provn"]).encode(),
        "trace.json": readable_json(traces),
        "authority.json": readable_json(powers),
        "score.json": readable_json(score(store, facts.run.id, rubric=chosen, as_of=at)),
        "rubric.json": chosen.canonical(),
        "timeline.json": readable_json(_timeline(facts)),
        "records.jsonl": "".join(
            json.dumps(
                {
                    "id": r.id,
                    "kind": r.kind,
                    "content_hash": r.content_hash,
                    "chain_hash": r.chain_hash,
                    "recorded_at": r.recorded_at,
                    "body": r.body,
                },
                ensure_ascii=False,
            )
            + "\n"
            for r in stored
        ).encode(),
    }


def build_pack(
    store: Store,
    run: str,
    *,
    rubric: Rubric | str | None = None,
    at: Moment = NOW,
    draw: Draw | None = None,
) -> bytes:
    """The evidence pack of one run, as the bytes of a zip file.

    ``draw`` makes its pictures (name → bytes, such as ``lineage.svg``), as the store stood at
    the pack's moment; they go in the pack and its manifest too. The door that builds the pack
    passes it, since drawing is not the queries' business. The pack
    carries no time of its own making, only the record it is as of (how many records the store
    held), that record's chain hash and the time it is as of (``at``'s, or that record's when
    ``at`` names none): a pack that stops short of the store's head says so. The same store and
    run give the same bytes, and ``verify_pack`` given the store builds the reports again, as of
    that record, to compare.

    Raises
    ------
    NotFound
        When the store holds no such run.
    InvalidRecord
        When the rubric takes a shipped rubric's name but differs from it, or the pack would be
        as of a time that has not come or at which the store held other records than ``at``'s.
    StoreFailsVerify
        When the store fails verification: a pack would vouch for tampered records.
    """
    chosen = own_name(rubric if isinstance(rubric, Rubric) else load_rubric(rubric))
    checked = require_verified(store, "no evidence pack is built from it")
    seq = checked.records if at.as_of is None else min(at.as_of, checked.records)
    moment = _pack_moment(store, seq, at.time)
    run_id = require_node(store, run, moment).id
    files = {
        **pack_files(store, run_id, rubric=chosen, at=moment),
        **_drawn(draw, store, run_id, moment),
    }
    manifest = {
        "format": PACK_FORMAT,
        "run": run_id,
        "store_records": seq,
        "store_chain_head": _chain_at(store, seq),
        "as_of": moment.time,
        "files": {
            name: {"sha256": sha256_hex(data), "bytes": len(data)}
            for name, data in sorted(files.items())
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name, data in [(_MANIFEST, readable_json(manifest)), *sorted(files.items())]:
            entry = zipfile.ZipInfo(name, _FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            pack.writestr(entry, data)
    return buffer.getvalue()


def _pack_moment(store: Store, seq: int, asked: str | None) -> Moment:
    """The moment a pack is as of: record ``seq`` and the time ``asked`` for, else that record's
    own; they must agree, as verify-pack holds them to: ``seq`` is the last record the store held
    at that time. A time asked for must have come, as for any question (a pack as of tomorrow
    would vouch for records not yet written); a record's own time may be ahead of this machine's
    clock, when a clock that ran ahead wrote it.

    Raises
    ------
    InvalidRecord
        When they do not.
    """
    if asked:
        require_come(store, parse_time(asked))
    time = asked or _time_of(store, seq)
    if time is None:
        return Moment(seq, None)
    held = store.seq_at(_utc(time))
    if held != seq:
        raise InvalidRecord(
            f"no evidence pack as of record {seq} at {time}: the store held {held} records then"
        )
    return Moment(seq, time)


def _utc(time: str) -> str:
    """A time as the store writes its records' times, to compare with them."""
    return parse_time(time).astimezone(UTC).isoformat(timespec="microseconds")


def _drawn(draw: Draw | None, store: Store, run: str, at: Moment) -> Mapping[str, bytes]:
    return draw(store, run, at) if draw is not None else {}


def _chain_at(store: Store, seq: int) -> str:
    """The chain hash of record ``seq``: the head of the chain as it stood then."""
    record = record_at(store, seq)
    return record.chain_hash if record is not None else GENESIS


def _time_of(store: Store, seq: int) -> str | None:
    """When record ``seq`` was written: the time a pack as of that record is as of."""
    record = record_at(store, seq)
    return record.recorded_at if record is not None else None


@dataclass(frozen=True, slots=True)
class JudgedBy:
    """The rubric a pack's score was judged by, and where it comes from: a shipped rubric is
    known without the pack, one carried in the pack is whatever the pack says it is."""

    name: str
    sha256: str
    source: str
    """``shipped``, ``earlier shipped`` (an earlier version of a shipped rubric, carried in the
    pack) or ``pack`` (a rubric of its own, carried in the pack)."""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "sha256": self.sha256, "source": self.source}


@dataclass(slots=True)
class PackReport:
    run: str | None = None
    files: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)
    store: str | None = None
    """The store the records were checked against, if any."""
    compared: list[str] = field(default_factory=list)
    """The files built again from the store and compared; none offline."""
    as_of_record: int | None = None
    """The store's record the pack is as of, checked against the store; unknown offline."""
    as_of_time: str | None = None
    """When the store wrote that record."""
    warnings: list[str] = field(default_factory=list)
    """What does not fail the pack but its reader should know: records the store holds about
    the run that came after it."""
    rubric: JudgedBy | None = None
    """The rubric the pack's score names, when it names one the pack carries or ships with."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "run": self.run,
            "files": self.files,
            "records": self.records,
            "store": self.store,
            "compared": self.compared,
            "as_of": {"record": self.as_of_record, "time": self.as_of_time},
            "problems": self.problems,
            "warnings": self.warnings,
            "rubric": self.rubric.as_dict() if self.rubric is not None else None,
        }


def verify_pack(
    path: str | Path, store: Store | None = None, *, draw: Draw | None = None
) -> PackReport:
    """Check an evidence pack: its format, that every file a pack holds is there once, would
    unzip as it is read here (under no other name, not as a link) and matches the manifest,
    which has no key the format does not define, that no JSON file gives a key twice, that its
    reports (score, README, timeline, traces, authority) are of the run the manifest names, that
    its score was judged by the rubric it names (a shipped name, however written, means the
    shipped rubric), and every record its content hash.

    Offline, this proves only that the files agree with the manifest and each record with its
    own content hash: nothing is signed, so anyone rewriting files and manifest together passes
    it, and nothing ties the reports to the records. Given the ``store`` the pack came from,
    each record must also be the store's own, content hash, chain hash and time alike, and every
    report is built again as of the pack's last record and compared: a forged record or report
    cannot pass that. With ``draw`` too, so are the pictures. The report then names the record
    the pack is as of, and warns, without failing it, of what the store has said of the run since.
    The store must pass verification first, as it must to build a pack: one whose tables were
    edited past its records' hashes is a problem, and nothing is compared with it.

    Raises
    ------
    InvalidRecord
        When the file is not a zip or has no readable manifest.
    """
    report = PackReport()
    unpacked = _entries(path, report)
    contents = unpacked.contents
    manifest_data = contents.pop(_MANIFEST, b"")
    try:
        manifest = json.loads(manifest_data)
        listed: dict[str, Any] = manifest["files"]
        if not isinstance(listed, dict):
            raise TypeError("files is not a table of file names")
    except (KeyError, ValueError, TypeError, RecursionError) as error:
        raise InvalidRecord("the pack has no readable manifest.json", location=str(path)) from error
    report.run = manifest.get("run")
    if manifest.get("format") != PACK_FORMAT:
        report.problems.append(
            f"manifest.json: format {manifest.get('format')!r}, expected {PACK_FORMAT!r}"
        )
    if not report.run:
        report.problems.append("manifest.json: names no run")
    report.problems += _undefined_keys(manifest)
    report.problems += _keys_given_twice({_MANIFEST: manifest_data, **contents})
    matched = _check_files(unpacked, listed, report)
    report.problems += _of_another_run(contents, report.run)
    report.problems += _reports_about({n: contents[n] for n in matched}, report.run)
    report.problems += _rubric_claims(contents)
    report.problems += _score_sums(contents)
    report.rubric = _judged_by(contents)
    if store is None:
        _check_records(contents.get("records.jsonl", b""), report, None)
        return report
    report.store = store.url
    checked = _verified(store, report)
    _check_records(contents.get("records.jsonl", b""), report, store if checked else None)
    if checked is not None:
        _compare_with_the_store(store, checked.records, manifest, contents, draw, report)
    return report


def _verified(store: Store, report: PackReport) -> VerifyReport | None:
    """The store's verification, when it passes, as a store a pack is built from must; else a
    problem. A store whose tables were edited past its records' hashes gives reports that agree
    with a pack built from those tables, so only a store that verifies can vouch for a pack."""
    try:
        return require_verified(store, "no pack is checked against it")
    except StoreFailsVerify as error:
        report.problems.append(str(error))
        return None


_MANIFEST_KEYS = frozenset(
    {"format", "run", "store_records", "store_chain_head", "as_of", "files", "created_at"}
)
_ENTRY_KEYS = frozenset({"sha256", "bytes"})
"""The keys of a manifest, and of each file's entry in it: the pack format defines no others.
``created_at`` (when the pack was made, by the clock of the machine that made it) is one that
packs made by earlier versions carry: it is taken, and nothing rests on it."""


def _undefined_keys(manifest: dict[str, Any]) -> list[str]:
    """The keys of the manifest, and of its files' entries, that the pack format does not
    define: nothing checks what one would claim, yet a reader might take it at its word."""
    found = [
        f"manifest.json: {key!r} is not a key the pack format defines"
        for key in sorted(set(manifest) - _MANIFEST_KEYS)
    ]
    for name, entry in sorted(manifest["files"].items()):
        if isinstance(entry, dict):
            found += [
                f"manifest.json: {key!r} in the entry of {name} is not a key the pack format "
                "defines"
                for key in sorted(set(entry) - _ENTRY_KEYS)
            ]
    return found


_JSON_FILES = (
    _MANIFEST,
    "prov.json",
    "trace.json",
    "authority.json",
    "score.json",
    "timeline.json",
    "rubric.json",
)
"""The files of a pack that are JSON texts; records.jsonl is one on each line."""


def _keys_given_twice(contents: dict[str, bytes]) -> list[str]:
    """The JSON files, and lines of records.jsonl, that give a key twice in one object: Python
    reads the last, other parsers the first, so the file checked here and the one another
    reader sees would differ."""
    found = [
        f"{name}: key {key!r} given twice in one object; readers differ on which counts"
        for name in _JSON_FILES
        if name in contents and (key := _key_given_twice(contents[name])) is not None
    ]
    try:
        lines = _json_lines(contents.get("records.jsonl", b""))
    except UnicodeDecodeError:
        lines = []  # a problem _check_records names
    found += [
        f"records.jsonl:{number}: key {key!r} given twice in one object; readers differ on "
        "which counts"
        for number, line in enumerate(lines, start=1)
        if (key := _key_given_twice(line)) is not None
    ]
    return found


def _key_given_twice(text: str | bytes) -> str | None:
    """The first key a JSON text gives twice in one object, if any (none in what is not JSON,
    which the checks that read it name)."""
    try:
        json.loads(text, object_pairs_hook=unique_keys)
    except RepeatedKey as repeated:
        return repeated.key
    except (ValueError, RecursionError):
        return None
    return None


def _check_files(unpacked: _Unpacked, listed: dict[str, Any], report: PackReport) -> set[str]:
    """Every file a pack holds is there, and every file there is one a pack holds, listed in
    the manifest with its SHA-256 and size; an entry left unread is a problem already. Returns
    the names of the files that match the manifest."""
    matched = set()
    names = unpacked.names - {_MANIFEST}
    for name in sorted(_REQUIRED - set(listed) - names):
        report.problems.append(f"{name}: missing; every evidence pack holds it")
    for name in sorted(names - _KNOWN):
        report.problems.append(f"{name}: not a file an evidence pack holds")
    for name in sorted(set(listed) | names):
        if name not in names:
            report.problems.append(f"{name}: listed in the manifest but missing")
        elif name not in listed:
            report.problems.append(f"{name}: not listed in the manifest")
        elif name not in unpacked.contents:
            continue
        elif unpacked.digests[name] != _listed(listed[name], "sha256"):
            report.problems.append(f"{name}: SHA-256 does not match the manifest")
        elif len(unpacked.contents[name]) != _listed(listed[name], "bytes"):
            report.problems.append(f"{name}: its size does not match the manifest")
        else:
            report.files += 1
            matched.add(name)
    return matched


def _compare_with_the_store(
    store: Store,
    held: int,
    manifest: dict[str, Any],
    contents: dict[str, bytes],
    draw: Draw | None,
    report: PackReport,
) -> None:
    """Every file the pack holds that the store gives too, built again as of the record the
    manifest names, compared with the store's: a report rewritten, hashes and manifest alike, is
    caught here. Pictures are drawn again only given ``draw``; a file the pack leaves out is
    not compared, and not counted as compared. Built again as of now too, the reports show
    what the store has said of the run since. ``held`` is how many records the store holds."""
    basis = _basis(store, held, manifest, contents)
    if isinstance(basis, list):
        report.problems += basis
        return
    report.as_of_record, report.as_of_time = basis.seq, _time_of(store, basis.seq)
    try:
        then = {**basis.files(store, basis.at), **_drawn(draw, store, basis.run, basis.at)}
        now = basis.files(store, Moment(None, basis.at.time))
    except ProvenanceError as error:
        report.problems.append(
            f"manifest.json: run {basis.run} cannot be rebuilt from the store: {error}"
        )
        return
    report.compared = sorted(name for name in then if name in contents)
    expected = _as_packed(then, contents, basis.run)
    differ = [name for name in report.compared if contents[name] != expected[name]]
    report.problems += [
        f"{name}: not what the store gives for run {basis.run} as of record {basis.seq}"
        for name in differ
    ]
    if any(name not in _DATA for name in differ):
        report.warnings.append(_REBUILT_BY_THESE_RULES.format(run=basis.run, seq=basis.seq))
    report.warnings += _since(store, basis, then, now)


_DATA = frozenset({"records.jsonl", "rubric.json", "README.txt"})
"""The files a pack copies from the store or writes as they are, which no rule of a question
reads: any difference in one is a change to the pack."""
_REBUILT_BY_THESE_RULES = (
    "reports are rebuilt by this raidt's rules: one that differs was changed after the pack was "
    "built, or built by a raidt whose rules differ (a later fix in how a question reads the "
    "graph); `raidt evidence {run}` as of record {seq}'s time builds this raidt's pack to compare"
)


_ADDED_SINCE = {
    "score.json": (("rubric_sha256",), ("critical_failed",)),
    "trace.json": (("*", "approvals", "*", "withdrawn"),),
    "authority.json": (("*", "rests_on"),),
}
"""Keys reports gained after packs were first made, each by the path to it (``*`` every
output's trace, action's authority or list item): a pack made before holds none of them."""


def _as_packed(rebuilt: dict[str, bytes], contents: dict[str, bytes], run: str) -> dict[str, bytes]:
    """The files built again as the pack's own version wrote them: without the keys added
    since, when the pack's report has none of them, and with the README it wrote, so that an
    older pack still checks out."""
    adjusted = dict(rebuilt)
    former = {readme.format(run=run).encode() for readme in _FORMER_READMES}
    if "README.txt" in rebuilt and contents.get("README.txt") in former:
        adjusted["README.txt"] = contents["README.txt"]
    for name, paths in _ADDED_SINCE.items():
        if name not in rebuilt or name not in contents:
            continue
        try:
            packed = json.loads(contents[name])
        except ValueError:
            continue
        absent = [p for p in paths if not any(p[-1] in held for held in _holding(packed, p))]
        if absent:
            data = json.loads(rebuilt[name])
            for path in absent:
                for held in _holding(data, path):
                    held.pop(path[-1], None)
            adjusted[name] = readable_json(data)
    return adjusted


def _holding(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    """The objects a key's path leads to, the key being its last step."""
    found = [data]
    for step in path[:-1]:
        found = [inner for value in found for inner in _within(value, step)]
    return [value for value in found if isinstance(value, dict)]


def _within(value: Any, step: str) -> list[Any]:
    """What one step of a path leads to from ``value``: ``*`` every value or item in it."""
    if isinstance(value, list):
        return value if step == "*" else []
    if not isinstance(value, dict):
        return []
    if step == "*":
        return list(value.values())
    return [value[step]] if step in value else []


@dataclass(frozen=True, slots=True)
class _Basis:
    """What a pack's reports are built again from: its run, its moment, its rubric and the
    prefixes its PROV declares."""

    run: str
    seq: int
    """The store's record the pack is as of."""
    at: Moment
    rubric: Rubric
    namespaces: dict[str, str] | None

    def files(self, store: Store, at: Moment) -> dict[str, bytes]:
        return pack_files(store, self.run, rubric=self.rubric, at=at, namespaces=self.namespaces)


def _basis(
    store: Store, held: int, manifest: dict[str, Any], contents: dict[str, bytes]
) -> _Basis | list[str]:
    """What to build the pack's reports again from, or why they cannot be: a pack is as of a
    record the store holds, not one past its last, whose chain hash would read as the empty
    chain's."""
    seq, head, run = (manifest.get(k) for k in ("store_records", "store_chain_head", "run"))
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or not isinstance(run, str):
        return ["manifest.json: no record count and run to rebuild the reports from"]
    if seq > held:
        return [f"manifest.json: store_records is {seq}, but the store holds {held} records"]
    if _chain_at(store, seq) != head:
        return [f"manifest.json: the store's chain hash at record {seq} is not the pack's head"]
    rubric = _rubric_of(contents)
    if isinstance(rubric, str):
        return [rubric]
    as_of = manifest.get("as_of")
    if (wrong := _as_of_problem(store, seq, as_of)) is not None:
        return [wrong]
    declared = _prefixes_of(contents)
    if declared is not None and (foreign := _foreign_prefixes(store, declared)):
        return foreign
    moment = Moment(seq, as_of if isinstance(as_of, str) else None)
    namespaces = None if declared is None else {**declared, **STANDARD_NAMESPACES}
    return _Basis(run, seq, moment, rubric, namespaces)


def _as_of_problem(store: Store, seq: int, as_of: object) -> str | None:
    """Why the manifest's ``as_of`` is not a time at which the store held ``seq`` records, the
    last of them record ``seq``: the reports are built again under that time, so a forged one,
    written into the reports as well, would pass. A pack made before manifests named a time
    names none, and its reports none either. A time ahead of this machine's clock is taken
    as a pack is built as of it: when the store's records reach it, as a clock that ran ahead
    may have written them."""
    if as_of is None:
        return None
    try:
        when = _utc(as_of) if isinstance(as_of, str) else None
    except InvalidRecord:
        when = None
    if when is None:
        return f"manifest.json: as_of {as_of!r} is not a time"
    try:
        require_come(store, parse_time(when))
    except InvalidRecord:
        return f"manifest.json: as_of {as_of} is a time that has not come"
    held = store.seq_at(when)
    if held != seq:
        return (
            f"manifest.json: as of {as_of} the store held {held} records, not the {seq} "
            "store_records says"
        )
    return None


def _since(store: Store, basis: _Basis, then: dict[str, bytes], now: dict[str, bytes]) -> list[str]:
    """What the store has said of the run after the pack's record: each later record among
    those a pack built now would hold, and the reports that differ. Both are built under the
    pack's time, so that only what they say can differ."""
    changed = sorted(name for name in now if now[name] != then.get(name))
    if not changed:
        return []
    later = [r for r in _records_in(store, now["records.jsonl"]) if r.seq > basis.seq]
    return [
        *(
            f"record {r.seq} ({r.kind} {r.id}, written {r.recorded_at}) concerns run "
            f"{basis.run} and came after the pack"
            for r in later
        ),
        f"the store says more of run {basis.run} now than as of record {basis.seq}: "
        f"{', '.join(changed)} differ; build the pack again for the store's latest word",
    ]


def _json_lines(data: bytes) -> list[str]:
    """The lines of a JSON Lines file: split at line feeds alone, as they are written. Text
    may hold U+2028 and other characters ``str.splitlines`` would also split at.

    Raises
    ------
    UnicodeDecodeError
        When the data is not UTF-8.
    """
    return data.decode().removesuffix("\n").split("\n") if data else []


def _records_in(store: Store, data: bytes) -> list[StoredRecord]:
    """The store's records named in a ``records.jsonl`` the store gave, in the order written."""
    ids = (json.loads(line)["id"] for line in _json_lines(data))
    return sorted((r for i in ids if (r := store.record(i)) is not None), key=lambda r: r.seq)


_MOST = 128 << 20
"""The most read from a pack, unpacked, all entries together: 128 MiB. The demo's discharge
summary pack is 155 kB unpacked; a run of 100 inputs and 20 outputs, each reviewed, approved
and acted on, 3 MB; five runs deep, each of 200 inputs, the last with 100 outputs so handled,
63 MB (39 MB of it trace.json), and building that took minutes. Twice that is no one run's
pack, and checking it should not take the memory that reading a gigabyte would."""
_CHUNK = 1 << 20
"""How much of an entry is unpacked and hashed at a time."""


@dataclass(slots=True)
class _Unpacked:
    """A pack's entries: every name in the zip, and the bytes and SHA-256 of those read."""

    names: set[str] = field(default_factory=set)
    contents: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


def _entries(path: str | Path, report: PackReport) -> _Unpacked:
    """The pack's entries by name; a name given twice, a folder, a name that is not a plain
    file name or an entry that cannot be unpacked is a problem, not a crash. Only the files a
    pack holds are read, each hashed as it is unpacked, and none once the pack would unpack
    past :data:`_MOST`: a name no pack holds is refused unread, however large."""
    unpacked = _Unpacked()
    total = 0
    try:
        with zipfile.ZipFile(path) as pack:
            for info in pack.infolist():
                name = info.filename
                if name in unpacked.names:
                    report.problems.append(f"{name}: in the zip more than once")
                    continue
                unpacked.names.add(name)
                if name != Path(name).name or name in (".", "..") or "\\" in name:
                    report.problems.append(f"{name}: not a plain file name")
                    continue
                if (odd := _odd_entry(pack, info)) is not None:
                    report.problems.append(f"{name}: {odd}")
                    continue
                if name not in _KNOWN:
                    continue
                if total + info.file_size > _MOST:
                    report.problems.append(
                        f"{name}: {info.file_size} bytes, too large to read: a pack unpacks to "
                        f"{_MOST} bytes at most"
                    )
                    continue
                try:
                    data, digest = _unpacked(pack, info)
                except (
                    zipfile.BadZipFile,
                    zlib.error,
                    RuntimeError,
                    NotImplementedError,
                    EOFError,
                ) as error:
                    report.problems.append(f"{name}: cannot be unpacked: {error}")
                    continue
                total += len(data)
                unpacked.contents[name], unpacked.digests[name] = data, digest
    except (OSError, zipfile.BadZipFile) as error:
        raise InvalidRecord(f"not a readable evidence pack: {error}", location=str(path)) from error
    return unpacked


_UNICODE_PATH = 0x7075
"""Info-ZIP's Unicode Path extra field: unzip names the file it writes by it, zipfile ignores it.
(Its Unicode Comment field, 0x6375, changes no name.)"""


def _odd_entry(pack: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """Why an entry would not unzip as the file checked, if it would not: under another name
    (a Unicode Path field, in either of its headers, which unzip reads and zipfile does not),
    or as something other than a regular file (a link, which unzip makes, pointing anywhere)."""
    if _UNICODE_PATH in _extra_ids(info.extra) | _extra_ids(_local_extra(pack, info)):
        return "carries a Unicode Path field (0x7075), under which unzip writes another name"
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind not in (0, stat.S_IFREG):
        return (
            f"not a regular file (mode {info.external_attr >> 16:o}): unzip would make a link "
            "or another kind of file"
        )
    return None


def _local_extra(pack: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The extra field of an entry's local header, which zipfile reads past (a header that is
    not one fails when the entry is read)."""
    if pack.fp is None:
        return b""
    pack.fp.seek(info.header_offset)
    header = pack.fp.read(30)
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        return b""
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    pack.fp.seek(name_length, io.SEEK_CUR)
    return pack.fp.read(extra_length)


def _extra_ids(extra: bytes) -> set[int]:
    """The header ids of the fields in a zip extra field."""
    ids: set[int] = set()
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        ids.add(kind)
        at += 4 + size
    return ids


def _unpacked(pack: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bytes, str]:
    """An entry's bytes and their SHA-256, hashed as they are unpacked (no more than the size
    its header gives: zipfile stops there)."""
    digest = hashlib.sha256()
    data = bytearray()
    with pack.open(info) as entry:
        while chunk := entry.read(_CHUNK):
            digest.update(chunk)
            data += chunk
    return bytes(data), digest.hexdigest()


def _listed(entry: object, key: str) -> object:
    return entry.get(key) if isinstance(entry, dict) else None


def _of_another_run(contents: dict[str, bytes], run: object) -> list[str]:
    """The reports that are not of the run the manifest names: a manifest pointed at another
    run, however consistent its hashes, does not describe these files."""
    try:
        scored = json.loads(contents.get("score.json", b"{}")).get("run")
    except (ValueError, AttributeError, RecursionError):
        return ["score.json: not a score profile"]
    found = []
    if scored is not None and scored != run:
        found.append(f"score.json: scores run {scored}, not the manifest's run {run}")
    readme = contents.get("README.txt", b"").decode(errors="replace").splitlines()[:1]
    if readme and readme != [f"RAIDT evidence pack for run {run}"]:
        found.append(f"README.txt: its first line is not about run {run}")
    return found


def _reports_about(contents: dict[str, bytes], run: object) -> list[str]:
    """Why the timeline, traces and authority in ``contents`` (the files that match the
    manifest) are not about the manifest's run, as far as they name it: the timeline's run row
    is the run, each trace leads up to it (unless cut short at the depth limit), and the actions
    whose authority is shown are the timeline's. Relabelling a pack as another run then takes
    rewriting them too, not only the manifest, score and README."""
    timeline, traces, powers = (
        _loaded(contents, name) for name in ("timeline.json", "trace.json", "authority.json")
    )
    found = []
    if timeline is not None:
        rows = [row for row in timeline if isinstance(row, dict)]
        runs = [row.get("id") for row in rows if row.get("type") == "run"]
        if runs != [run]:
            told = ", ".join(map(str, runs)) or "none"
            found.append(f"timeline.json: its run is {told}, not the manifest's run {run}")
    if traces is not None:
        astray = sorted(
            str(output) for output, answer in traces.items() if not _traced_to(answer, output, run)
        )
        if astray:
            found.append(f"trace.json: {', '.join(astray)} not traced to run {run}")
    if powers is not None and timeline is not None:
        acted = _ids(row.get("id") for row in rows if row.get("type") == "action")
        other = sorted(
            str(action)
            for action, answer in powers.items()
            if action not in acted or not isinstance(answer, dict) or answer.get("action") != action
        )
        if other:
            found.append(f"authority.json: {', '.join(other)} not among the timeline's actions")
    return found


def _loaded(contents: dict[str, bytes], name: str) -> Any:
    """A report's JSON, when the pack holds it and it is the list or table it should be."""
    if name not in contents:
        return None
    try:
        data = json.loads(contents[name])
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, list if name == "timeline.json" else dict) else None


def _traced_to(answer: object, output: str, run: object) -> bool:
    """Whether a trace is of ``output`` and leads up to ``run``, or stopped at the depth limit
    before it could."""
    if not isinstance(answer, dict) or answer.get("output") != output:
        return False
    runs = answer.get("runs")
    ids = (
        _ids(r.get("id") for r in runs if isinstance(r, dict)) if isinstance(runs, list) else set()
    )
    return (isinstance(run, str) and run in ids) or answer.get("depth_limit_reached") is True


def _ids(values: Iterable[object]) -> set[str]:
    """The ids among ``values``: a forged report may give a list or an object instead, which
    names nothing (and cannot be hashed to look it up)."""
    return {v for v in values if isinstance(v, str)}


def _prefixes_of(contents: dict[str, bytes]) -> dict[str, str] | None:
    """The prefixes the pack's PROV declares, to write it again the same way; ``None`` when it
    declares none that can be read, and the store's are used."""
    try:
        declared = json.loads(contents["prov.json"])["prefix"]
    except (KeyError, ValueError, TypeError, RecursionError):
        return None
    if not isinstance(declared, dict) or not all(isinstance(v, str) for v in declared.values()):
        return None
    return declared


def _foreign_prefixes(store: Store, declared: dict[str, str]) -> list[str]:
    """Each prefix the pack declares that binds a namespace neither the store nor a standard
    prefix binds it to, as a problem. The pack's PROV is written again with the prefixes it
    declares, so a forged one (the store's ids under another organisation's prefix, or under a
    name PROV-N cannot write) would be written again just as forged, and pass."""
    own = store.namespaces()
    return [
        f"prov.json: prefix {prefix!r} names {uri}, which neither the store nor a standard "
        "prefix binds it to"
        for prefix, uri in declared.items()
        if own.get(prefix) != uri and STANDARD_NAMESPACES.get(prefix) != uri
    ]


def _rubric_of(contents: dict[str, bytes]) -> Rubric | str:
    """The rubric the pack's score was judged by: the shipped one when the score names one,
    however written (a shipped name means the shipped rubric, in the version the pack carries if
    it is an earlier one), else in full as the pack carries it; else why the score cannot be
    rebuilt."""
    name = _scored_by(contents)
    carried = _carried_rubric(contents)
    shipped = shipped_name(name) if name is not None else None
    if shipped is not None:
        if carried is not None and _earlier_shipped(carried, shipped):
            return carried
        return load_rubric(shipped)
    if carried is not None:
        return carried
    if "rubric.json" in contents:
        return "rubric.json: not a rubric"
    if name is None:
        return "score.json: names no rubric to rebuild the score with"
    return f"score.json: rubric {name!r} is neither in the pack nor shipped"


def _earlier_shipped(carried: Rubric, name: str) -> bool:
    """Whether the rubric a pack carries is an earlier version of the shipped rubric ``name``."""
    return carried.name == name and former_shipped(carried)


def _scored_by(contents: dict[str, bytes]) -> str | None:
    """The name of the rubric the pack's score says judged it, if it names one."""
    name = _score_field(contents, "rubric")
    return name if isinstance(name, str) else None


def _score_field(contents: dict[str, bytes], key: str) -> object:
    """A field of the pack's score profile; ``None`` when there is no such profile or field."""
    try:
        return json.loads(contents["score.json"]).get(key)
    except (KeyError, ValueError, AttributeError, RecursionError):
        return None


def _carried_rubric(contents: dict[str, bytes]) -> Rubric | None:
    """The rubric the pack carries in full, if it carries a valid one."""
    try:
        return Rubric.model_validate_json(contents["rubric.json"], context=CARRIED)
    except (KeyError, ValidationError):
        return None


def _rubric_claims(contents: dict[str, bytes]) -> list[str]:
    """Why the score's claim about its rubric does not hold: a score naming a shipped rubric, or
    a rubric taking a shipped rubric's name, however written (``General`` and ``general `` read
    as ``general``), was judged by that rubric and no other, and its ``rubric_sha256`` names the
    very rubric."""
    name, carried = _scored_by(contents), _carried_rubric(contents)
    shipped = shipped_name(name) if name is not None else None
    found = []
    if name is not None and shipped is not None and name != shipped:
        found.append(
            f"score.json: names rubric {name!r}, the shipped rubric {shipped!r} "
            f"{how_written(name, shipped)}; a shipped name means the shipped rubric"
        )
    claimed = shipped or (shipped_name(carried.name) if carried is not None else None)
    if (
        claimed is not None
        and carried is not None
        and carried != load_rubric(claimed)
        and not _earlier_shipped(carried, claimed)
    ):
        whose = "that score.json names" if shipped else f"whose name it takes as {carried.name!r}"
        found.append(
            f"rubric.json: not the shipped rubric {claimed!r} {whose}; "
            "a shipped name means the shipped rubric"
        )
    if found:
        return found
    judge = _rubric_of(contents)
    if isinstance(judge, Rubric) and _score_field(contents, "rubric_sha256") not in (
        None,
        judge.sha256(),
    ):
        return [f"score.json: its rubric_sha256 is not the SHA-256 of rubric {judge.name!r}"]
    return []


def _score_sums(contents: dict[str, bytes]) -> list[str]:
    """Whether the score's checks are its rubric's, with their pillars and weights, and its
    pillars, overall and critical checks what those checks' results add up to under it: what
    the pack's own files settle of a score, where only the store can settle each result."""
    judge = _rubric_of(contents)
    if not isinstance(judge, Rubric):
        return []  # no rubric to add up by: said where the rubric's claims are checked
    try:
        scored = json.loads(contents["score.json"])
        checks = scored["checks"]
        given = {c["id"]: (c["pillar"], c["weight"]) for c in checks}
        if given != {c.id: (c.pillar, c.weight) for c in judge.checks} or len(given) != len(checks):
            return [
                f"score.json: its checks are not rubric {judge.name!r}'s, each once, as it weighs "
                "them"
            ]
        sums = profile(judge, checks)
    except (KeyError, ValueError, TypeError, AttributeError, RecursionError):
        return []  # not a score profile: said where the pack's reports are read
    added = {path[0] for path in _ADDED_SINCE["score.json"]}
    wrong = [k for k, v in sums.items() if scored.get(k) != v and (k in scored or k not in added)]
    return [
        f"score.json: {k!r} is not what its checks' results add up to under rubric {judge.name!r}"
        for k in wrong
    ]


def _judged_by(contents: dict[str, bytes]) -> JudgedBy | None:
    """The rubric the pack's score was judged by and where it comes from, when it is known."""
    judge = _rubric_of(contents)
    if isinstance(judge, str):
        return None
    if shipped_name(judge.name) == judge.name and judge == load_rubric(judge.name):
        source = "shipped"
    else:
        source = "earlier shipped" if former_shipped(judge) else "pack"
    return JudgedBy(judge.name, judge.sha256(), source)


def _check_records(data: bytes, report: PackReport, store: Store | None) -> None:
    """Every record in ``records.jsonl`` against its content hash, and against the store's own
    record of that id when there is a store."""
    try:
        lines = _json_lines(data)
    except UnicodeDecodeError:
        report.problems.append("records.jsonl: not UTF-8 text")
        lines = []
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
            record_id, body, content_hash = record["id"], record["body"], record["content_hash"]
            matches = sha256_tag(body) == content_hash
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            report.problems.append(f"records.jsonl:{number}: not a record")
            continue
        report.records += 1
        if not matches:
            report.problems.append(
                f"records.jsonl:{number}: {record_id} does not match its content hash"
            )
        if store is not None:
            report.problems += _against_store(store, record, f"records.jsonl:{number}")


def _against_store(store: Store, record: dict[str, Any], where: str) -> list[str]:
    """Why a record in a pack is not the store's own record of that id (empty: it is)."""
    stored = store.record(str(record["id"]))
    if stored is None:
        return [f"{where}: {record['id']} is not in the store"]
    differ = [
        name
        for name, held in (
            ("content_hash", stored.content_hash),
            ("chain_hash", stored.chain_hash),
            ("recorded_at", stored.recorded_at),
        )
        if record.get(name) != held
    ]
    if differ:
        return [f"{where}: {record['id']} differs from the store's record in {', '.join(differ)}"]
    return []
