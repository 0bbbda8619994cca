"""authority, accountable and delegations on hand-built graphs whose answers are worked out in the
comments (revisions, chained runs, rejected and late approvals, delegation windows and scopes,
claims without a delegation, cycles), and on the demo data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from provenance.demo_data import load_demo
from provenance.errors import InvalidRecord, NotFound
from provenance.formats import FORMATS
from provenance.graph import Element, Fragment, Relation, attributes
from provenance.ingest import import_document
from provenance.stores import PreparedRecord, SQLiteStore, Store
from provenance.vocabulary import PROV, Attr, Role, Type
from queries.authority import MAX_CHAIN, accountable, authority, delegations
from queries.context import parse_time
from queries.lineage import impact, trace
from queries.scores import score
from tests.conftest import put
from tests.factories import action, approval, earlier_output, iri, person, review, run

# -- record builders --------------------------------------------------------------------------

ACT_TIME = "2026-01-01T12:00:00+00:00"  # factories.action's time
CONTEXT = "discharge summary, healthcare, inpatient-discharge"  # scope words of the runs below


def at(hhmm: str, day: str = "2026-01-01") -> str:
    return f"{day}T{hhmm}:00+00:00"


def p(name: str) -> str:
    return iri(f"people/{name}")


def ward_run(n: int, start: str, **extra: Any) -> dict[str, Any]:
    """Run ``n`` (task 'discharge summary', sector healthcare, workflow inpatient-discharge)."""
    record = run(n, workflow="inpatient-discharge", **extra)
    record["started_at"] = at(start)
    record["ended_at"] = at(start).replace(":00+00:00", ":30+00:00")
    return record


def signed(
    name: str,
    target: str,
    by: str,
    when: str,
    *,
    decision: str = "approved",
    for_: str | None = None,
) -> dict[str, Any]:
    record = approval(name, target, by=by, decision=decision, at=when)
    if for_:
        record["on_behalf_of"] = p(for_)
    return record


def revised(name: str, target: str, revision: str, when: str) -> dict[str, Any]:
    record = review(name, target, by="cy", revision=revision)
    record["at"] = at(when)
    return record


def delegation(
    delegate: str,
    responsible: str,
    scope: list[str] | None = None,
    valid_from: str = "2026-01-01T00:00:00+00:00",
    valid_to: str | None = "2026-12-31T23:59:59+00:00",
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "delegation",
        "id": iri(f"delegations/{delegate}-for-{responsible}"),
        "delegate": person(delegate),
        "responsible": person(responsible),
        "scope": scope or ["*"],
        "valid_from": valid_from,
    }
    if valid_to:
        record["valid_to"] = valid_to
    return record


def holders(answer: dict[str, Any]) -> set[tuple[str, str, str | None, bool]]:
    """Each holder as (agent, basis, via, valid)."""
    return {(h["agent"], h["basis"], h["via"], h["valid"]) for h in answer["holders"]}


def holder(answer: dict[str, Any], agent: str, basis: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        h for h in answer["holders"] if h["agent"] == agent and h["basis"] == basis
    ]
    assert len(found) == 1, found
    return found[0]


def used(src: str, dst: str) -> dict[str, Any]:
    return {"from": src, "relation": "used", "to": dst}


def decided(name: str, output: str, when: str, by: str) -> list[dict[str, Any]]:
    """The two steps an approval adds to a path: it used the output, and its approver."""
    approval_id = iri(f"approvals/{name}")
    return [
        {
            "from": approval_id,
            "relation": "used",
            "to": output,
            "decision": "approved",
            "time": when,
        },
        {"from": approval_id, "relation": "wasAssociatedWith", "to": p(by), "role": "approver"},
    ]


def link(delegate: str, responsible: str, problems: list[str] | None = None) -> dict[str, Any]:
    return {
        "from": p(delegate),
        "relation": "actedOnBehalfOf",
        "to": p(responsible),
        "id": iri(f"delegations/{delegate}-for-{responsible}"),
        "valid": not problems,
        "problems": problems or [],
    }


# -- the governed graph --------------------------------------------------------------------------
#
# run 1 (ana): docs/1 -> out/1-1
#   draft: rex REJECTS out/1-1 (10:40); r1: cy revises out/1-1 into out/1-1r (10:50)
#   a1r: bo approves out/1-1r (11:00)
# run 2 (ana): out/1-1r -> out/2-1; a2: ola approves out/2-1 (11:10)
#   r2: cy revises out/2-1 into out/2-1r (11:15)
#   fin: vic approves out/2-1r for wes (11:30); late: lat approves out/2-1r (13:00)
#   act: di acts on out/2-1r (12:00), citing fin
# Delegations: vic for wes (the task), wes for xan (the sector), xan for org ('*'): depth 3.
# run 5 (ana): docs/5 -> out/5-1; a5: vic approves (11:00); act5: quin acts on it (12:00)
# run 6 (ana): docs/6 -> out/6-1; a6: zed approves (11:00); act6: di acts on it (12:00)


def governed(store: Store) -> None:
    put(
        store,
        delegation("vic", "wes", ["discharge summary"]),
        delegation("wes", "xan", ["healthcare"]),
        delegation("xan", "org", ["*"], valid_to=None),
        ward_run(1, "10:00"),
        signed("draft", iri("out/1-1"), "rex", "10:40", decision="rejected"),
        revised("r1", iri("out/1-1"), iri("out/1-1r"), "10:50"),
        signed("a1r", iri("out/1-1r"), "bo", "11:00"),
        ward_run(2, "11:05", inputs=[earlier_output(iri("out/1-1r"))]),
        signed("a2", iri("out/2-1"), "ola", "11:10"),
        revised("r2", iri("out/2-1"), iri("out/2-1r"), "11:15"),
        signed("fin", iri("out/2-1r"), "vic", "11:30", for_="wes"),
        signed("late", iri("out/2-1r"), "lat", "13:00"),
        action("act", iri("out/2-1r"), approval_id=iri("approvals/fin")),
        ward_run(5, "10:00"),
        signed("a5", iri("out/5-1"), "vic", "11:00"),
        action("act5", iri("out/5-1"), approval_id=iri("approvals/a5"), by="quin"),
        ward_run(6, "10:00"),
        signed("a6", iri("out/6-1"), "zed", "11:00"),
        action("act6", iri("out/6-1"), approval_id=iri("approvals/a6")),
    )


ACT = iri("actions/act")
ALL_ACTIONS = [iri("actions/act"), iri("actions/act5"), iri("actions/act6")]


def test_authority_over_an_action_on_a_revised_chained_output(store: Store) -> None:
    governed(store)
    answer = authority(store, ACT)
    assert answer["action"] == ACT
    assert answer["time"] == ACT_TIME
    # Delegations are judged against the run behind out/2-1r (through its revision): run 2.
    assert answer["context"] == {
        "task": ["discharge summary"],
        "workflow": ["inpatient-discharge"],
        "sector": ["healthcare"],
    }
    # out/2-1r revises out/2-1, derived from out/1-1r, a revision of out/1-1, derived from docs/1.
    assert answer["rests_on"] == sorted(
        [iri("out/2-1r"), iri("out/2-1"), iri("out/1-1r"), iri("out/1-1"), iri("docs/1")]
    )
    assert answer["outputs"] == answer["rests_on"]  # the same list, under its earlier name
    assert answer["approvals"] == sorted(
        iri(f"approvals/{a}") for a in ("draft", "a1r", "a2", "fin", "late")
    )
    # di executed it; vic approved what it used, ola the output that revises into it, bo the
    # earlier run's revised output that run 2 consumed. wes, xan and org stand behind vic, every
    # link valid. Not rex (rejected), lat (after the action), cy (reviews confer nothing), ana.
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("vic"), "approver", iri("out/2-1r"), True),
        (p("ola"), "approver", iri("out/2-1"), True),
        (p("bo"), "approver", iri("out/1-1r"), True),
        (p("wes"), "delegation", p("vic"), True),
        (p("xan"), "delegation", p("vic"), True),
        (p("org"), "delegation", p("vic"), True),
    }
    assert holder(answer, p("di"), "executor")["path"] == [
        {"from": ACT, "relation": "wasAssociatedWith", "to": p("di"), "role": "executor"}
    ]
    assert holder(answer, p("di"), "executor")["name"] == "Di"


def test_approver_paths_follow_revisions_and_earlier_runs(store: Store) -> None:
    governed(store)
    answer = authority(store, ACT)
    to_2_1r = used(ACT, iri("out/2-1r"))
    back_to_2_1 = {"from": iri("out/2-1r"), "relation": "wasRevisionOf", "to": iri("out/2-1")}
    back_to_1_1r = {"from": iri("out/2-1"), "relation": "wasDerivedFrom", "to": iri("out/1-1r")}

    vic = [to_2_1r, *decided("fin", iri("out/2-1r"), at("11:30"), "vic")]
    assert holder(answer, p("vic"), "approver")["path"] == vic
    assert holder(answer, p("ola"), "approver")["path"] == [
        to_2_1r,
        back_to_2_1,
        *decided("a2", iri("out/2-1"), at("11:10"), "ola"),
    ]
    assert holder(answer, p("bo"), "approver")["path"] == [
        to_2_1r,
        back_to_2_1,
        back_to_1_1r,
        *decided("a1r", iri("out/1-1r"), at("11:00"), "bo"),
    ]
    # The depth-3 chain above vic: vic -> wes -> xan -> org, each link valid.
    assert holder(answer, p("wes"), "delegation")["path"] == [*vic, link("vic", "wes")]
    assert holder(answer, p("xan"), "delegation")["path"] == [
        *vic,
        link("vic", "wes"),
        link("wes", "xan"),
    ]
    assert holder(answer, p("org"), "delegation")["path"] == [
        *vic,
        link("vic", "wes"),
        link("wes", "xan"),
        link("xan", "org"),
    ]
    assert all(h["problems"] == [] for h in answer["holders"])


def test_rejected_and_late_approvals_confer_no_authority(store: Store) -> None:
    governed(store)
    agents = {h["agent"] for h in authority(store, ACT)["holders"]}
    assert p("rex") not in agents  # rejected out/1-1 before the action
    assert p("lat") not in agents  # approved out/2-1r an hour after the action
    assert accountable(store, p("rex"))["actions"] == []
    assert accountable(store, p("lat"))["actions"] == []


@pytest.mark.parametrize(
    ("decisions", "acted_on", "invalidated", "when"),
    [
        # bo approves out/1-1 (11:00), then rejects it (11:30), which invalidates it
        (
            [
                signed("a1", iri("out/1-1"), "bo", "11:00"),
                signed("no", iri("out/1-1"), "bo", "11:30", decision="rejected"),
            ],
            iri("out/1-1"),
            iri("out/1-1"),
            "11:30",
        ),
        # bo approves out/1-1 (10:40); cy revises it into out/1-1r (10:50); rex rejects the
        # revision (11:00): bo's approval of the original does not stand behind an action on a
        # revision rejected before it
        (
            [
                signed("a1", iri("out/1-1"), "bo", "10:40"),
                revised("r1", iri("out/1-1"), iri("out/1-1r"), "10:50"),
                signed("no", iri("out/1-1r"), "rex", "11:00", decision="rejected"),
            ],
            iri("out/1-1r"),
            iri("out/1-1r"),
            "11:00",
        ),
    ],
    ids=["withdrawn", "revision-rejected"],
)
def test_an_approval_withdrawn_before_the_action_confers_no_valid_authority(
    store: Store,
    decisions: list[dict[str, Any]],
    acted_on: str,
    invalidated: str,
    when: str,
) -> None:
    # di acts at 12:00, citing bo's approval
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        *decisions,
        action("act", acted_on, approval_id=iri("approvals/a1")),
    )
    answer = authority(store, ACT)
    bo = holder(answer, p("bo"), "approver")
    assert bo["valid"] is False
    assert bo["problems"] == [
        f"{invalidated} was invalidated by {iri('approvals/no')} at "
        f"2026-01-01T{when}:00+00:00, before the action"
    ]
    assert holder(answer, p("org"), "delegation")["valid"] is False


def test_a_rejection_before_an_approval_does_not_withdraw_it(store: Store) -> None:
    # rex rejects out/1-1 at 10:30; bo approves it at 11:00, overruling him; di acts at 12:00.
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("no", iri("out/1-1"), "rex", "10:30", decision="rejected"),
        signed("a1", iri("out/1-1"), "bo", "11:00"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    answer = authority(store, ACT)
    assert holder(answer, p("bo"), "approver")["valid"] is True
    assert holder(answer, p("org"), "delegation")["valid"] is True


@pytest.mark.parametrize("reverse", [False, True], ids=["as-written", "reversed"])
def test_an_approval_carried_by_one_line_of_descent_stands_whatever_the_order_written(
    store: Store, reverse: bool
) -> None:
    # al approves out/1-1 (10:10). Runs 2 and 3 each make something from it; rex rejects out/2-1
    # (11:00). Run 4 makes out/4-1 from both, and di acts on it at 12:00. al's approval reaches
    # the action through out/3-1, which still stood: al is valid, by that route, in whichever
    # order runs 2 and 3 were recorded.
    lines = [ward_run(n, f"10:{n}0", inputs=[earlier_output(iri("out/1-1"))]) for n in (2, 3)]
    put(
        store,
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "al", "10:10"),
        *(reversed(lines) if reverse else lines),
        signed("no", iri("out/2-1"), "rex", "11:00", decision="rejected"),
        ward_run(4, "10:40", inputs=[earlier_output(iri(f"out/{n}-1")) for n in (2, 3)]),
        action("act", iri("out/4-1")),
    )
    al = holder(authority(store, ACT), p("al"), "approver")
    assert al["valid"] is True
    assert [step["to"] for step in al["path"][:3]] == [
        iri("out/4-1"),
        iri("out/3-1"),
        iri("out/1-1"),
    ]


def test_a_rejection_overruled_before_the_action_withdraws_no_approval_upstream(
    store: Store,
) -> None:
    # al approves out/1-1 (10:10); run 2 makes out/2-1 from it; rex rejects out/2-1 (11:00) and
    # bo approves it (11:30), overruling him; di acts on out/2-1 at 12:00. Both al and bo stand
    # behind the action.
    put(
        store,
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "al", "10:10"),
        ward_run(2, "10:20", inputs=[earlier_output(iri("out/1-1"))]),
        signed("no", iri("out/2-1"), "rex", "11:00", decision="rejected"),
        signed("a2", iri("out/2-1"), "bo", "11:30"),
        action("act", iri("out/2-1"), approval_id=iri("approvals/a2")),
    )
    answer = authority(store, ACT)
    assert holder(answer, p("al"), "approver")["valid"] is True
    assert holder(answer, p("bo"), "approver")["valid"] is True
    assert p("rex") not in {h["agent"] for h in answer["holders"]}


def test_a_derivation_stated_twice_over_one_pair_does_not_stop_the_answer(store: Store) -> None:
    # A PROV document says e2 was derived from e1 twice: as a derivation and as a revision (and
    # as the first again, with an id). The action on e2 rests on both, and on nothing else.
    document = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  entity(t:e1)
  entity(t:e2)
  wasDerivedFrom(t:e2, t:e1)
  wasDerivedFrom(t:d2; t:e2, t:e1, -, -, -)
  wasDerivedFrom(t:e2, t:e1, -, -, -, [prov:type='prov:Revision'])
  activity(t:act, 2026-01-01T12:00:00Z, 2026-01-01T12:00:00Z, [prov:type='raidt:Action'])
  used(t:act, t:e2, -)
endDocument"""
    import_document(document, FORMATS["provn"], store, source="twice.provn")
    answer = authority(store, iri("act"))
    assert answer["rests_on"] == [iri("e1"), iri("e2")]
    assert answer["holders"] == []


