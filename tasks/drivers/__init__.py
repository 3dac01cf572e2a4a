"""Drivers turn a host's plan steps into changes: `linux` applies them to a kernel, `dryrun`
renders them as the commands `linux` would run. Both place a host's objects the same way, by
its binding."""

from __future__ import annotations

from dataclasses import dataclass

RUN_DIR = "/run/netloom"


@dataclass(frozen=True)
class HostBinding:
    """Where a host's objects go on the machine that realises it. In a plan `namespace=None`
    is the host's own namespace: the root namespace of a real host (`namespace` None here), or
    the namespace standing for an emulated host in a lab fabric (its name here)."""

    host: str
    namespace: str | None
    # Where supervised processes keep their configuration, pid and lease files.
    run_dir: str = RUN_DIR
    # The deployment's prefix, where a file is the deployment's own (the responder's).
    prefix: str = ""

    def resolve(self, namespace: str | None) -> str | None:
        """The namespace on this machine of an object planned in `namespace`."""
        return self.namespace if namespace is None else namespace
