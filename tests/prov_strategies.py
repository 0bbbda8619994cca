"""Hypothesis strategies for valid W3C PROV documents (``prov.model.ProvDocument``), small ones.

A generated document declares a few namespaces, describes entities, activities and agents, and
relates them with every PROV relation kind, each record carrying extra attributes of every value
type PROV defines. Some records sit in named bundles. :func:`describe_difference` explains why two
documents are not equal, for assertion messages.

The relation table here is written independently of ``provenance.vocabulary.RELATION_SPECS`` (from
the PROV-DM and the ``prov`` package's formal attribute names), so that the tests check the
project's table rather than reuse it.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from prov.constants import (
    PROV,
    PROV_ACTIVITY,
    PROV_AGENT,
    PROV_ALTERNATE,
    PROV_ASSOCIATION,
    PROV_ATTRIBUTION,
    PROV_COMMUNICATION,
    PROV_DELEGATION,
    PROV_DERIVATION,
    PROV_END,
    PROV_ENTITY,
    PROV_GENERATION,
    PROV_INFLUENCE,
    PROV_INVALIDATION,
    PROV_LABEL,
    PROV_LOCATION,
    PROV_MEMBERSHIP,
    PROV_MENTION,
    PROV_N_MAP,
    PROV_ROLE,
    PROV_SPECIALIZATION,
    PROV_START,
    PROV_TYPE,
    PROV_USAGE,
    PROV_VALUE,
    XSD,
)
from prov.identifier import Identifier, Namespace, QualifiedName
from prov.model import Literal, ProvBundle, ProvDocument, ProvRecord

__all__ = [
    "RELATION_KINDS",
    "describe_difference",
    "prov_documents",
]

# -- names -------------------------------------------------------------------------------------

# Prefixes a document may declare. ``model`` and ``config`` are also prefixes the store itself
# reserves (for other namespaces), so a document using them exercises the store's re-prefixing.
PREFIXES = ("ex", "org", "lab", "hr", "data", "model", "config", "e2")

_HOSTS = ("example.org", "example.com", "org.example", "lab.example.net", "w3id.org")
_SEGMENTS = ("ns", "data", "people", "runs", "v1", "sub", "provenance")


@st.composite
def namespace_uris(draw: st.DrawFn) -> str:
    """An http(s) namespace IRI ending in ``/`` or ``#``."""
    scheme = draw(st.sampled_from(("http", "https")))
    host = draw(st.sampled_from(_HOSTS))
    path = draw(st.lists(st.sampled_from(_SEGMENTS), max_size=2))
    end = draw(st.sampled_from(("/", "#")))
    body = "/".join([host, *path])
    if end == "#" and not path:
        body += "/ns"
    return f"{scheme}://{body}{end}"


# Local parts of qualified names: PROV-N, XML (NCName) and Turtle all accept these.
local_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,5}(-[A-Za-z0-9]{1,3})?", fullmatch=True)

# -- values ------------------------------------------------------------------------------------

_OFFSETS = [
    datetime.UTC,
    datetime.timezone(datetime.timedelta(hours=1)),
    datetime.timezone(datetime.timedelta(hours=5, minutes=30)),
    datetime.timezone(datetime.timedelta(hours=-8)),
    datetime.timezone(datetime.timedelta(hours=-3, minutes=-30)),
    datetime.timezone(datetime.timedelta(hours=14)),
    datetime.timezone(datetime.timedelta(hours=-12)),
]


def datetimes(*, naive: bool = True) -> st.SearchStrategy[datetime.datetime]:
    """xsd:dateTime values, whole seconds, mostly timezone-aware."""
    aware = st.datetimes(
        min_value=datetime.datetime(1950, 1, 1),
        max_value=datetime.datetime(2090, 12, 31),
        timezones=st.sampled_from(_OFFSETS),
    ).map(lambda d: d.replace(microsecond=0))
    if not naive:
        return aware
    plain = st.datetimes(
        min_value=datetime.datetime(1950, 1, 1), max_value=datetime.datetime(2090, 12, 31)
    ).map(lambda d: d.replace(microsecond=0))
    return st.one_of(aware, aware, plain)


# Text that every serialisation can carry: no control characters (XML 1.0 forbids most of them),
# no surrogates. Quotes, backslashes, tabs, new lines and non-ASCII letters stay in.
texts = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Co", "Cn"),
        include_characters="\t\n",
    ),
    max_size=12,
)

