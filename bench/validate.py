"""Benchmark: full validation of generated topologies of 1,000, 10,000 and 50,000 elements.

For each size it prints the time of the whole validation (every rule, graphs included), the
time networkx alone takes to build the graphs of the same document (the floor, measured in the
same run), their ratio (each validation timed right beside a floor, so that the machine's drift
does not enter it), the time to parse the JSON document, and the peak memory of a validation.
Targets: 10,000 elements in at most 0.3 s and within 3 times the floor; 50,000 in at most 2 s.

    python bench/validate.py [--sizes 1000,10000,50000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

from designer import graph
from designer.gcpause import paused_gc
from designer.spec import Document, parse_document
from designer.validation import (
    DEFAULT_QUOTAS,
    HostInfo,
    ValidationContext,
    VlanPolicy,
    validate,
)
from designer.validation.index import TopologyIndex

INSTANCES_PER_TENANT = 8
# networks, subnet, router, router port, instances with a port each, two floating IPs
ELEMENTS_PER_TENANT = 1 + 1 + 1 + 1 + 2 * INSTANCES_PER_TENANT + 2


def generate(elements: int) -> dict[str, Any]:
    """A document of about `elements` elements: one external provider network and many tenant
    blocks, each a self-service network and subnet behind a router with a gateway, eight
    instances with a port each, and two floating IPs. Every address is distinct and valid, so
    the rules do all their work instead of stopping early."""
    tenants = max(1, (elements - 2) // ELEMENTS_PER_TENANT)
    networks: list[dict[str, Any]] = [
        {
            "id": "ext",
            "name": "external",
            "kind": "provider",
            "physical_network": "external",
            "external": True,
            "role": "external",
        }
    ]
    subnets: list[dict[str, Any]] = [
        {"id": "ext-sub", "network": "ext", "cidr": "100.64.0.0/10", "gateway_ip": "100.64.0.1"}
    ]
    ports: list[dict[str, Any]] = []
    instances: list[dict[str, Any]] = []
    routers: list[dict[str, Any]] = []
    floating_ips: list[dict[str, Any]] = []
    for t in range(tenants):
        octet2, octet3 = divmod(t, 256)
        prefix = f"10.{octet2}.{octet3}"
        net, sub, router = f"n{t}", f"s{t}", f"r{t}"
        networks.append({"id": net, "name": f"tenant {t}", "kind": "self_service", "vni": 1000 + t})
        subnets.append(
            {
                "id": sub,
                "network": net,
                "cidr": f"{prefix}.0/24",
                "gateway_ip": f"{prefix}.1",
                "allocation_pools": [{"start": f"{prefix}.10", "end": f"{prefix}.250"}],
                "dns_nameservers": ["192.0.2.53"],
            }
        )
        routers.append(
            {
                "id": router,
                "name": f"router {t}",
                "external_gateway": {"network": "ext"},
            }
        )
        ports.append(
            {
                "id": f"rp{t}",
                "network": net,
                "device": router,
                "fixed_ips": [{"subnet": sub, "ip_address": f"{prefix}.1"}],
            }
        )
        for i in range(INSTANCES_PER_TENANT):
            vm, port = f"vm{t}x{i}", f"p{t}x{i}"
            instances.append({"id": vm, "name": f"vm {t}-{i}", "kind": "vm"})
            ports.append(
                {
                    "id": port,
                    "network": net,
                    "device": vm,
                    "fixed_ips": [{"subnet": sub, "ip_address": f"{prefix}.{10 + i}"}],
                }
            )
        for i in range(2):
            n = 2 * t + i + 2
            floating_ips.append(
                {
                    "id": f"fip{t}x{i}",
                    "network": "ext",
                    "port": f"p{t}x{i}",
                    "floating_ip_address": f"100.{64 + n // 65536}.{n // 256 % 256}.{n % 256}",
                }
            )
    return {
        "networks": networks,
        "subnets": subnets,
        "ports": ports,
        "instances": instances,
        "routers": routers,
        "floating_ips": floating_ips,
    }


def context_for(document: Document) -> ValidationContext:
    """A context with hosts, a policy and quotas, so the rules that need them run too."""
    hosts = {
        "network-1": HostInfo("network-1", frozenset({"network"}), frozenset({"external"}), True),
        "network-2": HostInfo("network-2", frozenset({"network"}), frozenset({"external"}), True),
        "compute-1": HostInfo("compute-1", frozenset({"compute"})),
    }
    policy = VlanPolicy(
        ranges={"external": ((40, 49),), "storage": ((30, 39),)},
        forbidden_pairs=frozenset({frozenset({"storage", "external"})}),
    )
    return ValidationContext(
        hosts=hosts,
        policy=policy,
        quotas={kind: 1_000_000 for kind in DEFAULT_QUOTAS},
        author_is_admin=True,
        base=document,
    )


def best(function: Callable[[], object], repeat: int) -> float:
    """The median of `repeat` timed runs, garbage collected before each."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor_once(document: Document) -> float:
    """What networkx alone costs, once: building the routed and bridging graphs of the document
    (validation walks the same routed graph as plain dicts), from a fresh index (the graphs
    read the elements themselves, so nothing is prepared for them outside the timing)."""
    index = TopologyIndex(document)
    gc.collect()
    with paused_gc():  # as validate() runs
        start = time.perf_counter()
        graph.routed_graph(index)
        graph.bridging_graph(index)
        return time.perf_counter() - start


