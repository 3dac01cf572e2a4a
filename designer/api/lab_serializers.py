"""What the lab endpoints read and answer."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from designer.models import ClassInvite, Lab, Topology


def no_control_characters(value: str) -> None:
    """Free text may hold line breaks and tabs, never other control characters (NUL, escapes)."""
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise serializers.ValidationError("must not hold control characters")


def text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length,
        allow_blank=True,
        trim_whitespace=False,
        validators=[no_control_characters],
        **kwargs,
    )


class CopyQuotasField(serializers.JSONField):
    """{kind: limit} over the quota kinds; kinds left out keep their value."""


class LabSerializer(serializers.ModelSerializer[Lab]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    project_name = serializers.CharField(source="project.name", read_only=True)
    access = serializers.SerializerMethodField(
        help_text="What the caller is to this lab: instructor, staff or student."
    )
    goal_words = serializers.SerializerMethodField(help_text="Each goal as a sentence.")

    class Meta:
        model = Lab
        fields = [
            "id",
            "project",
            "project_name",
            "title",
            "instructions",
            "goals",
            "goal_words",
            "source",
            "shared",
            "published",
            "copy_quotas",
            "created_by",
            "created_at",
            "updated_at",
            "access",
        ]
        read_only_fields = fields

    def get_access(self, lab: Lab) -> str | None:
        from designer.access import lab_access

        return lab_access(self.context["caller"], lab)

    def get_goal_words(self, lab: Lab) -> list[str]:
        from designer.labs.goals import parse_goals

        return [goal.words() for goal in parse_goals(lab.goals)]


class LabCreateSerializer(serializers.Serializer[Any]):
    """A lab of `project`, starting from the head of `source`, one of that project's
    topologies (the view checks the caller owns the project)."""

    project = serializers.IntegerField(min_value=1)
    source = serializers.IntegerField(min_value=1)  # type: ignore[assignment]
    title = serializers.CharField(max_length=120, validators=[no_control_characters])
    instructions = text(20_000, required=False, default="")
    goals = text(15_000, required=False, default="")
    shared = serializers.BooleanField(required=False, default=False)
    published = serializers.BooleanField(required=False, default=False)
    copy_quotas = CopyQuotasField(required=False, default=dict)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        project = self.context["projects"].filter(pk=data["project"]).first()
        if project is None:
            raise serializers.ValidationError({"project": "no project you may see has this id"})
        source = Topology.objects.filter(project=project, pk=data["source"]).first()
        if source is None:
            raise serializers.ValidationError(
                {"source": "the project has no topology with this id"}
            )
        return {**data, "project": project, "source": source}


class LabUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(
        max_length=120, required=False, validators=[no_control_characters]
    )
    instructions = text(20_000, required=False)
    goals = text(15_000, required=False)
    shared = serializers.BooleanField(required=False)
    published = serializers.BooleanField(required=False)
    copy_quotas = CopyQuotasField(required=False)
    retake_start = serializers.BooleanField(
        required=False, help_text="Take the start again from the source topology's head."
    )


class GoalResultSerializer(serializers.Serializer[Any]):
    goal = serializers.CharField()
    status = serializers.ChoiceField(choices=["pass", "fail", "pending"])
    detail = serializers.CharField()
    by = serializers.ChoiceField(choices=["design", "deployment", "drill"])


class LabCopySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    lab = serializers.IntegerField()
    student = serializers.CharField()
    topology = serializers.IntegerField()
    project = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    reset_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    checked_revision = serializers.IntegerField(allow_null=True)
    passed = serializers.IntegerField()
    total = serializers.IntegerField()
    results = GoalResultSerializer(many=True)
    checking = serializers.BooleanField()


class InviteSerializer(serializers.ModelSerializer[ClassInvite]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ClassInvite
        fields = ["id", "code", "project", "created_by", "created_at", "expires_at", "revoked_at"]
        fields += ["active"]
        read_only_fields = fields


class InviteCreateSerializer(serializers.Serializer[Any]):
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_expires_at(self, value: Any) -> Any:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("must be in the future")
        return value


class JoinSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=32, validators=[no_control_characters])


class EnrolmentSerializer(serializers.Serializer[Any]):
    project = serializers.IntegerField(source="project.pk")
    project_name = serializers.CharField(source="project.name")
    joined_at = serializers.DateTimeField()
