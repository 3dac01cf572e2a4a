"""Lab goals: statements about a design that Netloom checks, written one per line.

The form is small and close to the sentence a student reads. Keywords are case-insensitive;
an element is named by its id or by its name (in double quotes when it holds spaces), and
`outside` stands for the external networks.

    web reaches db                          reachability by design, then by a real ping
    web reaches db on tcp 5432              ... on a TCP port (after deploy: a real connect)
    web does not reach mgmt                 isolation ("must not reach" says the same)
    no errors                               the design has no validation error
    r1 is ha on 2 networking nodes          an HA router with instances on two or more nodes
    storage-net uses a vlan in storage      a VLAN within the policy's range for that role
    no single point of failure between web and db
    after crash master of r1, web reaches outside within 2 s

The last kind is behaviour: it is checked by running the drill on the deployed copy and
timing the outage a probe sees. Drills are `crash master`, `cut link`, `host failure` and
`switchover`.

`parse_goals` turns the text into typed goals, each with `words()`, the sentence shown to the
student, or raises GoalSyntaxError naming the line.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Literal

MAX_GOALS = 50
MAX_LINE = 300
OUTSIDE = "outside"
DRILLS = ("crash master", "cut link", "host failure", "switchover")
Protocol = Literal["icmp", "tcp"]


class GoalSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Reach:
    """`source` reaches `target` (or, `expected` False, must not), by ping or on a TCP port."""

    source: str
    target: str
    expected: bool = True
    protocol: Protocol = "icmp"
    port: int | None = None

    def words(self) -> str:
        verb = "reaches" if self.expected else "must not reach"
        on = f" on TCP port {self.port}" if self.protocol == "tcp" else ""
        return f"{_said(self.source)} {verb} {_said(self.target)}{on}."


@dataclass(frozen=True, slots=True)
class NoErrors:
    def words(self) -> str:
        return "The design has no validation errors."


@dataclass(frozen=True, slots=True)
class HaRouter:
    router: str
    nodes: int = 2

    def words(self) -> str:
        return f"Router {self.router} is an HA router on {self.nodes} networking nodes or more."


@dataclass(frozen=True, slots=True)
class VlanInRole:
    network: str
    role: str

    def words(self) -> str:
        return f"Network {self.network} uses a VLAN within the {self.role} range."


@dataclass(frozen=True, slots=True)
class NoSinglePoint:
    source: str
    target: str

    def words(self) -> str:
        return (
            f"No single router or network failing cuts {_said(self.source)} off from "
            f"{_said(self.target)}."
        )


@dataclass(frozen=True, slots=True)
class Survives:
    """After `drill` on `router`, `source` reaches `target` again within `seconds`."""

    drill: str
    router: str
    source: str
    target: str
    seconds: float

    def words(self) -> str:
        return (
            f"After a {self.drill} drill on router {self.router}, {_said(self.source)} "
            f"reaches {_said(self.target)} again within {self.seconds:g} s."
        )


Goal = Reach | NoErrors | HaRouter | VlanInRole | NoSinglePoint | Survives


def _said(reference: str) -> str:
    return "the outside" if reference == OUTSIDE else reference


def parse_goals(text: str) -> list[Goal]:
    """The goals of `text`, one per line; blank lines and lines starting with # are skipped."""
    goals: list[Goal] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(stripped) > MAX_LINE:
            raise GoalSyntaxError(number, f"a goal is at most {MAX_LINE} characters")
        goals.append(parse_goal(stripped, number))
        if len(goals) > MAX_GOALS:
            raise GoalSyntaxError(number, f"a lab has at most {MAX_GOALS} goals")
    return goals


def parse_goal(line: str, number: int = 1) -> Goal:
    try:
        words = shlex.split(line.replace(",", " , "), comments=False, posix=True)
    except ValueError as error:
        raise GoalSyntaxError(number, f"unbalanced quotes ({error})") from None
    for word in words:
        if any(ord(c) < 32 for c in word):
            raise GoalSyntaxError(number, "control characters are not allowed")
    return _Parser(words, number).goal()


