"""The records that LLM applications and review tools send: a run, and the events that follow it.

These pydantic models are the edge of the system: JSON comes in, is checked field by field, and is
turned into PROV by :mod:`provenance.mapping`. Unknown fields are refused, times must carry a time
zone, and every identifier is an absolute IRI.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FiniteFloat,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)

from provenance.identifiers import is_iri

__all__ = [
    "RECORD_ADAPTER",
    "STORED",
    "Action",
    "AgentRef",
    "Approval",
    "Artifact",
    "Challenge",
    "ContentHash",
    "Delegation",
    "Escalation",
    "Input",
    "Instant",
    "Iri",
    "ModelConfig",
    "Override",
    "PolicyContext",
    "Record",
    "RenderedPrompt",
    "Review",
    "Run",
    "TemplateRef",
    "TemplateVersion",
    "in_utc_range",
    "record_json_schema",
    "unprintable",
]


STORED: dict[str, bool] = {"stored": True}
"""The validation context for a body read back from a store. It was checked when it was written,
by the rules of its day; read back, it is parsed only, so that a rule added since does not make a
stored record look tampered with."""


def _checking(info: ValidationInfo) -> bool:
    return not (info.context or {}).get("stored")


def _check_iri(value: str, info: ValidationInfo) -> str:
    if _checking(info) and not is_iri(value):
        raise ValueError(
            f"expected an absolute IRI such as https://example.org/runs/1, got {value!r}"
        )
    return value


Iri = Annotated[str, AfterValidator(_check_iri)]
ContentHash = Annotated[
    str,
    StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$"),
    Field(description="SHA-256 of the content, as sha256:<64 lowercase hex digits>"),
]


_NUMBER = re.compile(r"\s*[+-]?\d+(\.\d*)?\s*")


def _iso_text(value: object) -> object:
    """Times are ISO 8601 text: a bare number, even as text, would be read as seconds since
    1970."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("expected an ISO 8601 time with a time zone, not a number")
    return value


def in_utc_range(value: datetime) -> datetime:
    """The time as given, once known to be a time in UTC too (year 1 at +05:00 is not): every
    time is compared and stored in UTC.

    Raises
    ------
    ValueError
        When it is not.
    """
    try:
        value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("is out of range once expressed in UTC") from error
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(in_utc_range)]
"""An ISO 8601 time with a time zone, within the range of times in UTC."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def unprintable(value: str) -> str | None:
    """What makes text unfit to store, if anything: control characters (other than tab and line
    breaks) and the noncharacters U+FFFE and U+FFFF are invisible in every view, and PROV-XML
    cannot carry most of them at all."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    code = ord(found.group())
    what = "the noncharacter" if code > 0xFFFD else "the control character"
    return f"contains {what} U+{code:04X} at position {found.start()}"


def _check_printable(value: str, info: ValidationInfo) -> str:
    if _checking(info) and (problem := unprintable(value)):
        raise ValueError(problem)
    return value


FreeText = Annotated[str, AfterValidator(_check_printable)]
Text = Annotated[
    str, StringConstraints(min_length=1, strip_whitespace=True), AfterValidator(_check_printable)
]
ParameterValue: TypeAlias = str | int | FiniteFloat | bool | None
Sector = Literal["healthcare", "finance", "education", "public-services", "enterprise", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentRef(_Model):
    """A person, organisation or piece of software taking part, with their position if known."""

    id: Iri
    name: Text | None = None
    kind: Literal["person", "organization", "software"] = "person"
    position: Text | None = Field(
        default=None, description="Their organisational role, e.g. 'attending physician'"
    )


class Artifact(_Model):
    """A piece of content identified by IRI and pinned by its hash."""

    id: Iri
    content_hash: ContentHash
    label: Text | None = None
    uri: FreeText | None = Field(
        default=None,
        description="Where the content can be fetched: an absolute IRI (https://…, file:///…) "
        "for the inputs-located check to count it",
    )
    media_type: Text | None = None


class Input(Artifact):
    """A run input. ``kind='output'`` names an earlier run's output: the same entity, not a copy."""

    kind: Literal["document", "record", "retrieval", "tool-result", "output"] = "document"


class TemplateRef(_Model):
    """The prompt-template version a run used: its plan."""

    id: Iri = Field(description="IRI of this template version")
    template: Iri | None = Field(default=None, description="IRI of the template all versions share")
    version: Text
    content_hash: ContentHash


class RenderedPrompt(_Model):
    """The prompt as sent to the model, after the template was filled in."""

    id: Iri | None = Field(default=None, description="Defaults to the run id followed by /prompt")
    content_hash: ContentHash
    text: FreeText | None = None


class ModelConfig(_Model):
    """The configured model: who provides it, which model and version, with what settings."""

    id: Iri | None = Field(
        default=None, description="Defaults to an IRI derived from the configuration's content"
    )
    provider: Text
    model: Text
    version: Text | None = None
    parameters: dict[str, ParameterValue] = Field(default_factory=dict)
    tools: tuple[Text, ...] = ()
    agent: Iri | None = Field(
        default=None, description="IRI of the model as a software agent; derived when absent"
    )


class PolicyContext(_Model):
    """The policy frame a run happened in."""

    policy: Iri | None = None
    name: Text | None = None
    jurisdiction: Text | None = None
    regulations: tuple[Text, ...] = ()
    workflow_approved: bool | None = Field(
        default=None,
        description="Whether the workflow the run belongs to was approved for GenAI use",
    )


class Run(_Model):
    """One configured use of a model by identifiable people inside a task."""

    type: Literal["run"] = "run"
    id: Iri
    started_at: Instant
    ended_at: Instant
    task: Text
    purpose: Text | None = None
    sector: Sector
    risk_level: Literal["low", "medium", "high", "critical"]
    workflow: Text | None = None
    initiator: AgentRef
    inputs: tuple[Input, ...] = ()
    template: TemplateRef
    prompt: RenderedPrompt
    model: ModelConfig
    outputs: tuple[Artifact, ...] = Field(min_length=1)
    policy: PolicyContext | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Run:
        if not _checking(info):
            return self
        if self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        ids = [self.id, *(i.id for i in self.inputs), *(o.id for o in self.outputs)]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"ids used twice in one run: {', '.join(repeated)}")
        if self.model.agent is not None and self.model.agent == self.initiator.id:
            raise ValueError("model.agent is the initiator's id: the model is an agent of its own")
        return self