# BCP 47-shaped language tags (prov warns about any other shape).
language_tags = st.from_regex(r"[a-z]{2,3}(-[A-Z]{2}|-[a-z]{4}|-[0-9]{3})?", fullmatch=True)

decimals = st.decimals(
    min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False
).map(lambda d: format(d, "f"))

# A few xsd types that prov keeps as typed literals, each with a lexical form of its own.
_XSD_LITERALS: list[tuple[str, st.SearchStrategy[str]]] = [
    ("decimal", decimals),
    ("anyURI", st.sampled_from(("https://example.org/doc/1", "urn:isbn:0451450523", "mailto:a@b.c"))),
    ("date", st.dates().map(lambda d: d.isoformat())),
    ("time", st.times().map(lambda t: t.replace(microsecond=0).isoformat())),
    ("hexBinary", st.binary(min_size=1, max_size=4).map(lambda b: b.hex().upper())),
    ("short", st.integers(-(2**15), 2**15 - 1).map(str)),
    ("long", st.integers(-(2**31) + 1, 2**31 - 1).map(str)),
    ("float", st.sampled_from(("1.5", "-0.25", "1.0E3"))),
    ("gYear", st.integers(1900, 2100).map(str)),
]


@dataclass
class Names:
    """The names one document uses: its namespaces, element ids by kind, and the ids left over for
    relations and bundles."""

    namespaces: list[Namespace]
    entities: list[QualifiedName] = field(default_factory=list)
    activities: list[QualifiedName] = field(default_factory=list)
    agents: list[QualifiedName] = field(default_factory=list)
    relation_ids: list[QualifiedName] = field(default_factory=list)
    bundles: list[QualifiedName] = field(default_factory=list)

    def elements(self) -> list[QualifiedName]:
        return [*self.entities, *self.activities, *self.agents]


def qualified_names(names: Names) -> st.SearchStrategy[QualifiedName]:
    """A qualified name: one of the document's ids, or a fresh name in one of its namespaces."""
    fresh = st.builds(lambda ns, local: ns[local], st.sampled_from(names.namespaces), local_names)
    return st.one_of(st.sampled_from(names.elements()), fresh)


def typed_literals(names: Names) -> st.SearchStrategy[Literal]:
    """A literal with an xsd datatype, or with a datatype of the document's own."""
    xsd = st.one_of(
        *(
            lexical.map(lambda text, name=name: Literal(text, XSD[name]))
            for name, lexical in _XSD_LITERALS
        )
    )
    own = st.builds(
        lambda ns, local, text: Literal(text, ns[local]),
        st.sampled_from(names.namespaces),
        local_names,
        texts,
    )
    return st.one_of(xsd, xsd, own)


def values(names: Names) -> st.SearchStrategy[Any]:
    """Any attribute value PROV defines."""
    return st.one_of(
        texts,
        st.integers(-(2**40), 2**40),
        st.integers(-(2**70), 2**70),
        # NaN is left out: it equals nothing, so no document holding it equals its own copy.
        st.floats(allow_nan=False),
        st.booleans(),
        qualified_names(names),
        st.sampled_from(("https://example.net/page?q=1", "urn:uuid:0b9d7a0e-1", "http://x.test/a#b"))
        .map(Identifier),
        typed_literals(names),
        st.builds(lambda text, tag: Literal(text, langtag=tag), texts, language_tags),
        datetimes(),
    )


def labels() -> st.SearchStrategy[Any]:
    return st.one_of(
        texts, st.builds(lambda text, tag: Literal(text, langtag=tag), texts, language_tags)
    )


@st.composite
def extra_attributes(
    draw: st.DrawFn,
    names: Names,
    *,
    roles: bool = False,
    location: bool = False,
    value: bool = False,
) -> list[tuple[QualifiedName, Any]]:
    """Extra attributes for one record: PROV's own and the document's, some multi-valued."""
    own_names = st.builds(lambda ns, local: ns[local], st.sampled_from(names.namespaces), local_names)
    choices: list[st.SearchStrategy[tuple[QualifiedName, Any]]] = [
        st.tuples(st.just(PROV_TYPE), st.one_of(qualified_names(names), texts, typed_literals(names))),
        st.tuples(st.just(PROV_LABEL), labels()),
        st.tuples(own_names, values(names)),
        st.tuples(own_names, values(names)),
    ]
    if roles:
        choices.append(st.tuples(st.just(PROV_ROLE), qualified_names(names)))
    if location:
        choices.append(st.tuples(st.just(PROV_LOCATION), st.one_of(texts, qualified_names(names))))
    pairs = draw(st.lists(st.one_of(*choices), max_size=3))
    if draw(st.integers(0, 3)) == 0:
        # one attribute with several values
        name = draw(st.one_of(own_names, st.just(PROV_TYPE)))
        pairs += [(name, v) for v in draw(st.lists(values(names), min_size=2, max_size=3))]
    if value and draw(st.booleans()):
        # prov:value holds one value only
        pairs.append((PROV_VALUE, draw(values(names))))
    return pairs


