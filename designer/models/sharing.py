"""Share links: read-only access to one topology or one whole project, without an account."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from designer.models.projects import Project
from designer.models.topologies import Topology


def new_token() -> str:
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="share_links")
    # None: the whole project.
    topology = models.ForeignKey(
        Topology, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    label = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def covers(self, topology: Topology) -> bool:
        return topology.project_id == self.project_id and (
            self.topology_id is None or self.topology_id == topology.pk
        )

    def __str__(self) -> str:
        scope = self.topology.name if self.topology else "whole project"
        return f"share link for {self.project} ({scope})"
