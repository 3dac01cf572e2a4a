"""The shapes of the API's bodies: what each endpoint takes and answers.

Serializers check the shape of the input (types, lengths, names); the meaning (a document that
parses, a policy that holds, a role that allows) is checked by the services and by
`designer.access`. Names shown to people are checked against the document's own name rule, so
no project, topology or link label holds quotes, angle brackets, newlines or shell characters.
"""

from __future__ import annotations

import re
from typing import Any, get_args

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from designer.access import project_role
from designer.api.errors import ERROR_CODES
from designer.models import (
    DeploymentAction,
    DeploymentState,
    Host,
    Membership,
    Project,
    Quota,
    Revision,
    Role,
    ShareLink,
    Topology,
)
from designer.models.policy import UNLIMITED
from designer.realtime.events import DriftChange, ElementDeployState, HostProgress
from designer.services.validation import project_usage
from designer.spec.fields import NAME_PATTERN
from designer.validation import DEFAULT_QUOTAS, Finding, Severity

NAME_RULE = (
    "may hold letters, digits, spaces and . - : + @ / ( ) , # only "
    "(no quotes, angle brackets, newlines or shell characters), at most 64"
)
name_validator = RegexValidator(re.compile(NAME_PATTERN), NAME_RULE)
# Quotas are counts of elements; a document holds at most 100 000 of them.
MAX_QUOTA = 1_000_000


def display_name(**kwargs: Any) -> serializers.CharField:
    """A name shown to people: 1 to 64 characters of the document's name alphabet."""
    return serializers.CharField(
        max_length=64, trim_whitespace=False, validators=[name_validator], **kwargs
    )


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "A topology document; its JSON Schema is at /api/v1/schema/topology/.",
    }
)
class DocumentField(serializers.JSONField):
    """Any JSON value: whether it is a document is for `parse_document` to say, with paths."""


# --- errors -------------------------------------------------------------------------------


class ErrorItemSerializer(serializers.Serializer[Any]):
    path = serializers.CharField(help_text="Where in the input: `document.subnets[2].cidr`.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer[Any]):
    code = serializers.ChoiceField(choices=sorted(ERROR_CODES))
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True, required=False, help_text="For input errors.")  # type: ignore[assignment]


class StaleRevisionSerializer(serializers.Serializer[Any]):
    code = serializers.ChoiceField(choices=["stale_revision"])
    detail = serializers.CharField()
    current_revision = serializers.IntegerField(help_text="The head's revision number.")
    document = DocumentField(help_text="The head's document, to rebase the change on.")


# --- who is calling -----------------------------------------------------------------------


class CredentialsSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`.")


class UserSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ShareScopeSerializer(serializers.Serializer[Any]):
    project = serializers.IntegerField()
    topology = serializers.IntegerField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["user", "share_link"])
    user = UserSerializer(allow_null=True)
    is_admin = serializers.BooleanField()
    share_link = ShareScopeSerializer(allow_null=True)


# --- projects -----------------------------------------------------------------------------


def caller_role(
    context: dict[str, Any], project: Project, topology: Topology | None = None
) -> str | None:
    """The caller's role on a project (or topology), cached in the serializer context so a
    page of objects from one project asks once."""
    cache: dict[tuple[int, int | None], str | None] = context.setdefault("roles", {})
    key = (project.pk, topology.pk if topology is not None else None)
    if key not in cache:
        role = project_role(context["caller"], project, topology)
        cache[key] = role.value if role is not None else None
    return cache[key]


class ProjectSerializer(serializers.ModelSerializer[Project]):
    name = display_name()
    role = serializers.SerializerMethodField(help_text="The caller's role on the project.")

    class Meta:
        model = Project
        fields = ["id", "name", "description", "created_at", "role"]
        read_only_fields = ["id", "created_at"]

    def validate_name(self, value: str) -> str:
        taken = Project.objects.filter(name=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("a project with this name already exists")
        return value

    def get_role(self, project: Project) -> str | None:
        return caller_role(self.context, project)


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    username = serializers.CharField(source="user.username", read_only=True)
    user = serializers.IntegerField(source="user.pk", read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "username", "role", "created_at"]
        read_only_fields = fields


class MemberAddSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)

    def validate_username(self, value: str) -> Any:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError("no active user has this username")
        return user


class MemberRoleSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=Role.choices)


class QuotaSerializer(serializers.ModelSerializer[Quota]):
    usage = serializers.SerializerMethodField(help_text="Elements of each kind in use now.")

    class Meta:
        model = Quota
        fields = [*DEFAULT_QUOTAS, "usage"]
        extra_kwargs = {
            kind: {
                "required": True,
                "min_value": UNLIMITED,
                "max_value": MAX_QUOTA,
                "help_text": "A count, or -1 for no limit (as in Neutron).",
                "error_messages": {
                    "min_value": "Give a count, or -1 for no limit.",
                    "invalid": "Give a count, or -1 for no limit.",
                },
            }
            for kind in DEFAULT_QUOTAS
        }

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}})
    def get_usage(self, quota: Quota) -> dict[str, int]:
        return project_usage(quota.project)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "array",
            "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        },
        "description": "{role: [[low, high], ...]} with 1 <= low <= high <= 4094.",
    }
)
class VlanRangesField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
        "description": "Pairs of roles that must never be routed to each other.",
    }
)
class RolePairsField(serializers.JSONField):
    pass


class VlanPolicySerializer(serializers.Serializer[Any]):
    ranges = VlanRangesField()
    forbidden_pairs = RolePairsField()


class ShareLinkSerializer(serializers.ModelSerializer[ShareLink]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ShareLink
        fields = [
            "id",
            "token",
            "project",
            "topology",
            "label",
            "created_at",
            "created_by",
            "expires_at",
            "revoked_at",
            "active",
        ]
        read_only_fields = fields


class ShareLinkCreateSerializer(serializers.Serializer[Any]):
    """`topology` must be one of the project's (the view puts the project in the context)."""

    topology = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    label = display_name(required=False, allow_blank=True, default="")  # type: ignore[assignment]
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_topology(self, value: int | None) -> Topology | None:
        if value is None:
            return None
        topology = Topology.objects.filter(project=self.context["project"], pk=value).first()
        if topology is None:
            raise serializers.ValidationError("the project has no topology with this id")
        return topology

    def validate_expires_at(self, value: Any) -> Any:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("must be in the future")
        return value


# --- topologies ---------------------------------------------------------------------------


class TopologySerializer(serializers.ModelSerializer[Topology]):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    head_revision = serializers.IntegerField(source="head.number", read_only=True, default=None)
    role = serializers.SerializerMethodField(help_text="The caller's role on this topology.")

    class Meta:
        model = Topology
        fields = [
            "id",
            "project",
            "name",
            "description",
            "created_at",
            "created_by",
            "head_revision",
            "role",
        ]
        read_only_fields = fields

    def get_role(self, topology: Topology) -> str | None:
        return caller_role(self.context, topology.project, topology)


class TopologyCreateSerializer(serializers.Serializer[Any]):
    project = serializers.IntegerField(min_value=1)
    name = display_name()
    description = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    document = DocumentField(required=False, default=None, help_text="The first revision.")
    document_text = serializers.CharField(
        required=False,
        default=None,
        trim_whitespace=False,
        help_text="The first revision written as a YAML or JSON file (topology as code), "
        "instead of `document`.",
    )
    message = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class TopologyUpdateSerializer(serializers.Serializer[Any]):
    name = display_name()
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class DocumentReadSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField()
    document = DocumentField()


class DocumentWriteSerializer(serializers.Serializer[Any]):
    base_revision = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The revision the change was made on."
    )
    document = DocumentField()
    message = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class RevisionSerializer(serializers.ModelSerializer[Revision]):
    parent = serializers.IntegerField(source="parent.number", read_only=True, default=None)  # type: ignore[assignment]
    author = serializers.CharField(source="author.username", read_only=True, default=None)

    class Meta:
        model = Revision
        fields = ["number", "parent", "author", "created_at", "message", "element_count"]
        read_only_fields = fields


class RevisionDetailSerializer(RevisionSerializer):
    document = DocumentField(read_only=True)

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "document"]
        read_only_fields = fields


class RestoreSerializer(serializers.Serializer[Any]):
    base_revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class DiffSerializer(serializers.Serializer[Any]):
    source = serializers.IntegerField(help_text="The `from` revision.")  # type: ignore[assignment]
    target = serializers.IntegerField(help_text="The `to` revision.")
    elements = serializers.ListField(
        child=serializers.DictField(),
        help_text="{op: added|removed|changed, list, id, element | fields{f: {old, new}}}",
    )
    summary = serializers.DictField(child=serializers.IntegerField())
    layout = serializers.DictField()
    description_changed = serializers.BooleanField()


# --- validation ---------------------------------------------------------------------------


class FindingSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=[s.value for s in Severity])
    elements = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]


class SeverityCountsSerializer(serializers.Serializer[Any]):
    error = serializers.IntegerField()
    warning = serializers.IntegerField()
    info = serializers.IntegerField()


class ValidationResultSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField(allow_null=True, help_text="None for a draft.")
    findings = FindingSerializer(many=True)
    counts = SeverityCountsSerializer()
    deployable = serializers.BooleanField(help_text="No finding is an error.")


class SavedRevisionSerializer(serializers.Serializer[Any]):
    revision = RevisionSerializer()
    findings = FindingSerializer(many=True)
    counts = SeverityCountsSerializer()
    deployable = serializers.BooleanField()


def validation_result(findings: list[Finding], revision: int | None) -> dict[str, Any]:
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    return {
        "revision": revision,
        "findings": [finding.as_dict() for finding in findings],
        "counts": counts,
        "deployable": counts[Severity.ERROR.value] == 0,
    }


class DraftSerializer(serializers.Serializer[Any]):
    document = DocumentField()


class StandaloneDraftSerializer(DraftSerializer):
    project = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="Judge the document with this project's policy, quotas and usage.",
    )


class CodeSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=[s.value for s in Severity])
    summary = serializers.CharField()
    area = serializers.CharField()


# --- hosts --------------------------------------------------------------------------------


class HostSerializer(serializers.ModelSerializer[Host]):
    """Runs the model's clean(), which ModelSerializer alone would skip."""

    class Meta:
        model = Host
        fields = [
            "id",
            "name",
            "role",
            "underlay_address",
            "physical_networks",
            "external",
            "last_heartbeat",
            "created_at",
        ]
        read_only_fields = ["id", "last_heartbeat", "created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        host = Host(**{**self._current(), **attrs})
        host.clean()
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {field: getattr(self.instance, field) for field in self.Meta.fields[1:6]}


# --- deployments --------------------------------------------------------------------------
# The shapes of the `deployment` event's catalog (designer/realtime/events.py), which the
# views answer with.


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HostProgressSerializer(serializers.Serializer[Any]):
    done = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True, help_text="None until the host planned.")
    # Not an enum: the schema's enums are named by field, and `state` is the deployment's.
    state = serializers.CharField(
        help_text="One of " + ", ".join(get_args(HostProgress.model_fields["state"].annotation))
    )


class DeploymentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    action = serializers.ChoiceField(choices=DeploymentAction.choices)
    state = serializers.ChoiceField(choices=DeploymentState.choices)
    revision = serializers.IntegerField(allow_null=True, help_text="None for a destroy.")
    progress = serializers.IntegerField(min_value=0, max_value=100)
    hosts = serializers.DictField(child=HostProgressSerializer())
    error = serializers.CharField(allow_blank=True)
    requested_by = PersonSerializer(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class LogLineSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    host = serializers.CharField(allow_null=True)
    level = serializers.ChoiceField(choices=["info", "error"])
    message = serializers.CharField()


class DriftItemSerializer(serializers.Serializer[Any]):
    host = serializers.CharField()
    element = serializers.CharField(
        allow_null=True, help_text="The element it realises; None if nothing points to it."
    )
    object = serializers.CharField(help_text="The kernel object, e.g. `veth nl00abt1x2y3z4w5`.")
    change = serializers.ChoiceField(choices=list(get_args(DriftChange)))
    detail = serializers.CharField()


class DriftReportSerializer(serializers.Serializer[Any]):
    checked_at = serializers.DateTimeField(
        allow_null=True, help_text="When a host was last observed; None: not yet."
    )
    elements = serializers.DictField(
        child=serializers.ChoiceField(choices=list(get_args(DriftChange))),
        help_text="Each drifted element's change, by element id.",
    )
    items = DriftItemSerializer(many=True)


class DeploymentDetailSerializer(DeploymentSerializer):
    elements = serializers.DictField(
        child=serializers.ChoiceField(choices=list(get_args(ElementDeployState))),
        help_text="Each element's state in this attempt, by element id.",
    )
    log = LogLineSerializer(many=True)
    drift = DriftReportSerializer(
        help_text="What changed on the hosts outside Netloom, as last observed (deployed "
        "attempts only)."
    )


class DeployRequestSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=DeploymentAction.choices)
    revision = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The revision to deploy (default: the head). A destroy takes none.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == DeploymentAction.DESTROY and attrs["revision"] is not None:
            raise serializers.ValidationError({"revision": "a destroy takes no revision"})
        return attrs


class BlockingFindingSerializer(ErrorItemSerializer):
    path = serializers.CharField(help_text="`findings[i]`.")
    code = serializers.CharField(help_text="The finding's code.")
    elements = serializers.ListField(child=serializers.CharField())


class DeploymentConflictSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text="`deployment_in_progress`, `deployment_blocked`, `deployment_finished` or "
        "`deployment_not_deployed`."
    )
    detail = serializers.CharField()
    deployment = serializers.IntegerField(
        required=False, help_text="The attempt under way, or the finished one asked about."
    )
    state = serializers.CharField(required=False, help_text="That attempt's state.")
    errors = BlockingFindingSerializer(  # type: ignore[assignment]
        many=True, required=False, help_text="The validation errors blocking a deploy."
    )


class ChangeCountsSerializer(serializers.Serializer[Any]):
    # Fields named as the counted actions; this serializer only describes output.
    create = serializers.IntegerField()  # type: ignore[assignment]
    update = serializers.IntegerField()  # type: ignore[assignment]
    remove = serializers.IntegerField()


class ElementChangeSerializer(ChangeCountsSerializer):
    change = serializers.ChoiceField(
        choices=["create", "update", "remove"], help_text="What happens to the element."
    )


class HostChangesSerializer(serializers.Serializer[Any]):
    totals = ChangeCountsSerializer()
    kinds = serializers.DictField(
        child=ChangeCountsSerializer(), help_text="By kind of kernel object, in creation order."
    )
    elements = serializers.DictField(child=ElementChangeSerializer(), help_text="By element id.")


class HostPreviewSerializer(serializers.Serializer[Any]):
    summary = HostChangesSerializer()
    commands = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        help_text="The linux driver's commands, one per line, as a shell would show them.",
    )


class PlanNoteSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()
    elements = serializers.ListField(child=serializers.CharField())
    host = serializers.CharField(allow_null=True)


class PlanPreviewSerializer(serializers.Serializer[Any]):
    revision = serializers.IntegerField(help_text="The revision a deploy would bring.")
    deployed_revision = serializers.IntegerField(
        allow_null=True, help_text="The revision deployed now; None when nothing is."
    )
    hosts = serializers.DictField(
        child=HostPreviewSerializer(), help_text="By registered host's name."
    )
    notes = PlanNoteSerializer(many=True, help_text="What the plan wants a person to know.")
