"""Where a question picks one of several relations or nodes, it picks by a stated rule, never by
the order a store lists them in: SQLite lists a node's relations by when the far end was first
recorded, Neo4j in no stated order. Each graph here creates the nodes in the opposite order to
the one the rule picks by, and states its relations in yet another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from provenance.export import export_document
from provenance.formats import FORMATS, write_document
from provenance.graph import Element, Fragment, Relation, attributes, dt, iri
from provenance.hashing import sha256_tag
from provenance.stores import PreparedRecord, Store
from provenance.vocabulary import PROV, Attr, Role, Type
from queries.authority import delegations
from queries.facts import gather
from queries.lineage import trace
from queries.reconstruction import reconstruct
from queries.runs import describe_node, list_runs
from tests.factories import h
from tests.factories import iri as at_test

AT = dt(datetime(2026, 1, 1, 10, 50, tzinfo=UTC))
AT_BEFORE = dt(datetime(2025, 1, 1, tzinfo=UTC))
OBSERVER = "https://test.example/roles/observer"


def write(
    store: Store, record_id: str, elements: Iterable[Element], relations: Iterable[Relation] = ()
) -> None:
    """One PROV document's graph, written as it is: nodes are created in the order given."""
    fragment = Fragment(tuple(elements), tuple(relations))
    body = f'{{"id": "{record_id}"}}'
    store.write([PreparedRecord(record_id, "prov-document", body, sha256_tag(body), fragment)])


def output(name: str) -> Element:
    return Element(
        at_test(f"out/{name}"),
        "entity",
        attributes([(Attr.TYPE, iri(Type.OUTPUT)), (Attr.CONTENT_HASH, h(name))]),
    )


def person(name: str) -> Element:
    return Element(at_test(f"people/{name}"), "agent", attributes([(Attr.TYPE, iri(Type.PERSON))]))


def activity(path: str, kind: str) -> Element:
    pairs = [(Attr.TYPE, iri(kind)), (PROV + "startTime", AT), (PROV + "endTime", AT)]
    return Element(at_test(path), "activity", attributes(pairs))


def used(path: str, target: str) -> Relation:
    return Relation("used", at_test(path), at_test(f"out/{target}"))


def took_part(path: str, who: str, role: str, plan: str | None = None) -> Relation:
    pairs = [(Attr.ROLE, iri(role))] + ([(PROV + "plan", iri(plan))] if plan else [])
    return Relation("wasAssociatedWith", at_test(path), at_test(f"people/{who}"), attributes(pairs))


def outputs_z_then_a(store: Store) -> None:
    """``out/z`` recorded before ``out/a``, and people zed, al and bea in that order."""
    write(
        store,
        "urn:test:things",
        [output("z"), output("a"), person("zed"), person("al"), person("bea")],
    )


def test_reconstruct_names_the_smallest_subject_and_a_signer_by_role_then_id(store: Store) -> None:
    outputs_z_then_a(store)
    review = "reviews/r1"
    write(
        store,
        at_test(review),
        [activity(review, Type.REVIEW)],
        [
            used(review, "a"),
            used(review, "z"),
            took_part(review, "al", OBSERVER),
            took_part(review, "zed", Role.REVIEWER),
            took_part(review, "bea", Role.REVIEWER),
        ],
    )
    seen = reconstruct(store, at_test(review))
    assert seen["output"]["id"] == at_test("out/a")
    assert (seen["reviewer"], seen["role"]) == (at_test("people/bea"), "reviewer")


def test_trace_says_a_review_on_the_path_decided_on_the_smallest_of_what_it_used(
    store: Store,
) -> None:
    outputs_z_then_a(store)
    review = "reviews/r1"
    revision = output("rev")
    write(
        store,
        at_test(review),
        [activity(review, Type.REVIEW), revision],
        [
            used(review, "z"),
            used(review, "a"),
            Relation("wasGeneratedBy", revision.id, at_test(review)),
        ],
    )
    answer = trace(store, revision.id)
    assert [(r["id"], r["output"]) for r in answer["reviews"]] == [
        (at_test(review), at_test("out/a"))
    ]


def test_trace_attaches_an_approval_beside_the_path_to_the_smallest_of_what_it_used(
    store: Store,
) -> None:
    outputs_z_then_a(store)
    made = output("c")
    write(
        store,
        at_test("runs/2"),
        [activity("runs/2", Type.RUN), made],
        [
            used("runs/2", "z"),
            used("runs/2", "a"),
            Relation("wasGeneratedBy", made.id, at_test("runs/2")),
        ],
    )
    approval = "approvals/p1"
    write(
        store,
        at_test(approval),
        [activity(approval, Type.APPROVAL)],
        [used(approval, "z"), used(approval, "a"), took_part(approval, "bea", Role.APPROVER)],
    )
    answer = trace(store, made.id)
    assert [(a["id"], a["output"]) for a in answer["approvals"]] == [
        (at_test(approval), at_test("out/a"))
    ]


def test_runs_and_scores_name_the_same_initiator_of_several(store: Store) -> None:
    outputs_z_then_a(store)
    run = "runs/1"
    write(
        store,
        at_test(run),
        [activity(run, Type.RUN)],
        [
            took_part(run, "zed", Role.INITIATOR, at_test("tpl/v1")),
            took_part(run, "bea", Role.INITIATOR, at_test("tpl/v2")),
        ],
    )
    (listed,) = list_runs(store)
    facts = gather(store, at_test(run))
    assert facts.initiator is not None
    assert listed["initiator"] == facts.initiator.agent == at_test("people/bea")
    assert facts.initiator.plan == at_test("tpl/v2")
    assert list_runs(store, template=at_test("tpl/v2")) == [listed]


