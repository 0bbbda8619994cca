"""trace, impact and reconstruct on hand-built graphs whose answers are worked out in the comments,
on cyclic bad input, and on the demo data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from importlib.resources import files
from typing import Any

import pytest

from provenance.errors import InvalidRecord, NotFound
from provenance.export import export_document
from provenance.formats import FORMATS, write_document
from provenance.graph import Element, Fragment, Relation
from provenance.ingest import import_document, prepare, read_records, write_records
from provenance.records import RECORD_ADAPTER
from provenance.stores import SQLiteStore, Store
from provenance.stores.base import Direction, PreparedRecord
from provenance.vocabulary import Type
from queries.lineage import impact, trace, trace_ids
from queries.reconstruction import reconstruct
from queries.runs import describe_node
from tests.conftest import put
from tests.factories import action, approval, earlier_output, h, iri, person, review, run

# -- record builders --------------------------------------------------------------------------


def at(hhmm: str, day: str = "2026-01-01") -> str:
    return f"{day}T{hhmm}:00+00:00"


def config(name: str) -> dict[str, Any]:
    """A model configuration with a readable id and its own model agent."""
    return {
        "id": iri(f"configs/{name}"),
        "agent": iri(f"models/{name}"),
        "provider": "acme",
        "model": f"writer-{name}",
        "version": "1",
        "parameters": {"temperature": 0.1},
    }


def timed_run(n: int, start: str, **extra: Any) -> dict[str, Any]:
    """Run ``n`` from ``start`` for half a minute (factories.run with its own times)."""
    record = run(n, **extra)
    record["started_at"] = at(start)
    record["ended_at"] = at(start).replace(":00+00:00", ":30+00:00")
    return record


def template_version(version: str, created: str, previous: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "template_version",
        "id": iri(f"tpl/{version}"),
        "template": iri("tpl"),
        "version": version,
        "content_hash": h(f"tpl/{version}"),  # the hash factories.run gives template "tpl/vN"
        "author": person("lena", "informatics lead"),
        "created_at": at(created),
    }
    if previous:
        record["previous"] = previous
    return record


def reviewed(name: str, target: str, when: str, **extra: Any) -> dict[str, Any]:
    record = review(name, target, **extra)
    record["at"] = at(when)
    return record


def escalation(name: str, when: str, trigger: str, target: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "escalation",
        "id": iri(f"escalations/{name}"),
        "at": at(when),
        "trigger": trigger,
        "raised_by": person("ana", "ward doctor"),
        "escalated_to": person("bo", "consultant"),
        "rationale": f"escalation {name}",
    }
    if target:
        record["target"] = target
    return record


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


def depths(items: list[dict[str, Any]]) -> dict[str, int]:
    return {item["id"]: item["depth"] for item in items}


def pause() -> None:
    """Let the clock move so the next write gets a later recorded_at than the last one."""
    time.sleep(0.01)


# -- the clinic graph ----------------------------------------------------------------------------
#
# tpl/v1 <-(previous)- tpl/v2, both approved by pat (tpl-v1, tpl-v2).
# run 1 (ana, tpl/v2, configs/c1): docs/1 -> out/1-1
#   draft: bo REJECTS out/1-1 (10:40)
#   r1: cy reviews out/1-1 (10:50) and revises it into out/1-1r
#   rev: bo approves out/1-1r (11:00); act1: di enters out/1-1r (12:00)
# -------- cut: everything above is written first, everything below later --------
#   r2: kim reviews out/1-1 without edits
# run 2 (eve, tpl/v2, configs/c2): out/1-1r -> out/2-1; a2: cy approves out/2-1 for gus (11:20)
# run 3 (ana, tpl/v2, configs/c1): out/2-1 + docs/3 -> out/3-1; a3: bo approves-with-edits (12:30)
# run 9 (zoe, tpl/other, configs/c1): docs/9 -> out/9-1, unrelated except for its configuration.


def clinic(store: Store) -> str:
    """Write the clinic graph in two batches; the time between them (a recorded_at)."""
    put(
        store,
        template_version("v1", "08:00"),
        approval("tpl-v1", iri("tpl/v1"), by="pat", at="08:30"),
        template_version("v2", "09:00", previous=iri("tpl/v1")),
        approval("tpl-v2", iri("tpl/v2"), by="pat", at="09:30"),
        timed_run(1, "10:00", template="tpl/v2", model=config("c1")),
        approval("draft", iri("out/1-1"), by="bo", decision="rejected", at="10:40"),
        reviewed("r1", iri("out/1-1"), "10:50", by="cy", revision=iri("out/1-1r")),
        approval("rev", iri("out/1-1r"), by="bo", at="11:00"),
        action("act1", iri("out/1-1r"), approval_id=iri("approvals/rev")),
    )
    cut = store.record(iri("actions/act1"))
    assert cut is not None
    pause()
    put(
        store,
        reviewed("r2", iri("out/1-1"), "10:55", by="kim"),
        timed_run(
            2,
            "11:10",
            initiator="eve",
            inputs=[earlier_output(iri("out/1-1r"))],
            template="tpl/v2",
            model=config("c2"),
        ),
        {**approval("a2", iri("out/2-1"), by="cy", at="11:20"), "on_behalf_of": iri("people/gus")},
        timed_run(
            3,
            "11:40",
            inputs=[
                earlier_output(iri("out/2-1")),
                {"id": iri("docs/3"), "content_hash": h("doc 3"), "kind": "record"},
            ],
            template="tpl/v2",
            model=config("c1"),
        ),
        approval("a3", iri("out/3-1"), by="bo", decision="approved-with-edits", at="12:30"),
        timed_run(9, "10:05", initiator="zoe", template="tpl/other", model=config("c1")),
    )
    return cut.recorded_at


# -- trace -------------------------------------------------------------------------------------


def test_trace_through_three_runs_a_revision_and_rejected_draft(store: Store) -> None:
    clinic(store)
    answer = trace(store, iri("out/3-1"))
    assert answer["output"] == iri("out/3-1")
    assert answer["as_of"] is None

    # Breadth-first depths from out/3-1: run 3 and its inputs at 1; run 2 and out/1-1r at 2 (out/2-1
    # derives from out/1-1r); r1 and out/1-1 at 3 (generation and revision of out/1-1r); run 1 and
    # docs/1 at 4. Run 9 shares only configs/c1, which is never followed downwards.
    runs = {r["id"]: r for r in answer["runs"]}
    assert depths(answer["runs"]) == {iri("runs/3"): 1, iri("runs/2"): 2, iri("runs/1"): 4}
    assert runs[iri("runs/2")] == {
        "id": iri("runs/2"),
        "task": "discharge summary",
        "purpose": None,
        "sector": "healthcare",
        "risk_level": "high",
        "workflow": None,
        "started_at": "2026-01-01T11:10:00+00:00",
        "ended_at": "2026-01-01T11:10:30+00:00",
        "depth": 2,
        "initiator": iri("people/eve"),
        "template": iri("tpl/v2"),
        "model": iri("models/c2"),
        "model_config": iri("configs/c2"),
        "prompt": iri("runs/2/prompt"),
        "inputs": [iri("out/1-1r")],
        "outputs": [iri("out/2-1")],
    }
    assert runs[iri("runs/3")]["inputs"] == [iri("docs/3"), iri("out/2-1")]
    assert runs[iri("runs/3")]["initiator"] == iri("people/ana")
    assert runs[iri("runs/1")]["inputs"] == [iri("docs/1")]
    assert runs[iri("runs/1")]["outputs"] == [iri("out/1-1")]
    assert runs[iri("runs/1")]["model_config"] == iri("configs/c1")

    # Only the documents nobody generated are inputs; the earlier outputs used as inputs are
    # outputs, and the revision names what it revised.
    assert {(i["id"], i["depth"], i["kind"]) for i in answer["inputs"]} == {
        (iri("docs/3"), 1, "record"),
        (iri("docs/1"), 4, "document"),
    }
    assert {i["id"]: i["content_hash"] for i in answer["inputs"]} == {
        iri("docs/3"): h("doc 3"),
        iri("docs/1"): h("doc 1"),
    }
    outputs = {
        o["id"]: (o["depth"], o["generated_by"], o["revision_of"]) for o in answer["outputs"]
    }
    assert outputs == {
        iri("out/3-1"): (0, [iri("runs/3")], []),
        iri("out/2-1"): (1, [iri("runs/2")], []),
        iri("out/1-1r"): (2, [iri("reviews/r1")], [iri("out/1-1")]),
        iri("out/1-1"): (3, [iri("runs/1")], []),
    }

    # The prompts derive from tpl/v2, a revision of tpl/v1: v2 was every run's plan, v1 none's.
    assert depths(answer["prompts"]) == {
        iri("runs/3/prompt"): 2,
        iri("runs/2/prompt"): 3,
        iri("runs/1/prompt"): 5,
    }
    templates = {t["id"]: (t["depth"], t["used"], t["version"]) for t in answer["prompt_templates"]}
    assert templates == {iri("tpl/v2"): (3, True, "v2"), iri("tpl/v1"): (4, False, "v1")}
    assert {t["template"] for t in answer["prompt_templates"]} == {iri("tpl")}
    assert depths(answer["model_configs"]) == {iri("configs/c1"): 2, iri("configs/c2"): 3}
    assert {(m["id"], m["model"]) for m in answer["models"]} == {
        (iri("models/c1"), "writer-c1"),
        (iri("models/c2"), "writer-c2"),
    }

    # r1 is on the path (it generated out/1-1r); r2 is attached to out/1-1 without a revision.
    reviews = {r["id"]: (r["reviewer"], r["output"], r["revision"]) for r in answer["reviews"]}
    assert reviews == {
        iri("reviews/r1"): (iri("people/cy"), iri("out/1-1"), iri("out/1-1r")),
        iri("reviews/r2"): (iri("people/kim"), iri("out/1-1"), None),
    }

    # Every decision on an output or template version on the path, the rejection included, in
    # time order; act1 (an action on out/1-1r) is neither a review nor an approval.
    assert [
        (a["id"], a["decision"], a["approver"], a["output"], a["time"]) for a in answer["approvals"]
    ] == [
        (iri("approvals/tpl-v1"), "approved", iri("people/pat"), iri("tpl/v1"), at("08:30")),
        (iri("approvals/tpl-v2"), "approved", iri("people/pat"), iri("tpl/v2"), at("09:30")),
        (iri("approvals/draft"), "rejected", iri("people/bo"), iri("out/1-1"), at("10:40")),
        (iri("approvals/rev"), "approved", iri("people/bo"), iri("out/1-1r"), at("11:00")),
        (iri("approvals/a2"), "approved", iri("people/cy"), iri("out/2-1"), at("11:20")),
        (
            iri("approvals/a3"),
            "approved-with-edits",
            iri("people/bo"),
            iri("out/3-1"),
            at("12:30"),
        ),
    ]

    # People: initiators of the three runs, reviewers, approvers, gus named by a2's on_behalf_of.
    # Not di (executor of an action), not lena (template author), not zoe (run 9).
    assert {p["id"]: p["roles"] for p in answer["people"]} == {
        iri("people/ana"): ["initiator"],
        iri("people/eve"): ["initiator"],
        iri("people/cy"): ["approver", "reviewer"],
        iri("people/kim"): ["reviewer"],
        iri("people/bo"): ["approver"],
        iri("people/pat"): ["approver"],
        iri("people/gus"): ["responsible"],
    }


def test_trace_names_the_revision_of_a_review_beside_the_path(store: Store) -> None:
    # cy revised out/1-1 into out/1-1r, which run 2 read; kim revised it into out/1-1k, which
    # nothing read. Both reviews are on out/1-1; only cy's is on the path, but each made a revision.
    put(
        store,
        run(1),
        review("cy", iri("out/1-1"), by="cy", revision=iri("out/1-1r")),
        review("kim", iri("out/1-1"), by="kim", revision=iri("out/1-1k")),
        review("bo", iri("out/1-1"), by="bo"),
        run(2, inputs=[earlier_output(iri("out/1-1r"))], minute=30),
    )
    answer = trace(store, iri("out/2-1"))
    assert {r["id"]: r["revision"] for r in answer["reviews"]} == {
        iri("reviews/cy"): iri("out/1-1r"),
        iri("reviews/kim"): iri("out/1-1k"),
        iri("reviews/bo"): None,
    }
    assert iri("out/1-1k") not in {o["id"] for o in answer["outputs"]}


def test_trace_accepts_prefixed_names_and_refuses_unknown_ids(store: Store) -> None:
    clinic(store)
    assert trace(store, "test:out/2-1")["output"] == iri("out/2-1")
    assert depths(trace(store, "test:out/2-1")["runs"]) == {iri("runs/2"): 1, iri("runs/1"): 3}
    with pytest.raises(NotFound):
        trace(store, iri("out/404"))
    with pytest.raises(NotFound):
        trace(store, "test:out/404")
    # An unknown prefix reads as an IRI scheme: a well-formed IRI that is not stored.
    with pytest.raises(NotFound):
        trace(store, "nowhere:out/1")
    with pytest.raises(InvalidRecord, match="not an absolute IRI"):
        trace(store, "out 3-1")


def test_an_id_that_reads_as_a_prefixed_name_is_found_as_given(store: Store) -> None:
    # ``test:out/9-1`` is an IRI of scheme ``test`` as well as a prefixed name for iri("out/9-1"):
    # the store holds only the first, so that is the one meant; a stored expansion comes first.
    put(store, run(1))
    record = run(9, outputs=0)
    record["outputs"] = [{"id": "test:out/9-1", "content_hash": h("output 9")}]
    put(store, record)
    assert trace(store, "test:out/9-1")["output"] == "test:out/9-1"
    assert describe_node(store, "test:out/9-1")["id"] == "test:out/9-1"
    exported = export_document(store, "test:out/9-1").get_records()
    assert "test:out/9-1" in {r.identifier.uri for r in exported if r.identifier}
    assert trace(store, "test:out/1-1")["output"] == iri("out/1-1")


def test_trace_as_of_hides_records_written_later(store: Store) -> None:
    cut = clinic(store)
    then = trace(store, iri("out/1-1r"), as_of=cut)
    now = trace(store, iri("out/1-1r"))
    assert then["as_of"] == cut
    # Written before the cut: r1, the template approvals, the rejection and bo's approval.
    # Written after it: kim's review r2 of out/1-1.
    assert ids(then["reviews"]) == {iri("reviews/r1")}
    assert ids(now["reviews"]) == {iri("reviews/r1"), iri("reviews/r2")}
    assert [a["id"] for a in then["approvals"]] == [
        iri("approvals/tpl-v1"),
        iri("approvals/tpl-v2"),
        iri("approvals/draft"),
        iri("approvals/rev"),
    ]
    assert {p["id"] for p in then["people"]} == {
        iri("people/ana"),
        iri("people/bo"),
        iri("people/cy"),
        iri("people/pat"),
    }
    assert iri("people/kim") in {p["id"] for p in now["people"]}
    # out/3-1 did not exist yet; the error says when it was recorded, since "as of" is easily
    # read as a time in the story the records tell.
    recorded = next(r.recorded_at for r in store.records() if r.id == iri("runs/3"))
    with pytest.raises(NotFound, match="as of") as missing:
        trace(store, iri("out/3-1"), as_of=cut)
    assert str(missing.value).endswith(
        f": it was first recorded at {recorded} (as of is when records were written, not when "
        "what they tell of happened)"
    )


def test_a_time_that_has_not_come_is_refused_unless_a_record_already_reaches_it(
    store: Store,
) -> None:
    # An answer as of tomorrow would read as final; a record stamped ahead by a clock that ran
    # fast is the store's own time, so asking as of it is taken.
    put(store, run(1))
    tomorrow = "2999-01-01T00:00:00+00:00"
    with pytest.raises(InvalidRecord) as late:
        trace(store, iri("out/1-1"), as_of=tomorrow)
    assert str(late.value) == (
        "no answer as of 2999-01-01T00:00:00.000000+00:00: that time has not come, and the "
        "store may yet record more before it; ask without a time for the store as it is"
    )
    ahead = prepare(RECORD_ADAPTER.validate_python(run(2)))
    store.write([replace(ahead, recorded_at="2999-01-01T00:00:00.000000+00:00")])
    assert trace(store, iri("out/2-1"), as_of=tomorrow)["runs"][0]["id"] == iri("runs/2")
    with pytest.raises(InvalidRecord, match="that time has not come"):
        trace(store, iri("out/2-1"), as_of="2999-01-01T00:00:01+00:00")


def test_trace_as_of_ignores_a_type_a_later_record_gives_a_node(store: Store) -> None:
    # cy reviews out/1-1; a later PROV document may not also call that review a run (a recorded
    # review is whole), but it may give cy, a person, a type of its own. As of before the
    # document, the review is a review and cy a person, as they were then.
    put(store, run(1), review("r1", iri("out/1-1"), by="cy"))
    cut = [r.recorded_at for r in store.records()][-1]
    retyped = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:reviews/r1, -, -, [prov:type='raidt:Run'])
endDocument
"""
    with pytest.raises(InvalidRecord, match=r"reviews/r1 is already recorded \(a review\)"):
        import_document(retyped, FORMATS["provn"], store, source="retyped.provn")
    assert store.counts()["records"] == 2
    assert ids(trace(store, iri("out/1-1"))["reviews"]) == {iri("reviews/r1")}
    pause()
    typed = """document
  prefix t <https://test.example/>
  agent(t:people/cy, [prov:type='t:Consultant'])
endDocument
"""
    import_document(typed, FORMATS["provn"], store, source="typed.provn")
    now = {p["id"]: p["types"] for p in trace(store, iri("out/1-1"))["people"]}
    assert iri("Consultant") in now[iri("people/cy")]
    then = trace(store, iri("out/1-1"), as_of=cut)
    assert ids(then["reviews"]) == {iri("reviews/r1")}
    assert {p["id"]: p["types"] for p in then["people"]}[iri("people/cy")] == [Type.PERSON]


