"""Five-pillar scores, rubrics and weak points, judged on hand-built graphs.

Every expected value below is worked out by hand from the graph a test builds and the weights in
``queries/rubrics/*.toml`` (general: responsibility 2/3/3/2/2, auditability 2/2/2/2/1,
interpretability 1/2/3/1, dependability 3/2/3/1/1, traceability 3/1/2/2), never by asking the
function under test. A pillar's score is 100 x (weight passed) / (weight applicable), rounded to
one decimal; the overall score is the mean of the rated pillars.
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from api.cli import run as raidt
from provenance.errors import InvalidRecord
from provenance.formats import FORMATS
from provenance.ingest import import_document
from provenance.stores import SQLiteStore, Store
from provenance.vocabulary import Type
from queries.authority import authority
from queries.facts import gather, gather_many
from queries.lineage import trace
from queries.scores import former_shipped, load_rubric, score, weak_points
from tests.conftest import put
from tests.factories import earlier_output, h, iri, person, rubric_before_critical
from tests.factories import run as factory_run

# --------------------------------------------------------------------------------------------
# Record builders: one well-governed run, and the pieces a test swaps out to break one check.
# --------------------------------------------------------------------------------------------

DAY = "2026-01-01"
LU = iri("people/lu")


def t(clock: str, day: str = DAY) -> str:
    return f"{day}T{clock}+00:00"


def delegation(
    delegate: str = "bo",
    responsible: str = "lu",
    *,
    scope: tuple[str, ...] = ("discharge summary",),
    valid_from: str = "2025-01-01T00:00:00+00:00",
    valid_to: str | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "delegation",
        "id": iri(f"delegations/{delegate}-for-{responsible}"),
        "delegate": person(delegate, "consultant"),
        "responsible": person(responsible, "clinical director"),
        "scope": list(scope),
        "valid_from": valid_from,
    }
    if valid_to:
        record["valid_to"] = valid_to
    return record


def template_version(version: str = "v1") -> dict[str, Any]:
    return {
        "type": "template_version",
        "id": iri(f"tpl/{version}"),
        "template": iri("tpl"),
        "version": version,
        "content_hash": h(f"tpl/{version}"),
        "author": person("tess", "prompt engineer"),
        "created_at": "2025-12-01T09:00:00+00:00",
    }


def template_approval(
    version: str = "v1",
    *,
    at: str = "2025-12-15T09:00:00+00:00",
    decision: str = "approved",
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "type": "approval",
        "id": iri(f"approvals/{name or 'tpl-' + version}"),
        "at": at,
        "target": iri(f"tpl/{version}"),
        "approver": person("sam", "clinical safety officer"),
        "decision": decision,
        "rationale": "hazard log reviewed",
    }


def run_record(
    n: int,
    *,
    initiator: str = "ana",
    template: str = "tpl/v1",
    located: bool = True,
    upstream: tuple[str, ...] = (),
    outputs: int = 1,
    workflow: str = "inpatient-discharge",
    workflow_approved: bool | None = True,
    purpose: str | None = "draft the discharge summary for the GP",
) -> dict[str, Any]:
    """Run ``n`` at 10:00-10:00:30; one that takes ``upstream`` outputs (made at 10:00:30)
    starts a minute later, after they were made."""
    source: dict[str, Any] = {"id": iri(f"docs/{n}"), "content_hash": h(f"doc {n}")}
    if located:
        source["uri"] = f"https://ehr.test.example/docs/{n}"
    extra: dict[str, Any] = {"workflow": workflow}
    if purpose:
        extra["purpose"] = purpose
    if workflow_approved is not None:
        extra["policy"] = {"workflow_approved": workflow_approved}
    return factory_run(
        n,
        initiator=initiator,
        inputs=[source, *(earlier_output(o) for o in upstream)],
        outputs=outputs,
        template=template,
        minute=1 if upstream else 0,
        **extra,
    )


def review_of(
    n: int,
    *,
    by: str = "cy",
    at: str = t("10:50:00"),
    comment: str | None = "checked against the notes",
    revision: str | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "review",
        "id": iri(f"reviews/{n}"),
        "at": at,
        "target": iri(f"out/{n}-1"),
        "reviewer": person(by, "registrar"),
    }
    if comment:
        record["comment"] = comment
    if revision:
        record["revision"] = {"id": revision, "content_hash": h(revision)}
    return record


def approval_of(
    n: int,
    *,
    by: str = "bo",
    decision: str = "approved",
    at: str = t("11:00:00"),
    rationale: str | None = "matches the notes",
    on_behalf_of: str | None = LU,
    target: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "approval",
        "id": iri(f"approvals/{name or n}"),
        "at": at,
        "target": target or iri(f"out/{n}-1"),
        "approver": person(by, "consultant"),
        "decision": decision,
    }
    if rationale:
        record["rationale"] = rationale
    if on_behalf_of:
        record["on_behalf_of"] = on_behalf_of
    return record


def action_on(
    n: int,
    *,
    approval: str | None = "default",
    target: str | None = None,
    at: str = t("12:00:00"),
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "action",
        "id": iri(f"actions/{n}"),
        "at": at,
        "target": target or iri(f"out/{n}-1"),
        "actor": person("di", "ward clerk"),
        "description": "entered into the patient record",
    }
    if approval:
        record["approval"] = iri(f"approvals/{n}") if approval == "default" else approval
    return record


def override_of(
    n: int, *, by: str = "ov", rationale: str | None = None, at: str = t("10:55:00")
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "override",
        "id": iri(f"overrides/{n}"),
        "at": at,
        "trigger": iri(f"runs/{n}"),
        "target": iri(f"out/{n}-1"),
        "overridden_by": person(by, "consultant"),
    }
    if rationale:
        record["rationale"] = rationale
    return record


def escalation_of(n: int, *, at: str, trigger: str | None = None) -> dict[str, Any]:
    return {
        "type": "escalation",
        "id": iri(f"escalations/{n}"),
        "at": at,
        "trigger": trigger or iri(f"runs/{n}"),
        "raised_by": person("cy", "registrar"),
        "escalated_to": person("lu", "clinical director"),
        "rationale": "dose looks high",
    }


SHARED = (delegation(), template_version(), template_approval())
"""Delegation bo -> lu (scope 'discharge summary', open-ended from 2025), template tpl/v1 and its
approval on 2025-12-15, well before any run (runs are on 2026-01-01 10:00:00-10:00:30)."""


def governed(n: int = 1, **parts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Run n with a review, an approval by bo for lu and a linked action; ``part=None`` drops a
    part, ``part={...}`` replaces it, other names add records."""
    chosen: dict[str, dict[str, Any] | None] = {
        "run": run_record(n),
        "review": review_of(n),
        "approval": approval_of(n),
        "action": action_on(n),
    }
    chosen.update(parts)
    return [record for record in chosen.values() if record is not None]


@pytest.fixture
def store() -> Iterator[Store]:
    """An in-memory store. The shared ``store`` fixture's file costs ~0.1 s of fsyncs a test;
    scores do not depend on where the graph is kept. CLI tests use ``disk_store``."""
    opened = SQLiteStore(":memory:")
    yield opened
    opened.close()


@pytest.fixture
def disk_store(tmp_path: Path) -> Iterator[Store]:
    """A store in a file that ``raidt --store`` can open too (see ``_url``)."""
    opened = SQLiteStore(tmp_path / "store.db")
    yield opened
    opened.close()


def verdicts(profile: dict[str, Any]) -> dict[str, bool | None]:
    return {c["id"]: c["passed"] for c in profile["checks"]}


def check(profile: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in profile["checks"] if c["id"] == check_id)


def pillar_scores(profile: dict[str, Any]) -> dict[str, float | None]:
    return {name: p["score"] for name, p in profile["pillars"].items()}


RUN1 = iri("runs/1")

# What the well-governed run gets, check by check (reasoned in test_well_governed_run).
GOOD: dict[str, bool | None] = {
    "initiator-named": True,
    "reviewer-distinct": True,
    "approver-distinct": True,
    "decision-recorded": True,
    "approver-authority": True,
    "inputs-hashed": True,
    "outputs-hashed": True,
    "model-config-complete": True,
    "prompt-recorded": True,
    "timestamps-consistent": True,
    "purpose-stated": True,
    "decision-rationale": None,  # only rejections and approvals with edits need a rationale
    "override-rationale": None,  # no override
    "review-explained": True,
    "template-approved": True,
    "workflow-approved": True,
    "action-on-approved": True,
    "escalations-resolved": None,  # no escalation
    "review-timely": True,
    "chain-of-custody": True,
    "inputs-located": True,
    "upstream-traceable": None,  # no earlier run's output used
    "actions-linked": True,
}
ALL_100 = {
    "responsibility": 100.0,
    "auditability": 100.0,
    "interpretability": 100.0,
    "dependability": 100.0,
    "traceability": 100.0,
}


def scored(store: Store, *records: dict[str, Any], shared: bool = True, **kw: Any) -> Any:
    put(store, *(SHARED if shared else ()), *records)
    return score(store, RUN1, **kw)


# --------------------------------------------------------------------------------------------
# The well-governed run
# --------------------------------------------------------------------------------------------


def test_well_governed_run_passes_every_applicable_check(store: Store) -> None:
    # Ana (ward doctor) ran it 10:00:00-10:00:30 with a located, hashed input, template tpl/v1
    # approved on 2025-12-15; Cy reviewed at 10:50 with a comment; Bo approved at 11:00 for Lu
    # under an open-ended delegation whose scope is the task; Di acted at 12:00 naming the approval.
    profile = scored(store, *governed())
    assert profile["run"] == RUN1
    assert profile["rubric"] == "general"
    assert profile["as_of"] is None
    assert verdicts(profile) == GOOD
    # checks come in rubric order with the rubric's pillar and weight
    assert [(c["id"], c["pillar"], c["weight"]) for c in profile["checks"]][:3] == [
        ("initiator-named", "responsibility", 2.0),
        ("reviewer-distinct", "responsibility", 3.0),
        ("approver-distinct", "responsibility", 3.0),
    ]
    assert pillar_scores(profile) == ALL_100
    assert {p["rating"] for p in profile["pillars"].values()} == {"strong"}
    assert profile["overall"] == {"score": 100.0, "rating": "strong"}
    named = check(profile, "initiator-named")
    assert named["explanation"] == "started by Ana (ward doctor)"
    assert named["evidence"] == [iri("people/ana")]
    assert check(profile, "approver-authority")["evidence"] == [iri("approvals/1")]
    assert check(profile, "template-approved")["evidence"] == [iri("approvals/tpl-v1")]
    assert check(profile, "reviewer-distinct")["evidence"] == [iri("reviews/1")]
    assert check(profile, "action-on-approved")["evidence"] == [iri("actions/1")]
    assert check(profile, "inputs-located")["evidence"] == [iri("docs/1")]
    assert check(profile, "override-rationale")["explanation"] == "no override"
    assert profile["pillars"]["responsibility"]["checks"] == [
        "initiator-named",
        "reviewer-distinct",
        "approver-distinct",
        "decision-recorded",
        "approver-authority",
    ]


def test_revision_reviewed_and_approved_keeps_custody(store: Store) -> None:
    # The review revises out/1-1 into out/1-1r, which is approved and acted on: the revision is
    # generated by the review and a revision of the output, so custody holds; a revision with no
    # comment still explains the review.
    rev = iri("out/1-1r")
    profile = scored(
        store,
        *governed(
            review=review_of(1, comment=None, revision=rev),
            approval=approval_of(1, target=rev),
            action=action_on(1, target=rev),
        ),
    )
    assert verdicts(profile) == GOOD
    assert check(profile, "chain-of-custody")["evidence"] == [iri("out/1-1"), rev]
    assert check(profile, "outputs-hashed")["evidence"] == [iri("out/1-1"), rev]


# --------------------------------------------------------------------------------------------
# Each check broken on its own
# --------------------------------------------------------------------------------------------


def test_reviewer_distinct_fails_without_a_review(store: Store) -> None:
    profile = scored(store, *governed(review=None))
    # no review: four eyes fails; the two review checks have nothing to judge
    assert verdicts(profile) == {
        **GOOD,
        "reviewer-distinct": False,
        "review-timely": None,
        "review-explained": None,
    }
    failed = check(profile, "reviewer-distinct")
    assert failed["evidence"] == [iri("out/1-1")]
    assert failed["explanation"] == "no review of the output is recorded"
    # responsibility: 2 + 3 + 2 + 2 of 12 passed -> 9/12 = 75.0
    assert profile["pillars"]["responsibility"] == {
        "score": 75.0,
        "rating": "adequate",
        "checks": profile["pillars"]["responsibility"]["checks"],
    }


def test_a_review_of_the_template_is_not_a_review_of_the_run(store: Store) -> None:
    # Cy reviews template version tpl/v1 before the run; nobody reviews out/1-1. The run uses
    # the template, but four eyes on the template are not four eyes on this run's output.
    on_template = {**review_of(1, at=t("09:05:00")), "target": iri("tpl/v1")}
    profile = scored(store, *governed(review=None), on_template)
    assert verdicts(profile) == {
        **GOOD,
        "reviewer-distinct": False,
        "review-timely": None,
        "review-explained": None,
    }
    assert weak_points(store)["weak_points"]["runs-without-reviewer"]["runs"] == [RUN1]


def test_an_initiator_rejecting_their_own_output_is_not_a_self_approval(store: Store) -> None:
    # nothing was approved, so there is no self-approval to judge: the check does not apply
    profile = scored(store, *governed(approval=approval_of(1, by="ana", decision="rejected")))
    assert check(profile, "approver-distinct")["passed"] is None
    assert weak_points(store)["weak_points"]["self-approvals"]["runs"] == []


def test_an_action_on_another_runs_output_is_not_charged_to_this_run(store: Store) -> None:
    # Run 2 reads run 1's approved out/1-1; action 2 acts on run 2's unapproved out/2-1 but cites
    # run 1's approval. It is run 2's action on an unapproved output, not run 1's.
    profile = scored(
        store,
        *governed(),
        run_record(2, upstream=(iri("out/1-1"),)),
        action_on(2, approval=iri("approvals/1")),
    )
    assert check(profile, "action-on-approved") == {
        **check(profile, "action-on-approved"),
        "passed": True,
        "evidence": [iri("actions/1")],
    }
    unapproved = weak_points(store)["weak_points"]["actions-on-unapproved-outputs"]
    assert unapproved["runs"] == [iri("runs/2")]


def test_reviewer_distinct_fails_when_initiator_reviews_own_output(store: Store) -> None:
    # Her own look is no independent review; with none, hers is what is timed, and it came soon.
    profile = scored(store, *governed(review=review_of(1, by="ana")))
    assert verdicts(profile) == {**GOOD, "reviewer-distinct": False}
    failed = check(profile, "reviewer-distinct")
    assert failed["evidence"] == [iri("reviews/1")]
    assert failed["explanation"] == ONLY_OTHERS


def test_approver_distinct_fails_on_self_approval(store: Store) -> None:
    # Ana holds her own valid delegation for Lu, so only the self-approval is wrong.
    profile = scored(
        store,
        delegation("ana", "lu"),
        *governed(approval=approval_of(1, by="ana")),
    )
    assert verdicts(profile) == {**GOOD, "approver-distinct": False}
    failed = check(profile, "approver-distinct")
    assert failed["evidence"] == [iri("approvals/1")]
    assert failed["explanation"] == (
        "approved by the initiator, in their name or by the model that made it"
    )


DELEGATION_ID = iri("delegations/bo-for-lu")


@pytest.mark.parametrize(
    ("shared", "on_behalf_of", "explanation"),
    [
        pytest.param(
            (delegation(valid_to="2025-12-31T23:59:59+00:00"), template_version()),
            LU,
            f"delegation {DELEGATION_ID} expired 2025-12-31T23:59:59+00:00, "
            "before 2026-01-01T11:00:00+00:00",
            id="expired",
        ),
        pytest.param(
            (delegation(valid_from="2026-01-02T00:00:00+00:00"), template_version()),
            LU,
            f"delegation {DELEGATION_ID} starts 2026-01-02T00:00:00+00:00, "
            "after 2026-01-01T11:00:00+00:00",
            id="not-yet-valid",
        ),
        pytest.param(
            (delegation(scope=("ward-round notes",)), template_version()),
            LU,
            # the run's task, sector and workflow, lower-cased and sorted
            f"delegation {DELEGATION_ID} covers ward-round notes, "
            "not discharge summary, healthcare, inpatient-discharge",
            id="out-of-scope",
        ),
        pytest.param(
            (template_version(),),
            None,
            f"{iri('people/bo')} holds no delegation",
            id="no-delegation",
        ),
        pytest.param(
            (template_version(),),
            LU,
            f"{iri('people/bo')} claimed to act for {LU}, but no delegation is recorded",
            id="unbacked-claim",
        ),
    ],
)
def test_approver_authority_fails(
    store: Store, shared: tuple[dict[str, Any], ...], on_behalf_of: str | None, explanation: str
) -> None:
    put(store, *shared, template_approval())
    put(store, *governed(approval=approval_of(1, on_behalf_of=on_behalf_of)))
    profile = score(store, RUN1)
    assert verdicts(profile) == {**GOOD, "approver-authority": False}
    failed = check(profile, "approver-authority")
    assert failed["evidence"] == [iri("approvals/1")]
    assert failed["explanation"] == explanation
    # responsibility: 2 + 3 + 3 + 2 of 12 -> 83.3
    assert profile["pillars"]["responsibility"]["score"] == 83.3