def test_an_initiator_restated_without_a_position_keeps_the_one_given(store: Store) -> None:
    # the restatement is recorded first, so a store listing relations as recorded gives it first
    outputs_z_then_a(store)
    run = "runs/1"
    write(store, at_test(run), [activity(run, Type.RUN)], [took_part(run, "al", Role.INITIATOR)])
    placed = took_part(run, "al", Role.INITIATOR)
    with_position = Relation(
        placed.kind,
        placed.src,
        placed.dst,
        attributes([*placed.attributes, (Attr.POSITION, "ward doctor")]),
    )
    write(store, "urn:test:position", [], [with_position])
    facts = gather(store, at_test(run))
    assert facts.initiator is not None
    assert (facts.initiator.agent, facts.initiator.position) == (
        at_test("people/al"),
        "ward doctor",
    )


def test_of_two_delegations_between_the_same_people_the_smaller_statement_is_judged(
    store: Store,
) -> None:
    # neither is valid, so neither is preferred: the one out of scope, recorded first, would be
    # a store's first; the expired one is the smaller statement ("*" before "finance")
    write(store, "urn:test:people", [person("bea"), person("al")])
    for record_id, pairs in [
        ("urn:test:scoped", [(Attr.SCOPE, "finance")]),
        ("urn:test:expired", [(Attr.SCOPE, "*"), (Attr.VALID_TO, AT_BEFORE)]),
    ]:
        stated = Relation(
            "actedOnBehalfOf", at_test("people/bea"), at_test("people/al"), attributes(pairs)
        )
        write(store, record_id, [], [stated])
    (chain,) = delegations(
        store,
        at_test("people/bea"),
        when=datetime(2026, 1, 1, 10, 50, tzinfo=UTC),
        context={"task": ["letters"]},
    )
    assert chain["agent"] == at_test("people/al")
    assert chain["problems"] == [
        f"delegation {at_test('people/bea')} for {at_test('people/al')} expired "
        "2025-01-01T00:00:00+00:00, before 2026-01-01T10:50:00+00:00"
    ]


def test_an_export_lists_statements_by_their_canonical_form(store: Store) -> None:
    # written z then a, zed then al: a store listing them as recorded would give that order
    outputs_z_then_a(store)
    review = "reviews/r1"
    write(
        store,
        at_test(review),
        [activity(review, Type.REVIEW)],
        [used(review, "z"), used(review, "a")],
    )
    assert _statements(store, "urn:test:things") == [
        "entity(test:out/a",
        "entity(test:out/z",
        "agent(test:people/al",
        "agent(test:people/bea",
        "agent(test:people/zed",
    ]
    assert _statements(store, at_test(review)) == [
        "activity(test:reviews/r1",
        "used(test:reviews/r1, test:out/a",
        "used(test:reviews/r1, test:out/z",
    ]


def _statements(store: Store, target: str) -> list[str]:
    """The statements of an export in PROV-N, by kind and the ids they are about."""
    text = write_document(export_document(store, target), FORMATS["provn"])
    return re.findall(
        r"^\s*((?:entity|agent|activity|used)\([^,\[)]+(?:, [a-z]+:[^,\[)]+)?)", text, re.M
    )


def test_a_node_lists_its_relations_out_then_in_by_kind_and_other_end(store: Store) -> None:
    outputs_z_then_a(store)
    run = "runs/1"
    write(
        store,
        at_test(run),
        [activity(run, Type.RUN)],
        [
            Relation("wasGeneratedBy", at_test("out/z"), at_test(run)),
            Relation("wasGeneratedBy", at_test("out/a"), at_test(run)),
            took_part(run, "zed", Role.INITIATOR),
            used(run, "z"),
            used(run, "a"),
        ],
    )
    shown = describe_node(store, at_test(run))
    assert [(r["direction"], r["kind"], r["other"]) for r in shown["relations"]] == [
        ("out", "used", at_test("out/a")),
        ("out", "used", at_test("out/z")),
        ("out", "wasAssociatedWith", at_test("people/zed")),
        ("in", "wasGeneratedBy", at_test("out/a")),
        ("in", "wasGeneratedBy", at_test("out/z")),
    ]


def test_trace_names_the_smallest_of_several_approvers_and_initiators(store: Store) -> None:
    # zed was recorded before bea, so a store listing relations by when the far end was first
    # recorded would name zed first; the rule names bea, for the approval and for the run.
    outputs_z_then_a(store)
    run, approval = "runs/1", "approvals/p1"
    write(
        store,
        at_test(run),
        [activity(run, Type.RUN)],
        [
            Relation("wasGeneratedBy", at_test("out/a"), at_test(run)),
            took_part(run, "zed", Role.INITIATOR),
            took_part(run, "bea", Role.INITIATOR),
        ],
    )
    write(
        store,
        at_test(approval),
        [activity(approval, Type.APPROVAL)],
        [
            used(approval, "a"),
            took_part(approval, "zed", Role.APPROVER),
            took_part(approval, "bea", Role.APPROVER),
        ],
    )
    answer = trace(store, at_test("out/a"))
    assert [a["approver"] for a in answer["approvals"]] == [at_test("people/bea")]
    assert [r["initiator"] for r in answer["runs"]] == [at_test("people/bea")]
