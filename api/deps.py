"""What routes depend on: the store, the keys, the caller's role and the ids in the path.

Routes name these through ``Annotated`` aliases (``StoreDep``, ``Reader``, ``RunId`` …) so their
signatures read plainly; tests swap the store with ``app.dependency_overrides[get_store]``.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, HTTPException, Path, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import ANONYMOUS, ApiKey, KeyStore, Role
from api.middleware import CALLER_KEY
from api.reports import KeptReports
from api.settings import Settings
from provenance.errors import InvalidRecord, NotFound
from provenance.stores import Store, open_store
from provenance.stores.base import resolve_stored
from queries.context import require_run

__all__ = [
    "READ_ROLES",
    "SESSION_COOKIE",
    "ActionId",
    "Admin",
    "EventWriter",
    "KeysDep",
    "NodeId",
    "OutputId",
    "PersonId",
    "Presented",
    "Reader",
    "Recorder",
    "ReportsDep",
    "ReviewId",
    "RoleCheck",
    "RunId",
    "StoreDep",
    "StoreHolder",
    "TemplateId",
    "WriteLock",
    "admin",
    "admit_before_body",
    "event_writer",
    "get_keys",
    "get_reports",
    "get_settings",
    "get_store",
    "get_write_lock",
    "known_query",
    "reader",
    "recorder",
]

READ_ROLES = (Role.REVIEWER, Role.AUDITOR, Role.ADMIN)
"""Who may read: everyone but recorders, which are the applications that write runs."""


class StoreHolder:
    """The app's one store, opened on first use, so that the service starts (and ``/readyz``
    answers 503) while the store cannot be reached, and recovers when it can."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.url)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def urls(self) -> list[str]:
        """The URLs messages may name the store by: the one configured, and the opened store's
        own (a Neo4j store adds its database to it)."""
        opened = self._store.url if self._store is not None else None
        return [self.url, *([opened] if opened and opened != self.url else [])]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    """The store the service was started on.

    Raises
    ------
    StoreUnavailable
        When it cannot be opened (a 503 for the client).
    """
    holder: StoreHolder = request.app.state.stores
    return holder.get()


def get_keys(request: Request) -> KeyStore:
    keys: KeyStore = request.app.state.keys
    return keys


def get_reports(request: Request) -> KeptReports:
    reports: KeptReports = request.app.state.reports
    return reports


def get_write_lock(request: Request) -> threading.Lock:
    """Held while a write is checked and stored, so that two requests in this process cannot both
    pass the checks (say, an id used as two kinds of node) and then both be written."""
    lock: threading.Lock = request.app.state.write_lock
    return lock


StoreDep = Annotated[Store, Depends(get_store)]
KeysDep = Annotated[KeyStore, Depends(get_keys)]
WriteLock = Annotated[threading.Lock, Depends(get_write_lock)]
ReportsDep = Annotated[KeptReports, Depends(get_reports)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key from `raidt keys create`, sent as `Authorization: Bearer <key>`.",
)
_NO_AUTH = ApiKey(ANONYMOUS, "--no-auth", Role.ADMIN, "")
SESSION_COOKIE = "raidt_session"
"""The cookie the web pages' sign-in keeps its session token in, for browsers, which cannot send
a key in a header. It is accepted for reading only (GET and HEAD), so no other site can make a
browser write with it."""
_SAFE = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Presented:
    """What a request offers to prove who sent it: a key, or a sign-in session's token."""

    secret: str
    session: bool = False

    def key(self, keys: KeyStore) -> ApiKey | None:
        """The live key it stands for, if any."""
        return keys.session(self.secret) if self.session else keys.authenticate(self.secret)