def test_approver_authority_fails_on_claim_for_someone_not_delegated(store: Store) -> None:
    # Bo holds a valid delegation for Lu but claims to approve for Max: the claim is unbacked.
    max_ = iri("people/max")
    profile = scored(store, *governed(approval=approval_of(1, on_behalf_of=max_)))
    assert verdicts(profile) == {**GOOD, "approver-authority": False}
    failed = check(profile, "approver-authority")
    assert failed["evidence"] == [iri("approvals/1")]
    assert "claimed to act for " + max_ in failed["explanation"]


def test_approver_authority_judges_the_delegation_claimed_not_any_other(store: Store) -> None:
    # Bo claims to approve for Max, whose delegation to Bo expired in 2025; Bo's delegation for Lu
    # is valid, but Bo did not act for Lu. The approval is outside delegation.
    expired = delegation("bo", "max", valid_to="2025-06-01T00:00:00+00:00")
    max_ = iri("people/max")
    profile = scored(store, expired, *governed(approval=approval_of(1, on_behalf_of=max_)))
    assert verdicts(profile) == {**GOOD, "approver-authority": False}
    failed = check(profile, "approver-authority")
    assert failed["evidence"] == [iri("approvals/1")]
    assert failed["explanation"] == (
        f"delegation {iri('delegations/bo-for-max')} expired 2025-06-01T00:00:00+00:00, "
        "before 2026-01-01T11:00:00+00:00"
    )
    weak = weak_points(store)["weak_points"]["approvals-outside-delegation"]
    assert weak["runs"] == [RUN1]


def test_approver_authority_follows_a_chain_to_whom_they_act_for(store: Store) -> None:
    # Bo acts for Max through Lu (bo -> lu -> max, both in scope and open-ended): the claim holds.
    above = delegation("lu", "max")
    max_ = iri("people/max")
    profile = scored(store, above, *governed(approval=approval_of(1, on_behalf_of=max_)))
    assert verdicts(profile) == GOOD
    assert weak_points(store)["weak_points"]["approvals-outside-delegation"]["runs"] == []


def test_template_never_approved(store: Store) -> None:
    profile = scored(store, delegation(), template_version(), *governed(), shared=False)
    assert verdicts(profile) == {**GOOD, "template-approved": False}
    failed = check(profile, "template-approved")
    assert failed["evidence"] == [iri("tpl/v1")]
    assert failed["explanation"] == "template version never approved"
    # dependability: 2 + 3 + 1 of 9 (escalations n/a) -> 66.7
    assert profile["pillars"]["dependability"]["score"] == 66.7
    assert profile["pillars"]["dependability"]["rating"] == "adequate"


def test_template_approved_only_after_the_run(store: Store) -> None:
    late = template_approval(at=t("10:05:00"))  # the run started at 10:00:00
    profile = scored(store, delegation(), template_version(), late, *governed(), shared=False)
    assert verdicts(profile) == {**GOOD, "template-approved": False}
    failed = check(profile, "template-approved")
    assert failed["evidence"] == [iri("approvals/tpl-v1")]
    assert failed["explanation"] == "template version approved only after use, or rejected"


def test_template_approved_exactly_at_run_start_counts_as_before(store: Store) -> None:
    on_time = template_approval(at=t("10:00:00"))  # approval time <= run start passes
    profile = scored(store, delegation(), template_version(), on_time, *governed(), shared=False)
    assert verdicts(profile) == GOOD


def test_template_rejected_before_use_is_not_approved(store: Store) -> None:
    # tpl/v1 was approved on 2025-12-15, then rejected on 2025-12-20 (which invalidates it), and
    # the run used it on 2026-01-01: the template was not approved when used.
    rejection = template_approval(at="2025-12-20T09:00:00+00:00", decision="rejected", name="tr")
    profile = scored(store, rejection, *governed())
    assert verdicts(profile) == {**GOOD, "template-approved": False}


@pytest.mark.parametrize(
    ("value", "explanation"),
    [
        (False, "the workflow is not approved"),
        (None, "the workflow has no recorded approval status"),
    ],
)
def test_workflow_approved_fails(store: Store, value: bool | None, explanation: str) -> None:
    profile = scored(store, *governed(run=run_record(1, workflow_approved=value)))
    assert verdicts(profile) == {**GOOD, "workflow-approved": False}
    failed = check(profile, "workflow-approved")
    assert failed["evidence"] == [RUN1]
    assert failed["explanation"] == explanation
    # dependability: 3 + 3 + 1 of 9 -> 77.8
    assert profile["pillars"]["dependability"]["score"] == 77.8


def test_action_on_an_output_nobody_approved(store: Store) -> None:
    # Two outputs; only out/1-1 is reviewed and approved, the action uses out/1-2 (naming the
    # approval). out/1-2 was neither reviewed nor decided on.
    profile = scored(
        store,
        *governed(run=run_record(1, outputs=2), action=action_on(1, target=iri("out/1-2"))),
    )
    # ... which is not what the action used: it names an approval of something else too
    assert verdicts(profile) == {
        **GOOD,
        "reviewer-distinct": False,
        "decision-recorded": False,
        "action-on-approved": False,
        "actions-linked": False,
    }
    assert check(profile, "reviewer-distinct")["evidence"] == [iri("out/1-2")]
    assert check(profile, "decision-recorded")["evidence"] == [iri("out/1-2")]
    failed = check(profile, "action-on-approved")
    assert failed["evidence"] == [iri("actions/1")]
    assert failed["explanation"] == "action(s) on an unapproved or invalidated output"
    astray = check(profile, "actions-linked")
    assert astray["evidence"] == [iri("actions/1")]
    assert astray["explanation"] == "action(s) naming an approval of something else"
    # responsibility: 2 + 3 + 2 of 12 -> 58.3; dependability: 3 + 2 + 1 of 9 -> 66.7;
    # traceability: 3 + 1 of 6 -> 66.7
    assert profile["pillars"]["responsibility"]["score"] == 58.3
    assert profile["pillars"]["dependability"]["score"] == 66.7
    assert profile["pillars"]["traceability"]["score"] == 66.7


def test_action_with_no_approval_at_all(store: Store) -> None:
    profile = scored(store, *governed(approval=None, action=action_on(1, approval=None)))
    assert verdicts(profile) == {
        **GOOD,
        "decision-recorded": False,
        "approver-distinct": None,
        "approver-authority": None,
        "action-on-approved": False,
        "actions-linked": False,
    }
    assert check(profile, "action-on-approved")["evidence"] == [iri("actions/1")]
    assert check(profile, "decision-recorded")["evidence"] == [iri("out/1-1")]
    # responsibility: 2 + 3 of 7 -> 71.4; dependability 3 + 2 + 1 of 9 -> 66.7;
    # traceability 3 + 1 of 6 -> 66.7
    assert pillar_scores(profile) == {
        **ALL_100,
        "responsibility": 71.4,
        "dependability": 66.7,
        "traceability": 66.7,
    }


def test_action_on_a_rejected_output(store: Store) -> None:
    rejected = approval_of(1, decision="rejected", rationale="wrong dose")
    profile = scored(store, *governed(approval=rejected))
    # a rejection approves nothing: authority and self-approval have nothing to judge; the
    # rejection has a reason; the action names it as its approval
    assert verdicts(profile) == {
        **GOOD,
        "approver-authority": None,
        "approver-distinct": None,
        "decision-rationale": True,
        "action-on-approved": False,
        "actions-linked": False,
    }
    assert check(profile, "actions-linked")["explanation"] == (
        "action(s) naming a rejection as their approval"
    )
    failed = check(profile, "action-on-approved")
    assert failed["evidence"] == [iri("actions/1")]
    assert failed["explanation"] == "action(s) on an unapproved or invalidated output"


def test_action_after_approval_then_rejection(store: Store) -> None:
    # Approved at 11:00, rejected by Eve at 11:30, acted on at 12:00: invalidated when used.
    rejected = approval_of(
        1,
        by="eve",
        decision="rejected",
        at=t("11:30:00"),
        rationale="wrong dose",
        on_behalf_of=None,
        name="1-r",
    )
    profile = scored(store, *governed(rejection=rejected))
    assert verdicts(profile) == {**GOOD, "decision-rationale": True, "action-on-approved": False}
    assert check(profile, "action-on-approved")["evidence"] == [iri("actions/1")]


def test_action_before_a_later_rejection_was_on_an_approved_output(store: Store) -> None:
    # Approved at 11:00, acted on at 12:00, only rejected at 13:00: when it acted, the output was
    # approved and not yet invalidated, which is what the check asks.
    rejected = approval_of(
        1,
        by="eve",
        decision="rejected",
        at=t("13:00:00"),
        rationale="wrong dose",
        on_behalf_of=None,
        name="1-r",
    )
    profile = scored(store, *governed(rejection=rejected))
    assert check(profile, "action-on-approved")["passed"] is True
    assert verdicts(profile) == {**GOOD, "decision-rationale": True}


def test_override_without_rationale(store: Store) -> None:
    profile = scored(store, *governed(override=override_of(1)))
    assert verdicts(profile) == {**GOOD, "override-rationale": False}
    failed = check(profile, "override-rationale")
    assert failed["evidence"] == [iri("overrides/1")]
    assert failed["explanation"] == "override(s) without a rationale"
    # interpretability: purpose 1 + review-explained 1 of 1 + 3 + 1 -> 2/5 = 40.0, weak
    assert profile["pillars"]["interpretability"]["score"] == 40.0
    assert profile["pillars"]["interpretability"]["rating"] == "weak"


def test_override_with_rationale_passes(store: Store) -> None:
    profile = scored(store, *governed(override=override_of(1, rationale="patient preference")))
    assert verdicts(profile) == {**GOOD, "override-rationale": True}


@pytest.mark.parametrize("decision", ["approved-with-edits", "rejected"])
def test_decision_rationale_missing(store: Store, decision: str) -> None:
    profile = scored(store, *governed(approval=approval_of(1, decision=decision, rationale=None)))
    failed = check(profile, "decision-rationale")
    assert failed["passed"] is False
    assert failed["evidence"] == [iri("approvals/1")]
    assert failed["explanation"] == "decision(s) without a rationale"
    # interpretability: 1 + 1 of 1 + 2 + 1 -> 50.0
    assert profile["pillars"]["interpretability"]["score"] == 50.0
    if decision == "approved-with-edits":  # still an approving decision: nothing else breaks
        assert verdicts(profile) == {**GOOD, "decision-rationale": False}


def test_approval_dated_before_the_run_ended(store: Store) -> None:
    # The run ended at 10:00:30; the approval claims 10:00:15, so it cannot have been of the
    # output: no decision is recorded, and the action rests on none.
    profile = scored(store, *governed(approval=approval_of(1, at=t("10:00:15"))))
    assert verdicts(profile) == {
        **GOOD,
        "timestamps-consistent": False,
        "decision-recorded": False,
        "action-on-approved": False,
        "actions-linked": False,
    }
    failed = check(profile, "timestamps-consistent")
    assert failed["evidence"] == [iri("approvals/1")]
    assert failed["explanation"] == "event(s) dated before what they depend on"
    assert check(profile, "decision-recorded")["explanation"] == (
        "the only decision(s) are dated before the output was made"
    )
    assert check(profile, "actions-linked")["explanation"] == (
        "action(s) naming a decision dated before its output was made"
    )
    # responsibility 2+3+3+2 of 12 -> 83.3; auditability 2+2+2+2 of 9 -> 88.9; dependability
    # 3+2+1 of 9 -> 66.7; traceability 3+1 of 6 -> 66.7
    assert pillar_scores(profile) == {
        "responsibility": 83.3,
        "auditability": 88.9,
        "interpretability": 100.0,
        "dependability": 66.7,
        "traceability": 66.7,
    }


def test_events_on_a_revision_dated_before_it_was_made(store: Store) -> None:
    # The review at 10:50 revises out/1-1 into out/1-1r; an approval of out/1-1r claims 10:40 and
    # a second review of it 10:45, both after the run but before the revision existed.
    rev = iri("out/1-1r")
    early_review = {**review_of(1, at=t("10:45:00")), "id": iri("reviews/1b"), "target": rev}
    profile = scored(
        store,
        *governed(
            review=review_of(1, revision=rev),
            approval=approval_of(1, target=rev, at=t("10:40:00")),
            action=action_on(1, target=rev),
        ),
        early_review,
    )
    failed = check(profile, "timestamps-consistent")
    assert failed["passed"] is False
    assert failed["evidence"] == [iri("approvals/1"), iri("reviews/1b")]


def test_action_dated_before_its_approval(store: Store) -> None:
    # approval 11:00, action 10:59: after generation but before what allowed it
    profile = scored(store, *governed(action=action_on(1, at=t("10:59:00"))))
    assert check(profile, "timestamps-consistent")["evidence"] == [iri("actions/1")]
    # ... and at 10:59 the output was not approved yet
    assert verdicts(profile) == {
        **GOOD,
        "timestamps-consistent": False,
        "action-on-approved": False,
    }


def test_review_later_than_the_window(store: Store) -> None:
    # ended 2026-01-01 10:00:30; 72 h later is 2026-01-04 10:00:30; the review is at 11:00
    late = review_of(1, at=t("11:00:00", "2026-01-04"))
    profile = scored(store, *governed(review=late))
    assert verdicts(profile) == {**GOOD, "review-timely": False}
    failed = check(profile, "review-timely")
    assert failed["evidence"] == [iri("reviews/1")]
    assert failed["explanation"] == "reviewed more than 72 h after generation"
    # dependability: 3 + 2 + 3 of 9 -> 88.9
    assert profile["pillars"]["dependability"]["score"] == 88.9


def test_review_exactly_at_the_window_is_timely(store: Store) -> None:
    on_time = review_of(1, at=t("10:00:30", "2026-01-04"))  # exactly 72 h: not "more than"
    profile = scored(store, *governed(review=on_time))
    assert check(profile, "review-timely") == {
        "id": "review-timely",
        "pillar": "dependability",
        "weight": 1.0,
        "passed": True,
        "evidence": [iri("reviews/1")],
        "explanation": "reviewed within 72 h of generation",
    }


def test_review_without_comment_or_revision_is_unexplained(store: Store) -> None:
    profile = scored(store, *governed(review=review_of(1, comment=None)))
    assert verdicts(profile) == {**GOOD, "review-explained": False}
    assert check(profile, "review-explained")["evidence"] == [iri("reviews/1")]


def test_inputs_without_location(store: Store) -> None:
    profile = scored(store, *governed(run=run_record(1, located=False)))
    assert verdicts(profile) == {**GOOD, "inputs-located": False}
    failed = check(profile, "inputs-located")
    assert failed["evidence"] == [iri("docs/1")]
    assert failed["explanation"] == "input(s) with no location, or one that is not an absolute IRI"
    # traceability: 3 + 2 of 6 -> 83.3
    assert profile["pillars"]["traceability"]["score"] == 83.3


def test_action_that_names_no_approval(store: Store) -> None:
    # the output was approved at 11:00, so the action itself is on an approved output
    profile = scored(store, *governed(action=action_on(1, approval=None)))
    assert verdicts(profile) == {**GOOD, "actions-linked": False}
    failed = check(profile, "actions-linked")
    assert failed["evidence"] == [iri("actions/1")]
    assert failed["explanation"] == "action(s) that name no approval"
    # traceability: 3 + 1 of 6 -> 66.7
    assert profile["pillars"]["traceability"]["score"] == 66.7


def test_escalation_never_resolved(store: Store) -> None:
    # escalated at 12:30, after the only decision (approval at 11:00): nothing resolves it
    profile = scored(store, *governed(escalation=escalation_of(1, at=t("12:30:00"))))
    assert verdicts(profile) == {**GOOD, "escalations-resolved": False}
    failed = check(profile, "escalations-resolved")
    assert failed["evidence"] == [iri("escalations/1")]
    assert failed["explanation"] == "escalation(s) never resolved"
    # dependability: 3 + 2 + 3 + 1 of 10 -> 90.0
    assert profile["pillars"]["dependability"]["score"] == 90.0


def test_escalation_resolved_by_the_later_approval(store: Store) -> None:
    profile = scored(store, *governed(escalation=escalation_of(1, at=t("10:45:00"))))
    assert verdicts(profile) == {**GOOD, "escalations-resolved": True}
    assert check(profile, "escalations-resolved")["evidence"] == [iri("escalations/1")]


RAIDT = "https://w3id.org/raidt#"


def _prov_json_run() -> str:
    """A PROV document with a raidt:Run whose second output is generated but neither attributed
    to the model nor derived from the input: what a record could never produce."""
    q = {"type": "prov:QUALIFIED_NAME"}
    return json.dumps(
        {
            "prefix": {"raidt": RAIDT, "t": "https://test.example/"},
            "activity": {
                "t:runs/1": {
                    "prov:type": {"$": "raidt:Run", **q},
                    "prov:startTime": "2026-01-01T10:00:00+00:00",
                    "prov:endTime": "2026-01-01T10:00:30+00:00",
                    "raidt:task": "discharge summary",
                }
            },
            "entity": {
                "t:docs/1": {"prov:type": {"$": "raidt:Input", **q}},
                "t:out/1-1": {"prov:type": {"$": "raidt:Output", **q}},
                "t:out/1-2": {"prov:type": {"$": "raidt:Output", **q}},
            },
            "agent": {"t:models/m": {"prov:type": {"$": "raidt:Model", **q}}},
            "used": {
                "_:u1": {
                    "prov:activity": "t:runs/1",
                    "prov:entity": "t:docs/1",
                    "prov:role": {"$": "raidt:input", **q},
                }
            },
            "wasGeneratedBy": {
                "_:g1": {"prov:entity": "t:out/1-1", "prov:activity": "t:runs/1"},
                "_:g2": {"prov:entity": "t:out/1-2", "prov:activity": "t:runs/1"},
            },
            "wasAttributedTo": {"_:a1": {"prov:entity": "t:out/1-1", "prov:agent": "t:models/m"}},
            "wasDerivedFrom": {
                "_:d1": {"prov:generatedEntity": "t:out/1-1", "prov:usedEntity": "t:docs/1"}
            },
        }
    )


