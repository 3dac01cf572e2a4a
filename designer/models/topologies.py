"""Topologies and their immutable revisions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from designer.models.projects import Project


class Topology(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="topologies")
    name = models.CharField(max_length=64)
    description = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The newest revision; every write moves it forward by exactly one.
    head = models.OneToOneField(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "topologies"
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="topology_name_per_project"),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.name}"


class ImmutableRevisionError(RuntimeError):
    pass


class Revision(models.Model):
    """One saved state of a topology's document. Never changed once written."""

    topology = models.ForeignKey(Topology, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    message = models.CharField(max_length=500, blank=True)
    document = models.JSONField()
    # The edit operations that made it from its parent, when it came from an edit; clients
    # that missed it catch up by applying them. None for whole-document writes and restores.
    operations = models.JSONField(null=True, blank=True)
    edit_id = models.CharField(max_length=64, blank=True)
    element_count = models.PositiveIntegerField(default=0)
    # Elements of each quota kind, so a project's usage is summed without reading documents.
    usage = models.JSONField(default=dict)

    class Meta:
        ordering = ["topology", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["topology", "number"], name="revision_number_per_topology"
            ),
        ]

    def parsed(self) -> Any:
        """The document as a parsed Document, parsed once per instance."""
        from designer.spec import parse_document

        if self._parsed is None:
            self._parsed = parse_document(self.document)
        return self._parsed

    _parsed: Any = None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableRevisionError("revisions are immutable; save a new one")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.topology} r{self.number}"
