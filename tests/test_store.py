"""The store contract on graphs whose answers are known: atomic, append-only, indexed."""

from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from provenance import ingest
from provenance.errors import RecordConflict
from provenance.graph import Element, Fragment, Relation
from provenance.graph import attributes as canonical
from provenance.ingest import prepare
from provenance.integrity import verify
from provenance.records import RECORD_ADAPTER
from provenance.stores import Direction, PreparedRecord, SQLiteStore, Store
from provenance.stores.plan import stamp
from provenance.vocabulary import Attr, Role, Type
from tests.conftest import put
from tests.factories import approval, earlier_output, iri, review, run

UP_KINDS = ["wasGeneratedBy", "used", "wasDerivedFrom", "wasRevisionOf", "wasAssociatedWith"]


def chain(store: Store, length: int) -> None:
    """Runs 1..length, each using the previous run's output."""
    records = [run(1)]
    for n in range(2, length + 1):
        records.append(run(n, inputs=[earlier_output(iri(f"out/{n - 1}-1"))], minute=n))
    put(store, *records)


def test_write_is_idempotent(store: Store) -> None:
    first = put(store, run(1))
    counts = store.counts()
    second = put(store, run(1))
    assert first.written == [iri("runs/1")]
    assert second.written == []
    assert second.unchanged == [iri("runs/1")]
    assert store.counts() == counts


def test_different_record_under_same_id_is_refused_and_nothing_written(store: Store) -> None:
    put(store, run(1))
    before = store.counts()
    changed = run(1, task="credit memo")
    with pytest.raises(RecordConflict, match="append-only"):
        put(store, run(2), changed)
    assert store.counts() == before
    assert store.record(iri("runs/2")) is None


def test_a_failed_batch_leaves_nothing_behind(store: Store) -> None:
    good = prepare(RECORD_ADAPTER.validate_python(run(1)))
    clash = prepare(RECORD_ADAPTER.validate_python(run(1, task="other")))
    with pytest.raises(RecordConflict):
        store.write([good, clash])
    assert store.counts()["records"] == 0
    assert store.nodes([iri("runs/1")]) == {}


def test_run_maps_to_the_prov_shape_of_the_design(store: Store) -> None:
    put(store, run(1))
    nodes = store.nodes([iri("runs/1"), iri("out/1-1"), iri("tpl/v1"), iri("runs/1/prompt")])
    assert nodes[iri("runs/1")].types == {Type.RUN}
    assert nodes[iri("runs/1")].kinds == {"activity"}
    assert nodes[iri("out/1-1")].types == {Type.OUTPUT}
    assert nodes[iri("tpl/v1")].types == {Type.PLAN, Type.PROMPT_TEMPLATE}
    assert nodes[iri("runs/1/prompt")].text(Attr.CONTENT_HASH).startswith("sha256:")
    up = store.traverse([iri("out/1-1")], ["wasGeneratedBy"], Direction.UP, 1)
    assert set(up.depths) == {iri("out/1-1"), iri("runs/1")}
    associations = store.traverse([iri("runs/1")], ["wasAssociatedWith"], Direction.UP, 1)
    roles = {r.dst: r.first(Attr.ROLE) for r in associations.relations}
    assert roles[iri("people/ana")] == {"@id": "https://w3id.org/raidt#initiator"}
    assert roles["urn:raidt:model:acme:writer:1"] == {"@id": "https://w3id.org/raidt#generator"}
    plan = next(r for r in associations.relations if r.dst == iri("people/ana"))
    assert plan.first("http://www.w3.org/ns/prov#plan") == {"@id": iri("tpl/v1")}