class _Parser:
    """A goal's words, read left to right. Keywords compare case-insensitively; references
    keep their case (ids and names are case-sensitive)."""

    def __init__(self, words: list[str], line: int) -> None:
        self.words = words
        self.at = 0
        self.line = line

    def fail(self, message: str) -> GoalSyntaxError:
        return GoalSyntaxError(self.line, message)

    def peek(self, *keywords: str) -> bool:
        ahead = self.words[self.at : self.at + len(keywords)]
        return [w.lower() for w in ahead] == list(keywords)

    def take(self, *keywords: str) -> None:
        if not self.peek(*keywords):
            found = " ".join(self.words[self.at : self.at + len(keywords)]) or "the end"
            raise self.fail(f"expected '{' '.join(keywords)}', found '{found}'")
        self.at += len(keywords)

    def reference(self) -> str:
        if self.at >= len(self.words):
            raise self.fail("expected an element's id or name, found the end")
        word = self.words[self.at]
        if word == ",":
            raise self.fail("expected an element's id or name, found ','")
        self.at += 1
        return OUTSIDE if word.lower() == OUTSIDE else word

    def number(self, what: str) -> float:
        if self.at >= len(self.words):
            raise self.fail(f"expected {what}, found the end")
        word = self.words[self.at]
        if not re.fullmatch(r"\d{1,6}(\.\d{1,3})?", word):
            raise self.fail(f"expected {what}, found '{word}'")
        self.at += 1
        return float(word)

    def end(self) -> None:
        if self.at != len(self.words):
            raise self.fail(f"unexpected '{' '.join(self.words[self.at :])}' at the end")

    def goal(self) -> Goal:
        if not self.words:
            raise self.fail("the goal is empty")
        if self.peek("no", "errors") or self.peek("no", "validation", "errors"):
            self.at += 2 if self.peek("no", "errors") else 3
            self.end()
            return NoErrors()
        if self.peek("no", "single", "point", "of", "failure", "between"):
            self.at += 6
            source = self.reference()
            self.take("and")
            target = self.reference()
            self.end()
            return NoSinglePoint(source, target)
        if self.peek("after"):
            return self.survives()
        subject = self.reference()
        if self.peek("reaches"):
            self.at += 1
            return self.reach(subject, expected=True)
        for negation in (("does", "not", "reach"), ("must", "not", "reach")):
            if self.peek(*negation):
                self.at += 3
                return self.reach(subject, expected=False)
        if self.peek("is", "ha", "on"):
            self.at += 3
            nodes = self.number("a number of networking nodes")
            if nodes != int(nodes) or not 2 <= nodes <= 16:
                raise self.fail("an HA router runs on 2 to 16 networking nodes")
            self.take("networking", "nodes")
            self.end()
            return HaRouter(subject, int(nodes))
        if self.peek("uses", "a", "vlan", "in"):
            self.at += 4
            role = self.reference()
            if self.peek("range"):
                self.at += 1
            self.end()
            return VlanInRole(subject, role)
        raise self.fail(
            "expected 'reaches', 'does not reach', 'is ha on', or 'uses a vlan in' after "
            f"'{subject}'"
        )

    def reach(self, source: str, expected: bool) -> Reach:
        target = self.reference()
        protocol: Protocol = "icmp"
        port = None
        if self.peek("on", "tcp"):
            self.at += 2
            value = self.number("a TCP port")
            if value != int(value) or not 1 <= value <= 65535:
                raise self.fail("a TCP port is a whole number from 1 to 65535")
            protocol, port = "tcp", int(value)
        elif self.peek("on", "icmp") or self.peek("by", "ping"):
            self.at += 2
        self.end()
        return Reach(source, target, expected, protocol, port)

    def survives(self) -> Survives:
        self.take("after")
        drill = next((d for d in DRILLS if self.peek(*d.split())), None)
        if drill is None:
            raise self.fail(f"expected a drill ({', '.join(DRILLS)}) after 'after'")
        self.at += len(drill.split())
        self.take("of")
        router = self.reference()
        self.take(",")
        source = self.reference()
        self.take("reaches")
        target = self.reference()
        self.take("within")
        seconds = self.number("a number of seconds")
        if not 0 < seconds <= 60:
            raise self.fail("the time is more than 0 and at most 60 seconds")
        if self.peek("s") or self.peek("seconds") or self.peek("second"):
            self.at += 1
        self.end()
        return Survives(drill, router, source, target, seconds)
