"""PROV in and out: POST /prov in every format by Content-Type, GET /prov and GET /runs/{id}/prov
in every format by Accept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import get_store
from api.keys import Role
from provenance.export import export_document
from provenance.formats import FORMATS, parse_document, write_document
from provenance.stores import SQLiteStore
from tests.api.conftest import RUN, enc

Headers = dict[Role, dict[str, str]]
PROBLEM = "application/problem+json"


@pytest.fixture
def empty_store() -> Iterator[SQLiteStore]:
    store = SQLiteStore(":memory:")
    yield store
    store.close()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_document_in_every_format_imports_once(
    fmt: str,
    app: FastAPI,
    client: TestClient,
    headers: Headers,
    demo_store: SQLiteStore,
    empty_store: SQLiteStore,
) -> None:
    chosen = FORMATS[fmt]
    document = write_document(export_document(demo_store, RUN), chosen)
    app.dependency_overrides[get_store] = lambda: empty_store
    send = {**headers[Role.ADMIN], "Content-Type": chosen.media_type}
    first = client.post("/prov", content=document.encode(), headers=send)
    assert first.status_code == 201, first.text
    imported = first.json()
    assert imported["written"] is True
    assert imported["record"].startswith("urn:raidt:document:")
    again = client.post("/prov", content=document.encode(), headers=send)
    assert again.status_code == 200
    assert again.json() == {**imported, "written": False}
    assert empty_store.counts()["records"] == 1
    shown = client.get("/nodes/" + enc(RUN), headers=headers[Role.AUDITOR])
    assert shown.status_code == 200
    assert "activity" in shown.json()["kinds"]


def test_a_document_is_imported_under_the_id_given(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    document = write_document(export_document(demo_store, RUN), FORMATS["provn"])
    answer = client.post(
        "/prov",
        params={"id": "https://example.org/imports/1"},
        content=document,
        headers={**headers[Role.ADMIN], "Content-Type": "text/provenance-notation; charset=utf-8"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["record"] == "https://example.org/imports/1"


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/csv", b"a,b", 415),
        ("application/pdf", b"%PDF", 415),
        ("text/provenance-notation", b"document\n  entity(ex:broken\nendDocument", 400),
        ("application/json", b'{"entity": [1, 2', 400),
        ("text/turtle", b"", 400),
        ("application/xml", b"<prov:document xmlns:prov=", 400),
        ("application/ld+json", b"\xff\xfe", 400),
        ("application/json", b"", 400),
        ("application/json", b'{"entity": {"ex:\xff": {}}}', 400),
        ("application/json", b"[" * 50_000, 400),
    ],
)
def test_documents_that_cannot_be_read_are_refused(
    client: TestClient,
    headers: Headers,
    demo_store: SQLiteStore,
    content_type: str,
    body: bytes,
    status: int,
) -> None:
    before = demo_store.counts()
    answer = client.post(
        "/prov", content=body, headers={**headers[Role.ADMIN], "Content-Type": content_type}
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    if status == 400:
        assert answer.json()["type"] == "https://w3id.org/raidt/problems#unreadable-body"
    assert demo_store.counts() == before


def test_an_import_id_must_be_an_iri(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    document = write_document(export_document(demo_store, RUN), FORMATS["json"])
    answer = client.post(
        "/prov",
        params={"id": "not an iri"},
        content=document,
        headers={**headers[Role.ADMIN], "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    # the request's parameter is at fault, not the document
    problem = answer.json()
    assert problem["type"].endswith("#invalid-request")
    assert [e["location"] for e in problem["errors"]] == [["query", "id"]]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize(
    "path", ["/prov", "/runs/" + enc(RUN) + "/prov", "/runs/hospital:runs/discharge-0412/prov"]
)
def test_exports_come_in_the_format_accepted(
    client: TestClient,
    auditor: dict[str, str],
    demo_store: SQLiteStore,
    fmt: str,
    path: str,
) -> None:
    chosen = FORMATS[fmt]
    answer = client.get(path, headers={**auditor, "Accept": chosen.media_type})
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == chosen.media_type
    target = None if path == "/prov" else RUN
    expected = write_document(export_document(demo_store, target), chosen)
    assert parse_document(answer.content, chosen) == parse_document(expected, chosen)


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, "json"),
        ("*/*", "json"),
        ("text/turtle;q=0.4, application/xml;q=0.9", "xml"),
        ("text/*", "provn"),
        ("text/html, text/turtle", "ttl"),
        ("application/json;q=0, */*", "provn"),
        ("text/provenance-notation;q=0, text/*", "ttl"),
        ("application/provenance+xml", "xml"),
        # a range refused refuses every type it covers, but a more specific range decides
        ("application/*;q=0, */*", "provn"),
        ("*/*;q=0, text/turtle", "ttl"),
        ("application/*;q=0, application/ld+json;q=0.5, */*;q=0.1", "jsonld"),
        ("*/*, application/json;q=0.1", "provn"),
    ],
)
def test_the_most_preferred_supported_format_wins(
    client: TestClient, auditor: dict[str, str], accept: str | None, fmt: str
) -> None:
    sent = {**auditor, **({"Accept": accept} if accept else {})}
    answer = client.get("/prov", headers=sent)
    assert answer.headers["content-type"].split(";")[0] == FORMATS[fmt].media_type


def test_an_unsupported_accept_is_not_acceptable(
    client: TestClient, auditor: dict[str, str]
) -> None:
    answer = client.get("/prov", headers={**auditor, "Accept": "text/html"})
    assert answer.status_code == 406
    refused = {**auditor, "Accept": "application/*;q=0, text/*;q=0, */*"}
    assert client.get("/prov", headers=refused).status_code == 406
    assert answer.headers["content-type"] == PROBLEM
    assert "text/turtle" in answer.json()["detail"]


def test_a_format_that_cannot_carry_the_graph_is_not_acceptable(
    client: TestClient, auditor: dict[str, str], headers: dict[Role, dict[str, str]]
) -> None:
    # PROV-N carries a mention of an entity in a bundle; PROV-JSONLD has no term for it.
    mention = """document
  prefix t <https://t.example/>
  bundle t:b
    entity(t:general)
  endBundle
  entity(t:specific)
  mentionOf(t:specific, t:general, t:b)
endDocument"""
    sent = {**headers[Role.ADMIN], "Content-Type": "text/provenance-notation"}
    assert client.post("/prov", content=mention, headers=sent).status_code == 201
    answer = client.get("/prov", headers={**auditor, "Accept": "application/ld+json"})
    assert answer.status_code == 406
    assert answer.json()["detail"].startswith("cannot write it as PROV-JSONLD")
    assert client.get("/prov", headers=auditor).status_code == 200