def test_upstream_traversal_follows_a_chain_to_its_depth(store: Store) -> None:
    chain(store, 25)
    config = next(iter(store.ids_of_type(Type.MODEL_CONFIG)))
    # Outputs derive from their inputs directly, so the first run is 25 hops up …
    full = store.traverse([iri("out/25-1")], UP_KINDS, Direction.UP, 100)
    assert full.depths[iri("runs/1")] == 25
    assert full.depths[iri("docs/1")] == 25
    # … and 49 hops when only generation and usage are followed.
    steps = store.traverse([iri("out/25-1")], ["wasGeneratedBy", "used"], Direction.UP, 100)
    assert steps.depths[iri("runs/1")] == 49
    bounded = store.traverse([iri("out/25-1")], ["wasGeneratedBy", "used"], Direction.UP, 4)
    assert bounded.depths == {
        iri("out/25-1"): 0,
        iri("runs/25"): 1,
        iri("out/24-1"): 2,
        iri("runs/25/prompt"): 2,
        config: 2,
        iri("runs/24"): 3,
        iri("out/23-1"): 4,
        iri("runs/24/prompt"): 4,
    }


def test_downstream_traversal_finds_every_dependant(store: Store) -> None:
    chain(store, 5)
    down = store.traverse([iri("docs/1")], ["used", "wasGeneratedBy"], Direction.DOWN, 50)
    runs = {i for i in down.depths if "/runs/" in i}
    assert runs == {iri(f"runs/{n}") for n in range(1, 6)}
    assert iri("docs/2") not in down.depths


def test_each_relation_is_returned_once(store: Store) -> None:
    chain(store, 6)
    found = store.traverse([iri("out/6-1")], UP_KINDS, Direction.BOTH, 30)
    keys = [r.canonical for r in found.relations]
    assert len(keys) == len(set(keys))
    between = [r for r in store.relations_between(found.depths) if r.kind in UP_KINDS]
    assert sorted(keys) == sorted(r.canonical for r in between)


def test_traversal_terminates_on_cycles(store: Store) -> None:
    # Bad input can say two outputs derive from each other; traversals must still end.
    put(store, run(1), run(2))
    loop = Fragment(
        relations=(
            Relation("wasDerivedFrom", iri("out/1-1"), iri("out/2-1")),
            Relation("wasDerivedFrom", iri("out/2-1"), iri("out/1-1")),
        )
    )
    store.write([PreparedRecord("urn:test:loop", "prov-document", "{}", "sha256:x", loop)])
    found = store.traverse([iri("out/1-1")], ["wasDerivedFrom"], Direction.UP, 1000)
    assert set(found.depths) == {iri("out/1-1"), iri("out/2-1"), iri("docs/1"), iri("docs/2")}
    assert found.depths[iri("out/2-1")] == 1


def test_traversal_can_follow_only_relations_not_bound_to_an_activity(store: Store) -> None:
    # Standing delegations lead on; a claim made for one decision (prov:activity) does not, nor
    # is a value that merely spells out the attribute's name taken for it.
    activity = "http://www.w3.org/ns/prov#activity"
    people = {name: iri(f"people/{name}") for name in ("ana", "ben", "cy", "dee", "eve")}
    graph = Fragment(
        relations=(
            Relation("actedOnBehalfOf", people["ana"], people["ben"], ((Attr.SCOPE, "*"),)),
            Relation("actedOnBehalfOf", people["ben"], people["cy"]),
            Relation(
                "actedOnBehalfOf",
                people["ana"],
                people["dee"],
                (("http://www.w3.org/ns/prov#activity", {"@id": iri("approvals/a1")}),),
            ),
            Relation(
                "actedOnBehalfOf", people["dee"], people["eve"], ((Attr.SCOPE, f'["{activity}",'),)
            ),
        )
    )
    store.write([PreparedRecord("urn:test:chain", "prov-document", "{}", "sha256:x", graph)])
    kinds = ["actedOnBehalfOf"]
    every = store.traverse([people["ana"]], kinds, Direction.UP, 10)
    standing = store.traverse([people["ana"]], kinds, Direction.UP, 10, without_activity=True)
    assert set(every.depths) == set(people.values())
    assert standing.depths == {people["ana"]: 0, people["ben"]: 1, people["cy"]: 2}
    assert {(r.src, r.dst) for r in standing.relations} == {
        (people["ana"], people["ben"]),
        (people["ben"], people["cy"]),
    }
    unclaimed = store.traverse([people["dee"]], kinds, Direction.UP, 10, without_activity=True)
    assert set(unclaimed.depths) == {people["dee"], people["eve"]}


