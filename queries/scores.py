"""The RAIDT five-pillar score profile of a run, and weak points across all runs.

A rubric (TOML, shipped in ``queries/rubrics/`` or given as a file) picks named checks, puts each
under a pillar with a weight, and sets the parameters and rating thresholds. A pillar's score is
the share of the weight of its applicable checks that passed, from 0 to 100; checks that do not
apply to a run (no override to judge, say) are left out of the sum and reported as such.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
)

from provenance.errors import InvalidRecord
from provenance.hashing import readable_json, sha256_hex
from provenance.stores.base import Store
from provenance.vocabulary import Attr, Role, Type
from queries.authority import delegations
from queries.checks import CHECKS, Outcome, RubricParams, Traceability
from queries.context import AsOf, Moment, associations, moment, used_by
from queries.facts import Event, RunFacts, gather, gather_many

__all__ = [
    "CARRIED",
    "PILLARS",
    "Rubric",
    "RubricCheck",
    "former_shipped",
    "how_written",
    "load_rubric",
    "own_name",
    "profile",
    "rubric_names",
    "score",
    "shipped_name",
    "weak_points",
]

PILLARS = ("responsibility", "auditability", "interpretability", "dependability", "traceability")
Pillar = Literal[
    "responsibility", "auditability", "interpretability", "dependability", "traceability"
]


CARRIED = {"carried": True}
"""The validation context of a rubric an evidence pack carries: it is read as the rules stood
when the pack was made, so that a pack scored by a rubric later rules refuse (one that left a
pillar unrated) still verifies."""

_RANKED = ("strong", "adequate", "weak")
"""The ratings a profile names, best first: ``weak`` is also what falls below every threshold."""


class RubricCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str
    pillar: Pillar
    weight: float = Field(gt=0, allow_inf_nan=False)
    critical: bool = False
    """A control that must hold: when it fails, its pillar and the whole profile are rated weak,
    whatever their scores. A run no one reviewed is not well governed for doing well elsewhere."""

    @model_serializer(mode="wrap")
    def _without_default(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A check that is not critical is written as it was before checks could be: a rubric
        written then keeps its canonical JSON, and so the SHA-256 its scores name."""
        data: dict[str, Any] = handler(self)
        if not self.critical:
            data.pop("critical", None)
        return data

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CHECKS:
            raise ValueError(f"unknown check {value!r}; known checks: {', '.join(sorted(CHECKS))}")
        return value


