"""Refusing sign-ins for a while after too many failures, per username and per client address.

Five failed sign-ins for one username, or a hundred from one client address, within fifteen
minutes of the first refuse further sign-ins for that username or from that address until the
fifteen minutes are over, whatever the password: a password cannot be guessed one try after
another, on one account or across many. The address's allowance is large because a classroom
signs in from behind one address, and a class mistypes. Failures are counted whether or not
the username exists, so the refusal tells nothing about which accounts do. A successful
sign-in clears its username's count. The counts live in the database, which every web process
shares.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from designer.models.signin import SignInFailures

USERNAME_LIMIT = 5
ADDRESS_LIMIT = 100
WINDOW = timedelta(minutes=15)


class TooManyFailures(Exception):
    """Sign-ins are refused for `retry_after` more seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def _keys(username: str, address: str) -> dict[str, int]:
    """Each counter's key, and the count it may reach."""
    return {f"user:{username.casefold()}": USERNAME_LIMIT, f"addr:{address}": ADDRESS_LIMIT}


def check(username: str, address: str) -> None:
    """Raise TooManyFailures when the username or the address has used up its failures."""
    limits = _keys(username, address)
    now = timezone.now()
    blocked = SignInFailures.objects.filter(key__in=limits, window_started__gt=now - WINDOW)
    waits = [
        (row.window_started + WINDOW - now).total_seconds()
        for row in blocked
        if row.count >= limits[row.key]
    ]
    if waits:
        raise TooManyFailures(max(1, math.ceil(max(waits))))


def failed(username: str, address: str) -> None:
    """Count a failed sign-in for the username and for the address."""
    now = timezone.now()
    for key in _keys(username, address):
        counted = SignInFailures.objects.filter(key=key, window_started__gt=now - WINDOW).update(
            count=F("count") + 1
        )
        if counted:
            continue
        try:
            with transaction.atomic():
                SignInFailures.objects.update_or_create(
                    key=key, defaults={"count": 1, "window_started": now}
                )
        except IntegrityError:
            # Another process's first failure of this key made the row just now.
            SignInFailures.objects.filter(key=key).update(count=F("count") + 1)
    # Counts whose window is over are of no use; drop them, so guesses at many usernames do
    # not pile up rows.
    SignInFailures.objects.filter(window_started__lte=now - WINDOW).delete()


def succeeded(username: str) -> None:
    SignInFailures.objects.filter(key=f"user:{username.casefold()}").delete()
