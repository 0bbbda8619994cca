"""Benchmark bulk ingest and lineage traversal of the embedded store on a synthetic organisation.

For each ``--runs N``: generate the organisation (benchmarks/synthetic.py), write it as JSON Lines,
and time what a user would run — ``raidt record`` into a fresh SQLite file, then ``raidt verify`` —
as subprocesses, so that start-up and the real command line are included. In-process ingest with
``record_files`` is timed too, to show how much of that is the command line's start-up.

Traversals are timed on the store that ``raidt record`` wrote: upstream from 200 random outputs and
downstream from 200 random inputs, following the lineage relations 50 hops deep. The same searches
run with networkx over an in-memory graph of the store's relations, as a reference for speed and,
above all, for correctness: every target must reach exactly the same nodes at the same depths, or
the benchmark stops.

    python benchmarks/run.py --runs 1000 --runs 10000 --json bench.json
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate, write_jsonl

from provenance.ingest import record_files
from provenance.stores import Direction, SQLiteStore, Store

KINDS = [
    "wasGeneratedBy",
    "used",
    "wasDerivedFrom",
    "wasRevisionOf",
    "wasAssociatedWith",
    "actedOnBehalfOf",
    "wasInformedBy",
]
MAX_DEPTH = 50
SAMPLES = 200


def raidt(*args: str) -> float:
    """Run the real ``raidt`` command line and return its wall-clock time; fail if it fails."""
    script = Path(sys.executable).with_name("raidt")
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "import api.cli; api.cli.main()"]
    )
    started = time.perf_counter()
    done = subprocess.run([*command, *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"raidt {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def fresh(path: Path) -> Path:
    """Remove a store file and its WAL companions, so every measurement starts empty."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def percentiles(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=20, method="inclusive")
    return {"p50_ms": statistics.median(seconds) * 1000, "p95_ms": cuts[18] * 1000}


def lineage_depth(records: list[dict[str, Any]]) -> int:
    """The longest chain of runs, each consuming an output of the one before."""
    run_of: dict[str, str] = {}
    depth: dict[str, int] = {}
    for record in records:
        if record["type"] == "run":
            sources = [run_of[i["id"]] for i in record["inputs"] if i["kind"] == "output"]
            depth[record["id"]] = 1 + max((depth[s] for s in sources), default=0)
            run_of.update((o["id"], record["id"]) for o in record["outputs"])
        elif record["type"] == "review" and "revision" in record:
            run_of[record["revision"]["id"]] = run_of[record["target"]]
    return max(depth.values(), default=0)


def reference_graph(store: Store) -> nx.DiGraph:
    """The store's lineage relations as a networkx graph, read record by record."""
    graph = nx.DiGraph()
    wanted = set(KINDS)
    for stored in store.records():
        graph.add_edges_from(
            (r.src, r.dst)
            for r in store.fragment(stored.seq).relations
            if r.kind in wanted and r.src and r.dst
        )
    return graph


