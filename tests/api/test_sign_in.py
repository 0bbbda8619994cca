"""Signing the web pages in with an API key: a browser cannot send the key in a header, so the
sign-in keeps it in a cookie, accepted for reading only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.deps import KEY_COOKIE
from api.keys import KeyStore, Role
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


def test_signing_in_keeps_the_key_for_reading(client: TestClient, keys: KeyStore) -> None:
    _, secret = keys.create(Role.AUDITOR)
    answer = sign_in(client, secret, "/ui/weak-points")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/weak-points"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{KEY_COOKIE}={secret};")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert client.get("/ui/weak-points", headers=PAGE).status_code == 200
    assert client.get("/weak-points").status_code == 200  # the pages' scripts read the API too
    client.post("/ui/sign-out")
    assert client.get("/weak-points").status_code == 401


def test_the_cookie_never_writes(client: TestClient, keys: KeyStore) -> None:
    # Another site can make a browser send a POST with the cookie; it is not a key for writing.
    _, secret = keys.create(Role.RECORDER)
    client.cookies.set(KEY_COOKIE, secret)
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
