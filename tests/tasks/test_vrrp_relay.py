"""The relay of VRRP transitions keeps going when one report fails, whatever the failure: one
bad report must not cost the host every later transition."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from tasks import vrrp_relay
from tasks.vrrp_relay import Relay


def test_the_relay_outlives_a_report_that_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handled: list[bytes] = []
    second = threading.Event()

    def handle(data: bytes) -> None:
        if data == b"first":
            raise AttributeError("'NoneType' object has no attribute 'drain'")
        handled.append(data)
        second.set()

    monkeypatch.setattr(vrrp_relay, "handle", handle)
    relay = Relay(str(tmp_path / "vrrp.sock"))
    assert relay.start()
    try:
        sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            for data in (b"first", b"second"):
                sender.sendto(data, relay.path)
        finally:
            sender.close()
        assert second.wait(5), "the relay stopped at the report that failed"
        assert handled == [b"second"]
        assert relay.running
    finally:
        relay.stop()
