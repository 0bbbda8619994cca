"""Fuzz the service from its own OpenAPI schema: no 500s, every response as documented.

The app is built at import, on an in-memory demo store and keys file, because schemathesis reads
the schema while pytest collects the tests.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.deps import get_store
from api.keys import Role
from api.main import create_app
from api.settings import Settings
from provenance.demo_data import load_demo
from provenance.records import RECORD_ADAPTER
from provenance.stores import SQLiteStore

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

STORE = SQLiteStore(":memory:")
load_demo(STORE)
_FOLDER = Path(tempfile.mkdtemp(prefix="raidt-schema-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
APP = create_app(Settings(store="sqlite:///:memory:", keys=_FOLDER / "keys.db", max_body=64_000))
APP.dependency_overrides[get_store] = lambda: STORE
KEY = APP.state.keys.create(Role.ADMIN)[1]

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_every_response_is_documented(case: schemathesis.Case) -> None:
    response = case.call(headers={"Authorization": f"Bearer {KEY}"})
    case.validate_response(response, checks=CHECKS)


def test_every_request_example_is_a_valid_demo_record() -> None:
    examples = [
        example["value"]
        for operations in APP.openapi()["paths"].values()
        for operation in operations.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
        for example in content.get("examples", {}).values()
    ]
    assert len(examples) == 10
    stored = {r.id for r in STORE.records()}
    for example in examples:
        assert RECORD_ADAPTER.validate_python(example).id in stored