def test_chain_of_custody_broken_in_an_imported_graph(store: Store) -> None:
    import_document(_prov_json_run(), FORMATS["json"], store, source="run.json")
    profile = score(store, RUN1)
    failed = check(profile, "chain-of-custody")
    assert failed["passed"] is False
    # out/1-1 is generated, attributed and derived; out/1-2 only generated
    assert failed["evidence"] == [iri("out/1-2")]
    assert failed["explanation"] == "output(s) missing generation, attribution or derivation"
    # traceability: chain 3 fails; inputs-located 1 fails (no location); upstream and actions
    # n/a -> 0 of 4 = 0.0
    assert profile["pillars"]["traceability"]["score"] == 0.0


def test_upstream_run_with_poor_traceability(store: Store) -> None:
    # Run 0: input without location, and an action on its output naming no approval.
    # Its traceability: chain 3 passes, inputs-located 1 and actions-linked 2 fail, upstream n/a
    # -> 3/6 = 50.0, below the general floor of 60. Run 1 uses run 0's output as an input.
    profile = scored(
        store,
        run_record(0, located=False),
        action_on(0, approval=None),
        *governed(run=run_record(1, upstream=(iri("out/0-1"),))),
    )
    assert verdicts(profile) == {**GOOD, "upstream-traceable": False}
    failed = check(profile, "upstream-traceable")
    assert failed["evidence"] == [iri("runs/0")]
    assert failed["explanation"] == "earlier run(s) score below 60 on traceability"
    # run 1's traceability: 3 + 1 + 2 of 8 -> 75.0
    assert profile["pillars"]["traceability"]["score"] == 75.0
    # the earlier run's own profile agrees: 3 of 6 -> 50.0
    assert score(store, iri("runs/0"))["pillars"]["traceability"]["score"] == 50.0


def test_upstream_traceable_floor_depends_on_the_rubric(store: Store) -> None:
    # Run 0 fails only inputs-located: general traceability 3/(3+1) = 75.0 >= 60 passes;
    # healthcare weighs inputs-located 2: 3/5 = 60.0 < 80 fails.
    put(
        store,
        *SHARED,
        run_record(0, located=False),
        *governed(run=run_record(1, upstream=(iri("out/0-1"),))),
    )
    general = check(score(store, RUN1), "upstream-traceable")
    assert general["passed"] is True
    assert general["evidence"] == [iri("runs/0")]
    strict = check(score(store, RUN1, rubric="healthcare"), "upstream-traceable")
    assert strict["passed"] is False
    assert strict["explanation"] == "earlier run(s) score below 80 on traceability"


def test_escalation_on_a_downstream_run_is_not_the_upstream_runs(store: Store) -> None:
    # Run 0 is well governed; run 1 uses out/0-1 as an input, and an escalation is raised on
    # run 1 (trigger: run 1) and never resolved. Run 1 used run 0's output, but it is a run, not a
    # decision about run 0: what informs it (the escalation) is not run 0's.
    put(
        store,
        *SHARED,
        *governed(0),
        run_record(1, upstream=(iri("out/0-1"),)),
        escalation_of(1, at=t("13:00:00")),
    )
    profile = score(store, iri("runs/0"))
    assert check(profile, "escalations-resolved")["passed"] is None
    assert verdicts(profile) == GOOD


def test_facts_gathered_together_are_each_runs_own(store: Store) -> None:
    # Run 1 uses run 0's output and is escalated; gathered in one batch, the escalation, the
    # review and approval of each run and the upstream run stay with the run they belong to.
    put(
        store,
        *SHARED,
        *governed(0),
        *governed(run=run_record(1, upstream=(iri("out/0-1"),))),
        escalation_of(1, at=t("13:00:00")),
    )
    runs = [iri("runs/0"), RUN1]
    together = gather_many(store, store.nodes(runs).values())
    assert together == {run: gather(store, run) for run in runs}
    first, second = together[iri("runs/0")], together[RUN1]
    assert (first.escalations, [e.id for e in second.escalations]) == ([], [iri("escalations/1")])
    assert (first.upstream_runs, second.upstream_runs) == ([], [iri("runs/0")])
    assert [e.subject for e in first.approvals] == [iri("out/0-1")]
    assert [e.subject for e in second.approvals] == [iri("out/1-1")]


def test_facts_of_every_demo_run_gathered_together(demo_store_session: SQLiteStore) -> None:
    runs = demo_store_session.ids_of_type(Type.RUN)
    together = gather_many(demo_store_session, demo_store_session.nodes(runs).values())
    assert together == {run: gather(demo_store_session, run) for run in runs}
    assert sum(len(f.upstream_runs) for f in together.values()) > 0


def test_only_runs_have_run_facts(store: Store) -> None:
    put(store, *SHARED, *governed(1))
    with pytest.raises(InvalidRecord, match="is not a run"):
        gather_many(store, store.nodes([iri("out/1-1")]).values())


# --------------------------------------------------------------------------------------------
# Pillar arithmetic on whole graphs
# --------------------------------------------------------------------------------------------


def test_pillars_of_an_override_without_rationale_on_unlocated_inputs(store: Store) -> None:
    profile = scored(store, *governed(run=run_record(1, located=False), override=override_of(1)))
    # interpretability: purpose 1 + review-explained 1 of (1 + 3 + 1) -> 40.0
    # traceability: chain 3 + actions-linked 2 of (3 + 1 + 2) -> 83.3
    # overall: (100 + 100 + 40.0 + 100 + 83.3) / 5 = 84.66 -> 84.7
    assert pillar_scores(profile) == {**ALL_100, "interpretability": 40.0, "traceability": 83.3}
    assert {k: p["rating"] for k, p in profile["pillars"].items()} == {
        "responsibility": "strong",
        "auditability": "strong",
        "interpretability": "weak",
        "dependability": "strong",
        "traceability": "strong",
    }
    assert profile["overall"] == {"score": 84.7, "rating": "strong"}


def test_pillars_of_a_poorly_governed_run(store: Store) -> None:
    # No review, Ana approves her own output (no delegation), template registered but never
    # approved, workflow not approved, no purpose, input without location, action naming no
    # approval (though after Ana's approval).
    records = governed(
        run=run_record(1, located=False, workflow_approved=False, purpose=None),
        review=None,
        approval=approval_of(1, by="ana", on_behalf_of=None),
        action=action_on(1, approval=None),
    )
    profile = scored(store, delegation(), template_version(), *records, shared=False)
    assert verdicts(profile) == {
        **GOOD,
        "reviewer-distinct": False,
        "approver-distinct": False,
        "approver-authority": False,
        "purpose-stated": False,
        "review-explained": None,
        "template-approved": False,
        "workflow-approved": False,
        "review-timely": None,
        "inputs-located": False,
        "actions-linked": False,
    }
    assert check(profile, "approver-authority")["explanation"] == (
        f"{iri('people/ana')} holds no delegation"
    )
    # responsibility: 2 + 2 of 12 -> 33.3; auditability 100; interpretability: only purpose
    # applies, and fails -> 0.0; dependability: action 3 of (3 + 2 + 3) -> 37.5;
    # traceability: chain 3 of (3 + 1 + 2) -> 50.0
    assert pillar_scores(profile) == {
        "responsibility": 33.3,
        "auditability": 100.0,
        "interpretability": 0.0,
        "dependability": 37.5,
        "traceability": 50.0,
    }
    # (33.3 + 100 + 0 + 37.5 + 50) / 5 = 44.16 -> 44.2
    assert profile["overall"] == {"score": 44.2, "rating": "weak"}
    assert profile["pillars"]["auditability"]["rating"] == "strong"
    assert profile["pillars"]["traceability"]["rating"] == "weak"


# --------------------------------------------------------------------------------------------
# Rubrics
# --------------------------------------------------------------------------------------------


def _middling(store: Store) -> None:
    # Approved without a rationale, reviewed 30 h after generation, workflow not approved.
    put(
        store,
        *SHARED,
        *governed(
            run=run_record(1, workflow_approved=False),
            review=review_of(1, at=t("16:30:30", "2026-01-02")),
            approval=approval_of(1, rationale=None),
        ),
    )


def test_healthcare_rubric_is_stricter(store: Store) -> None:
    _middling(store)
    general = score(store, RUN1)
    strict = score(store, RUN1, rubric="healthcare")
    # general: dependability 3 + 3 + 1 of 9 -> 77.8 (30 h is within 72 h, and an "approved"
    # needs no rationale); the rest 100; overall 477.8 / 5 = 95.56 -> 95.6
    assert pillar_scores(general) == {**ALL_100, "dependability": 77.8}
    assert general["overall"] == {"score": 95.6, "rating": "strong"}
    # healthcare: every decision needs a rationale -> interpretability 1 + 1 of 1 + 3 + 1 = 40.0;
    # a review within 24 h -> dependability 4 + 4 of 4 + 2 + 4 + 2 = 66.7;
    # overall 406.7 / 5 = 81.34 -> 81.3, only "adequate" (strong needs 90 here)
    assert pillar_scores(strict) == {
        **ALL_100,
        "interpretability": 40.0,
        "dependability": 66.7,
    }
    assert strict["overall"] == {"score": 81.3, "rating": "adequate"}
    assert strict["pillars"]["dependability"]["rating"] == "weak"  # 66.7 < 75
    assert check(strict, "review-timely")["explanation"] == (
        "reviewed more than 24 h after generation"
    )
    for pillar in general["pillars"]:
        assert strict["pillars"][pillar]["score"] <= general["pillars"][pillar]["score"]


def test_healthcare_rating_thresholds_differ() -> None:
    general, strict = load_rubric("general"), load_rubric("healthcare")
    assert general.ratings == {"strong": 80.0, "adequate": 60.0}
    assert strict.ratings == {"strong": 90.0, "adequate": 75.0}
    assert [general.rating(v) for v in (85.0, 70.0, 59.9, None)] == [
        "strong",
        "adequate",
        "weak",
        "not rated",
    ]
    assert [strict.rating(v) for v in (85.0, 70.0, 90.0, 75.0)] == [
        "adequate",
        "weak",
        "strong",
        "adequate",
    ]


CUSTOM = """
name = "custom"
title = "A custom rubric"

[ratings]
good = 50

[params]
review_within_hours = 1

[[checks]]
id = "reviewer-distinct"
pillar = "responsibility"
weight = 1

[[checks]]
id = "approver-authority"
pillar = "responsibility"
weight = 4

[[checks]]
id = "review-timely"
pillar = "dependability"
weight = 0.5

[[checks]]
id = "workflow-approved"
pillar = "dependability"
weight = 1.5

[[checks]]
id = "override-rationale"
pillar = "interpretability"
weight = 3

[[checks]]
id = "escalations-resolved"
pillar = "auditability"
weight = 1

[[checks]]
id = "upstream-traceable"
pillar = "traceability"
weight = 1
"""


