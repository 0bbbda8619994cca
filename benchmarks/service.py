"""Benchmark the HTTP service: recorded runs per second through ``POST /runs``, and trace latency
under concurrent load, against a real ``raidt serve`` on loopback.

1. A synthetic organisation (benchmarks/synthetic.py, ``--org-runs`` runs with their reviews,
   approvals and deep lineage chains) is written into a fresh SQLite file, so that traces have
   real depth to walk.
2. ``raidt serve`` starts on that file, on a free port of 127.0.0.1, with API keys.
3. **Ingest**: ``--clients`` threads, each with its own keep-alive connection, post ``--runs``
   new runs through ``POST /runs``; runs per second is the count over the wall time, and each
   request's latency is kept for p50/p95.
4. **Trace under load**: ``--readers`` threads ask ``GET /outputs/{id}/trace`` for random outputs
   of the organisation while ``--writers`` threads keep posting runs, for ``--seconds``; the
   traces' p50/p95/p99 and both rates are reported, next to the same traces asked one at a time
   with nothing else running.
5. ``GET /verify`` must answer ok at the end, or the benchmark fails.

    python benchmarks/service.py --org-runs 2000 --runs 2000 --clients 8 --readers 8 --writers 2
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
from rich.console import Console
from rich.table import Table

# This file is called api.py, like the package it measures: take its own folder off the path
# so that ``api`` is the package, and reach the generator through the repository root.
_HERE, _ROOT = Path(__file__).resolve().parent, Path(__file__).resolve().parents[1]
sys.path[:] = [str(_ROOT), *(p for p in sys.path if Path(p or ".").resolve() != _HERE)]

from api.keys import KeyStore, Role
from benchmarks.synthetic import content_hash, generate
from provenance.ingest import Located, write_records
from provenance.records import RECORD_ADAPTER
from provenance.stores import SQLiteStore
from tests.api.server import running_server

ORG = "https://bench.example/"


def new_run(n: int) -> dict[str, Any]:
    """A run with inputs, template, prompt, model and one output of its own."""
    doc, out = f"{ORG}documents/{n}", f"{ORG}outputs/{n}"
    return {
        "type": "run",
        "id": f"{ORG}runs/{n}",
        "started_at": "2026-05-01T09:00:00+00:00",
        "ended_at": "2026-05-01T09:00:20+00:00",
        "task": "incident summary",
        "sector": "enterprise",
        "risk_level": "medium",
        "initiator": {"id": f"{ORG}people/{n % 50}", "name": f"Person {n % 50}"},
        "inputs": [{"id": doc, "content_hash": content_hash(doc)}],
        "template": {
            "id": f"{ORG}templates/incident/v1",
            "version": "v1",
            "content_hash": content_hash("incident v1"),
        },
        "prompt": {"content_hash": content_hash(f"prompt {n}")},
        "model": {"provider": "acme", "model": "writer", "version": "2025-06"},
        "outputs": [{"id": out, "content_hash": content_hash(out)}],
    }


def percentiles(seconds: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}


def timed_call(call: Callable[[], httpx2.Response], expect: tuple[int, ...]) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    if response.status_code not in expect:
        raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    return elapsed


def ingest(address: str, key: str, runs: range, clients: int) -> dict[str, Any]:
    """Post every run in ``runs`` with ``clients`` concurrent clients."""
    auth = {"Authorization": f"Bearer {key}"}
    bodies = [new_run(n) for n in runs]

    def client(index: int) -> list[float]:
        with httpx2.Client(base_url=address, headers=auth, timeout=60) as http:
            return [
                timed_call(lambda body=body: http.post("/runs", json=body), (201,))
                for body in bodies[index::clients]
            ]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [s for part in pool.map(client, range(clients)) for s in part]
    wall = time.perf_counter() - started
    return {
        "runs": len(bodies),
        "seconds": wall,
        "runs_per_s": len(bodies) / wall,
        **percentiles(latencies),
    }


def traces_alone(address: str, key: str, targets: list[str]) -> dict[str, float]:
    auth = {"Authorization": f"Bearer {key}"}
    with httpx2.Client(base_url=address, headers=auth, timeout=60) as http:
        seconds = [
            timed_call(lambda t=t: http.get(f"/outputs/{quote(t, safe='')}/trace"), (200,))
            for t in targets
        ]
    return percentiles(seconds)


def traces_under_load(
    address: str,
    reader_key: str,
    writer_key: str,
    targets: list[str],
    *,
    readers: int,
    writers: int,
    seconds: float,
    first_run: int,
) -> dict[str, Any]:
    """Readers trace random outputs while writers post runs, for ``seconds``."""
    stop = threading.Event()
    counter = iter(range(first_run, first_run + 10_000_000))
    lock = threading.Lock()

    def reader(index: int) -> list[float]:
        rng = random.Random(index)
        found = []
        with httpx2.Client(
            base_url=address, headers={"Authorization": f"Bearer {reader_key}"}, timeout=60
        ) as http:
            while not stop.is_set():
                target = quote(rng.choice(targets), safe="")
                path = f"/outputs/{target}/trace"
                found.append(timed_call(lambda path=path: http.get(path), (200,)))
        return found

    def writer(_: int) -> int:
        written = 0
        with httpx2.Client(
            base_url=address, headers={"Authorization": f"Bearer {writer_key}"}, timeout=60
        ) as http:
            while not stop.is_set():
                with lock:
                    n = next(counter)
                body = new_run(n)
                timed_call(lambda body=body: http.post("/runs", json=body), (201,))
                written += 1
        return written

    with ThreadPoolExecutor(readers + writers) as pool:
        reading = [pool.submit(reader, i) for i in range(readers)]
        writing = [pool.submit(writer, i) for i in range(writers)]
        time.sleep(seconds)
        stop.set()
        latencies = [s for f in reading for s in f.result(timeout=120)]
        written = sum(f.result(timeout=120) for f in writing)
    return {
        "traces": len(latencies),
        "traces_per_s": len(latencies) / seconds,
        "runs_written": written,
        "runs_per_s": written / seconds,
        **percentiles(latencies),
    }


def organisation(path: Path, runs: int, seed: int) -> list[str]:
    """Write the synthetic organisation into ``path``; return the outputs to trace."""
    records = generate(runs, seed)
    store = SQLiteStore(path)
    try:
        write_records(
            [Located(RECORD_ADAPTER.validate_python(r), "synthetic") for r in records], store
        )
    finally:
        store.close()
    return [o["id"] for r in records if r["type"] == "run" for o in r["outputs"]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--org-runs", type=int, default=2000, help="runs in the organisation")
    parser.add_argument("--runs", type=int, default=2000, help="runs to post in the ingest phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for ingest")
    parser.add_argument("--readers", type=int, default=8, help="concurrent trace clients")
    parser.add_argument("--writers", type=int, default=2, help="writers during the trace phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the trace phase")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    console = Console()

    with tempfile.TemporaryDirectory(prefix="raidt-api-bench-") as folder:
        store_path, keys_path = Path(folder) / "raidt.db", Path(folder) / "keys.db"
        console.print(f"writing a synthetic organisation of {args.org_runs} runs …")
        outputs = organisation(store_path, args.org_runs, args.seed)
        targets = random.Random(args.seed).sample(outputs, min(200, len(outputs)))
        keys = KeyStore(keys_path)
        recorder, auditor = keys.create(Role.RECORDER)[1], keys.create(Role.AUDITOR)[1]
        keys.close()
        with running_server(f"sqlite:///{store_path}", keys_path) as address:
            console.print(f"raidt serve at {address}")
            figures: dict[str, Any] = {
                "ingest": ingest(address, recorder, range(args.runs), args.clients),
                "trace_alone": traces_alone(address, auditor, targets),
                "trace_under_load": traces_under_load(
                    address,
                    auditor,
                    recorder,
                    targets,
                    readers=args.readers,
                    writers=args.writers,
                    seconds=args.seconds,
                    first_run=args.runs,
                ),
            }
            report = httpx2.get(
                f"{address}/verify", headers={"Authorization": f"Bearer {auditor}"}, timeout=600
            ).json()
            if not report["ok"]:
                raise SystemExit(f"VERIFY FAILED: {report['first_problem']}")
            figures["verify"] = {"ok": True, "records": report["records"]}
    figures["settings"] = vars(args) | {"json": str(args.json) if args.json else None}

    table = Table("measure", "figure", title="RAIDT HTTP service on loopback", title_justify="left")
    ingest_ = figures["ingest"]
    table.add_row(
        f"POST /runs, {args.clients} clients",
        f"{ingest_['runs_per_s']:.0f} runs/s "
        f"({ingest_['runs']} runs in {ingest_['seconds']:.1f} s)",
    )
    table.add_row(
        "POST /runs latency", f"p50 {ingest_['p50_ms']:.1f} ms, p95 {ingest_['p95_ms']:.1f} ms"
    )
    alone = figures["trace_alone"]
    table.add_row(
        "trace, one client", f"p50 {alone['p50_ms']:.1f} ms, p95 {alone['p95_ms']:.1f} ms"
    )
    load = figures["trace_under_load"]
    table.add_row(
        f"trace, {args.readers} readers + {args.writers} writers",
        f"p50 {load['p50_ms']:.1f} ms, p95 {load['p95_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms; "
        f"{load['traces_per_s']:.0f} traces/s while writing {load['runs_per_s']:.0f} runs/s",
    )
    table.add_row("verify after", f"ok, {figures['verify']['records']} records")
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