class Rubric(BaseModel):
    """Which checks count, under which pillar, how much, and what the thresholds are."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    """Strict: a weight written "3" or true, or a flag written "yes", is a mistake to point out,
    not a value to guess at."""

    name: str = Field(min_length=1)
    title: str
    description: str = ""
    ratings: dict[str, Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]] = Field(
        default_factory=lambda: {"strong": 80.0, "adequate": 60.0}, min_length=1
    )
    params: RubricParams = Field(default_factory=RubricParams)
    checks: tuple[RubricCheck, ...] = Field(min_length=1, strict=False)
    """A list in TOML and JSON, kept as a tuple; each check within is read strictly."""

    @field_validator("ratings")
    @classmethod
    def _strictly_decreasing(cls, ratings: dict[str, float]) -> dict[str, float]:
        """Ratings sharing a threshold would be told apart by the order of their keys, which
        writing the rubric again (sorted, as in a pack's rubric.json) changes."""
        ordered = sorted(ratings.items(), key=lambda item: -item[1])
        tied = [
            f"{above} and {below} ({floor:g})"
            for (above, floor), (below, next_floor) in pairwise(ordered)
            if floor == next_floor
        ]
        if tied:
            raise ValueError(
                "thresholds must strictly decrease from one rating to the next; "
                f"equal: {', '.join(tied)}"
            )
        return ratings

    @field_validator("ratings")
    @classmethod
    def _in_rank(cls, ratings: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        """A profile's own ratings, strong above adequate above weak, keep that order in their
        thresholds: strong = 50 beside adequate = 60 would rate a better score worse."""
        if info.context == CARRIED:
            return ratings
        given = [(name, ratings[name]) for name in _RANKED if name in ratings]
        inverted = [
            f"{better} ({high:g}) below {worse} ({low:g})"
            for (better, high), (worse, low) in pairwise(given)
            if high < low
        ]
        if inverted:
            raise ValueError(
                f"a better rating needs the higher threshold; given {', '.join(inverted)}"
            )
        return ratings

    @field_validator("checks")
    @classmethod
    def _once_each(cls, checks: tuple[RubricCheck, ...]) -> tuple[RubricCheck, ...]:
        twice = sorted({c.id for c in checks if sum(o.id == c.id for o in checks) > 1})
        if twice:
            raise ValueError(
                f"each check is weighed once; given more than once: {', '.join(twice)}"
            )
        if not math.isfinite(sum(c.weight for c in checks)):
            raise ValueError("the weights add up to more than a number can hold")
        return checks

    @field_validator("checks")
    @classmethod
    def _every_pillar(
        cls, checks: tuple[RubricCheck, ...], info: ValidationInfo
    ) -> tuple[RubricCheck, ...]:
        """A profile rates all five pillars: one no check weighs would be left out unseen."""
        if info.context == CARRIED:
            return checks
        empty = [pillar for pillar in PILLARS if not any(c.pillar == pillar for c in checks)]
        if empty:
            raise ValueError(f"every pillar needs a check; none for: {', '.join(empty)}")
        return checks

    def canonical(self) -> bytes:
        """The rubric as JSON with its keys sorted: the same bytes for the same rubric however its
        file was written, so that their SHA-256 names the rubric."""
        return _readable(self.model_dump_json())

    def sha256(self) -> str:
        """The SHA-256 of :meth:`canonical`: which rubric judged a score, whatever its name."""
        return sha256_hex(self.canonical())

    def rating(self, value: float | None, *, critical_failed: bool = False) -> str:
        """The rating of a score; the lowest, whatever the score, when a critical check failed."""
        if value is None:
            return "not rated"
        if critical_failed:
            return "weak"
        for name, floor in sorted(self.ratings.items(), key=lambda item: -item[1]):
            if value >= floor:
                return name
        return "weak"


_FORMER_SHIPPED = {
    "general": frozenset({"b21ce95de00c8a6f3b138a146458cc3d39b496ee19216afce4906a2a7753c9b5"}),
    "healthcare": frozenset({"b9218f727be6dca88db341a35267f6025e7f47aad86123e0c6e58befb4b9e6f7"}),
}
"""The SHA-256 of each shipped rubric's earlier versions (before critical checks): a pack judged
by one names it, and carries it whole, and still checks out."""


def former_shipped(rubric: Rubric) -> bool:
    """Whether ``rubric`` is an earlier version of the shipped rubric of its name."""
    return rubric.sha256() in _FORMER_SHIPPED.get(rubric.name, frozenset())


def rubric_names() -> list[str]:
    """The rubrics shipped with the package."""
    folder = files("queries") / "rubrics"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


@lru_cache(maxsize=16)
def _readable(dumped: str) -> bytes:
    """A rubric's JSON written readably, from pydantic's own dump of it: kept for the few rubrics
    in use, as every score names its rubric's SHA-256 and writing JSON indented takes ten times
    as long as the dump."""
    return readable_json(json.loads(dumped))


def load_rubric(name_or_path: str | Path | None = None) -> Rubric:
    """A shipped rubric by name (default ``general``) or a rubric file. A shipped name always
    means the shipped rubric: a file of that name in the working folder does not stand in for it
    (``./general`` reaches that file).

    Raises
    ------
    InvalidRecord
        When no such rubric exists, the file is not a valid rubric, or it takes a shipped
        rubric's name but differs from it.
    """
    chosen = name_or_path or "general"
    if isinstance(chosen, str) and chosen in rubric_names():
        return _shipped_rubric(chosen)
    path = Path(chosen)
    if path.suffix == ".toml" or any(sep in str(chosen) for sep in {"/", os.sep}) or path.exists():
        if not path.exists():
            raise InvalidRecord("the rubric file does not exist", location=str(chosen))
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
            raise InvalidRecord(f"cannot read the rubric: {reason}", location=str(path)) from error
        return own_name(_parse_rubric(source, str(path)), str(path))
    raise _no_rubric(str(chosen))


def own_name(rubric: Rubric, where: str | None = None) -> Rubric:
    """The rubric, if its name is its own: a score under a shipped rubric's name is read as
    that rubric's, so only the shipped rubric may carry it.

    Raises
    ------
    InvalidRecord
        When the rubric takes a shipped rubric's name, written in any way it reads as, but
        differs from it.
    """
    shipped = shipped_name(rubric.name)
    if shipped is not None and rubric != _shipped_rubric(shipped):
        taken = (
            "of that name"
            if shipped == rubric.name
            else f"{shipped!r} {how_written(rubric.name, shipped)}"
        )
        raise InvalidRecord(
            f"the rubric is named {rubric.name!r} but is not the shipped rubric {taken}: "
            "give it a name of its own",
            location=where,
        )
    return rubric


def shipped_name(name: str) -> str | None:
    """The shipped rubric a name reads as, its case, spaces and invisible characters aside: a
    reader takes ``General`` or ``general `` for the shipped ``general``, so a rubric so named
    must be that rubric too."""
    read = _as_read(name)
    return next((shipped for shipped in rubric_names() if _as_read(shipped) == read), None)


def how_written(name: str, shipped: str) -> str:
    """How a name that reads as the shipped rubric ``shipped`` differs from it, for a message."""
    return "in another case" if name.casefold() == shipped.casefold() else "written otherwise"


def _as_read(name: str) -> str:
    """A name as a reader takes it: compatibility forms made plain (NFKC), what shows nothing
    (spaces, control and format characters such as a zero-width space) left out, case folded."""
    plain = unicodedata.normalize("NFKC", name)
    shown = "".join(c for c in plain if not c.isspace() and unicodedata.category(c) not in _UNSEEN)
    return shown.casefold()


_UNSEEN = frozenset({"Cc", "Cf"})
"""Unicode's control and format characters: nothing a reader sees."""


def _no_rubric(chosen: str) -> InvalidRecord:
    return InvalidRecord(
        f"no rubric {chosen!r}: give a .toml file or one of: {', '.join(rubric_names())}"
    )


@cache
def _shipped_rubric(name: str) -> Rubric:
    """A rubric shipped with the package, parsed once: scoring a run takes about a millisecond,
    and reading the TOML again would double it."""
    source = (files("queries") / "rubrics" / f"{name}.toml").read_text(encoding="utf-8")
    return _parse_rubric(source, name)


def _parse_rubric(source: str, where: str) -> Rubric:
    try:
        data = tomllib.loads(source)
        return Rubric.model_validate(data)
    except tomllib.TOMLDecodeError as error:
        raise InvalidRecord(f"not valid TOML: {error}", location=where) from error
    except ValidationError as error:
        errors = error.errors()
        # a list whose items failed is also reported as too short: once is enough
        failed = {e["loc"][:1] for e in errors if len(e["loc"]) > 1}
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}{_check_named(data, e['loc'])}"
            for e in errors
            if not (e["type"] == "too_short" and e["loc"] in failed)
        )
        raise InvalidRecord(f"not a valid rubric: {problems}", location=where) from error