@pytest.mark.parametrize("derivation", ["prov:Quotation", "prov:PrimarySource"])
def test_an_approval_upstream_of_a_quotation_or_primary_source_stands_behind_the_action(
    store: Store, derivation: str
) -> None:
    # A PROV document quotes bo's approved out/1-1 in e2 (or cites it as e2's primary source),
    # and an action uses e2: out/1-1 is upstream of the action, and bo's approval with it.
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("a1", iri("out/1-1"), "bo", "11:00"),
    )
    document = f"""document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  entity(t:e2)
  wasDerivedFrom(t:e2, t:out/1-1, -, -, -, [prov:type='{derivation}'])
  activity(t:act, 2026-01-01T12:00:00Z, 2026-01-01T12:00:00Z, [prov:type='raidt:Action'])
  used(t:act, t:e2, -)
endDocument"""
    import_document(document, FORMATS["provn"], store, source="quoted.provn")
    answer = authority(store, iri("act"))
    assert answer["rests_on"] == [iri("docs/1"), iri("e2"), iri("out/1-1")]
    assert holder(answer, p("bo"), "approver")["valid"] is True


def test_a_claim_beyond_the_longest_chain_followed_says_so(store: Store) -> None:
    # vic -> p1 -> ... -> p11: eleven links, one more than MAX_CHAIN (10). vic approves for p11.
    chain = ["vic", *(f"p{i}" for i in range(1, 12))]
    put(
        store,
        *(delegation(a, b) for a, b in pairwise(chain)),
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "vic", "11:00", for_="p11"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    claimed = holder(authority(store, ACT), p("p11"), "claimed delegation")
    assert claimed["problems"] == [
        f"{p('vic')} claimed to act for {p('p11')}, but no chain of at most {MAX_CHAIN} "
        "recorded delegations leads there"
    ]


def test_judging_later_does_not_let_a_later_approval_confer_authority(store: Store) -> None:
    governed(store)
    # --at moves the moment delegations are judged at; lat's approval (13:00) still came after
    # the action (12:00) it would have to have authorised.
    answer = authority(store, ACT, at="2026-01-01T14:00:00+00:00")
    assert answer["time"] == "2026-01-01T14:00:00+00:00"
    assert p("lat") not in {h["agent"] for h in answer["holders"]}


def test_authority_refuses_what_is_not_an_action(store: Store) -> None:
    governed(store)
    for not_an_action in (iri("runs/1"), iri("approvals/fin"), iri("out/2-1r"), p("di")):
        with pytest.raises(InvalidRecord, match="not an action"):
            authority(store, not_an_action)
    with pytest.raises(NotFound):
        authority(store, iri("actions/404"))
    with pytest.raises(InvalidRecord, match="not an ISO 8601 time"):
        authority(store, ACT, at="noon")
    with pytest.raises(InvalidRecord, match="no time zone"):
        authority(store, ACT, at="2026-01-01T12:00:00")
    assert authority(store, "test:actions/act")["action"] == ACT


@pytest.mark.parametrize("given", ["2026-03-02", "2026-01-01T12:00", "2026-01-01T12:00:00.5"])
def test_a_time_without_a_zone_is_refused_with_a_suggestion_that_works(given: str) -> None:
    with pytest.raises(InvalidRecord, match="no time zone") as refused:
        parse_time(given)
    suggested = str(refused.value).rsplit("e.g. ", 1)[1]
    assert parse_time(suggested) == datetime.fromisoformat(given).replace(tzinfo=UTC)


# -- delegation windows, scopes and claims --------------------------------------------------------
#
# run 1 (ana, 10:00) -> out/1-1; a1: vic approves it for boss (11:00); act: di acts on it (12:00).
# Each case adds (or not) a delegation vic -> boss and says what it should make of boss.

DELEGATION = iri("delegations/vic-for-boss")


def claimed(store: Store, *extra: dict[str, Any]) -> dict[str, Any]:
    put(
        store,
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "vic", "11:00", for_="boss"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
        *extra,
    )
    return authority(store, ACT)


def boss(answer: dict[str, Any]) -> dict[str, Any]:
    return holder(answer, p("boss"), "delegation")


@pytest.mark.parametrize(
    "scope",
    [["*"], ["discharge summary"], ["healthcare"], ["inpatient-discharge"], ["Healthcare"]],
)
def test_delegation_in_window_and_scope_is_valid(store: Store, scope: list[str]) -> None:
    answer = claimed(store, delegation("vic", "boss", scope))
    # A recorded delegation backs vic's claim: boss holds by delegation, no 'claimed' entry.
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("vic"), "approver", iri("out/1-1"), True),
        (p("boss"), "delegation", p("vic"), True),
    }
    assert boss(answer)["path"][-1] == link("vic", "boss")


