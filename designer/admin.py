"""The Django admin, for staff: every model, with lists and search. Revisions are history and
are shown read-only; a topology's document changes only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from designer.models import (
    ClassInvite,
    ConnectivityCheck,
    Deployment,
    Enrolment,
    HaDrill,
    HaEvent,
    Host,
    Lab,
    LabCopy,
    MemberHealth,
    Membership,
    Project,
    Quota,
    Revision,
    ShareLink,
    SignInFailures,
    Topology,
    VlanPolicy,
    VrrpTransition,
)

admin.site.site_header = "Netloom administration"
admin.site.site_title = "Netloom"
admin.site.index_title = "Projects, topologies, hosts and policies"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at", "member_count"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

    @admin.display(description="members")
    def member_count(self, project: Project) -> int:
        return project.memberships.count()


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["project__name", "user__username"]
    autocomplete_fields = ["project", "user"]


@admin.register(Topology)
class TopologyAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "head_number", "created_by", "created_at"]
    list_filter = ["project"]
    search_fields = ["name", "description", "project__name"]
    list_select_related = ["project", "head", "created_by"]
    # The head moves only when a revision is saved through the services.
    readonly_fields = ["head", "created_at"]
    autocomplete_fields = ["project"]

    @admin.display(description="revision")
    def head_number(self, topology: Topology) -> int | None:
        return topology.head.number if topology.head else None


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["topology", "number", "author", "message", "element_count", "created_at"]
    list_filter = ["topology__project"]
    search_fields = ["topology__name", "topology__project__name", "message", "author__username"]
    list_select_related = ["topology__project", "author"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["label", "project", "topology", "created_by", "expires_at", "revoked_at"]
    list_filter = ["project"]
    search_fields = ["label", "project__name", "topology__name"]
    list_select_related = ["project", "topology", "created_by"]
    # The token is a secret: it is shown to its creator once, not in lists.
    exclude = ["token"]
    readonly_fields = ["created_at"]


@admin.register(SignInFailures)
class SignInFailuresAdmin(admin.ModelAdmin):
    """Deleting a row lets its username or address sign in again at once."""

    list_display = ["key", "count", "window_started"]
    search_fields = ["key"]
    readonly_fields = ["key", "count", "window_started"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "networks",
        "subnets",
        "ports",
        "routers",
        "floating_ips",
        "instances",
    ]
    search_fields = ["project__name"]


@admin.register(VlanPolicy)
class VlanPolicyAdmin(admin.ModelAdmin):
    list_display = ["project", "ranges", "forbidden_pairs"]
    search_fields = ["project__name"]


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "external", "underlay_address", "last_heartbeat"]
    list_filter = ["role", "external"]
    search_fields = ["name", "underlay_address"]
    readonly_fields = ["last_heartbeat", "created_at"]


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "published", "shared", "created_at"]
    list_filter = ["published", "shared"]
    search_fields = ["title", "project__name"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(LabCopy)
class LabCopyAdmin(admin.ModelAdmin):
    list_display = ["lab", "student", "topology", "passed", "total", "checked_at"]
    search_fields = ["lab__title", "student__username"]
    readonly_fields = ["started_at", "checked_at", "results"]


@admin.register(ClassInvite)
class ClassInviteAdmin(admin.ModelAdmin):
    list_display = ["code", "project", "created_at", "expires_at", "revoked_at"]
    search_fields = ["code", "project__name"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["student", "project", "joined_at"]
    search_fields = ["student__username", "project__name"]


# --- what deploys and their hosts recorded: history, read only ------------------------------


class RecordAdmin(admin.ModelAdmin):
    """Records the workers and hosts wrote (deploys, checks, VRRP reports, drills): shown, never
    edited here, since the services and the kernel keep them true. Deleting one a topology's
    deletion would delete is allowed."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Deployment)
class DeploymentAdmin(RecordAdmin):
    list_display = ["topology", "action", "state", "progress", "requested_by", "created_at"]
    list_filter = ["action", "state", "topology__project"]
    search_fields = ["topology__name", "topology__project__name", "error"]
    list_select_related = ["topology", "requested_by"]


@admin.register(ConnectivityCheck)
class ConnectivityCheckAdmin(RecordAdmin):
    list_display = ["topology", "kind", "source", "target", "state", "created_at"]
    list_filter = ["kind", "state"]
    search_fields = ["topology__name", "source", "target"]
    list_select_related = ["topology"]


@admin.register(VrrpTransition)
class VrrpTransitionAdmin(RecordAdmin):
    list_display = ["deployment", "router", "host", "old_state", "new_state", "at"]
    list_filter = ["new_state"]
    search_fields = ["router", "host", "deployment__topology__name"]
    list_select_related = ["deployment__topology"]


@admin.register(HaDrill)
class HaDrillAdmin(RecordAdmin):
    list_display = ["deployment", "router", "kind", "host", "state", "outage_seconds", "at"]
    list_filter = ["kind", "state"]
    search_fields = ["router", "host", "deployment__topology__name"]
    list_select_related = ["deployment__topology"]


@admin.register(HaEvent)
class HaEventAdmin(RecordAdmin):
    list_display = ["deployment", "router", "kind", "at"]
    list_filter = ["kind"]
    search_fields = ["router", "deployment__topology__name"]
    list_select_related = ["deployment__topology"]


@admin.register(MemberHealth)
class MemberHealthAdmin(RecordAdmin):
    list_display = ["deployment", "load_balancer", "member", "host", "state", "at"]
    list_filter = ["state"]
    search_fields = ["load_balancer", "member", "deployment__topology__name"]
    list_select_related = ["deployment__topology"]
