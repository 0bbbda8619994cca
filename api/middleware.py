"""What wraps every request: routing on the raw path, the body limit, and the access log.

They are plain ASGI middleware, each a few lines, because each must see every request — those that
fail before reaching a route included.

- **Raw-path routing.** Node ids are IRIs, sent percent-encoded as one path segment
  (``/outputs/https%3A%2F%2Fexample.org%2Fout%2F7/trace``). Servers decode ``%2F`` to ``/`` before
  routing, which would split the IRI and let ``…/trace`` in an id pick the wrong route; routing on
  the raw path keeps an encoded id one segment, and the id dependency decodes it once.
- **Body limit.** A body over the limit gets 413 before any route reads it, whether it announced
  its length or not.
- **HEAD.** Answered as the GET it stands for, headers and all, without the body: routes are
  declared for GET only, and monitors and caches ask with HEAD.
- **Access log.** Who (the key id, or ``anonymous``), what (method and raw path), when, the status
  and the duration of every request, appended to the keys file. A query value that may be a
  credential (a key sent as ``?api_key=``) is left out: the log cannot be rewritten later.
- **Security headers.** No answer may be framed, sniffed for another type or leak its address in
  a referrer to another site (within the service it is kept, so that a form says where it came
  from); the web pages may run scripts and load anything only from the service itself. No answer
  but the pages' scripts and styles may be kept in a cache, so that a page read with a key or a
  session cannot be shown again from the browser's cache once it is signed out.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, unquote_plus

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.keys import ANONYMOUS, KEY_PREFIX, AccessEntry, KeyStore
from api.problems import problem_response
from provenance.errors import StoreError

__all__ = ["CALLER_KEY", "AccessLog", "BodyLimit", "HeadAsGet", "RawPathRouting", "SecurityHeaders"]

CALLER_KEY = "raidt_caller"
"""Where the auth dependency leaves the caller's key id, in the request's state."""
_log = logging.getLogger("raidt.api")


class RawPathRouting:
    """Route on the path as sent, so that an encoded ``/`` stays inside its segment."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path")
        if scope["type"] == "http" and isinstance(raw, bytes):
            scope["path"] = raw.decode("latin-1")
        await self.app(scope, receive, send)


_EVERY_ANSWER = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_PAGE_POLICY = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    b"frame-ancestors 'none'",
)
"""The pages' policy: every script from the service (record text, however it is written, cannot
run), inline styles for the legend's colours."""
_NOT_KEPT = (b"cache-control", b"no-store")
"""Every answer but a static file's: what a key or a session read is not to be kept by a browser
or a proxy. As nothing is kept, a ``Vary`` on the key or the cookie is not needed: the exports
say ``Vary: Accept`` as they choose their format by it."""
_STATIC = "/ui/static/"
"""The scripts, styles and libraries the pages load, the same for every caller and kept as
long as a browser keeps them."""


class SecurityHeaders:
    """Headers that keep a browser from misusing an answer: on every answer, a content security
    policy on the web pages (the API documentation builds its page with an inline script, so it
    goes without), and ``no-store`` on all but the static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*_EVERY_ANSWER]
        if scope["path"].startswith("/ui"):
            extra.append(_PAGE_POLICY)
        if not scope["path"].startswith(_STATIC):
            extra.append(_NOT_KEPT)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((n, v) for n, v in extra if n not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class HeadAsGet:
    """Answer ``HEAD`` as ``GET`` with the body left out (its length still announced)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        try:
            messages = await self._read(receive)
        except _TooLarge:
            await self._refuse(scope, receive, send)
            return
        pending = list(messages)

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> list[Message]:
        """The request's body messages, read up to the limit (a body is at most the limit, so
        holding it costs no more than the route reading it would)."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.limit:
                raise _TooLarge
            if not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            f"the request body is larger than the limit of {self.limit} bytes",
            kind="body-too-large",
            instance=scope.get("raw_path", b"").decode("latin-1") or scope.get("path"),
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


_CREDENTIAL_NAME = re.compile(r"key|token|pass|secret|auth|session|credential", re.IGNORECASE)
"""Query parameters whose value is a credential by name: api_key, key, access_token, password …
(no parameter the service takes is named so)."""
_KEY = re.compile(rf"{KEY_PREFIX}_[0-9a-f]{{8}}_[A-Za-z0-9_-]{{20,}}")
"""A key as `raidt keys create` makes it: its id, then its secret."""
_REDACTED = "REDACTED"


def _redacted_part(part: str) -> str:
    """One ``name=value`` of a query, its value replaced if it may be a credential: one under a
    credential's name, or holding the keys' prefix wherever it is sent (``?next=`` included)."""
    name, equals, _ = part.partition("=")
    holds_key = f"{KEY_PREFIX}_" in unquote_plus(part)
    if not equals:
        return _REDACTED if holds_key else part
    if holds_key or _CREDENTIAL_NAME.search(unquote_plus(name)):
        return f"{name}={_REDACTED}"
    return part


def _logged_path(raw_path: str, query: str) -> str:
    """What the access log keeps of a request's target: the raw path, each segment that holds a
    key (encoded or not: a caller may paste one anywhere) taken out, and the query with
    credentials taken out. The log refuses every change, so a key written there could never be
    removed."""
    path = "/".join(_REDACTED if _KEY.search(unquote(s)) else s for s in raw_path.split("/"))
    kept = "&".join(_redacted_part(part) for part in query.split("&"))
    return path + ("?" + kept if query else "")


class AccessLog:
    """Append every HTTP request to the access log once it has been answered."""

    def __init__(self, app: ASGIApp, keys: KeyStore) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        when = datetime.now(UTC).isoformat(timespec="microseconds")
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        state: dict[str, Any] = scope.setdefault("state", {})
        try:
            await self.app(scope, receive, sending)
        finally:
            raw = scope.get("raw_path") or scope["path"].encode()
            query = scope.get("query_string", b"")
            entry = AccessEntry(
                when,
                str(state.get(CALLER_KEY, ANONYMOUS)),
                scope["method"],
                _logged_path(raw.decode("latin-1"), query.decode("latin-1")),
                status,
                round((time.perf_counter() - started) * 1000, 3),
            )
            try:
                await anyio.to_thread.run_sync(self.keys.log, entry)
            except StoreError:
                _log.exception("cannot write the access log: %s", entry)
