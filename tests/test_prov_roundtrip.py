"""A document exported and imported again compares equal (``ProvDocument.__eq__``), in every format.

Each check reads a document the way ``raidt import`` does, stores it in a fresh in-memory store,
exports the whole store in the same format and reads that back: the result must equal what was read
in the first place. Where ``prov`` itself cannot carry a document through a format unchanged (PROV-O
keeps one node per identifier, for instance), the reference is what ``prov`` read, not the original:
the requirement is that the store loses nothing of what was read.

Two more allowances, both for prov's own behaviour and each explained where it is made: prov's
PROV-O reader can read the same text differently twice, and for some documents writing what prov
read and reading it again gives something else again.

Equality is checked both ways round, because ``ProvDocument.__eq__`` only looks for the left
document's bundles in the right one (an extra bundle on the right goes unnoticed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from prov.constants import PROV, PROV_N_MAP
from prov.identifier import Namespace
from prov.model import Literal, ProvDocument
from prov.tests import examples
from rdflib import Graph
from rdflib.compare import isomorphic

from provenance.demo_data import load_demo
from provenance.errors import InvalidRecord
from provenance.export import export_document
from provenance.formats import FORMATS, Format, parse_document, write_document
from provenance.ingest import import_document
from provenance.provdoc import Namespaces, from_document, to_document
from provenance.stores.sqlite import SQLiteStore
from provenance.vocabulary import DERIVATION_SUBTYPES, RELATION_SPECS
from tests.prov_strategies import RELATION_KINDS, describe_difference, prov_documents

# rdflib 7.6 calls its own deprecated Dataset.default_context while reading and writing Turtle;
# the warning is rdflib's business, not a problem with the documents.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Dataset.default_context is deprecated:DeprecationWarning"
)

ROUNDTRIP = settings(
    max_examples=60,
    deadline=None,
    # one bug at a time, and no explain phase: each costs minutes of re-runs on a failure
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def kinds_for(fmt: Format) -> list[str]:
    """The relation kinds a format can carry: PROV-JSONLD defines no term for mentionOf (prov
    refuses to write one), every other format carries them all."""
    return [k for k in RELATION_KINDS if not (fmt.name == "jsonld" and k == "mentionOf")]


def documents_for(fmt: Format, **options: Any) -> st.SearchStrategy[ProvDocument]:
    """Documents that prov can write in a format and read back (see ``prov_documents`` for what
    PROV-O needs)."""
    return prov_documents(kinds=kinds_for(fmt), one_per_subject=fmt.name == "ttl", **options)


def same(a: ProvDocument, b: ProvDocument) -> bool:
    return a == b and b == a


def assert_same(actual: ProvDocument, expected: ProvDocument, what: str) -> None:
    assert same(actual, expected), (
        f"{what} differs from what was read:\n{describe_difference(expected, actual)}"
    )


def draw_document(data: st.DataObject, strategy: st.SearchStrategy[ProvDocument]) -> ProvDocument:
    document = data.draw(strategy, label="document")
    note(f"the document, in PROV-N:\n{document.get_provn()}")
    return document


def read_back(document: ProvDocument, fmt: Format) -> tuple[str, ProvDocument]:
    """The document written by prov in a format, and what prov reads of that text."""
    text = write_document(document, fmt)
    return text, parse_document(text, fmt, source=f"document.{fmt.name}")


def check_roundtrip(text: str, read: ProvDocument, fmt: Format) -> None:
    """``read`` is what prov read of ``text``: the model mapping alone gives it back unchanged, and
    so does the store (import, export), both as a document and once written and read again."""
    fragment = from_document(read)
    mapped = to_document(fragment.elements, fragment.relations, dict(fragment.namespaces))
    assert_same(mapped, read, "from_document then to_document")

    store = SQLiteStore(":memory:")
    try:
        prepared, _ = import_document(text, fmt, store, source=f"document.{fmt.name}")
        exported = export_document(store)
    finally:
        store.close()
    given = prepared.fragment
    reference = to_document(given.elements, given.relations, dict(given.namespaces))
    if same(reference, read):
        reference = read
    else:
        # prov read the same text differently when the store imported it. Only its PROV-O reader
        # does that: it pairs the attributes of an id-less qualified relation with any plain
        # triple of the same subject and property, in whatever order rdflib returns them. The
        # mapping is checked above, so ``reference`` is exactly what the store was given.
        assert fmt.name == "ttl", (
            f"prov read the {fmt.title} text differently twice:\n"
            f"{describe_difference(read, reference)}"
        )
    assert_same(exported, reference, "the store's export")

    written = write_document(exported, fmt)
    back = parse_document(written, fmt, source=f"export.{fmt.name}")
    imports_again(written, fmt)
    if same(back, reference):
        return
    # prov does not always settle on a document: writing what it read and reading that back can
    # give something else again (PROV-O has no order among an id's classes, so an id that is both
    # an agent and an entity comes back as either; PROV-XML reads a bundle's id with the prefixes
    # the bundle declares, so a prefix declared twice moves the bundle). The store's export goes
    # through the same writer and reader, so it may also give what prov makes of the reference.
    again = parse_document(write_document(reference, fmt), fmt, source=f"again.{fmt.name}")
    assert same(back, again), (
        f"the store's {fmt.title} export, read back, differs from what was read:\n"
        f"{describe_difference(reference, back)}"
    )


def imports_again(text: str, fmt: Format) -> None:
    """A store's export is a document the store itself takes: every prefix it declares is bound
    to an IRI."""
    store = SQLiteStore(":memory:")
    try:
        import_document(text, fmt, store, source=f"export.{fmt.name}")
    finally:
        store.close()


def check_import_twice(text: str, fmt: Format) -> None:
    """A second import of the same text is recognised and writes nothing."""
    store = SQLiteStore(":memory:")
    try:
        prepared, first = import_document(text, fmt, store, source="first")
        counts = store.counts()
        exported = export_document(store)
        again, second = import_document(text, fmt, store, source="second")
        assert again.id == prepared.id
        assert first.written == [prepared.id]
        assert first.unchanged == []
        assert second.written == []
        assert second.unchanged == [prepared.id]
        assert store.counts() == counts
        assert len(list(store.records())) == 1
        assert_same(export_document(store), exported, "the export after the second import")
    finally:
        store.close()


formats = pytest.mark.parametrize("fmt", list(FORMATS.values()), ids=list(FORMATS))
example_documents = pytest.mark.parametrize(
    "build", [build for _, build in examples.tests], ids=[name for name, _ in examples.tests]
)


def prov_reads(build: Callable[[], ProvDocument], fmt: Format) -> tuple[str, ProvDocument]:
    """prov's own round trip of an example, or a skip naming what prov cannot do."""
    try:
        return read_back(build(), fmt)
    except Exception as error:  # prov raises its own exception types
        pytest.skip(f"prov cannot carry this document through {fmt.title}: {error}")