# -- relations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """One formal argument of a relation: its PROV name, which ids it takes, whether PROV-DM lets
    it be absent."""

    name: str
    pool: str
    optional: bool = False


@dataclass(frozen=True)
class RelationKind:
    kind: str
    record_type: QualifiedName
    args: tuple[Arg, ...]
    extra: bool = True
    """Whether PROV-N gives the relation an identifier and attributes (the four relations between
    entities and collections have neither)."""
    roles: bool = False
    location: bool = False
    derivation_type: QualifiedName | None = None


def _kind(
    kind: str, record_type: QualifiedName, *args: Arg, extra: bool = True, **flags: Any
) -> RelationKind:
    return RelationKind(kind, record_type, args, extra, **flags)


RELATION_KINDS: dict[str, RelationKind] = {
    k.kind: k
    for k in (
        _kind(
            "used",
            PROV_USAGE,
            Arg("activity", "activities"),
            Arg("entity", "entities", True),
            Arg("time", "time", True),
            roles=True,
            location=True,
        ),
        _kind(
            "wasGeneratedBy",
            PROV_GENERATION,
            Arg("entity", "entities"),
            Arg("activity", "activities", True),
            Arg("time", "time", True),
            roles=True,
            location=True,
        ),
        _kind(
            "wasInformedBy",
            PROV_COMMUNICATION,
            Arg("informed", "activities"),
            Arg("informant", "activities"),
        ),
        _kind(
            "wasStartedBy",
            PROV_START,
            Arg("activity", "activities"),
            Arg("trigger", "entities", True),
            Arg("starter", "activities", True),
            Arg("time", "time", True),
            roles=True,
            location=True,
        ),
        _kind(
            "wasEndedBy",
            PROV_END,
            Arg("activity", "activities"),
            Arg("trigger", "entities", True),
            Arg("ender", "activities", True),
            Arg("time", "time", True),
            roles=True,
            location=True,
        ),
        _kind(
            "wasInvalidatedBy",
            PROV_INVALIDATION,
            Arg("entity", "entities"),
            Arg("activity", "activities", True),
            Arg("time", "time", True),
            roles=True,
            location=True,
        ),
        *(
            _kind(
                kind,
                PROV_DERIVATION,
                Arg("generatedEntity", "entities"),
                Arg("usedEntity", "entities"),
                Arg("activity", "activities", True),
                Arg("generation", "relation_ids", True),
                Arg("usage", "relation_ids", True),
                derivation_type=subtype,
            )
            for kind, subtype in (
                ("wasDerivedFrom", None),
                ("wasRevisionOf", PROV["Revision"]),
                ("wasQuotedFrom", PROV["Quotation"]),
                ("hadPrimarySource", PROV["PrimarySource"]),
            )
        ),
        _kind("wasAttributedTo", PROV_ATTRIBUTION, Arg("entity", "entities"), Arg("agent", "agents")),
        _kind(
            "wasAssociatedWith",
            PROV_ASSOCIATION,
            Arg("activity", "activities"),
            Arg("agent", "agents", True),
            Arg("plan", "entities", True),
            roles=True,
        ),
        _kind(
            "actedOnBehalfOf",
            PROV_DELEGATION,
            Arg("delegate", "agents"),
            Arg("responsible", "agents"),
            Arg("activity", "activities", True),
        ),
        _kind(
            "wasInfluencedBy",
            PROV_INFLUENCE,
            Arg("influencee", "elements"),
            Arg("influencer", "elements"),
        ),
        _kind(
            "specializationOf",
            PROV_SPECIALIZATION,
            Arg("specificEntity", "entities"),
            Arg("generalEntity", "entities"),
            extra=False,
        ),
        _kind(
            "alternateOf",
            PROV_ALTERNATE,
            Arg("alternate1", "entities"),
            Arg("alternate2", "entities"),
            extra=False,
        ),
        _kind(
            "mentionOf",
            PROV_MENTION,
            Arg("specificEntity", "entities"),
            Arg("generalEntity", "entities"),
            Arg("bundle", "bundles"),
            extra=False,
        ),
        _kind(
            "hadMember",
            PROV_MEMBERSHIP,
            Arg("collection", "entities"),
            Arg("entity", "entities"),
            extra=False,
        ),
    )
}
"""Every PROV relation kind by its PROV-N name, plus the three typed derivations (by the name the
store files them under)."""


def _pool(names: Names, pool: str) -> list[QualifiedName]:
    if pool == "elements":
        return names.elements()
    found: list[QualifiedName] = getattr(names, pool)
    return found


@st.composite
def relations(
    draw: st.DrawFn, names: Names, kind: RelationKind, relation_ids: Iterable[QualifiedName]
) -> tuple[QualifiedName | None, list[tuple[QualifiedName, Any]], list[tuple[QualifiedName, Any]]]:
    """One relation: its identifier (or none), formal attributes and extra attributes."""
    formal: list[tuple[QualifiedName, Any]] = []
    for arg in kind.args:
        if arg.optional and draw(st.booleans()):
            continue
        if arg.pool == "time":
            chosen: Any = draw(datetimes())
        elif arg.pool == "bundles" and not names.bundles:
            chosen = draw(qualified_names(names))  # a bundle described elsewhere
        elif arg.pool == "relation_ids" and not names.relation_ids:
            continue
        else:
            chosen = draw(st.sampled_from(_pool(names, arg.pool)))
        formal.append((PROV[arg.name], chosen))
    extra: list[tuple[QualifiedName, Any]] = []
    identifier = None
    if kind.extra:
        extra = draw(extra_attributes(names, roles=kind.roles, location=kind.location))
        identifier = next(iter(relation_ids), None) if draw(st.booleans()) else None
    if kind.derivation_type is not None:
        extra.append((PROV_TYPE, kind.derivation_type))
        if draw(st.integers(0, 7)) == 0:
            # two derivation subtypes at once
            other = draw(
                st.sampled_from(
                    [t for t in (PROV["Revision"], PROV["Quotation"], PROV["PrimarySource"])]
                )
            )
            extra.append((PROV_TYPE, other))
    return identifier, formal, extra


# -- documents ---------------------------------------------------------------------------------


@st.composite
def _names(draw: st.DrawFn, bundles: int) -> Names:
    prefixes = draw(st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=3, unique=True))
    uris = draw(st.lists(namespace_uris(), min_size=len(prefixes), max_size=len(prefixes), unique=True))
    namespaces = [Namespace(p, u) for p, u in zip(prefixes, uris, strict=True)]
    counts = {
        "entities": draw(st.integers(1, 4)),
        "activities": draw(st.integers(1, 2)),
        "agents": draw(st.integers(1, 2)),
        "relation_ids": draw(st.integers(0, 3)),
        "bundles": bundles,
    }
    total = sum(counts.values())
    ids = draw(
        st.lists(
            st.builds(lambda ns, local: ns[local], st.sampled_from(namespaces), local_names),
            min_size=total,
            max_size=total,
            unique_by=lambda q: q.uri,
        )
    )
    names = Names(namespaces)
    for pool, count in counts.items():
        setattr(names, pool, ids[:count])
        ids = ids[count:]
    return names


@st.composite
def prov_documents(
    draw: st.DrawFn,
    *,
    kinds: Sequence[str] = tuple(RELATION_KINDS),
    must_include: Sequence[str] = (),
    max_relations: int = 6,
    max_bundles: int = 2,
) -> ProvDocument:
    """A valid PROV document with a handful of records, some of them in named bundles.

    ``kinds`` limits the relation kinds drawn; ``must_include`` names kinds that appear at least
    once each.
    """
    bundle_count = draw(st.integers(0, max_bundles))
    names = draw(_names(bundle_count))
    document = ProvDocument()
    for namespace in names.namespaces:
        document.add_namespace(namespace)
    containers: list[ProvBundle] = [document]
    for bundle_id in names.bundles:
        bundle = document.bundle(bundle_id)
        if draw(st.booleans()):
            # a namespace the bundle declares for itself
            extra = Namespace(draw(st.sampled_from(PREFIXES)) + "b", draw(namespace_uris()))
            if extra.uri not in {n.uri for n in names.namespaces}:
                bundle.add_namespace(extra)
                bundle.entity(extra[draw(local_names)])
        containers.append(bundle)
        if draw(st.booleans()):
            # the bundle described as an entity, as PROV recommends
            document.entity(bundle_id, [(PROV_TYPE, PROV["Bundle"])])
    container = st.sampled_from(containers)

    def describe(
        record_type: QualifiedName, identifier: QualifiedName, *, times: bool = True, **flags: Any
    ) -> None:
        attributes = draw(extra_attributes(names, **flags))
        formal: list[tuple[QualifiedName, Any]] = []
        if record_type == PROV_ACTIVITY and times:
            for name in ("startTime", "endTime"):
                if draw(st.booleans()):
                    formal.append((PROV[name], draw(datetimes())))
        draw(container).new_record(record_type, identifier, formal, attributes)

    for record_type, pool, flags in (
        (PROV_ENTITY, names.entities, {"location": True, "value": True}),
        (PROV_ACTIVITY, names.activities, {"location": True}),
        (PROV_AGENT, names.agents, {"location": True}),
    ):
        for identifier in pool:
            # most elements are described once, some twice, some only referred to
            for n in range(draw(st.sampled_from((1, 1, 1, 2, 0)))):
                # Only the first description of an activity gives its times: PROV-O makes one node
                # of an id, and prov cannot read a node with two start times back (it raises).
                describe(record_type, identifier, times=n == 0, **flags)
    if draw(st.integers(0, 4)) == 0:
        # an agent that is an entity too
        describe(PROV_ENTITY, draw(st.sampled_from(names.agents)))

    chosen = list(must_include) + draw(
        st.lists(st.sampled_from(list(kinds)), max_size=max_relations)
    )
    relation_ids = iter(names.relation_ids)
    for kind_name in chosen:
        kind = RELATION_KINDS[kind_name]
        identifier, formal, extra = draw(relations(names, kind, relation_ids))
        draw(container).new_record(kind.record_type, identifier, formal, extra)
    return document


# -- explaining differences --------------------------------------------------------------------


def _value_text(value: Any) -> str:
    if isinstance(value, QualifiedName):
        return f"<{value.uri}>"
    if isinstance(value, Identifier):
        return f"uri <{value.uri}>"
    if isinstance(value, Literal):
        tail = f"@{value.langtag}" if value.langtag is not None else ""
        datatype = f" ^^<{value.datatype.uri}>" if value.datatype is not None else ""
        return f"{value.value!r}{tail}{datatype}"
    if isinstance(value, datetime.datetime | decimal.Decimal):
        return f"{type(value).__name__} {value.isoformat() if hasattr(value, 'isoformat') else value}"
    return f"{type(value).__name__} {value!r}"


def record_text(record: ProvRecord) -> str:
    """A record with every name written as its full IRI, so that prefixes do not matter."""
    attributes = sorted(f"<{name.uri}>={_value_text(value)}" for name, value in record.attributes)
    identifier = f"<{record.identifier.uri}>" if record.identifier is not None else "-"
    return f"{PROV_N_MAP[record.get_type()]}({identifier}; {', '.join(attributes)})"


def _unmatched(these: Iterable[ProvRecord], those: Iterable[ProvRecord]) -> list[ProvRecord]:
    remaining = list(those)
    missing = []
    for record in these:
        match = next((i for i, other in enumerate(remaining) if record == other), None)
        if match is None:
            missing.append(record)
        else:
            remaining.pop(match)
    return missing


def _containers(document: ProvDocument) -> dict[str | None, ProvBundle]:
    found: dict[str | None, ProvBundle] = {None: document}
    for bundle in document.bundles:
        assert bundle.identifier is not None
        found[bundle.identifier.uri] = bundle
    return found


def describe_difference(a: ProvDocument, b: ProvDocument) -> str:
    """What one document holds and the other does not, record by record and bundle by bundle
    (records are matched as ``ProvDocument.__eq__`` matches them)."""
    left, right = _containers(a), _containers(b)
    lines: list[str] = []
    for bundle in sorted(set(left) | set(right), key=lambda k: k or ""):
        where = "document" if bundle is None else f"bundle <{bundle}>"
        if bundle not in right:
            lines.append(f"{where}: only in the first document")
            continue
        if bundle not in left:
            lines.append(f"{where}: only in the second document")
            continue
        these, those = set(left[bundle].get_records()), set(right[bundle].get_records())
        for label, records in (
            ("only in the first", _unmatched(these, those)),
            ("only in the second", _unmatched(those, these)),
        ):
            lines += [f"{where}, {label}: {record_text(r)}" for r in records]
    return "\n".join(lines) or "no record differs (the documents compare equal record by record)"


Checker = Callable[[ProvDocument, ProvDocument], bool]
