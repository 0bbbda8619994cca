"""The named checks a rubric can weigh: each a plain function of a run's facts.

A check says whether it passed (``None`` when it does not apply to this run), which nodes are its
evidence (what it found, or the nodes where something is missing) and why, in one line. Rubrics
choose checks by name and give them a pillar and a weight; the judgement itself lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from provenance.graph import as_datetime, as_iri
from provenance.identifiers import is_iri
from provenance.vocabulary import PROV, Attr, Role, Type
from queries.authority import MAX_CHAIN
from queries.context import EARLIEST, Withdrawal, ended, recorded_after, started
from queries.facts import Event, RunFacts

__all__ = ["CHECKS", "Judge", "Outcome", "RubricParams", "Traceability"]


class RubricParams(BaseModel):
    """The settings a rubric gives the checks that take one."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    review_within_hours: float = Field(default=72, gt=0, le=1_000_000, allow_inf_nan=False)
    """A review later than this after generation fails ``review-timely``."""
    upstream_traceability: float = Field(default=60, ge=0, le=100, allow_inf_nan=False)
    """Earlier runs must score at least this on traceability (``upstream-traceable``)."""
    repeated_overrides: int = Field(default=2, ge=2)
    """This many overrides by one person or in one workflow is a pattern (``weak-points``)."""
    rationale_for_every_decision: bool = False
    """Every approval says why, not only rejections and approvals with edits."""


@dataclass(frozen=True, slots=True)
class Outcome:
    passed: bool | None
    explanation: str
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Traceability:
    """How traceable an earlier run is, for the runs that took its outputs."""

    score: float | None
    """Its traceability score; ``None`` when no traceability check of the rubric applies to it."""
    lineage_failed: bool
    """Whether ``upstream-traceable`` failed for it: a run up its own lineage was not traceable,
    or its lineage loops back."""


class Judge(Protocol):
    """What a check may ask beyond its run's facts."""

    def traceability(self, run_id: str) -> Traceability:
        """How traceable an earlier run is (scores and failures propagate through lineage)."""
        ...

    def loops_back(self, run_id: str) -> list[str]:
        """The earlier runs through which a run's lineage comes back to the run itself, sorted;
        empty when it does not."""
        ...

    def delegations(self, agent: str, event: Event) -> list[dict[str, Any]]:
        """The delegation chains above ``agent``, judged at ``event``'s time and scope, through
        whom they claimed to act for in it, if anyone."""
        ...

    def facts(self, run_id: str) -> RunFacts:
        """The facts around another run: an earlier one whose output this run took."""
        ...

    def taken_on(self, entities: list[str]) -> set[str]:
        """Those of ``entities`` that an activity took on: a run that took one as input, an
        action, a decision, or any other activity that used one, but a review, override,
        challenge or escalation, which use what they are about and take nothing on from it."""
        ...


Check = Callable[[RunFacts, RubricParams, Judge], Outcome]
CHECKS: dict[str, Check] = {}