def _check_named(data: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """Which check a problem at ``loc`` (``checks.2.weight``) is in, by the id it gives: a
    rubric's checks are told apart by id, not by their place in the list. Nothing for a
    problem outside the checks, in a check without an id, or with the id itself (its message
    quotes it)."""
    if len(loc) < 3 or loc[0] != "checks" or not isinstance(loc[1], int) or loc[2] == "id":
        return ""
    checks = data.get("checks")
    item = checks[loc[1]] if isinstance(checks, list) and loc[1] < len(checks) else None
    named = item.get("id") if isinstance(item, dict) else None
    return f" (in the check {named!r})" if isinstance(named, str) else ""


@dataclass(slots=True)
class _Memory:
    """What judging one run learns about others, kept for the next: the facts gathered around
    earlier runs, and how traceable they are."""

    facts: dict[str, RunFacts] = field(default_factory=dict)
    traceability: dict[str, Traceability] = field(default_factory=dict)


_BEING_JUDGED = Traceability(0.0, True)
"""An earlier run's traceability while it is judged: a lineage that comes back to it is not
traceable."""


_ABOUT = frozenset({Type.REVIEW, Type.OVERRIDE, Type.CHALLENGE, Type.ESCALATION})
"""Activities that use what they are about, and take nothing on from it."""


class _Judge:
    """Answers checks' questions beyond their facts, remembering what it learns of earlier runs."""

    def __init__(
        self, store: Store, rubric: Rubric, at: Moment, memory: _Memory, facts: RunFacts
    ) -> None:
        self._store, self._rubric, self._at, self._memory, self._facts = (
            store,
            rubric,
            at,
            memory,
            facts,
        )

    def delegations(self, agent: str, event: Event) -> list[dict[str, Any]]:
        if event.time is None:
            return []
        return delegations(
            self._store,
            agent,
            when=event.time,
            context=self._facts.context,
            claimed=event.acting_for(agent),
            decision=event.id,
            at=self._at,
        )

    def taken_on(self, entities: list[str]) -> set[str]:
        if not entities:
            return set()
        users = used_by(self._store, entities, self._at)
        nodes = self._store.nodes(
            {a for found in users.values() for a in found}, as_of=self._at.as_of
        )
        return {
            e
            for e, activities in users.items()
            if any(a in nodes and not nodes[a].types & _ABOUT for a in activities)
        }

    def facts(self, run_id: str) -> RunFacts:
        if run_id == self._facts.run.id:
            return self._facts
        known = self._memory.facts
        if run_id not in known:
            known[run_id] = gather(self._store, run_id, self._at)
        return known[run_id]

    def traceability(self, run_id: str) -> Traceability:
        known = self._memory.traceability
        for run in self._upstream_first(run_id):
            if run in known:
                continue  # judged meanwhile, by a check that asked for it
            known[run] = _BEING_JUDGED
            outcomes = _judge(self._store, self._rubric, self.facts(run), self._memory, _traces)
            known[run] = Traceability(
                _pillar(_results(outcomes), "traceability"),
                any(c.id == "upstream-traceable" and o.passed is False for c, o in outcomes),
            )
        return known[run_id]

    def _upstream_first(self, run_id: str) -> list[str]:
        """The run and the runs up its lineage not yet judged, each after those whose outputs it
        took (around a loop, in any order): judged in this order, each finds the judgements it
        needs made, so that a long lineage is judged run by run, not by ever deeper calls."""
        known = self._memory.traceability
        order: list[str] = []
        seen: set[str] = set()
        stack = [(run_id, False)]
        while stack:
            run, ready = stack.pop()
            if ready:
                order.append(run)
            elif run not in seen and run not in known:
                seen.add(run)
                stack += [(run, True), *((u, False) for u in self.facts(run).upstream_runs)]
        return order

    def loops_back(self, run_id: str) -> list[str]:
        reached: dict[str, str | None] = {}
        frontier: list[tuple[str, str | None]] = [
            (u, None) for u in self.facts(run_id).upstream_runs
        ]
        while frontier:
            step: list[tuple[str, str | None]] = []
            for run, via in frontier:
                if run in reached:
                    continue
                reached[run] = via
                if run != run_id:
                    step += [(u, run) for u in self.facts(run).upstream_runs]
            frontier = step
        if run_id not in reached:
            return []
        loop, current = [], reached[run_id]
        while current is not None and current not in loop:
            loop.append(current)
            current = reached[current]
        return sorted(loop or [run_id])


def _judge(
    store: Store,
    rubric: Rubric,
    facts: RunFacts,
    memory: _Memory,
    chosen: Callable[[RubricCheck], bool] | None = None,
) -> list[tuple[RubricCheck, Outcome]]:
    judge = _Judge(store, rubric, facts.at, memory, facts)
    return [
        (check, CHECKS[check.id](facts, rubric.params, judge))
        for check in rubric.checks
        if chosen is None or chosen(check)
    ]


def _traces(check: RubricCheck) -> bool:
    """The checks an earlier run is judged by for the runs that used its outputs: those of its
    traceability, and upstream-traceable wherever the rubric puts it (a failure up its lineage
    is passed down)."""
    return check.pillar == "traceability" or check.id == "upstream-traceable"


def profile(rubric: Rubric, checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``pillars``, ``overall`` and ``critical_failed`` of a score profile, from its checks'
    results (each with ``id``, ``pillar``, ``weight`` and ``passed``) under ``rubric``: the sums
    :func:`score` makes, and that an evidence pack's score is checked against offline."""
    critical = {check.id for check in rubric.checks if check.critical}
    failed = [c["id"] for c in checks if c["id"] in critical and c["passed"] is False]
    values = {pillar: _pillar(checks, pillar) for pillar in PILLARS}
    rated = [value for value in values.values() if value is not None]
    overall = round(sum(rated) / len(rated), 1) if rated else None
    weak = {c["pillar"] for c in checks if c["id"] in failed}
    return {
        "pillars": {
            pillar: {
                "score": value,
                "rating": rubric.rating(value, critical_failed=pillar in weak),
                "checks": [c["id"] for c in checks if c["pillar"] == pillar],
            }
            for pillar, value in values.items()
        },
        "overall": {
            "score": overall,
            "rating": rubric.rating(overall, critical_failed=bool(failed)),
        },
        "critical_failed": failed,
    }


def _results(outcomes: list[tuple[RubricCheck, Outcome]]) -> list[dict[str, Any]]:
    """Each check's result, as a score profile lists it."""
    return [
        {
            "id": check.id,
            "pillar": check.pillar,
            "weight": check.weight,
            "passed": outcome.passed,
            "evidence": outcome.evidence,
            "explanation": outcome.explanation,
        }
        for check, outcome in outcomes
    ]


def _pillar(checks: list[dict[str, Any]], pillar: str) -> float | None:
    applicable = [c for c in checks if c["pillar"] == pillar and c["passed"] is not None]
    total: float = sum(c["weight"] for c in applicable)
    passed: float = sum(c["weight"] for c in applicable if c["passed"])
    return round(100 * passed / total, 1) if total else None


def score(
    store: Store, run: str, *, rubric: Rubric | str | None = None, as_of: AsOf = None
) -> dict[str, Any]:
    """The five-pillar RAIDT score profile of a run, every point explained.

    Parameters
    ----------
    store : Store
        The store to ask.
    run : str
        The run's IRI or prefixed name.
    rubric : Rubric or str, optional
        A rubric, a shipped rubric's name or a rubric file; ``general`` by default.
    as_of : str or datetime, optional
        Score the run as the records written up to this time show it.

    Returns
    -------
    dict
        ``run``, ``rubric`` (its name), ``rubric_sha256`` (the SHA-256 of its canonical JSON,
        :meth:`Rubric.canonical`), ``pillars`` (each pillar's ``score``, ``rating`` and ``checks``),
        ``overall`` (``score`` and ``rating``), ``critical_failed`` (the rubric's critical checks
        that failed: each rates its pillar and the whole profile weak, whatever their scores) and
        ``checks``: each with ``id``, ``pillar``, ``weight``, ``passed`` (``null`` when it does not
        apply), ``evidence`` and ``explanation``.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is not a run, or the rubric is not valid.

    Examples
    --------
    >>> profile = score(demo_store, "https://corp.example/runs/price-notice-0407")
    >>> profile["overall"]["rating"], profile["pillars"]["responsibility"]["score"]
    ('weak', 28.6)
    >>> [c["id"] for c in profile["checks"] if c["passed"] is False][:3]
    ['reviewer-distinct', 'decision-recorded', 'template-approved']
    """
    chosen = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    at = moment(store, as_of)
    facts = gather(store, run, at)
    outcomes = _judge(store, chosen, facts, _Memory())
    checks = _results(outcomes)
    return {
        "run": facts.run.id,
        "rubric": chosen.name,
        "rubric_sha256": chosen.sha256(),
        "as_of": at.time,
        **profile(chosen, checks),
        "checks": checks,
    }


_WEAK_POINTS = {
    "runs-without-reviewer": (
        "reviewer-distinct",
        "runs with an output no one but the initiator reviewed",
    ),
    "self-approvals": (
        "approver-distinct",
        "runs whose output its initiator approved, or someone in their name, or its model",
    ),
    "approvals-outside-delegation": (
        "approver-authority",
        "runs with approvals by people without valid delegated authority",
    ),
    "unapproved-templates-in-use": (
        "template-approved",
        "runs on a template version not approved before use",
    ),
    "actions-on-unapproved-outputs": (
        "action-on-approved",
        "runs with actions on outputs that were not approved, or that took as input an output "
        "invalidated before they began",
    ),
    "workflows-not-approved": ("workflow-approved", "runs in workflows not approved for GenAI use"),
    "overrides-without-rationale": (
        "override-rationale",
        "runs with overrides that give no reason",
    ),
}


def weak_points(
    store: Store,
    *,
    rubric: Rubric | str | None = None,
    as_of: AsOf = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Where governance is weak across all runs: each weakness, its count and the runs behind it.

    Parameters
    ----------
    store : Store
        The store to ask.
    rubric : Rubric or str, optional
        Supplies the parameters (``repeated_overrides``: how many overrides by one person or in one
        workflow count as repeated, 2 by default).
    as_of : str or datetime, optional
        Judge the records written up to this time only.
    progress : callable, optional
        Told how many runs have been judged, and of how many, as the work goes on: a large store
        takes minutes.

    Returns
    -------
    dict
        ``runs`` (how many were judged) and ``weak_points``: for each kind, a ``description``,
        a ``count``, the ``runs`` and the ``evidence`` nodes; ``repeated-overrides`` lists each
        person and workflow with repeated overrides, with their overrides and runs.

    Examples
    --------
    >>> report = weak_points(demo_store)
    >>> report["weak_points"]["self-approvals"]["runs"]
    ['https://corp.example/runs/deal-desk-0409']
    """
    chosen = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    at = moment(store, as_of)
    by_check = {check_id for check_id, _ in _WEAK_POINTS.values()}
    probe = chosen.model_copy(
        update={
            "checks": tuple(
                RubricCheck(id=c, pillar="responsibility", weight=1) for c in sorted(by_check)
            )
        }
    )
    found: dict[str, dict[str, Any]] = {
        name: {"description": text, "count": 0, "runs": [], "evidence": []}
        for name, (_, text) in _WEAK_POINTS.items()
    }
    overrides: dict[str, tuple[list[str], str | None, str | None]] = {}
    runs = store.ids_of_type(Type.RUN, as_of=at.as_of)
    memory = _Memory()
    for start in range(0, len(runs), _EVERY):
        if progress:
            progress(start, len(runs))
        batch = runs[start : start + _EVERY]
        facts_of = gather_many(store, store.nodes(batch, as_of=at.as_of).values(), at)
        for run_id in batch:
            facts = facts_of[run_id]
            results = {check.id: outcome for check, outcome in _judge(store, probe, facts, memory)}
            for name, (check_id, _) in _WEAK_POINTS.items():
                if results[check_id].passed is False:
                    found[name]["runs"].append(run_id)
                    found[name]["evidence"] += results[check_id].evidence
            made = {p.id for p in facts.products}
            for event in facts.overrides:
                # an override belongs to the run whose output it overrode, if it names one
                if event.id not in overrides or event.subject in made:
                    overrides[event.id] = (
                        event.agents(Role.OVERRIDER),
                        facts.run.text(Attr.WORKFLOW),
                        run_id,
                    )
    # an override of no run's output (a template version's rejection, say) is someone's still
    loose = [o for o in store.ids_of_type(Type.OVERRIDE, as_of=at.as_of) if o not in overrides]
    for override_id, people in associations(store, loose, at).items():
        overrides[override_id] = ([a.agent for a in people if a.role == Role.OVERRIDER], None, None)
    if progress:
        progress(len(runs), len(runs))
    for entry in found.values():
        entry["evidence"] = sorted(set(entry["evidence"]))
        entry["count"] = len(entry["runs"])
    found["repeated-overrides"] = _repeated(overrides, chosen.params.repeated_overrides)
    return {"runs": len(runs), "as_of": at.time, "rubric": chosen.name, "weak_points": found}


_EVERY = 500
"""Runs whose facts are gathered together, and judged between two reports of progress."""


def _repeated(
    overrides: dict[str, tuple[list[str], str | None, str | None]], floor: int
) -> dict[str, Any]:
    """People and workflows with ``floor`` or more overrides, each with its overrides and runs."""
    evidence: dict[tuple[str, str], list[str]] = defaultdict(list)
    runs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for override_id, (agents, workflow, run_id) in overrides.items():
        keys = [("person", agent) for agent in agents]
        keys += [("workflow", workflow)] if workflow else []
        for key in keys:
            evidence[key].append(override_id)
            runs[key].update([run_id] if run_id else [])
    repeated = [
        {
            "by": kind,
            "who": who,
            "overrides": sorted(evidence[kind, who]),
            "runs": sorted(runs[kind, who]),
        }
        for kind, who in sorted(evidence, key=lambda key: (key[0] != "person", key[1]))
        if len(evidence[kind, who]) >= floor
    ]
    return {
        "description": f"people or workflows with {floor} or more overrides",
        "count": len(repeated),
        "repeated": repeated,
        "runs": sorted({r for entry in repeated for r in entry["runs"]}),
        "evidence": sorted({o for entry in repeated for o in entry["overrides"]}),
    }
