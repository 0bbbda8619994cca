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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias

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
# Local parts of ids holding a path, as the project's own ids do (``runs/0412``): a Turtle writer
# cannot shorten such an IRI, so it writes it in full and, when it shortens no IRI under that
# namespace, leaves the namespace's prefix out.
path_local_names = st.from_regex(
    r"[A-Za-z][A-Za-z0-9_]{0,5}(/[A-Za-z0-9_]{1,4}){1,2}", fullmatch=True
)
id_local_names = st.one_of(local_names, path_local_names)

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
    """xsd:dateTime values, mostly timezone-aware, mostly in whole seconds."""
    low, high = datetime.datetime(1950, 1, 1), datetime.datetime(2090, 12, 31)
    aware = st.datetimes(min_value=low, max_value=high, timezones=st.sampled_from(_OFFSETS))
    chosen = (
        st.one_of(aware, aware, st.datetimes(min_value=low, max_value=high)) if naive else aware
    )
    return st.tuples(chosen, st.booleans()).map(
        lambda pair: pair[0] if pair[1] else pair[0].replace(microsecond=0)
    )


date_times = datetimes()

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
    (
        "anyURI",
        st.sampled_from(("https://example.org/doc/1", "urn:isbn:0451450523", "mailto:a@b.c")),
    ),
    ("date", st.dates().map(lambda d: d.isoformat())),
    ("time", st.times().map(lambda t: t.replace(microsecond=0).isoformat())),
    ("hexBinary", st.binary(min_size=1, max_size=4).map(lambda b: b.hex().upper())),
    ("short", st.integers(-(2**15), 2**15 - 1).map(str)),
    ("long", st.integers(-(2**31) + 1, 2**31 - 1).map(str)),
    ("float", st.sampled_from(("1.5", "-0.25", "1.0E3"))),
    ("gYear", st.integers(1900, 2100).map(str)),
]


Pair: TypeAlias = tuple[QualifiedName, Any]


@dataclass
class Names:
    """The names one document uses: its namespaces, element ids by kind, and the ids left over for
    relations and bundles."""

    namespaces: list[Namespace]
    paths_only: Namespace | None = None
    """A namespace of ids that all hold a path, and of nothing else (no attribute name)."""
    entities: list[QualifiedName] = field(default_factory=list)
    activities: list[QualifiedName] = field(default_factory=list)
    agents: list[QualifiedName] = field(default_factory=list)
    relation_ids: list[QualifiedName] = field(default_factory=list)
    bundles: list[QualifiedName] = field(default_factory=list)

    def elements(self) -> list[QualifiedName]:
        return [*self.entities, *self.activities, *self.agents]

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self)


def _typed(name: str, lexical: st.SearchStrategy[str]) -> st.SearchStrategy[Literal]:
    return lexical.map(lambda text: Literal(text, XSD[name]))


_XSD_TYPED = st.one_of(*(_typed(name, lexical) for name, lexical in _XSD_LITERALS))
_TAGGED = st.builds(lambda text, tag: Literal(text, langtag=tag), texts, language_tags)
_URIS = st.sampled_from(
    ("https://example.net/page?q=1", "urn:uuid:0b9d7a0e-1", "http://x.test/a#b")
).map(Identifier)
_PLAIN_VALUES = st.one_of(
    texts,
    st.integers(-(2**40), 2**40),
    st.integers(-(2**70), 2**70),
    # NaN is left out: it equals nothing, so no document holding it equals its own copy.
    st.floats(allow_nan=False),
    st.booleans(),
    _URIS,
    _XSD_TYPED,
    _TAGGED,
    date_times,
)
labels = st.one_of(texts, _TAGGED)


