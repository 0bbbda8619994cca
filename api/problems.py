"""Every error the service returns, as RFC 9457 problem details (``application/problem+json``).

One table maps the package's errors (:mod:`provenance.errors`) to HTTP statuses, and one set of
handlers turns them — and FastAPI's own validation errors and HTTP exceptions — into problems, so
that no route decides a status for itself and every error reads the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from provenance.errors import (
    DanglingReference,
    InvalidRecord,
    NotFound,
    ProvenanceError,
    RecordConflict,
    StoreError,
    StoreFailsVerify,
    StoreUnavailable,
    UnsupportedFormat,
)
from visualisation.pages import error_page

__all__ = [
    "PROBLEM_JSON",
    "FieldProblem",
    "InvalidRequest",
    "Problem",
    "UnreadableBody",
    "install_handlers",
    "problem_response",
    "problem_responses",
    "query_taken",
    "status_for",
]

PROBLEM_JSON = "application/problem+json"
_TYPE = "https://w3id.org/raidt/problems#"
_log = logging.getLogger("raidt.api")


class InvalidRequest(InvalidRecord):
    """A query parameter the package refused (a time that is not ISO 8601, a sector no run is
    in, a record id that is not an IRI): the request is at fault, not a record. ``fields``
    names the parameter when one is known."""


@contextmanager
def query_taken(parameter: str | None = None) -> Iterator[None]:
    """Take what a query's parameters ask (``parameter``, when one alone is): the package says
    a value it cannot take is an invalid record, as it says of a file; here it is a bad
    request."""
    try:
        yield
    except InvalidRecord as error:
        if type(error) is not InvalidRecord:
            raise
        fields = [(parameter, error.message)] if parameter else []
        raise InvalidRequest(error.message, fields=fields) from error


class UnreadableBody(ProvenanceError):
    """A body that could not be read at all (empty, not text, not the format it says it is):
    said as a JSON body that could not be read is."""


_MAPPING: tuple[tuple[type[ProvenanceError], int, str], ...] = (
    (UnreadableBody, 400, "unreadable-body"),
    (InvalidRequest, 422, "invalid-request"),
    (StoreFailsVerify, 409, "store-fails-verify"),
    (UnsupportedFormat, 415, "unsupported-format"),
    (DanglingReference, 422, "dangling-reference"),
    (InvalidRecord, 422, "invalid-record"),
    (RecordConflict, 409, "record-conflict"),
    (NotFound, 404, "not-found"),
    (StoreUnavailable, 503, "store-unavailable"),
    (StoreError, 500, "store-error"),
)
"""The package's errors, most specific first: the first class an error is an instance of wins."""


class FieldProblem(BaseModel):
    """One field that failed validation."""

    field: str = Field(description="The field, dotted: inputs.0.content_hash")
    location: list[str | int] = Field(
        description="Where it is: body, query or path, then the field"
    )
    message: str
    type: str = Field(
        description="The kind of failure, e.g. missing, string_pattern_mismatch, dangling-reference"
    )


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, in one shape for every error."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": _TYPE + "not-found",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "no node https://hospital.example/outputs/7 in the store",
                    "instance": "/outputs/https%3A%2F%2Fhospital.example%2Foutputs%2F7/trace",
                }
            ]
        }
    )

    type: str = Field(default="about:blank", description="A URI naming the kind of problem")
    title: str = Field(description="The HTTP status phrase")
    status: int
    detail: str | None = Field(default=None, description="What went wrong, for a person")
    instance: str | None = Field(default=None, description="The request path")
    location: str | None = Field(
        default=None, description="Where in the submitted record or document: line, field"
    )
    errors: list[FieldProblem] | None = Field(
        default=None, description="Each failing field, for a 422 that names fields"
    )


