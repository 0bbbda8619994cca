"""Benchmark ingest, traversals and the governance questions on a synthetic organisation.

For each ``--runs N``: generate the organisation (benchmarks/synthetic.py), write it as JSON Lines,
and time what a user would run — ``raidt record`` into a fresh SQLite file, then ``raidt verify`` —
as subprocesses, so that start-up and the real command line are included. In-process ingest with
``record_files`` is timed too, to show how much of that is the command line's start-up; and so is
SQLite alone storing the same rows (copied into an empty store file in plain SQL), the most any
ingest could reach on this machine.

Then, on every available store (the SQLite file; Neo4j too when ``NEO4J_URI`` names a disposable
database, which is emptied and filled with ``copy_store``):

- the traversals behind trace (upstream over lineage relations from 200 random outputs) and impact
  (downstream from 200 random inputs), each checked against a plain networkx breadth-first search,
  to the questions' own depth limit: every target must reach exactly the same nodes at the same
  depths, or the benchmark stops;
- the full answers of ``trace`` (200 outputs), ``impact`` (200 inputs), ``authority`` (200
  actions) and ``score`` (200 runs), p50 and p95. Trace, impact and authority must give, for
  every target, what benchmarks/reference.py answers from the generated records alone (mapped to
  PROV in memory, never read back from a store), or the benchmark stops; on Neo4j each answer must
  also equal SQLite's. Each question goes over its targets twice and both passes are printed: the
  first, on a store object opened for that question, also fills the database's page cache; the
  second is what a running service gives.

    python benchmarks/run.py --runs 10000 --runs 100000 --json bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
from rich.console import Console
from rich.table import Table

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
from reference import CHECKED, Reference, first_mismatch
from synthetic import generate, write_jsonl

from provenance.ingest import record_files
from provenance.stores import Direction, Neo4jStore, SQLiteStore, Store
from provenance.transfer import copy_store
from queries.authority import authority
from queries.context import LINEAGE
from queries.lineage import IMPACT, MAX_DEPTH, impact, trace
from queries.scores import score
from tests.conftest import empty_neo4j

SAMPLES = 200
QUESTIONS: dict[str, Callable[[Store, str], Any]] = {
    "trace": trace,
    "impact": impact,
    "authority": authority,
    "score": score,
}


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


def delegation_depths(records: list[dict[str, Any]]) -> list[int]:
    """How many people stand 0, 1, 2 … delegations below someone who delegates to no one."""
    above = {
        r["delegate"]["id"]: r["responsible"]["id"] for r in records if r["type"] == "delegation"
    }
    counts: Counter[int] = Counter()
    for person in {*above, *above.values()}:
        chain = [person]
        while chain[-1] in above and above[chain[-1]] not in chain:
            chain.append(above[chain[-1]])
        counts[len(chain) - 1] += 1
    return [counts[depth] for depth in range(max(counts, default=0) + 1)]


def compare(
    store: Store,
    graph: nx.DiGraph,
    kinds: tuple[str, ...],
    targets: list[str],
    direction: Direction,
) -> dict[str, Any]:
    """Time the store's traversal and networkx's BFS from each target; stop if they disagree.

    ``graph`` points the way ``direction`` goes: the relations as stored for UP, reversed for DOWN.
    """
    store_times, nx_times, reached, followed, deepest = [], [], [], [], 0
    for target in targets:
        started = time.perf_counter()
        found = store.traverse([target], kinds, direction, MAX_DEPTH)
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


STORE_TABLES = (
    "namespaces",
    "records",
    "nodes",
    "descriptions",
    "record_elements",
    "node_types",
    "edges",
)
"""The store's tables in an order that satisfies their foreign keys."""


