"""Signing the web pages in with an API key: a browser cannot send the key in a header, so the
sign-in opens a session whose token it keeps in a cookie, accepted for reading only."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import SESSION_COOKIE
from api.keys import SESSION_LIFETIME, KeyStore, Role
from tests.api.conftest import RUN, enc
from tests.factories import run

PAGE = {"Accept": "text/html"}


def sign_in(client: TestClient, key: str, next_page: str) -> Any:
    """The sign-in form, sent as a browser sends it."""
    return client.post(
        "/ui/sign-in",
        content=f"key={key}&next={next_page}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def test_a_page_opened_without_a_key_goes_to_the_sign_in(client: TestClient) -> None:
    answer = client.get("/ui/weak-points?format=html", headers=PAGE, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/sign-in?next=/ui/weak-points%3Fformat%3Dhtml"
    # a program asking for the page's JSON is told, as the API tells it
    assert client.get("/ui/weak-points?format=json").status_code == 401


def test_the_service_s_address_opens_the_runs_list_signed_in_or_not(
    client: TestClient, keys: KeyStore
) -> None:
    first = client.get("/", headers=PAGE, follow_redirects=False)
    assert first.status_code in (303, 307)
    assert first.headers["location"] == "/ui/runs"
    signed_out = client.get("/", headers=PAGE)
    assert signed_out.status_code == 200
    assert signed_out.url.path == "/ui/sign-in"
    assert signed_out.url.query == b"next=/ui/runs"
    _, secret = keys.create(Role.AUDITOR)
    sign_in(client, secret, "/ui/runs")
    signed_in = client.get("/", headers=PAGE)
    assert signed_in.status_code == 200
    assert signed_in.url.path == "/ui/runs"


def test_signing_in_opens_a_session_for_reading(client: TestClient, keys: KeyStore) -> None:
    _, secret = keys.create(Role.AUDITOR)
    answer = sign_in(client, secret, "/ui/weak-points")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/weak-points"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert secret not in cookie  # the key itself never sits in the browser
    assert f"Max-Age={int(SESSION_LIFETIME.total_seconds())}" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert client.get("/ui/weak-points", headers=PAGE).status_code == 200
    assert client.get("/weak-points").status_code == 200  # the pages' scripts read the API too
    token = client.cookies[SESSION_COOKIE]
    client.post("/ui/sign-out")
    assert client.get("/weak-points").status_code == 401
    # the session ended on the server: the old cookie, sent again, reads nothing
    client.cookies.set(SESSION_COOKIE, token)
    answer = client.get("/weak-points")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "the sign-in has ended, or its key was revoked"


def test_a_session_ends_with_its_key_and_its_time(
    client: TestClient, keys: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    revoked, secret = keys.create(Role.AUDITOR)
    sign_in(client, secret, "/ui/runs")
    assert client.get("/weak-points").status_code == 200
    keys.revoke(revoked.id)
    assert client.get("/weak-points").status_code == 401
    _, other = keys.create(Role.AUDITOR)
    sign_in(client, other, "/ui/runs")
    assert client.get("/weak-points").status_code == 200
    later = datetime.now(UTC) + SESSION_LIFETIME + timedelta(minutes=1)
    monkeypatch.setattr("api.keys.datetime", _Clock(later))
    assert client.get("/weak-points").status_code == 401


class _Clock:
    """``datetime`` as the keys file sees it, at a moment of the test's choosing."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self, tz: Any = None) -> datetime:
        return self._now