def test_traversal_can_skip_nodes_of_given_types(store: Store) -> None:
    # Uses by runs are left out, whatever their roles; a review, an approval and an untyped
    # activity are kept, and a node is skipped for a type any record gives it.
    doc = iri("docs/d")

    def activity(name: str, *types: str) -> Element:
        return Element(
            iri(f"acts/{name}"), "activity", canonical((Attr.TYPE, {"@id": t}) for t in types)
        )

    graph = Fragment(
        elements=(
            activity("run", Type.RUN),
            activity("review", Type.REVIEW),
            activity("approval", Type.APPROVAL, Type.DECISION),
            activity("plain"),
            activity("later"),
        ),
        relations=tuple(
            Relation("used", iri(f"acts/{name}"), doc, ((Attr.ROLE, {"@id": role}),))
            for name, role in (
                ("run", Role.SUBJECT),
                ("review", Role.INPUT),
                ("approval", Role.SUBJECT),
                ("plain", Role.PROMPT),
                ("later", Role.INPUT),
            )
        ),
    )
    store.write([PreparedRecord("urn:test:uses", "prov-document", "{}", "sha256:x", graph)])
    retyped = Fragment(elements=(activity("later", Type.RUN),))
    store.write([PreparedRecord("urn:test:later", "prov-document", "{}", "sha256:y", retyped)])
    every = store.traverse([doc], ["used"], Direction.DOWN, 1)
    kept = store.traverse([doc], ["used"], Direction.DOWN, 1, without_types=[Type.RUN])
    assert len(every.depths) == 6
    assert set(kept.depths) == {doc, *(iri(f"acts/{n}") for n in ("review", "approval", "plain"))}
    assert {r.src for r in kept.relations} == set(kept.depths) - {doc}
    deeper = store.traverse([doc], ["used"], Direction.DOWN, 3, without_types=[Type.REVIEW])
    assert iri("acts/review") not in deeper.depths


def test_a_transaction_keeps_several_writes_or_none(store: Store) -> None:
    put(store, run(1))
    before = store.counts()

    def doomed() -> None:
        with store.transaction():
            put(store, run(2))
            put(store, review("r2", iri("out/2-1")))  # refers to the write before it
            put(store, run(1, task="changed"))

    with pytest.raises(RecordConflict):
        doomed()
    assert store.counts() == before
    assert store.record(iri("runs/2")) is None
    with store.transaction():
        put(store, run(2))
        put(store, review("r2", iri("out/2-1")))
    assert store.record(iri("reviews/r2")) is not None
    assert verify(store).ok


def test_record_files_writes_batch_after_batch_in_one_chain(
    store: Store, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A later batch refers to what an earlier one wrote, still uncommitted.
    monkeypatch.setattr(ingest, "BATCH", 2)
    records = [run(1), review("r1", iri("out/1-1")), approval("a1", iri("out/1-1")), run(2)]
    records.append(run(3, inputs=[earlier_output(iri("out/1-1"))], minute=3))
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    seen: list[int] = []
    result = ingest.record_files([path], store, progress=seen.append)
    assert seen == [2, 2, 1]
    assert len(result.written) == 5
    assert store.counts()["records"] == 5
    assert verify(store).ok
    # one transaction, one time: asked as of any moment, the store shows all of the file or none
    assert len({r.recorded_at for r in store.records()}) == 1
    put(store, run(4))
    assert len({r.recorded_at for r in store.records()}) == 2
    again = ingest.record_files([path], store)
    assert (again.written, len(again.unchanged)) == ([], 5)


def test_a_json_lines_record_may_hold_a_unicode_line_separator(store: Store, tmp_path) -> None:
    # JSON allows U+2028 unescaped in a string; it does not end a JSON Lines record.
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(run(1, task="letter\u2028draft"), ensure_ascii=False) + "\n")
    assert "\u2028" in path.read_text(encoding="utf-8")
    assert ingest.record_files([path], store).written == [iri("runs/1")]


