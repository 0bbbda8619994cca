"""docker-compose.yml wires the service to Neo4j: checked with `docker compose config` where the
docker client has the compose plugin, and by reading the file everywhere."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_the_service_is_wired_to_neo4j() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j, service = compose["services"]["neo4j"], compose["services"]["raidt"]
    assert neo4j["image"].startswith("neo4j:5.")
    assert "latest" not in neo4j["image"]
    assert "healthcheck" in neo4j
    assert service["build"] == "."
    assert service["environment"]["RAIDT_STORE"] == "neo4j://neo4j:7687"
    assert service["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert (ROOT / "Dockerfile").is_file()


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("the docker client here has no compose plugin")
    done = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={"NEO4J_PASSWORD": "check-only", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