def test_the_cookie_never_writes(client: TestClient, keys: KeyStore) -> None:
    # Another site can make a browser send a POST with the cookie; it is not a key for writing,
    # even for an admin's session.
    _, secret = keys.create(Role.ADMIN)
    sign_in(client, secret, "/ui/runs")
    assert client.cookies.get(SESSION_COOKIE)
    assert client.post("/runs", json=run(99)).status_code == 401
    assert (
        client.post(
            "/runs", json=run(99), headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 201
    )


def test_a_key_that_cannot_read_does_not_sign_in(client: TestClient, keys: KeyStore) -> None:
    _, secret = keys.create(Role.RECORDER)
    for given in (secret, "raidt_00000000_notakey", ""):
        answer = sign_in(client, given, "/ui/runs")
        assert answer.status_code == 401
        assert "that key is unknown, revoked, or not one that may read" in answer.text
        assert "set-cookie" not in answer.headers


def test_signing_in_goes_on_only_to_a_page_of_the_service(
    client: TestClient, keys: KeyStore
) -> None:
    _, secret = keys.create(Role.AUDITOR)
    for elsewhere in ("https://evil.example/", "//evil.example/ui/", "/ui//evil.example", "/runs"):
        answer = sign_in(client, secret, elsewhere)
        assert answer.headers["location"] == "/ui/runs", elsewhere


def test_another_site_cannot_sign_a_browser_in_or_out(client: TestClient, keys: KeyStore) -> None:
    _, secret = keys.create(Role.AUDITOR)
    elsewhere = {
        "Origin": "https://evil.example",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = client.post("/ui/sign-in", content=f"key={secret}", headers=elsewhere)
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers
    assert client.post("/ui/sign-out", headers=elsewhere).status_code == 403
    here = {**elsewhere, "Origin": "http://testserver"}
    signed_in = client.post(
        "/ui/sign-in", content=f"key={secret}", headers=here, follow_redirects=False
    )
    assert signed_in.status_code == 303


def test_signing_in_and_out_is_logged_under_the_key(client: TestClient, keys: KeyStore) -> None:
    key, secret = keys.create(Role.AUDITOR)
    sign_in(client, secret, "/ui/runs")
    client.post("/ui/sign-out")
    logged = [(e.method, e.path, e.who) for e in keys.entries() if e.method == "POST"]
    assert logged == [("POST", "/ui/sign-in", key.id), ("POST", "/ui/sign-out", key.id)]


def test_a_busy_keys_file_is_unavailable_and_its_path_is_kept_for_the_log(
    client: TestClient, keys: KeyStore, caplog: pytest.LogCaptureFixture
) -> None:
    # The caller has not signed in yet: where the service keeps its keys is none of theirs.
    _, secret = keys.create(Role.AUDITOR)
    keys.close()
    keys.wait = 0.05
    other = sqlite3.connect(keys.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with caplog.at_level(logging.ERROR, logger="raidt.api"):
            answer = sign_in(client, secret, "/ui/runs")
    finally:
        other.rollback()
        other.close()
    assert answer.status_code == 503
    problem = answer.json()
    assert problem["type"].endswith("#store-unavailable")
    assert problem["detail"] == (
        "the keys file is busy now; try again later, the service's log says why"
    )
    assert keys.path not in answer.text
    assert keys.path in caplog.text


def test_what_a_key_or_a_session_reads_is_not_kept_in_a_cache(
    client: TestClient, keys: KeyStore
) -> None:
    # Once signed out, a page must not come back from the browser's cache.
    _, secret = keys.create(Role.AUDITOR)
    key = {"Authorization": f"Bearer {secret}"}
    sign_in(client, secret, "/ui/runs")
    answers = [
        client.get("/ui/runs", headers=PAGE),
        client.get("/ui/runs?format=json"),
        client.get(f"/ui/runs/{enc(RUN)}", headers=PAGE),
        client.get("/runs", headers=key),
        client.head("/runs", headers=key),
        client.get(f"/runs/{enc(RUN)}/evidence-pack", headers=key),
        client.get("/prov", headers=key),
        client.get("/verify"),  # with the session's cookie
    ]
    assert [a.status_code for a in answers] == [200] * 8
    assert [a.headers.get("cache-control") for a in answers] == ["no-store"] * 8
    # the scripts and styles the pages load are the same for everyone, and may be kept
    style = client.get("/ui/static/raidt.css")
    assert style.status_code == 200
    assert "no-store" not in style.headers.get("cache-control", "")
