"""`manage.py validate`: human and JSON output, exit status, parse errors, hosts and policy."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from designer.demo import DEMO_DIR
from tests.builders import net, subnet

ROOT = Path(__file__).resolve().parents[2]
CLEAN = DEMO_DIR / "docker-bridge.yaml"


def run(*args: str) -> tuple[str, CommandError | None]:
    """Run the command in-process: its standard output and the error it exited with."""
    out = StringIO()
    try:
        call_command("validate", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data))
    return str(path)


def bad_subnet_document() -> dict[str, Any]:
    return {
        "networks": [net("n1")],
        "subnets": [subnet("s1", "n1", "10.0.0.5/24")],  # host bits set
    }


def test_clean_document_passes_with_a_summary() -> None:
    out, error = run(str(CLEAN))
    assert error is None
    assert re.fullmatch(r"0 errors, \d+ warnings?, \d+ info\.", out.splitlines()[-1])


def test_error_finding_prints_one_line_per_finding_and_exits_1(tmp_path: Path) -> None:
    out, error = run(write(tmp_path, "bad.yaml", bad_subnet_document()))
    assert error is not None
    assert error.returncode == 1
    line = next(line for line in out.splitlines() if "subnet.cidr_host_bits" in line)
    severity, code, elements, *_ = line.split()
    assert (severity, code, elements) == ("error", "subnet.cidr_host_bits", "s1")
    assert "10.0.0.0/24" in line
    assert out.splitlines()[-1].startswith("1 error, ")


def test_json_output_has_findings_and_counts(tmp_path: Path) -> None:
    out, error = run(write(tmp_path, "bad.json", bad_subnet_document()), "--format", "json")
    assert error is not None
    body = json.loads(out)
    assert set(body) == {"findings", "counts"}
    assert body["counts"]["error"] >= 1
    assert set(body["counts"]) == {"error", "warning", "info"}
    finding = next(f for f in body["findings"] if f["code"] == "subnet.cidr_host_bits")
    assert finding["severity"] == "error"
    assert finding["elements"] == ["s1"]
    assert finding["message"]


def test_json_output_of_a_clean_document(tmp_path: Path) -> None:
    out, error = run(str(CLEAN), "--format", "json")
    assert error is None
    assert json.loads(out)["counts"]["error"] == 0


def test_parse_error_names_each_field_path(tmp_path: Path) -> None:
    data = {
        "networks": [{"id": "n1", "kind": "warp_drive"}],
        "subnets": [{"id": "s1", "network": "n1", "cidr": "10.0.0.0/24", "colour": "red"}],
    }
    out, error = run(write(tmp_path, "bad.yaml", data))
    assert error is not None
    assert error.returncode == 1
    assert "not a valid topology document" in str(error)
    lines = out.splitlines()
    assert any(line.startswith("networks[0].kind: unknown kind") for line in lines)
    assert any(line.startswith("subnets[0].colour: ") for line in lines)


def test_parse_error_as_json_uses_the_api_error_format(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("networks: [\n")
    out, error = run(str(path), "--format", "json")
    assert error is not None
    body = json.loads(out)
    assert body["code"] == "invalid_document"
    assert body["errors"][0]["path"] == "(document)"
    assert "not valid JSON or YAML" in body["errors"][0]["message"]


def test_deeply_nested_input_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("networks: " + "[" * 50_000 + "]" * 50_000 + "\n")
    out, error = run(str(path))
    assert error is not None
    assert out.strip() == "(document): nests too deeply to be a topology document"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    _, error = run(str(tmp_path / "nowhere.yaml"))
    assert error is not None
    assert "cannot read" in str(error)


def test_control_characters_from_the_input_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text('networks:\n  - {id: n1, kind: self_service, name: "a\\e[31mred"}\n')
    out, error = run(str(path))
    assert error is not None
    assert "\x1b" not in out
    assert out.startswith("networks[0].name: ")


HOSTS = [
    {"name": "network-1", "role": "network", "physical_networks": ["external"], "external": True},
    {"name": "compute-1", "role": "compute", "physical_networks": {"physnet1": "eth1"}},
]


def test_hosts_file_feeds_the_host_rules(tmp_path: Path) -> None:
    router = {"id": "r1", "hosts": ["network-9"]}
    doc = write(tmp_path, "router.yaml", {"routers": [router]})
    _, without_hosts = run(doc)
    assert without_hosts is None
    out, error = run(doc, "--hosts", write(tmp_path, "hosts.yaml", HOSTS), "--format", "json")
    assert error is not None
    unknown = [f for f in json.loads(out)["findings"] if f["code"] == "ha.unknown_host"]
    assert unknown
    assert unknown[0]["elements"][0] == "r1"


def test_bad_hosts_file_names_the_field(tmp_path: Path) -> None:
    hosts = [{"name": "network-1", "role": "router"}, {"name": "Bad Name"}]
    out, error = run(str(CLEAN), "--hosts", write(tmp_path, "hosts.json", hosts))
    assert error is not None
    assert "not a valid host list" in str(error)
    assert "hosts[0].role: must be network, compute or both" in out
    assert "hosts[1].name: " in out


def test_policy_file_feeds_the_policy_rules(tmp_path: Path) -> None:
    network = net("storage", "provider", physical_network="physnet1", network_type="vlan")
    network.update(segmentation_id=200, role="storage")
    doc = write(tmp_path, "vlan.yaml", {"networks": [network]})
    policy = {"ranges": {"storage": [[30, 39]]}, "forbidden_pairs": []}
    out, error = run(doc, "--policy", write(tmp_path, "policy.yaml", policy), "--format", "json")
    assert error is not None
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert "policy.vlan_outside_range" in codes
    _, without_policy = run(doc)
    assert without_policy is None


def test_bad_policy_file_names_the_field(tmp_path: Path) -> None:
    policy = {"ranges": {"storage": [[39, 30]]}}
    out, error = run(str(CLEAN), "--policy", write(tmp_path, "policy.yaml", policy))
    assert error is not None
    assert "policy.ranges.storage[0]: " in out


def manage(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_exit_status_of_the_real_command_and_stdin() -> None:
    clean = manage("validate", str(CLEAN))
    assert clean.returncode == 0, clean.stderr
    bad = manage("validate", "-", "--format", "json", stdin=json.dumps(bad_subnet_document()))
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["counts"]["error"] >= 1
    assert "1 error" in bad.stderr
    broken = manage("validate", "-", stdin="{not json")
    assert broken.returncode == 1
    assert broken.stdout.startswith("(document): is not valid JSON or YAML")
