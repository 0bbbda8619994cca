"""The real thing: ``raidt serve`` on loopback, ``raidt keys`` to make its keys, and many writers
at once — afterwards every record is stored exactly once and the hash chain verifies."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2
import pytest

from api.keys import KeyStore, Role
from api.routes.ui import LIBRARIES_MISSING
from api.server_commands import listen
from provenance.integrity import verify
from provenance.stores import SQLiteStore
from tests.api.conftest import enc
from tests.api.server import RAIDT, running_server
from tests.factories import approval, iri, review, run

WRITERS = 12
RUNS = 96


def keys_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [RAIDT, "keys", *args], capture_output=True, text=True, check=True, timeout=60
    )


def work(n: int) -> list[tuple[str, dict[str, Any]]]:
    """Run ``n`` and what follows it: a review with a revision and an approval of the revision."""
    out, revised = iri(f"out/{n}-1"), iri(f"out/{n}-1r")
    events = f"/runs/{enc(iri(f'runs/{n}'))}/events"
    return [
        ("/runs", run(n, minute=n % 60)),
        (events, review(f"r{n}", out, revision=revised)),
        (events, approval(f"a{n}", revised)),
    ]


def test_many_writers_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'raidt.db'}"
    keys = tmp_path / "keys.db"
    created = json.loads(
        keys_cli(
            "create", "--role", "recorder", "--name", "load", "--keys", str(keys), "--json"
        ).stdout
    )
    assert created["role"] == "recorder"
    auth = {"Authorization": f"Bearer {created['key']}"}
    statuses: Counter[tuple[str, int]] = Counter()

    with running_server(url, keys) as address:

        def writer(index: int) -> list[tuple[str, int]]:
            seen = []
            with httpx2.Client(base_url=address, headers=auth, timeout=30) as client:
                for n in range(index, RUNS, WRITERS):
                    for path, body in work(n):
                        kind = "run" if path == "/runs" else "event"
                        seen.append((kind, client.post(path, json=body).status_code))
                    # the same run again, and someone else's run, which may or may not be there yet
                    seen.append(
                        ("same", client.post("/runs", json=run(n, minute=n % 60)).status_code)
                    )
                    other = (n + 1) % RUNS
                    seen.append(
                        (
                            "other",
                            client.post("/runs", json=run(other, minute=other % 60)).status_code,
                        )
                    )
                    changed = client.post("/runs", json=run(n, minute=n % 60, task="changed"))
                    seen.append(("changed", changed.status_code))
            return seen

        with ThreadPoolExecutor(WRITERS) as pool:
            for seen in pool.map(writer, range(WRITERS), timeout=240):
                statuses.update(seen)
        with httpx2.Client(base_url=address, headers=auth, timeout=30) as client:
            assert client.get("/verify").status_code == 403
        auditor = KeyStore(keys)
        _, secret = auditor.create(Role.AUDITOR)
        auditor.close()
        report = httpx2.get(
            f"{address}/verify", headers={"Authorization": f"Bearer {secret}"}, timeout=60
        ).json()
        assert report["ok"] is True
        assert report["records"] == 3 * RUNS

    assert set(statuses) <= {
        ("run", 200),
        ("run", 201),
        ("event", 201),
        ("same", 200),
        ("other", 200),
        ("other", 201),
        ("changed", 409),
    }
    assert statuses[("event", 201)] == 2 * RUNS
    assert statuses[("run", 201)] + statuses[("other", 201)] == RUNS
    assert statuses[("run", 200)] + statuses[("other", 200)] == RUNS
    assert statuses[("same", 200)] == statuses[("changed", 409)] == RUNS
    store = SQLiteStore(tmp_path / "raidt.db")
    try:
        ids = [r.id for r in store.records()]
        assert len(ids) == len(set(ids)) == 3 * RUNS
        assert set(ids) == {body["id"] for n in range(RUNS) for _, body in work(n)}
        assert verify(store).ok
    finally:
        store.close()


def test_serve_without_auth_says_so_loudly(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [
            RAIDT,
            "serve",
            "--port",
            "0",
            "--no-auth",
            "--store",
            f"sqlite:///{tmp_path / 'r.db'}",
            "--keys",
            str(tmp_path / "k.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        assert " at http://127.0.0.1:" in line
        address = line.split(" at ", 1)[1].split()[0]
        assert f"web pages at {address}/ui/runs" in line
        assert f"API documentation at {address}/docs" in line
        assert httpx2.get(f"{address}/verify", timeout=10).status_code == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=15)
    assert errors.count("AUTHENTICATION IS OFF") == 1
    # the store did not exist: the service says it makes an empty one, not a word otherwise
    assert f"no store at {tmp_path / 'r.db'} yet; the service makes an empty one" in errors


def test_keys_are_created_listed_and_revoked_from_the_command_line(tmp_path: Path) -> None:
    keys = str(tmp_path / "keys.db")
    shown = keys_cli("create", "--role", "auditor", "--keys", keys).stdout
    secret = shown.strip().splitlines()[-1]
    assert secret.startswith("raidt_")
    listed = json.loads(keys_cli("list", "--keys", keys, "--json").stdout)
    assert [(k["role"], k["revoked"]) for k in listed] == [("auditor", None)]
    assert secret not in json.dumps(listed)
    keys_cli("revoke", listed[0]["id"], "--keys", keys)
    assert json.loads(keys_cli("list", "--keys", keys, "--json").stdout)[0]["revoked"]
    unknown = subprocess.run(
        [RAIDT, "keys", "revoke", "nope", "--keys", keys],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 1
    assert "no API key 'nope'" in unknown.stderr
    with pytest.raises(subprocess.CalledProcessError):
        keys_cli("create", "--role", "superuser", "--keys", keys)


def test_the_listening_socket_turns_nagle_off() -> None:
    """Without TCP_NODELAY every keep-alive response waits ~40 ms for a delayed ACK."""
    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        sock.close()


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    taken = listen("127.0.0.1", 0)
    try:
        port = str(taken.getsockname()[1])
        done = subprocess.run(
            [
                RAIDT,
                "serve",
                "--port",
                port,
                "--store",
                f"sqlite:///{tmp_path / 'r.db'}",
                "--keys",
                str(tmp_path / "k.db"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        taken.close()
    assert done.returncode == 1
    *before, last = done.stderr.strip().splitlines()
    assert last == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    # on a machine without npm, the one line before says the browser libraries are missing
    assert all(LIBRARIES_MISSING in line for line in before)
    assert len(before) <= 1


def test_a_store_url_of_no_kind_this_package_has_stops_serve_at_once(tmp_path: Path) -> None:
    done = subprocess.run(
        [RAIDT, "serve", "--port", "0", "--no-auth", "--keys", str(tmp_path / "k.db")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "RAIDT_STORE": "postgres://db.example/raidt"},
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == (
        "error: unsupported store URL 'postgres://db.example/raidt': "
        "expected sqlite:///path/to/file.db or neo4j://host:7687"
    )