def test_self_approval_shows_as_two_roles_of_one_person(store: Store) -> None:
    put(store, run(1), approval("self", iri("out/1-1"), by="ana"))
    answer = trace(store, iri("out/1-1"))
    assert {p["id"]: p["roles"] for p in answer["people"]} == {
        iri("people/ana"): ["approver", "initiator"]
    }


# -- impact ------------------------------------------------------------------------------------

IMPACT_GROUPS = (
    "runs",
    "outputs",
    "reviews",
    "approvals",
    "decisions",
    "escalations",
    "overrides",
    "actions",
    "challenges",
    "prompts",
    "prompt_templates",
    "other",
)


def grouped(answer: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {group: depths(answer[group]) for group in IMPACT_GROUPS if answer[group]}


def test_impact_of_an_input_document(store: Store) -> None:
    clinic(store)
    answer = impact(store, iri("docs/1"))
    # Followed backwards from docs/1: run 1 used it and out/1-1 derives from it (1); r1, r2, the
    # rejection and the revision out/1-1r point at out/1-1 (2); the rejection's decision, bo's
    # approval, run 2, out/2-1 and act1 point at those (3); and so on down to a3's decision (6).
    assert grouped(answer) == {
        "runs": {iri("runs/1"): 1, iri("runs/2"): 3, iri("runs/3"): 4},
        "outputs": {iri("out/1-1"): 1, iri("out/1-1r"): 2, iri("out/2-1"): 3, iri("out/3-1"): 4},
        "reviews": {iri("reviews/r1"): 2, iri("reviews/r2"): 2},
        "approvals": {
            iri("approvals/draft"): 2,
            iri("approvals/rev"): 3,
            iri("approvals/a2"): 4,
            iri("approvals/a3"): 5,
        },
        "decisions": {
            iri("approvals/draft/decision"): 3,
            iri("approvals/rev/decision"): 4,
            iri("approvals/a2/decision"): 5,
            iri("approvals/a3/decision"): 6,
        },
        "actions": {iri("actions/act1"): 3},
    }
    assert answer["count"] == 18
    assert answer["node"] == iri("docs/1")


def test_impact_of_a_template_version(store: Store) -> None:
    clinic(store)
    answer = impact(store, "test:tpl/v2")
    # The three prompts derive from tpl/v2 and its approval used it (1); runs 1-3 used the prompts
    # (2); their outputs (3); what points at those (4-6). Not tpl/v1 (v2 revises v1, not the other
    # way), not run 9 (another template).
    assert grouped(answer) == {
        "prompts": {
            iri("runs/1/prompt"): 1,
            iri("runs/2/prompt"): 1,
            iri("runs/3/prompt"): 1,
        },
        "runs": {iri("runs/1"): 2, iri("runs/2"): 2, iri("runs/3"): 2},
        "outputs": {
            iri("out/1-1"): 3,
            iri("out/2-1"): 3,
            iri("out/3-1"): 3,
            iri("out/1-1r"): 4,
        },
        "reviews": {iri("reviews/r1"): 4, iri("reviews/r2"): 4},
        "approvals": {
            iri("approvals/tpl-v2"): 1,
            iri("approvals/draft"): 4,
            iri("approvals/a2"): 4,
            iri("approvals/a3"): 4,
            iri("approvals/rev"): 5,
        },
        "decisions": {
            iri("approvals/tpl-v2/decision"): 2,
            iri("approvals/draft/decision"): 5,
            iri("approvals/a2/decision"): 5,
            iri("approvals/a3/decision"): 5,
            iri("approvals/rev/decision"): 6,
        },
        "actions": {iri("actions/act1"): 5},
    }
    assert answer["count"] == 23


def test_impact_of_a_model_configuration(store: Store) -> None:
    clinic(store)
    # configs/c2 was used by run 2 only: run 2, its output, what was built on that.
    answer = impact(store, iri("configs/c2"))
    assert grouped(answer) == {
        "runs": {iri("runs/2"): 1, iri("runs/3"): 3},
        "outputs": {iri("out/2-1"): 2, iri("out/3-1"): 3},
        "approvals": {iri("approvals/a2"): 3, iri("approvals/a3"): 4},
        "decisions": {iri("approvals/a2/decision"): 4, iri("approvals/a3/decision"): 5},
    }
    assert answer["count"] == 8
    # configs/c1 was used by runs 1, 3 and the otherwise unrelated run 9; run 2 via out/1-1r.
    assert depths(impact(store, iri("configs/c1"))["runs"]) == {
        iri("runs/1"): 1,
        iri("runs/3"): 1,
        iri("runs/9"): 1,
        iri("runs/2"): 4,
    }


def test_impact_of_a_person(store: Store) -> None:
    clinic(store)
    answer = impact(store, iri("people/cy"))
    # cy reviewed r1 and approved a2 (associations); out/1-1r and a2's decision are attributed to
    # cy (1). From there: bo's approval, run 2, out/2-1 and act1 (2); and on. Not out/1-1, the
    # rejection or r2, which do not depend on anything cy did; not run 9.
    assert grouped(answer) == {
        "reviews": {iri("reviews/r1"): 1},
        "outputs": {iri("out/1-1r"): 1, iri("out/2-1"): 2, iri("out/3-1"): 3},
        "approvals": {iri("approvals/a2"): 1, iri("approvals/rev"): 2, iri("approvals/a3"): 4},
        "decisions": {
            iri("approvals/a2/decision"): 1,
            iri("approvals/rev/decision"): 3,
            iri("approvals/a3/decision"): 5,
        },
        "runs": {iri("runs/2"): 2, iri("runs/3"): 3},
        "actions": {iri("actions/act1"): 2},
    }
    assert answer["count"] == 13


def test_impact_of_a_person_takes_in_what_others_did_in_their_name(store: Store) -> None:
    clinic(store)
    # cy approved out/2-1 for gus: cy acted on gus's behalf for a2 (2 relations from gus), and
    # a2's decision depends on that approval (3). Nothing else cy did was done for gus.
    assert grouped(impact(store, iri("people/gus"))) == {
        "approvals": {iri("approvals/a2"): 2},
        "decisions": {iri("approvals/a2/decision"): 3},
    }
    # One relation fewer to go and the approval is still in reach, its decision not; one more
    # fewer and nothing is.
    shallow = impact(store, iri("people/gus"), max_depth=2)
    assert grouped(shallow) == {"approvals": {iri("approvals/a2"): 2}}
    assert grouped(impact(store, iri("people/gus"), max_depth=1)) == {}
    # Before a2 was written, gus was not in the store at all.
    cut = store.record(iri("actions/act1"))
    assert cut is not None
    with pytest.raises(NotFound):
        impact(store, iri("people/gus"), as_of=cut.recorded_at)


def test_what_a_person_did_themselves_is_nearer_than_what_was_done_in_their_name(
    store: Store,
) -> None:
    # gus entered act9 himself (1 relation) on cy's approval a2, made in gus's name (3 away
    # through it): the action is 1 away.
    clinic(store)
    put(store, action("act9", iri("out/2-1"), approval_id=iri("approvals/a2"), by="gus"))
    assert grouped(impact(store, iri("people/gus")))["actions"] == {iri("actions/act9"): 1}


def test_impact_as_of_and_unknown_nodes(store: Store) -> None:
    cut = clinic(store)
    answer = impact(store, iri("docs/1"), as_of=cut)
    # Before the cut only run 1, the review r1, the two decisions on out/1-1(r) and act1 existed.
    assert grouped(answer) == {
        "runs": {iri("runs/1"): 1},
        "outputs": {iri("out/1-1"): 1, iri("out/1-1r"): 2},
        "reviews": {iri("reviews/r1"): 2},
        "approvals": {iri("approvals/draft"): 2, iri("approvals/rev"): 3},
        "decisions": {iri("approvals/draft/decision"): 3, iri("approvals/rev/decision"): 4},
        "actions": {iri("actions/act1"): 3},
    }
    with pytest.raises(NotFound):
        impact(store, iri("docs/404"))
    with pytest.raises(NotFound):
        impact(store, iri("configs/c2"), as_of=cut)


# -- bounds and cycles -------------------------------------------------------------------------


def chain(store: Store, length: int) -> None:
    """Runs 1..length with the default template and configuration, each using the previous
    run's output."""
    records = [run(1)]
    for n in range(2, length + 1):
        records.append(run(n, inputs=[earlier_output(iri(f"out/{n - 1}-1"))], minute=n))
    put(store, *records)


def test_max_depth_bounds_a_long_chain_exactly(store: Store) -> None:
    chain(store, 6)
    # out/6-1 (0); run 6, out/5-1 (1); run 5, out/4-1, prompt 6, the shared config (2);
    # run 4, out/3-1, prompt 5, tpl/v1 (3). Nothing further: run 3 would be at 4, docs/1 at 6.
    bounded = trace(store, iri("out/6-1"), max_depth=3)
    assert depths(bounded["runs"]) == {iri("runs/6"): 1, iri("runs/5"): 2, iri("runs/4"): 3}
    assert depths(bounded["prompts"]) == {iri("runs/6/prompt"): 2, iri("runs/5/prompt"): 3}
    assert depths(bounded["prompt_templates"]) == {iri("tpl/v1"): 3}
    assert [c["depth"] for c in bounded["model_configs"]] == [2]
    assert iri("docs/1") not in ids(bounded["inputs"])
    everything = trace(store, iri("out/6-1"))
    assert depths(everything["runs"]) == {iri(f"runs/{n}"): 7 - n for n in range(1, 7)}
    assert ids(everything["inputs"]) == {iri("docs/1")}

    # Downwards: run n and out/n-1 are n relations from docs/1.
    down = impact(store, iri("docs/1"), max_depth=3)
    assert grouped(down) == {
        "runs": {iri("runs/1"): 1, iri("runs/2"): 2, iri("runs/3"): 3},
        "outputs": {iri("out/1-1"): 1, iri("out/2-1"): 2, iri("out/3-1"): 3},
    }
    assert depths(impact(store, iri("docs/1"))["runs"]) == {
        iri(f"runs/{n}"): n for n in range(1, 7)
    }


def test_max_depth_boundary_output_is_still_an_output(store: Store) -> None:
    chain(store, 6)
    bounded = trace(store, iri("out/6-1"), max_depth=3)
    # out/3-1 (depth 3) was generated by run 3: it is a raidt:Output, not a source document, even
    # when the bound stops the walk before its generation is followed.
    assert ids(bounded["outputs"]) == {
        iri("out/6-1"),
        iri("out/5-1"),
        iri("out/4-1"),
        iri("out/3-1"),
    }
    assert bounded["inputs"] == []


CYCLE_PROVN = """document
  prefix ex <https://cycle.example/>
  entity(ex:a)
  entity(ex:b)
  wasDerivedFrom(ex:a, ex:b)
  wasDerivedFrom(ex:b, ex:a)
endDocument
"""


def test_two_cycle_from_imported_prov_terminates(store: Store) -> None:
    import_document(CYCLE_PROVN, FORMATS["provn"], store, source="cycle.provn")
    a, b = "https://cycle.example/a", "https://cycle.example/b"
    up = trace(store, a)
    # a -> b -> a: both nodes once, neither generated, so both count as sources.
    assert depths(up["inputs"]) == {a: 0, b: 1}
    assert up["runs"] == []
    assert up["outputs"] == []
    assert grouped(impact(store, a)) == {"other": {b: 1}}
    assert grouped(impact(store, "ex:b")) == {"other": {a: 1}}


def test_cycle_closing_a_chain_of_runs_terminates_with_the_right_sets(store: Store) -> None:
    chain(store, 3)
    # Bad input: out/1-1 claims to derive from out/3-1, which (via out/2-1) derives from out/1-1.
    # An import may not add that to a recorded output; a store written by other hands may hold it.
    closing = """document
  prefix t <https://test.example/>
  wasDerivedFrom(t:out/1-1, t:out/3-1)
endDocument
"""
    with pytest.raises(InvalidRecord, match="a document may not add what it did"):
        import_document(closing, FORMATS["provn"], store, source="closing.provn")
    fragment = Fragment((), (Relation("wasDerivedFrom", iri("out/1-1"), iri("out/3-1"), ()),))
    store.write([PreparedRecord("urn:test:closing", "prov-document", "{}", h("{}"), fragment)])
    up = trace(store, iri("out/1-1"))
    # out/1-1 (0); run 1, docs/1, out/3-1 (1); run 3, out/2-1 (2); run 2 (3); back at out/1-1.
    assert depths(up["runs"]) == {iri("runs/1"): 1, iri("runs/3"): 2, iri("runs/2"): 3}
    assert depths(up["outputs"]) == {iri("out/1-1"): 0, iri("out/3-1"): 1, iri("out/2-1"): 2}
    assert ids(up["inputs"]) == {iri("docs/1")}
    down = impact(store, iri("out/2-1"))
    # run 3 and out/3-1 point at out/2-1 (1); out/1-1 at out/3-1 (2); run 2 at out/1-1 (3), and
    # out/2-1 again, which is the start and not its own dependant. Run 1 is upstream of all this.
    assert grouped(down) == {
        "runs": {iri("runs/3"): 1, iri("runs/2"): 3},
        "outputs": {iri("out/3-1"): 1, iri("out/1-1"): 2},
    }


def test_three_cycle_written_directly_terminates(store: Store) -> None:
    x, y, z = (f"https://cycle.example/{n}" for n in "xyz")
    fragment = Fragment(
        tuple(Element(n, "entity", ()) for n in (x, y, z)),
        (
            Relation("wasDerivedFrom", x, y, ()),
            Relation("wasDerivedFrom", y, z, ()),
            Relation("wasDerivedFrom", z, x, ()),
        ),
    )
    store.write([PreparedRecord("urn:test:cycle", "prov-document", "{}", h("{}"), fragment)])
    assert depths(trace(store, x)["inputs"]) == {x: 0, y: 1, z: 2}
    assert grouped(impact(store, x)) == {"other": {z: 1, y: 2}}
    # A bound shorter than the cycle stops inside it.
    assert depths(trace(store, x, max_depth=1)["inputs"]) == {x: 0, y: 1}


# -- reconstruct -------------------------------------------------------------------------------


def signed_off(store: Store) -> None:
    """run 1 -> out/1-1; kim reviews (10:20); ana escalates (10:30); cy reviews (10:50). Recorded
    afterwards: an escalation dated 10:35, another at 11:10 and bo's approval at 11:20."""
    put(
        store,
        timed_run(1, "10:00"),
        reviewed("r0", iri("out/1-1"), "10:20", by="kim"),
        escalation("e0", "10:30", iri("runs/1"), iri("out/1-1")),
        reviewed("r1", iri("out/1-1"), "10:50", by="cy"),
    )
    pause()
    put(
        store,
        escalation("e-backdated", "10:35", iri("runs/1")),
        escalation("e2", "11:10", iri("reviews/r1"), iri("out/1-1")),
        approval("a2", iri("out/1-1"), by="bo", at="11:20"),
    )


REDESCRIBED = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  entity(t:out/1-1, [prov:label="discharge letter, as filed later"])
endDocument
"""


def test_reconstruct_shows_only_what_was_before_the_reviewer(store: Store) -> None:
    signed_off(store)
    # A later document may not re-describe the recorded output cy reviewed.
    with pytest.raises(InvalidRecord, match=r"out/1-1 is already recorded \(an output\)"):
        import_document(REDESCRIBED, FORMATS["provn"], store, source="later.provn")
    seen = reconstruct(store, iri("reviews/r1"))
    record = store.record(iri("reviews/r1"))
    assert record is not None
    assert seen["review"] == iri("reviews/r1")
    assert seen["kind"] == "review"
    assert seen["reviewer"] == iri("people/cy")
    assert seen["role"] == "reviewer"
    assert seen["time"] == at("10:50")
    assert seen["recorded_up_to"] == record.seq  # the last of its transaction
    # The output as it was recorded when cy looked at it, as it still is.
    assert seen["output"]["id"] == iri("out/1-1")
    assert seen["output"]["content_hash"] == h("out 1 1")
    assert seen["output"]["label"] is None
    now = next(o for o in trace(store, iri("out/1-1"))["outputs"] if o["id"] == iri("out/1-1"))
    assert now["label"] is None
    assert ids(seen["runs"]) == {iri("runs/1")}
    assert {(i["id"], i["content_hash"]) for i in seen["inputs"]} == {(iri("docs/1"), h("doc 1"))}
    assert ids(seen["prompts"]) == {iri("runs/1/prompt")}
    assert ids(seen["prompt_templates"]) == {iri("tpl/v1")}
    # kim's earlier review and ana's earlier escalation; not e-backdated (dated earlier but recorded
    # later), e2 or bo's approval (both later).
    assert ids(seen["earlier_reviews"]) == {iri("reviews/r0")}
    assert seen["earlier_approvals"] == []
    assert [(e["id"], e["type"], e["time"]) for e in seen["escalations"]] == [
        (iri("escalations/e0"), Type.ESCALATION, at("10:30"))
    ]


def test_reconstruct_an_approval_sees_everything_recorded_and_dated_before_it(
    store: Store,
) -> None:
    signed_off(store)
    seen = reconstruct(store, "test:approvals/a2")
    assert seen["kind"] == "approval"
    assert seen["reviewer"] == iri("people/bo")
    assert seen["role"] == "approver"
    assert seen["output"]["content_hash"] == h("out 1 1")
    assert ids(seen["earlier_reviews"]) == {iri("reviews/r0"), iri("reviews/r1")}
    assert seen["earlier_approvals"] == []
    assert [e["id"] for e in seen["escalations"]] == [
        iri("escalations/e0"),
        iri("escalations/e-backdated"),
        iri("escalations/e2"),
    ]


IMPORTED_REVIEW = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:runs/9, 2026-01-01T10:00:00+00:00, 2026-01-01T10:01:00+00:00, [prov:type='raidt:Run'])
  entity(t:out/9, [prov:type='raidt:Output', raidt:contentHash="sha256:{hash}", {label}])
  wasGeneratedBy(t:out/9, t:runs/9, -)
  activity(t:reviews/9, 2026-01-01T11:00:00+00:00, 2026-01-01T11:05:00+00:00,
           [prov:type='raidt:Review'])
  used(t:reviews/9, t:out/9, -)
endDocument
"""


def test_reconstruct_a_review_imported_in_a_document(store: Store) -> None:
    # The review has no record of its own: it is seen as the document that brought it left the
    # graph. A later document may not give out/9, an output a document recorded, a new label.
    signed_off(store)
    review = IMPORTED_REVIEW.format(hash="1" * 64, label='prov:label="draft"')
    first = import_document(review, FORMATS["provn"], store, source="review.provn")[0]
    again = IMPORTED_REVIEW.format(hash="1" * 64, label='prov:label="as filed"')
    with pytest.raises(InvalidRecord, match=r"out/9 is already recorded \(an output\)"):
        import_document(again, FORMATS["provn"], store, source="again.provn")
    seen = reconstruct(store, iri("reviews/9"))
    stored = store.record(first.id)
    assert stored is not None
    assert seen["recorded_up_to"] == stored.seq
    assert seen["output"] == {
        **seen["output"],
        "id": iri("out/9"),
        "content_hash": "sha256:" + "1" * 64,
        "label": "draft",
    }
    assert ids(seen["runs"]) == {iri("runs/9")}


def test_reconstruct_shows_the_earlier_outputs_and_events_about_anything_on_the_path(
    store: Store,
) -> None:
    # run 1 -> out/1-1 -> run 2 -> out/2-1. gp challenges run 2's input docs/2 (10:20); ana
    # escalates about the template tpl/v1 (10:21); r-late (10:55) is recorded before r-early
    # (10:50); bo approves out/2-1 at 11:00.
    challenge = {
        "type": "challenge",
        "id": iri("challenges/c1"),
        "at": at("10:20"),
        "target": iri("docs/2"),
        "challenger": person("gp", "general practitioner"),
        "grounds": "this letter is out of date",
    }
    put(
        store,
        timed_run(1, "10:00"),
        timed_run(2, "10:05", inputs=[earlier_output(iri("out/1-1")), *run(2)["inputs"]]),
        challenge,
        escalation("about-template", "10:21", iri("runs/2"), iri("tpl/v1")),
        reviewed("r-late", iri("out/2-1"), "10:55"),
        reviewed("r-early", iri("out/2-1"), "10:50"),
        approval("a2", iri("out/2-1"), by="bo", at="11:00"),
    )
    seen = reconstruct(store, iri("approvals/a2"))
    assert [(o["id"], o["content_hash"]) for o in seen["earlier_outputs"]] == [
        (iri("out/1-1"), h("out 1 1"))
    ]
    assert [e["id"] for e in seen["escalations"]] == [
        iri("challenges/c1"),
        iri("escalations/about-template"),
    ]
    assert [r["id"] for r in seen["earlier_reviews"]] == [
        iri("reviews/r-early"),
        iri("reviews/r-late"),
    ]


def test_reconstruct_sees_what_was_written_with_the_review_whatever_its_order(
    store: Store,
) -> None:
    # One file, in one transaction: bo's approval (11:20) comes before kim's review (10:20) and
    # ana's escalation (10:30) that it followed. Both were before bo, recorded with the approval.
    put(
        store,
        timed_run(1, "10:00"),
        approval("a2", iri("out/1-1"), by="bo", at="11:20"),
        reviewed("r0", iri("out/1-1"), "10:20", by="kim"),
        escalation("e0", "10:30", iri("runs/1"), iri("out/1-1")),
        reviewed("r-after", iri("out/1-1"), "11:30", by="cy"),
    )
    seen = reconstruct(store, iri("approvals/a2"))
    assert [r["id"] for r in seen["earlier_reviews"]] == [iri("reviews/r0")]
    assert [e["id"] for e in seen["escalations"]] == [iri("escalations/e0")]


ADDED_TO_THE_REVIEW = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  used(t:reviews/r1, t:tpl/v1, -)
  wasAssociatedWith(t:reviews/r1, t:people/bo, -, [prov:role='raidt:reviewer'])
  activity(t:reviews/r1, 2026-01-01T09:00:00+00:00, 2026-01-01T09:05:00+00:00)
endDocument
"""


def test_reconstruct_is_not_changed_by_what_later_records_add_to_the_review(
    store: Store,
) -> None:
    # A later document says r1 also used the template, names bo as a reviewer and gives it an
    # earlier time: it is refused, and cy's review is still of out/1-1, by cy, at 10:50, as its
    # record stated.
    signed_off(store)
    before = reconstruct(store, iri("reviews/r1"))
    counts = store.counts()
    with pytest.raises(InvalidRecord) as refused:
        import_document(ADDED_TO_THE_REVIEW, FORMATS["provn"], store, source="added.provn")
    assert refused.value.location == "added.provn"
    assert refused.value.message == (
        f"{iri('reviews/r1')} is already recorded (a review); a document may restate it but "
        "not add to it (prov:endTime = 2026-01-01T09:05:00+00:00)"
    )
    assert store.counts() == counts
    after = reconstruct(store, iri("reviews/r1"))
    assert (after["output"]["id"], after["reviewer"], after["time"]) == (
        iri("out/1-1"),
        iri("people/cy"),
        at("10:50"),
    )
    assert after == before


GENERIC = """document
  prefix ex <https://example.org/>
  prefix raidt <https://w3id.org/raidt#>
  entity(ex:report)
  entity(ex:quote)
  agent(ex:alice, [prov:label="Alice"])
  activity(ex:gen, 2026-01-01T10:00:00+00:00, 2026-01-01T10:01:00+00:00, [prov:label="compile"])
  wasGeneratedBy(ex:report, ex:gen, -)
  used(ex:gen, ex:quote, -)
  wasAssociatedWith(ex:gen, ex:alice, -, [prov:role='raidt:initiator'])
endDocument
"""


def test_trace_lists_every_activity_on_the_path_not_only_runs(store: Store) -> None:
    # A PROV document's own activity made the report: it is on the path, with alice's part in it.
    import_document(GENERIC, FORMATS["provn"], store, source="generic.provn")
    answer = trace(store, "https://example.org/report")
    assert [(a["id"], a["label"], a["depth"], a["outputs"]) for a in answer["activities"]] == [
        ("https://example.org/gen", "compile", 1, ["https://example.org/report"])
    ]
    assert [(i["id"], i["depth"]) for i in answer["inputs"]] == [("https://example.org/quote", 2)]
    assert [(p["id"], p["roles"]) for p in answer["people"]] == [
        ("https://example.org/alice", ["initiator"])
    ]
    assert "https://example.org/gen" in trace_ids(answer)


def test_trace_of_a_decision_lists_the_approval_that_made_it(store: Store) -> None:
    signed_off(store)
    answer = trace(store, iri("approvals/a2/decision"))
    assert [(a["id"], a["decision"], a["approver"], a["output"]) for a in answer["approvals"]] == [
        (iri("approvals/a2"), "approved", iri("people/bo"), iri("out/1-1"))
    ]
    assert answer["activities"] == []


def test_an_answer_says_when_it_reached_the_depth_limit(store: Store) -> None:
    # out/2-1 was derived from out/1-1, which was derived from docs/1: two relations away.
    put(
        store, timed_run(1, "10:00"), timed_run(2, "10:05", inputs=[earlier_output(iri("out/1-1"))])
    )
    assert trace(store, iri("out/2-1"))["depth_limit_reached"] is False
    short = trace(store, iri("out/2-1"), max_depth=1)
    assert short["depth_limit_reached"] is True
    assert iri("docs/1") not in trace_ids(short)
    assert impact(store, iri("docs/1"), max_depth=1)["depth_limit_reached"] is True
    assert impact(store, iri("docs/1"))["depth_limit_reached"] is False


def test_trace_orders_decisions_by_when_they_were_taken_in_any_offset(store: Store) -> None:
    # 11:30 in London comes after 16:00 in Karachi (11:00 UTC); the ids sort the other way, and
    # so do the reviews'
    put(
        store,
        timed_run(1, "10:00"),
        {**approval("a-london", iri("out/1-1"), by="bo"), "at": "2026-01-01T11:30:00+00:00"},
        {**approval("z-karachi", iri("out/1-1"), by="cy"), "at": "2026-01-01T16:00:00+05:00"},
        reviewed("a-second", iri("out/1-1"), "10:50"),
        reviewed("z-first", iri("out/1-1"), "10:40"),
    )
    answer = trace(store, iri("out/1-1"))
    assert [a["id"] for a in answer["approvals"]] == [
        iri("approvals/z-karachi"),
        iri("approvals/a-london"),
    ]
    assert [r["id"] for r in answer["reviews"]] == [
        iri("reviews/z-first"),
        iri("reviews/a-second"),
    ]


def test_trace_refuses_what_is_not_an_entity(store: Store) -> None:
    signed_off(store)
    for not_an_entity in (iri("runs/1"), iri("people/cy")):
        with pytest.raises(InvalidRecord, match="not an output or other entity"):
            trace(store, not_an_entity)


def test_reconstruct_refuses_what_is_not_a_review(store: Store) -> None:
    signed_off(store)
    for not_a_review in (iri("runs/1"), iri("out/1-1"), iri("escalations/e0")):
        with pytest.raises(InvalidRecord, match="neither a review nor an approval"):
            reconstruct(store, not_a_review)
    with pytest.raises(NotFound):
        reconstruct(store, iri("reviews/404"))


# -- the demo data -----------------------------------------------------------------------------

H = "https://hospital.example/"


@pytest.fixture(scope="module")
def demo() -> Iterator[SQLiteStore]:
    opened = SQLiteStore(":memory:")
    folder = files("provenance") / "demo"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".jsonl"))
    write_records([item for name in names for item in read_records(str(folder / name))], opened)
    yield opened
    opened.close()


def test_demo_trace_of_the_gp_referral_reaches_the_discharge_summary_run(
    demo: SQLiteStore,
) -> None:
    answer = trace(demo, "hospital:outputs/gp-referral-0412/letter")
    # letter <- gp-referral run <- summary-rev1 <- review <- summary <- discharge run <- 3 inputs.
    assert ids(answer["runs"]) == {H + "runs/gp-referral-0412", H + "runs/discharge-0412"}
    discharge = next(r for r in answer["runs"] if r["id"] == H + "runs/discharge-0412")
    three = {
        H + "ehr/patients/mrn-4471902/encounters/enc-0412",
        H + "lab/reports/lr-88213",
        H + "guidelines/chronic-heart-failure/section-1-6",
    }
    assert set(discharge["inputs"]) == three
    assert ids(answer["inputs"]) == three
    assert ids(answer["outputs"]) == {
        H + "outputs/gp-referral-0412/letter",
        H + "outputs/discharge-0412/summary-rev1",
        H + "outputs/discharge-0412/summary",
    }
    assert {(r["id"], r["revision"]) for r in answer["reviews"]} == {
        (H + "reviews/discharge-0412-r1", H + "outputs/discharge-0412/summary-rev1")
    }
    assert {(t["id"], t["used"]) for t in answer["prompt_templates"]} == {
        (H + "templates/gp-referral-letter/v1", True),
        (H + "templates/discharge-summary/v3", True),
        (H + "templates/discharge-summary/v2", False),
        (H + "templates/discharge-summary/v1", False),
    }
    assert {(m["model"], m["version"]) for m in answer["models"]} == {
        ("gpt-4o", "2024-11-20"),
        ("gpt-4o-mini", "2024-07-18"),
    }
    # Four template approvals by the safety officer, Okafor's sign-off of the revision (for Lund)
    # and Reyes's of the letter (for Okafor).
    assert {(a["id"].removeprefix(H), a["decision"]) for a in answer["approvals"]} == {
        ("approvals/template-discharge-summary-v1", "approved"),
        ("approvals/template-discharge-summary-v2", "approved"),
        ("approvals/template-discharge-summary-v3", "approved"),
        ("approvals/template-gp-referral-letter-v1", "approved"),
        ("approvals/discharge-0412-a1", "approved-with-edits"),
        ("approvals/gp-referral-0412-a1", "approved"),
    }
    assert {p["id"].removeprefix(H): p["roles"] for p in answer["people"]} == {
        "people/dr-niamh-byrne": ["initiator"],
        "people/grace-whitfield": ["initiator"],
        "people/dr-tomas-reyes": ["approver", "reviewer"],
        "people/dr-amara-okafor": ["approver", "responsible"],
        "people/dr-henrik-lund": ["responsible"],
        "people/dr-priya-raman": ["approver"],
    }


def test_demo_impact_of_a_lab_report(demo: SQLiteStore) -> None:
    answer = impact(demo, "hospital:lab/reports/lr-88213")
    # The lab report fed the 0412 summary, whose revision fed the GP letter; both were acted on.
    assert ids(answer["runs"]) == {H + "runs/discharge-0412", H + "runs/gp-referral-0412"}
    assert ids(answer["actions"]) == {
        H + "actions/discharge-0412-ehr-entry",
        H + "actions/gp-referral-0412-sent",
    }
    assert H + "runs/discharge-0415" not in {i["id"] for g in IMPACT_GROUPS for i in answer[g]}


def test_a_statement_imported_again_is_one_relation(store: Store) -> None:
    # Exporting run 1 and importing it back states every relation of it a second time, in
    # another record: the questions see each statement once.
    clinic(store)
    before = (trace(store, iri("out/1-1r")), impact(store, iri("docs/1")))
    exported = write_document(export_document(store, iri("runs/1")), FORMATS["json"])
    import_document(exported, FORMATS["json"], store, source="again.json")
    assert (trace(store, iri("out/1-1r")), impact(store, iri("docs/1"))) == before
    generated = store.traverse([iri("out/1-1")], ["wasGeneratedBy"], Direction.UP, 1)
    assert len(generated.relations) == 1


def test_reconstruct_reads_the_store_at_sign_off(store: Store) -> None:
    # cy opened out/1-1 at 10:35 and signed off at 10:50; kim's review, dated 10:40, was recorded
    # before cy's: cy could see it before signing off.
    put(
        store,
        timed_run(1, "10:00"),
        reviewed("r0", iri("out/1-1"), "10:40", by="kim"),
        {**reviewed("r1", iri("out/1-1"), "10:50", by="cy"), "started_at": at("10:35")},
    )
    seen = reconstruct(store, iri("reviews/r1"))
    assert seen["time"] == at("10:50")
    assert ids(seen["earlier_reviews"]) == {iri("reviews/r0")}


def test_reconstruct_an_approval_of_a_template_version_shows_its_hash(store: Store) -> None:
    put(
        store,
        template_version("v1", "08:00"),
        approval("tpl-v1", iri("tpl/v1"), by="pat", at="08:30"),
    )
    seen = reconstruct(store, iri("approvals/tpl-v1"))
    assert seen["output"]["id"] == iri("tpl/v1")
    assert seen["output"]["content_hash"] == h("tpl/v1")


def test_trace_names_an_approver_and_a_reviewer_by_their_role_not_by_who_else_was_there(
    store: Store,
) -> None:
    # A PROV document names an observer beside a review and an approval; an observer whose id
    # sorts first is still neither the reviewer nor the approver.
    put(store, timed_run(1, "10:00"))
    document = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:reviews/r9, 2026-01-01T10:50:00Z, 2026-01-01T10:50:00Z, [prov:type='raidt:Review'])
  used(t:reviews/r9, t:out/1-1, -)
  wasAssociatedWith(t:reviews/r9, t:people/aaron, -, [prov:role='t:roles/observer'])
  wasAssociatedWith(t:reviews/r9, t:people/cy, -, [prov:role='raidt:reviewer'])
  activity(t:approvals/a9, 2026-01-01T11:00:00Z, 2026-01-01T11:00:00Z,
    [prov:type='raidt:Approval', raidt:decision="approved"])
  used(t:approvals/a9, t:out/1-1, -)
  wasAssociatedWith(t:approvals/a9, t:people/aaron, -, [prov:role='t:roles/observer'])
  wasAssociatedWith(t:approvals/a9, t:people/bo, -, [prov:role='raidt:approver'])
endDocument"""
    import_document(document, FORMATS["provn"], store, source="observed.provn")
    answer = trace(store, iri("out/1-1"))
    assert [(a["id"], a["approver"]) for a in answer["approvals"]] == [
        (iri("approvals/a9"), iri("people/bo"))
    ]
    assert [(r["id"], r["reviewer"]) for r in answer["reviews"]] == [
        (iri("reviews/r9"), iri("people/cy"))
    ]
    roles = {p["id"]: p["roles"] for p in answer["people"]}
    assert roles[iri("people/aaron")] == [iri("roles/observer")]


def test_trace_takes_in_a_template_version_named_only_as_a_run_s_plan(store: Store) -> None:
    # tpl/v2 revises tpl/v1; pat approved both. A PROV document brings run 7, whose initiator ana
    # followed tpl/v2 as its plan, with no rendered prompt derived from it: the version is upstream
    # of out/7-1 all the same, one relation beyond the run (2), tpl/v1 one further (3), and the
    # approvals of both are on the trace, pat with them.
    put(
        store,
        template_version("v1", "08:00"),
        approval("tpl-v1", iri("tpl/v1"), by="pat", at="08:30"),
        template_version("v2", "09:00", previous=iri("tpl/v1")),
        approval("tpl-v2", iri("tpl/v2"), by="pat", at="09:30"),
    )
    document = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:runs/7, 2026-01-01T11:00:00Z, 2026-01-01T11:01:00Z, [prov:type='raidt:Run'])
  entity(t:out/7-1, [prov:type='raidt:Output'])
  used(t:runs/7, t:docs/7, -, [prov:role='raidt:input'])
  wasGeneratedBy(t:out/7-1, t:runs/7, -)
  wasAssociatedWith(t:runs/7, t:people/ana, t:tpl/v2, [prov:role='raidt:initiator'])