class _Event(_Model):
    id: Iri
    at: Instant


class Review(_Event):
    """A person reviewed an output; edits produce a revision of it."""

    type: Literal["review"] = "review"
    target: Iri = Field(description="The output (or template version) reviewed")
    reviewer: AgentRef
    started_at: Instant | None = Field(default=None, description="Defaults to 'at'")
    comment: FreeText | None = None
    revision: Artifact | None = Field(default=None, description="The edited output, if edited")

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Review:
        if not _checking(info):
            return self
        if self.started_at is not None and self.started_at > self.at:
            raise ValueError("started_at is after at")
        if self.revision is not None and self.revision.id == self.target:
            raise ValueError("revision.id must differ from target: a revision is a new entity")
        return self


class Approval(_Event):
    """A sign-off decision on an output or a template version."""

    type: Literal["approval"] = "approval"
    target: Iri = Field(description="The output or template version decided on")
    approver: AgentRef
    decision: Literal["approved", "rejected", "approved-with-edits"]
    rationale: FreeText | None = None
    on_behalf_of: Iri | None = Field(default=None, description="Whom the approver acted for")

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Approval:
        if not _checking(info):
            return self
        if self.on_behalf_of == self.approver.id:
            raise ValueError("on_behalf_of is the approver: no one acts on their own behalf")
        return self


class Escalation(_Event):
    """An issue raised to someone with more authority."""

    type: Literal["escalation"] = "escalation"
    trigger: Iri = Field(description="The run, review or other activity that triggered it")
    target: Iri | None = Field(default=None, description="The output in question")
    raised_by: AgentRef
    escalated_to: AgentRef | None = None
    rationale: FreeText | None = None


class Override(_Event):
    """A decision taken against a check, a rule or an earlier decision."""

    type: Literal["override"] = "override"
    trigger: Iri = Field(description="The activity whose outcome was overridden")
    target: Iri | None = Field(default=None, description="The output in question")
    overridden_by: AgentRef
    rationale: FreeText | None = None


class Action(_Event):
    """Something done in the world with an output: entered in a record, sent to a customer."""

    type: Literal["action"] = "action"
    target: Iri = Field(description="The output acted on")
    approval: Iri | None = Field(default=None, description="The approval that allowed it")
    actor: AgentRef
    description: Text
    system: FreeText | None = None


class Challenge(_Event):
    """Someone contested an output."""

    type: Literal["challenge"] = "challenge"
    target: Iri
    challenger: AgentRef
    grounds: Text
    outcome: Literal["pending", "upheld", "dismissed"] = "pending"
    rationale: FreeText | None = None


class Delegation(_Model):
    """One agent acts on behalf of another, within a scope, for a window of time."""

    type: Literal["delegation"] = "delegation"
    id: Iri
    delegate: AgentRef
    responsible: AgentRef
    scope: tuple[Text, ...] = Field(
        min_length=1, description="What the delegation covers: tasks, workflows or sectors, or '*'"
    )
    valid_from: Instant
    valid_to: Instant | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Delegation:
        if not _checking(info):
            return self
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.delegate.id == self.responsible.id:
            raise ValueError("an agent cannot delegate to itself")
        return self


class TemplateVersion(_Model):
    """A prompt-template version registered before use, with its author and predecessor."""

    type: Literal["template_version"] = "template_version"
    id: Iri
    template: Iri
    version: Text
    content_hash: ContentHash
    author: AgentRef
    created_at: Instant
    previous: Iri | None = None
    text: FreeText | None = None
    label: Text | None = None


Record = Annotated[
    Run
    | Review
    | Approval
    | Escalation
    | Override
    | Action
    | Challenge
    | Delegation
    | TemplateVersion,
    Field(discriminator="type"),
]
"""Anything ``raidt record`` accepts, told apart by its ``type`` field."""

RECORD_ADAPTER: TypeAdapter[Record] = TypeAdapter(Record)


def record_json_schema() -> dict[str, Any]:
    """The published JSON Schema of a record: what tools that write records validate against.

    Every record must name its ``type``: ``discriminator`` is OpenAPI's word, which JSON Schema
    validators pass over, so without it a record of no type would pass them and be refused by
    ``raidt record``."""
    schema = RECORD_ADAPTER.json_schema()
    for branch in schema["oneOf"]:
        definition = schema["$defs"][branch["$ref"].rsplit("/", 1)[1]]
        definition["properties"]["type"].pop("default", None)
        definition["required"] = ["type", *definition.get("required", [])]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "RAIDT provenance record"
    return schema
