"""Time to first render of large lineages on the run page, in headless Chromium.

Two kinds of page are measured. The largest lineage views of a synthetic organisation (up to about
500 nodes at 100,000 runs), and lineages built to be large: hub runs fed by ``width`` chains of
runs and followed by as many (``synthetic.hubs``; widths 4, 8 and 20 give about 1,250, 2,250 and
5,150 nodes with the reviews and approvals of every entity drawn). Each store is served on
loopback and each page opened in a fresh tab, and for each the script prints:

- the nodes and edges drawn;
- server: from the request to the first byte of the page (lineage, layout, score, page data);
- layout: Graphviz's part of that, timed by laying the same view out again in this process;
- first render: from navigation to the first frame painted after ``window.raidtLineage.ready``;
- browser: first render less the time until the page had arrived (parsing the page and its
  data, Cytoscape's set-up, styling and first draw);
- click: from selecting a node as a click does (the output with the longest way back, then the
  latest action), through the service's answer (``trace`` or ``authority``), to the first frame
  painted with the highlight.

With ``--screenshots``, each page is kept as drawn first, and close up around its run.

Times are medians over ``--repeat`` loads. Client, server and browser share the machine.

    python benchmarks/ui.py --runs 3000 --depth 40 --widths 4 8 20
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import uvicorn
from playwright.sync_api import Browser, sync_playwright

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from synthetic import Record, generate, hubs, write_jsonl

from api.main import create_app
from api.settings import Settings
from provenance.ingest import record_files
from provenance.stores import SQLiteStore
from provenance.vocabulary import Type
from visualisation.lineage import lineage_view
from visualisation.static import positions

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 600_000
FIRST_FRAME = """async () => {
  while (!(window.raidtLineage && window.raidtLineage.ready)) {
    await new Promise((done) => setTimeout(done, 5));
  }
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    server: nav.responseStart - nav.requestStart,
    arrived: nav.responseEnd,
    painted: performance.now(),
    nodes: window.raidtLineage.cy.nodes().length,
    edges: window.raidtLineage.cy.edges().length,
  };
}"""
"""Milliseconds from navigation: the double animation frame ends after the first frame drawn."""
CLICK = """async (id) => {
  const started = performance.now();
  await window.raidtLineage.select(id);
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return performance.now() - started;
}"""
LATEST = """(type) => {
  const found = window.raidtLineage.cy.nodes().filter((n) => n.data('type') === type);
  const times = JSON.parse(document.getElementById('lineage-data').textContent).nodes;
  const when = new Map(times.map((n) => [n.id, n.time || '']));
  return found.map((n) => n.id()).sort((a, b) => when.get(a).localeCompare(when.get(b))).pop();
}"""
"""The latest node of a type: the output with the longest way back, the action with most above
it."""
CLOSE_UP = """async () => {
  const cy = window.raidtLineage.cy;
  window.raidtLineage.clear();
  cy.zoom(1);
  cy.center(cy.getElementById(JSON.parse(document.getElementById('lineage-data').textContent).focus));
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""
"""The run itself at full size, as a reader zooms in to it."""


@dataclass
class Target:
    name: str
    run: str
    depth: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def load(records: list[Record], folder: Path, name: str) -> Path:
    """A SQLite store holding ``records``, recorded as ``raidt record`` does."""
    data, db = folder / f"{name}.jsonl", folder / f"{name}.db"
    write_jsonl(records, data)
    store = SQLiteStore(db)
    record_files([data], store)
    store.close()
    return db


def largest_runs(db: Path, depth: int, count: int) -> list[Target]:
    """The runs with the most nodes in their lineage view, largest first."""
    store = SQLiteStore(db)
    try:
        runs = store.ids_of_type(Type.RUN)
        sizes = [(run, len(lineage_view(store, run, depth=depth).nodes)) for run in runs[-150:]]
    finally:
        store.close()
    largest = sorted(sizes, key=lambda item: -item[1])[:count]
    return [Target(f"org {run.rsplit('/', 1)[1]}", run, depth) for run, _ in largest]


def layout_seconds(db: Path, target: Target) -> float:
    """Graphviz's time for the page's positions, on the view the page draws."""
    store = SQLiteStore(db)
    try:
        view = lineage_view(store, target.run, depth=target.depth)
        started = time.perf_counter()
        positions(view)
        return time.perf_counter() - started
    finally:
        store.close()


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """The service over ``db`` on a free loopback port, in a thread: its base URL."""
    port = free_port()
    settings = Settings(store=f"sqlite:///{db}", keys=str(db.with_suffix(".keys")), auth=False)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def measure(browser: Browser, url: str, shot: Path | None) -> dict[str, Any]:
    """One load of a run page in a fresh tab, then a click on an output and on an action."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    timings: dict[str, Any] = page.evaluate(FIRST_FRAME)
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)
    for kind in ("Output", "Action"):
        node = page.evaluate(LATEST, kind)
        timings[kind] = page.evaluate(CLICK, node) if node else None
    if shot is not None:
        page.evaluate(CLOSE_UP)
        page.screenshot(path=str(shot.with_name(f"{shot.stem}-close-up.png")), full_page=True)
    page.close()
    return timings


def report(target: Target, layout: float, loads: list[dict[str, Any]]) -> None:
    def median(key: str) -> float | None:
        values = [load[key] for load in loads if load[key] is not None]
        return statistics.median(values) if values else None

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    first = median("painted") or 0.0
    browser = statistics.median(load["painted"] - load["arrived"] for load in loads)
    print(
        f"| {target.name} | {loads[0]['nodes']} | {loads[0]['edges']} "
        f"| {(median('server') or 0) / 1000:.2f} | {layout:.2f} | {first / 1000:.2f} "
        f"| {browser / 1000:.2f} | {ms(median('Output'))} | {ms(median('Action'))} |",
        flush=True,
    )


def bench(
    browser: Browser, db: Path, targets: list[Target], repeat: int, shots: Path | None
) -> None:
    with serving(db) as base:
        for target in targets:
            url = f"{base}/ui/runs/{quote(target.run, safe='')}?depth={target.depth}"
            layout = layout_seconds(db, target)
            loads = []
            for attempt in range(repeat):
                shot = None
                if shots is not None and attempt == 0:
                    shot = shots / f"{target.name.replace(' ', '-')}.png"
                loads.append(measure(browser, url, shot))
            report(target, layout, loads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3000, help="synthetic organisation; 0: none")
    parser.add_argument("--depth", type=int, default=40, help="depth of the organisation's pages")
    parser.add_argument("--pages", type=int, default=3, help="the organisation's largest views")
    parser.add_argument("--widths", type=int, nargs="*", default=[4, 8, 20], help="hub widths")
    parser.add_argument("--length", type=int, default=20, help="runs in each chain of a hub")
    parser.add_argument("--repeat", type=int, default=3, help="loads of each page")
    parser.add_argument("--screenshots", type=Path, help="folder for a screenshot of each page")
    args = parser.parse_args()
    if args.screenshots is not None:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="raidt-ui-") as scratch:
        folder = Path(scratch)
        stores = []
        if args.runs:
            org = load(generate(args.runs, 7), folder, "org")
            stores.append((org, largest_runs(org, args.depth, args.pages)))
        if args.widths:
            records, centres = hubs(args.widths, args.length, 7)
            depth = 3 * args.length
            targets = [
                Target(f"hub width {w}", run, depth)
                for w, run in zip(args.widths, centres, strict=True)
            ]
            stores.append((load(records, folder, "hubs"), targets))
        print(
            "| page | nodes | edges | server s | layout s | first render s | browser s "
            "| click output ms | click action ms |\n|---|---|---|---|---|---|---|---|---|",
            flush=True,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for db, targets in stores:
                bench(browser, db, targets, args.repeat, args.screenshots)
            browser.close()


if __name__ == "__main__":
    main()
