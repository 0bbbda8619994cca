"""Records built by code, for graphs whose right answers are worked out in each test."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from queries.scores import Rubric, load_rubric

BASE = "https://test.example/"


def h(text: str) -> str:
    """A real content hash of a made-up text."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def iri(path: str) -> str:
    return BASE + path


def person(name: str, position: str | None = None) -> dict[str, Any]:
    agent: dict[str, Any] = {"id": iri(f"people/{name}"), "name": name.title()}
    if position:
        agent["position"] = position
    return agent


def run(
    n: int,
    *,
    initiator: str = "ana",
    inputs: list[dict[str, Any]] | None = None,
    outputs: int = 1,
    template: str = "tpl/v1",
    minute: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """Run ``n``: one input document unless told otherwise, outputs ``out/n-1`` …"""
    record: dict[str, Any] = {
        "type": "run",
        "id": iri(f"runs/{n}"),
        "started_at": f"2026-01-01T10:{minute:02d}:00+00:00",
        "ended_at": f"2026-01-01T10:{minute:02d}:30+00:00",
        "task": "discharge summary",
        "sector": "healthcare",
        "risk_level": "high",
        "initiator": person(initiator, "ward doctor"),
        "inputs": inputs
        if inputs is not None
        else [{"id": iri(f"docs/{n}"), "content_hash": h(f"doc {n}")}],
        "template": {
            "id": iri(template),
            "version": template.rsplit("/", 1)[-1],
            "content_hash": h(template),
        },
        "prompt": {"content_hash": h(f"prompt {n}")},
        "model": {
            "provider": "acme",
            "model": "writer",
            "version": "1",
            "parameters": {"temperature": 0.1},
        },
        "outputs": [
            {"id": iri(f"out/{n}-{i}"), "content_hash": h(f"out {n} {i}")}
            for i in range(1, outputs + 1)
        ],
    }
    record.update(extra)
    return record


def earlier_output(output_id: str) -> dict[str, Any]:
    """An earlier output as an input, with the hash it was recorded with: ``out/n-i`` as
    :func:`run` makes it, anything else (a revision) hashed by its id as :func:`review` does."""
    made = re.fullmatch(r".*/out/(\d+)-(\d+)", output_id)
    content = f"out {made[1]} {made[2]}" if made else output_id
    return {"id": output_id, "content_hash": h(content), "kind": "output"}


def approval(
    name: str, target: str, *, by: str = "bo", decision: str = "approved", at: str = "11:00"
) -> dict[str, Any]:
    return {
        "type": "approval",
        "id": iri(f"approvals/{name}"),
        "at": f"2026-01-01T{at}:00+00:00",
        "target": target,
        "approver": person(by, "consultant"),
        "decision": decision,
    }


def review(
    name: str, target: str, *, by: str = "cy", revision: str | None = None
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "review",
        "id": iri(f"reviews/{name}"),
        "at": "2026-01-01T10:50:00+00:00",
        "target": target,
        "reviewer": person(by, "registrar"),
    }
    if revision:
        record["revision"] = {"id": revision, "content_hash": h(revision)}
    return record


def action(
    name: str, target: str, *, approval_id: str | None = None, by: str = "di"
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "action",
        "id": iri(f"actions/{name}"),
        "at": "2026-01-01T12:00:00+00:00",
        "target": target,
        "actor": person(by, "ward clerk"),
        "description": "entered into the patient record",
    }
    if approval_id:
        record["approval"] = approval_id
    return record


_CRITICAL_SENTENCE = (
    " A critical check\nthat fails rates its pillar, and the whole profile, weak, whatever their"
    " scores."
)


def rubric_before_critical(name: str) -> Rubric:
    """The shipped rubric ``name`` as it was shipped before checks could be critical."""
    shipped = load_rubric(name)
    return shipped.model_copy(
        update={
            "description": shipped.description.replace(_CRITICAL_SENTENCE, ""),
            "checks": tuple(c.model_copy(update={"critical": False}) for c in shipped.checks),
        }
    )
