"""The service's routes, one module per subject, each with one ``APIRouter``.

:data:`ROUTERS` is the order they are included in: every ``/runs/{id}/…`` and ``/nodes/{id}/…``
route comes before ``GET /runs/{id}`` and ``GET /nodes/{id}``, whose ids may contain slashes.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    authority,
    events,
    evidence,
    governance,
    health,
    integrity,
    lineage,
    nodes,
    prov,
    reviews,
    runs,
    scores,
    ui,
)

__all__ = ["ROUTERS"]

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    runs.router,
    events.router,
    scores.router,
    evidence.router,
    prov.router,
    lineage.router,
    authority.router,
    reviews.router,
    governance.router,
    integrity.router,
    nodes.router,
    runs.item_router,
    ui.router,
    ui.docs_router,
)
