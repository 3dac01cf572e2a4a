"""A deployment's iptables rules in one namespace: read from `iptables-save` (only its own
chains, and the rules in built-in chains that jump to them), changed with one
`iptables-restore --noflush` per table, whose input `render.iptables_restore_input` writes.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from tasks.drivers.kernel import run
from tasks.planner.state import Rule


@dataclass(frozen=True)
class TableRules:
    """What one table holds that a deployment owns: its chains (name -> rules, in order) and
    the rules in built-in chains that jump to them."""

    chains: tuple[tuple[str, tuple[Rule, ...]], ...]
    hooks: tuple[tuple[str, Rule], ...]

    def __bool__(self) -> bool:
        return bool(self.chains or self.hooks)


def _target(rule: Rule) -> str | None:
    for flag, value in pairwise(rule):
        if flag in ("-j", "--jump", "-g", "--goto"):
            return value
    return None


def parse_save(text: str, owns: Callable[[str], bool]) -> dict[str, TableRules]:
    """The owned part of each table in `iptables-save` output."""
    out: dict[str, TableRules] = {}
    table = ""
    builtin: set[str] = set()
    chains: dict[str, list[Rule]] = {}
    hooks: list[tuple[str, Rule]] = []
    for line in text.splitlines():
        if line.startswith("*"):
            table, builtin, chains, hooks = line[1:], set(), {}, []
        elif line.startswith(":"):
            name, policy = line[1:].split()[:2]
            if owns(name):
                chains[name] = []
            elif policy != "-":
                builtin.add(name)
        elif line.startswith("-A "):
            tokens = shlex.split(line)
            chain, rule = tokens[1], tuple(tokens[2:])
            if chain in chains:
                chains[chain].append(rule)
            elif chain in builtin and owns(_target(rule) or ""):
                hooks.append((chain, rule))
        elif line == "COMMIT":
            found = TableRules(
                tuple((name, tuple(rules)) for name, rules in chains.items()), tuple(hooks)
            )
            if found:
                out[table] = found
    return out


def read(namespace: str | None, owns: Callable[[str], bool]) -> dict[str, TableRules]:
    return parse_save(run(namespace, "iptables-save"), owns)


def restore(namespace: str | None, text: str) -> None:
    run(namespace, "iptables-restore", "--noflush", stdin=text)