def test_expired_delegation_is_invalid_and_named(store: Store) -> None:
    answer = claimed(
        store,
        delegation("vic", "boss", valid_to="2026-01-01T09:00:00+00:00"),  # before 12:00
    )
    held = boss(answer)
    assert held["valid"] is False
    assert held["problems"] == [
        f"delegation {DELEGATION} expired 2026-01-01T09:00:00+00:00, before {ACT_TIME}"
    ]
    assert held["path"][-1]["id"] == DELEGATION
    assert held["path"][-1]["valid"] is False
    # vic's own approval is still authority; only the delegation above it fails.
    assert holder(answer, p("vic"), "approver")["valid"] is True


def test_a_delegation_window_in_another_zone_is_told_in_utc(store: Store) -> None:
    # It ended at 12:00 in UTC+05:00, which is 07:00 UTC, before the action at 12:00 UTC: said
    # as given, "expired 12:00+05:00, before 12:00+00:00" would read as no problem at all.
    answer = claimed(store, delegation("vic", "boss", valid_to="2026-01-01T12:00:00+05:00"))
    assert boss(answer)["problems"] == [
        f"delegation {DELEGATION} expired 2026-01-01T07:00:00+00:00, before {ACT_TIME}"
    ]


def test_delegation_not_yet_started_is_invalid(store: Store) -> None:
    answer = claimed(store, delegation("vic", "boss", valid_from="2026-01-01T13:00:00+00:00"))
    assert boss(answer)["valid"] is False
    assert boss(answer)["problems"] == [
        f"delegation {DELEGATION} starts 2026-01-01T13:00:00+00:00, after {ACT_TIME}"
    ]