def test_custom_rubric_file_changes_the_score(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(CUSTOM)
    # expired delegation; review at 11:30, 89.5 min after generation
    put(
        store,
        delegation(valid_to="2025-12-31T23:59:59+00:00"),
        template_version(),
        template_approval(),
        *governed(review=review_of(1, at=t("11:30:00"))),
    )
    custom = score(store, RUN1, rubric=str(path))
    assert custom["rubric"] == "custom"
    assert [c["id"] for c in custom["checks"]] == [
        "reviewer-distinct",
        "approver-authority",
        "review-timely",
        "workflow-approved",
        "override-rationale",
        "escalations-resolved",
        "upstream-traceable",
    ]
    # responsibility: reviewer 1 of (1 + 4) -> 20.0; dependability: workflow 1.5 of 2 -> 75.0
    # (the review is later than 1 h); interpretability, auditability and traceability: their
    # one check each (no override, no escalation, no earlier run) has nothing to judge -> not
    # rated; overall (20 + 75) / 2 = 47.5
    assert pillar_scores(custom) == {
        "responsibility": 20.0,
        "auditability": None,
        "interpretability": None,
        "dependability": 75.0,
        "traceability": None,
    }
    assert {k: p["rating"] for k, p in custom["pillars"].items()} == {
        "responsibility": "weak",
        "auditability": "not rated",
        "interpretability": "not rated",
        "dependability": "good",
        "traceability": "not rated",
    }
    assert custom["pillars"]["interpretability"]["checks"] == ["override-rationale"]
    assert custom["overall"] == {"score": 47.5, "rating": "weak"}
    assert (
        check(custom, "review-timely")["explanation"] == "reviewed more than 1 h after generation"
    )
    # the general rubric on the same run: responsibility 2 + 3 + 3 + 2 of 12 -> 83.3 and the
    # review is timely within 72 h -> dependability 100
    general = score(store, RUN1)
    assert general["pillars"]["responsibility"]["score"] == 83.3
    assert general["pillars"]["dependability"]["score"] == 100.0


CRITICAL = """
name = "critical"
title = "Authority is a must"

[ratings]
good = 50

[[checks]]
id = "reviewer-distinct"
pillar = "responsibility"
weight = 9

[[checks]]
id = "approver-authority"
pillar = "responsibility"
weight = 1
critical = true

[[checks]]
id = "workflow-approved"
pillar = "dependability"
weight = 1

[[checks]]
id = "override-rationale"
pillar = "interpretability"
weight = 1
critical = true

[[checks]]
id = "escalations-resolved"
pillar = "auditability"
weight = 1

[[checks]]
id = "upstream-traceable"
pillar = "traceability"
weight = 1
"""


def test_a_failed_critical_check_rates_its_pillar_and_the_profile_weak(
    store: Store, tmp_path: Path
) -> None:
    put(
        store,
        delegation(valid_to="2025-12-31T23:59:59+00:00"),
        template_version(),
        template_approval(),
        *governed(),
    )
    path = tmp_path / "critical.toml"
    path.write_text(CRITICAL)
    profile = score(store, RUN1, rubric=str(path))
    # the delegation expired: authority 0 of 1 beside the review's 9 -> responsibility 90.0,
    # but weak; dependability 100.0 and good; override-rationale (critical) has nothing to judge,
    # nor have escalations-resolved and upstream-traceable
    assert verdicts(profile) == {
        "reviewer-distinct": True,
        "approver-authority": False,
        "workflow-approved": True,
        "override-rationale": None,
        "escalations-resolved": None,
        "upstream-traceable": None,
    }
    assert {k: (p["score"], p["rating"]) for k, p in profile["pillars"].items()} == {
        "responsibility": (90.0, "weak"),
        "auditability": (None, "not rated"),
        "interpretability": (None, "not rated"),
        "dependability": (100.0, "good"),
        "traceability": (None, "not rated"),
    }
    assert profile["overall"] == {"score": 95.0, "rating": "weak"}
    assert profile["critical_failed"] == ["approver-authority"]
    # the same rubric with no check critical: the scores alone rate it
    path.write_text(CRITICAL.replace("critical = true\n", ""))
    lenient = score(store, RUN1, rubric=str(path))
    assert pillar_scores(lenient) == pillar_scores(profile)
    assert lenient["pillars"]["responsibility"]["rating"] == "good"
    assert lenient["overall"] == {"score": 95.0, "rating": "good"}
    assert lenient["critical_failed"] == []


def test_shipped_rubrics_name_their_critical_checks() -> None:
    critical = {
        name: [c.id for c in load_rubric(name).checks if c.critical]
        for name in ("general", "healthcare")
    }
    assert critical == {
        "general": ["approver-distinct", "action-on-approved"],
        "healthcare": [
            "reviewer-distinct",
            "approver-distinct",
            "approver-authority",
            "template-approved",
            "action-on-approved",
        ],
    }


def test_the_shipped_rubrics_from_before_critical_checks_are_known() -> None:
    # a check that is not critical is written as before, so the rubrics shipped then keep the
    # SHA-256 their scores and packs name, and are known as earlier versions of the shipped ones
    for name in ("general", "healthcare"):
        before = rubric_before_critical(name)
        assert '"critical"' not in before.canonical().decode()
        assert former_shipped(before)
        assert not former_shipped(load_rubric(name))


def test_not_applicable_checks_leave_the_denominator(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "only-na.toml"
    path.write_text(
        'name = "na"\ntitle = "n/a"\n'
        '[[checks]]\nid = "override-rationale"\npillar = "interpretability"\nweight = 3\n'
        '[[checks]]\nid = "escalations-resolved"\npillar = "interpretability"\nweight = 1\n'
        '[[checks]]\nid = "purpose-stated"\npillar = "traceability"\nweight = 1\n'
        '[[checks]]\nid = "decision-rationale"\npillar = "responsibility"\nweight = 1\n'
        '[[checks]]\nid = "upstream-traceable"\npillar = "auditability"\nweight = 1\n'
        '[[checks]]\nid = "workflow-approved"\npillar = "dependability"\nweight = 1\n'
    )
    profile = scored(store, *governed(), rubric=str(path))
    # no override, no escalation: both interpretability checks n/a -> no score, not rated, and
    # so are responsibility (no decision needing a reason) and auditability (no earlier run);
    # overall is the mean of traceability's and dependability's
    assert profile["pillars"]["interpretability"] == {
        "score": None,
        "rating": "not rated",
        "checks": ["override-rationale", "escalations-resolved"],
    }
    assert profile["pillars"]["traceability"]["score"] == 100.0
    assert profile["overall"] == {"score": 100.0, "rating": "strong"}


OTHER_PILLARS = "".join(
    f'[[checks]]\nid = "{check}"\npillar = "{pillar}"\nweight = 1\n'
    for check, pillar in (
        ("outputs-hashed", "auditability"),
        ("purpose-stated", "interpretability"),
        ("workflow-approved", "dependability"),
        ("chain-of-custody", "traceability"),
    )
)
"""A check for each pillar but responsibility: every pillar needs one."""


def _rubric_file(tmp_path: Path, check: str) -> str:
    path = tmp_path / "bad.toml"
    path.write_text(f'name = "bad"\ntitle = "Bad"\n\n[[checks]]\n{check}\n')
    return str(path)


@pytest.mark.parametrize(
    ("check_toml", "fragments"),
    [
        (
            'id = "no-such-check"\npillar = "responsibility"\nweight = 1',
            ["not a valid rubric", "checks.0.id", "unknown check 'no-such-check'"],
        ),
        (
            'id = "initiator-named"\npillar = "reliability"\nweight = 1',
            ["not a valid rubric", "checks.0.pillar"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 0',
            ["not a valid rubric", "checks.0.weight", "greater than 0"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1\ncolour = "red"',
            ["not a valid rubric", "checks.0.colour"],
        ),
        ('id = "initiator-named"\npillar = = "responsibility"', ["not valid TOML"]),
        (
            'id = "review-timely"\npillar = "dependability"\nweight = 1\n'
            '[params]\nreview_within_hours = "x"',
            ["not a valid rubric", "params.review_within_hours"],
        ),
        (
            'id = "upstream-traceable"\npillar = "traceability"\nweight = 1\n'
            "[params]\nupstream_traceability = [1]",
            ["not a valid rubric", "params.upstream_traceability"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
            "[params]\nreview_within_hour = 24",
            ["not a valid rubric", "params.review_within_hour"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = inf',
            ["not a valid rubric: checks.0.weight: Input should be a finite number"],
        ),
        (
            'id = "review-timely"\npillar = "dependability"\nweight = 1\n'
            "[params]\nreview_within_hours = 1e20",
            ["not a valid rubric: params.review_within_hours: Input should be less than or equal"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
            '[[checks]]\nid = "initiator-named"\npillar = "auditability"\nweight = 2',
            ["each check is weighed once; given more than once: initiator-named"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1e308\n'
            '[[checks]]\nid = "purpose-stated"\npillar = "responsibility"\nweight = 1e308',
            ["the weights add up to more than a number can hold"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1\n[ratings]',
            ["not a valid rubric: ratings: Dictionary should have at least 1 item"],
        ),
        # ratings sharing a threshold would be told apart by the order of their keys
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
            "[ratings]\nstrong = 70\nadequate = 70\nfair = 50",
            [
                "not a valid rubric: ratings: Value error, thresholds must strictly decrease from "
                "one rating to the next; equal: strong and adequate (70)"
            ],
        ),
        # numbers and flags are read as written, not guessed at
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = "3"',
            ["not a valid rubric: checks.0.weight: Input should be a valid number"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = true',
            ["not a valid rubric: checks.0.weight: Input should be a valid number"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
            '[params]\nrationale_for_every_decision = "yes"',
            ["params.rationale_for_every_decision: Input should be a valid boolean"],
        ),
        (
            'id = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
            "[params]\nupstream_traceability = nan",
            ["params.upstream_traceability: Input should be a finite number"],
        ),
    ],
)
def test_invalid_rubric_is_refused(tmp_path: Path, check_toml: str, fragments: list[str]) -> None:
    path = _rubric_file(tmp_path, check_toml)
    with pytest.raises(InvalidRecord) as caught:
        load_rubric(path)
    assert caught.value.location == path
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_an_unknown_check_is_the_one_problem_reported(tmp_path: Path) -> None:
    path = _rubric_file(tmp_path, 'id = "no-such-check"\npillar = "responsibility"\nweight = 1')
    with pytest.raises(InvalidRecord) as caught:
        load_rubric(path)
    # the list of checks is not also said to be too short: its one item was refused
    assert "at least 1 item" not in str(caught.value)
    assert "unknown check 'no-such-check'" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "why"), [(b"\xff\xfe", "not UTF-8 text"), (None, "Is a directory")]
)
def test_a_rubric_that_cannot_be_read_is_refused_in_one_line(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    path = tmp_path / "odd.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    with pytest.raises(InvalidRecord) as caught:
        load_rubric(str(path))
    assert str(caught.value) == f"{path}: cannot read the rubric: {why}"


def test_rubric_without_checks_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('name = "empty"\ntitle = "Empty"\nchecks = []\n')
    with pytest.raises(InvalidRecord, match="checks"):
        load_rubric(path)


@pytest.mark.parametrize(
    ("ratings", "given"),
    [
        ("strong = 50\nadequate = 60", "strong (50) below adequate (60)"),
        ("strong = 80\nadequate = 60\nweak = 70", "adequate (60) below weak (70)"),
        ("strong = 40\nexcellent = 90\nweak = 50", "strong (40) below weak (50)"),
    ],
    ids=["strong-below-adequate", "weak-above-adequate", "strong-below-weak"],
)
def test_ratings_whose_thresholds_invert_their_rank_are_refused(
    tmp_path: Path, ratings: str, given: str
) -> None:
    # strong = 50 beside adequate = 60 would rate 55 strong and 65 adequate: a better score,
    # a worse rating. Ratings of other names (excellent) have no rank to keep.
    path = tmp_path / "inverted.toml"
    path.write_text(
        f'name = "inverted"\ntitle = "Inverted"\n[ratings]\n{ratings}\n'
        '[[checks]]\nid = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
        f"{OTHER_PILLARS}"
    )
    with pytest.raises(InvalidRecord) as caught:
        load_rubric(str(path))
    assert str(caught.value) == (
        f"{path}: not a valid rubric: ratings: Value error, a better rating needs the higher "
        f"threshold; given {given}"
    )


def test_a_rubric_leaving_a_pillar_without_checks_is_refused(tmp_path: Path) -> None:
    # general without its four traceability checks would rate traceability "not rated" on every
    # run, and leave it out of the overall score, unseen; without auditability's too, both are
    # named, in the order of the pillars.
    blocks = (SHIPPED / "general.toml").read_text().replace('"general"', '"partial"').split("[[")
    path = tmp_path / "partial.toml"
    for left_out, named in (
        (["traceability"], "traceability"),
        (["traceability", "auditability"], "auditability, traceability"),
    ):
        kept = [b for b in blocks if not any(f'pillar = "{p}"' in b for p in left_out)]
        path.write_text("[[".join(kept))
        with pytest.raises(InvalidRecord) as caught:
            load_rubric(str(path))
        assert str(caught.value) == (
            f"{path}: not a valid rubric: checks: Value error, every pillar needs a check; "
            f"none for: {named}"
        )


def test_unknown_rubric_name_is_refused() -> None:
    with pytest.raises(InvalidRecord) as caught:
        load_rubric("strictest")
    assert str(caught.value) == (
        "no rubric 'strictest': give a .toml file or one of: general, healthcare"
    )


def test_a_rubric_file_that_is_not_there_is_said_not_to_exist() -> None:
    with pytest.raises(InvalidRecord) as caught:
        load_rubric("missing.toml")
    assert str(caught.value) == "missing.toml: the rubric file does not exist"


def test_score_on_something_that_is_not_a_run(store: Store) -> None:
    put(store, *SHARED, *governed())
    with pytest.raises(InvalidRecord, match=r"https://test\.example/out/1-1 is not a run"):
        score(store, iri("out/1-1"))
    with pytest.raises(InvalidRecord, match="is not a run"):
        score(store, iri("approvals/1"))


def test_as_of_hides_later_approvals(store: Store) -> None:
    put(store, *SHARED, *governed(approval=None, action=None))
    cut = datetime.now(UTC)
    time.sleep(0.01)
    put(store, approval_of(1), action_on(1))
    before = score(store, RUN1, as_of=cut)
    # as of the cut there is no approval and no action: decision-recorded fails, the approval
    # and action checks have nothing to judge. responsibility: 2 + 3 of (2 + 3 + 2) -> 71.4;
    # overall (71.4 + 400) / 5 = 94.28 -> 94.3
    assert verdicts(before) == {
        **GOOD,
        "decision-recorded": False,
        "approver-distinct": None,
        "approver-authority": None,
        "action-on-approved": None,
        "actions-linked": None,
    }
    assert before["as_of"] == cut.isoformat(timespec="microseconds")
    assert before["pillars"]["responsibility"]["score"] == 71.4
    assert before["overall"]["score"] == 94.3
    assert verdicts(score(store, RUN1)) == GOOD


# --------------------------------------------------------------------------------------------
# Weak points
# --------------------------------------------------------------------------------------------


def _several_runs() -> list[dict[str, Any]]:
    """Seven runs, each with the gaps named in its comment and no other weak point."""
    return [
        *SHARED,
        delegation("ex", "lu", valid_to="2025-12-31T23:59:59+00:00"),
        # 1: well governed
        *governed(1, run=run_record(1, workflow="ward-a")),
        # 2: no review; an override (with a reason) by Ov in ward-a
        *governed(
            2,
            run=run_record(2, workflow="ward-a"),
            review=None,
            override=override_of(2, rationale="patient preference"),
        ),
        # 3: Ana approves her own output, holding no delegation; Ov overrides with no reason
        *governed(
            3,
            run=run_record(3, workflow="ward-b"),
            approval=approval_of(3, by="ana", on_behalf_of=None),
            override=override_of(3),
        ),
        # 4: template tpl/v9, never registered nor approved; workflow not approved
        *governed(
            4,
            run=run_record(4, template="tpl/v9", workflow="ward-b", workflow_approved=False),
        ),
        # 5: Ex approves for Lu under an expired delegation; Zed overrides (with a reason)
        *governed(
            5,
            run=run_record(5, workflow="ward-a"),
            approval=approval_of(5, by="ex"),
            override=override_of(5, by="zed", rationale="second opinion"),
        ),
        # 6: the output is rejected, and acted on anyway
        *governed(
            6,
            run=run_record(6, workflow="ward-c"),
            approval=approval_of(6, decision="rejected", rationale="wrong dose"),
        ),
        # 7: nobody decided; acted on without an approval
        *governed(
            7,
            run=run_record(7, workflow="ward-c"),
            approval=None,
            action=action_on(7, approval=None),
        ),
    ]


def _entry(runs: list[int], evidence: list[str], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "count": len(runs),
        "runs": [iri(f"runs/{n}") for n in runs],
        "evidence": [iri(e) for e in evidence],
    }


SEVERAL_WEAK_POINTS = {
    "runs-without-reviewer": _entry(
        [2], ["out/2-1"], "runs with an output no one but the initiator reviewed"
    ),
    "self-approvals": _entry(
        [3],
        ["approvals/3"],
        "runs whose output its initiator approved, or someone in their name, or its model",
    ),
    "approvals-outside-delegation": _entry(
        [3, 5],
        ["approvals/3", "approvals/5"],
        "runs with approvals by people without valid delegated authority",
    ),
    "unapproved-templates-in-use": _entry(
        [4], ["tpl/v9"], "runs on a template version not approved before use"
    ),
    "actions-on-unapproved-outputs": _entry(
        [6, 7],
        ["actions/6", "actions/7"],
        "runs with actions on outputs that were not approved, or that took as input an output "
        "invalidated before they began",
    ),
    "workflows-not-approved": _entry(
        [4], ["runs/4"], "runs in workflows not approved for GenAI use"
    ),
    "overrides-without-rationale": _entry(
        [3], ["overrides/3"], "runs with overrides that give no reason"
    ),
    # Ov overrode twice (runs 2 and 3); ward-a saw two overrides (runs 2 and 5); Zed, ward-b
    # and ward-c one or none each
    "repeated-overrides": {
        "description": "people or workflows with 2 or more overrides",
        "count": 2,
        "repeated": [
            {
                "by": "person",
                "who": iri("people/ov"),
                "overrides": [iri("overrides/2"), iri("overrides/3")],
                "runs": [iri("runs/2"), iri("runs/3")],
            },
            {
                "by": "workflow",
                "who": "ward-a",
                "overrides": [iri("overrides/2"), iri("overrides/5")],
                "runs": [iri("runs/2"), iri("runs/5")],
            },
        ],
        "runs": [iri("runs/2"), iri("runs/3"), iri("runs/5")],
        "evidence": [iri("overrides/2"), iri("overrides/3"), iri("overrides/5")],
    },
}


def test_weak_points_across_hand_built_runs(store: Store) -> None:
    put(store, *_several_runs())
    report = weak_points(store)
    assert report == {
        "runs": 7,
        "as_of": None,
        "rubric": "general",
        "weak_points": SEVERAL_WEAK_POINTS,
    }


def test_repeated_overrides_threshold_comes_from_the_rubric(store: Store, tmp_path: Path) -> None:
    put(store, *_several_runs())
    path = tmp_path / "three.toml"
    path.write_text(
        'name = "three"\ntitle = "Three"\n[params]\nrepeated_overrides = 3\n'
        '[[checks]]\nid = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
        f"{OTHER_PILLARS}"
    )
    repeated = weak_points(store, rubric=str(path))["weak_points"]["repeated-overrides"]
    # nobody and no workflow reaches three overrides
    assert repeated == {
        "description": "people or workflows with 3 or more overrides",
        "count": 0,
        "repeated": [],
        "runs": [],
        "evidence": [],
    }


def test_overrides_of_decisions_on_no_run_count_towards_repeated_overrides(store: Store) -> None:
    # Sam rejects template version v2 twice; Olga overrides both rejections. Neither override
    # touches a run's output, and both are still Olga's: two overrides, no run behind them.
    rejections = [
        template_approval(
            "v2", decision="rejected", name=f"tpl-v2-{n}", at=f"2025-12-1{n}T09:00:00+00:00"
        )
        for n in (1, 2)
    ]
    overrides = [
        {
            "type": "override",
            "id": iri(f"overrides/tpl-{n}"),
            "at": f"2025-12-1{n}T10:00:00+00:00",
            "trigger": iri(f"approvals/tpl-v2-{n}"),
            "target": iri("tpl/v2"),
            "overridden_by": person("olga", "head of service"),
            "rationale": "needed for the winter rota",
        }
        for n in (1, 2)
    ]
    put(store, template_version(), template_version("v2"), *rejections, *overrides)
    repeated = weak_points(store)["weak_points"]["repeated-overrides"]
    assert repeated["repeated"] == [
        {
            "by": "person",
            "who": iri("people/olga"),
            "overrides": [iri("overrides/tpl-1"), iri("overrides/tpl-2")],
            "runs": [],
        }
    ]
    assert repeated["count"] == 1


H, B, C, E = (
    "https://hospital.example",
    "https://bank.example",
    "https://council.example",
    "https://corp.example",
)


def test_weak_points_reports_progress_to_the_last_run(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("queries.scores._EVERY", 2)
    put(store, *(factory_run(n, minute=n) for n in range(1, 6)))
    told: list[tuple[int, int]] = []
    found = weak_points(store, progress=lambda done, total: told.append((done, total)))
    assert found["runs"] == 5
    assert told == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_weak_points_on_the_demo_data(demo_store_session: SQLiteStore) -> None:
    found = weak_points(demo_store_session)
    assert found["runs"] == 8
    points = found["weak_points"]

    def runs_and_evidence(name: str) -> tuple[list[str], list[str]]:
        return points[name]["runs"], points[name]["evidence"]

    # Gap 3 and the not-gaps list: no review on price-notice-0407, both council letters, the
    # GP referral and discharge-0415 (run ids sorted: bank < corp < council < hospital)
    assert runs_and_evidence("runs-without-reviewer") == (
        [
            f"{E}/runs/price-notice-0407",
            f"{C}/runs/hb-letter-2026-0311",
            f"{C}/runs/hb-letter-2026-0319",
            f"{H}/runs/discharge-0415",
            f"{H}/runs/gp-referral-0412",
        ],
        [
            f"{E}/outputs/price-notice-0407/email",
            f"{C}/outputs/hb-letter-2026-0311/letter",
            f"{C}/outputs/hb-letter-2026-0319/letter",
            f"{H}/outputs/discharge-0415/summary",
            f"{H}/outputs/gp-referral-0412/letter",
        ],
    )
    # Gap 7
    assert runs_and_evidence("self-approvals") == (
        [f"{E}/runs/deal-desk-0409"],
        [f"{E}/approvals/deal-desk-0409-a1"],
    )
    # Gap 7 again (Jordan Blake holds no delegation), gap 1 (expired), gap 2 (out of scope)
    assert runs_and_evidence("approvals-outside-delegation") == (
        [f"{E}/runs/deal-desk-0409", f"{H}/runs/discharge-0415", f"{H}/runs/gp-referral-0412"],
        [
            f"{E}/approvals/deal-desk-0409-a1",
            f"{H}/approvals/discharge-0415-a1",
            f"{H}/approvals/gp-referral-0412-a1",
        ],
    )
    # Gap 4
    assert runs_and_evidence("unapproved-templates-in-use") == (
        [f"{E}/runs/price-notice-0407"],
        [f"{E}/templates/customer-price-notice/v7-draft"],
    )
    # Gap 5
    assert runs_and_evidence("actions-on-unapproved-outputs") == (
        [f"{E}/runs/price-notice-0407"],
        [f"{E}/actions/price-notice-0407-mailout"],
    )
    # Gap 6
    assert runs_and_evidence("workflows-not-approved") == (
        [f"{E}/runs/price-notice-0407"],
        [f"{E}/runs/price-notice-0407"],
    )
    # Gap 8
    assert runs_and_evidence("overrides-without-rationale") == (
        [f"{E}/runs/deal-desk-0409"],
        [f"{E}/overrides/deal-desk-0409-o1"],
    )
    # two overrides, by different people in different workflows: no pattern
    assert points["repeated-overrides"]["count"] == 0
    assert points["repeated-overrides"]["repeated"] == []
    assert {name: entry["count"] for name, entry in points.items()} == {
        "runs-without-reviewer": 5,
        "self-approvals": 1,
        "approvals-outside-delegation": 3,
        "unapproved-templates-in-use": 1,
        "actions-on-unapproved-outputs": 1,
        "workflows-not-approved": 1,
        "overrides-without-rationale": 1,
        "repeated-overrides": 0,
    }


def test_demo_discharge_summary_run_scores(demo_store_session: SQLiteStore) -> None:
    # discharge-0412: reviewed with edits by Reyes, approved with edits (with a rationale) by
    # Okafor for Lund under a valid delegation, acted on with the approval named; one of its
    # three inputs has a location -> only inputs-located fails.
    profile = score(demo_store_session, f"{H}/runs/discharge-0412")
    assert [c["id"] for c in profile["checks"] if c["passed"] is False] == ["inputs-located"]
    assert check(profile, "inputs-located")["evidence"] == [
        f"{H}/ehr/patients/mrn-4471902/encounters/enc-0412",
        f"{H}/lab/reports/lr-88213",
    ]
    # traceability: 3 + 2 of 3 + 1 + 2 (upstream n/a) -> 83.3
    assert profile["pillars"]["traceability"]["score"] == 83.3


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"  # the `disk_store` fixture's file


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = raidt(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_score_json_matches_the_function(
    disk_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(disk_store, *SHARED, *governed(override=override_of(1)))
    code, out, err = _cli(capsys, "score", "test:runs/1", "--json", "--store", _url(tmp_path))
    assert (code, err) == (0, "")
    assert json.loads(out) == score(disk_store, RUN1)
    code, out, _ = _cli(
        capsys, "score", RUN1, "--rubric", "healthcare", "--json", "--store", _url(tmp_path)
    )
    assert code == 0
    assert json.loads(out) == score(disk_store, RUN1, rubric="healthcare")


def test_cli_score_text_names_the_critical_checks_that_failed(
    disk_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(disk_store, *SHARED, *governed(review=None))
    code, out, _ = _cli(capsys, "score", RUN1, "--rubric", "healthcare", "--store", _url(tmp_path))
    assert code == 0
    assert out.splitlines()[0].endswith(
        "(weak), rubric healthcare; critical check(s) failed: reviewer-distinct"
    )
    assert "FAIL (critical)" in out
    code, out, _ = _cli(capsys, "score", RUN1, "--store", _url(tmp_path))
    assert "critical" not in out  # under general, four eyes is not a critical check


def test_cli_score_as_of(
    disk_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(disk_store, *SHARED, *governed(approval=None, action=None))
    cut = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    put(disk_store, approval_of(1))
    code, out, _ = _cli(capsys, "score", RUN1, "--as-of", cut, "--json", "--store", _url(tmp_path))
    assert code == 0
    assert check(json.loads(out), "decision-recorded")["passed"] is False
    assert check(score(disk_store, RUN1), "decision-recorded")["passed"] is True


def test_cli_weak_points_json_matches_the_function(
    disk_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(disk_store, *_several_runs())
    code, out, err = _cli(capsys, "weak-points", "--json", "--store", _url(tmp_path))
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer == weak_points(disk_store)
    assert answer["weak_points"] == SEVERAL_WEAK_POINTS


@pytest.mark.parametrize(
    ("command", "rubric", "message"),
    [
        (
            "score",
            "strictest",
            "error: no rubric 'strictest': give a .toml file or one of: general, healthcare",
        ),
        ("weak-points", "strictest", "error: no rubric 'strictest'"),
        ("score", "bad.toml", "not a valid rubric: checks.0.weight"),
        ("weak-points", "bad.toml", "not a valid rubric: checks.0.weight"),
    ],
)
def test_cli_bad_rubric_is_one_line_and_exit_1(
    disk_store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    rubric: str,
    message: str,
) -> None:
    put(disk_store, *SHARED, *governed())
    if rubric.endswith(".toml"):
        rubric = _rubric_file(
            tmp_path, 'id = "initiator-named"\npillar = "auditability"\nweight = 0'
        )
    args = [command, *([RUN1] if command == "score" else []), "--rubric", rubric]
    code, out, err = _cli(capsys, *args, "--json", "--store", _url(tmp_path))
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert err.startswith("error: ")


def test_cli_score_of_a_non_run_fails_cleanly(
    disk_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put(disk_store, *SHARED, *governed())
    code, _, err = _cli(capsys, "score", iri("out/1-1"), "--store", _url(tmp_path))
    assert code == 1
    assert err.strip() == f"error: {iri('out/1-1')} is not a run (a raidt:Run activity)"


def test_a_model_configuration_without_parameters_is_not_recorded_in_full(store: Store) -> None:
    bare = run_record(1)
    bare["model"] = {k: v for k, v in bare["model"].items() if k != "parameters"}
    profile = scored(store, *governed(run=bare))
    assert verdicts(profile) == {**GOOD, "model-config-complete": False}
    assert check(profile, "model-config-complete")["explanation"] == (
        "model configuration lacks parameters"
    )


def test_a_review_that_began_before_the_output_existed(store: Store) -> None:
    # The run ended at 10:00:30; the review began at 10:00:10 and signed off at 10:50.
    # It looked before there was anything to see: no four eyes on the output, and no timely
    # review.
    early = {**review_of(1), "started_at": t("10:00:10")}
    profile = scored(store, *governed(review=early))
    assert verdicts(profile) == {
        **GOOD,
        "timestamps-consistent": False,
        "reviewer-distinct": False,
        "review-timely": False,
    }
    assert check(profile, "timestamps-consistent")["evidence"] == [iri("reviews/1")]
    assert check(profile, "reviewer-distinct")["explanation"] == (
        "the only review(s) are dated before the output was made"
    )
    # responsibility 2+3+2+2 of 12 -> 75.0; dependability 3+2+3 of 9 -> 88.9
    assert pillar_scores(profile)["responsibility"] == 75.0
    assert pillar_scores(profile)["dependability"] == 88.9


# --------------------------------------------------------------------------------------------
# Self-approval in another's name, blank reasons, early reviews, loops, re-approval
# --------------------------------------------------------------------------------------------


def test_an_approval_in_the_initiators_name_is_a_self_approval(store: Store) -> None:
    # Bo holds a delegation from Ana, the initiator, and approves her output on her behalf: the
    # decision is made in Ana's name, so four eyes did not look at it as an approver.
    ana = iri("people/ana")
    profile = scored(
        store,
        delegation("bo", "ana"),
        *governed(approval=approval_of(1, on_behalf_of=ana)),
    )
    failed = check(profile, "approver-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("approvals/1")])
    assert failed["explanation"] == (
        "approved by the initiator, in their name or by the model that made it"
    )


def test_blank_reasons_are_no_reasons(store: Store) -> None:
    # Spaces alone in an override's rationale, an approval-with-edits' rationale and a review's
    # comment say nothing.
    profile = scored(
        store,
        *governed(
            review=review_of(1, comment="   "),
            approval=approval_of(1, decision="approved-with-edits", rationale="  "),
            override=override_of(1, rationale=" "),
        ),
    )
    for name, evidence in (
        ("override-rationale", iri("overrides/1")),
        ("decision-rationale", iri("approvals/1")),
        ("review-explained", iri("reviews/1")),
    ):
        failed = check(profile, name)
        assert (name, failed["passed"], failed["evidence"]) == (name, False, [evidence])


def test_a_review_dated_before_the_output_was_made_is_not_a_review_of_it(store: Store) -> None:
    # The run ends at 10:00:30 (see run_record); cy's "review" is dated 09:00.
    profile = scored(store, *governed(review=review_of(1, at=t("09:00:00"))))
    distinct = check(profile, "reviewer-distinct")
    assert (distinct["passed"], distinct["evidence"]) == (False, [iri("reviews/1")])
    assert distinct["explanation"] == "the only review(s) are dated before the output was made"
    timely = check(profile, "review-timely")
    assert (timely["passed"], timely["explanation"]) == (
        False,
        "reviewed before the output was generated",
    )
    assert check(profile, "timestamps-consistent")["passed"] is False


def test_an_escalation_dated_before_the_run_began_is_inconsistent(store: Store) -> None:
    profile = scored(store, *governed(), escalation_of(1, at=t("09:00:00")))
    failed = check(profile, "timestamps-consistent")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("escalations/1")])


def test_a_run_that_began_before_its_input_was_made_is_inconsistent(store: Store) -> None:
    # Run 2 is dated 09:00-09:00:30 but takes run 1's output, made at 10:00:30.
    later = {
        **run_record(2, upstream=(iri("out/1-1"),)),
        "started_at": t("09:00:00"),
        "ended_at": t("09:00:30"),
    }
    put(store, *SHARED, *governed(1), later)
    failed = check(score(store, iri("runs/2")), "timestamps-consistent")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("out/1-1")])


@pytest.mark.parametrize(("approved_again", "passed"), [(True, True), (False, False)])
def test_the_last_decision_before_an_action_stands(
    store: Store, approved_again: bool, passed: bool
) -> None:
    # Approved at 11:00, rejected at 11:30, and (or not) approved again at 11:45; the action at
    # 12:00 names the last approval. As for template versions, the last decision before use
    # stands: a rejection withdraws an approval, a later approval restores it.
    again = approval_of(1, name="again", at=t("11:45:00")) if approved_again else None
    profile = scored(
        store,
        *governed(
            action=None,
            rejection=approval_of(1, name="no", decision="rejected", at=t("11:30:00")),
            again=again,
            acted=action_on(
                1, approval=iri("approvals/again" if approved_again else "approvals/1")
            ),
        ),
    )
    assert check(profile, "action-on-approved")["passed"] is passed


LOOPS = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  agent(t:people/ana, [prov:type='raidt:Person', prov:label="Ana"])
  activity(t:runs/x, 2026-01-01T10:00:00+00:00, 2026-01-01T10:00:30+00:00, [prov:type='raidt:Run'])
  activity(t:runs/y, 2026-01-01T10:00:00+00:00, 2026-01-01T10:00:30+00:00, [prov:type='raidt:Run'])
  activity(t:runs/z, 2026-01-01T10:00:00+00:00, 2026-01-01T10:00:30+00:00, [prov:type='raidt:Run'])
  entity(t:out/x, [prov:type='raidt:Output'])
  entity(t:out/y, [prov:type='raidt:Output'])
  entity(t:out/z, [prov:type='raidt:Output'])
  wasGeneratedBy(t:out/x, t:runs/x, 2026-01-01T10:00:30+00:00)
  wasGeneratedBy(t:out/y, t:runs/y, 2026-01-01T10:00:30+00:00)
  wasGeneratedBy(t:out/z, t:runs/z, 2026-01-01T10:00:30+00:00)
  used(t:runs/x, t:out/y, -, [prov:role='raidt:input'])
  used(t:runs/y, t:out/x, -, [prov:role='raidt:input'])
  used(t:runs/z, t:out/z, -, [prov:role='raidt:input'])
endDocument
"""


def test_a_lineage_that_loops_back_to_the_run_is_not_traceable(store: Store) -> None:
    # x and y each used the other's output; z used its own. Bad input, but it can be imported.
    import_document(LOOPS, FORMATS["provn"], store, source="loops.provn")
    for run, loop in (("x", ["y"]), ("y", ["x"]), ("z", ["z"])):
        failed = check(score(store, iri(f"runs/{run}")), "upstream-traceable")
        assert (run, failed["passed"], failed["evidence"]) == (
            run,
            False,
            [iri(f"runs/{r}") for r in loop],
        )
        assert failed["explanation"] == "the lineage loops back to this run"


def test_upstream_traceability_does_not_apply_when_the_rubric_scores_none(
    store: Store, tmp_path: Path
) -> None:
    # upstream-traceable under auditability, and traceability weighs only override-rationale,
    # which has nothing to judge in run 0: there is no traceability score to hold earlier runs
    # to, so the check does not apply.
    path = tmp_path / "no-traceability.toml"
    path.write_text(
        'name = "no-traceability"\ntitle = "No traceability"\n'
        '[[checks]]\nid = "upstream-traceable"\npillar = "auditability"\nweight = 1\n'
        '[[checks]]\nid = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
        '[[checks]]\nid = "override-rationale"\npillar = "traceability"\nweight = 1\n'
        '[[checks]]\nid = "escalations-resolved"\npillar = "interpretability"\nweight = 1\n'
        '[[checks]]\nid = "decision-rationale"\npillar = "dependability"\nweight = 1\n'
    )
    put(store, *SHARED, *governed(0), *governed(run=run_record(1, upstream=(iri("out/0-1"),))))
    judged = check(score(store, RUN1, rubric=str(path)), "upstream-traceable")
    assert (judged["passed"], judged["explanation"]) == (
        None,
        "the rubric scores no traceability to judge earlier runs by",
    )


def test_an_override_counts_for_the_run_whose_output_it_overrode(store: Store) -> None:
    # Override 2 was raised from run 2 (workflow wb) but overrode run 3's output (workflow wc),
    # as override 3 did: wc has two overrides, wb none.
    from_elsewhere = {**override_of(2, by="ox", rationale="x"), "target": iri("out/3-1")}
    put(
        store,
        *SHARED,
        *governed(2, run=run_record(2, workflow="wb")),
        *governed(3, run=run_record(3, workflow="wc")),
        override_of(3, by="ov", rationale="y"),
        from_elsewhere,
    )
    repeated = weak_points(store)["weak_points"]["repeated-overrides"]
    assert repeated["repeated"] == [
        {
            "by": "workflow",
            "who": "wc",
            "overrides": [iri("overrides/2"), iri("overrides/3")],
            "runs": [iri("runs/3")],
        }
    ]


def test_a_shipped_name_means_the_shipped_rubric_whatever_lies_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file called `general` where the command runs (or the service starts) stood in for the
    # shipped rubric, the default included; `./general` still reaches such a file, and refuses
    # it, since it takes the shipped rubric's name.
    fake = (files("queries") / "rubrics" / "general.toml").read_text().replace("= 80", "= 61")
    (tmp_path / "general").write_text(fake)
    (tmp_path / "healthcare").mkdir()
    monkeypatch.chdir(tmp_path)
    for name in (None, "general"):
        assert load_rubric(name) == load_rubric(str(files("queries") / "rubrics" / "general.toml"))
    assert load_rubric("healthcare").name == "healthcare"
    with pytest.raises(InvalidRecord, match="give it a name of its own"):
        load_rubric("./general")


SHIPPED = files("queries") / "rubrics"


def test_a_rubric_file_taking_a_shipped_name_but_differing_is_refused(tmp_path: Path) -> None:
    # a lenient copy of general under its name: its score would pass for general's
    source = (SHIPPED / "general.toml").read_text()
    lenient = tmp_path / "lenient.toml"
    lenient.write_text(source.replace("strong = 80", "strong = 61"))
    with pytest.raises(InvalidRecord) as caught:
        load_rubric(str(lenient))
    assert str(caught.value) == (
        f"{lenient}: the rubric is named 'general' but is not the shipped rubric of that name: "
        "give it a name of its own"
    )
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(lenient.read_text().replace('name = "general"', 'name = "lenient"'))
    assert load_rubric(str(renamed)).name == "lenient"


@pytest.mark.parametrize(
    ("shipped", "written", "how"),
    [
        ("general", "general ", "written otherwise"),
        ("general", "\\tGeneral", "written otherwise"),
        ("healthcare", "health\\u200bcare", "written otherwise"),
        ("general", "gen\\u00aderal", "written otherwise"),
        ("general", "\\uff47eneral", "written otherwise"),
        ("healthcare", "HEALTHCARE", "in another case"),
    ],
    ids=[
        "trailing-space",
        "tab-and-capital",
        "zero-width-space",
        "soft-hyphen",
        "fullwidth",
        "caps",
    ],
)
def test_a_rubric_named_what_reads_as_a_shipped_name_is_refused(
    tmp_path: Path, shipped: str, written: str, how: str
) -> None:
    # A copy under a name that shows, or reads, as the shipped one: spaces, tabs, zero-width
    # spaces and soft hyphens show nothing, a fullwidth g is a g. Any rubric so named but the
    # shipped one itself is refused (the name differs, so this copy is not the shipped rubric).
    source = (SHIPPED / f"{shipped}.toml").read_text()
    lenient = tmp_path / "lenient.toml"
    lenient.write_text(source.replace(f'name = "{shipped}"', f'name = "{written}"'))
    with pytest.raises(InvalidRecord) as caught:
        load_rubric(str(lenient))
    named = tomllib.loads(lenient.read_text())["name"]
    assert str(caught.value) == (
        f"{lenient}: the rubric is named {named!r} but is not the shipped rubric {shipped!r} "
        f"{how}: give it a name of its own"
    )


def test_a_copy_of_a_shipped_rubric_is_that_rubric(tmp_path: Path) -> None:
    # the same rubric written otherwise (comments dropped, numbers as decimals) is no impostor
    source = (SHIPPED / "healthcare.toml").read_text()
    copy = tmp_path / "copy.toml"
    plain = "\n".join(line.split("#")[0].rstrip() for line in source.splitlines())
    copy.write_text(plain.replace("strong = 90", "strong = 90.0"))
    assert load_rubric(str(copy)) == load_rubric("healthcare")


def test_a_score_names_its_rubric_by_sha256(store: Store, tmp_path: Path) -> None:
    general = load_rubric("general")
    profile = scored(store, *governed())
    assert profile["rubric_sha256"] == hashlib.sha256(general.canonical()).hexdigest()
    lenient = general.model_copy(update={"ratings": {"strong": 1.0, "adequate": 0.5}})
    assert score(store, RUN1, rubric=lenient)["rubric_sha256"] != profile["rubric_sha256"]


@pytest.mark.parametrize("claim", [True, False], ids=["for-lu", "no-claim"])
def test_approver_authority_needs_the_chain_valid_all_the_way_up(store: Store, claim: bool) -> None:
    # bo -> lu holds; lu's own delegation from the organisation expired before the approval.
    # bo's authority comes from lu's, which had lapsed: a valid first link is not enough.
    lapsed = delegation("lu", "org", scope=("*",), valid_to="2025-12-31T00:00:00+00:00")
    approval = approval_of(1, on_behalf_of=LU if claim else None)
    profile = scored(store, lapsed, *governed(approval=approval))
    failed = check(profile, "approver-authority")
    assert failed["passed"] is False
    assert failed["explanation"] == (
        f"delegation {iri('delegations/lu-for-org')} expired 2025-12-31T00:00:00+00:00, before "
        "2026-01-01T11:00:00+00:00"
    )
    # renewed, the same chain is authority all the way up
    renewed = SQLiteStore(":memory:")
    again = scored(renewed, delegation("lu", "org", scope=("*",)), *governed(approval=approval))
    assert check(again, "approver-authority")["passed"] is True


def test_the_model_is_not_a_second_pair_of_eyes(store: Store) -> None:
    # The only review is by the run's own model agent: it acts for the initiator.
    record = run_record(1)
    record["model"] = {**record["model"], "agent": iri("agents/writer")}
    review = review_of(1)
    review["reviewer"] = {"id": iri("agents/writer"), "kind": "software"}
    profile = scored(store, *governed(run=record, review=review))
    failed = check(profile, "reviewer-distinct")
    assert failed["passed"] is False
    assert failed["explanation"] == ONLY_OTHERS


def test_an_escalation_is_resolved_by_a_decision_on_what_it_was_about(store: Store) -> None:
    # Two outputs; cy escalates out/1-2 at 10:45; the only later decision is on out/1-1.
    escalated = {**escalation_of(1, at=t("10:45:00")), "target": iri("out/1-2")}
    profile = scored(store, *governed(run=run_record(1, outputs=2), escalation=escalated))
    failed = check(profile, "escalations-resolved")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("escalations/1")])
    decided = approval_of(1, target=iri("out/1-2"), name="1-2", at=t("11:10:00"))
    put(store, decided)
    assert check(score(store, RUN1), "escalations-resolved")["passed"] is True


def test_a_second_look_days_later_does_not_make_a_timely_review_late(store: Store) -> None:
    again = {**review_of(1, at=t("09:00:00", "2026-01-05")), "id": iri("reviews/1-again")}
    profile = scored(store, *governed(again=again))
    assert check(profile, "review-timely")["passed"] is True


@pytest.mark.parametrize(
    "above",
    [
        [("lu", "p1"), *((f"p{i}", f"p{i + 1}") for i in range(1, 11))],
        [("lu", "p1"), ("p1", "p2"), ("p2", "lu")],
    ],
    ids=["past-the-limit", "loop"],
)
def test_approver_authority_names_a_chain_that_never_reaches_the_top(
    store: Store, above: list[tuple[str, str]]
) -> None:
    # Every delegation above bo is valid, but none reaches someone who stands under no one
    # within the limit: the chain runs on past it, or loops back. That is not "no delegation".
    chain = [delegation(d, r, scope=("*",)) for d, r in above]
    failed = check(scored(store, *chain, *governed()), "approver-authority")
    assert failed["passed"] is False
    assert failed["explanation"] == (
        f"no chain of valid delegations from {iri('people/bo')} reaches someone who stands "
        "under no one within 10 links (the delegations loop, or go on further)"
    )


# Two events at the same instant, and defaults a rubric may leave out: each comparison and each
# default below is pinned at its boundary.


def test_a_review_at_the_instant_the_run_ended_is_after_the_output(store: Store) -> None:
    profile = scored(store, *governed(review=review_of(1, at=t("10:00:30"))))
    assert check(profile, "reviewer-distinct")["passed"] is True
    assert check(profile, "review-timely")["passed"] is True


def test_an_action_at_the_instant_of_its_approval_acted_on_an_approved_output(
    store: Store,
) -> None:
    profile = scored(store, *governed(action=action_on(1, at=t("11:00:00"))))
    assert check(profile, "action-on-approved")["passed"] is True


def test_a_decision_at_the_instant_of_an_escalation_resolves_it(store: Store) -> None:
    profile = scored(store, *governed(escalation=escalation_of(1, at=t("11:00:00"))))
    assert check(profile, "escalations-resolved")["passed"] is True


def test_an_escalation_while_the_run_went_on_is_in_time(store: Store) -> None:
    profile = scored(store, *governed(escalation=escalation_of(1, at=t("10:00:15"))))
    assert check(profile, "timestamps-consistent")["passed"] is True


def test_a_run_may_start_the_instant_its_input_was_made(store: Store) -> None:
    upstream = run_record(1, upstream=(iri("out/0-1"),))
    upstream["started_at"] = t("10:00:30")  # run 0 made out/0-1 at 10:00:30
    upstream["ended_at"] = t("10:01:00")
    profile = scored(store, run_record(0), *governed(run=upstream))
    assert check(profile, "timestamps-consistent")["passed"] is True


def test_an_upstream_run_scoring_exactly_the_floor_is_traceable_enough(store: Store) -> None:
    # Run 0 fails inputs-located alone: traceability 3 of 4, 75.0, the floor set here.
    general = load_rubric()
    rubric = general.model_copy(
        update={"params": general.params.model_copy(update={"upstream_traceability": 75.0})}
    )
    records = (
        run_record(0, located=False),
        *governed(run=run_record(1, upstream=(iri("out/0-1"),))),
    )
    profile = scored(store, *records, rubric=rubric)
    assert check(profile, "upstream-traceable")["passed"] is True


def test_the_model_approving_its_own_output_is_no_second_pair_of_eyes(store: Store) -> None:
    record = run_record(1)
    record["model"] = {**record["model"], "agent": iri("agents/writer")}
    approval = approval_of(1, on_behalf_of=None)
    approval["approver"] = {"id": iri("agents/writer"), "kind": "software"}
    profile = scored(store, *governed(run=record, approval=approval))
    assert check(profile, "approver-distinct")["passed"] is False


def test_a_decision_on_a_revision_of_a_revision_decides_on_the_output(store: Store) -> None:
    # cy revised out/1-1 into rev1 (10:50); kim revised rev1 into rev2 (10:55); bo approved rev2.
    second = {
        **review_of(1, by="kim", at=t("10:55:00"), revision=iri("rev2")),
        "id": iri("reviews/1b"),
        "target": iri("rev1"),
    }
    profile = scored(
        store,
        *governed(
            review=review_of(1, revision=iri("rev1")),
            approval=None,
            action=None,
            second=second,
            approved=approval_of(1, target=iri("rev2")),
            acted=action_on(1, target=iri("rev2")),
        ),
    )
    assert check(profile, "decision-recorded")["passed"] is True


def test_a_rubric_without_params_gives_a_review_72_hours(store: Store, tmp_path: Path) -> None:
    rubric = tmp_path / "r.toml"
    rubric.write_text(
        'name = "x"\ntitle = "x"\n[[checks]]\nid = "review-timely"\npillar = "dependability"\n'
        'weight = 1\n[[checks]]\nid = "initiator-named"\npillar = "responsibility"\nweight = 1\n'
        f"{OTHER_PILLARS}"
    )
    late = review_of(1, at=t("22:00:30", "2026-01-03"))  # 60 hours after the output was made
    profile = scored(store, *governed(review=late), rubric=str(rubric))
    assert check(profile, "review-timely")["passed"] is True


def test_weak_points_as_of_count_only_the_runs_recorded_by_then(store: Store) -> None:
    put(store, *SHARED, *governed())
    cut = store.record(iri("actions/1"))
    assert cut is not None
    time.sleep(0.01)  # the next transaction's stamp is later
    put(store, *governed(2))
    assert weak_points(store, as_of=cut.recorded_at)["runs"] == 1
    assert weak_points(store)["runs"] == 2


@pytest.mark.parametrize("refusal", ["0-no", "z-no"], ids=["named-first", "named-last"])
def test_of_an_approval_and_a_rejection_at_one_instant_the_rejection_holds(
    store: Store, refusal: str
) -> None:
    # Which came last cannot be told from the time; the refusal holds, whatever the ids.
    rejected = approval_of(1, decision="rejected", name=refusal, on_behalf_of=None)
    profile = scored(store, *governed(rejection=rejected))
    assert check(profile, "action-on-approved")["passed"] is False


@pytest.mark.parametrize("refusal", ["a-no", "z-no"], ids=["named-first", "named-last"])
def test_a_template_approved_and_rejected_at_one_instant_stood_rejected(
    store: Store, refusal: str
) -> None:
    rejected = template_approval(decision="rejected", name=refusal)
    profile = scored(store, *governed(rejection=rejected))
    failed = check(profile, "template-approved")
    assert failed["passed"] is False
    assert failed["explanation"] == "template version rejected before use"
    assert failed["evidence"] == [iri(f"approvals/{refusal}")]


def test_an_invalidation_of_no_recorded_time_withdraws_the_approval(store: Store) -> None:
    # A PROV document says out/1-1 was invalidated, and not when: whether before the action or
    # after cannot be told, so the output does not count as approved when it was used.
    put(store, *SHARED, *governed())
    document = """document
  prefix t <https://test.example/>
  activity(t:activities/recall)
  wasInvalidatedBy(t:out/1-1, t:activities/recall, -)
endDocument"""
    import_document(document, FORMATS["provn"], store, source="recall.provn")
    failed = check(score(store, RUN1), "action-on-approved")
    assert failed["passed"] is False
    assert failed["evidence"] == [iri("actions/1")]


def test_an_output_generated_and_attributed_but_not_derived_from_the_inputs_breaks_custody(
    store: Store,
) -> None:
    # out/1-3 is generated by the run and attributed to the model, yet derives from none of the
    # run's inputs: the chain of custody from input to output is broken there too.
    document = json.loads(_prov_json_run())
    document["entity"]["t:out/1-3"] = document["entity"]["t:out/1-2"]
    document["wasGeneratedBy"]["_:g3"] = {"prov:entity": "t:out/1-3", "prov:activity": "t:runs/1"}
    document["wasAttributedTo"]["_:a3"] = {"prov:entity": "t:out/1-3", "prov:agent": "t:models/m"}
    import_document(json.dumps(document), FORMATS["json"], store, source="run.json")
    failed = check(score(store, RUN1), "chain-of-custody")
    assert failed["evidence"] == [iri("out/1-2"), iri("out/1-3")]


# --------------------------------------------------------------------------------------------
# Four eyes that were not: authority from the initiator, revisions by their own writers,
# software reviewers, late independent reviews, superseded outputs, self-approved templates
# --------------------------------------------------------------------------------------------

REV = iri("out/1-1-rev")


def test_authority_that_comes_only_from_the_initiator_is_a_self_approval(store: Store) -> None:
    # Bo's only delegation is from Ana, the initiator, who stands under no one: whatever Bo
    # approves under it, he approves in her name, though he does not say so.
    profile = scored(
        store,
        delegation("bo", "ana"),
        template_version(),
        template_approval(),
        *governed(approval=approval_of(1, on_behalf_of=None)),
        shared=False,
    )
    failed = check(profile, "approver-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("approvals/1")])
    assert failed["explanation"] == "approved under authority that comes only from the initiator"
    assert check(profile, "approver-authority")["passed"] is True


def test_authority_through_the_initiator_further_up_is_a_self_approval(store: Store) -> None:
    # Bo approves for Lu, and Lu's own authority comes from Ana: the chain that makes Bo's
    # approval valid runs through the initiator.
    profile = scored(store, delegation("lu", "ana"), *governed())
    failed = check(profile, "approver-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("approvals/1")])
    assert check(profile, "approver-authority")["passed"] is True


def test_authority_that_also_comes_from_someone_else_is_no_self_approval(store: Store) -> None:
    # Bo holds delegations from Ana and from Lu (who stands under no one): his authority does
    # not depend on the initiator.
    profile = scored(
        store, delegation("bo", "ana"), *governed(approval=approval_of(1, on_behalf_of=None))
    )
    assert check(profile, "approver-distinct")["passed"] is True


def test_whoever_wrote_a_revision_does_not_approve_it(store: Store) -> None:
    # Bo reviews out/1-1 and revises it; then Bo approves his own revision, and Di acts on it.
    profile = scored(
        store,
        *governed(
            review=review_of(1, by="bo", revision=REV),
            approval=approval_of(1, target=REV),
            action=action_on(1, target=REV),
        ),
    )
    failed = check(profile, "approver-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("approvals/1")])
    assert (
        failed["explanation"] == "approved by whoever wrote the version approved, or one it revises"
    )
    # Bo is not the initiator: his review is a second pair of eyes on Ana's output.
    assert check(profile, "reviewer-distinct")["passed"] is True


def test_a_revision_the_initiator_wrote_needs_a_review_of_its_own(store: Store) -> None:
    # Cy reviews out/1-1 at 10:50; at 10:55 Ana revises it herself, and the revision is what Bo
    # approves and Di acts on. No one but Ana has read the text that was used.
    rewrite = {
        **review_of(1, by="ana", at=t("10:55:00"), revision=REV),
        "id": iri("reviews/1-ana"),
    }
    records = [
        *governed(approval=None, action=None, rewrite=rewrite),
        approval_of(1, target=REV),
        action_on(1, target=REV),
    ]
    profile = scored(store, *records)
    failed = check(profile, "reviewer-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [REV])
    assert failed["explanation"] == (
        "output(s), or the initiator's own revision(s), no one but the initiator reviewed"
    )
    # Cy then reads the revision too: four eyes again.
    second = {**review_of(1, at=t("10:58:00")), "id": iri("reviews/1-again"), "target": REV}
    put(store, second)
    assert check(score(store, RUN1), "reviewer-distinct")["passed"] is True


def test_software_is_no_second_pair_of_eyes(store: Store) -> None:
    # The only review is by another model, not the one that made the output.
    review = review_of(1)
    review["reviewer"] = {"id": iri("agents/checker"), "name": "Checker v2", "kind": "software"}
    profile = scored(store, *governed(review=review))
    failed = check(profile, "reviewer-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("reviews/1")])
    assert failed["explanation"] == ONLY_OTHERS


def test_the_initiators_quick_look_does_not_make_a_late_review_timely(store: Store) -> None:
    # Ana looks at her own output at 10:10; Cy's review, the first independent one, comes ten
    # days later, past the 72 h window.
    own = {**review_of(1, by="ana", at=t("10:10:00")), "id": iri("reviews/1-ana")}
    late = review_of(1, at=t("10:50:00", "2026-01-11"))
    approval = approval_of(1, at=t("11:00:00", "2026-01-11"))
    action = action_on(1, at=t("12:00:00", "2026-01-11"))
    profile = scored(store, *governed(own=own, review=late, approval=approval, action=action))
    failed = check(profile, "review-timely")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("reviews/1")])
    assert failed["explanation"] == "reviewed more than 72 h after generation"


def test_an_action_on_an_output_already_corrected_is_not_on_an_approved_one(
    store: Store,
) -> None:
    # Bo approves out/1-1 at 11:00; at 11:30 Cy corrects it into a revision; at 12:00 Di still
    # acts on the original.
    correction = {
        **review_of(1, at=t("11:30:00"), comment="dose was wrong; corrected", revision=REV),
        "id": iri("reviews/1-fix"),
    }
    profile = scored(store, *governed(correction=correction))
    failed = check(profile, "action-on-approved")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("actions/1")])
    assert failed["explanation"] == "action(s) on an output already revised when they acted"
    # A correction after the action came too late to be passed over.
    renewed = SQLiteStore(":memory:")
    later = {**correction, "at": t("12:30:00")}
    assert check(scored(renewed, *governed(correction=later)), "action-on-approved")["passed"]


def test_a_template_approved_only_by_the_runs_initiator_is_not_approved(store: Store) -> None:
    own = {**template_approval(), "approver": person("ana", "ward doctor")}
    profile = scored(store, delegation(), template_version(), own, *governed(), shared=False)
    failed = check(profile, "template-approved")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("approvals/tpl-v1")])
    assert failed["explanation"] == "template version approved only by the run's initiator"


@pytest.mark.parametrize("location", ["n/a", " ", "ehr/docs/1"])
def test_a_location_that_is_not_an_iri_locates_nothing(store: Store, location: str) -> None:
    record = run_record(1)
    record["inputs"][0]["uri"] = location
    profile = scored(store, *governed(run=record))
    failed = check(profile, "inputs-located")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("docs/1")])


def test_evidence_recorded_after_the_run_and_dated_back_does_not_count(store: Store) -> None:
    # The run, its review, approval and action are recorded first, with no delegation for Bo and
    # no approval of the template. Then both are written up, dated months before the run: as
    # of now they look in order, but the store shows they came after.
    put(store, template_version(), *governed())
    time.sleep(0.01)
    put(store, delegation(), template_approval())
    profile = score(store, RUN1)
    template = check(profile, "template-approved")
    assert (template["passed"], template["evidence"]) == (False, [iri("approvals/tpl-v1")])
    assert template["explanation"] == (
        "template version approved in a record written after the run, dated before it"
    )
    authority = check(profile, "approver-authority")
    assert (authority["passed"], authority["evidence"]) == (False, [iri("approvals/1")])
    assert "was recorded" in authority["explanation"]
    assert "after the decision it would authorise" in authority["explanation"]
    # Written in the same transaction as the run (a history loaded at once), they count.
    renewed = SQLiteStore(":memory:")
    at_once = scored(renewed, *governed())
    assert verdicts(at_once) == GOOD


def test_an_initiators_rewrite_by_any_activity_needs_a_review_of_its_own(store: Store) -> None:
    # Cy reviews out/1-1; then a PROV document says Ana, the initiator, edited it into rev/1 in
    # an activity that is no review; Bo approves rev/1 and Di acts on it. Ana wrote the text
    # used, by its attribution, and no one else read it.
    put(store, *SHARED, *governed(approval=None, action=None))
    edit = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:edits/1, 2026-01-01T10:55:00Z, 2026-01-01T10:56:00Z)
  wasAssociatedWith(t:edits/1, t:people/ana, -)
  used(t:edits/1, t:out/1-1, -)
  entity(t:rev/1, [prov:type='raidt:Output', raidt:contentHash="sha256:%s"])
  wasGeneratedBy(t:rev/1, t:edits/1, 2026-01-01T10:56:00Z)
  wasDerivedFrom(t:rev/1, t:out/1-1, -, -, -, [prov:type='prov:Revision'])
  wasAttributedTo(t:rev/1, t:people/ana)
endDocument""" % ("1" * 64)
    import_document(edit, FORMATS["provn"], store, source="edit.provn")
    put(store, approval_of(1, target=iri("rev/1")), action_on(1, target=iri("rev/1")))
    failed = check(score(store, RUN1), "reviewer-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("rev/1")])


def test_a_rejected_revision_supersedes_nothing_and_an_unused_draft_needs_no_review(
    store: Store,
) -> None:
    # Cy proposes rev at 10:50, Bo rejects it at 10:55 and approves the original at 11:00, which
    # Di acts on; Ana's own draft revision at 10:58 is used by no one.
    rejected = approval_of(1, target=REV, decision="rejected", at=t("10:55:00"), name="rev")
    draft = {
        **review_of(1, by="ana", at=t("10:58:00"), revision=iri("out/1-1-draft")),
        "id": iri("reviews/1-ana"),
    }
    profile = scored(
        store,
        *governed(review=review_of(1, revision=REV), rejected=rejected, draft=draft),
    )
    assert check(profile, "action-on-approved")["passed"] is True
    assert check(profile, "reviewer-distinct")["passed"] is True


DRAFT = iri("out/1-1-draft")


def _own_draft_no_one_used(store: Store) -> None:
    """Cy reviews out/1-1 at 10:50; Ana's own revision of it, made at 10:00:50, is no one's
    decision; an override of it takes nothing on from it."""
    rewrite = {
        **review_of(1, by="ana", at=t("10:00:50"), revision=DRAFT),
        "id": iri("reviews/1-ana"),
    }
    profile = scored(store, *governed(rewrite=rewrite))
    assert check(profile, "reviewer-distinct")["passed"] is True  # a draft no one used
    put(store, {**override_of(1, rationale="kept the original"), "target": DRAFT})
    assert check(score(store, RUN1), "reviewer-distinct")["passed"] is True


def test_a_revision_the_initiator_wrote_that_a_later_run_took_needs_a_review_of_its_own(
    store: Store,
) -> None:
    # run 2 takes the draft as input at 10:01: no one but Ana read what went on
    _own_draft_no_one_used(store)
    put(store, run_record(2, upstream=(DRAFT,)))
    failed = check(score(store, RUN1), "reviewer-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [DRAFT])


def test_a_revision_the_initiator_wrote_that_any_other_activity_took_on_needs_one_too(
    store: Store,
) -> None:
    # a publication a PROV document records, which is no run
    _own_draft_no_one_used(store)
    document = f"""document
  prefix t <{iri("")}>
  activity(t:publish/1, 2026-01-01T10:02:00Z, 2026-01-01T10:02:00Z)
  used(t:publish/1, t:out/1-1-draft, -)
endDocument"""
    import_document(document, FORMATS["provn"], store, source="publish.provn")
    failed = check(score(store, RUN1), "reviewer-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [DRAFT])


def test_a_late_review_by_the_initiator_alone_is_late(store: Store) -> None:
    # Her only review comes eight days on: with no independent review, hers is what is timed.
    late = review_of(1, by="ana", at=t("10:50:00", "2026-01-09"))
    approval = approval_of(1, at=t("11:00:00", "2026-01-09"))
    action = action_on(1, at=t("12:00:00", "2026-01-09"))
    profile = scored(store, *governed(review=late, approval=approval, action=action))
    assert check(profile, "review-timely")["passed"] is False


def test_evidence_written_up_later_in_a_document_does_not_count_either(store: Store) -> None:
    # As above, but the delegation and the template approval come in a PROV document, whose
    # record has an id of its own: when they were written is that record's time.
    put(store, template_version(), *governed())
    time.sleep(0.01)
    document = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  actedOnBehalfOf(t:delegations/late; t:people/bo, t:people/lu, -,
    [raidt:scope="discharge summary", raidt:validFrom="2025-01-01T00:00:00+00:00" %% xsd:dateTime])
  activity(t:approvals/tpl-late, 2025-12-15T09:00:00Z, -,
    [prov:type='raidt:Approval', raidt:decision="approved"])
  used(t:approvals/tpl-late, t:tpl/v1, -)
  wasAssociatedWith(t:approvals/tpl-late, t:people/sam, -, [prov:role='raidt:approver'])
endDocument"""
    import_document(document, FORMATS["provn"], store, source="late.provn")
    profile = score(store, RUN1)
    assert check(profile, "approver-authority")["passed"] is False
    template = check(profile, "template-approved")
    assert (template["passed"], template["evidence"]) == (False, [iri("approvals/tpl-late")])


def test_a_correction_that_stood_two_revisions_on_supersedes_the_original(store: Store) -> None:
    # Cy's revision r1 (10:50) is rejected at 10:53; Kim revises r1 into r2 at 10:52, approved
    # at 10:54. Bo then approves the original at 11:00 and Di acts on it: r2 had superseded it.
    r1, r2 = iri("out/1-1-r1"), iri("out/1-1-r2")
    second = {
        **review_of(1, by="kim", at=t("10:52:00"), revision=r2),
        "id": iri("reviews/1-kim"),
        "target": r1,
    }
    profile = scored(
        store,
        *governed(
            review=review_of(1, revision=r1),
            second=second,
            rejected=approval_of(1, target=r1, decision="rejected", at=t("10:53:00"), name="r1"),
            kept=approval_of(1, target=r2, at=t("10:54:00"), name="r2"),
        ),
    )
    failed = check(profile, "action-on-approved")
    assert (failed["passed"], failed["explanation"]) == (
        False,
        "action(s) on an output already revised when they acted",
    )


def test_a_template_approval_dated_after_the_run_is_late_however_it_was_recorded(
    store: Store,
) -> None:
    put(store, template_version(), *governed())
    time.sleep(0.01)
    put(store, delegation(), template_approval(at=t("13:00:00")))
    template = check(score(store, RUN1), "template-approved")
    assert template["explanation"] == "template version approved only after use, or rejected"


def test_anyone_with_a_delegation_above_them_is_not_the_top(store: Store) -> None:
    # Authority flows down delegations from whoever stands under no one at all. Lu covers for
    # Bo on radiology reports: that shows Lu is not the root of authority, and with nothing else
    # above Lu, Bo's approval for Lu rests on nothing. Recording Lu's own standing under the
    # organisation, when the rest is, makes it valid.
    cover = delegation("lu", "bo", scope=("radiology report",))
    assert check(scored(store, cover, *governed()), "approver-authority")["passed"] is False
    renewed = SQLiteStore(":memory:")
    standing = delegation("lu", "org", scope=("*",))
    assert check(scored(renewed, cover, standing, *governed()), "approver-authority")["passed"]


def test_a_delegation_written_up_above_the_top_later_takes_nothing_away(store: Store) -> None:
    # Bo's approval for Lu, who stood under no one as the records then showed, was valid; a
    # delegation of Lu's to a chief, recorded afterwards, does not make it invalid after the fact.
    put(store, *SHARED, *governed())
    time.sleep(0.01)
    put(store, delegation("lu", "chief", valid_from="2025-06-01T00:00:00+00:00"))
    assert check(score(store, RUN1), "approver-authority")["passed"] is True


ONLY_OTHERS = (
    "the only reviewers are the initiator, the model, or agents not stated to be people "
    "(software, an organisation, or of no stated kind)"
)


def test_an_organisation_is_no_second_pair_of_eyes(store: Store) -> None:
    # The only review is by the review board, an organisation: four eyes need a person.
    # responsibility: 2 + 3 + 2 + 2 of 12 (reviewer-distinct fails) -> 75.0; the board's review
    # at 10:50 is still the first, so review-timely holds.
    review = review_of(1)
    review["reviewer"] = {"id": iri("org/board"), "name": "Review board", "kind": "organization"}
    profile = scored(store, *governed(review=review))
    assert verdicts(profile) == {**GOOD, "reviewer-distinct": False}
    failed = check(profile, "reviewer-distinct")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("reviews/1")])
    assert profile["pillars"]["responsibility"]["score"] == 75.0
    assert weak_points(store)["weak_points"]["runs-without-reviewer"]["runs"] == [RUN1]


def test_an_agent_of_no_stated_kind_is_no_second_pair_of_eyes_and_is_told_so(
    store: Store,
) -> None:
    # A PROV document brings a review by zoe, an agent it gives no type: nothing says a person
    # looked, and the explanation names that case rather than calling zoe software.
    put(store, *governed(review=None))
    review = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  agent(t:people/zoe)
  activity(t:reviews/z1, 2026-01-01T10:50:00Z, 2026-01-01T10:50:00Z, [prov:type='raidt:Review'])
  used(t:reviews/z1, t:out/1-1, 2026-01-01T10:50:00Z, [prov:role='raidt:subject'])
  wasAssociatedWith(t:reviews/z1, t:people/zoe, -, [prov:role='raidt:reviewer'])
endDocument"""
    import_document(review, FORMATS["provn"], store, source="review.provn")
    failed = check(score(store, RUN1), "reviewer-distinct")
    assert (failed["passed"], failed["explanation"]) == (False, ONLY_OTHERS)
    assert failed["evidence"] == [iri("reviews/z1")]


@pytest.mark.parametrize(
    ("override_at", "escalated_at", "wrong"),
    [
        (t("10:55:00"), t("10:40:00"), [iri("escalations/1"), iri("overrides/1")]),
        (t("11:05:00"), t("10:55:00"), []),
    ],
    ids=["before-their-triggers", "after-them"],
)
def test_an_event_dated_before_what_triggered_it_is_inconsistent(
    store: Store, override_at: str, escalated_at: str, wrong: list[str]
) -> None:
    # Bo approves at 11:00 and Cy reviews at 10:50 (both after the run began at 10:00). An
    # override of the approval dated 10:55, and an escalation the review raised dated 10:40,
    # answer what had not yet happened: auditability 2 + 2 + 2 + 2 of 9 -> 88.9. Dated 11:05 and
    # 10:55, they are in order. The override says why; the approval resolves the escalation.
    override = {**override_of(1, rationale="urgent", at=override_at), "trigger": iri("approvals/1")}
    escalation = escalation_of(1, at=escalated_at, trigger=iri("reviews/1"))
    profile = scored(store, *governed(override=override, escalation=escalation))
    expected = {**GOOD, "override-rationale": True, "escalations-resolved": True}
    assert verdicts(profile) == {**expected, "timestamps-consistent": not wrong}
    judged = check(profile, "timestamps-consistent")
    assert judged["evidence"] == (wrong or [RUN1])
    assert profile["pillars"]["auditability"]["score"] == (88.9 if wrong else 100.0)


@pytest.mark.parametrize(
    ("created", "inconsistent"),
    [
        ("2026-03-01T09:00:00+00:00", [iri("approvals/tpl-v1"), iri("tpl/v1")]),
        ("2025-12-20T09:00:00+00:00", [iri("approvals/tpl-v1")]),
    ],
    ids=["after-the-run", "after-its-approval"],
)
def test_a_template_version_is_approved_and_used_only_once_it_exists(
    store: Store, created: str, inconsistent: list[str]
) -> None:
    # Sam's approval of tpl/v1 is dated 2025-12-15 and the run 2026-01-01. Were the version
    # created on 2026-03-01, the approval and the run both came before it; on 2025-12-20, the
    # approval alone. An approval of what did not yet exist counts for nothing: the template
    # was never approved before use. Dependability: 2 + 3 + 1 of 9 -> 66.7; auditability:
    # 2 + 2 + 2 + 2 of 9 -> 88.9.
    version = {**template_version(), "created_at": created}
    profile = scored(store, delegation(), version, template_approval(), *governed(), shared=False)
    assert verdicts(profile) == {
        **GOOD,
        "template-approved": False,
        "timestamps-consistent": False,
    }
    template = check(profile, "template-approved")
    assert (template["evidence"], template["explanation"]) == (
        [iri("approvals/tpl-v1")],
        "template version decided on only before it was created",
    )
    assert check(profile, "timestamps-consistent")["evidence"] == inconsistent
    assert pillar_scores(profile) == {**ALL_100, "auditability": 88.9, "dependability": 66.7}
    assert weak_points(store)["weak_points"]["unapproved-templates-in-use"]["runs"] == [RUN1]


def test_an_approval_written_up_after_the_action_does_not_count_for_it(store: Store) -> None:
    # Bo approves at 11:00, Eve rejects at 11:30, Di acts at 12:00 on the first approval: all
    # recorded together. Later a re-approval dated 11:45 is written up. As the records stood
    # when the action was, the rejection was the last word: the action was on an invalidated
    # output, and the re-approval, not there then, does not clear it (a refusal would count
    # however late). Dependability: 3 + 2 + 1 of 9 -> 66.7, weak: the check is critical.
    rejection = approval_of(
        1, by="eve", decision="rejected", at=t("11:30:00"), on_behalf_of=None, name="no"
    )
    again = approval_of(1, at=t("11:45:00"), name="again")
    put(store, *SHARED, *governed(rejection=rejection))
    time.sleep(0.01)
    put(store, again)
    profile = score(store, RUN1)
    assert verdicts(profile) == {**GOOD, "decision-rationale": True, "action-on-approved": False}
    failed = check(profile, "action-on-approved")
    assert (failed["evidence"], failed["explanation"]) == (
        [iri("actions/1")],
        "action(s) on an output approved in a record written after theirs",
    )
    assert profile["pillars"]["dependability"] == {
        "score": 66.7,
        "rating": "weak",
        "checks": [
            "template-approved",
            "workflow-approved",
            "action-on-approved",
            "escalations-resolved",
            "review-timely",
        ],
    }
    weak = weak_points(store)["weak_points"]["actions-on-unapproved-outputs"]
    assert (weak["runs"], weak["evidence"]) == ([RUN1], [iri("actions/1")])
    # Written in the same transaction as the action (a history loaded at once), it counts.
    at_once = scored(SQLiteStore(":memory:"), *governed(rejection=rejection, again=again))
    assert check(at_once, "action-on-approved")["passed"] is True


DAY2 = "2026-01-02"


@pytest.mark.parametrize(
    ("decisions", "passed"),
    [
        ([approval_of(0, by="eve", decision="rejected", at=t("11:30:00"), name="0-no")], False),
        (
            [
                approval_of(0, by="eve", decision="rejected", at=t("11:30:00"), name="0-no"),
                approval_of(0, at=t("12:00:00"), name="0-again"),
            ],
            None,
        ),
        (
            [approval_of(0, by="eve", decision="rejected", at=t("11:30:00", DAY2), name="0-no")],
            None,
        ),
    ],
    ids=["rejected-before", "approved-again", "rejected-after"],
)
def test_a_run_may_not_take_an_output_invalidated_before_it_began(
    store: Store, decisions: list[dict[str, Any]], passed: bool | None
) -> None:
    # Run 0's output, approved at 11:00 on 1 January, is rejected at 11:30; run 1 takes it as
    # input the next day at 10:00, and nothing acts on run 1's output. It used an invalidated
    # output: action-on-approved fails on the input, though no action is there to judge, and
    # its dependability is 2 + 3 + 1 of 9 -> 66.7, weak. Approved again at 12:00, the output
    # stood; rejected only at 11:30 on the 2nd, it was valid when the run took it: then there
    # is nothing for the check to judge.
    later = {
        **run_record(1, upstream=(iri("out/0-1"),)),
        "started_at": t("10:00:00", DAY2),
        "ended_at": t("10:00:30", DAY2),
    }
    put(
        store,
        *SHARED,
        *governed(0, action=None),
        *decisions,
        later,
        review_of(1, at=t("10:50:00", DAY2)),
        approval_of(1, at=t("11:00:00", DAY2)),
    )
    profile = score(store, RUN1)
    no_action = {**GOOD, "actions-linked": None, "upstream-traceable": True}
    assert verdicts(profile) == {**no_action, "action-on-approved": passed}
    weak = weak_points(store)["weak_points"]["actions-on-unapproved-outputs"]
    if passed is None:
        assert (profile["critical_failed"], weak["runs"]) == ([], [])
        return
    failed = check(profile, "action-on-approved")
    assert (failed["evidence"], failed["explanation"]) == (
        [iri("out/0-1")],
        "input(s) invalidated before the run took them",
    )
    assert profile["pillars"]["dependability"]["score"] == 66.7
    assert profile["critical_failed"] == ["action-on-approved"]
    assert (weak["runs"], weak["evidence"]) == ([RUN1], [iri("out/0-1")])


def test_an_input_approved_again_only_in_a_later_record_stood_invalidated(store: Store) -> None:
    # As above, rejected before run 1 took it; the re-approval dated 12:00 that day is written
    # up after run 1 was recorded: it was not there when the run took the output.
    later = {
        **run_record(1, upstream=(iri("out/0-1"),)),
        "started_at": t("10:00:00", DAY2),
        "ended_at": t("10:00:30", DAY2),
    }
    rejection = approval_of(0, by="eve", decision="rejected", at=t("11:30:00"), name="0-no")
    put(store, *SHARED, *governed(0, action=None), rejection, later)
    time.sleep(0.01)
    put(store, approval_of(0, at=t("12:00:00"), name="0-again"))
    failed = check(score(store, RUN1), "action-on-approved")
    assert (failed["passed"], failed["evidence"]) == (False, [iri("out/0-1")])


def chained(n: int, *, start: datetime | None = None) -> dict[str, Any]:
    """Run ``n`` taking run ``n - 1``'s output, 30 s long, starting at ``start`` (by default
    10:0n, after that output was made)."""
    begun = start or datetime(2026, 1, 1, 10, n, tzinfo=UTC)
    return {
        **run_record(n, upstream=(iri(f"out/{n - 1}-1"),)),
        "started_at": begun.isoformat(),
        "ended_at": (begun + timedelta(seconds=30)).isoformat(),
    }


def test_a_traceability_failure_is_passed_all_the_way_down_the_lineage(store: Store) -> None:
    # Run 0's traceability is 3 of 6 -> 50.0 (input unlocated, action naming no approval),
    # below the floor of 60. Run 1 takes its output: upstream-traceable fails, 3 + 1 + 2 of 8
    # -> 75.0, above the floor, but run 1 is not traceable for what it rests on. Run 2 takes
    # run 1's output and run 3 run 2's: each fails on the run before it, and scores 75.0 too.
    put(
        store,
        *SHARED,
        run_record(0, located=False),
        action_on(0, approval=None),
        *(record for n in (1, 2, 3) for record in governed(n, run=chained(n))),
    )
    first = check(score(store, RUN1), "upstream-traceable")
    assert (first["evidence"], first["explanation"]) == (
        [iri("runs/0")],
        "earlier run(s) score below 60 on traceability",
    )
    for n in (2, 3):
        profile = score(store, iri(f"runs/{n}"))
        assert verdicts(profile) == {**GOOD, "upstream-traceable": False}
        failed = check(profile, "upstream-traceable")
        assert (failed["evidence"], failed["explanation"]) == (
            [iri(f"runs/{n - 1}")],
            "earlier run(s) whose own earlier runs are not traceable",
        )
        assert profile["pillars"]["traceability"]["score"] == 75.0


def test_a_long_lineage_is_judged_once_a_run_and_not_by_ever_deeper_calls(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 400 runs, each taking the output of the one before, a minute apart; run 0 fails the
    # floor (3 of 6 -> 50.0). The last run fails on run 398, whose lineage failed on 397's …
    # Each earlier run's facts are gathered once, however many runs down it lies.
    last = 399
    base = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    later = [chained(n, start=base + timedelta(minutes=n)) for n in range(1, last + 1)]
    put(store, *SHARED, run_record(0, located=False), action_on(0, approval=None), *later)
    gathered: list[str] = []

    def counted(store: Store, run_id: str, *args: Any) -> Any:
        gathered.append(run_id)
        return gather(store, run_id, *args)

    monkeypatch.setattr("queries.scores.gather", counted)
    failed = check(score(store, iri(f"runs/{last}")), "upstream-traceable")
    assert (failed["passed"], failed["evidence"]) == (False, [iri(f"runs/{last - 1}")])
    assert sorted(gathered) == sorted(iri(f"runs/{n}") for n in range(last + 1))


# --------------------------------------------------------------------------------------------
# Withdrawn approvals, and claims PROV states: as authority and trace read them
# --------------------------------------------------------------------------------------------


def withdraw(store: Store, *withdrawals: tuple[str, str]) -> None:
    """A PROV document withdrawing approvals: withdrawal ``wN`` invalidates the decision of the
    Nth (approval, time) pair given, at that time."""
    lines = [
        statement
        for number, (approval, when) in enumerate(withdrawals, start=1)
        for statement in (
            f"  activity(t:withdrawals/w{number}, {when}, {when})",
            f"  wasInvalidatedBy(t:{approval}/decision, t:withdrawals/w{number}, {when})",
        )
    ]
    document = "\n".join(["document", "  prefix t <https://test.example/>", *lines, "endDocument"])
    import_document(document, FORMATS["provn"], store, source="withdrawals.provn")


def withdrawn(approval: str, number: int, when: str) -> str:
    """How an explanation names an approval withdrawn by ``wN`` at ``when``."""
    return (
        f"{iri(approval)} was withdrawn: its decision {iri(approval)}/decision was invalidated "
        f"by {iri(f'withdrawals/w{number}')} at {when}"
    )


def test_an_approval_withdrawn_by_the_time_of_the_action_is_no_approval_for_it(
    store: Store,
) -> None:
    # Runs 1-3 as the well-governed run: Bo approves each output at 11:00 for Lu, and Di acts on
    # it at 12:00 naming the approval. A PROV document withdraws the approvals: run 1's at 11:30,
    # run 2's at 12:00 (the action's instant: withdrawn at it, as authority reads a withdrawal
    # then), run 3's at 13:00, after the action. Runs 1 and 2: the action rested on no standing
    # approval (action-on-approved, critical, fails; actions-linked too: the approval it names
    # was withdrawn), and the approval, withdrawn before anything rested on it, is not judged
    # for self-approval or authority; each explanation says what withdrew it and when, and the
    # evidence names the withdrawal. Run 3 stood approved when acted on: all as before.
    # Authority agrees: Bo's approval stands behind action 3 only.
    put(store, *SHARED, *governed(1), *governed(2), *governed(3))
    withdraw(
        store,
        ("approvals/1", "2026-01-01T11:30:00Z"),
        ("approvals/2", "2026-01-01T12:00:00Z"),
        ("approvals/3", "2026-01-01T13:00:00Z"),
    )
    for n, when in ((1, t("11:30:00")), (2, t("12:00:00"))):
        profile = score(store, iri(f"runs/{n}"))
        assert verdicts(profile) == {
            **GOOD,
            "approver-distinct": None,
            "approver-authority": None,
            "action-on-approved": False,
            "actions-linked": False,
        }
        why, by = withdrawn(f"approvals/{n}", n, when), iri(f"withdrawals/w{n}")
        unjudged = (
            f"no approving decision to judge (not judged: {why}, before any action rested on it)"
        )
        assert [
            (c["explanation"], c["evidence"])
            for c in profile["checks"]
            if c["id"] in {"approver-distinct", "approver-authority", "action-on-approved"}
        ] == [
            (unjudged, [by]),
            (unjudged, [by]),
            (
                f"action(s) on an output whose approval was withdrawn before they acted ({why})",
                [iri(f"actions/{n}"), by],
            ),
        ]
        linked = check(profile, "actions-linked")
        assert (linked["explanation"], linked["evidence"]) == (
            f"action(s) naming an approval withdrawn before they acted ({why})",
            [iri(f"actions/{n}"), by],
        )
    assert verdicts(score(store, iri("runs/3"))) == GOOD
    valid = [
        next(
            h["valid"]
            for h in authority(store, iri(f"actions/{n}"))["holders"]
            if h["basis"] == "approver"
        )
        for n in (1, 2, 3)
    ]
    assert valid == [False, False, True]
    weak = weak_points(store)["weak_points"]["actions-on-unapproved-outputs"]
    assert (weak["runs"], weak["evidence"]) == (
        [iri("runs/1"), iri("runs/2")],
        [iri(p) for p in ("actions/1", "actions/2", "withdrawals/w1", "withdrawals/w2")],
    )


def test_an_approval_withdrawn_only_after_an_action_rested_on_it_is_judged(store: Store) -> None:
    # Zoe, who holds no delegation, approves out/1-1 and out/2-1 at 11:00; Ana, run 3's and 4's
    # initiator, approves her own outputs. Each is acted on at 12:00. Run 1's and 3's approvals
    # are withdrawn at 11:30, before the action: no approval at all, so neither Zoe's authority
    # nor Ana's self-approval is judged, and the actions rested on none. Run 2's and 4's are
    # withdrawn at 13:00: the actions rested on them, so they are judged, and fail as before.
    approvals = {
        1: approval_of(1, by="zoe", on_behalf_of=None),
        2: approval_of(2, by="zoe", on_behalf_of=None),
        3: approval_of(3, by="ana", on_behalf_of=None),
        4: approval_of(4, by="ana", on_behalf_of=None),
    }
    put(store, *SHARED, *(r for n, a in approvals.items() for r in governed(n, approval=a)))
    before, after = "2026-01-01T11:30:00Z", "2026-01-01T13:00:00Z"
    withdraw(
        store,
        ("approvals/1", before),
        ("approvals/2", after),
        ("approvals/3", before),
        ("approvals/4", after),
    )
    authority_of = check(score(store, iri("runs/2")), "approver-authority")
    assert (authority_of["passed"], authority_of["explanation"]) == (
        False,
        f"{iri('people/zoe')} holds no delegation",
    )
    found = weak_points(store)["weak_points"]
    assert {name: found[name]["runs"] for name in found if name != "repeated-overrides"} == {
        "runs-without-reviewer": [],
        "self-approvals": [iri("runs/4")],
        "approvals-outside-delegation": [iri("runs/2"), iri("runs/4")],
        "unapproved-templates-in-use": [],
        "actions-on-unapproved-outputs": [iri("runs/1"), iri("runs/3")],
        "workflows-not-approved": [],
        "overrides-without-rationale": [],
    }


INFORMED = """document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:runs/8, 2026-01-01T10:00:00Z, 2026-01-01T10:00:00Z, [prov:type='raidt:Run'])
  activity(t:runs/9, 2026-01-01T11:00:00Z, 2026-01-01T11:00:00Z, [prov:type='raidt:Run'])
  entity(t:out/8-1, [prov:type='raidt:Output'])
  entity(t:out/9-1, [prov:type='raidt:Output'])
  wasGeneratedBy(t:out/8-1, t:runs/8, -)
  wasGeneratedBy(t:out/9-1, t:runs/9, -)
  wasInformedBy(t:runs/9, t:runs/8)
endDocument"""


def test_a_run_informed_by_another_has_it_upstream_as_trace_does(store: Store) -> None:
    # A PROV document says run 9 was informed by run 8 (it used something run 8 made): trace
    # of out/9-1 reaches run 8, and so does upstream-traceable, which judges run 8 by the floor.
    import_document(INFORMED, FORMATS["provn"], store, source="informed.provn")
    assert iri("runs/8") in [r["id"] for r in trace(store, iri("out/9-1"))["runs"]]
    judged = check(score(store, iri("runs/9")), "upstream-traceable")
    assert judged["passed"] is not None
    assert judged["evidence"] == [iri("runs/8")]


def test_a_self_approval_withdrawn_only_after_the_action_is_still_one(store: Store) -> None:
    # Ana, the initiator, approves her own output at 10:40 and Bo at 11:00; the action at 12:00
    # names Bo's. Ana's approval, withdrawn only at 13:00, stood behind the action too (authority
    # lists her), so it is judged: a self-approval, whatever happened to it after.
    own = {
        **approval_of(1, by="ana", on_behalf_of=None, at=t("10:40:00")),
        "id": iri("approvals/0"),
    }
    put(store, *SHARED, *governed(), own)
    withdraw(store, ("approvals/0", "2026-01-01T13:00:00Z"))
    assert check(score(store, RUN1), "approver-distinct")["passed"] is False
    assert weak_points(store)["weak_points"]["self-approvals"]["runs"] == [RUN1]
    ana = [
        h for h in authority(store, iri("actions/1"))["holders"] if h["agent"] == iri("people/ana")
    ]
    assert [(h["basis"], h["valid"]) for h in ana] == [("approver", True)]


def test_an_action_after_an_approval_was_withdrawn_rests_on_the_rejection_before_it(
    store: Store,
) -> None:
    # Eve rejects out/1-1 at 11:00; Bo approves it at 11:30, overruling her, until his approval
    # is withdrawn at 11:45. Di acts on it at 12:00, naming Bo's approval: the rejection stood
    # again then, so the action was on an output not approved, as authority judges it too.
    rejection = approval_of(
        1, by="eve", decision="rejected", at=t("11:00:00"), on_behalf_of=None, name="no"
    )
    put(store, *SHARED, *governed(approval=approval_of(1, at=t("11:30:00")), rejection=rejection))
    withdraw(store, ("approvals/1", "2026-01-01T11:45:00Z"))
    failed = check(score(store, RUN1), "action-on-approved")
    assert (failed["passed"], failed["explanation"], failed["evidence"]) == (
        False,
        "action(s) on an output whose approval was withdrawn before they acted "
        f"({withdrawn('approvals/1', 1, t('11:45:00'))})",
        [iri("actions/1"), iri("withdrawals/w1")],
    )
    bo = next(h for h in authority(store, iri("actions/1"))["holders"] if h["basis"] == "approver")
    assert bo["valid"] is False


def test_a_template_approval_withdrawn_before_the_run_does_not_approve_it(store: Store) -> None:
    # Sam approved tpl/v1 on 2025-12-15; a PROV document withdraws that approval on 2025-12-20,
    # before run 1 (2026-01-01) used the version: it was not approved when used.
    put(store, *SHARED, *governed())
    withdraw(store, ("approvals/tpl-v1", "2025-12-20T09:00:00Z"))
    profile = score(store, RUN1)
    failed = check(profile, "template-approved")
    why = withdrawn("approvals/tpl-v1", 1, "2025-12-20T09:00:00+00:00")
    assert (failed["passed"], failed["explanation"], failed["evidence"]) == (
        False,
        f"template version approved, but withdrawn before use ({why})",
        [iri("approvals/tpl-v1"), iri("withdrawals/w1")],
    )
    assert weak_points(store)["weak_points"]["unapproved-templates-in-use"]["runs"] == [RUN1]


def claimed_in_prov(claimed: str) -> str:
    """A PROV document bringing Vic's approval of out/1-1 at 11:00, in which he acted for
    ``claimed``, as PROV says it: an ``actedOnBehalfOf`` bound to the approval."""
    return f"""document
  prefix t <https://test.example/>
  prefix raidt <https://w3id.org/raidt#>
  activity(t:approvals/imp, 2026-01-01T11:00:00Z, 2026-01-01T11:00:00Z,
    [prov:type='raidt:Approval', raidt:decision="approved"])
  used(t:approvals/imp, t:out/1-1, -)
  wasAssociatedWith(t:approvals/imp, t:people/vic, -, [prov:role='raidt:approver'])
  actedOnBehalfOf(t:people/vic, t:people/{claimed}, t:approvals/imp)
endDocument"""


def test_an_imported_approval_in_the_initiators_name_is_a_self_approval(store: Store) -> None:
    # Run 1 by Ana, reviewed by Cy. A PROV document brings Vic's approval of out/1-1, in which
    # Vic acted for Ana, as PROV states the claim: an approval in the initiator's name, as if
    # the record had said "on behalf of" her.
    put(store, *SHARED, *governed(approval=None, action=None))
    import_document(claimed_in_prov("ana"), FORMATS["provn"], store, source="claimed.provn")
    failed = check(score(store, RUN1), "approver-distinct")
    assert (failed["passed"], failed["explanation"], failed["evidence"]) == (
        False,
        "approved by the initiator, in their name or by the model that made it",
        [iri("approvals/imp")],
    )


def test_an_imported_approval_is_judged_through_whom_prov_says_it_was_given_for(
    store: Store,
) -> None:
    # Vic stands under Lu (a recorded delegation in scope; Lu stands under no one), but the PROV
    # document bringing his approval says he acted for Zed in it, and no delegation leads from
    # Vic to Zed: his authority is judged through Zed, as authority judges the claim, and fails.
    put(store, *SHARED, delegation("vic", "lu"), *governed(approval=None, action=None))
    import_document(claimed_in_prov("zed"), FORMATS["provn"], store, source="claimed.provn")
    failed = check(score(store, RUN1), "approver-authority")
    assert (failed["passed"], failed["explanation"], failed["evidence"]) == (
        False,
        f"{iri('people/vic')} claimed to act for {iri('people/zed')}, but no delegation is "
        "recorded",
        [iri("approvals/imp")],
    )
    assert weak_points(store)["weak_points"]["approvals-outside-delegation"]["runs"] == [RUN1]


def test_an_input_approved_again_but_withdrawn_by_the_run_stood_invalidated(store: Store) -> None:
    # Run 0's output is rejected at 11:30 and approved again at 12:00 on 1 January (which alone
    # would clear it: see above); that approval is withdrawn at 13:00, before run 1 takes the
    # output the next day. The rejection stood again: run 1 took an invalidated output.
    later = {
        **run_record(1, upstream=(iri("out/0-1"),)),
        "started_at": t("10:00:00", DAY2),
        "ended_at": t("10:00:30", DAY2),
    }
    put(
        store,
        *SHARED,
        *governed(0, action=None),
        approval_of(0, by="eve", decision="rejected", at=t("11:30:00"), name="0-no"),
        approval_of(0, at=t("12:00:00"), name="0-again"),
        later,
    )
    withdraw(store, ("approvals/0-again", "2026-01-01T13:00:00Z"))
    failed = check(score(store, RUN1), "action-on-approved")
    assert (failed["passed"], failed["explanation"], failed["evidence"]) == (
        False,
        "input(s) invalidated before the run took them "
        f"({withdrawn('approvals/0-again', 1, t('13:00:00'))})",
        [iri("out/0-1"), iri("withdrawals/w1")],
    )