def test_as_of_ignores_records_written_later(store: Store) -> None:
    put(store, run(1))
    seq = store.record(iri("runs/1")).seq
    put(store, review("r1", iri("out/1-1")), approval("a1", iri("out/1-1")))
    now = store.traverse([iri("out/1-1")], ["used"], Direction.DOWN, 1)
    then = store.traverse([iri("out/1-1")], ["used"], Direction.DOWN, 1, as_of=seq)
    assert set(now.depths) == {iri("out/1-1"), iri("reviews/r1"), iri("approvals/a1")}
    assert set(then.depths) == {iri("out/1-1")}
    assert store.nodes([iri("approvals/a1")], as_of=seq) == {}


def test_nodes_merge_every_description(store: Store) -> None:
    put(store, run(1), run(2, template="tpl/v1", minute=5))
    template = store.nodes([iri("tpl/v1")])[iri("tpl/v1")]
    assert template.values(Attr.VERSION) == ["v1"]
    assert store.ids_of_type(Type.RUN) == [iri("runs/1"), iri("runs/2")]


def test_traversal_steps_are_index_seeks(tmp_path) -> None:
    store = SQLiteStore(tmp_path / "plan.db")
    kinds = ["used", "wasGeneratedBy"]
    for direction, index in ((Direction.UP, "edges_out"), (Direction.DOWN, "edges_in")):
        plan = store.explain_step(direction, kinds)
        assert any(f"USING INDEX {index}" in step for step in plan), plan
        assert not any(step.startswith("SCAN e") for step in plan), plan


def test_a_walk_up_standing_delegations_reads_no_claims(tmp_path) -> None:
    # A person's claims, one per decision made in another's name, are not read on the way up:
    # the work of the walk is the same with ten claims or a thousand.
    def steps_up_with(claims: int) -> int:
        store = SQLiteStore(tmp_path / f"claims-{claims}.db")
        made = tuple(
            Relation(
                "actedOnBehalfOf",
                iri("people/ana"),
                iri("people/ben"),
                (("http://www.w3.org/ns/prov#activity", {"@id": iri(f"approvals/{n}")}),),
            )
            for n in range(claims)
        )
        standing = Relation("actedOnBehalfOf", iri("people/ana"), iri("people/cy"))
        graph = Fragment(relations=(*made, standing))
        store.write([PreparedRecord("urn:test:c", "prov-document", "{}", "sha256:x", graph)])
        counted = [0]

        def count() -> int:
            counted[0] += 1
            return 0

        store._db.set_progress_handler(count, 1)
        found = store.traverse(
            [iri("people/ana")], ["actedOnBehalfOf"], Direction.UP, 5, without_activity=True
        )
        store._db.set_progress_handler(None, 1)
        assert set(found.depths) == {iri("people/ana"), iri("people/cy")}
        return counted[0]

    assert steps_up_with(1000) == steps_up_with(10)
    plan = SQLiteStore(tmp_path / "plan.db").explain_step(
        Direction.UP, ["actedOnBehalfOf"], without_activity=True
    )
    assert any("USING INDEX edges_standing" in step for step in plan), plan


