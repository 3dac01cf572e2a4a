"""The OpenAPI schema generates without a warning and documents every error code and the 409;
the public catalogs answer what the code defines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from designer.api.errors import ERROR_CODES
from designer.spec import document_json_schema
from designer.validation import CODES
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    # --fail-on-warn turns any warning (an unresolved serializer, a clashing name) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(Path(path).read_text())


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_error_code_is_in_the_schema(schema: dict[str, Any]) -> None:
    schemas = schema["components"]["schemas"]
    reference = schemas["Error"]["properties"]["code"]["$ref"]
    assert set(schemas[reference.rsplit("/", 1)[1]]["enum"]) == set(ERROR_CODES)


def test_saving_a_document_documents_the_stale_answer(schema: dict[str, Any]) -> None:
    for path in (
        "/api/v1/topologies/{topology_id}/document/",
        "/api/v1/topologies/{topology_id}/revisions/{number}/restore/",
    ):
        methods = schema["paths"][path]
        operation = methods.get("put") or methods["post"]
        conflict = operation["responses"]["409"]
        assert "stale_revision" in conflict["description"]
        reference = conflict["content"]["application/json"]["schema"]["$ref"]
        stale = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]
        assert {"current_revision", "document"} <= set(stale["properties"])


def test_every_protected_operation_documents_401_and_every_write_400(
    schema: dict[str, Any],
) -> None:
    public = {"/api/v1/auth/token/", "/api/v1/auth/session/"}
    public |= {"/api/v1/schema/topology/", "/api/v1/validation/codes/"}
    for path, method, operation in _operations(schema):
        if not path.startswith("/api/v1/") or path in public:
            continue
        assert "401" in operation["responses"], (path, method)
        if method in {"post", "put", "patch"}:
            assert "400" in operation["responses"], (path, method)
            assert "413" in operation["responses"], (path, method)


def test_error_responses_list_their_codes(schema: dict[str, Any]) -> None:
    responses = schema["paths"]["/api/v1/projects/{project_id}/members/{username}/"]["patch"][
        "responses"
    ]
    assert "last_owner" in responses["409"]["description"]
    assert "not_found" in responses["404"]["description"]


def test_the_schema_is_served() -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/topologies/" in response.json()["paths"]


def test_the_document_schema_endpoint_serves_the_parser_schema() -> None:
    response = APIClient().get(API + "schema/topology/")
    assert response.status_code == 200
    assert response.json() == document_json_schema()


def test_the_codes_catalog_lists_every_finding_code_once() -> None:
    codes = APIClient().get(API + "validation/codes/").json()
    assert sorted(c["code"] for c in codes) == sorted(CODES)
    for entry in codes:
        declared = CODES[entry["code"]]
        assert entry["severity"] == declared.severity.value
        assert entry["summary"] == declared.summary
        assert entry["area"]
