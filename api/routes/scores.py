"""RAIDT scores: one run's five-pillar profile, and the weak points across all runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import ReportsDep, RunId, StoreDep, reader
from api.models import QueryAnswer, RubricName
from api.responses import READ, READ_ID, JsonAnswer, answer
from api.routes.lineage import AsOfQuery
from queries.scores import score

__all__ = ["RubricQuery", "all_weak_points", "router", "run_scores"]

router = APIRouter(tags=["scores"], dependencies=[Depends(reader)])

RubricQuery = Annotated[RubricName, Query(description="A shipped rubric")]


@router.get(
    "/runs/{id:path}/scores",
    response_model=QueryAnswer,
    responses=READ_ID,
    summary="A run's RAIDT score profile",
)
def run_scores(
    run: RunId,
    store: StoreDep,
    rubric: RubricQuery = RubricName.GENERAL,
    as_of: AsOfQuery = None,
) -> JsonAnswer:
    """The five pillar scores, every check with its evidence and explanation
    (``raidt score --json``)."""
    return answer(score(store, run, rubric=rubric.value, as_of=as_of))


@router.get(
    "/weak-points", response_model=QueryAnswer, responses=READ, summary="Weak points across runs"
)
def all_weak_points(
    store: StoreDep,
    reports: ReportsDep,
    rubric: RubricQuery = RubricName.GENERAL,
    as_of: AsOfQuery = None,
) -> JsonAnswer:
    """No reviewer, self-approval, approval outside delegation, unapproved templates, repeated
    overrides, actions on unapproved outputs (``raidt weak-points --json``). A report is made
    once for each state of the store and kept until a record is written."""
    return answer(reports.weak_points(store, rubric.value, as_of))
