"""What routes share about answering: the query answer response, the problems each kind of route
may return (for OpenAPI), the JSON content-type check of record bodies, and the one way record
bodies are read as JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

import orjson
from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from api.models import WriteResultPublic
from api.problems import problem_responses
from provenance.jsontext import parse_json
from provenance.stores import WriteResult

__all__ = [
    "READ",
    "READ_ID",
    "WRITE",
    "JsonAnswer",
    "RecordRoute",
    "answer",
    "json_media_type",
    "require_json",
    "written",
]

READ = problem_responses(401, 403, 422, 503)
"""Problems any read may return: no key, wrong role, a bad query parameter, the store down."""
READ_ID = problem_responses(401, 403, 404, 422, 503)
WRITE = {
    200: {"description": "Already stored: nothing changed"},
    **problem_responses(400, 401, 403, 409, 413, 415, 422, 503),
}
"""Problems any write may return, and 200 for a record that was already stored."""


class JsonAnswer(Response):
    """JSON rendered with orjson: query answers are large and already plain data."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def answer(data: Any) -> JsonAnswer:
    """A query's answer as it is: the same JSON the command line prints with ``--json``."""
    return JsonAnswer(data)


def json_media_type(value: str | None) -> bool:
    """``application/json`` or any ``application/…+json``, parameters aside."""
    if not value:
        return False
    message = Message()
    message["content-type"] = value
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def require_json(request: Request) -> None:
    """Record bodies are JSON: any other content type gets 415 rather than a confusing 422."""
    given = request.headers.get("content-type")
    if not json_media_type(given):
        raise HTTPException(
            415, f"send the record as application/json, not {given or 'no content type'}"
        )


def written(result: WriteResult, response: Response, location: str) -> WriteResultPublic:
    """201 with a Location when something was written; 200 when all of it was already stored."""
    response.status_code = 201 if result.written else 200
    response.headers["Location"] = location
    return WriteResultPublic(written=result.written, unchanged=result.unchanged)


class _RecordRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class RecordRoute(APIRoute):
    """A route whose JSON body is read as ``raidt record`` reads a file: a key given twice in
    one object is refused (400), not taken at its last value."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_strictly(request: Request) -> Response:
            return await handler(_RecordRequest(request.scope, request.receive))

        return read_strictly
