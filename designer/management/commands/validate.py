"""`manage.py validate FILE`: check a topology document written as YAML or JSON (topology as
code) with the same parser and rules as the API, without a database.

Exit status 1 when the file does not parse or a finding is an error, 0 otherwise, so it can
gate a commit or a CI job. `--hosts` and `--policy` add the host registry and the VLAN policy to
the context; without them the rules that need them are skipped.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from designer.spec import Document, DocumentError, FieldError, load_document_text
from designer.spec.document import TOO_DEEP
from designer.spec.fields import HOST_PATTERN, PHYSNET_PATTERN
from designer.spec.policy import PolicyError, parse_physical_networks, parse_policy
from designer.validation import (
    Finding,
    HostInfo,
    Severity,
    ValidationContext,
    VlanPolicy,
    validate,
)
from designer.validation.context import HOST_ROLES

MAX_HOSTS = 10_000
_HOST_ROLES = {"network": {"network"}, "compute": {"compute"}, "both": set(HOST_ROLES)}
_HOST_FIELDS = {"name", "role", "physical_networks", "external"}
# Control characters other than tab; shown escaped so a file cannot drive the terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class InputError(Exception):
    """An input file is unreadable or malformed; carries field errors like the parser."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))


def read_text(name: str) -> str:
    """The text of a file, or of standard input for '-', refusing what the API would refuse."""
    limit = settings.NETLOOM_MAX_REQUEST_BYTES
    try:
        if name == "-":
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with Path(name).open("rb") as stream:
                data = stream.read(limit + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError([FieldError("(document)", f"is larger than {limit} bytes")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            [FieldError("(document)", f"is not UTF-8 text (byte {exc.start})")]
        ) from None


def load_data(name: str, what: str) -> Any:
    text = read_text(name)
    try:
        return yaml.safe_load(text)  # YAML is a superset of JSON
    except yaml.YAMLError as exc:
        raise InputError([FieldError(what, f"is not valid JSON or YAML: {exc}")]) from None
    except RecursionError:
        raise InputError([FieldError(what, TOO_DEEP)]) from None


def load_document(name: str) -> Document:
    return load_document_text(read_text(name), filename=name)


def parse_hosts(data: Any) -> dict[str, HostInfo]:
    """A host registry written as a list of {name, role, physical_networks, external}.

    `physical_networks` is a list of names or, as in the registry, a mapping of name to
    interface."""
    if not isinstance(data, list) or len(data) > MAX_HOSTS:
        raise InputError([FieldError("hosts", f"must be a list of at most {MAX_HOSTS} hosts")])
    hosts: dict[str, HostInfo] = {}
    errors: list[FieldError] = []
    for i, item in enumerate(data):
        path = f"hosts[{i}]"
        if not isinstance(item, dict):
            errors.append(FieldError(path, "must be an object"))
            continue
        for key in sorted(set(item) - _HOST_FIELDS, key=str):
            errors.append(FieldError(f"{path}.{key}", "unknown field"))
        name = item.get("name")
        if not isinstance(name, str) or not re.fullmatch(HOST_PATTERN, name):
            errors.append(
                FieldError(f"{path}.name", "must be a host name: lower-case letters, digits, '-'")
            )
            continue
        if name in hosts:
            errors.append(FieldError(f"{path}.name", f"host '{name}' is listed twice"))
        role = item.get("role", "both")
        if role not in _HOST_ROLES:
            errors.append(FieldError(f"{path}.role", "must be network, compute or both"))
            continue
        external = item.get("external", False)
        if not isinstance(external, bool):
            errors.append(FieldError(f"{path}.external", "must be true or false"))
            continue
        physnets = item.get("physical_networks", [])
        try:
            names = _physical_network_names(physnets)
        except PolicyError as exc:
            errors.append(FieldError(f"{path}.{exc.field}", exc.message))
            continue
        hosts[name] = HostInfo(name, frozenset(_HOST_ROLES[role]), names, external)
    if errors:
        raise InputError(errors)
    return hosts


def _physical_network_names(value: Any) -> frozenset[str]:
    if isinstance(value, dict):
        return frozenset(parse_physical_networks(value))
    if not isinstance(value, list) or len(value) > 64:
        raise PolicyError("physical_networks", "must be a list of names or name: interface")
    for index, name in enumerate(value):
        if not isinstance(name, str) or not re.fullmatch(PHYSNET_PATTERN, name):
            raise PolicyError(
                f"physical_networks[{index}]",
                "must be a physical network name: a letter, then letters, digits, '-' or '_'",
            )
    return frozenset(value)


def parse_policy_file(data: Any) -> VlanPolicy:
    """A VLAN policy as the admin writes it: {ranges: {role: [[low, high]]}, forbidden_pairs}."""
    if not isinstance(data, dict):
        raise InputError([FieldError("policy", "must be an object with ranges, forbidden_pairs")])
    unknown = sorted(set(data) - {"ranges", "forbidden_pairs"}, key=str)
    if unknown:
        raise InputError([FieldError(f"policy.{unknown[0]}", "unknown field")])
    try:
        return parse_policy(data.get("ranges", {}), data.get("forbidden_pairs", []))
    except PolicyError as exc:
        raise InputError([FieldError(f"policy.{exc.field}", exc.message)]) from None


def counts_of(findings: list[Finding]) -> dict[str, int]:
    counted = Counter(f.severity for f in findings)
    return {severity.value: counted.get(severity, 0) for severity in Severity}


def summary(counts: dict[str, int]) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}" if n == 1 else f"{n} {word}s"

    return (
        f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{counts['info']} info."
    )


class Command(BaseCommand):
    help = (
        "Validate a topology document (YAML or JSON; '-' reads standard input). Exit status 1 "
        "when it does not parse or has an error finding."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the document, or - for standard input")
        parser.add_argument("--format", choices=["human", "json"], default="human")
        parser.add_argument(
            "--hosts", help="YAML/JSON list of hosts: name, role, physical_networks, external"
        )
        parser.add_argument("--policy", help="YAML/JSON VLAN policy: ranges and forbidden_pairs")

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["file"]
        as_json = options["format"] == "json"
        source = f"{name} is not a valid topology document"
        try:
            hosts = policy = None
            if options["hosts"]:
                source = f"{options['hosts']} is not a valid host list"
                hosts = parse_hosts(load_data(options["hosts"], "hosts"))
            if options["policy"]:
                source = f"{options['policy']} is not a valid VLAN policy"
                policy = parse_policy_file(load_data(options["policy"], "policy"))
            source = f"{name} is not a valid topology document"
            document = load_document(name)
        except (DocumentError, InputError) as exc:
            self._report_errors(exc.errors, as_json)
            raise CommandError(source, returncode=1) from None

        findings = validate(document, ValidationContext(hosts=hosts, policy=policy))
        counts = counts_of(findings)
        if as_json:
            body = {"findings": [f.as_dict() for f in findings], "counts": counts}
            self.stdout.write(json.dumps(body, indent=2))
        else:
            for finding in findings:
                elements = ",".join(finding.elements) or "-"
                line = (
                    f"{finding.severity.value:<7} {finding.code:<32} {elements}  {finding.message}"
                )
                self.stdout.write(_printable(line))
            self.stdout.write(summary(counts))
        if counts["error"]:
            raise CommandError(f"{name}: {summary(counts)}", returncode=1)

    def _report_errors(self, errors: list[FieldError], as_json: bool) -> None:
        if as_json:
            body = {
                "code": "invalid_document",
                "detail": "The input is not a valid topology document.",
                "errors": [e.as_dict() for e in errors],
            }
            self.stdout.write(json.dumps(body, indent=2))
            return
        for error in errors:
            self.stdout.write(_printable(f"{error.path}: {error.message}"))
