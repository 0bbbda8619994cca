"""POST /delegations and POST /templates/{id}/versions: what only admins record."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.keys import Role
from provenance.stores import SQLiteStore
from tests.api.conftest import enc
from tests.factories import h, iri, person

Headers = dict[Role, dict[str, str]]
TEMPLATE = "https://hospital.example/templates/discharge-summary"


def delegation() -> dict[str, Any]:
    return {
        "type": "delegation",
        "id": iri("delegations/bo-for-ana"),
        "delegate": person("bo"),
        "responsible": person("ana"),
        "scope": ["discharge summary"],
        "valid_from": "2026-01-01T00:00:00+00:00",
    }


def version(template: str = TEMPLATE, name: str = "v4") -> dict[str, Any]:
    return {
        "type": "template_version",
        "id": f"{template}/{name}",
        "template": template,
        "version": name,
        "content_hash": h(name),
        "author": {"id": "https://hospital.example/people/lena-brandt", "name": "Lena Brandt"},
        "created_at": "2026-04-01T09:00:00+00:00",
        "previous": f"{TEMPLATE}/v3",
    }


def test_an_admin_records_a_delegation(
    client: TestClient, headers: Headers, demo_store: SQLiteStore
) -> None:
    answer = client.post("/delegations", json=delegation(), headers=headers[Role.ADMIN])
    assert answer.status_code == 201, answer.text
    assert demo_store.record(iri("delegations/bo-for-ana")) is not None
    # the delegate's node, where the delegation is listed among its relations
    delegate = client.get(answer.headers["location"], headers=headers[Role.ADMIN])
    assert delegate.status_code == 200
    assert any(
        r["kind"] == "actedOnBehalfOf" and r["other"] == iri("people/ana")
        for r in delegate.json()["relations"]
    )


@pytest.mark.parametrize("role", [Role.RECORDER, Role.REVIEWER, Role.AUDITOR])
def test_only_admins_record_delegations_and_templates(
    client: TestClient, headers: Headers, role: Role
) -> None:
    assert client.post("/delegations", json=delegation(), headers=headers[role]).status_code == 403
    path = f"/templates/{enc(TEMPLATE)}/versions"
    assert client.post(path, json=version(), headers=headers[role]).status_code == 403


@pytest.mark.parametrize(
    "template",
    [
        enc(TEMPLATE),
        "hospital:templates%2Fdischarge-summary",
        "hospital:templates/discharge-summary",
    ],
)
def test_an_admin_registers_a_template_version(
    client: TestClient, headers: Headers, template: str
) -> None:
    answer = client.post(
        f"/templates/{template}/versions", json=version(), headers=headers[Role.ADMIN]
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["written"] == [f"{TEMPLATE}/v4"]


def test_a_version_of_another_template_is_refused(client: TestClient, headers: Headers) -> None:
    other = "https://hospital.example/templates/gp-referral-letter"
    answer = client.post(
        f"/templates/{enc(other)}/versions", json=version(), headers=headers[Role.ADMIN]
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("field template:")
    [failed] = answer.json()["errors"]
    assert (failed["field"], failed["location"]) == ("template", ["body", "template"])
    assert failed["message"].endswith(f"is not the template in the path, {other}")
