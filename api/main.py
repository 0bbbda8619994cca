"""The HTTP service: ``create_app`` builds it from :class:`~api.settings.Settings`.

It serves the same answers as the command line — the query functions' JSON — under a REST layout,
takes records and PROV documents, and reports every error as RFC 9457 problem details. API keys
(``raidt keys``) decide who may do what; ``raidt serve`` runs it with uvicorn.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI

from api.deps import StoreHolder, admit_before_body
from api.keys import KeyStore
from api.middleware import AccessLog, BodyLimit, HeadAsGet, RawPathRouting, SecurityHeaders
from api.problems import install_handlers
from api.reports import KeptReports
from api.routes import ROUTERS
from api.routes.ui import mount_static
from api.settings import Settings, read_settings

__all__ = ["NO_AUTH_WARNING", "create_app"]

NO_AUTH_WARNING = (
    "AUTHENTICATION IS OFF (--no-auth): anyone who can reach this service can read and write "
    "every record. Use it only on your own machine."
)
_log = logging.getLogger("raidt.api")

_DESCRIPTION = """
Records generative-AI runs as W3C PROV graphs and answers governance questions over them: where an
output came from, who held authority over an action, what a reviewer saw, how a run scores on the
five RAIDT pillars. The answers are the same JSON as the `raidt` command line's `--json`.

**Ids are IRIs.** Send an id in the path as one percent-encoded segment
(`/outputs/https%3A%2F%2Fhospital.example%2Foutputs%2Fgp-referral-0412%2Fletter/trace`) or as a
prefixed name the store knows (`/outputs/hospital:outputs%2Fgp-referral-0412%2Fletter/trace`).

**Keys.** Send `Authorization: Bearer <key>`; keys come from `raidt keys create --role ROLE`.
Recorders write runs and events; reviewers write reviews, approvals and challenges and read;
auditors read; admins do everything, delegations and templates included.

**Errors** are RFC 9457 problem details (`application/problem+json`).
"""


def create_app(settings: Settings | None = None, *, warn: bool = True) -> FastAPI:
    """The service, on the store and keys file the settings name. With authentication off it
    logs :data:`NO_AUTH_WARNING` as it starts, unless ``warn`` is false: ``raidt serve`` prints
    the warning itself, before the address."""
    chosen = settings if settings is not None else read_settings()
    keys = KeyStore(chosen.keys_path)
    stores = StoreHolder(chosen.store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warn and not chosen.auth:
            _log.warning(NO_AUTH_WARNING)
        yield
        stores.close()
        keys.close()

    app = FastAPI(
        title="RAIDT Provenance",
        version=version("raidt-provenance"),
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
    )
    app.state.settings = chosen
    app.state.keys = keys
    app.state.stores = stores
    app.state.write_lock = threading.Lock()
    app.state.reports = KeptReports()
    install_handlers(app, admit=admit_before_body)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RawPathRouting)
    app.add_middleware(BodyLimit, limit=chosen.max_body)
    app.add_middleware(AccessLog, keys=keys)
    app.add_middleware(SecurityHeaders)
    return app