def test_out_of_scope_delegation_is_invalid(store: Store) -> None:
    answer = claimed(store, delegation("vic", "boss", ["ward-round-notes", "finance"]))
    assert boss(answer)["valid"] is False
    assert boss(answer)["problems"] == [
        f"delegation {DELEGATION} covers finance, ward-round-notes, not {CONTEXT}"
    ]


def test_claimed_delegation_without_a_record_is_invalid(store: Store) -> None:
    answer = claimed(store)
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("vic"), "approver", iri("out/1-1"), True),
        (p("boss"), "claimed delegation", p("vic"), False),
    }
    held = holder(answer, p("boss"), "claimed delegation")
    assert held["problems"] == [
        f"{p('vic')} claimed to act for {p('boss')}, but no delegation is recorded"
    ]
    assert held["path"][-1]["relation"] == "actedOnBehalfOf"
    assert held["path"][-1]["valid"] is False


def test_a_claim_is_backed_by_a_chain_of_delegations(store: Store) -> None:
    # vic acts for boss through mid: vic -> mid -> boss. The chain backs the claim, so boss holds
    # once, by delegation, valid; there is no 'claimed delegation' saying nothing is recorded.
    answer = claimed(store, delegation("vic", "mid"), delegation("mid", "boss"))
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("vic"), "approver", iri("out/1-1"), True),
        (p("mid"), "delegation", p("vic"), True),
        (p("boss"), "delegation", p("vic"), True),
    }
    assert boss(answer)["path"][-2:] == [link("vic", "mid"), link("mid", "boss")]
    assert [a["basis"] for a in accountable(store, p("boss"))["actions"]] == ["delegation"]


def test_each_approver_is_judged_for_the_work_they_approved(store: Store) -> None:
    # pam may approve lab summaries only. She approved run 1's lab summary; run 2 used it to write
    # a discharge summary, which bo approved (bo -> org, any scope) and di acted on. pam's
    # delegation covers what she approved, so it is valid here although the action's work is a
    # discharge summary; the action's own context is still run 2's.
    lab = ward_run(1, "10:00")
    lab["task"] = "lab summary"
    put(
        store,
        delegation("pam", "quinn", ["lab summary"]),
        delegation("bo", "org"),
        lab,
        signed("a1", iri("out/1-1"), "pam", "10:10"),
        ward_run(2, "10:20", inputs=[earlier_output(iri("out/1-1"))]),
        signed("a2", iri("out/2-1"), "bo", "11:00"),
        action("act", iri("out/2-1"), approval_id=iri("approvals/a2")),
    )
    answer = authority(store, ACT)
    assert answer["context"]["task"] == ["discharge summary"]
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("bo"), "approver", iri("out/2-1"), True),
        (p("org"), "delegation", p("bo"), True),
        (p("pam"), "approver", iri("out/1-1"), True),
        (p("quinn"), "delegation", p("pam"), True),
    }
    # The same delegation behind an approval of the discharge summary itself is out of scope.
    put(store, signed("a2b", iri("out/2-1"), "pam", "11:05"))
    again = authority(store, ACT)
    quinn = [h for h in again["holders"] if h["agent"] == p("quinn")]
    assert sorted((h["via"], h["valid"]) for h in quinn) == [(p("pam"), False), (p("pam"), True)]


def test_at_override_changes_validity(store: Store) -> None:
    claimed(store, delegation("vic", "boss", valid_to="2026-01-01T18:00:00+00:00"))
    assert boss(authority(store, ACT))["valid"] is True  # 12:00, inside the window
    later = authority(store, ACT, at="2026-01-02T09:00:00+00:00")
    assert later["time"] == "2026-01-02T09:00:00+00:00"
    assert boss(later)["valid"] is False
    assert boss(later)["problems"] == [
        f"delegation {DELEGATION} expired 2026-01-01T18:00:00+00:00, "
        "before 2026-01-02T09:00:00+00:00"
    ]
    # The same override with a datetime.
    assert boss(authority(store, ACT, at=datetime.fromisoformat(at("17:00"))))["valid"] is True


def test_at_override_can_make_a_not_yet_started_delegation_valid(store: Store) -> None:
    claimed(store, delegation("vic", "boss", valid_from="2026-01-01T11:30:00+00:00"))
    assert boss(authority(store, ACT))["valid"] is True
    # Judged at 11:15, before the window opened (vic's approval at 11:00 still counts).
    earlier = authority(store, ACT, at="2026-01-01T11:15:00+00:00")
    assert holder(earlier, p("vic"), "approver")["valid"] is True
    assert boss(earlier)["valid"] is False


def test_as_of_before_the_delegation_was_recorded_shows_only_the_claim(store: Store) -> None:
    claimed(store)
    cut = store.record(ACT)
    assert cut is not None
    time.sleep(0.01)
    put(store, delegation("vic", "boss"))
    then = authority(store, ACT, as_of=cut.recorded_at)
    assert (p("boss"), "claimed delegation", p("vic"), False) in holders(then)
    # Now the delegation is there, but it was recorded after the approval and the action it
    # would authorise: written up afterwards, it is no authority for them.
    now = authority(store, ACT)
    assert (p("boss"), "delegation", p("vic"), False) in holders(now)
    assert p("boss") not in {h["agent"] for h in now["holders"] if h["basis"] != "delegation"}
    late, decided = store.record(DELEGATION), store.record(iri("approvals/a1"))
    assert late is not None
    assert decided is not None
    assert boss(now)["problems"] == [
        f"delegation {DELEGATION} was recorded {late.recorded_at}, after the decision it would "
        f"authorise ({iri('approvals/a1')}, recorded {decided.recorded_at}): a delegation "
        "recorded after the decision does not authorise it, whatever its validity window"
    ]


def test_an_invalid_middle_link_invalidates_everyone_above_it(store: Store) -> None:
    answer = claimed(
        store,
        delegation("vic", "boss"),
        delegation("boss", "chief", valid_to="2026-01-01T08:00:00+00:00"),
        delegation("chief", "org"),
    )
    expired = f"delegation {iri('delegations/boss-for-chief')} expired"
    assert boss(answer)["valid"] is True
    chief = holder(answer, p("chief"), "delegation")
    org = holder(answer, p("org"), "delegation")
    assert chief["valid"] is False
    assert org["valid"] is False
    assert [m.split(" 2026")[0] for m in chief["problems"]] == [expired]
    assert [m.split(" 2026")[0] for m in org["problems"]] == [expired]
    # The last link, chief for org, was itself fine: only the inherited problem is listed.
    assert org["path"][-1] == link("chief", "org")


def test_delegation_cycles_terminate(store: Store) -> None:
    # vic for boss, boss for chief, chief for vic: each person once, vic not again.
    answer = claimed(
        store,
        delegation("vic", "boss"),
        delegation("boss", "chief"),
        delegation("chief", "vic"),
    )
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("vic"), "approver", iri("out/1-1"), True),
        (p("boss"), "delegation", p("vic"), True),
        (p("chief"), "delegation", p("vic"), True),
    }
    assert [a["action"] for a in accountable(store, p("chief"))["actions"]] == [ACT]


