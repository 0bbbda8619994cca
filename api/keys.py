"""API keys and the access log, in a small SQLite file of their own, apart from the provenance
store.

A key is shown once, when it is created; only its SHA-256 is kept. Each key carries its own id in
the clear (``raidt_<id>_<secret>``), so a presented key is found by id and its hash compared in
constant time. Signing the web pages in opens a session: a token of its own, kept by its hash,
that reads for one key until it is closed, expires or the key is revoked, so that the key itself
never sits in a browser.

The access log is append-only: triggers refuse updates and deletes, and nothing in the HTTP
service does more than insert into it, so no request can rewrite who did what.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from provenance.errors import NotFound, StoreError, StoreUnavailable

__all__ = [
    "ANONYMOUS",
    "KEY_PREFIX",
    "SESSION_LIFETIME",
    "AccessEntry",
    "ApiKey",
    "KeyStore",
    "Role",
]

_log = logging.getLogger("raidt.api")

KEY_PREFIX = "raidt"
SESSION_LIFETIME = timedelta(hours=8)
"""How long a sign-in lasts: a working day, after which the pages ask for the key again."""
ANONYMOUS = "anonymous"
"""Who the access log names when a request carried no valid key."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE IF NOT EXISTS access_log (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    who TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    sha256 TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES keys (id),
    expires TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS access_log_append_only_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_log_append_only_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
"""


_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
"""What SQLite says of a file another connection holds: it will be free again, so the caller
may try later (503), where any other failure is the service's (500)."""