def problem_response(
    status: int,
    detail: str | None,
    *,
    kind: str | None = None,
    instance: str | None = None,
    location: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem-details response."""
    problem = Problem(
        type=_TYPE + kind if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=instance,
        location=location,
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def status_for(error: ProvenanceError) -> tuple[int, str]:
    """The HTTP status and problem kind for one of the package's errors."""
    for cls, status, kind in _MAPPING:
        if isinstance(error, cls):
            return status, kind
    return 500, "error"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may return."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _instance(request: Request) -> str:
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path


_STORE_FAILED = {
    503: "the store cannot be reached now; the service's log says why",
    500: "the store failed; the service's log says why",
}
"""What a caller is told of a store that failed: where it lives, and how, is the log's business
(a URL may hold a password)."""


_KEYS_FAILED = {
    503: "the keys file is busy now; try again later, the service's log says why",
    500: "the keys file failed; the service's log says why",
}
"""What a caller is told of a keys file that failed, as of a store: the file's path is the
log's business, and the caller may not even have signed in."""


def _keys_path(request: Request) -> str | None:
    keys = getattr(request.app.state, "keys", None)
    path = getattr(keys, "path", None)
    return path if isinstance(path, str) and path != ":memory:" else None


def _discreet(request: Request, status: int, detail: str) -> str:
    """The detail as a caller may see it: without the store's URL or file path, or the keys
    file's, which the log keeps; a failure that cannot be told without them (an unreachable
    store, a busy keys file, an error of the database) in general terms."""
    keys = _keys_path(request)
    if status in _KEYS_FAILED and keys is not None and keys in detail:
        return _KEYS_FAILED[status]
    holder = getattr(request.app.state, "stores", None)
    urls = holder.urls() if holder else []
    for url in urls:
        detail = detail.replace(f" in {url}", " in the store").replace(url, "the store")
    named = [u.removeprefix("sqlite:///") for u in urls if u.startswith("sqlite:///")]
    if status == 503 or (status in _STORE_FAILED and any(path in detail for path in named)):
        return _STORE_FAILED[status]
    return detail


async def _provenance_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProvenanceError)
    status, kind = status_for(error)
    if status >= 500:
        _log.error("%s %s: %s", request.method, _instance(request), error)
    if isinstance(error, InvalidRecord):
        return problem_response(
            status,
            _discreet(request, status, error.message),
            kind=kind,
            instance=_instance(request),
            location=error.location,
            errors=_named_fields(error, kind),
        )
    return problem_response(
        status, _discreet(request, status, str(error)), kind=kind, instance=_instance(request)
    )


def _field_problems(errors: Sequence[Any]) -> list[FieldProblem]:
    found = []
    for item in errors:
        location = [p if isinstance(p, int) else str(p) for p in item.get("loc", ())]
        inside = location[1:] if location and location[0] in ("body", "query", "path") else location
        found.append(
            FieldProblem(
                field=".".join(str(p) for p in inside) or "body",
                location=location,
                message=str(item.get("msg", "invalid")),
                type=str(item.get("type", "invalid")),
            )
        )
    return found


def _named_fields(error: InvalidRecord, kind: str) -> list[FieldProblem] | None:
    """The fields a record's error names, listed as the validation errors list theirs: a check
    that runs after validation (a reference to something not recorded, an event about another
    run) fails a field of the body just as much, and a query's check its parameter."""
    where = "query" if isinstance(error, InvalidRequest) else "body"
    found = [
        FieldProblem(
            field=field,
            location=[where, *(int(p) if p.isdigit() else p for p in field.split("."))],
            message=message,
            type=kind,
        )
        for field, message in error.fields
    ]
    return found or None


