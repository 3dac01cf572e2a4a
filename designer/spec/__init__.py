"""The topology document: its typed elements, its parser and its JSON Schema."""

from designer.spec.document import (
    ELEMENT_LISTS,
    Document,
    DocumentError,
    DocumentFormat,
    FieldError,
    Layout,
    document_json_schema,
    dump_document_text,
    load_document_text,
    parse_document,
)

__all__ = [
    "ELEMENT_LISTS",
    "Document",
    "DocumentError",
    "DocumentFormat",
    "FieldError",
    "Layout",
    "document_json_schema",
    "dump_document_text",
    "load_document_text",
    "parse_document",
]