def validate_once(document: Document, context: ValidationContext) -> float:
    gc.collect()
    start = time.perf_counter()
    validate(document, context)
    return time.perf_counter() - start


def time_against_floor(
    document: Document, context: ValidationContext, repeat: int
) -> tuple[float, float, float]:
    """The median validation time, the median floor, and the median of their ratios, each
    validation timed right beside a floor: the machine's speed drifts (other work on a shared
    host), and a ratio of two runs taken apart would carry the drift."""
    validations, floors, ratios = [], [], []
    for _ in range(repeat):
        validation = validate_once(document, context)
        floor = floor_once(document)
        validations.append(validation)
        floors.append(floor)
        ratios.append(validation / floor)
    return statistics.median(validations), statistics.median(floors), statistics.median(ratios)


def peak_memory(document: Document, context: ValidationContext) -> int:
    gc.collect()
    tracemalloc.start()
    validate(document, context)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or '?'}; "
        f"Python {platform.python_version()}"
    )
    header = (
        f"{'elements':>9} {'parse s':>8} {'validate s':>10} {'floor s':>8} "
        f"{'ratio':>6} {'peak MiB':>9} {'findings':>8}"
    )
    print(header)
    failed = False
    for size in (int(s) for s in args.sizes.split(",")):
        data = generate(size)
        document = parse_document(data)
        context = context_for(document)
        count = document.element_count()
        parse_time = best(partial(parse_document, data), args.repeat)
        validate_time, floor_time, ratio = time_against_floor(document, context, args.repeat)
        findings = validate(document, context)
        errors = [f for f in findings if f.severity == "error"]
        peak = peak_memory(document, context) / 2**20
        print(
            f"{count:>9} {parse_time:>8.3f} {validate_time:>10.3f} {floor_time:>8.3f} "
            f"{ratio:>6.2f} {peak:>9.1f} {len(findings):>8}"
        )
        if errors:
            print(f"  the generated document has {len(errors)} error findings, e.g. {errors[0]}")
            failed = True
        if 9_000 <= count <= 11_000 and (validate_time > 0.3 or ratio > 3):
            print("  target missed: 10,000 elements in at most 0.3 s and 3 times the floor")
        if count >= 45_000 and validate_time > 2:
            print("  target missed: 50,000 elements in at most 2 s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
