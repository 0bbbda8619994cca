"""Time to first render of large lineages on the run page, in headless Chromium.

Generates a synthetic organisation, serves it on loopback, picks the runs whose lineage views are
largest and measures, for each, the time from navigation to the graph being drawn
(``window.raidtLineage.ready``), and how long the server took to answer with the page.

    python benchmarks/ui.py --runs 3000 --depth 40
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import uvicorn
from playwright.sync_api import sync_playwright

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from synthetic import generate, write_jsonl

from api.main import create_app
from api.settings import Settings
from provenance.ingest import record_files
from provenance.stores import SQLiteStore
from provenance.vocabulary import Type
from visualisation.lineage import lineage_view

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def largest_runs(db: Path, depth: int, count: int) -> list[tuple[str, int]]:
    """The runs with the most nodes in their lineage view, largest first."""
    store = SQLiteStore(db)
    try:
        runs = store.ids_of_type(Type.RUN)
        sizes = [(run, len(lineage_view(store, run, depth=depth).nodes)) for run in runs[-150:]]
    finally:
        store.close()
    return sorted(sizes, key=lambda item: -item[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--depth", type=int, default=40)
    parser.add_argument("--pages", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="raidt-ui-") as scratch:
        folder = Path(scratch)
        data, db = folder / "org.jsonl", folder / "org.db"
        write_jsonl(generate(args.runs, 7), data)
        store = SQLiteStore(db)
        record_files([data], store)
        store.close()
        targets = largest_runs(db, args.depth, args.pages)
        port = free_port()
        app = create_app(
            Settings(store=f"sqlite:///{db}", keys=str(folder / "keys.db"), auth=False)
        )
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        renders, builds = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            for run, size in targets:
                url = f"http://127.0.0.1:{port}/ui/runs/{quote(run, safe='')}?depth={args.depth}"
                started = time.perf_counter()
                page.goto(url)
                loaded = time.perf_counter()
                page.wait_for_function(
                    "window.raidtLineage && window.raidtLineage.ready", timeout=120_000
                )
                drawn = time.perf_counter()
                nodes = page.evaluate("window.raidtLineage.cy.nodes().length")
                renders.append(drawn - started)
                builds.append(loaded - started)
                print(
                    f"{run}: {size} nodes in the view, {nodes} drawn; "
                    f"page {loaded - started:.2f} s, "
                    f"first render {drawn - started:.2f} s"
                )
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)
    print(
        f"first render: median {statistics.median(renders):.2f} s, max {max(renders):.2f} s "
        f"(server side of it: median {statistics.median(builds):.2f} s)"
    )


if __name__ == "__main__":
    main()
