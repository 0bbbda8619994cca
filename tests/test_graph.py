"""The plain graph data: attribute order and the canonical forms every hash is taken over.

Stored graph hashes are recomputed by ``raidt verify``, so these forms must never drift: each is
checked against its definition, written out the slow, obvious way.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provenance.graph import Element, Json, Relation, _sort_key, as_text, attributes
from provenance.hashing import canonical_json, sha256_hex

names = st.sampled_from(["urn:a", "urn:b", "urn:c", "http://www.w3.org/ns/prov#type"])
values: st.SearchStrategy[Json | None] = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.integers(-3, 3),
    st.booleans(),
    st.builds(lambda v: {"@id": v}, st.sampled_from(["urn:x", "urn:y"])),
    st.builds(lambda v: {"@dt": v}, st.sampled_from(["2024-01-01T00:00:00+00:00"])),
    st.builds(lambda v, t: {"@value": v, "@type": t}, st.text(max_size=2), st.just("urn:t")),
)
pairs = st.lists(st.tuples(names, values), max_size=6)


def _by_definition(given_pairs: list[tuple[str, Json | None]]) -> tuple[tuple[str, Json], ...]:
    """Absent values dropped, equal pairs once, sorted by name, then value type, then value."""
    unique = {_sort_key(n, v): (n, v) for n, v in given_pairs if v is not None}
    return tuple(unique[k] for k in sorted(unique))


@given(pairs)
def test_attributes_are_sorted_and_deduplicated_by_definition(
    given_pairs: list[tuple[str, Json | None]],
) -> None:
    assert attributes(given_pairs) == _by_definition(given_pairs)


def test_true_one_and_the_text_one_are_three_values() -> None:
    assert attributes([("urn:a", "1"), ("urn:a", 1), ("urn:a", True), ("urn:a", 1)]) == (
        ("urn:a", True),
        ("urn:a", 1),
        ("urn:a", "1"),
    )


@given(pairs, st.sampled_from(["entity", "activity", "agent"]), st.none() | st.just("urn:b"))
def test_element_forms_match_their_definition(
    given_pairs: list[tuple[str, Json | None]], kind: str, bundle: str | None
) -> None:
    attrs = attributes(given_pairs)
    element = Element("urn:e", kind, attrs, bundle)  # type: ignore[arg-type]
    canonical = canonical_json(["element", "urn:e", kind, bundle, attrs])
    assert element.canonical == canonical
    assert element.attributes_json == canonical_json(attrs)
    assert element.digest == sha256_hex(canonical)


@given(pairs, st.none() | st.just("urn:r"), st.none() | st.just("urn:dst"))
def test_relation_forms_match_their_definition(
    given_pairs: list[tuple[str, Json | None]], rel_id: str | None, dst: str | None
) -> None:
    attrs = attributes(given_pairs)
    relation = Relation("used", "urn:src", dst, attrs, rel_id)
    assert relation.attributes_json == canonical_json(attrs)
    assert relation.canonical == canonical_json(
        ["relation", "used", "urn:src", dst, rel_id, None, attrs]
    )


def test_a_literal_is_shown_by_its_text() -> None:
    # Stored keys are sorted, so "@lang" and "@type" come before "@value": the text is what a
    # person reads, not the tag.
    assert as_text({"@lang": "fr", "@value": "bonjour"}) == "bonjour"
    assert as_text({"@type": "urn:t", "@value": "12.50"}) == "12.50"
    assert as_text({"@lang": "en", "@value": ""}) == ""
    assert as_text({"@id": "urn:x"}) == "urn:x"
    assert as_text({"@dt": "2024-01-01T00:00:00+00:00"}) == "2024-01-01T00:00:00+00:00"
