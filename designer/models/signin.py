"""Failed sign-ins, counted so that guessing passwords is refused for a while (see
`designer.services.signin`)."""

from __future__ import annotations

from django.db import models


class SignInFailures(models.Model):
    """The failed sign-ins of one username or one client address (`key`: `user:<name>` or
    `addr:<address>`) since the first of them, `window_started`."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_started = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "sign-in failures"

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_started:%Y-%m-%d %H:%M}"