def sqlite_floor(db: Path, folder: Path) -> float:
    """Seconds SQLite alone takes to store the rows ``raidt record`` wrote: every row copied into
    an empty store file in one transaction, with the store's settings and no Python in the loop.

    Ingest cannot beat this on this machine, whatever the Python around it does.
    """
    copy = fresh(folder / f"floor-{db.name}")
    SQLiteStore(copy).close()
    target = sqlite3.connect(copy, isolation_level=None)
    try:
        tables = {
            row[0] for row in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if tables - {"meta"} != set(STORE_TABLES):
            sys.exit(f"the store's tables changed ({sorted(tables)}); update STORE_TABLES")
        for pragma in ("synchronous=FULL", "foreign_keys=ON", "cache_size=-262144"):
            target.execute(f"PRAGMA {pragma}")
        target.execute("ATTACH DATABASE ? AS stored", (str(db),))
        started = time.perf_counter()
        target.execute("BEGIN IMMEDIATE")
        for table in STORE_TABLES:
            target.execute(f"INSERT INTO main.{table} SELECT * FROM stored.{table}")
        target.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        target.close()
        fresh(copy)


def revision() -> str:
    """The code measured: the library changes under the benchmark, so figures name their commit."""
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent,
    )
    return done.stdout.strip() or "unknown"


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
    floor_s = sqlite_floor(db, folder)
    size = sum(p.stat().st_size for p in folder.glob(f"{db.name}*"))

    in_process = SQLiteStore(fresh(folder / f"in-process-{runs}-{seed}.db"))
    written, in_process_s = timed(lambda: record_files([data], in_process))
    in_process.close()
    if len(written.written) != len(records):
        sys.exit(f"in-process ingest wrote {len(written.written)} of {len(records)} records")

    targets = sample_targets(records, seed)
    reference, reference_s = timed(lambda: Reference(records))
    store = SQLiteStore(db)
    try:
        counts = store.counts()
        if counts["records"] != len(records):
            sys.exit(f"raidt record stored {counts['records']} of {len(records)} records")
        stores = {"sqlite": measure(store, lambda: SQLiteStore(db), reference, targets)}
        if os.environ.get("NEO4J_URI"):
            stores["neo4j"] = on_neo4j(store, reference, targets, stores["sqlite"])
    finally:
        store.close()
    return {
        "runs": runs,
        "seed": seed,
        "code": revision(),
        "sqlite": sqlite3.sqlite_version,
        "records": len(records),
        "nodes": counts["nodes"],
        "relations": counts["relations"],
        "longest_lineage_runs": lineage_depth(records),
        "delegation_depths": delegation_depths(records),
        "generate_s": generate_s,
        "jsonl_mb": data.stat().st_size / 1e6,
        "cli_startup_s": startup_s,
        "cli_ingest_s": ingest_s,
        "cli_records_per_s": len(records) / ingest_s,
        "cli_runs_per_s": runs / ingest_s,
        "sqlite_floor_s": floor_s,
        "sqlite_floor_runs_per_s": runs / floor_s,
        "in_process_ingest_s": in_process_s,
        "in_process_records_per_s": len(records) / in_process_s,
        "in_process_runs_per_s": runs / in_process_s,
        "db_mb": size / 1e6,
        "cli_verify_s": verify_s,
        "reference_build_s": reference_s,
        "stores": stores,
    }


def sample_targets(records: list[dict[str, Any]], seed: int) -> dict[str, list[str]]:
    """200 random targets for each question, the same for every store."""
    rng = random.Random(seed)
    runs_ = [r for r in records if r["type"] == "run"]
    pools = {
        "trace": [o["id"] for r in runs_ for o in r["outputs"]],
        "impact": sorted({i["id"] for r in runs_ for i in r["inputs"] if i["kind"] != "output"}),
        "authority": [r["id"] for r in records if r["type"] == "action"],
        "score": [r["id"] for r in runs_],
    }
    return {name: rng.sample(pool, min(SAMPLES, len(pool))) for name, pool in pools.items()}


