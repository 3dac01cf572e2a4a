"""Address arithmetic and message wording shared by the addressing rules.

Addresses are compared as integers: the index has parsed them once, and sorting integers is
what keeps the overlap checks at n log n on documents of tens of thousands of elements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from designer.validation.index import IPNetwork

Name = TypeVar("Name")


def span(network: IPNetwork) -> tuple[int, int]:
    """The first and last address of a network, as integers."""
    # Arithmetic rather than broadcast_address, which builds two address objects per network.
    first = int(network.network_address)
    return first, first + (1 << (network.max_prefixlen - network.prefixlen)) - 1


def has_reserved(network: IPNetwork) -> bool:
    # Point-to-point links (IPv4 /31, RFC 3021; IPv6 /127, RFC 6164) and single hosts use every
    # address they have.
    return network.prefixlen < (31 if network.version == 4 else 127)


def usable(network: IPNetwork) -> tuple[int, int]:
    """The addresses a host may hold: all but the network address and the IPv4 broadcast."""
    first, last = span(network)
    if not has_reserved(network):
        return first, last
    return first + 1, last - 1 if network.version == 4 else last


def reserved_kind(value: int, network: IPNetwork) -> str | None:
    """Which reserved address of `network` the address `value` (inside it) is, if any."""
    low, high = usable(network)
    if low <= value <= high:
        return None
    return "network address" if value == int(network.network_address) else "broadcast address"


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


def by_version(spans: Iterable[tuple[int, int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """(version, first, last, name) spans split into one list per IP version."""
    split: dict[int, list[tuple[int, int, str]]] = {}
    for version, first, last, name in spans:
        split.setdefault(version, []).append((first, last, name))
    return list(split.values())


def join_and(parts: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(parts)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]