class Role(StrEnum):
    """What a key may do; see README's table."""

    RECORDER = "recorder"
    """Writes runs and every kind of event."""
    REVIEWER = "reviewer"
    """Writes reviews, approvals and challenges; reads."""
    AUDITOR = "auditor"
    """Reads everything, writes nothing."""
    ADMIN = "admin"
    """Everything: keys, delegations, templates and what the other roles may do."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored: never the key itself."""

    id: str
    name: str
    role: Role
    created: str
    revoked: str | None = None


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One request: who, what, when, and how it ended."""

    time: str
    who: str
    method: str
    path: str
    status: int
    duration_ms: float


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """The keys file. Thread-safe: one connection, used under a lock."""

    def __init__(self, path: str | Path, *, wait: float = 10.0) -> None:
        self.path = str(path)
        self.wait = wait
        """Seconds a request waits for another process writing the file to finish, before it
        is told the keys file is busy."""
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        with self._errors("open"):
            pass

    def _open(self) -> sqlite3.Connection:
        """The connection, opened again after ``close`` (an app's lifespan may end and begin
        again, as a test client's does); a ``:memory:`` file starts empty each time."""
        if self._db is None:
            if self.path != ":memory:" and not Path(self.path).parent.is_dir():
                raise StoreUnavailable(f"cannot open the keys file {self.path}: no such directory")
            self._create_private()
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # An entry lost to a power cut is acceptable; one lost to a crash of the process is
            # not, and WAL with NORMAL keeps every committed entry through such a crash.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA busy_timeout={int(self.wait * 1000)}")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def _create_private(self) -> None:
        """Create a keys file that does not exist yet readable by its owner alone: it holds the
        keys' hashes, the open sessions and who read what. SQLite makes the ``-wal`` and
        ``-shm`` files beside it with the same mode. A file that exists keeps the mode its
        owner gave it."""
        if self.path == ":memory:":
            return
        # there already, or not to be made here: opening it says which
        with suppress(OSError):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with suppress(OSError):
            mode = Path(self.path).stat().st_mode & 0o777
            if mode & 0o007:
                _log.warning(
                    "the keys file %s is open to every user of this machine (mode %o): "
                    "`chmod 600 %s` makes it its owner's alone",
                    self.path,
                    mode,
                    self.path,
                )

    @contextmanager
    def _errors(self, doing: str) -> Iterator[sqlite3.Connection]:
        try:
            with self._lock:
                yield self._open()
        except sqlite3.Error as error:
            message = f"cannot {doing} the keys file {self.path}: {error}"
            if getattr(error, "sqlite_errorcode", 0) & 0xFF in _BUSY:
                raise StoreUnavailable(message) from error
            raise StoreError(message) from error

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def create(self, role: Role, name: str = "") -> tuple[ApiKey, str]:
        """A new key: what is stored about it, and the key itself, which is not stored."""
        key_id = secrets.token_hex(4)
        secret = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(key_id, name or f"{role.value} key", Role(role), _now())
        with self._errors("write to") as db:
            db.execute(
                "INSERT INTO keys VALUES (?, ?, ?, ?, ?, NULL)",
                (key.id, key.name, key.role.value, _digest(secret), key.created),
            )
        return key, secret

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key; it stops working at once.

        Raises
        ------
        NotFound
            When no key has that id.
        """
        with self._errors("write to") as db:
            db.execute(
                "UPDATE keys SET revoked = ? WHERE id = ? AND revoked IS NULL", (_now(), key_id)
            )
        found = next((k for k in self.keys() if k.id == key_id), None)
        if found is None:
            raise NotFound(f"no API key {key_id!r} in {self.path}")
        return found

    def keys(self) -> list[ApiKey]:
        with self._errors("read") as db:
            rows = db.execute(
                "SELECT id, name, role, created, revoked FROM keys ORDER BY created, id"
            ).fetchall()
        return [
            ApiKey(i, name, Role(role), created, revoked)
            for i, name, role, created, revoked in rows
        ]

    def authenticate(self, secret: str) -> ApiKey | None:
        """The live key a client presented, or ``None`` if it is unknown, malformed or revoked."""
        prefix, _, rest = secret.partition("_")
        key_id, _, _ = rest.partition("_")
        if prefix != KEY_PREFIX or not key_id:
            return None
        with self._errors("read") as db:
            row = db.execute(
                "SELECT name, role, sha256, created FROM keys WHERE id = ? AND revoked IS NULL",
                (key_id,),
            ).fetchone()
        if row is None or not hmac.compare_digest(row[2], _digest(secret)):
            return None
        return ApiKey(key_id, row[0], Role(row[1]), row[3])

    def open_session(self, key: ApiKey) -> str:
        """A new sign-in session for a live key: the token to give the browser, which is not
        stored. Sessions that have ended are cleared away as a new one opens."""
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self._errors("write to") as db:
            db.execute("DELETE FROM sessions WHERE expires <= ?", (now.isoformat(),))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?)",
                (_digest(token), key.id, (now + SESSION_LIFETIME).isoformat()),
            )
        return token

    def session(self, token: str) -> ApiKey | None:
        """The key a sign-in session reads for, or ``None`` once it has closed or expired, or
        its key was revoked."""
        with self._errors("read") as db:
            row = db.execute(
                "SELECT k.id, k.name, k.role, k.created FROM sessions s JOIN keys k "
                "ON k.id = s.key_id WHERE s.sha256 = ? AND s.expires > ? AND k.revoked IS NULL",
                (_digest(token), datetime.now(UTC).isoformat()),
            ).fetchone()
        return ApiKey(row[0], row[1], Role(row[2]), row[3]) if row else None

    def close_session(self, token: str) -> None:
        """End a sign-in session at once."""
        with self._errors("write to") as db:
            db.execute("DELETE FROM sessions WHERE sha256 = ?", (_digest(token),))

    def log(self, entry: AccessEntry) -> None:
        """Append one request to the access log."""
        with self._errors("write to") as db:
            db.execute(
                "INSERT INTO access_log (time, who, method, path, status, duration_ms) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    entry.time,
                    entry.who,
                    entry.method,
                    entry.path,
                    entry.status,
                    entry.duration_ms,
                ),
            )

    def entries(self, *, last: int | None = None) -> list[AccessEntry]:
        """The access log, oldest first (the last ``last`` entries when given)."""
        with self._errors("read") as db:
            rows = db.execute(
                "SELECT time, who, method, path, status, duration_ms FROM access_log "
                "ORDER BY seq DESC LIMIT ?",
                (last if last is not None else -1,),
            ).fetchall()
        return [AccessEntry(*row) for row in reversed(rows)]