# -- the documents prov ships ------------------------------------------------------------------


@formats
@example_documents
def test_prov_example_roundtrips(build: Callable[[], ProvDocument], fmt: Format) -> None:
    text, read = prov_reads(build, fmt)
    check_roundtrip(text, read, fmt)


@formats
@example_documents
def test_prov_example_imports_once(build: Callable[[], ProvDocument], fmt: Format) -> None:
    text, _ = prov_reads(build, fmt)
    check_import_twice(text, fmt)


# -- generated documents -----------------------------------------------------------------------


@formats
@ROUNDTRIP
@given(data=st.data())
def test_generated_document_roundtrips(fmt: Format, data: st.DataObject) -> None:
    document = draw_document(data, documents_for(fmt))
    text, read = read_back(document, fmt)
    check_roundtrip(text, read, fmt)


@formats
@settings(ROUNDTRIP, max_examples=10)
@given(data=st.data())
def test_every_relation_kind_roundtrips(fmt: Format, data: st.DataObject) -> None:
    """Documents holding every relation kind at least once, typed derivations included."""
    document = draw_document(data, documents_for(fmt, must_include=kinds_for(fmt), max_relations=2))
    text, read = read_back(document, fmt)
    check_roundtrip(text, read, fmt)
    # each relation is filed under its own kind, a derivation with one subtype under that subtype
    stored = sorted(relation.kind for relation in from_document(read).relations)
    assert stored == sorted(expected_kinds(read))