def measure(
    store: Store,
    reopen: Callable[[], Store],
    reference: Reference,
    targets: dict[str, list[str]],
    answers: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """Traversals against networkx, then every question's full answer, p50 and p95, each
    question on a store object of its own, opened by ``reopen``; and every answer checked."""
    figures: dict[str, Any] = {
        "traverse_up": compare(
            store, reference.along(LINEAGE), LINEAGE, targets["trace"], Direction.UP
        ),
        "traverse_down": compare(
            store,
            reference.along(IMPACT).reverse(copy=True),
            IMPACT,
            targets["impact"],
            Direction.DOWN,
        ),
        "answers": {},
    }
    for name, ask in QUESTIONS.items():
        opened = reopen()
        try:
            passes = [_ask_all(opened, ask, targets[name]) for _ in range(2)]
        finally:
            opened.close()
        results = passes[-1][1]
        check(reference, name, targets[name], results)
        if answers is not None and results != answers[name]:
            wrong = next(
                t for t, a, b in zip(targets[name], results, answers[name], strict=True) if a != b
            )
            sys.exit(f"MISMATCH: {name} of {wrong} differs from the SQLite store's answer")
        figures[f"{name}_first_pass"] = percentiles(passes[0][0])
        figures[name] = percentiles(passes[-1][0])
        figures["answers"][name] = results
    return figures


def check(reference: Reference, name: str, targets: list[str], answers: list[Any]) -> None:
    """Stop at the first answer that differs from the reference's (score has none)."""
    if name in CHECKED and (wrong := first_mismatch(reference, name, targets, answers)):
        sys.exit(f"MISMATCH with the reference: {wrong}")


def _ask_all(
    store: Store, ask: Callable[[Store, str], Any], targets: list[str]
) -> tuple[list[float], list[Any]]:
    """One pass over the targets: each answer and the seconds it took."""
    seconds, results = [], []
    for target in targets:
        result, elapsed = timed(lambda target=target: ask(store, target))
        seconds.append(elapsed)
        results.append(result)
    return seconds, results


def on_neo4j(
    source: Store,
    reference: Reference,
    targets: dict[str, list[str]],
    sqlite: dict[str, Any],
) -> dict[str, Any]:
    """Empty the disposable Neo4j database, copy the store into it and measure the same."""
    url = os.environ["NEO4J_URI"]
    empty_neo4j(url)
    neo4j = Neo4jStore(url)
    try:
        report, copy_s = timed(lambda: copy_store(source, neo4j))
        figures = measure(neo4j, lambda: Neo4jStore(url), reference, targets, sqlite["answers"])
    finally:
        neo4j.close()
    figures["copy_s"] = copy_s
    figures["copy_records_per_s"] = report.records / copy_s
    return figures


def table(results: list[dict[str, Any]]) -> Table:
    """One column per organisation size, one row per figure."""
    view = Table("", *(f"{r['runs']:,} runs" for r in results), title="raidt benchmark")
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("records", lambda r: f"{r['records']:,}"),
        ("nodes / relations", lambda r: f"{r['nodes']:,} / {r['relations']:,}"),
        ("longest lineage (runs)", lambda r: str(r["longest_lineage_runs"])),
        (
            "people by delegation depth (0 up)",
            lambda r: " · ".join(f"{n:,}" for n in r["delegation_depths"]),
        ),
        ("generate", lambda r: f"{r['generate_s']:.2f} s"),
        ("raidt start-up (--help)", lambda r: f"{r['cli_startup_s']:.2f} s"),
        ("raidt record", lambda r: f"{r['cli_ingest_s']:.2f} s"),
        (
            "  records/s · runs/s",
            lambda r: f"{r['cli_records_per_s']:,.0f} · {r['cli_runs_per_s']:,.0f}",
        ),
        (
            "  SQLite alone: s · runs/s",
            lambda r: f"{r['sqlite_floor_s']:.2f} s · {r['sqlite_floor_runs_per_s']:,.0f}",
        ),
        ("record_files (in process)", lambda r: f"{r['in_process_ingest_s']:.2f} s"),
        (
            "  records/s · runs/s",
            lambda r: f"{r['in_process_records_per_s']:,.0f} · {r['in_process_runs_per_s']:,.0f}",
        ),
        ("database size", lambda r: f"{r['db_mb']:.1f} MB"),
        ("raidt verify", lambda r: f"{r['cli_verify_s']:.2f} s"),
        ("reference graph build", lambda r: f"{r['reference_build_s']:.2f} s"),
    ]
    for store in sorted({name for r in results for name in r["stores"]}):
        rows.append((f"[bold]{store}[/bold]", lambda r: ""))
        if store != "sqlite":
            rows.append(
                (
                    "  copy in (records/s)",
                    lambda r, s=store: f"{_of(r, s)['copy_records_per_s']:,.0f}",
                )
            )
        for name, key in (("lineage UP", "traverse_up"), ("dependants DOWN", "traverse_down")):
            rows += [
                (f"  {name}: p50/p95", lambda r, s=store, k=key: _ms(_of(r, s)[k]["store"])),
                ("    networkx p50/p95", lambda r, s=store, k=key: _ms(_of(r, s)[k]["networkx"])),
                (
                    "    nodes · relations (median)",
                    lambda r, s=store, k=key: (
                        f"{_of(r, s)[k]['nodes_reached_median']:,.0f} · "
                        f"{_of(r, s)[k]['relations_followed_median']:,.0f}"
                    ),
                ),
            ]
        for question in QUESTIONS:
            rows += [
                (f"  {question} p50/p95", lambda r, s=store, q=question: _ms(_of(r, s)[q])),
                (
                    "    first pass p50/p95",
                    lambda r, s=store, q=question: _ms(_of(r, s)[f"{q}_first_pass"]),
                ),
            ]
    for label, cell in rows:
        view.add_row(label, *(cell(r) for r in results))
    return view


def _of(result: dict[str, Any], store: str) -> dict[str, Any]:
    figures: dict[str, Any] = result["stores"][store]
    return figures


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
    Console(width=max(80, 32 + 24 * len(results))).print(table(results))
    print(
        "traversals checked against networkx: same nodes at the same depths for every target; "
        f"{', '.join(CHECKED)} checked against the reference: the same answers for every target"
    )
    for result in results:
        for figures in result["stores"].values():
            figures.pop("answers")
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
