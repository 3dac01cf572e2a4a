"""Properties of the parser, found with hypothesis:

- on any JSON value, and on valid documents with random changes, `parse_document` returns a
  Document or raises DocumentError, never anything else;
- a Document survives `to_json()` and parsing again unchanged;
- the JSON Schema the front end is generated from accepts every document the parser accepts.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.spec import Document, DocumentError, document_json_schema, parse_document
from tests.unit.spec.strategies import JSON_VALUES, documents, mutated_documents

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SCHEMA = jsonschema.Draft202012Validator(document_json_schema())


def parse_or_none(data: Any) -> Document | None:
    """The Document, or None when the parser refused it with DocumentError. Any other
    exception escapes and fails the property."""
    try:
        document = parse_document(data)
    except DocumentError as exc:
        refused = exc
    else:
        assert isinstance(document, Document)
        return document
    assert refused.errors, "a DocumentError must name at least one field"
    for error in refused.errors:
        assert error.path
        assert error.message
    return None


def changed_types(raw: Any, canonical: Any) -> bool:
    """Whether the parser turned a value of `raw` into another JSON type on its way to
    `canonical` (pydantic's lax mode reads "1500" as 1500, "yes" as true). Integers and floats
    are both JSON numbers."""
    if isinstance(raw, dict):
        return not isinstance(canonical, dict) or any(
            changed_types(value, canonical.get(key)) for key, value in raw.items()
        )
    if isinstance(raw, list):
        return (
            not isinstance(canonical, list)
            or len(raw) != len(canonical)
            or any(changed_types(a, b) for a, b in zip(raw, canonical, strict=True))
        )
    if isinstance(raw, bool) or isinstance(canonical, bool):
        return type(raw) is not type(canonical)
    if isinstance(raw, int | float) and isinstance(canonical, int | float):
        return False
    return type(raw) is not type(canonical)


def check_accepted(raw: Any, document: Document) -> None:
    canonical = document.to_json()
    # Round trip: the stored form parses back to the same document and the same JSON.
    again = parse_document(canonical)
    assert again == document
    assert again.to_json() == canonical
    # The schema accepts the stored form, and the input itself unless the parser coerced a
    # value (that case is pinned in test_parse_errors.py).
    SCHEMA.validate(canonical)
    if not changed_types(raw, canonical):
        SCHEMA.validate(raw)


@PROPERTY_SETTINGS
@given(JSON_VALUES)
def test_any_json_value_parses_or_is_refused_with_field_errors(data: Any) -> None:
    document = parse_or_none(data)
    if document is not None:
        check_accepted(data, document)


@PROPERTY_SETTINGS
@given(st.dictionaries(st.sampled_from(["networks", "subnets", "layout", "x"]), JSON_VALUES))
def test_document_shaped_values_parse_or_are_refused(data: dict[str, Any]) -> None:
    document = parse_or_none(data)
    if document is not None:
        check_accepted(data, document)


@PROPERTY_SETTINGS
@given(documents())
def test_valid_documents_parse_round_trip_and_match_the_schema(data: dict[str, Any]) -> None:
    document = parse_document(data)
    check_accepted(data, document)


@PROPERTY_SETTINGS
@given(mutated_documents())
def test_mutated_documents_parse_or_are_refused_with_field_errors(data: Any) -> None:
    document = parse_or_none(data)
    if document is not None:
        check_accepted(data, document)