def test_a_store_made_before_the_standing_index_opens_read_only(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An older store file gets the index when opened for writing; opened read-only, it answers
    # the same, reading the claims along the way.
    path = tmp_path / "older.db"
    store = SQLiteStore(path)
    graph = Fragment(
        relations=(
            Relation("actedOnBehalfOf", iri("people/ana"), iri("people/ben")),
            Relation(
                "actedOnBehalfOf",
                iri("people/ana"),
                iri("people/cy"),
                (("http://www.w3.org/ns/prov#activity", {"@id": iri("approvals/1")}),),
            ),
        )
    )
    store.write([PreparedRecord("urn:test:d", "prov-document", "{}", "sha256:x", graph)])
    store._db.execute("DROP INDEX edges_standing")
    store.close()
    connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda p, **kw: connect(f"file:{p}?mode=ro", uri=True, **kw)
    )
    reader = SQLiteStore(path)
    up = reader.traverse(
        [iri("people/ana")], ["actedOnBehalfOf"], Direction.UP, 3, without_activity=True
    )
    assert set(up.depths) == {iri("people/ana"), iri("people/ben")}
    reader.close()
    monkeypatch.undo()
    writer = SQLiteStore(path)
    plan = writer.explain_step(Direction.UP, ["actedOnBehalfOf"], without_activity=True)
    assert any("USING INDEX edges_standing" in step for step in plan), plan


def test_nodes_read_after_a_rolled_back_write_are_the_ones_asked_for(store: Store) -> None:
    # Row ids a rolled-back write took are free again; nothing read during it may stand for the
    # nodes that take them next.
    put(store, run(1))

    def abandoned() -> None:
        with store.transaction():
            put(store, run(2))
            store.traverse([iri("out/2-1")], UP_KINDS, Direction.UP, 5)
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError):
        abandoned()
    put(store, run(3, task="third"))
    assert store.nodes([iri("out/2-1"), iri("runs/2")]) == {}
    found = store.nodes([iri("runs/3")])
    assert found[iri("runs/3")].text(Attr.TASK) == "third"
    up = store.traverse([iri("out/3-1")], UP_KINDS, Direction.UP, 5)
    assert iri("runs/3") in up.depths
    assert iri("runs/2") not in store.nodes(up.depths)


def test_nodes_come_in_the_order_asked(store: Store) -> None:
    chain(store, 3)
    asked = [iri("runs/3"), iri("out/1-1"), iri("runs/2"), iri("docs/none"), iri("runs/1")]
    store.traverse([iri("runs/2")], UP_KINDS, Direction.UP, 1)  # SQLite keeps some row ids
    assert list(store.nodes(asked)) == [i for i in asked if i != iri("docs/none")]
    assert list(store.nodes(reversed(asked))) == [i for i in reversed(asked) if "none" not in i]


def test_no_kinds_or_unknown_kinds_find_no_relations(store: Store) -> None:
    put(store, run(1))
    ids = [iri("runs/1"), iri("out/1-1"), iri("docs/1")]
    assert store.relations_between(ids, kinds=[]) == []
    assert store.relations_between(ids, kinds=["wasFoundBy"]) == []
    assert {r.kind for r in store.relations_between(ids, kinds=["used", "wasFoundBy"])} == {"used"}
    lone = store.traverse([iri("out/1-1")], ["wasFoundBy"], Direction.BOTH, 3)
    assert (lone.depths, lone.relations) == ({iri("out/1-1"): 0}, ())
    mixed = store.traverse([iri("out/1-1")], ["wasGeneratedBy", "wasFoundBy"], Direction.UP, 3)
    assert set(mixed.depths) == {iri("out/1-1"), iri("runs/1")}


def test_a_transaction_inside_another_lands_with_it_or_not_at_all(store: Store) -> None:
    with store.transaction():
        put(store, run(1))
        with store.transaction():
            put(store, run(2))
        assert store.record(iri("runs/2")) is not None
    assert store.counts()["records"] == 2

    def doomed() -> None:
        with store.transaction():
            put(store, run(3))
            with store.transaction():
                put(store, run(4))
                raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError):
        doomed()
    assert store.counts()["records"] == 2
    put(store, run(5))
    assert verify(store).ok


