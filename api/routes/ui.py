"""The web interface: the runs list, a run's lineage and score, and the weak points.

Each page has a JSON twin on the same route (``?format=json``): the data it draws, from the same
query functions as the rest of the service. Scripts and styles come from ``visualisation/web``
and the npm packages installed there, mounted by :func:`mount_static`: nothing from a CDN.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.deps import (
    READ_ROLES,
    SESSION_COOKIE,
    KeysDep,
    Reader,
    ReportsDep,
    RunId,
    StoreDep,
)
from api.keys import SESSION_LIFETIME
from api.middleware import CALLER_KEY
from api.models import RubricName
from api.problems import query_taken
from api.routes.lineage import AsOfQuery
from api.routes.scores import RubricQuery
from queries.runs import list_runs
from queries.scores import score
from visualisation import pages
from visualisation.page_data import run_page_data

__all__ = [
    "LIBRARIES_MISSING",
    "WEB",
    "docs",
    "docs_router",
    "home",
    "mount_static",
    "root",
    "router",
    "run_page",
    "runs_page",
    "sign_in",
    "sign_in_form",
    "sign_out",
    "weak_points_page",
]

WEB = Path(pages.__file__).resolve().parent / "web"
_log = logging.getLogger("raidt.api")
router = APIRouter(prefix="/ui", tags=["web interface"], include_in_schema=False)
docs_router = APIRouter()
Format = Annotated[Literal["html", "json"], Query(description="html, or json for the page's data")]


def _answer(fmt: str, data: Any, page: str) -> Response:
    return JSONResponse(data) if fmt == "json" else HTMLResponse(page)


LIBRARIES_MISSING = (
    "the browser libraries are not installed here: `make install` puts them in "
    "visualisation/web/node_modules, with npm; until then the run page neither draws nor lists "
    "the lineage, and /docs is blank"
)


def mount_static(app: FastAPI, libraries: Path = WEB / "node_modules") -> None:
    """Serve the pages' script and style, and the browser libraries npm installed there (by
    ``make install``; without them the run page shows its score and failed checks, but neither
    draws nor lists the lineage). When they are missing, asking for one says so, in a 404, and
    the log says it once at start."""
    if libraries.is_dir():
        app.mount("/ui/static/lib", StaticFiles(directory=libraries), name="ui-lib")
    else:
        _log.warning(LIBRARIES_MISSING)

        @app.get("/ui/static/lib/{path:path}", include_in_schema=False)
        def missing_library(path: str) -> None:
            raise HTTPException(status_code=404, detail=LIBRARIES_MISSING)

    app.mount("/ui/static", StaticFiles(directory=WEB), name="ui-static")


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/runs")


def _here(path: str) -> str:
    """Where to go after signing in: a page of this interface, never another site."""
    return path if path.startswith("/ui/") and not path.startswith("/ui//") else "/ui/runs"


def _from_here(request: Request) -> None:
    """Refuse a sign-in or sign-out another site's page sent: it could sign a browser in with
    someone else's key, so that what its user reads is logged under that key."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, f"a sign-in sent from another site ({origin}) is refused")


@router.get("/sign-in", response_class=HTMLResponse, summary="Sign in with an API key")
def sign_in_form(next: str = "/ui/runs") -> HTMLResponse:
    return HTMLResponse(pages.sign_in_page(_here(next)))


@router.post("/sign-in", summary="Keep an API key for the pages")
async def sign_in(request: Request, keys: KeysDep) -> Response:
    """Check the key the form sent and open a session for it, kept in a cookie scripts cannot
    read, sent back to this service alone; then go on to the page asked for. The key itself
    stays out of the browser."""
    _from_here(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("key") or [""])[0].strip()
    target = _here((form.get("next") or ["/ui/runs"])[0])
    key = keys.authenticate(token) if token else None
    if key is not None:
        setattr(request.state, CALLER_KEY, key.id)  # the access log names who signed in
    if key is None or key.role not in READ_ROLES:
        problem = "that key is unknown, revoked, or not one that may read"
        return HTMLResponse(pages.sign_in_page(target, problem), status_code=401)
    signed_in = RedirectResponse(target, status_code=303)
    signed_in.set_cookie(
        SESSION_COOKIE,
        keys.open_session(key),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return signed_in


@router.post("/sign-out", summary="End the pages' sign-in session")
def sign_out(request: Request, keys: KeysDep) -> RedirectResponse:
    _from_here(request)
    if token := request.cookies.get(SESSION_COOKIE):
        if (key := keys.session(token)) is not None:
            setattr(request.state, CALLER_KEY, key.id)
        keys.close_session(token)
    signed_out = RedirectResponse("/ui/sign-in", status_code=303)
    signed_out.delete_cookie(SESSION_COOKIE, path="/")
    return signed_out


@docs_router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    """The service's address opens the runs list, which sends a signed-out browser on to sign
    in as the page itself does."""
    return RedirectResponse("/ui/runs", status_code=307)


@docs_router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """The OpenAPI explorer, with Swagger UI served from npm's swagger-ui-dist, not a CDN."""
    lib = "/ui/static/lib/swagger-ui-dist"
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="RAIDT Provenance API",
        swagger_js_url=f"{lib}/swagger-ui-bundle.js",
        swagger_css_url=f"{lib}/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


@router.get("/runs", response_class=HTMLResponse, summary="Runs with their scores at a glance")
def runs_page(
    store: StoreDep,
    _: Reader,
    sector: str | None = None,
    person: str | None = None,
    template: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Format = "html",
) -> Response:
    """A page of runs at a time, each scored: scoring every run of a large store would take
    minutes."""
    filters = {
        k: v
        for k, v in {
            "sector": sector,
            "person": person,
            "template": template,
            "since": since,
            "until": until,
        }.items()
        if v
    }
    with query_taken():
        found = list_runs(store, **filters)
    runs = found[offset : offset + limit]
    scores = {run["id"]: score(store, run["id"]) for run in runs}
    data = [{**run, "overall": scores[run["id"]]["overall"]} for run in runs]
    shown = pages.Shown(offset, limit, len(found))
    return _answer(format, data, pages.runs_page(runs, scores, filters, shown))


@router.get("/runs/{id:path}", response_class=HTMLResponse, summary="A run's lineage and score")
def run_page(
    store: StoreDep,
    _: Reader,
    run: RunId,
    depth: Annotated[int, Query(ge=1, le=200)] = 6,
    as_of: AsOfQuery = None,
    format: Format = "html",
) -> Response:
    """The run's lineage as the store stood ``as_of``, or now; what a click asks is asked as of
    the same time."""
    data = run_page_data(store, run, depth=depth, as_of=as_of)
    return _answer(format, data, pages.run_page(data))


@router.get("/weak-points", response_class=HTMLResponse, summary="Weak points across all runs")
def weak_points_page(
    store: StoreDep,
    reports: ReportsDep,
    _: Reader,
    rubric: RubricQuery = RubricName.GENERAL,
    as_of: AsOfQuery = None,
    format: Format = "html",
) -> Response:
    """The report ``GET /weak-points`` gives for the same rubric and time, drawn."""
    report = reports.weak_points(store, rubric.value, as_of)
    return _answer(format, report, pages.weak_points_page(report))