def compare(
    store: Store, graph: nx.DiGraph, targets: list[str], direction: Direction
) -> dict[str, Any]:
    """Time the store's traversal and networkx's BFS from each target; stop if they disagree.

    ``graph`` points the way ``direction`` goes: the relations as stored for UP, reversed for DOWN.
    """
    store_times, nx_times, reached, followed, deepest = [], [], [], [], 0
    for target in targets:
        started = time.perf_counter()
        found = store.traverse([target], KINDS, direction, MAX_DEPTH)
        store_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        expected = (
            nx.single_source_shortest_path_length(graph, target, cutoff=MAX_DEPTH)
            if target in graph
            else {target: 0}
        )
        nx_times.append(time.perf_counter() - started)
        if set(found.depths) != set(expected):
            missing = sorted(set(expected) - set(found.depths))[:5]
            extra = sorted(set(found.depths) - set(expected))[:5]
            sys.exit(
                f"MISMATCH {direction.value} from {target}: store reached {len(found.depths)} "
                f"nodes, networkx {len(expected)}; missing {missing}, extra {extra}"
            )
        if found.depths != expected:
            wrong = [(n, found.depths[n], d) for n, d in expected.items() if found.depths[n] != d]
            sys.exit(f"MISMATCH {direction.value} from {target}: depths differ {wrong[:5]}")
        reached.append(len(found.depths))
        followed.append(len(found.relations))
        deepest = max(deepest, *found.depths.values())
    return {
        "store": percentiles(store_times),
        "networkx": percentiles(nx_times),
        "nodes_reached_median": statistics.median(reached),
        "relations_followed_median": statistics.median(followed),
        "max_depth_reached": deepest,
    }


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def bench(runs: int, seed: int, folder: Path) -> dict[str, Any]:
    """Every measurement for one organisation size."""
    records, generate_s = timed(lambda: generate(runs, seed))
    data = folder / f"synthetic-{runs}-{seed}.jsonl"
    write_jsonl(records, data)
    db = fresh(folder / f"raidt-{runs}-{seed}.db")
    url = f"sqlite:///{db}"

    startup_s = raidt("--help")
    ingest_s = raidt("record", str(data), "--store", url)
    verify_s = raidt("verify", "--store", url)
    size = sum(p.stat().st_size for p in folder.glob(f"{db.name}*"))

    in_process = SQLiteStore(fresh(folder / f"in-process-{runs}-{seed}.db"))
    written, in_process_s = timed(lambda: record_files([data], in_process))
    in_process.close()
    if len(written.written) != len(records):
        sys.exit(f"in-process ingest wrote {len(written.written)} of {len(records)} records")

    rng = random.Random(seed)
    runs_ = [r for r in records if r["type"] == "run"]
    outputs = [o["id"] for r in runs_ for o in r["outputs"]]
    inputs = sorted({i["id"] for r in runs_ for i in r["inputs"]})
    outputs = rng.sample(outputs, min(SAMPLES, len(outputs)))
    inputs = rng.sample(inputs, min(SAMPLES, len(inputs)))
    store = SQLiteStore(db)
    try:
        counts = store.counts()
        if counts["records"] != len(records):
            sys.exit(f"raidt record stored {counts['records']} of {len(records)} records")
        graph, graph_s = timed(lambda: reference_graph(store))
        up = compare(store, graph, outputs, Direction.UP)
        down = compare(store, graph.reverse(copy=True), inputs, Direction.DOWN)
    finally:
        store.close()
    return {
        "runs": runs,
        "seed": seed,
        "sqlite": sqlite3.sqlite_version,
        "records": len(records),
        "nodes": counts["nodes"],
        "relations": counts["relations"],
        "longest_lineage_runs": lineage_depth(records),
        "generate_s": generate_s,
        "jsonl_mb": data.stat().st_size / 1e6,
        "cli_startup_s": startup_s,
        "cli_ingest_s": ingest_s,
        "cli_records_per_s": len(records) / ingest_s,
        "cli_runs_per_s": runs / ingest_s,
        "in_process_ingest_s": in_process_s,
        "in_process_records_per_s": len(records) / in_process_s,
        "in_process_runs_per_s": runs / in_process_s,
        "db_mb": size / 1e6,
        "cli_verify_s": verify_s,
        "networkx_graph_build_s": graph_s,
        "traverse_up": up,
        "traverse_down": down,
    }


def table(results: list[dict[str, Any]]) -> Table:
    """One column per organisation size, one row per figure."""
    view = Table("", *(f"{r['runs']:,} runs" for r in results), title="raidt benchmark (SQLite)")
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        (
            "records / nodes / relations",
            lambda r: f"{r['records']:,} / {r['nodes']:,} / {r['relations']:,}",
        ),
        ("longest lineage (runs)", lambda r: str(r["longest_lineage_runs"])),
        ("generate", lambda r: f"{r['generate_s']:.2f} s"),
        ("raidt start-up (--help)", lambda r: f"{r['cli_startup_s']:.2f} s"),
        ("raidt record", lambda r: f"{r['cli_ingest_s']:.2f} s"),
        (
            "  records/s · runs/s",
            lambda r: f"{r['cli_records_per_s']:,.0f} · {r['cli_runs_per_s']:,.0f}",
        ),
        ("record_files (in process)", lambda r: f"{r['in_process_ingest_s']:.2f} s"),
        (
            "  records/s · runs/s",
            lambda r: f"{r['in_process_records_per_s']:,.0f} · {r['in_process_runs_per_s']:,.0f}",
        ),
        ("database size", lambda r: f"{r['db_mb']:.1f} MB"),
        ("raidt verify", lambda r: f"{r['cli_verify_s']:.2f} s"),
        ("networkx graph build", lambda r: f"{r['networkx_graph_build_s']:.2f} s"),
    ]
    for name, key in (("up from outputs", "traverse_up"), ("down from inputs", "traverse_down")):
        rows += [
            (f"{name}: store p50 / p95", lambda r, k=key: _ms(r[k]["store"])),
            ("  networkx p50 / p95", lambda r, k=key: _ms(r[k]["networkx"])),
            (
                "  median nodes · relations · max depth",
                lambda r, k=key: (
                    f"{r[k]['nodes_reached_median']:,.0f} · "
                    f"{r[k]['relations_followed_median']:,.0f} · {r[k]['max_depth_reached']}"
                ),
            ),
        ]
    for label, cell in rows:
        view.add_row(label, *(cell(r) for r in results))
    return view


def _ms(figures: dict[str, float]) -> str:
    return f"{figures['p50_ms']:.2f} / {figures['p95_ms']:.2f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, action="append", required=True, help="repeatable")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--store-dir", type=Path, help="keep data and stores here (default: temp)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="raidt-bench-") as scratch:
        folder = args.store_dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = [bench(runs, args.seed, folder) for runs in args.runs]
    Console().print(table(results))
    print("traversals checked against networkx: same nodes at the same depths for every target")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
