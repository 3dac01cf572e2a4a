"""keepalived for the linux driver: one supervised process per HA router instance, inside its
namespace, electing with the router's other instances which one holds the virtual addresses.

Its configuration, pid files and identity (what the notify program reports transitions as) sit
in the binding's run directory under names made from the namespace's name; a configuration is
checked with `keepalived --config-test` inside the namespace before the process starts. Like
dnsmasq, it is started again whenever what it should realise changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from ipaddress import ip_interface
from pathlib import Path

from tasks.drivers import HostBinding, render
from tasks.drivers import kernel_process as processes
from tasks.drivers.kernel import run
from tasks.drivers.observed import process_data, same_network
from tasks.planner.state import Address, Keepalived, KernelObject, Route


class KeepalivedSupervisor:
    """Starts and stops the keepalived processes of one deployment on one host. `records` is
    the driver's directory of process records; `cwd` where the notify program's module is
    found."""

    def __init__(self, binding: HostBinding, records: Path, cwd: Path) -> None:
        self.binding = binding
        self.records = records
        self.cwd = cwd

    def record_path(self, obj: Keepalived) -> Path:
        return self.records / f"keepalived.{obj.namespace}.json"

    def files(self, obj: Keepalived) -> render.KeepalivedFiles:
        return render.keepalived_files(self.binding.run_dir, obj.namespace)

    def socket(self) -> str:
        return render.vrrp_socket(self.binding.run_dir, self.binding.host, self.binding.namespace)

    def ensure(self, obj: Keepalived) -> None:
        """Start keepalived for `obj` unless the one running already realises it."""
        path = self.record_path(obj)
        record = processes.load(path)
        data = process_data(obj)
        if record is not None and processes.running(record) and record.data == data:
            return
        if record is not None:
            processes.stop(record)
        files = self.files(obj)
        Path(self.binding.run_dir).mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A pid file left by a process that was killed would name a pid that may be reused.
        for stale in (files.pid, files.vrrp_pid):
            Path(stale).unlink(missing_ok=True)
        identity = {
            "router": obj.owner,
            "host": self.binding.host,
            "namespace": obj.namespace,
            "socket": self.socket(),
        }
        Path(files.identity).write_text(json.dumps(identity))
        Path(files.config).write_text(render.keepalived_config(obj, files))
        run(obj.namespace, *render.keepalived_test_arguments(files))
        command = render.keepalived_arguments(files)
        processes.start(path, obj.namespace, command, data, path.with_suffix(".log"), cwd=self.cwd)

    def stop(self, obj: Keepalived) -> None:
        """Stop it (it gives up the virtual addresses and tells the other instances so), and
        remove its files."""
        path = self.record_path(obj)
        record = processes.load(path)
        if record is not None:
            processes.stop(record)
        files = self.files(obj)
        for file in (
            path,
            path.with_suffix(".log"),
            files.config,
            files.pid,
            files.vrrp_pid,
            files.identity,
        ):
            Path(file).unlink(missing_ok=True)


def without_virtual(found: Sequence[KernelObject]) -> list[KernelObject]:
    """What was observed, less the virtual addresses and routes of the keepalived processes
    among it: they come and go with the VRRP state, and are keepalived's to manage."""
    running = [obj for obj in found if isinstance(obj, Keepalived)]
    if not running:
        return list(found)
    addresses = {
        (k.namespace, device, ip_interface(cidr))
        for k in running
        for cidr, device in k.virtual_addresses
    }
    routes = [(k.namespace, route[0]) for k in running for route in k.virtual_routes]

    def virtual(obj: KernelObject) -> bool:
        if isinstance(obj, Address):
            return (obj.namespace, obj.interface, ip_interface(obj.cidr)) in addresses
        if isinstance(obj, Route):
            return any(
                obj.namespace == namespace and same_network(obj.destination, destination)
                for namespace, destination in routes
            )
        return False

    return [obj for obj in found if not virtual(obj)]
