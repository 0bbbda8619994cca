"""Who may do what: keys by role (401 without one, 403 without the role), keys kept only as
hashes, revocation, --no-auth, and the access log that every request goes to."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import get_store
from api.keys import KeyStore, Role
from api.main import create_app
from api.settings import Settings
from provenance.stores import SQLiteStore
from tests.api.conftest import ACTION, OUTPUT, PERSON, REVIEW, RUN, TEMPLATE_VERSION, enc
from tests.api.test_events import challenge
from tests.api.test_governance import delegation, version
from tests.factories import action, run

Headers = dict[Role, dict[str, str]]
OUT = "https://hospital.example/outputs/discharge-0412/summary"

READS = [
    "/runs",
    f"/runs/{enc(RUN)}",
    f"/nodes/{enc(OUTPUT)}",
    f"/outputs/{enc(OUTPUT)}/trace",
    f"/nodes/{enc(TEMPLATE_VERSION)}/impact",
    f"/actions/{enc(ACTION)}/authority",
    f"/people/{enc(PERSON)}/accountable",
    f"/reviews/{enc(REVIEW)}/reconstruction",
    f"/runs/{enc(RUN)}/scores",
    "/weak-points",
    f"/runs/{enc(RUN)}/evidence-pack",
    f"/runs/{enc(RUN)}/prov",
    "/prov",
    "/verify",
]
WRITES: list[tuple[str, str, dict[str, Any], set[Role]]] = [
    ("runs", "/runs", run(1), {Role.RECORDER, Role.ADMIN}),
    (
        "action",
        f"/runs/{enc(RUN)}/events",
        action("x", OUT),
        {Role.RECORDER, Role.ADMIN},
    ),
    (
        "challenge",
        f"/runs/{enc(RUN)}/events",
        challenge("c", OUT),
        {Role.RECORDER, Role.REVIEWER, Role.ADMIN},
    ),
    ("delegation", "/delegations", delegation(), {Role.ADMIN}),
    (
        "template",
        "/templates/" + enc("https://hospital.example/templates/discharge-summary") + "/versions",
        version(),
        {Role.ADMIN},
    ),
]


@pytest.mark.parametrize("path", READS)
def test_every_role_but_recorders_reads(client: TestClient, headers: Headers, path: str) -> None:
    for role in Role:
        answer = client.get(path, headers=headers[role])
        if role is Role.RECORDER:
            assert answer.status_code == 403, path
            assert answer.headers["content-type"] == "application/problem+json"
            assert "recorder" in answer.json()["detail"]
        else:
            assert answer.status_code == 200, (role, path, answer.text)


@pytest.mark.parametrize(("what", "path", "body", "allowed"), WRITES, ids=[w[0] for w in WRITES])
def test_each_write_takes_its_roles(
    client: TestClient,
    headers: Headers,
    what: str,
    path: str,
    body: dict[str, Any],
    allowed: set[Role],
) -> None:
    for role in Role:
        answer = client.post(path, json=body, headers=headers[role])
        if role in allowed:
            assert answer.status_code in (200, 201), (role, answer.text)
        else:
            assert answer.status_code == 403, role


def test_importing_prov_takes_an_admin(client: TestClient, headers: Headers) -> None:
    # A document can state a delegation, which only admins may record; a recorder could
    # otherwise make an approver's authority valid.
    document = (
        "document\n  prefix ex <https://example.org/>\n"
        "  actedOnBehalfOf(ex:delegations/forged; ex:people/a, ex:people/b, -)\nendDocument\n"
    )
    sent = {"Content-Type": "text/provenance-notation"}
    for role in Role:
        answer = client.post("/prov", content=document, headers={**headers[role], **sent})
        if role is Role.ADMIN:
            assert answer.status_code in (200, 201), role
        else:
            assert answer.status_code == 403, role


@pytest.mark.parametrize(
    "sent",
    [
        {},
        {"Authorization": "Bearer raidt_00000000_notakey"},
        {"Authorization": "Bearer something-else"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["none", "unknown", "malformed", "basic"],
)
def test_a_missing_or_unknown_key_is_unauthorized(client: TestClient, sent: dict[str, str]) -> None:
    for path in READS:
        answer = client.get(path, headers=sent)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.headers["content-type"] == "application/problem+json"
    for _, path, body, _ in WRITES:
        assert client.post(path, json=body, headers=sent).status_code == 401


def test_a_revoked_key_stops_working_at_once(client: TestClient, keys: KeyStore) -> None:
    key, secret = keys.create(Role.AUDITOR, "to revoke")
    sent = {"Authorization": f"Bearer {secret}"}
    assert client.get("/verify", headers=sent).status_code == 200
    keys.revoke(key.id)
    assert client.get("/verify", headers=sent).status_code == 401


def test_a_key_with_its_secret_changed_is_unknown(client: TestClient, keys: KeyStore) -> None:
    _, secret = keys.create(Role.AUDITOR)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert client.get("/verify", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_keys_are_kept_only_as_hashes(keys: KeyStore, settings: Settings) -> None:
    _, secret = keys.create(Role.ADMIN, "ops")
    stored = settings.keys_path.read_bytes() + b"".join(
        p.read_bytes() for p in settings.keys_path.parent.glob("keys.db-wal")
    )
    assert secret.encode() not in stored
    with sqlite3.connect(settings.keys_path) as db:
        hashes = [row[0] for row in db.execute("SELECT sha256 FROM keys")]
    assert hashlib.sha256(secret.encode()).hexdigest() in hashes


def test_health_and_docs_need_no_key(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("path", ["/healthz", *READS])
def test_head_answers_as_get_without_the_body(
    client: TestClient, headers: Headers, path: str
) -> None:
    got = client.get(path, headers=headers[Role.AUDITOR])
    head = client.head(path, headers=headers[Role.AUDITOR])
    assert (head.status_code, head.content) == (got.status_code, b"")
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))
    if path != "/healthz":
        assert client.head(path).status_code == 401


def test_without_auth_anyone_does_anything(
    tmp_path: Path, demo_store: SQLiteStore, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(store="sqlite:///:memory:", keys=tmp_path / "k.db", auth=False))
    app.dependency_overrides[get_store] = lambda: demo_store
    with TestClient(app) as client:
        assert client.get("/verify").status_code == 200
        assert client.post("/delegations", json=delegation()).status_code == 201
    assert "AUTHENTICATION IS OFF" in caplog.text
    assert {e.who for e in app.state.keys.entries()} == {"anonymous"}


def test_every_request_goes_to_the_access_log(
    client: TestClient, headers: Headers, keys: KeyStore
) -> None:
    auditor = keys.keys()[2]
    assert auditor.role is Role.AUDITOR
    before = len(keys.entries())
    client.get("/runs", params={"sector": "finance"}, headers=headers[Role.AUDITOR])
    client.get("/verify")
    client.get("/verify", headers={"Authorization": "Bearer raidt_00000000_nope"})
    client.get("/verify", headers=headers[Role.RECORDER])
    client.post("/runs", json=run(1), headers=headers[Role.RECORDER])
    client.get("/nowhere", headers=headers[Role.AUDITOR])
    logged = keys.entries()[before:]
    recorder = keys.keys()[0]
    assert [(e.who, e.method, e.path, e.status) for e in logged] == [
        (auditor.id, "GET", "/runs?sector=finance", 200),
        ("anonymous", "GET", "/verify", 401),
        ("anonymous", "GET", "/verify", 401),
        (recorder.id, "GET", "/verify", 403),
        (recorder.id, "POST", "/runs", 201),
        ("anonymous", "GET", "/nowhere", 404),
    ]
    assert all(e.duration_ms >= 0 and e.time.endswith("+00:00") for e in logged)


def test_a_key_sent_in_the_url_is_kept_out_of_the_access_log(
    client: TestClient, headers: Headers, keys: KeyStore
) -> None:
    # The log refuses every change: a key written there could never be taken out again.
    key = headers[Role.AUDITOR]["Authorization"].removeprefix("Bearer ")
    before = len(keys.entries())
    sent = [
        ("/runs", {"limit": 1, "api_key": key}),
        ("/runs", {"token": "abc", "sector": "finance", "password": "hunter2"}),
        ("/runs", {"access_token": "x", "key": "y"}),
        ("/ui/sign-in", {"next": f"/ui/runs?k={key}"}),
        (f"/nodes/{key}", {}),
        (f"/nodes/{key.replace('_', '%5F')}", {}),
    ]
    for path, query in sent:
        client.get(path, params=query)
    logged = [e.path for e in keys.entries()[before:]]
    assert logged == [
        "/runs?limit=1&api_key=REDACTED",
        "/runs?token=REDACTED&sector=finance&password=REDACTED",
        "/runs?access_token=REDACTED&key=REDACTED",
        "/ui/sign-in?next=REDACTED",
        "/nodes/REDACTED",
        "/nodes/REDACTED",
    ]
    with sqlite3.connect(keys.path) as db:
        assert not db.execute(
            "SELECT path FROM access_log WHERE path LIKE ?", (f"%{key[:20]}%",)
        ).fetchall()


def test_a_new_keys_file_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    keys = KeyStore(tmp_path / "keys.db")
    keys.create(Role.ADMIN)
    made = sorted(tmp_path.iterdir())
    assert [p.name for p in made] == ["keys.db", "keys.db-shm", "keys.db-wal"]
    assert {oct(p.stat().st_mode & 0o777) for p in made} == {"0o600"}
    keys.close()


def test_a_keys_file_someone_made_keeps_its_mode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / "keys.db"
    sqlite3.connect(shared).close()
    shared.chmod(0o640)
    keys = KeyStore(shared)
    keys.create(Role.ADMIN)
    assert shared.stat().st_mode & 0o777 == 0o640
    keys.close()
    assert not caplog.records  # shared with a group, on purpose it may be
    shared.chmod(0o644)
    keys = KeyStore(shared)
    keys.create(Role.ADMIN)
    assert shared.stat().st_mode & 0o777 == 0o644
    keys.close()
    assert [r.getMessage() for r in caplog.records] == [
        f"the keys file {shared} is open to every user of this machine (mode 644): "
        f"`chmod 600 {shared}` makes it its owner's alone"
    ]


def test_the_access_log_cannot_be_written_through_the_api(
    app: FastAPI, client: TestClient, admin: dict[str, str], keys: KeyStore, settings: Settings
) -> None:
    paths = app.openapi()["paths"]
    assert not [p for p in paths if "access" in p or "key" in p]
    before = keys.entries()
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        answer = client.request(method, "/access-log", headers=admin, json={"who": "x"})
        assert answer.status_code in (404, 405)
    after = keys.entries()
    assert after[: len(before)] == before
    assert len(after) == len(before) + 4
    with sqlite3.connect(settings.keys_path) as db:
        for statement in ("UPDATE access_log SET who = 'x'", "DELETE FROM access_log"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)


@pytest.mark.parametrize("path", [p for p in READS if "%3A" in p])
def test_the_key_is_checked_before_anything_is_looked_up(
    client: TestClient, headers: Headers, path: str
) -> None:
    """Without the right key, a client cannot even learn whether an id exists."""
    unknown = path.replace("hospital.example", "nowhere.example").replace(
        "bank.example", "nowhere.example"
    )
    assert client.get(unknown).status_code == 401
    assert client.get(unknown, headers=headers[Role.RECORDER]).status_code == 403
    assert client.get(unknown, headers=headers[Role.AUDITOR]).status_code == 404


UNDECODABLE = {
    "not UTF-8 text": b'{"task": "\xff"}',
    "nested too deeply": b"[" * 5000 + b"]" * 5000,
    "Exceeds the limit": b'{"n": ' + b"1" * 5000 + b"}",
}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{}", "text/plain"),
        (b"{bad", "application/json"),
        *((body, "application/json") for body in UNDECODABLE.values()),
    ],
)
def test_the_key_is_checked_before_the_body(
    client: TestClient, headers: Headers, body: bytes, content_type: str
) -> None:
    # Even a body that is not JSON at all tells a caller without the right key nothing.
    sent = {"Content-Type": content_type}
    for path in [*(w[1] for w in WRITES), "/prov"]:
        assert client.post(path, content=body, headers=sent).status_code == 401
        assert (
            client.post(path, content=body, headers={**headers[Role.AUDITOR], **sent}).status_code
            == 403
        )
    unreadable = client.post(
        "/runs",
        content=b"{bad",
        headers={**headers[Role.RECORDER], "Content-Type": "application/json"},
    )
    assert unreadable.status_code == 400


@pytest.mark.parametrize("why", sorted(UNDECODABLE))
def test_a_body_that_cannot_be_decoded_is_an_unreadable_body(
    client: TestClient, headers: Headers, why: str
) -> None:
    answer = client.post(
        "/runs",
        content=UNDECODABLE[why],
        headers={**headers[Role.RECORDER], "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["type"].endswith("unreadable-body")
    assert problem["detail"].startswith(f"the body is not readable JSON: {why}")