class _Recording:
    """A connection that notes the text of every statement it is given."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.texts: set[str] = set()

    def execute(self, sql: str, *parameters: object) -> sqlite3.Cursor:
        self.texts.add(sql)
        return self.connection.execute(sql, *parameters)

    def __getattr__(self, name: str) -> object:
        return getattr(self.connection, name)


def test_queries_come_in_few_lengths_whatever_the_number_of_nodes(tmp_path) -> None:
    # SQLite compiles each distinct statement anew, at more than a small query's whole cost:
    # lists of 1 to 40 nodes come in 7 lengths, and the padding changes no answer.
    store = SQLiteStore(tmp_path / "lengths.db")
    chain(store, 40)
    outputs = [iri(f"out/{n}-1") for n in range(1, 41)]
    recording = _Recording(store._db)
    store._db = recording
    for count in range(1, 41):
        found = store.traverse(outputs[:count], ["wasGeneratedBy"], Direction.UP, 1)
        assert {r.src for r in found.relations} == set(outputs[:count])
        assert set(store.nodes(outputs[:count])) == set(outputs[:count])
    store._db = recording.connection
    lengths = 7  # 1, 2, 4 … 64
    assert len(recording.texts) <= 3 * lengths  # starts, steps and nodes


def test_prefixes_are_learnt_from_records(store: Store) -> None:
    put(store, run(1))
    namespaces = store.namespaces()
    assert namespaces["test"] == iri("")
    assert namespaces["raidt"] == "https://w3id.org/raidt#"


def test_threads_sharing_a_store_lose_nothing(tmp_path) -> None:
    """A web server's worker threads share one store object: every write lands, once."""
    shared = SQLiteStore(tmp_path / "shared.db")
    batches = [[run(n, minute=n % 60)] for n in range(1, 41)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda batch: put(shared, *batch), batches))
    assert sorted(r.written[0] for r in results) == sorted(iri(f"runs/{n}") for n in range(1, 41))
    assert shared.counts()["records"] == 40
    assert verify(shared).ok
    shared.close()


def test_a_node_s_loose_relations_are_found_as_of_a_record(store: Store) -> None:
    # used(act, -), wasGeneratedBy(-, act) and wasAssociatedWith(act, -, plan) name act and
    # nothing at their other end; a traversal, going node to node, never meets them.
    act, other = iri("activities/act"), iri("activities/other")
    plan = (("http://www.w3.org/ns/prov#plan", {"@id": iri("plans/p")}),)
    first = Fragment(
        elements=(Element(act, "activity"), Element(other, "activity")),
        relations=(
            Relation("used", act, None, (("http://www.w3.org/ns/prov#time", 1),)),
            Relation("wasAssociatedWith", act, None, plan),
            Relation("used", other, None),
            Relation("used", act, other),
        ),
    )
    later = Fragment(relations=(Relation("wasGeneratedBy", None, act),))
    store.write([PreparedRecord("urn:test:loose", "prov-document", "{}", "sha256:x", first)])
    store.write([PreparedRecord("urn:test:later", "prov-document", "{}", "sha256:y", later)])
    found = sorted(r.canonical for r in store.loose_relations([act]))
    assert found == sorted(r.canonical for r in (*first.relations[:2], *later.relations))
    assert {r.kind for r in store.loose_relations([act], as_of=1)} == {"used", "wasAssociatedWith"}
    assert store.loose_relations([iri("nowhere")]) == []


def test_descriptions_come_as_each_was_stated_as_of_a_record(store: Store) -> None:
    e = iri("things/e")
    top = Element(e, "entity", ((Attr.LABEL, "top"),))
    inside = Element(e, "entity", ((Attr.LABEL, "inside"),), iri("bundles/b"))
    later = Element(e, "entity", ((Attr.LABEL, "later"),))
    first = Fragment(elements=(top, inside))
    store.write([PreparedRecord("urn:test:one", "prov-document", "{}", "sha256:x", first)])
    store.write(
        [PreparedRecord("urn:test:two", "prov-document", "{}", "sha256:y", Fragment((later,)))]
    )
    described = sorted(store.descriptions([e, iri("nowhere")]), key=lambda d: d.canonical)
    assert described == sorted([top, inside, later], key=lambda d: d.canonical)
    assert sorted(d.canonical for d in store.descriptions([e], as_of=1)) == sorted(
        d.canonical for d in (top, inside)
    )


