"""The RAIDT vocabulary and the PROV terms it builds on.

These names are a contract: stored graphs, exported PROV documents, queries and other tools rely on
them, so every IRI the package writes comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "DERIVATION_SUBTYPES",
    "PROV",
    "RAIDT",
    "RELATION_KINDS",
    "RELATION_SPECS",
    "XSD",
    "Attr",
    "RelationSpec",
    "Role",
    "Type",
]

PROV: Final = "http://www.w3.org/ns/prov#"
RAIDT: Final = "https://w3id.org/raidt#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"


class Type:
    """Values of ``prov:type``: PROV's own classes and RAIDT's."""

    RUN: Final = RAIDT + "Run"
    INPUT: Final = RAIDT + "Input"
    OUTPUT: Final = RAIDT + "Output"
    PROMPT_TEMPLATE: Final = RAIDT + "PromptTemplate"
    PROMPT: Final = RAIDT + "Prompt"
    MODEL_CONFIG: Final = RAIDT + "ModelConfig"
    MODEL: Final = RAIDT + "Model"
    REVIEW: Final = RAIDT + "Review"
    APPROVAL: Final = RAIDT + "Approval"
    DECISION: Final = RAIDT + "Decision"
    ESCALATION: Final = RAIDT + "Escalation"
    OVERRIDE: Final = RAIDT + "Override"
    ACTION: Final = RAIDT + "Action"
    CHALLENGE: Final = RAIDT + "Challenge"
    PERSON: Final = PROV + "Person"
    ORGANIZATION: Final = PROV + "Organization"
    SOFTWARE_AGENT: Final = PROV + "SoftwareAgent"
    PLAN: Final = PROV + "Plan"
    BUNDLE: Final = PROV + "Bundle"
    REVISION: Final = PROV + "Revision"
    QUOTATION: Final = PROV + "Quotation"
    PRIMARY_SOURCE: Final = PROV + "PrimarySource"


class Role:
    """Values of ``prov:role`` on usage, generation and association."""

    INITIATOR: Final = RAIDT + "initiator"
    REVIEWER: Final = RAIDT + "reviewer"
    APPROVER: Final = RAIDT + "approver"
    EXECUTOR: Final = RAIDT + "executor"
    GENERATOR: Final = RAIDT + "generator"
    INPUT: Final = RAIDT + "input"
    PROMPT: Final = RAIDT + "prompt"
    CONFIGURATION: Final = RAIDT + "configuration"
    ESCALATED_TO: Final = RAIDT + "escalatedTo"
    OVERRIDER: Final = RAIDT + "overrider"
    CHALLENGER: Final = RAIDT + "challenger"
    SUBJECT: Final = RAIDT + "subject"


class Attr:
    """Attribute names: PROV's and RAIDT's."""

    TYPE: Final = PROV + "type"
    LABEL: Final = PROV + "label"
    LOCATION: Final = PROV + "location"
    ROLE: Final = PROV + "role"
    VALUE: Final = PROV + "value"
    DECISION: Final = RAIDT + "decision"
    RATIONALE: Final = RAIDT + "rationale"
    CONTENT_HASH: Final = RAIDT + "contentHash"
    SCOPE: Final = RAIDT + "scope"
    VALID_FROM: Final = RAIDT + "validFrom"
    VALID_TO: Final = RAIDT + "validTo"
    TASK: Final = RAIDT + "task"
    PURPOSE: Final = RAIDT + "purpose"
    SECTOR: Final = RAIDT + "sector"
    RISK_LEVEL: Final = RAIDT + "riskLevel"
    WORKFLOW: Final = RAIDT + "workflow"
    WORKFLOW_APPROVED: Final = RAIDT + "workflowApproved"
    POLICY: Final = RAIDT + "policy"
    JURISDICTION: Final = RAIDT + "jurisdiction"
    REGULATION: Final = RAIDT + "regulation"
    POSITION: Final = RAIDT + "position"
    INPUT_KIND: Final = RAIDT + "inputKind"
    MEDIA_TYPE: Final = RAIDT + "mediaType"
    TEXT: Final = RAIDT + "text"
    TEMPLATE: Final = RAIDT + "template"
    VERSION: Final = RAIDT + "version"
    PROVIDER: Final = RAIDT + "provider"
    MODEL: Final = RAIDT + "model"
    MODEL_VERSION: Final = RAIDT + "modelVersion"
    PARAMETERS: Final = RAIDT + "parameters"
    TOOL: Final = RAIDT + "tool"
    COMMENT: Final = RAIDT + "comment"
    DESCRIPTION: Final = RAIDT + "description"
    SYSTEM: Final = RAIDT + "system"
    GROUNDS: Final = RAIDT + "grounds"
    OUTCOME: Final = RAIDT + "outcome"
    CREATED_AT: Final = RAIDT + "createdAt"
    ON_BEHALF_OF: Final = RAIDT + "onBehalfOf"
    """On an approver's association: whom they acted for, beside the ``actedOnBehalfOf`` claim,
    so that a question about one approval need not read every claim its approver ever made."""


@dataclass(frozen=True, slots=True)
class RelationSpec:
    """How one PROV relation kind is laid out: its ends and its other formal arguments.

    ``src`` and ``dst`` name the first two formal arguments (an edge points from the newer thing to
    what it depends on); ``args`` are the remaining formal arguments, kept on the edge.
    """

    kind: str
    src: str
    dst: str
    args: tuple[str, ...] = ()


def _spec(kind: str, src: str, dst: str, *args: str) -> RelationSpec:
    return RelationSpec(kind, src, dst, args)


RELATION_SPECS: Final[dict[str, RelationSpec]] = {
    spec.kind: spec
    for spec in (
        _spec("wasGeneratedBy", "entity", "activity", "time"),
        _spec("used", "activity", "entity", "time"),
        _spec("wasInformedBy", "informed", "informant"),
        _spec("wasStartedBy", "activity", "trigger", "starter", "time"),
        _spec("wasEndedBy", "activity", "trigger", "ender", "time"),
        _spec("wasInvalidatedBy", "entity", "activity", "time"),
        _spec("wasDerivedFrom", "generatedEntity", "usedEntity", "activity", "generation", "usage"),
        _spec("wasAttributedTo", "entity", "agent"),
        _spec("wasAssociatedWith", "activity", "agent", "plan"),
        _spec("actedOnBehalfOf", "delegate", "responsible", "activity"),
        _spec("wasInfluencedBy", "influencee", "influencer"),
        _spec("specializationOf", "specificEntity", "generalEntity"),
        _spec("alternateOf", "alternate1", "alternate2"),
        _spec("mentionOf", "specificEntity", "generalEntity", "bundle"),
        _spec("hadMember", "collection", "entity"),
    )
}

DERIVATION_SUBTYPES: Final[dict[str, str]] = {
    Type.REVISION: "wasRevisionOf",
    Type.QUOTATION: "wasQuotedFrom",
    Type.PRIMARY_SOURCE: "hadPrimarySource",
}
"""Derivations typed as one of these are stored under their own relation kind, so that traversals
can follow revisions alone; on export they are written back as typed ``wasDerivedFrom``."""

RELATION_KINDS: Final[frozenset[str]] = frozenset(RELATION_SPECS) | frozenset(
    DERIVATION_SUBTYPES.values()
)
