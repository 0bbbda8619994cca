"""Probes for whatever runs the service: is the process up, can it reach its store. Neither needs
a key, and neither says more than that."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter

from api.deps import StoreDep
from api.models import Health, Readiness
from api.problems import problem_responses
from provenance.errors import ProvenanceError, StoreUnavailable

__all__ = ["healthz", "readyz", "router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", responses=problem_responses(422), summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", responses=problem_responses(422, 503), summary="The store can be reached")
def readyz(store: StoreDep) -> Readiness:
    try:
        store.namespaces()
    except ProvenanceError as error:
        raise StoreUnavailable(f"the store cannot be read: {error}") from error
    return Readiness(status="ready", store=urlsplit(store.url).scheme or "sqlite")
