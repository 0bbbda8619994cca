"""What a reviewer saw when they reviewed or signed off: the graph as it stood then.

Everything recorded after the review is left out (records written in one transaction with it
count as written with it), and so is every event dated after it, so the answer shows exactly
which versions (by content hash) of the output, its inputs, prompt and model configuration were
before the reviewer, and which earlier reviews and escalations they could see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provenance.errors import InvalidRecord
from provenance.stores.base import Direction, Store
from provenance.vocabulary import Attr, Role, Type
from queries.context import (
    Association,
    Moment,
    associations,
    ended,
    in_time_order,
    introduced,
    require_node,
    started,
    used_by,
)
from queries.lineage import role_name, time_text, trace

__all__ = ["reconstruct"]

_EVENT_TYPES = (Type.ESCALATION, Type.OVERRIDE, Type.CHALLENGE)
_SIGNING_ROLES = (Role.REVIEWER, Role.APPROVER)


def _earlier(time: str | None, cut: datetime) -> bool:
    return time is not None and datetime.fromisoformat(time) < cut


def _before(items: list[dict[str, Any]], cut: datetime, exclude: str) -> list[dict[str, Any]]:
    """The items dated before ``cut``, in time order."""
    kept = [i for i in items if i["id"] != exclude and _earlier(i.get("time"), cut)]
    return sorted(kept, key=in_time_order)


def reconstruct(store: Store, review: str) -> dict[str, Any]:
    """The evidence in front of a reviewer (or approver) at the moment of their review.

    Parameters
    ----------
    store : Store
        The store to ask.
    review : str
        The IRI or prefixed name of a review or an approval.

    Returns
    -------
    dict
        ``review``, ``kind``, ``reviewer``, ``time``, ``recorded_up_to`` (the sequence number the
        store is read up to: the last record written with the review's), ``output`` (what was
        reviewed, with its content hash), the ``runs``, ``earlier_outputs`` (earlier runs' outputs
        and revisions it was made from, with their content hashes), ``inputs``, ``prompts``,
        ``prompt_templates`` and ``model_configs`` behind it, and the ``earlier_reviews``,
        ``earlier_approvals`` and ``escalations`` (with overrides and challenges, about anything on
        that path) recorded and dated before the review, in time order.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is neither a review nor an approval.

    Examples
    --------
    >>> seen = reconstruct(demo_store, "https://bank.example/approvals/credit-memo-2026-0317-a1")
    >>> [e["id"].rsplit("/", 1)[1] for e in seen["escalations"]]
    ['credit-memo-2026-0317-e1', 'credit-memo-2026-0317-o1']
    """
    node = require_node(store, review)
    if not node.types & {Type.REVIEW, Type.APPROVAL}:
        raise InvalidRecord(f"{node.id} is neither a review nor an approval")
    record = store.record(node.id)
    # The review as its own record (or document) stated it: a later record that adds to it, what
    # it used or who took part, does not change what was seen.
    own = Moment(record.seq if record else introduced(store, node.id))
    node = require_node(store, node.id, own)
    when = ended(node)  # what they saw when they signed off, after any time spent reviewing
    if when is None:
        raise InvalidRecord(f"{node.id} has no time, so what was seen then cannot be told")
    # what was written with the review, in one transaction, was written at the same moment: a
    # file of the day's events lists an approval before the review it followed as often as after
    seq = store.seq_at(record.recorded_at) if record else own.as_of
    at = Moment(seq, when.isoformat())
    subject = _reviewed(store, node.id, own)
    seen = trace(store, subject, as_of=at)
    reviewer = _signer(associations(store, [node.id], own)[node.id])
    return {
        "review": node.id,
        "kind": "approval" if Type.APPROVAL in node.types else "review",
        "reviewer": reviewer.agent if reviewer else None,
        "role": role_name(reviewer.role) if reviewer else None,
        "time": when.isoformat(),
        "recorded_up_to": seq,
        "output": next(
            (
                entity
                for kind in ("outputs", "prompt_templates", "inputs", "prompts")
                for entity in seen[kind]
                if entity["id"] == subject
            ),
            {"id": subject, "content_hash": None},
        ),
        "runs": seen["runs"],
        "earlier_outputs": [o for o in seen["outputs"] if o["id"] != subject],
        "inputs": seen["inputs"],
        "prompts": seen["prompts"],
        "prompt_templates": seen["prompt_templates"],
        "model_configs": seen["model_configs"],
        "earlier_reviews": _before(seen["reviews"], when, node.id),
        "earlier_approvals": _before(seen["approvals"], when, node.id),
        "escalations": _events(store, seen, at, when),
    }


def _reviewed(store: Store, review: str, own: Moment) -> str:
    """What a review or approval was of: the entity it used, or the smallest id of those it
    used when a document says it used several, whatever order a store lists them in.

    Raises
    ------
    InvalidRecord
        When it used nothing.
    """
    used = store.traverse([review], ["used"], Direction.UP, 1, as_of=own.as_of)
    subject = min((r.dst for r in used.relations if r.dst), default=None)
    if subject is None:
        raise InvalidRecord(f"{review} does not name what it reviewed")
    return subject


def _signer(people: list[Association]) -> Association | None:
    """Who signed off: an agent in the reviewer's or approver's role, else in any role; of
    several, the smallest id, whatever order a store lists them in."""
    return min(
        (a for a in people if a.role is not None),
        key=lambda a: (a.role not in _SIGNING_ROLES, a.agent, a.role or ""),
        default=None,
    )


def _events(store: Store, seen: dict[str, Any], at: Moment, cut: datetime) -> list[dict[str, Any]]:
    """Escalations, overrides and challenges about anything on the path (its activities, and the
    outputs, inputs, prompts, templates and configurations they used), dated before ``cut``."""
    activities = [r["id"] for r in seen["runs"]] + [r["id"] for r in seen["reviews"]]
    activities += [a["id"] for a in seen["approvals"]]
    entities = [
        e["id"]
        for kind in ("outputs", "inputs", "prompts", "prompt_templates", "model_configs")
        for e in seen[kind]
    ]
    informed = store.traverse(activities, ["wasInformedBy"], Direction.DOWN, 4, as_of=at.as_of)
    users = {a for found in used_by(store, entities, at, ignore_runs=True).values() for a in found}
    nodes = store.nodes({*informed.depths, *users}, as_of=at.as_of)
    events = []
    for node_id, event in nodes.items():
        kind = next((t for t in _EVENT_TYPES if t in event.types), None)
        time = time_text(started(event))
        if kind and _earlier(time, cut):
            events.append(
                {
                    "id": node_id,
                    "type": kind,
                    "time": time,
                    "rationale": event.text(Attr.RATIONALE),
                }
            )
    return sorted(events, key=lambda e: (datetime.fromisoformat(e["time"]), e["id"]))
