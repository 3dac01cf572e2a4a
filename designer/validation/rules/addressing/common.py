"""Address arithmetic and message wording shared by the addressing rules.

Addresses are compared as integers (the index parses them once), and sorting integers is what
keeps the overlap checks at n log n on documents of tens of thousands of elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from designer.validation.index import CidrRange

Name = TypeVar("Name")


def reserved_kind(value: int, cidr: CidrRange) -> str | None:
    """Which reserved address of `cidr` the address `value` (inside it) is, if any."""
    low, high = cidr.usable
    if low <= value <= high:
        return None
    return "network address" if value == cidr.first else "broadcast address"


def overlaps(spans: list[tuple[int, int, Name]]) -> Iterator[tuple[Name, Name]]:
    """(earlier, later) for each span that overlaps one before it, in one sorted sweep.

    Sorted by start (widest first on a tie), a span overlaps an earlier one exactly when it
    starts before the furthest end seen so far; it is paired with the span that reaches there.
    Spans must all be of one IP version.
    """
    spans.sort(key=lambda span: (span[0], -span[1]))
    reach, holder = -1, None
    for first, last, name in spans:
        if holder is not None and first <= reach:
            yield holder, name
        if last > reach:
            reach, holder = last, name


def join_and(parts: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(parts)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]