def expected_kinds(document: ProvDocument) -> list[str]:
    subtypes = {
        PROV["Revision"]: "wasRevisionOf",
        PROV["Quotation"]: "wasQuotedFrom",
        PROV["PrimarySource"]: "hadPrimarySource",
    }
    kinds = []
    for container in [document, *document.bundles]:
        for record in container.get_records():
            if record.is_element():
                continue
            kind = PROV_N_MAP[record.get_type()]
            typed = [subtypes[t] for t in record.get_asserted_types() if t in subtypes]
            kinds.append(typed[0] if kind == "wasDerivedFrom" and len(typed) == 1 else kind)
    return kinds


@settings(ROUNDTRIP, max_examples=30)
@given(data=st.data())
def test_generated_document_imports_once(data: st.DataObject) -> None:
    document = draw_document(data, prov_documents())
    fmt = FORMATS["json"]
    check_import_twice(write_document(document, fmt), fmt)


def test_strategies_cover_every_relation_kind() -> None:
    """The strategies' relation table, written from PROV-DM, agrees with the project's."""
    assert set(RELATION_KINDS) == set(RELATION_SPECS) | set(DERIVATION_SUBTYPES.values())
    for kind, spec in RELATION_SPECS.items():
        assert [arg.name for arg in RELATION_KINDS[kind].args] == [spec.src, spec.dst, *spec.args]


# -- cases the generated documents found -------------------------------------------------------


def _document() -> ProvDocument:
    document = ProvDocument()
    document.add_namespace("ex", "http://example.org/")
    return document


def derivation_typed_by_a_literal() -> ProvDocument:
    document = _document()
    document.wasDerivedFrom("ex:new", "ex:old", other_attributes={"prov:type": "draft"})
    return document


def derivation_typed_twice() -> ProvDocument:
    document = _document()
    document.wasDerivedFrom(
        "ex:new", "ex:old", other_attributes=[("prov:type", "prov:Revision"), ("prov:type", 2)]
    )
    return document


def empty_bundle() -> ProvDocument:
    document = _document()
    document.entity("ex:e")
    document.bundle("ex:b")
    return document


def datatype_in_its_own_namespace() -> ProvDocument:
    document = _document()
    units = document.add_namespace("unit", "http://units.example/")
    document.entity("ex:e", {"ex:height": Literal("12", units["metre"])})
    return document


def wide_integers() -> ProvDocument:
    document = _document()
    document.entity("ex:e", [("ex:n", 2**64), ("ex:n", -(2**63) - 1), ("ex:n", 10**30)])
    return document


def ids_with_nothing_after_host_or_scheme() -> ProvDocument:
    """Ids that are a whole namespace of their own: nothing after the host, or one opaque name
    after the scheme (the namespace each is written under must still be an IRI)."""
    document = _document()
    bare = [
        Namespace("o", "https://out.example/")[""],
        Namespace("u", "urn:d")["oc1"],
        Namespace("m", "mailto:ana")["@test.example"],
    ]
    for identifier in bare:
        document.entity(identifier)
    document.wasDerivedFrom(bare[0], bare[1])
    return document


def mention_of_an_undescribed_id_with_a_path() -> ProvDocument:
    """Every IRI holds a ``/`` in its local part, so a Turtle writer shortens none of them and
    leaves the prefix out; the id the document only mentions must still read back."""
    document = _document()
    document.activity("ex:x/a")
    document.wasInformedBy("ex:x/a", "ex:b/c")
    return document


def attribute_named_beyond_ascii() -> ProvDocument:
    document = _document()
    document.entity("ex:e", {"ex:é": "v", "ex:日本": 1})
    return document


@formats
@pytest.mark.parametrize(
    "build",
    [
        derivation_typed_by_a_literal,
        derivation_typed_twice,
        datatype_in_its_own_namespace,
        wide_integers,
        ids_with_nothing_after_host_or_scheme,
        mention_of_an_undescribed_id_with_a_path,
        attribute_named_beyond_ascii,
    ],
)
def test_found_case_roundtrips(build: Callable[[], ProvDocument], fmt: Format) -> None:
    text, read = prov_reads(build, fmt)
    check_roundtrip(text, read, fmt)


