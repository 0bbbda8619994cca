"""Fixtures for the HTTP service: an app on a fresh demo store, a client, and a key per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import get_store
from api.keys import KeyStore, Role
from api.main import create_app
from api.settings import Settings
from provenance.demo_data import load_demo
from provenance.stores import SQLiteStore

RUN = "https://hospital.example/runs/discharge-0412"
OUTPUT = "https://hospital.example/outputs/gp-referral-0412/letter"
ACTION = "https://hospital.example/actions/discharge-0415-ehr-entry"
PERSON = "https://bank.example/organisation"
REVIEW = "https://bank.example/approvals/credit-memo-2026-0317-a1"
TEMPLATE_VERSION = "https://hospital.example/templates/discharge-summary/v3"


def enc(value: str) -> str:
    """An id as one percent-encoded path segment."""
    return quote(value, safe="")


@pytest.fixture
def demo_store() -> Iterator[SQLiteStore]:
    """A fresh store holding the demo runs, for one test to read and write."""
    store = SQLiteStore(":memory:")
    load_demo(store)
    yield store
    store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        store=f"sqlite:///{tmp_path / 'unused.db'}", keys=tmp_path / "keys.db", max_body=64_000
    )


@pytest.fixture
def app(settings: Settings, demo_store: SQLiteStore) -> FastAPI:
    service = create_app(settings)
    service.dependency_overrides[get_store] = lambda: demo_store
    return service


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def keys(app: FastAPI) -> KeyStore:
    store: KeyStore = app.state.keys
    return store


@pytest.fixture
def headers(keys: KeyStore) -> dict[Role, dict[str, str]]:
    """Authorization headers for one fresh key of each role."""
    return {role: {"Authorization": f"Bearer {keys.create(role)[1]}"} for role in Role}


@pytest.fixture
def admin(headers: dict[Role, dict[str, str]]) -> dict[str, str]:
    return headers[Role.ADMIN]


@pytest.fixture
def auditor(headers: dict[Role, dict[str, str]]) -> dict[str, str]:
    return headers[Role.AUDITOR]
