"""Node identifiers: absolute IRIs, and prefixed names that a known namespace expands.

PROV serialisations write identifiers as ``prefix:local``; the store keeps full IRIs and the
prefixes it has seen, so that a user can type either and exports stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from itertools import count
from urllib.parse import urlsplit

from provenance.errors import InvalidRecord
from provenance.vocabulary import PROV, RAIDT, XSD

__all__ = [
    "STANDARD_NAMESPACES",
    "compact",
    "is_iri",
    "known_prefixes",
    "namespace_of",
    "reads_as_scheme",
    "resolve_id",
    "suggest_prefix",
]

STANDARD_NAMESPACES: dict[str, str] = {
    "prov": PROV,
    "raidt": RAIDT,
    "xsd": XSD,
    "model": "urn:raidt:model:",
    "config": "urn:raidt:config:",
}

_IRI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:"
    r"(?:[^\s<>\"{}|\\^`%\x00-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]|%[0-9A-Fa-f]{2})+"
)
"""A scheme and at least one character IRIs allow: no spaces, delimiters, controls or
noncharacters, and a ``%`` only as the start of a percent-encoded octet (RFC 3987): a bare one
is no IRI, and PROV-N could write it only as ``%25``, another IRI."""
_PREFIX_CHARS = re.compile(r"[^A-Za-z0-9]+")
_GENERIC_HOST = {"", "www", "com", "org", "net", "gov", "edu", "io"}
_SCHEMES = {"http", "https", "urn", "file", "ftp", "mailto", "tag", "data", "www"}


def is_iri(value: str) -> bool:
    """An absolute IRI: a scheme, something after it, and no spaces or characters IRIs forbid."""
    return _IRI.fullmatch(value) is not None


@lru_cache(maxsize=65536)
def namespace_of(value: str) -> str:
    """The namespace of an IRI: up to its fragment (``…#``), else its host (``https://host/``),
    else its first name segment (``urn:uuid:``), else the IRI itself.

    One prefix per host keeps names readable and stable (``hospital:runs/0412``). An IRI with
    nothing after its host or its first segment (``https://out.example/``, ``urn:doc1``) is its
    own namespace, written as a prefix and an empty local part (``out:``, which PROV-N allows):
    a namespace must be an IRI, and a scheme alone (``https:``) is not one.
    """
    if "#" in value and not value.endswith("#"):
        return value[: value.rindex("#") + 1]
    scheme, _, rest = value.partition(":")
    cut = rest.find("/", 2) if rest.startswith("//") else rest.find(":")
    if 0 <= cut < len(rest) - 1:
        return value[: len(scheme) + cut + 2]
    return value


def reads_as_scheme(prefix: str) -> bool:
    """Whether a prefix would read as a common URI scheme: ``urn:x`` under a prefix ``urn``
    would hide every ``urn:`` IRI behind it."""
    return prefix.lower() in _SCHEMES


def suggest_prefix(namespace: str, taken: Mapping[str, str]) -> str:
    """A short readable prefix for a namespace, unused in ``taken`` (prefix → namespace).

    ``https://hospital.example/runs/`` becomes ``runs``, or ``hospital_runs`` when ``runs`` is
    taken; a prefix never reads like a URI scheme, which some PROV-O readers would misparse.
    """
    return next(c for c in _candidates(namespace) if taken.get(c, namespace) == namespace)


def _candidates(namespace: str) -> Iterator[str]:
    """The prefixes :func:`suggest_prefix` tries, in order: the readable ones, then numbered."""
    yield from _stems(namespace)
    yield from (f"ns{n}" for n in count(2))


def _stems(namespace: str) -> list[str]:
    """The readable prefixes for a namespace, in the order they are tried."""
    parts = urlsplit(namespace)
    host = [w.lower() for w in _PREFIX_CHARS.split(parts.netloc) if w.lower() not in _GENERIC_HOST]
    words = [*host[:1], *(w.lower() for w in _PREFIX_CHARS.split(parts.path) if w)]
    candidates = []
    if words:
        candidates.append(words[-1])
        if host and host[0] != words[-1]:
            candidates.append(f"{host[0]}_{words[-1]}")
    return [
        candidate
        if candidate[0].isalpha() and not reads_as_scheme(candidate)
        else "ns_" + candidate
        for candidate in [*candidates, "ns"]
    ]


def compact(value: str, namespaces: Mapping[str, str]) -> str:
    """The shortest prefixed name for an IRI under the known prefixes, or the IRI itself."""
    matches = [(p, u) for p, u in namespaces.items() if value.startswith(u) and value != u]
    best = max(matches, key=lambda item: len(item[1]), default=None)
    return f"{best[0]}:{value[len(best[1]) :]}" if best else value


def known_prefixes(namespaces: Mapping[str, str]) -> str:
    """The prefixes a store knows, as a message lists them."""
    return ", ".join(sorted(namespaces)) or "none"


def resolve_id(value: str, namespaces: Mapping[str, str]) -> str:
    """A full IRI for what a user typed: a prefixed name whose prefix is known, or an IRI.

    Raises
    ------
    InvalidRecord
        When the value is neither a known prefixed name nor an absolute IRI.
    """
    prefix, sep, local = value.partition(":")
    if sep and prefix in namespaces and not local.startswith("//"):
        expanded = namespaces[prefix] + local
        if not is_iri(expanded):
            raise InvalidRecord(f"{value!r} stands for {expanded!r}, which is not an IRI")
        return expanded
    if is_iri(value):
        return value
    raise InvalidRecord(
        f"{value!r} is not an absolute IRI nor a prefixed name with a known prefix "
        f"(known: {known_prefixes(namespaces)})"
    )
