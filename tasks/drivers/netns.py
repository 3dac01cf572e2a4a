"""Network namespaces from this process, as `ip netns` makes them but without a process each:
a thread can move itself into a namespace (setns), open a socket or a file under /proc/sys/net
there, which stay bound to that namespace, and move back. Only the calling thread moves, and it
always moves back before the function returns. Standard library only: the responder process
uses it too, and starts fast.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NETNS_DIR = Path("/run/netns")
# The calling thread's namespace: a thread that entered another one sees it here, not under
# /proc/self, which is the main thread's.
THREAD_NAMESPACE = "/proc/thread-self/ns/net"
CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_SHARED = 1 << 20
MNT_DETACH = 0x2
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _setns(fd: int) -> None:
    _check(_libc.setns(fd, CLONE_NEWNET), "setns")


@contextmanager
def _returning() -> Iterator[None]:
    """Run the body, then put the calling thread back into the namespace it was in."""
    own = os.open(THREAD_NAMESPACE, os.O_RDONLY)
    try:
        yield
    finally:
        try:
            _setns(own)
        finally:
            os.close(own)


@contextmanager
def entered(namespace: str | None) -> Iterator[None]:
    """Run the body with the calling thread inside a named namespace (`None`: where it is)."""
    if namespace is None:
        yield
        return
    target = os.open(NETNS_DIR / namespace, os.O_RDONLY)
    with _returning():
        try:
            _setns(target)
        finally:
            os.close(target)
        yield


def _shared_run_directory() -> None:
    """/run/netns as `ip netns add` leaves it: a mount point shared with every mount
    namespace, so a namespace bound there is seen by processes that unshared mounts."""
    NETNS_DIR.mkdir(parents=True, exist_ok=True)
    path = str(NETNS_DIR).encode()
    if _libc.mount(b"", path, b"none", MS_SHARED | MS_REC, None) == 0:
        return
    _check(_libc.mount(path, path, b"none", MS_BIND | MS_REC, None), "mount /run/netns")
    _check(_libc.mount(b"", path, b"none", MS_SHARED | MS_REC, None), "share /run/netns")


def is_namespace(path: Path) -> bool:
    """Whether a file under /run/netns has a namespace bound on it (its device is nsfs, not
    the directory's)."""
    try:
        return os.stat(path).st_dev != os.stat(path.parent).st_dev
    except OSError:
        return False


def create_namespace(name: str) -> None:
    """`ip netns add`, in this process: a new network namespace, kept by a bind mount under
    /run/netns. An existing one is kept as it is."""
    path = NETNS_DIR / name
    if path.exists():
        if is_namespace(path):
            return
        # The file a creation cut short (a killed worker) left, with no namespace on it.
        path.unlink()
    _shared_run_directory()
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
    try:
        with _returning():
            _check(_libc.unshare(CLONE_NEWNET), "unshare")
            _check(
                _libc.mount(THREAD_NAMESPACE.encode(), str(path).encode(), b"none", MS_BIND, None),
                f"bind namespace {name}",
            )
    except OSError:
        path.unlink(missing_ok=True)
        raise


def remove_namespace(name: str) -> None:
    """`ip netns delete`: the kernel frees the namespace once nothing uses it."""
    path = NETNS_DIR / name
    _libc.umount2(str(path).encode(), MNT_DETACH)
    path.unlink(missing_ok=True)