class Vocabulary:
    """The value and attribute strategies of one document, built once (hypothesis validates
    every new strategy, which costs far more than drawing from it)."""

    def __init__(self, names: Names) -> None:
        self.names = names
        namespaces = st.sampled_from([n for n in names.namespaces if n is not names.paths_only])
        self.own_names = st.builds(lambda ns, local: ns[local], namespaces, local_names)
        self.qualified_names = st.one_of(st.sampled_from(names.elements()), self.own_names)
        own_typed = st.builds(
            lambda ns, local, text: Literal(text, ns[local]), namespaces, local_names, texts
        )
        self.typed_literals = st.one_of(_XSD_TYPED, _XSD_TYPED, own_typed)
        self.values = st.one_of(_PLAIN_VALUES, self.qualified_names, own_typed)
        self._attributes: dict[tuple[bool, bool, bool], st.SearchStrategy[list[Pair]]] = {}

    def attributes(
        self, *, roles: bool = False, location: bool = False, value: bool = False
    ) -> st.SearchStrategy[list[Pair]]:
        """Extra attributes for one record: PROV's own and the document's, some multi-valued."""
        key = (roles, location, value)
        if key not in self._attributes:
            self._attributes[key] = self._build_attributes(roles, location, value)
        return self._attributes[key]

    def _build_attributes(
        self, roles: bool, location: bool, value: bool
    ) -> st.SearchStrategy[list[Pair]]:
        choices: list[st.SearchStrategy[Pair]] = [
            st.tuples(
                st.just(PROV_TYPE), st.one_of(self.qualified_names, texts, self.typed_literals)
            ),
            st.tuples(st.just(PROV_LABEL), labels),
            st.tuples(self.own_names, self.values),
            st.tuples(self.own_names, self.values),
        ]
        if roles:
            choices.append(st.tuples(st.just(PROV_ROLE), self.qualified_names))
        if location:
            choices.append(
                st.tuples(st.just(PROV_LOCATION), st.one_of(texts, self.qualified_names))
            )
        single = st.lists(st.one_of(*choices), max_size=3)
        # now and then one attribute with several values
        multi = st.one_of(
            st.just([]),
            st.just([]),
            st.just([]),
            st.builds(
                lambda name, several: [(name, v) for v in several],
                st.one_of(self.own_names, st.just(PROV_TYPE)),
                st.lists(self.values, min_size=2, max_size=3),
            ),
        )
        # prov:value holds one value only
        prov_value: st.SearchStrategy[list[Pair]] = (
            st.one_of(st.just([]), self.values.map(lambda v: [(PROV_VALUE, v)]))
            if value
            else st.just([])
        )
        return st.builds(lambda a, b, c: [*a, *b, *c], single, multi, prov_value)


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
        _kind(
            "wasAttributedTo", PROV_ATTRIBUTION, Arg("entity", "entities"), Arg("agent", "agents")
        ),
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


_DERIVATION_TYPES = (PROV["Revision"], PROV["Quotation"], PROV["PrimarySource"])


def _pool(names: Names, pool: str) -> list[QualifiedName]:
    if pool == "elements":
        return names.elements()
    found: list[QualifiedName] = getattr(names, pool)
    return found


@st.composite
def relations(
    draw: st.DrawFn,
    names: Names,
    kind: RelationKind,
    relation_ids: Iterable[QualifiedName],
    taken: set[str] | None = None,
) -> tuple[QualifiedName | None, list[Pair], list[Pair]]:
    """One relation: its identifier (or none), formal attributes and extra attributes.

    With ``taken``, the relation's subject is none of the ids in it (and is added to it).
    """
    formal: list[Pair] = []
    for position, arg in enumerate(kind.args):
        if arg.optional and draw(st.booleans()):
            continue
        chosen: Any
        if position == 0 and taken is not None:
            free = [q for q in _pool(names, arg.pool) if q.uri not in taken]
            # a fresh id when every one is taken (no local name drawn is this long)
            chosen = (
                draw(st.sampled_from(free))
                if free
                else names.namespaces[0][f"{kind.kind}__{len(taken)}"]
            )
            taken.add(chosen.uri)
        elif arg.pool == "time":
            chosen = draw(date_times)
        elif arg.pool == "bundles" and not names.bundles:
            chosen = draw(names.vocabulary.qualified_names)  # a bundle described elsewhere
        elif arg.pool == "relation_ids" and not names.relation_ids:
            continue
        else:
            chosen = draw(st.sampled_from(_pool(names, arg.pool)))
        formal.append((PROV[arg.name], chosen))
    extra: list[tuple[QualifiedName, Any]] = []
    identifier = None
    if kind.extra:
        extra = draw(names.vocabulary.attributes(roles=kind.roles, location=kind.location))
        identifier = next(iter(relation_ids), None) if draw(st.booleans()) else None
    if kind.derivation_type is not None:
        extra.append((PROV_TYPE, kind.derivation_type))
        if draw(st.integers(0, 7)) == 0:
            # two derivation subtypes at once
            other = draw(st.sampled_from(_DERIVATION_TYPES))
            extra.append((PROV_TYPE, other))
    return identifier, formal, extra


# -- documents ---------------------------------------------------------------------------------