def test_a_web_of_peers_lists_each_person_once(store: Store) -> None:
    # vic for boss, and eight peers who all delegate to one another: 40,320 paths from boss
    # alone, but each person stands behind vic once, by the shortest chain.
    peers = [f"peer{i}" for i in range(8)]
    web = [delegation(a, b) for a in peers for b in peers if a != b]
    answer = claimed(store, delegation("vic", "boss"), delegation("boss", "peer0"), *web)
    behind = [h for h in answer["holders"] if h["basis"] == "delegation"]
    assert sorted(h["agent"] for h in behind) == sorted([p("boss"), *map(p, peers)])
    chain = [step["to"] for step in holder(answer, p("peer5"), "delegation")["path"]]
    assert chain[-4:] == [p("vic"), p("boss"), p("peer0"), p("peer5")]


def test_a_valid_chain_is_preferred_to_a_shorter_invalid_one(store: Store) -> None:
    # boss for org expired; boss for chief and chief for org hold: org stands behind vic validly.
    answer = claimed(
        store,
        delegation("vic", "boss"),
        delegation("boss", "org", valid_to="2026-01-01T08:00:00+00:00"),
        delegation("boss", "chief"),
        delegation("chief", "org"),
    )
    org = holder(answer, p("org"), "delegation")
    assert org["valid"] is True
    assert [step["to"] for step in org["path"][-3:]] == [p("boss"), p("chief"), p("org")]


@pytest.mark.parametrize("claim", [True, False], ids=["claimed", "not-claimed"])
def test_a_long_valid_chain_does_not_hide_who_stands_above_a_short_invalid_one(
    store: Store, claim: bool
) -> None:
    # vic -> a1 -> ... -> a9 -> yan: ten valid links, yan at the limit. vic -> bea -> yan: two
    # links, bea's for yan expired before the action. yan -> zed. zed is three links above vic,
    # by an invalid chain: listed as a delegation, not as a claim no chain reaches.
    long_chain = ["vic", *(f"a{i}" for i in range(1, 10)), "yan"]
    put(
        store,
        *(delegation(a, b) for a, b in pairwise(long_chain)),
        delegation("vic", "bea"),
        delegation("bea", "yan", valid_to="2026-01-01T08:00:00+00:00"),
        delegation("yan", "zed"),
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "vic", "11:00", for_="zed" if claim else None),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    answer = authority(store, ACT)
    assert holder(answer, p("yan"), "delegation")["valid"] is True
    zed = holder(answer, p("zed"), "delegation")
    assert zed["valid"] is False
    assert [step["to"] for step in zed["path"][-3:]] == [p("bea"), p("yan"), p("zed")]
    assert zed["problems"] == [
        f"delegation {iri('delegations/bea-for-yan')} expired 2026-01-01T08:00:00+00:00, "
        f"before {ACT_TIME}"
    ]
    assert all(h["basis"] != "claimed delegation" for h in answer["holders"])
    found = accountable(store, p("zed"))["actions"]
    assert [(a["action"], a["basis"], a["valid"]) for a in found] == [(ACT, "delegation", False)]


def test_above_a_valid_holder_the_chain_shown_is_the_one_with_fewest_invalid_links(
    store: Store,
) -> None:
    # di's own delegation to yan expired; di -> abe -> yan holds. yan's to xia is out of scope.
    # xia is not valid, for that last link alone: the chain shown runs through abe.
    put(
        store,
        delegation("di", "yan", valid_to="2026-01-01T08:00:00+00:00"),
        delegation("di", "abe"),
        delegation("abe", "yan"),
        delegation("yan", "xia", scope=["finance"]),
        ward_run(1, "10:00"),
        action("act", iri("out/1-1")),
    )
    answer = authority(store, ACT)
    assert holder(answer, p("yan"), "delegation")["valid"] is True
    xia = holder(answer, p("xia"), "delegation")
    assert [step["to"] for step in xia["path"][1:]] == [p("abe"), p("yan"), p("xia")]
    assert len(xia["problems"]) == 1
    assert xia["problems"][0].startswith(
        f"delegation {iri('delegations/yan-for-xia')} covers finance"
    )


def claimed_on(store: Store, decision: str, when: str) -> dict[str, Any]:
    put(
        store,
        ward_run(1, "10:00"),
        revised("r1", iri("out/1-1"), iri("out/1-1r"), "10:50"),
        signed("draft", iri("out/1-1"), "vic", when, decision=decision, for_="boss"),
        signed("a1r", iri("out/1-1r"), "vic", "11:00"),
        action("act", iri("out/1-1r"), approval_id=iri("approvals/a1r")),
    )
    return authority(store, ACT)


@pytest.mark.parametrize(
    ("decision", "when"), [("rejected", "10:40"), ("approved", "13:00")], ids=["rejected", "late"]
)
def test_a_claim_made_on_an_approval_that_confers_nothing_adds_no_holder(
    store: Store, decision: str, when: str
) -> None:
    # vic decides on the draft out/1-1 'for boss' (no delegation recorded) -- a rejection before
    # the action, or an approval after it -- and, for nobody, approves cy's revision out/1-1r, on
    # which di acts. Only the approval of out/1-1r confers authority; the decision that carried
    # the claim confers none, so boss stands behind nothing here.
    answer = claimed_on(store, decision, when)
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("vic"), "approver", iri("out/1-1r"), True),
    }


# -- accountable -----------------------------------------------------------------------------


def test_accountable_names_actions_without_a_time_and_judges_the_rest(store: Store) -> None:
    # di acts on out/1-1 at 12:00; a PROV document adds another action of di's with no time.
    # Authority over it cannot be judged: accountable says so and still lists act.
    put(store, ward_run(1, "10:00"), action("act", iri("out/1-1")))
    untimed = iri("actions/untimed")
    document = """document
prefix t <https://test.example/>
prefix raidt <https://w3id.org/raidt#>
activity(t:actions/untimed, -, -, [prov:type='raidt:Action'])
used(t:actions/untimed, t:out/1-1, -)
wasAssociatedWith(t:actions/untimed, t:people/di, -, [prov:role='raidt:executor'])
endDocument"""
    import_document(document, FORMATS["provn"], store, source="untimed.provn")
    with pytest.raises(InvalidRecord, match="no time"):
        authority(store, untimed)
    found = accountable(store, p("di"))
    assert [(a["action"], a["basis"]) for a in found["actions"]] == [(ACT, "executor")]
    assert found["unjudged"] == [untimed]


def test_accountable_is_the_reverse_of_authority(store: Store) -> None:
    governed(store)
    # xan stands behind vic, who approved what act (via out/2-1r) and act5 rested on; not act6.
    expected = {
        p("xan"): [(ACT, "delegation"), (iri("actions/act5"), "delegation")],
        p("org"): [(ACT, "delegation"), (iri("actions/act5"), "delegation")],
        p("vic"): [(ACT, "approver"), (iri("actions/act5"), "approver")],
        p("bo"): [(ACT, "approver")],  # through run 2's input
        p("ola"): [(ACT, "approver")],  # through r2's revision
        p("di"): [(ACT, "executor"), (iri("actions/act6"), "executor")],
        p("zed"): [(iri("actions/act6"), "approver")],
        p("cy"): [],
        p("ana"): [],
    }
    for agent, actions in expected.items():
        found = accountable(store, agent)
        assert found["person"] == agent
        assert [(a["action"], a["basis"]) for a in found["actions"]] == actions, agent
        assert all(a["valid"] for a in found["actions"])
        # And agreeing with authority(), action by action.
        listed = {
            a for a in ALL_ACTIONS for h in authority(store, a)["holders"] if h["agent"] == agent
        }
        assert {a for a, _ in actions} == listed, agent
    via = accountable(store, "test:people/xan")["actions"][0]
    assert via["via"] == p("vic")
    assert via["path"] == holder(authority(store, ACT), p("xan"), "delegation")["path"]


