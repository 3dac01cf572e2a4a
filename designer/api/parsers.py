"""The one body format of the API: JSON, refused with a clear error when it cannot be stored.

Beyond DRF's JSON parser this refuses bodies nested deeper than Python can follow (which would
otherwise surface as a 500), and strings holding a NUL character or an unpaired surrogate: both
decode as JSON but no database column or JSON column takes them, so they are refused with the
path of the string before anything tries to store them.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from designer.api.errors import input_error
from designer.spec import FieldError

_UNSTORABLE = "holds a NUL character or an unpaired surrogate, which cannot be stored"


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_path(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) that cannot be stored, or None."""
    if isinstance(value, str):
        return None if _storable(value) else (path or "(body)")
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if not _storable(key):
                return path or "(body)"
            found = unstorable_path(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def _may_hold_unstorable(data: Any) -> bool:
    # json.dumps keeps a NUL escaped and leaves an unpaired surrogate raw (encode then fails).
    text = json.dumps(data, ensure_ascii=False)
    return "\\u0000" in text or not _storable(text)


class JSONBodyParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            # One C-speed pass decides whether the slow walk that finds the path is needed.
            suspect = _may_hold_unstorable(data)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if suspect:
            path = unstorable_path(data)
            if path is not None:
                raise input_error([FieldError(path, _UNSTORABLE)])
        return data
