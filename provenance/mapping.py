"""From RAIDT records to PROV: the graph fragment each run or event contributes.

The mapping follows DESIGN.md's table. It is deterministic — the same record always gives the same
fragment — because the store hashes what it writes and ``raidt verify`` recomputes those hashes.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache, singledispatch
from typing import NamedTuple
from urllib.parse import quote

from provenance.graph import Element, Fragment, Json, NodeKind, Relation, attributes, dt, iri
from provenance.hashing import canonical_json, sha256_hex
from provenance.records import (
    Action,
    AgentRef,
    Approval,
    Artifact,
    Challenge,
    Delegation,
    Escalation,
    ModelConfig,
    Override,
    Record,
    Review,
    Run,
    TemplateVersion,
)
from provenance.vocabulary import PROV, Attr, Role, Type

__all__ = [
    "Reference",
    "decision_id",
    "model_agent_id",
    "model_config_id",
    "prompt_id",
    "references",
    "to_fragment",
]

_AGENT_TYPES = {
    "person": Type.PERSON,
    "organization": Type.ORGANIZATION,
    "software": Type.SOFTWARE_AGENT,
}

Pairs = Iterable[tuple[str, Json | None]]


def prompt_id(run: Run) -> str:
    return run.prompt.id or f"{run.id}/prompt"


def model_config_id(config: ModelConfig) -> str:
    """A configuration without an id is named by its content: equal configurations share a node."""
    if config.id:
        return config.id
    content = config.model_dump(mode="json", exclude={"id", "agent"})
    return f"urn:raidt:config:{sha256_hex(canonical_json(content))[:32]}"


def model_agent_id(config: ModelConfig) -> str:
    if config.agent:
        return config.agent
    parts = (config.provider, config.model, config.version or "unversioned")
    return "urn:raidt:model:" + ":".join(quote(part, safe="") for part in parts)


def decision_id(approval: Approval) -> str:
    return f"{approval.id}/decision"


def _element(node_id: str, kind: NodeKind, types: Iterable[str], pairs: Pairs = ()) -> Element:
    return Element(node_id, kind, attributes([*((Attr.TYPE, iri(t)) for t in types), *pairs]))


def _relation(
    kind: str, src: str, dst: str, pairs: Pairs = (), rel_id: str | None = None
) -> Relation:
    return Relation(kind, src, dst, attributes(pairs), rel_id)


def _agent(agent: AgentRef) -> Element:
    return _described_agent(agent.id, agent.kind, agent.name)


@lru_cache(maxsize=65536)
def _described_agent(agent_id: str, kind: str, name: str | None) -> Element:
    """One element per distinct description: the same people appear in thousands of records,
    and a shared element is sorted, serialised and hashed once, not once per record."""
    return _element(agent_id, "agent", [_AGENT_TYPES[kind]], [(Attr.LABEL, name)])


def _association(
    activity: str,
    agent: AgentRef,
    role: str,
    plan: str | None = None,
    on_behalf_of: str | None = None,
) -> Relation:
    pairs: list[tuple[str, Json | None]] = [
        (Attr.ROLE, iri(role)),
        (Attr.POSITION, agent.position),
        (Attr.ON_BEHALF_OF, iri(on_behalf_of) if on_behalf_of else None),
    ]
    if plan:
        pairs.append((PROV + "plan", iri(plan)))
    return _relation("wasAssociatedWith", activity, agent.id, pairs)


def _artifact(artifact: Artifact, types: Iterable[str], pairs: Pairs = ()) -> Element:
    return _element(
        artifact.id,
        "entity",
        types,
        [
            (Attr.CONTENT_HASH, artifact.content_hash),
            (Attr.LABEL, artifact.label),
            (Attr.LOCATION, {"@uri": artifact.uri} if artifact.uri else None),
            (Attr.MEDIA_TYPE, artifact.media_type),
            *pairs,
        ],
    )


def _instant_activity(record_id: str, at: Json, types: Iterable[str], pairs: Pairs = ()) -> Element:
    return _element(
        record_id, "activity", types, [(PROV + "startTime", at), (PROV + "endTime", at), *pairs]
    )


def _used(activity: str, entity: str, at: Json, role: str | None = None) -> Relation:
    return _relation(
        "used", activity, entity, [(PROV + "time", at), (Attr.ROLE, iri(role) if role else None)]
    )


# The elements below describe what many runs share; each distinct description is built once.


@lru_cache(maxsize=16384)
def _template_element(
    version_id: str, template: str | None, version: str | None, content_hash: str | None
) -> Element:
    return _element(
        version_id,
        "entity",
        [Type.PLAN, Type.PROMPT_TEMPLATE],
        [
            (Attr.TEMPLATE, iri(template) if template else None),
            (Attr.VERSION, version),
            (Attr.CONTENT_HASH, content_hash),
        ],
    )


def _model_pairs(model: tuple[str, str, str | None]) -> list[tuple[str, Json | None]]:
    provider, name, version = model
    return [(Attr.PROVIDER, provider), (Attr.MODEL, name), (Attr.MODEL_VERSION, version)]


@lru_cache(maxsize=16384)
def _config_element(
    config_id: str, model: tuple[str, str, str | None], parameters: str, tools: tuple[str, ...]
) -> Element:
    return _element(
        config_id,
        "entity",
        [Type.MODEL_CONFIG],
        [*_model_pairs(model), (Attr.PARAMETERS, parameters), *((Attr.TOOL, t) for t in tools)],
    )


@lru_cache(maxsize=16384)
def _model_element(model_id: str, model: tuple[str, str, str | None]) -> Element:
    return _element(model_id, "agent", [Type.SOFTWARE_AGENT, Type.MODEL], _model_pairs(model))


@singledispatch
def _map(record: object) -> tuple[list[Element], list[Relation]]:
    raise TypeError(f"no PROV mapping for {type(record).__name__}")


@_map.register
def _run(run: Run) -> tuple[list[Element], list[Relation]]:
    start, end = dt(run.started_at), dt(run.ended_at)
    policy = run.policy
    config, prompt = run.model, run.prompt
    config_id, model_id, rendered = model_config_id(config), model_agent_id(config), prompt_id(run)
    template = run.template
    model = (config.provider, config.model, config.version)
    elements = [
        _element(
            run.id,
            "activity",
            [Type.RUN],
            [
                (PROV + "startTime", start),
                (PROV + "endTime", end),
                (Attr.TASK, run.task),
                (Attr.PURPOSE, run.purpose),
                (Attr.SECTOR, run.sector),
                (Attr.RISK_LEVEL, run.risk_level),
                (Attr.WORKFLOW, run.workflow),
                (Attr.POLICY, iri(policy.policy) if policy and policy.policy else None),
                (Attr.LABEL, policy.name if policy else None),
                (Attr.JURISDICTION, policy.jurisdiction if policy else None),
                (Attr.WORKFLOW_APPROVED, policy.workflow_approved if policy else None),
                *((Attr.REGULATION, r) for r in (policy.regulations if policy else ())),
            ],
        ),
        _agent(run.initiator),
        _template_element(template.id, template.template, template.version, template.content_hash),
        _element(
            rendered,
            "entity",
            [Type.PROMPT],
            [(Attr.CONTENT_HASH, prompt.content_hash), (Attr.TEXT, prompt.text)],
        ),
        _config_element(config_id, model, canonical_json(config.parameters), config.tools),
        _model_element(model_id, model),
    ]
    relations = [
        _association(run.id, run.initiator, Role.INITIATOR, plan=run.template.id),
        _relation("wasAssociatedWith", run.id, model_id, [(Attr.ROLE, iri(Role.GENERATOR))]),
        _relation(
            "actedOnBehalfOf", model_id, run.initiator.id, [(PROV + "activity", iri(run.id))]
        ),
        _used(run.id, rendered, start, Role.PROMPT),
        _used(run.id, config_id, start, Role.CONFIGURATION),
        _relation("wasDerivedFrom", rendered, run.template.id),
    ]
    for source in run.inputs:
        if source.kind != "output":
            elements.append(_artifact(source, [Type.INPUT], [(Attr.INPUT_KIND, source.kind)]))
        relations.append(_used(run.id, source.id, start, Role.INPUT))
    for output in run.outputs:
        elements.append(_artifact(output, [Type.OUTPUT]))
        relations.append(_relation("wasGeneratedBy", output.id, run.id, [(PROV + "time", end)]))
        relations.append(_relation("wasAttributedTo", output.id, model_id))
        relations.extend(
            _relation("wasDerivedFrom", output.id, source.id, [(PROV + "activity", iri(run.id))])
            for source in run.inputs
        )
    return elements, relations


@_map.register
def _review(review: Review) -> tuple[list[Element], list[Relation]]:
    at = dt(review.at)
    elements = [
        _element(
            review.id,
            "activity",
            [Type.REVIEW],
            [
                (PROV + "startTime", dt(review.started_at or review.at)),
                (PROV + "endTime", at),
                (Attr.COMMENT, review.comment),
            ],
        ),
        _agent(review.reviewer),
    ]
    relations = [
        _used(review.id, review.target, dt(review.started_at or review.at), Role.SUBJECT),
        _association(review.id, review.reviewer, Role.REVIEWER),
    ]
    if review.revision:
        revision = review.revision.id
        elements.append(_artifact(review.revision, [Type.OUTPUT]))
        relations += [
            _relation("wasGeneratedBy", revision, review.id, [(PROV + "time", at)]),
            _relation(
                "wasRevisionOf",
                revision,
                review.target,
                [(Attr.TYPE, iri(Type.REVISION)), (PROV + "activity", iri(review.id))],
            ),
            _relation("wasAttributedTo", revision, review.reviewer.id),
        ]
    return elements, relations


@_map.register
def _approval(approval: Approval) -> tuple[list[Element], list[Relation]]:
    at = dt(approval.at)
    decision = decision_id(approval)
    verdict = [(Attr.DECISION, approval.decision), (Attr.RATIONALE, approval.rationale)]
    elements = [
        _instant_activity(approval.id, at, [Type.APPROVAL], verdict),
        _agent(approval.approver),
        _element(decision, "entity", [Type.DECISION], verdict),
    ]
    relations = [
        _used(approval.id, approval.target, at, Role.SUBJECT),
        _association(
            approval.id, approval.approver, Role.APPROVER, on_behalf_of=approval.on_behalf_of
        ),
        _relation("wasGeneratedBy", decision, approval.id, [(PROV + "time", at)]),
        _relation("wasAttributedTo", decision, approval.approver.id),
    ]
    if approval.decision == "rejected":
        relations.append(
            _relation("wasInvalidatedBy", approval.target, approval.id, [(PROV + "time", at)])
        )
    if approval.on_behalf_of:
        relations.append(
            _relation(
                "actedOnBehalfOf",
                approval.approver.id,
                approval.on_behalf_of,
                [(PROV + "activity", iri(approval.id))],
            )
        )
    return elements, relations


def _intervention(
    record: Escalation | Override, kind: str, by: AgentRef, role: str
) -> tuple[list[Element], list[Relation]]:
    at = dt(record.at)
    elements = [
        _instant_activity(record.id, at, [kind], [(Attr.RATIONALE, record.rationale)]),
        _agent(by),
    ]
    relations = [
        _relation("wasInformedBy", record.id, record.trigger),
        _association(record.id, by, role),
    ]
    if record.target:
        relations.append(_used(record.id, record.target, at, Role.SUBJECT))
    return elements, relations


@_map.register
def _escalation(escalation: Escalation) -> tuple[list[Element], list[Relation]]:
    elements, relations = _intervention(
        escalation, Type.ESCALATION, escalation.raised_by, Role.INITIATOR
    )
    if escalation.escalated_to:
        elements.append(_agent(escalation.escalated_to))
        relations.append(_association(escalation.id, escalation.escalated_to, Role.ESCALATED_TO))
    return elements, relations


@_map.register
def _override(override: Override) -> tuple[list[Element], list[Relation]]:
    return _intervention(override, Type.OVERRIDE, override.overridden_by, Role.OVERRIDER)


@_map.register
def _action(action: Action) -> tuple[list[Element], list[Relation]]:
    at = dt(action.at)
    elements = [
        _instant_activity(
            action.id,
            at,
            [Type.ACTION],
            [(Attr.DESCRIPTION, action.description), (Attr.SYSTEM, action.system)],
        ),
        _agent(action.actor),
    ]
    relations = [
        _used(action.id, action.target, at, Role.SUBJECT),
        _association(action.id, action.actor, Role.EXECUTOR),
    ]
    if action.approval:
        relations.append(_relation("wasInformedBy", action.id, action.approval))
    return elements, relations


@_map.register
def _challenge(challenge: Challenge) -> tuple[list[Element], list[Relation]]:
    at = dt(challenge.at)
    elements = [
        _instant_activity(
            challenge.id,
            at,
            [Type.CHALLENGE],
            [
                (Attr.GROUNDS, challenge.grounds),
                (Attr.OUTCOME, challenge.outcome),
                (Attr.RATIONALE, challenge.rationale),
            ],
        ),
        _agent(challenge.challenger),
    ]
    relations = [
        _used(challenge.id, challenge.target, at, Role.SUBJECT),
        _association(challenge.id, challenge.challenger, Role.CHALLENGER),
    ]
    return elements, relations


@_map.register
def _delegation(delegation: Delegation) -> tuple[list[Element], list[Relation]]:
    pairs: list[tuple[str, Json | None]] = [
        *((Attr.SCOPE, scope) for scope in delegation.scope),
        (Attr.VALID_FROM, dt(delegation.valid_from)),
        (Attr.VALID_TO, dt(delegation.valid_to) if delegation.valid_to else None),
    ]
    relation = _relation(
        "actedOnBehalfOf",
        delegation.delegate.id,
        delegation.responsible.id,
        pairs,
        rel_id=delegation.id,
    )
    return [_agent(delegation.delegate), _agent(delegation.responsible)], [relation]


@_map.register
def _template_version(version: TemplateVersion) -> tuple[list[Element], list[Relation]]:
    element = _element(
        version.id,
        "entity",
        [Type.PLAN, Type.PROMPT_TEMPLATE],
        [
            (Attr.TEMPLATE, iri(version.template)),
            (Attr.VERSION, version.version),
            (Attr.CONTENT_HASH, version.content_hash),
            (Attr.TEXT, version.text),
            (Attr.LABEL, version.label),
            (Attr.CREATED_AT, dt(version.created_at)),
        ],
    )
    relations = [_relation("wasAttributedTo", version.id, version.author.id)]
    if version.previous:
        relations.append(
            _relation(
                "wasRevisionOf", version.id, version.previous, [(Attr.TYPE, iri(Type.REVISION))]
            )
        )
    return [element, _agent(version.author)], relations


def to_fragment(record: Record) -> Fragment:
    """The PROV elements and relations one record contributes to the graph."""
    elements, relations = _map(record)
    return Fragment(tuple(elements), tuple(relations))


_DECIDED_ON = (Type.OUTPUT, Type.PROMPT_TEMPLATE)


class Reference(NamedTuple):
    """A node a record points to, which must already be recorded: as ``kind``, of one of
    ``types`` when they are named, and with ``content_hash`` when the record states it."""

    field: str
    id: str
    kind: NodeKind
    types: tuple[str, ...] = ()
    content_hash: str | None = None


def references(record: Record) -> list[Reference]:
    """The nodes a record points to that must already be recorded.

    Only references to things another record creates are listed; people and models may first
    appear in any record.
    """
    found: list[Reference] = []
    if isinstance(record, Run):
        found += [
            Reference(f"inputs.{i}.id", source.id, "entity", (Type.OUTPUT,), source.content_hash)
            for i, source in enumerate(record.inputs)
            if source.kind == "output"
        ]
    if isinstance(record, Review | Approval):
        # what is decided on is an output (a revision too) or a template version, never an input
        found.append(Reference("target", record.target, "entity", _DECIDED_ON))
    elif isinstance(record, Action):
        found.append(Reference("target", record.target, "entity", (Type.OUTPUT,)))
    elif isinstance(record, Challenge | Escalation | Override) and record.target:
        found.append(Reference("target", record.target, "entity"))
    if isinstance(record, Escalation | Override):
        found.append(Reference("trigger", record.trigger, "activity"))
    if isinstance(record, Action) and record.approval:
        found.append(Reference("approval", record.approval, "activity", (Type.APPROVAL,)))
    if isinstance(record, TemplateVersion) and record.previous:
        found.append(Reference("previous", record.previous, "entity", (Type.PROMPT_TEMPLATE,)))
    return found
