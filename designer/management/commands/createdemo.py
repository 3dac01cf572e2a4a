"""`manage.py createdemo`: the local demo (users, hosts, a project, three topologies). Safe to
run again: it only creates what is missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from designer.demo import (
    ADMIN,
    CLASS_NAME,
    DEMO,
    INVITE_CODE,
    LAB_TITLE,
    PROJECT_NAME,
    STUDENT,
    TOPOLOGIES,
    create_demo,
)
from designer.models import Topology
from designer.services.validation import validate_revision
from designer.validation import Severity


class Command(BaseCommand):
    help = (
        "Create the local demo: users admin, demo and student, four hosts, a project, three "
        "topologies, and a class with a lab."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="Where the app will be served, for the message (make run passes its own)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"].rstrip("/")
        steps = create_demo()
        for step in steps:
            state = "created" if step.created else "already there"
            self.stdout.write(f"  {step.what}: {state}")

        for demo_topology in TOPOLOGIES:
            topology = Topology.objects.select_related("head").get(
                project__name=PROJECT_NAME, name=demo_topology.name
            )
            if topology.head is None:
                continue
            findings = validate_revision(topology.head)
            errors = [f for f in findings if f.severity is Severity.ERROR]
            warnings = sum(f.severity is Severity.WARNING for f in findings)
            self.stdout.write(f"  {demo_topology.name}: {len(errors)} errors, {warnings} warnings")
            for finding in errors:
                self.stderr.write(f"    {finding.code}: {finding.message}")

        self.stdout.write("")
        self.stdout.write(
            f"Netloom demo at {url}, for a local demo only (the passwords are public):"
        )
        self.stdout.write(f"  {DEMO.username} / {DEMO.password}  (owner of project {PROJECT_NAME})")
        self.stdout.write(f"  {ADMIN.username} / {ADMIN.password}  (admin; also {url}/admin/)")
        self.stdout.write(
            f"  {STUDENT.username} / {STUDENT.password}  (a student: join the class "
            f"{CLASS_NAME} with the code {INVITE_CODE}, then start the lab {LAB_TITLE!r})"
        )
        self.stdout.write("Passwords are set when a user is created; a changed one is kept.")
