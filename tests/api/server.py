"""A real ``raidt serve`` on a free loopback port, in a subprocess, for the concurrency test and
the API benchmark: started, waited for, and stopped within bounded times."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx2

__all__ = ["RAIDT", "running_server"]

RAIDT = str(Path(sys.executable).parent / "raidt")


def _first_line(stream: IO[str] | None, timeout: float) -> str:
    """The first line the server prints (its address), or "" if none comes in time."""
    if stream is None:
        return ""
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True)
    reader.start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""


@contextmanager
def running_server(
    store: str, keys: Path, *, no_auth: bool = False, start_timeout: float = 30.0
) -> Iterator[str]:
    """Run ``raidt serve --port 0`` on ``store`` and yield its address once it answers."""
    command = [RAIDT, "serve", "--port", "0", "--store", store, "--keys", str(keys)]
    if no_auth:
        command.append("--no-auth")
    with tempfile.TemporaryFile("w+") as errors:
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            line = _first_line(server.stdout, start_timeout)
            if " at http://" not in line:
                errors.seek(0)
                raise RuntimeError(f"raidt serve did not start: {line!r} {errors.read()}")
            address = line.split(" at ", 1)[1].split()[0]
            deadline = time.monotonic() + start_timeout
            while httpx2.get(f"{address}/healthz", timeout=2).status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError("raidt serve never answered /healthz")
                time.sleep(0.05)
            yield address
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
            if server.stdout is not None:
                server.stdout.close()