def test_accountable_for_a_person_only_named_in_a_claim(store: Store) -> None:
    # boss has no record of their own: vic only claimed to approve for them.
    claimed(store)
    found = accountable(store, p("boss"))["actions"]
    assert [(a["action"], a["basis"], a["valid"]) for a in found] == [
        (ACT, "claimed delegation", False)
    ]


def test_accountable_of_unknown_person(store: Store) -> None:
    governed(store)
    with pytest.raises(NotFound):
        accountable(store, p("nobody"))


# -- the demo data -----------------------------------------------------------------------------

H = "https://hospital.example/"
B = "https://bank.example/"


@pytest.fixture(scope="module")
def demo() -> Iterator[SQLiteStore]:
    opened = SQLiteStore(":memory:")
    load_demo(opened)
    yield opened
    opened.close()


def short(answer: dict[str, Any], base: str) -> set[tuple[str, str, str | None, bool]]:
    return {
        (a.removeprefix(base), b, v.removeprefix(base) if v else None, ok)
        for a, b, v, ok in holders(answer)
    }


def test_demo_expired_locum_delegation(demo: SQLiteStore) -> None:
    answer = authority(demo, "hospital:actions/discharge-0415-ehr-entry")
    # Achterberg approved for Lund at 2026-03-04T09:30 under a delegation that ended on 28 Feb.
    assert short(answer, H) == {
        ("people/siobhan-kelly", "executor", None, True),
        ("people/dr-samuel-achterberg", "approver", "outputs/discharge-0415/summary", True),
        ("people/dr-henrik-lund", "delegation", "people/dr-samuel-achterberg", False),
        ("organisation", "delegation", "people/dr-samuel-achterberg", False),
    }
    lund = holder(answer, H + "people/dr-henrik-lund", "delegation")
    assert len(lund["problems"]) == 1
    assert H + "delegations/achterberg-for-lund-locum" in lund["problems"][0]
    assert "expired 2026-02-28T23:59:59+00:00" in lund["problems"][0]


def test_demo_out_of_scope_ward_round_delegation(demo: SQLiteStore) -> None:
    answer = authority(demo, "hospital:actions/gp-referral-0412-sent")
    # Reyes approved the letter for Okafor under a ward-round-notes delegation: Okafor, Lund and
    # the hospital behind Reyes are invalid. Okafor's own sign-off of the summary the letter was
    # drafted from is valid, and so is the chain above her for it.
    assert short(answer, H) == {
        ("people/grace-whitfield", "executor", None, True),
        ("people/dr-tomas-reyes", "approver", "outputs/gp-referral-0412/letter", True),
        ("people/dr-amara-okafor", "approver", "outputs/discharge-0412/summary-rev1", True),
        ("people/dr-amara-okafor", "delegation", "people/dr-tomas-reyes", False),
        ("people/dr-henrik-lund", "delegation", "people/dr-tomas-reyes", False),
        ("organisation", "delegation", "people/dr-tomas-reyes", False),
        ("people/dr-henrik-lund", "delegation", "people/dr-amara-okafor", True),
        ("organisation", "delegation", "people/dr-amara-okafor", True),
    }
    okafor = next(
        h
        for h in answer["holders"]
        if h["agent"] == H + "people/dr-amara-okafor" and h["basis"] == "delegation"
    )
    assert okafor["problems"] == [
        f"delegation {H}delegations/reyes-for-okafor-ward-rounds covers ward-round-notes, "
        "not gp-referral-letter, healthcare, inpatient-discharge"
    ]


def test_demo_bank_chain_of_three_links_is_valid(demo: SQLiteStore) -> None:
    chains = delegations(
        demo,
        B + "people/lukas-brenner",
        when=datetime.fromisoformat("2026-03-18T14:00:00+01:00"),
        context={
            "task": ["credit-memo"],
            "workflow": ["corporate-credit-approval"],
            "sector": ["finance"],
        },
    )
    # brenner -> marchetti -> vogel -> bank: one entry per prefix of the chain, all valid.
    assert [
        ([step["id"].removeprefix(B) for step in c["path"]], c["agent"].removeprefix(B), c["valid"])
        for c in chains
    ] == [
        (["delegations/brenner-for-marchetti"], "people/sofia-marchetti", True),
        (
            ["delegations/brenner-for-marchetti", "delegations/marchetti-for-vogel"],
            "people/dr-katrin-vogel",
            True,
        ),
        (
            [
                "delegations/brenner-for-marchetti",
                "delegations/marchetti-for-vogel",
                "delegations/vogel-for-bank",
            ],
            "organisation",
            True,
        ),
    ]
    answer = authority(demo, "bank:actions/credit-memo-2026-0317-committee-pack")
    assert short(answer, B) == {
        ("people/miriam-osei", "executor", None, True),
        ("people/dr-katrin-vogel", "approver", "outputs/credit-memo-2026-0317/memo", True),
        ("organisation", "delegation", "people/dr-katrin-vogel", True),
    }
    assert [a["action"] for a in accountable(demo, "bank:organisation")["actions"]] == [
        B + "actions/credit-memo-2026-0317-committee-pack"
    ]


def test_accountable_refuses_what_is_not_an_agent(store: Store) -> None:
    governed(store)
    with pytest.raises(InvalidRecord, match="not a person or organisation"):
        accountable(store, iri("runs/1"))


def test_decisions_count_whatever_roles_they_used_the_output_in(store: Store) -> None:
    # An imported document may give a review or approval any role on what it decided, even a
    # reading one: it is still a decision, in the trace and in who held authority.
    put(store, run(1))
    out, approved, reviewed = iri("out/1-1"), iri("approvals/a"), iri("reviews/r")
    role, when = PROV + "role", {"@dt": "2026-01-01T11:00:00+00:00"}
    approval_attributes = (
        (Attr.DECISION, "approved"),
        (PROV + "startTime", when),
        (Attr.TYPE, {"@id": Type.APPROVAL}),
    )
    document = Fragment(
        (
            Element(approved, "activity", attributes(approval_attributes)),
            Element(
                reviewed, "activity", ((PROV + "endTime", when), (Attr.TYPE, {"@id": Type.REVIEW}))
            ),
        ),
        (
            Relation(
                "used",
                approved,
                out,
                attributes([(role, {"@id": Role.SUBJECT}), (role, {"@uri": Role.INPUT})]),
            ),
            Relation(
                "wasAssociatedWith", approved, iri("people/nan"), ((role, {"@id": Role.APPROVER}),)
            ),
            Relation("used", reviewed, out, ((role, {"@id": Role.PROMPT}),)),
            Relation(
                "wasAssociatedWith", reviewed, iri("people/mo"), ((role, {"@id": Role.REVIEWER}),)
            ),
        ),
    )
    store.write([PreparedRecord("urn:test:roles", "prov-document", "{}", "sha256:x", document)])
    put(store, action("x", out))
    traced = trace(store, out)
    assert [a["id"] for a in traced["approvals"]] == [approved]
    assert [r["id"] for r in traced["reviews"]] == [reviewed]
    holders = authority(store, iri("actions/x"))["holders"]
    assert sorted((h["agent"], h["basis"]) for h in holders) == [
        (iri("people/di"), "executor"),
        (iri("people/nan"), "approver"),
    ]


