"""The web interface, checked as a person would: real pages from a real server on loopback, driven
in headless Chromium. Screenshots of each view are kept in ``test-artifacts/``.

The browser tests need Debian's ``chromium`` (``make test`` installs it where it runs as root) and
the npm packages in ``visualisation/web`` (``make install``); without them they are skipped, and
say why. The JSON twins are checked without a browser.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from api.keys import KeyStore, Role
from api.main import create_app
from api.routes.ui import LIBRARIES_MISSING, WEB, mount_static
from api.settings import Settings
from provenance.demo_data import load_demo
from provenance.stores import SQLiteStore
from queries.authority import authority
from queries.lineage import trace, trace_ids
from queries.runs import list_runs
from tests.conftest import put
from tests.factories import iri
from tests.factories import run as factory_run
from visualisation.page_data import run_page_data

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
H = "https://hospital.example/"
RUN = H + "runs/discharge-0412"
OUTPUT = H + "outputs/discharge-0412/summary-rev1"
ACTION = H + "actions/discharge-0415-ehr-entry"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui") / "raidt.db"
    store = SQLiteStore(path)
    load_demo(store)
    store.close()
    return path


@pytest.fixture(scope="module")
def settings(demo_db: Path) -> Settings:
    return Settings(store=f"sqlite:///{demo_db}", keys=demo_db.parent / "keys.db", auth=False)


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The service on a free loopback port, in a thread, for the browser."""
    port = free_port()
    app = create_app(settings)
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[str]:
    with serving(settings) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium: `make test` installs Debian's chromium where it runs as root")
    if not (WEB / "node_modules" / "cytoscape").is_dir():
        pytest.skip("the page's libraries are not installed: run `make install` (npm ci)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A page with every console error, uncaught exception and dialog (an ``alert`` some text
    managed to run) collected."""
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(url)
    return page, problems


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def run_url(base: str, run: str = RUN) -> str:
    return f"{base}/ui/runs/{quote(run, safe='')}"


def test_run_page_shows_every_node_of_the_run(browser: Browser, server: str, demo_db: Path) -> None:
    page, problems = open_page(browser, run_url(server))
    page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
    shoot(page, "run-page")
    drawn = set(page.evaluate("window.raidtLineage.cy.nodes().map(n => n.id())"))
    store = SQLiteStore(demo_db)
    expected = {n["id"] for n in run_page_data(store, RUN)["nodes"]}
    store.close()
    assert problems == []
    assert drawn == expected
    # the run itself, what it used and what it made are all on the page
    assert {RUN, H + "lab/reports/lr-88213", H + "outputs/discharge-0412/summary", OUTPUT} <= drawn
    assert page.evaluate("window.raidtLineage.cy.edges().length") > 20


def test_clicking_an_output_highlights_its_way_back_to_the_approvers(
    browser: Browser, server: str, demo_db: Path
) -> None:
    page, problems = open_page(browser, run_url(server))
    page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
    position = page.evaluate(
        f"(() => {{ const p = window.raidtLineage.cy.getElementById({OUTPUT!r})"
        ".renderedPosition(); const r = document.getElementById('lineage')"
        ".getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; })()"
    )
    page.mouse.click(*position)
    page.get_by_text("back to its inputs and approvers").wait_for()  # the service has answered
    shoot(page, "run-page-output-path")
    lit = set(page.evaluate("window.raidtLineage.cy.nodes('.highlighted').map(n => n.id())"))
    store = SQLiteStore(demo_db)
    answer = trace(store, OUTPUT)
    store.close()
    drawn = set(page.evaluate("window.raidtLineage.cy.nodes().map(n => n.id())"))
    # everything trace names is drawn, template approvals and whom approvers acted for too, and
    # lit; nothing else is
    assert trace_ids(answer) <= drawn
    assert lit == trace_ids(answer)
    assert {a["approver"] for a in answer["approvals"]} | {H + "people/dr-priya-raman"} <= lit
    assert H + "actions/discharge-0412-ehr-entry" not in lit
    assert "back to its inputs and approvers" in page.inner_text("#highlight-status")
    assert "content" in page.inner_text("#details")  # its attributes and hash are shown
    assert problems == []


def test_an_action_shows_who_held_authority_and_marks_invalid_delegations(
    browser: Browser, server: str, demo_db: Path
) -> None:
    page, problems = open_page(browser, run_url(server, H + "runs/discharge-0415"))
    page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
    page.evaluate(f"window.raidtLineage.select({ACTION!r})")  # asks the service, then lights
    shoot(page, "run-page-authority")
    lit = set(page.evaluate("window.raidtLineage.cy.nodes('.highlighted').map(n => n.id())"))
    invalid = set(page.evaluate("window.raidtLineage.cy.nodes('.invalid').map(n => n.id())"))
    drawn = set(page.evaluate("window.raidtLineage.cy.nodes().map(n => n.id())"))
    store = SQLiteStore(demo_db)
    holders = authority(store, ACTION)["holders"]
    store.close()
    ends = {step[end] for h in holders for step in h["path"] for end in ("from", "to")}
    assert lit == ({ACTION} | {h["agent"] for h in holders} | ends) & drawn
    assert H + "people/dr-samuel-achterberg" in lit  # the approver
    assert H + "people/dr-henrik-lund" in invalid  # behind an expired delegation
    assert "not valid" in page.inner_text("#highlight-status")
    assert problems == []


def test_score_chart_renders_five_pillars_and_links_failed_checks(
    browser: Browser, server: str
) -> None:
    page, problems = open_page(
        browser, run_url(server, "https://corp.example/runs/price-notice-0407")
    )
    page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
    bars = page.locator("#score-chart rect")
    assert bars.count() == 5
    assert page.locator("#score-chart rect.weak").count() >= 2
    link = page.locator("ul.failed a[data-node]").first
    target = link.get_attribute("data-node")
    link.click()
    assert page.evaluate("window.raidtLineage.cy.$(':selected').map(n => n.id())") == [target]
    shoot(page, "run-page-score")
    assert problems == []


def test_relation_toggles_and_depth(browser: Browser, server: str) -> None:
    page, problems = open_page(browser, run_url(server))
    page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
    visible = "window.raidtLineage.cy.edges('[kind = \"used\"]').filter(e => e.visible()).length"
    assert page.evaluate(visible) > 0
    page.locator('input[data-relation="used"]').uncheck()
    assert page.evaluate(visible) == 0
    before = page.evaluate("window.raidtLineage.cy.nodes().length")
    page.select_option("#depth", "1")
    page.wait_for_url("**depth=1")
    page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
    assert page.evaluate("window.raidtLineage.cy.nodes().length") < before
    assert problems == []


def test_runs_list_and_weak_points_pages(browser: Browser, server: str) -> None:
    page, problems = open_page(browser, f"{server}/ui/runs")
    rows = page.locator("#runs tbody tr")
    assert rows.count() == 8
    shoot(page, "runs-list")
    page.fill("input[name=sector]", "finance")
    with page.expect_navigation():
        page.click("form.filters button")
    page.wait_for_load_state("load")
    assert page.locator("#runs tbody tr").count() == 1
    page.goto(f"{server}/ui/weak-points")
    assert "self-approvals" in page.inner_text("#weak-points")
    shoot(page, "weak-points")
    assert problems == []


def test_json_twins_hold_what_the_pages_draw(client: TestClient, demo_db: Path) -> None:
    answer: dict[str, Any] = client.get(f"/ui/runs/{quote(RUN, safe='')}?format=json").json()
    store = SQLiteStore(demo_db)
    assert answer == run_page_data(store, RUN)
    store.close()
    runs = client.get("/ui/runs?format=json&sector=healthcare").json()
    assert [r["id"] for r in runs] == [
        H + "runs/discharge-0412",
        H + "runs/gp-referral-0412",
        H + "runs/discharge-0415",
    ]
    weak = client.get("/ui/weak-points?format=json").json()
    assert weak["weak_points"]["self-approvals"]["runs"] == [
        "https://corp.example/runs/deal-desk-0409"
    ]


def test_a_run_page_marks_the_critical_checks_that_failed(client: TestClient) -> None:
    page = client.get(f"/ui/runs/{quote('https://corp.example/runs/price-notice-0407', safe='')}")
    assert page.status_code == 200
    assert "dependability · action-on-approved (critical)</strong>" in page.text
    assert "responsibility · reviewer-distinct</strong>" in page.text  # failed, not critical


def test_pages_load_scripts_only_from_the_service(client: TestClient) -> None:
    html = client.get(f"/ui/runs/{quote(RUN, safe='')}").text
    sources = re.findall(r'<script src="([^"]+)"', html) + re.findall(r'href="([^"]+\.css)"', html)
    assert len(sources) == 3
    assert all(source.startswith("/ui/static/") for source in sources)
    for source in sources:
        if "/lib/" in source and not (WEB / "node_modules").is_dir():
            continue
        assert client.get(source).status_code == 200, source


def test_a_run_page_by_prefixed_name_with_a_plain_slash(client: TestClient) -> None:
    answer = client.get("/ui/runs/hospital:runs/discharge-0412?format=json")
    assert answer.status_code == 200
    assert answer.json()["focus"] == H + "runs/discharge-0412"


def test_an_unknown_run_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/ui/runs/https%3A%2F%2Fnowhere.example%2Fruns%2F1")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_page_opened_in_a_browser_shows_its_problem_as_a_page(client: TestClient) -> None:
    # A time without its zone in the runs filter, and a run that is not there: the browser gets
    # a page with the same status and words, and the way back; scripts still get the problem.
    html = {"accept": "text/html,application/xhtml+xml"}
    bad_time = client.get("/ui/runs", params={"since": "2026-03-01"}, headers=html)
    assert bad_time.status_code == 422
    assert bad_time.headers["content-type"].startswith("text/html")
    assert "has no time zone" in bad_time.text
    assert '<a href="/ui/runs">Back to the runs</a>' in bad_time.text
    missing = client.get("/ui/runs/https%3A%2F%2Fnowhere.example%2Fruns%2F1", headers=html)
    assert missing.status_code == 404
    assert "no node https://nowhere.example/runs/1" in missing.text
    api = client.get("/runs", params={"since": "2026-03-01"}, headers=html)
    assert api.headers["content-type"].startswith("application/problem+json")
    page = client.get("/ui/runs", headers=html).text
    assert 'placeholder="2026-03-01T00:00:00Z"' in page


def test_api_docs_need_no_cdn(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/ui/static/lib/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    if (WEB / "node_modules" / "swagger-ui-dist").is_dir():
        assert client.get("/ui/static/lib/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200


def test_missing_browser_libraries_are_a_404_that_says_how_to_get_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Without npm's packages, a page asking for one gets a 404 that says what to do (a missing
    # folder was a 500), and the log says so once, at start.
    app = FastAPI()
    with caplog.at_level("WARNING", logger="raidt.api"):
        mount_static(app, tmp_path / "node_modules")
    assert [r.getMessage() for r in caplog.records] == [LIBRARIES_MISSING]
    answer = TestClient(app).get("/ui/static/lib/swagger-ui-dist/swagger-ui-bundle.js")
    assert (answer.status_code, answer.json()["detail"]) == (404, LIBRARIES_MISSING)
    assert TestClient(app).get("/ui/static/lineage.js").status_code == 200


def test_text_that_looks_like_html_neither_runs_nor_breaks_a_page(
    browser: Browser, tmp_path: Path
) -> None:
    # A task that opens an HTML comment and a script inside the page's data, and a name that
    # tries to close the data's script element and open one of its own.
    store = SQLiteStore(tmp_path / "odd.db")
    record = factory_run(1, task="<!--<script>", purpose="\"'><img src=x onerror=alert(2)>")
    record["initiator"]["name"] = "</script><script>alert(1)</script>"
    put(store, record)
    store.close()
    settings = Settings(
        store=f"sqlite:///{tmp_path / 'odd.db'}", keys=tmp_path / "keys.db", auth=False
    )
    with serving(settings) as base:
        page, problems = open_page(browser, run_url(base, iri("runs/1")))
        page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
        drawn = page.evaluate("window.raidtLineage.cy.nodes().map(n => n.id())")
        names = page.evaluate("window.raidtLineage.cy.nodes().map(n => n.data('label'))")
        page.close()
    assert problems == []
    assert iri("runs/1") in drawn
    assert any("</script><script>alert(1)</script>" in (name or "") for name in names)


def test_pages_run_scripts_only_from_the_service(client: TestClient) -> None:
    page = client.get(f"/ui/runs/{quote(RUN, safe='')}")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    for answer in (page, client.get("/healthz"), client.get("/runs")):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"


def test_a_reader_signs_in_and_the_pages_work_with_keys_on(
    browser: Browser, demo_db: Path, tmp_path: Path
) -> None:
    # With keys on, a browser cannot send one in a header: it signs in once, and the pages and
    # the scripts' own requests (who held authority over an action) read with the kept key.
    keys = KeyStore(tmp_path / "keys.db")
    _, secret = keys.create(Role.AUDITOR, "browser")
    keys.close()
    settings = Settings(store=f"sqlite:///{demo_db}", keys=tmp_path / "keys.db", auth=True)
    with serving(settings) as base:
        page, problems = open_page(browser, run_url(base))
        assert "/ui/sign-in?next=" in page.url
        page.fill("input[name=key]", secret)
        # land on the page first: a wait begun mid-navigation is evaluated in a way the
        # page's content security policy refuses
        with page.expect_navigation(url=run_url(base)):
            page.click("form[action='/ui/sign-in'] button")
        page.wait_for_load_state("load")
        page.wait_for_function("window.raidtLineage && window.raidtLineage.ready")
        status = page.evaluate(
            f"fetch('/actions/{quote(ACTION, safe='')}/authority').then(r => r.status)"
        )
        unreadable = page.evaluate("document.cookie")
        page.click("form.sign-out button")
        page.wait_for_url("**/ui/sign-in")
        page.goto(f"{base}/ui/runs")
        signed_out = page.url
        page.close()
    assert problems == []
    assert status == 200
    assert unreadable == ""  # the key is out of reach of any script on the page
    assert "/ui/sign-in?next=/ui/runs" in signed_out


def test_the_runs_page_shows_a_page_of_runs_at_a_time(client: TestClient, demo_db: Path) -> None:
    # the demo's 8 runs, 3 a page, filters kept in the links
    store = SQLiteStore(demo_db)
    every = [r["id"] for r in list_runs(store)]
    store.close()
    second = client.get("/ui/runs", params={"limit": 3, "offset": 3, "format": "json"}).json()
    assert [r["id"] for r in second] == every[3:6]
    page = client.get("/ui/runs", params={"limit": 3, "offset": 3}).text
    assert "runs 4 to 6 of 8" in page
    assert 'rel="prev" href="?offset=0&amp;limit=3"' in page
    assert 'rel="next" href="?offset=6&amp;limit=3"' in page
    last = client.get("/ui/runs", params={"limit": 3, "offset": 6}).text
    assert "runs 7 to 8 of 8" in last
    assert 'rel="next"' not in last
    beyond = client.get("/ui/runs", params={"limit": 3, "offset": 9, "sector": "finance"}).text
    assert "no runs here, of " in beyond
    assert 'rel="prev" href="?sector=finance&amp;offset=6&amp;limit=3"' in beyond
    assert client.get("/ui/runs", params={"limit": 0}).status_code == 422


def test_a_run_page_looks_from_the_time_it_is_asked_as_of(client: TestClient) -> None:
    # Before the demo was recorded the run did not exist; after, the page says when it looks
    # from, and its clicks ask as of then.
    run = quote(RUN, safe="")
    assert client.get(f"/ui/runs/{run}?format=json&as_of=2020-01-01T00:00:00Z").status_code == 404
    later = datetime.now(UTC).isoformat(timespec="microseconds")
    data = client.get(f"/ui/runs/{run}", params={"format": "json", "as_of": later}).json()
    assert data["as_of"] == later
    page = client.get(f"/ui/runs/{run}", params={"as_of": later}).text
    assert f"as the store stood at {later}" in page
    assert client.get(f"/ui/runs/{run}?format=json").json()["as_of"] is None
    # without a script, the page points at its JSON twin, as of the same time
    twin = f"?depth=6&amp;as_of={quote(later, safe='')}&amp;format=json"
    assert f'its data is at <a href="{twin}">this page' in page
    tomorrow = client.get(f"/ui/runs/{run}", params={"as_of": "2999-01-01T00:00:00Z"})
    assert tomorrow.status_code == 422
