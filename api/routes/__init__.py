"""The service's routes, one module per subject, each with one ``APIRouter``.

:data:`ROUTERS` is the order they are included in: every ``/runs/{id}/…`` and ``/nodes/{id}/…``
route comes before ``GET /runs/{id}`` and ``GET /nodes/{id}``, whose ids may contain slashes. Every
route but the web pages' refuses a query parameter it does not take.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import known_query
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


def _known_query_only(*routers: APIRouter) -> APIRouter:
    """The routers as one, whose every route refuses a query parameter it does not take."""
    joined = APIRouter(dependencies=[Depends(known_query)])
    for router in routers:
        joined.include_router(router)
    return joined


ROUTERS: tuple[APIRouter, ...] = (
    _known_query_only(
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
    ),
    ui.router,
    ui.docs_router,
)
