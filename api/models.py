"""The shapes at the service's edge: request bodies and the JSON it answers with.

Request bodies are the record models of :mod:`provenance.records` themselves — one definition of a
run, for files, the command line and HTTP. Answers to the governance questions are the query
functions' own JSON, the same as the command line's ``--json``; writes, lists, ``/verify`` and the
health checks have models of their own. Examples come from the demo records.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Annotated, Any, TypeAlias

from fastapi.openapi.models import Example
from pydantic import BaseModel, ConfigDict, Field

from provenance.demo_data import demo_records
from provenance.records import Action, Approval, Challenge, Escalation, Override, Review

__all__ = [
    "REVIEWER_EVENTS",
    "Event",
    "Health",
    "ImportResult",
    "QueryAnswer",
    "Readiness",
    "RecordInfo",
    "RubricName",
    "RunPublic",
    "RunSummary",
    "RunsPublic",
    "VerifyProblem",
    "VerifyReportPublic",
    "WriteResultPublic",
    "demo_examples",
]

Event = Annotated[
    Review | Approval | Escalation | Override | Action | Challenge,
    Field(discriminator="type"),
]
"""What ``POST /runs/{id}/events`` accepts, told apart by ``type``."""

REVIEWER_EVENTS = frozenset({"review", "approval", "challenge"})
"""The events a reviewer's key may record."""

_H = "https://hospital.example/"


class RubricName(StrEnum):
    """The shipped rubrics; the service reads no rubric files a client names."""

    GENERAL = "general"
    HEALTHCARE = "healthcare"


@cache
def _demo() -> list[dict[str, Any]]:
    return [r.record.model_dump(mode="json", exclude_none=True) for r in demo_records()]


def demo_examples(*ids: str) -> dict[str, Example]:
    """OpenAPI examples of request bodies: the demo records with these ids."""
    by_id = {r["id"]: r for r in _demo()}
    return {
        i.split("//", 1)[-1]: Example(summary=f"{by_id[i]['type']} {i}", value=by_id[i])
        for i in ids
    }


class WriteResultPublic(BaseModel):
    """What a write did: the records written, and those already stored unchanged."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"written": [_H + "runs/discharge-0412"], "unchanged": []}]}
    )

    written: list[str]
    unchanged: list[str]


class ImportResult(BaseModel):
    """What ``POST /prov`` stored: the document as one record."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "record": "urn:raidt:document:6f1c…",
                    "written": True,
                    "content_hash": "sha256:6f1c…",
                }
            ]
        }
    )

    record: str = Field(description="The record id: the one given, else derived from content")
    written: bool = Field(description="False when the same document was already stored")
    content_hash: str


class RunSummary(BaseModel):
    """One run in a list, as ``raidt runs --json`` prints it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _H + "runs/discharge-0412",
                    "started_at": "2026-03-02T09:14:00+00:00",
                    "task": "discharge-summary",
                    "sector": "healthcare",
                    "risk_level": "high",
                    "initiator": _H + "people/dr-niamh-byrne",
                    "outputs": [_H + "outputs/discharge-0412/summary"],
                }
            ]
        }
    )

    id: str
    started_at: str | None
    task: str | None
    sector: str | None
    risk_level: str | None
    initiator: str | None
    outputs: list[str]


class RunsPublic(BaseModel):
    """A page of runs and how many match in all."""

    data: list[RunSummary]
    count: int = Field(description="How many runs match the filters, across all pages")


class RecordInfo(BaseModel):
    """A record's place in the store: when it was recorded and its hashes."""

    kind: str
    content_hash: str
    chain_hash: str
    recorded_at: str


class RunPublic(RunSummary):
    """One run: its summary, the run record as recorded, and where it sits in the hash chain."""

    record: dict[str, Any] | None = Field(
        description="The run record as it was submitted (null for a run imported as PROV)"
    )
    stored: RecordInfo | None


class VerifyProblem(BaseModel):
    seq: int
    record: str
    problem: str


class VerifyReportPublic(BaseModel):
    """What ``raidt verify --json`` prints: every hash and the chain, checked."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": True,
                    "records": 53,
                    "head": "3f5e0c…",
                    "first_problem": None,
                    "problems": [],
                    "contradictions": [],
                    "anchored_at": None,
                }
            ]
        }
    )

    ok: bool
    records: int
    head: str = Field(description="The chain head: keep it elsewhere to detect a rewrite")
    first_problem: VerifyProblem | None
    problems: list[VerifyProblem]
    contradictions: list[VerifyProblem] = Field(
        description="Records that contradict earlier ones (an entity's second content hash, an "
        "id of two kinds): not tampering, so they do not fail the check"
    )
    anchored_at: int | None = Field(
        default=None,
        description="With expect_head: the record whose chain hash it is (0 for the empty "
        "chain); the records after it came later, and it vouches for none of them",
    )


class Health(BaseModel):
    """The process is up."""

    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    """The store can be reached."""

    status: str = Field(examples=["ready"])
    store: str = Field(description="The kind of store served", examples=["sqlite"])


QueryAnswer: TypeAlias = dict[str, Any]
"""A governance question's answer: the query function's JSON, as ``raidt … --json`` prints it
(its keys are described in the query's documentation)."""