def _check(name: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[name] = function
        return function

    return register


def _approving(events: list[Event]) -> list[Event]:
    return [e for e in events if e.node.text(Attr.DECISION) in {"approved", "approved-with-edits"}]


def _last_word(decisions: list[Event]) -> Event | None:
    """The decision that stood last: the latest; of decisions at one instant, a refusal (which
    came last cannot be told, and the cautious reading is that it was refused)."""
    approving = {e.id for e in _approving(decisions)}
    ordered = sorted(decisions, key=lambda e: (e.time or EARLIEST, e.id not in approving, e.id))
    return ordered[-1] if ordered else None


def _decided_by(decisions: list[Event], subject: str | None, when: datetime | None) -> list[Event]:
    """The decisions on ``subject`` taken by ``when``."""
    return [e for e in decisions if e.subject == subject and e.time and when and e.time <= when]


def _standing_by(
    decisions: list[Event], subject: str | None, when: datetime | None
) -> Event | None:
    """The decision on ``subject`` that stood at ``when``: the last word of those taken by then,
    an approval withdrawn by then being none (so a refusal before it holds again)."""
    return _last_word([e for e in _decided_by(decisions, subject, when) if not _withdrawn(e, when)])


def _withdrawn(event: Event, when: datetime | None = None) -> list[Withdrawal]:
    """How an approval was withdrawn (its decision invalidated) at or before ``when``, or by now
    without one: as in ``authority``, an approval withdrawn by then counts as none. A refusal
    withdrawn is left as it is: it invalidated what it refused, which stays invalidated."""
    if event not in _approving([event]):
        return []
    return [w for w in event.withdrawn if when is None or w.by_then(when)]


def _whys(withdrawals: list[Withdrawal], suffix: str = "") -> str:
    """Each withdrawal, once, as an explanation names it: what was withdrawn, by what, when."""
    return "; ".join(f"{w.why()}{suffix}" for w in dict.fromkeys(withdrawals))


def _withdrawn_ids(withdrawals: list[Withdrawal]) -> list[str]:
    """The activities that withdrew the approvals, for a check's evidence."""
    return sorted({w.by for w in withdrawals})


def _ids(events: list[Event]) -> list[str]:
    return [e.id for e in events]


def _said(text: str | None) -> bool:
    """Whether a text says anything: spaces alone say nothing."""
    return bool(text and text.strip())


def _revises(f: RunFacts) -> dict[str, str]:
    """Each revision → the version it revises."""
    return {
        product: r.dst
        for product, relations in f.custody.items()
        for r in relations
        if r.kind == "wasRevisionOf" and r.dst
    }


def _versions(product: str | None, revises: dict[str, str]) -> list[str]:
    """A product and every version it revises, newest first (a loop in bad input ends it)."""
    found: list[str] = []
    while product and product not in found:
        found.append(product)
        product = revises.get(product)
    return found


def _outputs_of(f: RunFacts) -> dict[str, str]:
    """Each output and revision → the run's output it is or revises (through any number of
    revisions): a review or decision on a revision is one on the output it revises."""
    revises = _revises(f)
    outputs = {o.id for o in f.outputs}
    found: dict[str, str] = {}
    for product in (p.id for p in f.products):
        original = next((v for v in _versions(product, revises) if v in outputs), None)
        if original is not None:
            found[product] = original
    return found


def _revisers(f: RunFacts) -> dict[str, set[str]]:
    """Each revision → who wrote it: whom it is attributed to, and the reviewers of the review
    that made it (a revision any other activity made is known by its attribution alone)."""
    reviews = {e.id: e for e in f.reviews}
    revisions = {r.id for r in f.revisions}
    found: dict[str, set[str]] = {}
    for product, relations in f.custody.items():
        for r in relations:
            if product not in revisions or not r.dst:
                continue
            if r.kind == "wasAttributedTo":
                found.setdefault(product, set()).add(r.dst)
            elif r.kind == "wasGeneratedBy" and r.dst in reviews:
                found.setdefault(product, set()).update(reviews[r.dst].agents(Role.REVIEWER))
    return found


def _not_covered(f: RunFacts, events: list[Event]) -> list[str]:
    """The run's outputs that none of ``events`` is about (directly or through a revision)."""
    outputs_of = _outputs_of(f)
    covered = {outputs_of.get(e.subject or "") for e in events}
    return [o.id for o in f.outputs if o.id not in covered]


def _began_too_early(event: Event, made: dict[str, datetime], generated: datetime) -> bool:
    """Whether an event began (a review from when it started) before what it judges was made:
    the run's output, or the revision it is about."""
    began = started(event.node) or event.time
    return began is None or began < max(generated, made.get(event.subject or "", generated))


def _before_generation(f: RunFacts, events: list[Event]) -> list[Event]:
    """Events that began before what they judge was made: a review or a decision then cannot
    have been of it."""
    generated = ended(f.run)
    if generated is None:
        return []
    made = _made_at(f)
    return [e for e in events if e.time and _began_too_early(e, made, generated)]


def _in_time(f: RunFacts, events: list[Event]) -> list[Event]:
    """The events that came after what they judge was made: the only ones that can be of it."""
    early = _before_generation(f, events)
    return [e for e in events if e not in early]


def _authors(f: RunFacts) -> set[str]:
    """Who wrote the run's outputs: its initiator, and the model that acts for them."""
    return {a for a in (f.initiator.agent if f.initiator else None, f.model) if a}


def _independent(f: RunFacts, reviews: list[Event]) -> list[Event]:
    """Of the reviews made after the output was (``reviews``), those by a person other than
    its authors: the four eyes. Software (another model) or an organisation is no second pair
    of eyes."""
    authors = _authors(f)
    return [
        e
        for e in reviews
        if any(a not in authors and a in f.persons for a in e.agents(Role.REVIEWER))
    ]


def _rewritten(f: RunFacts, reviews: list[Event], judge: Judge) -> list[str]:
    """The revisions the run's authors wrote themselves, and that were decided on, acted on or
    taken on by another activity (a later run), or revised into one that was, that none of
    ``reviews`` is about (nor a later revision of them): a review of the version before is not
    one of theirs. A draft no one used needs none."""
    authors = _authors(f)
    revises, revisers = _revises(f), _revisers(f)
    seen = {v for e in reviews for v in _versions(e.subject, revises)}
    theirs = [r.id for r in f.revisions if revisers.get(r.id, set()) & authors and r.id not in seen]
    if not theirs:
        return []
    used = {v for e in [*f.approvals, *f.actions] for v in _versions(e.subject, revises)}
    # asked of the store only when a revision of theirs is left to judge: most runs have none
    unjudged = [r.id for r in f.revisions if r.id not in used]
    used |= {v for u in judge.taken_on(unjudged) for v in _versions(u, revises)}
    return [r for r in theirs if r in used]


@_check("initiator-named")
def _initiator_named(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """A named person, in a stated position, started the run."""
    if f.initiator is None:
        return Outcome(False, "no initiator is associated with the run", [f.run.id])
    person = f.initiator_node
    name = person.text(Attr.LABEL) if person and Type.PERSON in person.types else None
    if not name:
        return Outcome(False, "the initiator is not a named person", [f.initiator.agent])
    if not f.initiator.position:
        return Outcome(False, "the initiator's position is not recorded", [f.initiator.agent])
    return Outcome(True, f"started by {name} ({f.initiator.position})", [f.initiator.agent])


@_check("reviewer-distinct")
def _reviewer_distinct(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Four eyes: a person other than the initiator reviewed each output, after it was made; not
    the model that made it either, which acts for the initiator, nor other software, nor an
    organisation, nor an agent a PROV document gives no kind: a second pair of eyes is one a
    record vouches is a person's. A revision the initiator wrote, and that was then used, is
    theirs again, and needs a review of its own."""
    reviews = _in_time(f, f.reviews)
    early = [e for e in f.reviews if e not in reviews]
    others = _independent(f, reviews)
    unreviewed = _not_covered(f, others) + _rewritten(f, others, judge)
    if others and not unreviewed:
        return Outcome(
            True,
            f"reviewed by someone other than the initiator ({len(others)} review(s))",
            _ids(others),
        )
    if others:
        return Outcome(
            False,
            "output(s), or the initiator's own revision(s), no one but the initiator reviewed",
            unreviewed,
        )
    if reviews:
        return Outcome(
            False,
            "the only reviewers are the initiator, the model, or agents not stated to be people "
            "(software, an organisation, or of no stated kind)",
            _ids(reviews),
        )
    if early:
        return Outcome(
            False, "the only review(s) are dated before the output was made", _ids(early)
        )
    return Outcome(False, "no review of the output is recorded", [o.id for o in f.outputs])


@_check("review-timely")
def _review_timely(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """A review followed generation within the rubric's window: the first independent one, when
    there is one (the initiator's own quick look does not start the clock), else the first."""
    hours = params.review_within_hours
    done = ended(f.run)
    if not f.reviews or done is None:
        return Outcome(None, "no review to time")
    early = _before_generation(f, f.reviews)
    if early:
        return Outcome(False, "reviewed before the output was generated", _ids(early))
    timed = _independent(f, f.reviews) or f.reviews  # none is early, past the check above
    # each output's first review is what is timed: a second look days later is no delay
    outputs_of = _outputs_of(f)
    first: dict[str | None, Event] = {}
    for e in sorted((e for e in timed if e.time), key=lambda e: e.time or EARLIEST):
        first.setdefault(outputs_of.get(e.subject or ""), e)
    late = [e for e in first.values() if e.time and e.time - done > timedelta(hours=hours)]
    if late:
        return Outcome(False, f"reviewed more than {hours:g} h after generation", _ids(late))
    return Outcome(True, f"reviewed within {hours:g} h of generation", _ids(timed))


@_check("approver-distinct")
def _approver_distinct(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """No self-approval: the output was not approved by its initiator, by someone acting in the
    initiator's name (saying so, or holding authority that comes only from the initiator), by
    the model that made it (which acts for the initiator), or by whoever wrote the revision
    approved. Whom an approver acted for is read as ``authority`` reads it; an approval
    withdrawn before any action rested on it is none (``_withdrawn_unused``)."""
    unused = _withdrawn_unused(f)
    approving = [e for e in _approving(f.approvals) if e not in unused]
    aside, withdrawals = _unjudged(unused)
    if not approving:
        return Outcome(None, f"no approving decision to judge{aside}", withdrawals)
    initiator = f.initiator.agent if f.initiator else None
    found: dict[str, list[Event]] = {}
    revises, revisers = _revises(f), _revisers(f)
    for e in approving:
        approvers = e.agents(Role.APPROVER)
        writers = {w for v in _versions(e.subject, revises) for w in revisers.get(v, set())}
        if initiator is not None and any(
            a in (initiator, f.model) or initiator in e.acting_for(a) for a in approvers
        ):
            own = "approved by the initiator, in their name or by the model that made it"
            found.setdefault(own, []).append(e)
        elif initiator is not None and any(
            _only_through(judge.delegations(a, e), initiator) for a in approvers
        ):
            proxy = "approved under authority that comes only from the initiator"
            found.setdefault(proxy, []).append(e)
        elif writers.intersection(approvers):
            found.setdefault(
                "approved by whoever wrote the version approved, or one it revises", []
            ).append(e)
    if found:
        return Outcome(
            False,
            "; ".join(found) + aside,
            sorted({e.id for events in found.values() for e in events}) + withdrawals,
        )
    return Outcome(
        True,
        f"no approval by the initiator, in their name or by the model that made it{aside}",
        _ids(f.approvals) + withdrawals,
    )


def _rested_on(f: RunFacts) -> set[str]:
    """The decisions the run's actions rested on: for each, the one on what it used that stood
    when it acted, as ``action-on-approved`` judges it."""
    decisions = _in_time(f, f.approvals)
    return {
        last.id
        for a in f.actions
        if (last := _standing_by(_on_record(decisions, f, a.id), a.subject, a.time))
    }


def _withdrawn_unused(f: RunFacts) -> list[Event]:
    """The run's approvals withdrawn before any action rested on them: no approval at all, as
    in ``authority``, where one withdrawn by the action confers nothing. One withdrawn only
    after an action rested on it was one for that action, and is judged still; so is one
    withdrawn only after the run's first action, which ``authority`` lists standing behind it."""
    rested = _rested_on(f)
    first = min((a.time for a in f.actions if a.time), default=None)
    return [e for e in _approving(f.approvals) if _withdrawn(e, first) and e.id not in rested]


def _unjudged(unused: list[Event]) -> tuple[str, list[str]]:
    """What a check says of the approvals it leaves out as withdrawn, and the withdrawals it
    names as evidence: nothing when there are none."""
    withdrawals = [w for e in unused for w in _withdrawn(e)]
    if not withdrawals:
        return "", []
    return (
        f" (not judged: {_whys(withdrawals, ', before any action rested on it')})",
        _withdrawn_ids(withdrawals),
    )


@_check("decision-recorded")
def _decision_recorded(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Someone accountable decided on each output, after it was made: approved, approved with
    edits or rejected."""
    decided = _in_time(f, f.approvals)
    undecided = _not_covered(f, decided)
    if decided and undecided:
        return Outcome(False, "output(s) with no approval or rejection recorded", undecided)
    if decided:
        return Outcome(True, f"{len(decided)} decision(s) recorded", _ids(decided))
    if f.approvals:
        return Outcome(
            False, "the only decision(s) are dated before the output was made", _ids(f.approvals)
        )
    return Outcome(
        False, "no approval or rejection of the output is recorded", [o.id for o in f.products]
    )


@_check("approver-authority")
def _approver_authority(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Each approver held valid delegated authority, in scope, at the time they approved: a
    chain of valid delegations up to someone who stands under no one (through the person they
    acted for, when they said so). A valid first link to someone whose own authority had
    lapsed is not enough. An approval withdrawn before any action rested on it is none
    (``_withdrawn_unused``)."""
    unused = _withdrawn_unused(f)
    approvals = [e for e in _approving(f.approvals) if e not in unused]
    aside, withdrawals = _unjudged(unused)
    if not approvals:
        return Outcome(None, f"no approving decision to judge{aside}", withdrawals)
    lacking: list[str] = []
    problems: list[str] = []
    for event in approvals:
        for approver in event.agents(Role.APPROVER):
            found = judge.delegations(approver, event)
            if not any(c["valid"] and c["top"] for c in found):
                lacking.append(event.id)
                problems += [p for c in found for p in c["problems"]] or [_no_top(approver, found)]
    if lacking:
        return Outcome(False, "; ".join(dict.fromkeys(problems)) + aside, lacking + withdrawals)
    return Outcome(
        True,
        f"every approver held a valid delegation in scope{aside}",
        _ids(approvals) + withdrawals,
    )


def _only_through(chains: list[dict[str, Any]], person: str) -> bool:
    """Whether every chain of valid delegations that gives authority (one that reaches someone
    who stands under no one) passes through ``person``: then whoever holds it acts in their
    name."""
    giving = [c for c in chains if c["valid"] and c["top"]]
    return bool(giving) and all(
        c["agent"] == person or any(step["to"] == person for step in c["path"]) for c in giving
    )


def _no_top(approver: str, chains: list[dict[str, Any]]) -> str:
    """Why valid delegations alone did not make authority: there were none, or none of them
    reaches someone who stands under no one (the chain loops, or runs on past the limit)."""
    if not chains:
        return f"{approver} holds no delegation"
    return (
        f"no chain of valid delegations from {approver} reaches someone who stands under no one "
        f"within {MAX_CHAIN} links (the delegations loop, or go on further)"
    )


@_check("inputs-hashed")
def _inputs_hashed(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Every input is pinned by a content hash."""
    missing = [i.id for i in f.inputs if not i.text(Attr.CONTENT_HASH)]
    if not f.inputs:
        return Outcome(None, "the run used no inputs")
    if missing:
        return Outcome(False, f"{len(missing)} input(s) without a content hash", missing)
    return Outcome(True, f"all {len(f.inputs)} input(s) content-hashed", [i.id for i in f.inputs])


@_check("outputs-hashed")
def _outputs_hashed(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Every output and revision is pinned by a content hash."""
    missing = [o.id for o in f.products if not o.text(Attr.CONTENT_HASH)]
    if missing or not f.products:
        return Outcome(False, "output(s) without a content hash", missing or [f.run.id])
    return Outcome(True, "every output and revision content-hashed", [o.id for o in f.products])


@_check("model-config-complete")
def _model_config_complete(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """The model configuration names provider, model, version and parameters."""
    if f.config is None:
        return Outcome(False, "no model configuration is recorded", [f.run.id])
    fields = {
        "provider": Attr.PROVIDER,
        "model": Attr.MODEL,
        "version": Attr.MODEL_VERSION,
        "parameters": Attr.PARAMETERS,
    }
    # parameters are kept as canonical JSON: "{}" says none were recorded
    missing = [name for name, attr in fields.items() if f.config.text(attr) in (None, "", "{}")]
    if missing:
        return Outcome(False, f"model configuration lacks {', '.join(missing)}", [f.config.id])
    return Outcome(True, "provider, model, version and parameters recorded", [f.config.id])


@_check("prompt-recorded")
def _prompt_recorded(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """The rendered prompt and the template version it came from are hashed."""
    missing = [
        name
        for name, node in (("rendered prompt", f.prompt), ("template version", f.template))
        if node is None or not node.text(Attr.CONTENT_HASH)
    ]
    if missing:
        return Outcome(False, f"no hashed {' or '.join(missing)}", [f.run.id])
    assert f.prompt is not None
    assert f.template is not None
    return Outcome(
        True, "rendered prompt and template version hashed", [f.prompt.id, f.template.id]
    )


def _made_at(f: RunFacts) -> dict[str, datetime]:
    """When each output and revision was made, as its generation records it."""
    found: dict[str, datetime] = {}
    for product, relations in f.custody.items():
        for relation in relations:
            made = as_datetime(relation.first(PROV + "time"))
            if relation.kind == "wasGeneratedBy" and made is not None:
                found[product] = made
    return found


@_check("timestamps-consistent")
def _timestamps_consistent(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Review and approval after what they judge was made (the output, or its revision, or the
    template version), every event after what informed it began (an action after its approval,
    an override after the decision it overrode, an escalation after the review that raised it),
    escalations, overrides and challenges after the run began, and the run after the earlier
    outputs it used and its template version were made."""
    generated = ended(f.run)
    wrong: list[str] = []
    if generated is None:
        return Outcome(False, "the run has no times", [f.run.id])
    start = started(f.run)
    if start and start > generated:
        wrong.append(f.run.id)
    made = _made_at(f)
    wrong += [
        e.id for e in [*f.reviews, *f.approvals, *f.actions] if _began_too_early(e, made, generated)
    ]
    for event in [*f.escalations, *f.overrides, *f.challenges]:
        if event.time and event.time < (start or generated):
            wrong.append(event.id)
    wrong += [i for i, made in f.inputs_made.items() if made > (start or generated)]
    wrong += _before_what_informed_them(f)
    wrong += _ids(_before_the_template(f, f.template_approvals))
    created = _template_created(f)
    if f.template and created and (start or generated) < created:
        wrong.append(f.template.id)
    if wrong:
        return Outcome(False, "event(s) dated before what they depend on", sorted(set(wrong)))
    return Outcome(True, "every event is dated after what it depends on", [f.run.id])


def _before_what_informed_them(f: RunFacts) -> list[str]:
    """The events dated before an event that informed them (their trigger) began: what an event
    answers must have come first."""
    events = [*f.reviews, *f.approvals, *f.actions, *f.escalations, *f.overrides, *f.challenges]
    began = {e.id: started(e.node) or e.time for e in events}
    return [
        e.id
        for e in events
        if e.time and any((t := began.get(i)) and e.time < t for i in e.informed_by)
    ]


@_check("purpose-stated")
def _purpose_stated(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """The run states its task and purpose."""
    if _said(f.run.text(Attr.TASK)) and _said(f.run.text(Attr.PURPOSE)):
        return Outcome(True, "task and purpose recorded", [f.run.id])
    return Outcome(False, "the run's purpose is not recorded", [f.run.id])


@_check("decision-rationale")
def _decision_rationale(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Rejections and approvals with edits say why."""
    needing = [
        e for e in f.approvals if e.node.text(Attr.DECISION) in {"rejected", "approved-with-edits"}
    ]
    if params.rationale_for_every_decision:
        needing = list(f.approvals)
    if not needing:
        return Outcome(None, "no decision that needs a rationale")
    missing = [e.id for e in needing if not _said(e.node.text(Attr.RATIONALE))]
    if missing:
        return Outcome(False, "decision(s) without a rationale", missing)
    return Outcome(True, "every such decision carries a rationale", _ids(needing))


@_check("override-rationale")
def _override_rationale(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Every override carries a rationale."""
    if not f.overrides:
        return Outcome(None, "no override")
    missing = [e.id for e in f.overrides if not _said(e.node.text(Attr.RATIONALE))]
    if missing:
        return Outcome(False, "override(s) without a rationale", missing)
    return Outcome(True, "every override carries a rationale", _ids(f.overrides))


@_check("review-explained")
def _review_explained(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Reviews say what they found: a comment or a revision."""
    if not f.reviews:
        return Outcome(None, "no review")
    silent = [
        e.id
        for e in f.reviews
        if not _said(e.node.text(Attr.COMMENT))
        and not any(
            r.kind == "wasGeneratedBy" and r.dst == e.id for rs in f.custody.values() for r in rs
        )
    ]
    if silent:
        return Outcome(False, "review(s) with neither comment nor revision", silent)
    return Outcome(True, "every review records what it found", _ids(f.reviews))


@_check("template-approved")
def _template_approved(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """The template version stood approved when the run used it: its last decision before the run
    approved it (a later rejection withdraws an earlier approval; see ``_last_word``), and that
    approval was not withdrawn by then (its decision invalidated). A decision dated before the
    version was created counts for nothing."""
    if f.template is None:
        return Outcome(False, "no template version is recorded", [f.run.id])
    start = started(f.run)
    authors = _authors(f)
    early = _before_the_template(f, f.template_approvals)
    decisions = [e for e in f.template_approvals if e not in early]
    own = [e for e in _approving(decisions) if authors & set(e.agents(Role.APPROVER))]
    counted = [e for e in decisions if e not in own]
    before = [e for e in counted if e.time and start and e.time <= start]
    # an approval dated before the run but written up after it
    backdated = _written_after(before, f.recorded, f.recorded.get(f.run.id))
    on_record = [e for e in before if e not in backdated]
    last = _standing_by(on_record, f.template.id, start)
    if last is not None and last in _approving([last]):
        return Outcome(True, "template version approved before use", [last.id])
    if last is not None:
        return Outcome(False, "template version rejected before use", [last.id])
    withdrawals = [w for e in on_record for w in _withdrawn(e, start)]
    if withdrawals:
        return Outcome(
            False,
            _citing("template version approved, but withdrawn before use", withdrawals),
            sorted({w.approval for w in withdrawals}) + _withdrawn_ids(withdrawals),
        )
    if backdated:
        return Outcome(
            False,
            "template version approved in a record written after the run, dated before it",
            _ids(backdated),
        )
    if counted:
        return Outcome(
            False, "template version approved only after use, or rejected", _ids(counted)
        )
    if own:
        return Outcome(False, "template version approved only by the run's initiator", _ids(own))
    if early:
        return Outcome(False, "template version decided on only before it was created", _ids(early))
    return Outcome(False, "template version never approved", [f.template.id])


def _template_created(f: RunFacts) -> datetime | None:
    """When the run's template version was created, if its record says."""
    return as_datetime(f.template.first(Attr.CREATED_AT)) if f.template else None


def _before_the_template(f: RunFacts, events: list[Event]) -> list[Event]:
    """Those of ``events`` dated before the run's template version was created: a decision
    then cannot have been on it."""
    created = _template_created(f)
    return [e for e in events if created and e.time and e.time < created]


@_check("workflow-approved")
def _workflow_approved(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """The workflow the run belongs to is approved for GenAI use."""
    value = f.run.first(Attr.WORKFLOW_APPROVED)
    if value is True:
        return Outcome(True, "the workflow is approved for GenAI use", [f.run.id])
    why = "is not approved" if value is False else "has no recorded approval status"
    return Outcome(False, f"the workflow {why}", [f.run.id])


@_check("action-on-approved")
def _action_on_approved(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """No action used an output that was unapproved or invalidated when it acted: the last
    decision on it before the action approved it, and nothing invalidated it since (a rejection
    withdraws an earlier approval, a later approval restores it, as for template versions); an
    approval withdrawn by then (its decision invalidated) is none, as in ``authority``. Of
    decisions at one instant the refusal holds (``_last_word``), as in ``authority``. Nor one
    that a revision had already superseded: a correction made before the action was passed
    over, unless it had been rejected by then (a draft of the run's own authors supersedes only
    once approved). A decision dated before its output was made counts for nothing, and so
    does an approval recorded after the action, though dated before it (as for template
    versions; a refusal counts however late). Nor did the run itself take as input an earlier
    output that stood invalidated when it began (``_inputs_withdrawn``)."""
    withdrawn, restorers = _inputs_withdrawn(f, judge)
    if not f.actions and not withdrawn:
        return Outcome(None, "no action used the output")
    decisions = _in_time(f, f.approvals)
    on_record = {a.id: _on_record(decisions, f, a.id) for a in f.actions}
    invalidated = _invalidations(f)
    bad = [
        a.id
        for a in f.actions
        if _standing(on_record[a.id], invalidated, a.subject, a.time) is not True
    ]
    backdated = [
        a.id
        for a in f.actions
        if a.id in bad and _standing(decisions, invalidated, a.subject, a.time) is True
    ]
    retracted = _retracted(f, [a for a in bad if a not in backdated], on_record)
    withdrawals = [w for found in retracted.values() for w in found]
    superseded = _superseded(f, on_record)
    problems = [
        text
        for text, found in (
            ("action(s) on an output approved in a record written after theirs", backdated),
            (
                _citing(
                    "action(s) on an output whose approval was withdrawn before they acted",
                    withdrawals,
                ),
                list(retracted),
            ),
            (
                "action(s) on an unapproved or invalidated output",
                [a for a in bad if a not in backdated and a not in retracted],
            ),
            ("action(s) on an output already revised when they acted", superseded),
            (_citing("input(s) invalidated before the run took them", restorers), withdrawn),
        )
        if found
    ]
    if problems:
        named = {*bad, *superseded, *withdrawn, *_withdrawn_ids([*withdrawals, *restorers])}
        return Outcome(False, "; ".join(problems), sorted(named))
    return Outcome(True, "every action used an approved output", _ids(f.actions))


def _retracted(
    f: RunFacts, unapproved: list[str], on_record: dict[str, list[Event]]
) -> dict[str, list[Withdrawal]]:
    """Of the actions on an output not approved when they acted (``unapproved``), those with an
    approval of it withdrawn by then, with the withdrawals."""
    found = {
        a.id: _withdrawn_by(on_record[a.id], a.subject, a.time)
        for a in f.actions
        if a.id in unapproved
    }
    return {action: withdrawals for action, withdrawals in found.items() if withdrawals}


def _citing(text: str, withdrawals: list[Withdrawal]) -> str:
    """A problem, with the withdrawals behind it, if any."""
    return f"{text} ({_whys(withdrawals)})" if withdrawals else text


def _withdrawn_by(
    decisions: list[Event], subject: str | None, when: datetime | None
) -> list[Withdrawal]:
    """The withdrawals, by ``when``, of the approvals of ``subject`` taken by then: what an
    action or a run then could have rested on."""
    return [w for e in _decided_by(decisions, subject, when) for w in _withdrawn(e, when)]


def _on_record(decisions: list[Event], f: RunFacts, event: str) -> list[Event]:
    """The decisions an event could rest on: not an approval recorded after the event's own
    record (see ``_written_after``)."""
    late = _written_after(decisions, f.recorded, f.recorded.get(event))
    return [e for e in decisions if e not in late]


def _written_after(
    decisions: list[Event], recorded: dict[str, str], written: str | None
) -> list[Event]:
    """The approvals among ``decisions`` recorded after ``written`` (the time of the record of
    what rests on them): dated before it, perhaps, but not there when it was recorded. A
    refusal counts however late: the cautious reading is that it was known."""
    approving = _approving(decisions)
    late = recorded_after((e.id for e in approving), recorded, written)
    return [e for e in approving if e.id in late]


def _invalidations(f: RunFacts) -> dict[str, list[datetime | None]]:
    """When each of the run's outputs and revisions was invalidated (rejected or recalled)."""
    found: dict[str, list[datetime | None]] = {}
    for relations in f.custody.values():
        for r in relations:
            if r.kind == "wasInvalidatedBy" and r.src:
                found.setdefault(r.src, []).append(as_datetime(r.first(PROV + "time")))
    return found


def _standing(
    decisions: list[Event],
    invalidated: dict[str, list[datetime | None]],
    subject: str | None,
    when: datetime | None,
) -> bool | None:
    """Whether ``subject`` stood approved at ``when``: ``True`` when the last of ``decisions``
    on it by then approved it and nothing invalidated it since; ``False`` when that decision
    refused it, or something invalidated it since (or at no recorded time); ``None`` when
    nothing had decided on it or invalidated it."""
    last = _standing_by(decisions, subject, when)
    if last is not None and last not in _approving([last]):
        return False
    since = last.time if last is not None else None
    if any(
        t is None or (when is not None and (since is None or since <= t) and t <= when)
        for t in invalidated.get(subject or "", [])
    ):
        return False
    return True if last is not None else None


def _inputs_withdrawn(f: RunFacts, judge: Judge) -> tuple[list[str], list[Withdrawal]]:
    """The earlier outputs the run took as input that stood invalidated when it began: rejected
    or recalled by then, and not approved again since (by a decision recorded no later than the
    run, as for actions, and not withdrawn by then). Nothing may use an invalidated output.
    With them, the withdrawals of approvals of theirs by then."""
    began = started(f.run) or ended(f.run)
    suspect = [
        u
        for u, times in f.inputs_invalidated.items()
        if any(t is None or (began is not None and t <= began) for t in times)
    ]
    if not suspect:
        return [], []
    # the earlier runs' decisions are asked for only then: most inputs were never invalidated
    earlier = [judge.facts(run) for run in f.upstream_runs]
    recorded = {i: time for e in earlier for i, time in e.recorded.items()}
    decisions = [d for e in earlier for d in _in_time(e, e.approvals)]
    late = _written_after(decisions, recorded, f.recorded.get(f.run.id))
    standing = [d for d in decisions if d not in late]
    taken = [u for u in suspect if _standing(standing, f.inputs_invalidated, u, began) is False]
    return taken, [w for u in taken for w in _withdrawn_by(standing, u, began)]


def _superseded(f: RunFacts, on_record: dict[str, list[Event]]) -> list[str]:
    """The actions on an output that a correction standing when they acted had already revised
    (see ``_stood``), by the decisions each action could rest on."""
    made, revises = _made_at(f), _revises(f)
    drafts = {r for r, writers in _revisers(f).items() if writers <= _authors(f)}
    return [
        a.id
        for a in f.actions
        if a.time
        and any(
            a.subject in _versions(new, revises)[1:]
            and new in made
            and made[new] <= a.time
            and _stood(new, a, on_record[a.id], draft=new in drafts)
            for new in revises
        )
    ]


def _stood(revision: str, action: Event, decisions: list[Event], *, draft: bool) -> bool:
    """Whether a revision stood when an action took place: its last decision before then, if
    any, approved it; a ``draft`` (the run's own authors') needs that decision."""
    last = _standing_by(decisions, revision, action.time)
    return last in _approving([last]) if last is not None else not draft


@_check("escalations-resolved")
def _escalations_resolved(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Every escalation was followed by a decision or an override."""
    if not f.escalations:
        return Outcome(None, "no escalation")
    decisions = [*f.approvals, *f.overrides]
    outputs_of = _outputs_of(f)

    def about(decision: Event, escalation: Event) -> bool:
        """A decision on the output escalated (through any revision of it), or on anything
        when the escalation is about the run, an input or a template."""
        escalated = outputs_of.get(escalation.subject or "")
        return escalated is None or outputs_of.get(decision.subject or "") == escalated

    open_ = [
        e.id
        for e in f.escalations
        if not any(d.time and e.time and d.time >= e.time and about(d, e) for d in decisions)
    ]
    if open_:
        return Outcome(False, "escalation(s) never resolved", open_)
    return Outcome(True, "every escalation was followed by a decision", _ids(f.escalations))


@_check("chain-of-custody")
def _chain_of_custody(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Each output is generated and attributed; each revision links to what it revises."""
    broken = []
    for output in f.outputs:
        kinds = {r.kind for r in f.custody.get(output.id, [])}
        if not {"wasGeneratedBy", "wasAttributedTo"} <= kinds:
            broken.append(output.id)
        if f.inputs and "wasDerivedFrom" not in kinds:
            broken.append(output.id)
    for revision in f.revisions:
        kinds = {r.kind for r in f.custody.get(revision.id, [])}
        if not {"wasGeneratedBy", "wasRevisionOf"} <= kinds:
            broken.append(revision.id)
    if broken or not f.outputs:
        return Outcome(
            False,
            "output(s) missing generation, attribution or derivation",
            sorted(set(broken)) or [f.run.id],
        )
    return Outcome(
        True,
        "every output generated, attributed and derived from its inputs",
        [o.id for o in f.products],
    )


@_check("inputs-located")
def _inputs_located(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Every input can be found again: a location (an absolute IRI), or an earlier run's
    output."""
    if not f.inputs:
        return Outcome(None, "the run used no inputs")
    lost = [
        i.id
        for i in f.inputs
        if Type.OUTPUT not in i.types and not is_iri(as_iri(i.first(Attr.LOCATION)) or "")
    ]
    if lost:
        return Outcome(False, "input(s) with no location, or one that is not an absolute IRI", lost)
    return Outcome(
        True, "every input has a location or is an earlier output", [i.id for i in f.inputs]
    )


@_check("upstream-traceable")
def _upstream_traceable(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Earlier runs whose outputs this run used are themselves traceable: each scores at least
    the rubric's floor, and is itself traceable upstream, so that a failure anywhere up the
    lineage is passed all the way down; and the lineage does not loop back to the run itself."""
    if not f.upstream_runs:
        return Outcome(None, "no earlier run's output was used")
    loop = judge.loops_back(f.run.id)
    if loop:
        return Outcome(False, "the lineage loops back to this run", loop)
    floor = params.upstream_traceability
    found = {run: judge.traceability(run) for run in f.upstream_runs}
    judged = {run: t for run, t in found.items() if t.score is not None or t.lineage_failed}
    if not judged:
        return Outcome(None, "the rubric scores no traceability to judge earlier runs by")
    weak = [run for run, t in judged.items() if t.score is not None and t.score < floor]
    above = [run for run, t in judged.items() if t.lineage_failed and run not in weak]
    problems = [
        text
        for text, runs in (
            (f"earlier run(s) score below {floor:g} on traceability", weak),
            ("earlier run(s) whose own earlier runs are not traceable", above),
        )
        if runs
    ]
    if problems:
        return Outcome(False, "; ".join(problems), sorted({*weak, *above}))
    return Outcome(
        True, f"every earlier run scores at least {floor:g} on traceability", sorted(judged)
    )


@_check("actions-linked")
def _actions_linked(f: RunFacts, params: RubricParams, judge: Judge) -> Outcome:
    """Every action names the approval that allowed it: one of what it acted on, not withdrawn
    by the time it acted."""
    if not f.actions:
        return Outcome(None, "no action used the output")
    loose = [a.id for a in f.actions if not a.informed_by]
    if loose:
        return Outcome(False, "action(s) that name no approval", loose)
    decisions = _in_time(f, f.approvals)
    early = {e.id for e in f.approvals} - {e.id for e in decisions}
    premature = [a.id for a in f.actions if any(i in early for i in a.informed_by)]
    if premature:
        return Outcome(
            False, "action(s) naming a decision dated before its output was made", premature
        )
    approving = {e.id for e in _approving(decisions)}
    rejecting = [
        a.id
        for a in f.actions
        if any(i in {e.id for e in decisions} - approving for i in a.informed_by)
        and not any(i in approving for i in a.informed_by)
    ]
    if rejecting:
        return Outcome(False, "action(s) naming a rejection as their approval", rejecting)
    named = {e.id: e for e in _approving(decisions)}
    retracted = {a.id: found for a in f.actions if (found := _withdrawn_named(a, named))}
    if retracted:
        withdrawals = [w for found in retracted.values() for w in found]
        return Outcome(
            False,
            _citing("action(s) naming an approval withdrawn before they acted", withdrawals),
            list(retracted) + _withdrawn_ids(withdrawals),
        )
    decided = {e.id: e.subject for e in decisions}
    astray = [
        a.id for a in f.actions if not any(decided.get(i) == a.subject for i in a.informed_by)
    ]
    if astray:
        return Outcome(False, "action(s) naming an approval of something else", astray)
    return Outcome(True, "every action names its approval", _ids(f.actions))


def _withdrawn_named(action: Event, approvals: dict[str, Event]) -> list[Withdrawal]:
    """The withdrawals of the approvals an action names, when each one it names was withdrawn
    by the time it acted: then none of them allowed it."""
    if action.time is None:
        return []
    named = [_withdrawn(approvals[i], action.time) for i in action.informed_by if i in approvals]
    if not named or not all(named):
        return []
    return [w for found in named for w in found]
