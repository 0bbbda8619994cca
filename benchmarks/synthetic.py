"""A seeded synthetic organisation: runs, reviews, approvals and delegations, as record dicts.

The benchmarks need a graph with the shape real deployments have, not just many nodes: shared prompt
templates with approved and unapproved versions, people in delegation chains (some expired or out
of scope), outputs reused as inputs so that lineage chains grow twenty and more runs deep, and the
usual trail of reviews, approvals, actions and the occasional escalation, override or challenge.

The same ``runs`` and ``seed`` always give the same records, in an order in which every reference
points to something recorded earlier. Dicts are built directly, without pydantic, so that 100,000
runs generate in seconds; ``raidt record`` validates them when they are ingested.

    python benchmarks/synthetic.py --runs 10000 --seed 7 -o synthetic.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ORG = "https://org.example/"
START = datetime(2025, 1, 1, tzinfo=UTC)
RUN_GAP = 300
"""Seconds between run starts: the runs span ``runs * RUN_GAP`` seconds."""

TEMPLATES = 20
TASKS = {  # task: (sector, risk level, workflow)
    "discharge summary": ("healthcare", "high", "inpatient-discharge"),
    "radiology report draft": ("healthcare", "critical", "radiology-reporting"),
    "credit memo": ("finance", "high", "sme-lending"),
    "complaint reply": ("finance", "medium", "customer-care"),
    "lesson plan": ("education", "low", "curriculum"),
    "benefit decision letter": ("public-services", "high", "benefits"),
    "incident summary": ("enterprise", "medium", "it-operations"),
    "contract clause review": ("enterprise", "high", "legal-review"),
}
POLICIES = {
    sector: {
        "policy": f"{ORG}policies/{sector}",
        "name": f"{sector} GenAI policy",
        "jurisdiction": "EU",
        "regulations": ["EU AI Act"],
        "workflow_approved": True,
    }
    for sector in {sector for sector, _, _ in TASKS.values()}
}
MODELS = [
    {
        "provider": "acme",
        "model": "writer",
        "version": "2025-01",
        "parameters": {"temperature": 0.2},
    },
    {
        "provider": "acme",
        "model": "writer",
        "version": "2025-06",
        "parameters": {"temperature": 0.2},
    },
    {"provider": "globex", "model": "scribe-large", "version": "3", "parameters": {"top_p": 0.9}},
    {"provider": "initech", "model": "summarise", "parameters": {"temperature": 0.0}},
]
INPUT_KINDS = ("document", "record", "retrieval", "tool-result")
POSITIONS = ("director", "head of service", "senior practitioner", "team lead", "practitioner")

Record = dict[str, Any]


def content_hash(text: str) -> str:
    """A real SHA-256 of a made-up text (an artifact's own id), so that an output and the input
    that reuses it carry the same hash."""
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _at(seconds: float) -> str:
    return (START + timedelta(seconds=round(seconds))).isoformat()


DIRECTORS = 5
LEVEL_WEIGHTS = (1, 2, 3, 4)
"""How many people stand at each depth below the directors, relatively: a wider base below."""


def _level(i: int, rng: random.Random) -> int:
    """How many delegations separate person ``i`` from a director: the first one below the
    directors at each depth in turn, so that chains of every depth exist in any organisation,
    then drawn by ``LEVEL_WEIGHTS``. Each manager stands one level above, among earlier people."""
    if i < DIRECTORS:
        return 0
    if i < DIRECTORS + len(LEVEL_WEIGHTS):
        return 1 + i - DIRECTORS
    return rng.choices(range(1, len(LEVEL_WEIGHTS) + 1), weights=LEVEL_WEIGHTS)[0]


class _Organisation:
    """People, their managers and delegations, and the prompt templates they use."""

    def __init__(self, runs: int, rng: random.Random) -> None:
        self.rng = rng
        self.span = runs * RUN_GAP
        self.tasks = list(TASKS)
        count = 200 + runs // 200
        self.people: list[Record] = []
        self.manager: list[int | None] = []
        self.home: list[str] = []
        self.by_task: dict[str, list[int]] = {task: [] for task in self.tasks}
        level: list[int] = []
        at_level: list[list[int]] = [[] for _ in POSITIONS]
        for i in range(count):
            depth = _level(i, rng)
            boss = rng.choice(at_level[depth - 1]) if depth else None
            at_level[depth].append(i)
            task = self.tasks[i % len(self.tasks)]
            level.append(depth)
            self.manager.append(boss)
            self.home.append(task)
            self.by_task[task].append(i)
            self.people.append(
                {
                    "id": f"{ORG}people/{i:05d}",
                    "name": f"Person {i:05d}",
                    "position": POSITIONS[depth],
                }
            )
        self.senior = [i for i, depth in enumerate(level) if depth <= 2]

    def delegations(self) -> list[Record]:
        """Each non-director acts for their manager: mostly in scope, some '*', some expired."""
        rng, found = self.rng, []
        for i, boss in enumerate(self.manager):
            if boss is None:
                continue
            draw = rng.random()
            if draw < 0.6:
                scope = [self.home[i], TASKS[self.home[i]][0]]
            elif draw < 0.85:
                scope = ["*"]
            else:  # a scope that does not cover what this person does
                scope = [rng.choice([t for t in self.tasks if t != self.home[i]])]
            valid_from = -rng.uniform(30, 720) * 86400
            delegation = {
                "type": "delegation",
                "id": f"{ORG}delegations/{i:05d}",
                "delegate": self.people[i],
                "responsible": self.people[boss],
                "scope": scope,
                "valid_from": _at(valid_from),
            }
            draw = rng.random()
            if draw < 0.15:  # expires while the runs happen
                delegation["valid_to"] = _at(rng.uniform(0, self.span))
            elif draw < 0.25:
                delegation["valid_to"] = _at(self.span + 86400 * 365)
            found.append(delegation)
        return found

    def templates(self) -> tuple[list[Record], list[list[Record]]]:
        """Template versions, each revising the one before; about 80% approved on registration."""
        rng, records, versions = self.rng, [], []
        for t in range(TEMPLATES):
            template = f"{ORG}templates/{t:02d}"
            task = self.tasks[t % len(self.tasks)]
            made: list[Record] = []
            for v in range(1, rng.randint(2, 5) + 1):
                created = -86400 * (60 - 10 * v) - t * 600
                version = {
                    "type": "template_version",
                    "id": f"{template}/v{v}",
                    "template": template,
                    "version": str(v),
                    "content_hash": content_hash(f"template {t} version {v}"),
                    "author": self.people[rng.choice(self.by_task[task])],
                    "created_at": _at(created),
                    "label": f"{task} v{v}",
                }
                if made:
                    version["previous"] = made[-1]["id"]
                made.append(version)
                records.append(version)
                if rng.random() < 0.8:
                    records.append(
                        {
                            "type": "approval",
                            "id": f"{ORG}approvals/templates/{t:02d}-v{v}",
                            "at": _at(created + 86400),
                            "target": version["id"],
                            "approver": self.people[rng.choice(self.senior)],
                            "decision": "approved",
                        }
                    )
            versions.append(made)
        return records, versions


def generate(runs: int, seed: int = 7) -> list[Record]:
    """The records of a synthetic organisation with ``runs`` runs, in the order to record them."""
    rng = random.Random(seed)
    org = _Organisation(runs, rng)
    people, by_task = org.people, org.by_task
    records: list[Record] = org.delegations()
    template_records, versions = org.templates()
    records += template_records
    pool = max(50, runs // 10)
    chains: list[str | None] = [None] * max(1, runs // 200)
    finals: list[str] = []  # every run's final output (the revision if reviewed with edits)

    for n in range(runs):
        run_id = f"{ORG}runs/{n:06d}"
        t = rng.randrange(TEMPLATES)
        task = org.tasks[t % len(org.tasks)]
        sector, risk, workflow = TASKS[task]
        initiator = rng.choice(by_task[task])
        start = n * RUN_GAP + rng.uniform(0, RUN_GAP / 2)
        end = start + rng.uniform(5, 90)

        inputs: list[Record] = []
        chain = None
        if finals and rng.random() < 0.3:
            # Half the reuse extends a long-lived chain, so that lineage grows deep.
            chain = rng.randrange(len(chains)) if rng.random() < 0.5 else None
            source = chains[chain] if chain is not None else None
            source = source or rng.choice(finals)
            inputs.append({"id": source, "content_hash": content_hash(source), "kind": "output"})
        shared: set[int] = set()
        for k in range(rng.randint(2, 4) - len(inputs)):
            j = rng.randrange(pool)
            if rng.random() < 0.25 and j not in shared:  # a document many runs read
                shared.add(j)
                doc = f"{ORG}documents/shared/{j:05d}"
                kind = INPUT_KINDS[j % len(INPUT_KINDS)]
            else:
                doc = f"{ORG}documents/{n:06d}-{k}"
                kind = rng.choice(INPUT_KINDS)
            inputs.append({"id": doc, "content_hash": content_hash(doc), "kind": kind})

        version = rng.choice(versions[t])
        policy = POLICIES[sector]
        if rng.random() < 0.03:
            policy = {**policy, "workflow_approved": False}
        ids = [f"{ORG}outputs/{n:06d}-{i}" for i in range(1, 3 if rng.random() < 0.1 else 2)]
        outputs = [{"id": i, "content_hash": content_hash(i)} for i in ids]
        records.append(
            {
                "type": "run",
                "id": run_id,
                "started_at": _at(start),
                "ended_at": _at(end),
                "task": task,
                "sector": sector,
                "risk_level": risk,
                "workflow": workflow,
                "initiator": people[initiator],
                "inputs": inputs,
                "template": {
                    "id": version["id"],
                    "template": version["template"],
                    "version": version["version"],
                    "content_hash": version["content_hash"],
                },
                "prompt": {"content_hash": content_hash(f"prompt {n}")},
                "model": rng.choice(MODELS),
                "outputs": outputs,
                "policy": policy,
            }
        )
        events, final = _events(n, run_id, outputs[0]["id"], initiator, end, org)
        records += events
        finals.append(final)
        if chain is not None:
            chains[chain] = final
    return records


def _hub_run(
    n: int, sources: list[str], initiator: int, org: _Organisation, versions: list[list[Record]]
) -> Record:
    """A run that reads ``sources`` (earlier outputs) and one or two documents of its own."""
    rng, t = org.rng, n % TEMPLATES
    task = org.tasks[t % len(org.tasks)]
    sector, risk, workflow = TASKS[task]
    start = n * RUN_GAP + rng.uniform(0, RUN_GAP / 2)
    inputs = [{"id": s, "content_hash": content_hash(s), "kind": "output"} for s in sources]
    for k in range(rng.randint(1, 2)):
        doc = f"{ORG}documents/{n:06d}-{k}"
        inputs.append({"id": doc, "content_hash": content_hash(doc), "kind": "document"})
    version = rng.choice(versions[t])
    output = f"{ORG}outputs/{n:06d}-1"
    return {
        "type": "run",
        "id": f"{ORG}runs/{n:06d}",
        "started_at": _at(start),
        "ended_at": _at(start + rng.uniform(5, 90)),
        "task": task,
        "sector": sector,
        "risk_level": risk,
        "workflow": workflow,
        "initiator": org.people[initiator],
        "inputs": inputs,
        "template": {k: version[k] for k in ("id", "template", "version", "content_hash")},
        "prompt": {"content_hash": content_hash(f"prompt {n}")},
        "model": rng.choice(MODELS),
        "outputs": [{"id": output, "content_hash": content_hash(output)}],
        "policy": POLICIES[sector],
    }


def hubs(widths: list[int], length: int = 20, seed: int = 7) -> tuple[list[Record], list[str]]:
    """Records of runs built around one hub run per width, and the hub runs' ids.

    :func:`generate` rarely gathers more than 500 nodes around a run; these hubs are for drawing
    lineages of thousands on purpose. A hub reads the final outputs of ``width`` chains of
    ``length`` runs, and ``width`` chains of ``length`` runs follow from its output; now and then a
    chain also reads its neighbour's latest output. Each run is reviewed, approved and acted on as
    in :func:`generate`. A hub's lineage view at depth ``3 * length`` holds every run around it:
    about ``15 * width * length`` nodes (1,250 for width 4 and length 20).
    """
    rng = random.Random(seed)
    org = _Organisation(2 * sum(widths) * length + len(widths), rng)
    records: list[Record] = org.delegations()
    template_records, versions = org.templates()
    records += template_records
    found: list[str] = []
    n = 0

    def run(sources: list[str]) -> str:
        nonlocal n
        initiator = rng.choice(org.by_task[org.tasks[n % TEMPLATES % len(org.tasks)]])
        record = _hub_run(n, sources, initiator, org, versions)
        end = datetime.fromisoformat(record["ended_at"]) - START
        output = record["outputs"][0]["id"]
        events, final = _events(n, record["id"], output, initiator, end.total_seconds(), org)
        records.extend([record, *events])
        n += 1
        return final

    for width in widths:
        latest = [run([]) for _ in range(width)]
        for _ in range(length - 1):
            latest = [
                run([latest[c], latest[c - 1]] if c and rng.random() < 0.2 else [latest[c]])
                for c in range(width)
            ]
        found.append(f"{ORG}runs/{n:06d}")
        latest = [run(latest)] * width
        for _ in range(length):
            latest = [run([final]) for final in latest]
    return records, found


def _events(
    n: int, run_id: str, output: str, initiator: int, end: float, org: _Organisation
) -> tuple[list[Record], str]:
    """What follows a run (review, approval, action, the odd escalation, override or challenge),
    and the output everyone went on with: the revision if the reviewer edited it."""
    rng, people, manager = org.rng, org.people, org.manager
    colleagues = org.by_task[org.home[initiator]]
    at = end
    found: list[Record] = []
    target, review_id, approval = output, None, None

    if rng.random() < 0.85:
        at += rng.uniform(60, 1800)
        review_id = f"{ORG}reviews/{n:06d}"
        reviewer = rng.choice(colleagues)
        review = {
            "type": "review",
            "id": review_id,
            "at": _at(at),
            "target": output,
            "reviewer": people[reviewer],
        }
        if rng.random() < 0.3:
            target = f"{output}/revised"
            review["revision"] = {"id": target, "content_hash": content_hash(target)}
            review["comment"] = "corrected the wording"
        found.append(review)

    if rng.random() < 0.8:
        at += rng.uniform(60, 3600)
        draw = rng.random()
        approver = initiator if draw < 0.08 else rng.choice(org.senior)  # self-approval
        draw = rng.random()
        decision = (
            "approved" if draw < 0.85 else "approved-with-edits" if draw < 0.9 else "rejected"
        )
        approval = {
            "type": "approval",
            "id": f"{ORG}approvals/{n:06d}",
            "at": _at(at),
            "target": target,
            "approver": people[approver],
            "decision": decision,
        }
        boss = manager[approver]
        if boss is not None and rng.random() < 0.3:
            approval["on_behalf_of"] = people[boss]["id"]
        found.append(approval)

    approved = approval is not None and approval["decision"] != "rejected"
    if approval is not None and not approved and rng.random() < 0.2:
        at += rng.uniform(60, 3600)
        found.append(
            {
                "type": "override",
                "id": f"{ORG}overrides/{n:06d}",
                "at": _at(at),
                "trigger": approval["id"],
                "target": target,
                "overridden_by": people[rng.choice(org.senior)],
                "rationale": "the specialist's judgement overrides the rejection",
            }
        )
    if (approved and rng.random() < 0.9) or (not approved and rng.random() < 0.1):
        at += rng.uniform(60, 7200)
        action = {
            "type": "action",
            "id": f"{ORG}actions/{n:06d}",
            "at": _at(at),
            "target": target,
            "actor": people[rng.choice(colleagues)],
            "description": "entered into the record",
            "system": "records-system",
        }
        if approved and approval is not None:
            action["approval"] = approval["id"]
        found.append(action)
    if rng.random() < 0.03:
        at += rng.uniform(60, 3600)
        raiser = rng.choice(colleagues)
        boss = manager[raiser]
        escalation = {
            "type": "escalation",
            "id": f"{ORG}escalations/{n:06d}",
            "at": _at(at),
            "trigger": review_id or run_id,
            "target": target,
            "raised_by": people[raiser],
            "rationale": "output contradicts the source",
        }
        if boss is not None:
            escalation["escalated_to"] = people[boss]
        found.append(escalation)
    if rng.random() < 0.02:
        at += rng.uniform(60, 86400)
        found.append(
            {
                "type": "challenge",
                "id": f"{ORG}challenges/{n:06d}",
                "at": _at(at),
                "target": target,
                "challenger": people[rng.randrange(len(people))],
                "grounds": "the summary omits a relevant fact",
                "outcome": rng.choice(["pending", "upheld", "dismissed"]),
            }
        )
    return found, target


def write_jsonl(records: list[Record], path: str | Path) -> None:
    """One record per line: the file ``raidt record`` reads."""
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record))
            out.write("\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSON Lines file to write")
    args = parser.parse_args(argv)
    records = generate(args.runs, args.seed)
    write_jsonl(records, args.output)
    print(f"wrote {len(records)} records ({args.runs} runs) to {args.output}")


if __name__ == "__main__":
    main()
