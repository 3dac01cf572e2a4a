"""The topology document: its typed elements, its parser and its JSON Schema."""

from designer.spec.document import (
    ELEMENT_LISTS,
    Document,
    DocumentError,
    FieldError,
    Layout,
    document_json_schema,
    load_document_text,
    parse_document,
)

__all__ = [
    "ELEMENT_LISTS",
    "Document",
    "DocumentError",
    "FieldError",
    "Layout",
    "document_json_schema",
    "load_document_text",
    "parse_document",
]