async def _validation_error(
    request: Request, error: Exception, admit: Callable[[Request], Awaitable[None]]
) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    unreadable = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if unreadable is not None:
        reason = (unreadable.get("ctx") or {}).get("error", "malformed JSON")
        return await _unreadable(request, admit, reason)
    problems = _field_problems(errors)
    summary = "; ".join(f"field {p.field}: {p.message}" for p in problems[:5])
    # a record is what a body holds; a bad query or path parameter is a bad request, not one
    in_body = any(p.location[:1] == ["body"] for p in problems)
    return problem_response(
        422,
        f"invalid request: {summary}",
        kind="invalid-record" if in_body else "invalid-request",
        instance=_instance(request),
        errors=problems,
    )


async def _unreadable(
    request: Request, admit: Callable[[Request], Awaitable[None]], reason: str
) -> JSONResponse:
    """A body that could not be read, said only to a caller whose key may send it."""
    try:
        await admit(request)
    except StarletteHTTPException as denied:
        return await _http_error(request, denied)
    return problem_response(
        400,
        f"the body is not readable JSON: {reason}",
        kind="unreadable-body",
        instance=_instance(request),
    )


_BODY_PARSING = "There was an error parsing the body"
"""What FastAPI says of a body it could not decode at all (not UTF-8, nested too deeply, a number
too long), before any route or dependency runs."""


def _why(cause: BaseException | None) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(cause, RecursionError):
        return "nested too deeply"
    return str(cause or "it could not be decoded")


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else None
    headers = dict(error.headers) if error.headers else {}
    if error.status_code == 405 and (allowed := _allowed(request)):
        headers["Allow"] = ", ".join(allowed)
    return problem_response(
        error.status_code, detail, instance=_instance(request), headers=headers or None
    )


def _allowed(request: Request) -> list[str]:
    """Every method the service answers at this path: Starlette names only those of the first
    route there, where one path may have a route for reading and another for writing. HEAD is
    answered wherever GET is."""
    # a mount (the static files) moved its prefix into root_path; match from the app's own
    scope = {
        **request.scope,
        "root_path": request.scope.get("app_root_path", request.scope.get("root_path", "")),
    }
    methods = [
        method
        for method in _METHODS
        if any(
            not isinstance(route, Mount)
            and route.matches({**scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return [*methods, "HEAD"] if "GET" in methods else methods


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    _log.exception("%s %s failed", request.method, _instance(request), exc_info=error)
    return problem_response(
        500, "the service failed; the error is in its log", instance=_instance(request)
    )


def _page_wanted(request: Request) -> bool:
    """Whether a browser is opening one of the web pages, which it signs in to rather than
    being told about a missing key in JSON."""
    return (
        request.method in ("GET", "HEAD")
        and request.url.path.startswith("/ui/")
        and "text/html" in request.headers.get("accept", "")
    )


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _for_people(handler: Handler) -> Handler:
    """A web page a browser opened shows its problem as a page, with the same status and words
    and the way back, not as JSON; every other caller gets the problem as it is."""

    async def handle(request: Request, error: Exception) -> Response:
        response = await handler(request, error)
        if _page_wanted(request) and response.media_type == PROBLEM_JSON:
            problem = json.loads(bytes(response.body))
            return HTMLResponse(error_page(problem), status_code=response.status_code)
        return response

    return handle


def install_handlers(app: FastAPI, *, admit: Callable[[Request], Awaitable[None]]) -> None:
    """Register the one set of exception handlers every route relies on. ``admit`` checks the
    caller's key for a body that could not be read, before saying so."""

    async def validation_error(request: Request, error: Exception) -> JSONResponse:
        return await _validation_error(request, error, admit)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code == 400 and error.detail == _BODY_PARSING:
            return await _unreadable(request, admit, _why(error.__cause__))
        if error.status_code == 401 and _page_wanted(request):
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"/ui/sign-in?next={target}", status_code=303)
        return await _http_error(request, error)

    app.add_exception_handler(ProvenanceError, _for_people(_provenance_error))
    app.add_exception_handler(RequestValidationError, _for_people(validation_error))
    app.add_exception_handler(StarletteHTTPException, _for_people(http_error))
    app.add_exception_handler(Exception, _for_people(_unexpected))