# Two events at the same instant: each comparison below is pinned at its boundary.


@pytest.mark.parametrize("bound", ["valid_from", "valid_to"])
def test_a_delegation_that_starts_or_ends_at_the_action_holds_then(
    store: Store, bound: str
) -> None:
    window = {bound: "2026-01-01T12:00:00+00:00"}
    assert boss(claimed(store, delegation("vic", "boss", **window)))["valid"] is True


def test_an_approval_made_at_the_action_s_instant_counts(store: Store) -> None:
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("a1", iri("out/1-1"), "bo", "12:00"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    assert holder(authority(store, ACT), p("bo"), "approver")["valid"] is True


def test_a_rejection_at_the_action_s_instant_withdraws_the_approval(store: Store) -> None:
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("a1", iri("out/1-1"), "bo", "11:00"),
        signed("no", iri("out/1-1"), "rex", "12:00", decision="rejected"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    assert holder(authority(store, ACT), p("bo"), "approver")["valid"] is False


def test_an_approval_after_the_action_does_not_overrule_a_rejection_before_it(
    store: Store,
) -> None:
    # bo approved out/1-1; its revision was rejected before the action; lat approved the
    # revision only after it: at the action, bo's approval stood withdrawn.
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("a1", iri("out/1-1"), "bo", "10:40"),
        revised("r1", iri("out/1-1"), iri("out/1-1r"), "10:50"),
        signed("no", iri("out/1-1r"), "rex", "11:00", decision="rejected"),
        action("act", iri("out/1-1r"), approval_id=iri("approvals/a1")),
        signed("later", iri("out/1-1r"), "lat", "13:00"),
    )
    assert holder(authority(store, ACT), p("bo"), "approver")["valid"] is False


def test_authority_at_a_time_given_as_a_datetime(store: Store) -> None:
    put(
        store,
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "vic", "11:00", for_="boss"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
        delegation("vic", "boss", valid_to="2026-01-01T13:00:00+00:00"),
    )
    answer = authority(store, ACT, at=datetime(2026, 1, 1, 14, tzinfo=UTC))
    assert answer["time"] == "2026-01-01T14:00:00+00:00"
    assert boss(answer)["valid"] is False


def test_of_an_approval_and_a_rejection_at_one_instant_the_rejection_holds(store: Store) -> None:
    # bo approves out/1-1 at 11:00 and rex rejects it at 11:00: the approval does not stand
    # behind the action, as an approval at a rejection's instant does not overrule it either.
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("a1", iri("out/1-1"), "bo", "11:00"),
        signed("no", iri("out/1-1"), "rex", "11:00", decision="rejected"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    assert holder(authority(store, ACT), p("bo"), "approver")["valid"] is False


def test_an_approval_at_a_rejection_s_instant_does_not_overrule_it(store: Store) -> None:
    # bo approved out/1-1; its revision was rejected at 11:00 and approved by lat at 11:00; the
    # action on the revision came at 12:00. The rejection still stood between bo and the action.
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("a1", iri("out/1-1"), "bo", "10:40"),
        revised("r1", iri("out/1-1"), iri("out/1-1r"), "10:50"),
        signed("no", iri("out/1-1r"), "rex", "11:00", decision="rejected"),
        signed("yes", iri("out/1-1r"), "lat", "11:00"),
        action("act", iri("out/1-1r"), approval_id=iri("approvals/a1")),
    )
    assert holder(authority(store, ACT), p("bo"), "approver")["valid"] is False


def test_only_the_executor_and_the_approvers_hold_authority_by_their_part(store: Store) -> None:
    # A PROV document can name anyone beside an action or an approval: an observer of either
    # holds no authority by it; the executor and the approver do.
    put(store, ward_run(1, "10:00"), delegation("bo", "org"))
    document = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:approvals/a9, 2026-01-01T11:00:00Z, 2026-01-01T11:00:00Z,
    [prov:type='raidt:Approval', raidt:decision="approved"])
  used(t:approvals/a9, t:out/1-1, -)
  wasAssociatedWith(t:approvals/a9, t:people/bo, -, [prov:role='raidt:approver'])
  wasAssociatedWith(t:approvals/a9, t:people/obs, -, [prov:role='t:roles/observer'])
  activity(t:act, 2026-01-01T12:00:00Z, 2026-01-01T12:00:00Z, [prov:type='raidt:Action'])
  used(t:act, t:out/1-1, -)
  wasAssociatedWith(t:act, t:people/di, -, [prov:role='raidt:executor'])
  wasAssociatedWith(t:act, t:people/watcher, -, [prov:role='t:roles/observer'])
endDocument"""
    import_document(document, FORMATS["provn"], store, source="observed.provn")
    answer = authority(store, iri("act"))
    direct = {(h["agent"], h["basis"]) for h in answer["holders"] if h["basis"] != "delegation"}
    assert direct == {(p("di"), "executor"), (p("bo"), "approver")}


# -- withdrawn approvals, claims PROV states, delegations recorded late ----------------------------


def withdraw(store: Store, approval: str, when: str, zone: str = "Z") -> None:
    """A PROV document withdrawing an approval: w1 invalidates its decision at ``when``, in
    ``zone`` (none at all: PROV takes a time without one)."""
    document = f"""document
  prefix t <https://test.example/>
  activity(t:withdrawals/w1, 2026-01-01T{when}:00{zone}, 2026-01-01T{when}:00{zone})
  wasInvalidatedBy(t:{approval}/decision, t:withdrawals/w1, 2026-01-01T{when}:00{zone})