@pytest.mark.parametrize(
    "fmt", [f for f in FORMATS.values() if f.name != "ttl"], ids=lambda f: f.name
)
def test_an_empty_bundle_is_refused_with_a_clear_error(fmt: Format) -> None:
    """The store keeps records; a bundle with none is refused whole, not silently dropped.
    (PROV-O in Turtle cannot carry an empty bundle at all, so prov reads none there.)"""
    text = write_document(empty_bundle(), fmt)
    store = SQLiteStore(":memory:")
    with pytest.raises(InvalidRecord, match=r"bundle .*b is empty"):
        import_document(text, fmt, store, source="empty.doc")
    assert store.counts()["records"] == 0
    store.close()


def test_an_rdf_iri_under_no_declared_namespace_imports() -> None:
    """A PROV-O reader makes up a prefix for ``<urn:x>`` bound to ``urn:``, which is no IRI; the
    document never declared it, so it is not a reason to refuse the document."""
    text = "@prefix prov: <http://www.w3.org/ns/prov#> .\n<urn:x> a prov:Entity .\n"
    fmt = FORMATS["ttl"]
    store = SQLiteStore(":memory:")
    try:
        prepared, _ = import_document(text, fmt, store, source="urn.ttl")
        assert [e.id for e in prepared.fragment.elements] == ["urn:x"]
        for out in FORMATS.values():
            imports_again(write_document(export_document(store), out), out)
    finally:
        store.close()


def test_turtle_teaches_the_store_only_the_prefixes_it_declares() -> None:
    """The reader makes up ``ns1`` for ``https://org.example/people/``; learnt, it would show
    ``org:people/ana``, written before, as ``ns1:ana``."""
    fmt = FORMATS["ttl"]
    store = SQLiteStore(":memory:")
    try:
        first = "document\n prefix org <https://org.example/>\n agent(org:people/ana)\nendDocument"
        import_document(first, FORMATS["provn"], store, source="first.provn")
        text = (
            "@prefix prov: <http://www.w3.org/ns/prov#> .\n@prefix ex: <http://example.org/> .\n"
            "<https://org.example/people/bo> a prov:Agent .\nex:e a prov:Entity .\n"
        )
        prepared, _ = import_document(text, fmt, store, source="more.ttl")
        assert {e.id for e in prepared.fragment.elements} == {
            "https://org.example/people/bo",
            "http://example.org/e",
        }
        learnt = store.namespaces()
        assert learnt["org"] == "https://org.example/"
        assert learnt["ex"] == "http://example.org/"
        assert not [p for p, uri in learnt.items() if uri.startswith("https://org.example/p")]
    finally:
        store.close()


def test_turtle_is_written_the_same_every_time() -> None:
    """Qualified relations are blank nodes; named at random, they came out in another order in
    each export of the same store."""
    fmt = FORMATS["ttl"]
    demo_store = SQLiteStore(":memory:")
    load_demo(demo_store)
    first = write_document(export_document(demo_store), fmt)
    assert write_document(export_document(demo_store), fmt) == first
    assert first.count("prov:qualifiedGeneration") > 10
    # the graph is the one the prov package writes, blank nodes named otherwise
    theirs = export_document(demo_store).serialize(format="rdf", rdf_format="turtle")
    demo_store.close()
    assert isomorphic(Graph().parse(data=first), Graph().parse(data=theirs))


def test_a_prefix_bound_to_a_scheme_alone_is_not_written() -> None:
    """Stores that learnt ``https:`` for an id with nothing after its host still export ids
    under prefixes bound to IRIs."""
    names = Namespaces({"ns2": "https:", "ex": "http://example.org/"})
    assert names.qname("https://out.example/").namespace.uri == "https://out.example/"
    assert names.qname("http://example.org/").namespace.prefix == "ex"


def test_turtle_reads_back_an_id_it_could_not_shorten() -> None:
    fmt = FORMATS["ttl"]
    text, read = read_back(mention_of_an_undescribed_id_with_a_path(), fmt)
    check_roundtrip(text, read, fmt)


def test_xml_writes_names_beyond_ascii() -> None:
    fmt = FORMATS["xml"]
    text, read = read_back(attribute_named_beyond_ascii(), fmt)
    check_roundtrip(text, read, fmt)