def test_relations_and_starts_recorded_later_are_not_there_as_of_before(store: Store) -> None:
    put(store, run(1))
    seq = store.seq_at("9999-12-31T00:00:00+00:00")
    put(store, approval("a1", iri("out/1-1")))
    decided = [iri("out/1-1"), iri("approvals/a1")]
    assert store.relations_between(decided, as_of=seq) == []
    assert store.relations_between(decided) != []
    assert store.traverse([iri("approvals/a1")], ["used"], Direction.UP, 1, as_of=seq).depths == {}
    assert store.ids_of_type(Type.APPROVAL, as_of=seq) == []
    assert store.ids_of_type(Type.APPROVAL) == [iri("approvals/a1")]


def test_relations_are_found_by_their_ids_as_of_a_record(store: Store) -> None:
    named = Relation("used", iri("a"), iri("e"), id=iri("r1"))
    loose = Relation("wasGeneratedBy", iri("e2"), None, id=iri("r2"))
    later = Relation("used", iri("a3"), iri("e3"), id=iri("r3"))
    first = Fragment(relations=(named, loose, Relation("used", iri("a"), iri("e4"))))
    store.write([PreparedRecord("urn:test:one", "prov-document", "{}", "sha256:x", first)])
    store.write(
        [PreparedRecord("urn:test:two", "prov-document", "{}", "sha256:y", Fragment((), (later,)))]
    )
    found = store.relations_named([iri("r1"), iri("r2"), iri("r3"), iri("r9")])
    assert sorted(r.canonical for r in found) == sorted(r.canonical for r in (named, loose, later))
    assert sorted(r.canonical for r in store.relations_named([iri("r3")], as_of=1)) == []


def test_record_times_are_those_the_records_were_written_at(store: Store) -> None:
    put(store, run(1))
    time.sleep(0.01)
    put(store, run(2, minute=2))
    first, second = store.record(iri("runs/1")), store.record(iri("runs/2"))
    assert first is not None
    assert second is not None
    assert first.recorded_at < second.recorded_at
    asked = [iri("runs/2"), iri("runs/1"), iri("runs/404"), iri("runs/1")]
    assert store.record_times(asked) == {
        iri("runs/1"): first.recorded_at,
        iri("runs/2"): second.recorded_at,
    }
    assert store.record_times([]) == {}


@pytest.mark.parametrize(
    "last",
    [
        "2099-01-01T10:00:00.000000+00:00",
        "2099-01-01T10:00:00",  # without a zone: in UTC, as this package writes them
        "2099-01-01T15:00:00+05:00",
    ],
)
def test_a_transaction_is_stamped_after_the_chains_last_record(last: str) -> None:
    # a clock that ran ahead wrote the last record: what is written now comes after it
    assert stamp(last) == "2099-01-01T10:00:00.000001+00:00"


@pytest.mark.parametrize(
    "unreadable", ["2026-01-01T10:00:00 UTC", "9999-12-31T23:59:59.999999+00:00", "x"]
)
def test_a_last_time_no_time_comes_after_leaves_the_clock_as_it_is(unreadable: str) -> None:
    # a store written by other hands still takes writes, stamped by this machine's clock
    before = datetime.now(UTC).isoformat(timespec="microseconds")
    assert before <= stamp(unreadable) <= datetime.now(UTC).isoformat(timespec="microseconds")


def test_a_record_that_brought_its_own_time_without_a_zone_does_not_stop_the_next_write() -> None:
    store = SQLiteStore(":memory:")
    own = prepare(RECORD_ADAPTER.validate_python(run(1)))
    store.write(
        [
            PreparedRecord(
                own.id,
                own.kind,
                own.body,
                own.content_hash,
                own.fragment,
                recorded_at="2026-01-01T10:00:00",
            )
        ]
    )
    put(store, run(2, minute=2))
    assert verify(store).ok
    store.close()