@st.composite
def _names(draw: st.DrawFn, bundles: int) -> Names:
    prefixes = draw(st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=3, unique=True))
    uris = draw(
        st.lists(namespace_uris(), min_size=len(prefixes), max_size=len(prefixes), unique=True)
    )
    if draw(st.integers(0, 4)) == 0:
        prefixes.append("")  # a default namespace
        uris.append(draw(namespace_uris().filter(lambda uri: uri not in uris)))
    namespaces = [Namespace(p, u) for p, u in zip(prefixes, uris, strict=True)]
    paths_only = None
    unused = [p for p in PREFIXES if p not in prefixes]
    if unused and draw(st.booleans()):
        uri = draw(namespace_uris().filter(lambda uri: uri not in uris))
        paths_only = Namespace(draw(st.sampled_from(unused)), uri)
    qualified = st.builds(lambda ns, local: ns[local], st.sampled_from(namespaces), id_local_names)
    if paths_only is not None:
        qualified = st.one_of(qualified, st.builds(paths_only.__getitem__, path_local_names))
        namespaces = [*namespaces, paths_only]
    counts = {
        "entities": draw(st.integers(1, 4)),
        "activities": draw(st.integers(1, 2)),
        "agents": draw(st.integers(1, 2)),
        "relation_ids": draw(st.integers(0, 3)),
        "bundles": bundles,
    }
    total = sum(counts.values())
    ids = draw(st.lists(qualified, min_size=total, max_size=total, unique_by=lambda q: q.uri))
    names = Names(namespaces, paths_only)
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
    one_per_subject: bool = False,
) -> ProvDocument:
    """A valid PROV document with a handful of records, some of them in named bundles.

    ``kinds`` limits the relation kinds drawn; ``must_include`` names kinds that appear at least
    once each. With ``one_per_subject``, no two relations of one type that can carry attributes
    share their subject, even in different bundles: PROV-O states such a relation twice, as a
    plain triple from the subject and as a qualified node, and prov's reader pairs the two up by
    subject alone, across named graphs, in whatever order rdflib returns them. Two such
    relations from one subject come back mixed up, or not at all ("Cannot have more than one
    value for attribute prov:informant").
    """
    bundle_count = draw(st.integers(0, max_bundles))
    names = draw(_names(bundle_count))
    document = ProvDocument()
    for namespace in names.namespaces:
        if namespace.prefix:
            document.add_namespace(namespace)
        else:
            document.set_default_namespace(namespace.uri)
    containers: list[ProvBundle] = [document]
    for bundle_id in names.bundles:
        bundle = document.bundle(bundle_id)
        if draw(st.booleans()):
            # a namespace the bundle declares for itself, sometimes under a prefix that the
            # document gives to another namespace
            prefix = draw(
                st.sampled_from([n.prefix for n in names.namespaces if n.prefix] + ["bx"])
            )
            own = Namespace(prefix, draw(namespace_uris()))
            if own.uri not in {n.uri for n in names.namespaces}:
                bundle.add_namespace(own)
                bundle.entity(own[draw(local_names)])
        containers.append(bundle)
        if draw(st.booleans()):
            # the bundle described as an entity, as PROV recommends
            document.entity(bundle_id, [(PROV_TYPE, PROV["Bundle"])])
    container = st.sampled_from(containers)

    def describe(
        record_type: QualifiedName,
        identifier: QualifiedName,
        *,
        times: bool = True,
        into: ProvBundle | None = None,
    ) -> None:
        # prov:value is for entities only
        attributes = draw(
            names.vocabulary.attributes(location=True, value=record_type == PROV_ENTITY)
        )
        formal: list[tuple[QualifiedName, Any]] = []
        if record_type == PROV_ACTIVITY and times:
            for name in ("startTime", "endTime"):
                if draw(st.booleans()):
                    formal.append((PROV[name], draw(date_times)))
        (into or draw(container)).new_record(record_type, identifier, formal, attributes)

    for record_type, pool in (
        (PROV_ENTITY, names.entities),
        (PROV_ACTIVITY, names.activities),
        (PROV_AGENT, names.agents),
    ):
        for identifier in pool:
            # most elements are described once, some twice, some only referred to
            for n in range(draw(st.sampled_from((1, 1, 1, 2, 0)))):
                # Only the first description of an activity gives its times: PROV-O makes one node
                # of an id, and prov cannot read a node with two start times back (it raises).
                describe(record_type, identifier, times=n == 0)
    if draw(st.integers(0, 4)) == 0:
        # an agent that is an entity too
        describe(PROV_ENTITY, draw(st.sampled_from(names.agents)))

    for bundle in containers[1:]:
        if not list(bundle.get_records()):
            # every named bundle holds a record (an empty one is a case of its own, tested apart)
            describe(PROV_ENTITY, draw(st.sampled_from(names.entities)), into=bundle)

    chosen = list(must_include) + draw(
        st.lists(st.sampled_from(list(kinds)), max_size=max_relations)
    )
    relation_ids = iter(names.relation_ids)
    subjects: dict[QualifiedName, set[str]] = {}
    for kind_name in chosen:
        kind = RELATION_KINDS[kind_name]
        target = draw(container)
        taken = None
        if one_per_subject and kind.extra:
            taken = subjects.setdefault(kind.record_type, set())
        relation_id, formal, extra = draw(relations(names, kind, relation_ids, taken))
        target.new_record(kind.record_type, relation_id, formal, extra)
    return document


# -- explaining differences --------------------------------------------------------------------


def _value_text(value: Any) -> str:
    """A value with its type, every name as its full IRI."""
    if isinstance(value, QualifiedName):
        return f"<{value.uri}>"
    if isinstance(value, Identifier):
        return f"uri <{value.uri}>"
    if isinstance(value, Literal):
        tag = f"@{value.langtag}" if value.langtag is not None else ""
        datatype = f" ^^<{value.datatype.uri}>" if value.datatype is not None else ""
        return f"{value.value!r}{tag}{datatype}"
    if isinstance(value, datetime.datetime):
        return f"datetime {value.isoformat()}"
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
