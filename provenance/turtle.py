"""Writing PROV-O in Turtle that reads back, and reads the same every time.

The ``prov`` package encodes each qualified relation (a generation with its time, a derivation
with its activity) as a blank node, named at random, and the Turtle writer orders blank nodes by
name: two exports of one store differed, byte for byte, and an auditor comparing them saw changes
where there were none. Here each blank node is named by what it says instead.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict

from prov.model import ProvBundle, ProvDocument
from prov.serializers.provrdf import ProvRDFSerializer
from rdflib import BNode, Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

__all__ = ["write_turtle"]

_PREFIX_LINE = re.compile(r"^@prefix ([^\s:]*): <([^>]*)> \.$", re.MULTILINE)


def write_turtle(document: ProvDocument) -> str:
    """The document as PROV-O in Turtle: the same bytes for the same document, and every prefix
    it has declared."""
    encoded = ProvRDFSerializer(document).encode_document(document)
    buffer = io.BytesIO()
    _named_by_content(encoded).serialize(buffer, format="turtle")
    return _with_every_prefix(buffer.getvalue().decode("utf-8"), document)


def _named_by_content(encoded: Dataset) -> Dataset:
    """The same statements with each blank node named by the statements about it and the one
    that points to it. Blank nodes that say the same are one statement said twice, so the order
    between them does not show."""
    quads = list(encoded.quads((None, None, None, None)))
    said: defaultdict[Node, list[str]] = defaultdict(list)
    for s, p, o, graph in quads:
        where = graph.n3() if graph is not None else ""
        if isinstance(s, BNode):
            said[s].append(f"out {p.n3()} {'_' if isinstance(o, BNode) else o.n3()} {where}")
        if isinstance(o, BNode):
            said[o].append(f"in {'_' if isinstance(s, BNode) else s.n3()} {p.n3()} {where}")
    names: dict[Node, BNode] = {}
    taken: defaultdict[str, int] = defaultdict(int)
    for node, lines in sorted(said.items(), key=lambda item: sorted(item[1])):
        digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()[:32]
        names[node] = BNode(f"b{digest}{taken[digest] or ''}")
        taken[digest] += 1
    named = Dataset(default_union=True)
    for prefix, uri in encoded.namespaces():
        named.bind(prefix, uri)
    named.addN(
        (
            names.get(s, s),
            p,
            names.get(o, o),
            named.graph(graph if graph is not None else DATASET_DEFAULT_GRAPH_ID),
        )
        for s, p, o, graph in quads
    )
    return named


def _with_every_prefix(text: str, document: ProvDocument) -> str:
    """Turtle declaring every prefix of the document, used or not.

    The Turtle writer declares only the prefixes it shortens some IRI with, and it cannot
    shorten one whose local part holds a ``/``; the PROV-O reader then cannot name an IRI the
    document mentions but does not describe, and refuses the whole text.
    """
    declared = _PREFIX_LINE.findall(text)
    prefixes = {prefix for prefix, _ in declared}
    uris = {uri for _, uri in declared}
    containers: list[ProvBundle] = [document, *document.bundles]
    missing = sorted(
        {
            (n.prefix, n.uri)
            for c in containers
            for n in c.namespaces
            if n.prefix not in prefixes and n.uri not in uris
        }
    )
    return "".join(f"@prefix {prefix}: <{uri}> .\n" for prefix, uri in missing) + text