def _presented(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Presented | None:
    """The key in the Authorization header, or, to read, the sign-in session in the cookie."""
    if credentials is not None:
        return Presented(credentials.credentials)
    token = request.cookies.get(SESSION_COOKIE) if request.method in _SAFE else None
    return Presented(token, session=True) if token else None


class RoleCheck:
    """A dependency admitting callers whose key has one of ``roles`` (admins always).

    A missing or unknown key gets 401, a key without the role 403. With authentication off
    (``--no-auth``) every caller is an anonymous admin.
    """

    def __init__(self, *roles: Role) -> None:
        self.allowed = frozenset({*roles, Role.ADMIN})

    def __call__(
        self,
        request: Request,
        keys: KeysDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        return self.admit(request, keys, _presented(request, credentials))

    def admit(self, request: Request, keys: KeyStore, presented: Presented | None) -> ApiKey:
        if not get_settings(request).auth:
            return _NO_AUTH
        if presented is None:
            raise HTTPException(
                401,
                "an API key is required: send Authorization: Bearer <key>",
                {"WWW-Authenticate": "Bearer"},
            )
        key = presented.key(keys)
        if key is None:
            said = (
                "the sign-in has ended, or its key was revoked"
                if presented.session
                else "the API key is unknown or revoked"
            )
            raise HTTPException(401, said, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        setattr(request.state, CALLER_KEY, key.id)
        if key.role not in self.allowed:
            wanted = ", ".join(sorted(r.value for r in self.allowed))
            raise HTTPException(
                403, f"API key {key.id} has the role {key.role.value}; this needs one of: {wanted}"
            )
        return key


async def admit_before_body(request: Request) -> None:
    """Check the key a route needs for a request whose body could not even be read: FastAPI
    reads the body before it runs any dependency, and a caller without the right key should
    learn nothing, not even that their body was malformed.

    Raises
    ------
    HTTPException
        401 or 403, as the route's own check would.
    """
    presented = _presented(request, await _bearer(request))
    for dependency in getattr(request.scope.get("route"), "dependencies", ()):
        if isinstance(dependency.dependency, RoleCheck):
            dependency.dependency.admit(request, get_keys(request), presented)


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route takes, its dependencies' included."""
    names = {field.alias for field in dependant.query_params}
    for inner in dependant.dependencies:
        names |= _query_names(inner)
    return names


async def known_query(request: Request) -> None:
    """Refuse a query parameter the route does not take: a misspelt one (``asOf`` for
    ``as_of``) would be ignored, and its answer taken for what was asked. As with a body that
    could not be read, a caller without the route's key is told only that.

    Raises
    ------
    RequestValidationError
        Naming each unknown parameter and those the route takes (a 422).
    """
    route = request.scope.get("route")
    taken = _query_names(route.dependant) if isinstance(route, APIRoute) else set()
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in taken]
    if not unknown:
        return
    await admit_before_body(request)
    takes = f"takes: {', '.join(sorted(taken))}" if taken else "takes none"
    raise RequestValidationError(
        [
            {
                "type": "extra_forbidden",
                "loc": ("query", name),
                "msg": f"not a query parameter here; this endpoint {takes}",
                "input": request.query_params[name],
            }
            for name in unknown
        ]
    )


reader = RoleCheck(*READ_ROLES)
recorder = RoleCheck(Role.RECORDER)
event_writer = RoleCheck(Role.RECORDER, Role.REVIEWER)
admin = RoleCheck(Role.ADMIN)
"""The role checks. Routes list them first in ``dependencies=[…]`` so that a caller without the
right key learns nothing (not even whether an id exists) before the key is checked."""

Reader = Annotated[ApiKey, Depends(reader)]
Recorder = Annotated[ApiKey, Depends(recorder)]
EventWriter = Annotated[ApiKey, Depends(event_writer)]
Admin = Annotated[ApiKey, Depends(admin)]

_ID_HELP = (
    "The {what}: a full IRI percent-encoded as one path segment "
    "(https%3A%2F%2Fhospital.example%2F…), or a prefixed name the store knows "
    "(hospital:runs/discharge-0412, its / optionally encoded)."
)


def _resolve(store: Store, raw: str) -> str:
    value = unquote(raw)
    try:
        return resolve_stored(store, value)
    except InvalidRecord as error:
        raise NotFound(f"no node {value!r}: {error.message}") from error


def _id_dependency(
    what: str, example: str, *, require: Callable[[Store, str], object] | None = None
) -> Callable[..., str]:
    """A dependency reading ``{id}`` from the path as a full IRI; with ``require`` (a query's
    check that the store holds such a node), the node must pass it, in the queries' words."""

    def node(
        store: StoreDep,
        id: Annotated[  # the route's path parameter
            str, Path(description=_ID_HELP.format(what=what), examples=[example])
        ],
    ) -> str:
        full = _resolve(store, id)
        if require is not None:
            require(store, full)
        return full

    return node


NodeId = Annotated[
    str, Depends(_id_dependency("node", "https://hospital.example/runs/discharge-0412"))
]
RunId = Annotated[
    str,
    Depends(
        _id_dependency(
            "run",
            "https://hospital.example/runs/discharge-0412",
            require=require_run,
        )
    ),
]
OutputId = Annotated[
    str,
    Depends(_id_dependency("output", "https://hospital.example/outputs/gp-referral-0412/letter")),
]
ActionId = Annotated[
    str,
    Depends(_id_dependency("action", "https://hospital.example/actions/discharge-0415-ehr-entry")),
]
PersonId = Annotated[
    str, Depends(_id_dependency("person", "https://bank.example/people/dr-katrin-vogel"))
]
ReviewId = Annotated[
    str,
    Depends(
        _id_dependency(
            "review or approval", "https://bank.example/approvals/credit-memo-2026-0317-a1"
        )
    ),
]
TemplateId = Annotated[
    str,
    Depends(_id_dependency("template", "https://hospital.example/templates/discharge-summary")),
]