endDocument"""
    import_document(document, FORMATS["provn"], store, source="withdrawal.provn")


def withdrawn(name: str, when: str) -> str:
    approval = iri(f"approvals/{name}")
    return (
        f"{approval} was withdrawn: its decision {approval}/decision was invalidated by "
        f"{iri('withdrawals/w1')} at {at(when)}, before the action"
    )


@pytest.mark.parametrize(("when", "stood"), [("11:30", False), ("12:00", False), ("13:00", True)])
def test_an_approval_whose_decision_is_invalidated_before_the_action_confers_no_authority(
    store: Store, when: str, stood: bool
) -> None:
    # bo approves out/1-1 at 11:00 (bo acts for org) and di acts on it at 12:00, citing the
    # approval. A PROV document withdraws it: w1 invalidates its decision at 11:30, at 12:00 or at
    # 13:00. Withdrawn before the action, or at its instant (as a rejection then withdraws an
    # approval), it stands behind it no more, and neither does org above bo; withdrawn after, it
    # stood when the action took place. The trace says it was withdrawn, by w1, and when.
    put(
        store,
        ward_run(1, "10:00"),
        delegation("bo", "org"),
        signed("a1", iri("out/1-1"), "bo", "11:00"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    withdraw(store, "approvals/a1", when)
    answer = authority(store, ACT)
    bo = holder(answer, p("bo"), "approver")
    assert bo["problems"] == ([] if stood else [withdrawn("a1", when)])
    assert (bo["valid"], holder(answer, p("org"), "delegation")["valid"]) == (stood, stood)
    assert [(a["id"], a["withdrawn"]) for a in trace(store, iri("out/1-1"))["approvals"]] == [
        (iri("approvals/a1"), [{"by": iri("withdrawals/w1"), "time": at(when)}])
    ]


def test_a_withdrawal_dated_without_a_zone_is_read_as_utc(store: Store) -> None:
    # PROV lets a document give a time without a zone; read as UTC, it is compared with the
    # action's, as any other is, and written back with its zone.
    put(
        store,
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "bo", "11:00"),
        action("act", iri("out/1-1"), approval_id=iri("approvals/a1")),
    )
    withdraw(store, "approvals/a1", "11:30", zone="")
    assert holder(authority(store, ACT), p("bo"), "approver")["problems"] == [
        withdrawn("a1", "11:30")
    ]
    assert [a["withdrawn"] for a in trace(store, iri("out/1-1"))["approvals"]] == [
        [{"by": iri("withdrawals/w1"), "time": at("11:30")}]
    ]


def test_a_withdrawn_approval_no_longer_overrules_a_rejection_before_it(store: Store) -> None:
    # al approves out/1-1 (10:10); run 2 makes out/2-1 from it; rex rejects out/2-1 (11:00) and bo
    # approves it (11:30), overruling him, until bo's approval is withdrawn (11:45). di acts on
    # out/2-1 at 12:00: the rejection stood again then, so al's approval, which reaches the action
    # through out/2-1, does not stand behind it; nor does bo's, withdrawn.
    put(
        store,
        ward_run(1, "10:00"),
        signed("a1", iri("out/1-1"), "al", "10:10"),
        ward_run(2, "10:20", inputs=[earlier_output(iri("out/1-1"))]),
        signed("no", iri("out/2-1"), "rex", "11:00", decision="rejected"),
        signed("a2", iri("out/2-1"), "bo", "11:30"),
        action("act", iri("out/2-1"), approval_id=iri("approvals/a2")),
    )
    withdraw(store, "approvals/a2", "11:45")
    answer = authority(store, ACT)
    assert holder(answer, p("al"), "approver")["problems"] == [
        f"{iri('out/2-1')} was invalidated by {iri('approvals/no')} at {at('11:00')}, "
        "before the action"
    ]
    assert holder(answer, p("bo"), "approver")["problems"] == [withdrawn("a2", "11:45")]


CLAIMED_IN_PROV = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:approvals/imp, 2026-01-01T11:00:00Z, 2026-01-01T11:00:00Z,
    [prov:type='raidt:Approval', raidt:decision="approved"])
  used(t:approvals/imp, t:out/1-1, -)
  wasAssociatedWith(t:approvals/imp, t:people/vic, -, [prov:role='raidt:approver'])
  actedOnBehalfOf(t:people/vic, t:people/zed, t:approvals/imp)
endDocument"""


def test_a_claim_prov_states_for_an_imported_approval_counts_as_a_recorded_one(
    store: Store,
) -> None:
    # Run 1 makes out/1-1, on which di acts at 12:00. A PROV document brings vic's approval of it
    # (11:00) and says, as PROV says it, that vic acted for zed in it: an actedOnBehalfOf bound to
    # the approval, as a recorded approval "on behalf of" zed states it. No delegation from vic
    # to zed is recorded, so zed is a claimed delegation, not valid, as for a recorded claim;
    # accountable names zed's part as authority does, and impact the approval done in zed's name.
    put(store, ward_run(1, "10:00"))
    import_document(CLAIMED_IN_PROV, FORMATS["provn"], store, source="claimed.provn")
    put(store, action("act", iri("out/1-1")))
    answer = authority(store, ACT)
    assert holders(answer) == {
        (p("di"), "executor", None, True),
        (p("vic"), "approver", iri("out/1-1"), True),
        (p("zed"), "claimed delegation", p("vic"), False),
    }
    assert holder(answer, p("zed"), "claimed delegation")["problems"] == [
        f"{p('vic')} claimed to act for {p('zed')}, but no delegation is recorded"
    ]
    found = accountable(store, p("zed"))["actions"]
    assert [(a["action"], a["basis"], a["valid"]) for a in found] == [
        (ACT, "claimed delegation", False)
    ]
    assert [a["id"] for a in impact(store, p("zed"))["approvals"]] == [iri("approvals/imp")]


def test_an_approval_recorded_after_the_action_stands_behind_it_no_more_than_in_the_score(
    store: Store,
) -> None:
    # bo's approval of out/1-1 is dated 11:00, before di's action at 12:00, but written up only
    # after the action's record: not what di acted on. bo is not valid, the reason says so, and
    # the score's action-on-approved fails the run for the same approval.
    put(store, ward_run(1, "10:00"), action("act", iri("out/1-1")))
    time.sleep(0.01)
    put(store, signed("a1", iri("out/1-1"), "bo", "11:00"))
    acted, approved = store.record(ACT), store.record(iri("approvals/a1"))
    assert acted is not None
    assert approved is not None
    bo = holder(authority(store, ACT), p("bo"), "approver")
    assert (bo["valid"], bo["problems"]) == (
        False,
        [
            f"{iri('approvals/a1')} was recorded {approved.recorded_at}, after the action's "
            f"record ({acted.recorded_at}): an approval written up afterwards is not what it was "
            "taken on"
        ],
    )
    judged = next(
        c for c in score(store, iri("runs/1"))["checks"] if c["id"] == "action-on-approved"
    )
    assert judged["passed"] is False


def test_a_delegation_recorded_after_the_approval_but_before_the_action_does_not_authorise_it(
    store: Store,
) -> None:
    # vic approves out/1-1 for boss (11:00); a delegation from vic to boss, valid all year, is
    # recorded next, and di's action on out/1-1 (12:00) after that. Recorded after the approval it
    # would authorise, the delegation does not authorise it, whatever its window says: boss is
    # not valid, and the reason names the approval and the rule.
    put(store, ward_run(1, "10:00"), signed("a1", iri("out/1-1"), "vic", "11:00", for_="boss"))
    time.sleep(0.01)
    put(store, delegation("vic", "boss"))
    time.sleep(0.01)
    put(store, action("act", iri("out/1-1"), approval_id=iri("approvals/a1")))
    late, decided = store.record(DELEGATION), store.record(iri("approvals/a1"))
    assert late is not None
    assert decided is not None
    assert boss(authority(store, ACT))["problems"] == [
        f"delegation {DELEGATION} was recorded {late.recorded_at}, after the decision it would "
        f"authorise ({iri('approvals/a1')}, recorded {decided.recorded_at}): a delegation "
        "recorded after the decision does not authorise it, whatever its validity window"
    ]


def test_trace_names_whom_an_imported_approval_was_given_for_as_authority_does(
    store: Store,
) -> None:
    # As above: the PROV document brings vic's approval of out/1-1, in which vic acted for zed.
    # Authority counts zed among the holders; the trace of out/1-1 names zed too, responsible
    # for the approval, as it names the person a recorded approval was given "on behalf of".
    put(store, ward_run(1, "10:00"))
    import_document(CLAIMED_IN_PROV, FORMATS["provn"], store, source="claimed.provn")
    assert {person["id"]: person["roles"] for person in trace(store, iri("out/1-1"))["people"]} == {
        p("ana"): ["initiator"],
        p("vic"): ["approver"],
        p("zed"): ["responsible"],
    }
