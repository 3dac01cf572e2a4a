"""Pause Python's cyclic garbage collector around bulk work that allocates many objects
but makes no reference cycles (parsing and validating a large document).

Left on, the collector runs a full generation-2 pass again and again as the parsed objects
pile up, which makes parsing a 50,000-element document several times slower than its
allocations warrant. Reference counting still frees everything as usual; the pause only
defers cycle detection, and nested or concurrent pauses restore it when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