endDocument"""
    import_document(document, FORMATS["provn"], store, source="plan.provn")
    answer = trace(store, iri("out/7-1"))
    assert [(r["id"], r["template"]) for r in answer["runs"]] == [(iri("runs/7"), iri("tpl/v2"))]
    assert [(t["id"], t["depth"], t["used"]) for t in answer["prompt_templates"]] == [
        (iri("tpl/v2"), 2, True),
        (iri("tpl/v1"), 3, False),
    ]
    assert [(a["id"], a["approver"], a["output"]) for a in answer["approvals"]] == [
        (iri("approvals/tpl-v1"), iri("people/pat"), iri("tpl/v1")),
        (iri("approvals/tpl-v2"), iri("people/pat"), iri("tpl/v2")),
    ]
    assert {p["id"]: p["roles"] for p in answer["people"]} == {
        iri("people/ana"): ["initiator"],
        iri("people/pat"): ["approver"],
    }


def test_an_activity_informed_by_a_run_traces_back_to_it_as_impact_reaches_it(
    store: Store,
) -> None:
    # Run 1 read docs/1. A PROV document says run 9, which made out/9-1, was informed by run 1:
    # it used something run 1 generated, so run 1 is upstream of out/9-1 (2), and docs/1 (3); and
    # what depends on docs/1 takes in run 9 (2) and out/9-1 (3), as trace and impact must agree.
    put(store, timed_run(1, "10:00"))
    document = """document
  prefix t <https://test.example/>
  activity(t:runs/9, 2026-01-01T11:00:00Z, 2026-01-01T11:00:00Z)
  entity(t:out/9-1)
  wasGeneratedBy(t:out/9-1, t:runs/9, -)
  wasInformedBy(t:runs/9, t:runs/1)
endDocument"""
    import_document(document, FORMATS["provn"], store, source="informed.provn")
    answer = trace(store, iri("out/9-1"))
    assert depths(answer["activities"]) == {iri("runs/9"): 1}
    assert depths(answer["runs"]) == {iri("runs/1"): 2}
    assert depths(answer["inputs"]) == {iri("docs/1"): 3}
    assert [(p["id"], p["roles"]) for p in answer["people"]] == [(iri("people/ana"), ["initiator"])]
    assert depths(impact(store, iri("docs/1"))["other"]) == {iri("runs/9"): 2, iri("out/9-1"): 3}
