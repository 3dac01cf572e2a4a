"""Routes of /api/v1/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import SimpleRouter

from designer.api.views import (
    auth,
    checks,
    deployments,
    documents,
    drills,
    fabric,
    hosts,
    labs,
    limits,
    members,
    projects,
    sharing,
    topologies,
    validation,
    vrrp,
)

router = SimpleRouter()
router.register("projects", projects.ProjectViewSet, basename="project")
router.register("topologies", topologies.TopologyViewSet, basename="topology")
router.register("hosts", hosts.HostViewSet, basename="host")

ID = "<int:project_id>"
TOPOLOGY = "<int:topology_id>"


@csrf_exempt  # a wrong URL answers 404 whatever the method, not a CSRF failure page
def no_such_endpoint(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(
        {"code": "not_found", "detail": "No such API endpoint (every path ends with '/')."},
        status=404,
    )


urlpatterns: list[Any] = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/session/", auth.SessionView.as_view(), name="auth-session"),
    path("me/", auth.MeView.as_view(), name="me"),
    path("labs/", labs.LabListView.as_view(), name="labs"),
    path("labs/join/", labs.JoinView.as_view(), name="lab-join"),
    path("labs/<int:lab_id>/", labs.LabDetailView.as_view(), name="lab"),
    path("labs/<int:lab_id>/start/", labs.LabStartView.as_view(), name="lab-start"),
    path("labs/<int:lab_id>/copies/", labs.LabCopyListView.as_view(), name="lab-copies"),
    path(
        "labs/<int:lab_id>/copies/<int:copy_id>/",
        labs.LabCopyDetailView.as_view(),
        name="lab-copy",
    ),
    path(
        "labs/<int:lab_id>/copies/<int:copy_id>/check/",
        labs.LabCopyCheckView.as_view(),
        name="lab-copy-check",
    ),
    path(
        "labs/<int:lab_id>/copies/<int:copy_id>/reset/",
        labs.LabCopyResetView.as_view(),
        name="lab-copy-reset",
    ),
    path("labs/<int:lab_id>/grades.csv", labs.LabGradesView.as_view(), name="lab-grades"),
    path(f"projects/{ID}/invites/", labs.InviteListView.as_view(), name="class-invites"),
    path(
        f"projects/{ID}/invites/<int:invite_id>/",
        labs.InviteDetailView.as_view(),
        name="class-invite",
    ),
    path(f"projects/{ID}/members/", members.MemberListView.as_view(), name="project-members"),
    path(
        f"projects/{ID}/members/<str:username>/",
        members.MemberDetailView.as_view(),
        name="project-member",
    ),
    path(f"projects/{ID}/quota/", limits.QuotaView.as_view(), name="project-quota"),
    path(f"projects/{ID}/vlan-policy/", limits.VlanPolicyView.as_view(), name="project-policy"),
    path(
        f"projects/{ID}/share-links/",
        sharing.ShareLinkListView.as_view(),
        name="project-share-links",
    ),
    path(
        f"projects/{ID}/share-links/<int:link_id>/",
        sharing.ShareLinkDetailView.as_view(),
        name="project-share-link",
    ),
    path(
        f"topologies/{TOPOLOGY}/document/",
        documents.DocumentView.as_view(),
        name="topology-document",
    ),
    path(
        f"topologies/{TOPOLOGY}/export/",
        documents.DocumentExportView.as_view(),
        name="topology-export",
    ),
    path(
        f"topologies/{TOPOLOGY}/revisions/",
        documents.RevisionListView.as_view(),
        name="topology-revisions",
    ),
    path(
        f"topologies/{TOPOLOGY}/revisions/<int:number>/",
        documents.RevisionDetailView.as_view(),
        name="topology-revision",
    ),
    path(
        f"topologies/{TOPOLOGY}/revisions/<int:number>/restore/",
        documents.RestoreView.as_view(),
        name="topology-restore",
    ),
    path(f"topologies/{TOPOLOGY}/diff/", documents.DiffView.as_view(), name="topology-diff"),
    path(
        f"topologies/{TOPOLOGY}/validate/",
        validation.TopologyValidateView.as_view(),
        name="topology-validate",
    ),
    path(
        f"topologies/{TOPOLOGY}/deployments/",
        deployments.DeploymentListView.as_view(),
        name="topology-deployments",
    ),
    path(
        f"topologies/{TOPOLOGY}/deployments/<int:deployment_id>/",
        deployments.DeploymentDetailView.as_view(),
        name="topology-deployment",
    ),
    path(
        f"topologies/{TOPOLOGY}/deployments/<int:deployment_id>/cancel/",
        deployments.DeploymentCancelView.as_view(),
        name="topology-deployment-cancel",
    ),
    path(
        f"topologies/{TOPOLOGY}/deployments/<int:deployment_id>/observe/",
        deployments.DeploymentObserveView.as_view(),
        name="topology-deployment-observe",
    ),
    path(
        f"topologies/{TOPOLOGY}/plan/", deployments.PlanPreviewView.as_view(), name="topology-plan"
    ),
    path(f"topologies/{TOPOLOGY}/checks/", checks.CheckListView.as_view(), name="topology-checks"),
    path(
        f"topologies/{TOPOLOGY}/checks/<int:check_id>/",
        checks.CheckDetailView.as_view(),
        name="topology-check",
    ),
    path(f"topologies/{TOPOLOGY}/vrrp/", vrrp.VrrpTimelineView.as_view(), name="topology-vrrp"),
    path(
        f"topologies/{TOPOLOGY}/lb-members/",
        vrrp.MemberHealthView.as_view(),
        name="topology-lb-members",
    ),
    path(
        f"topologies/{TOPOLOGY}/routers/<str:router_id>/drills/",
        drills.DrillListView.as_view(),
        name="topology-router-drills",
    ),
    path("fabric/", fabric.FabricView.as_view(), name="fabric"),
    path("validate/", validation.ValidateView.as_view(), name="validate"),
    path("validation/codes/", validation.CodesView.as_view(), name="validation-codes"),
    path("schema/topology/", validation.DocumentSchemaView.as_view(), name="document-schema"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ answers in the API's error shape, not Django's HTML page.
    re_path(r"^(?P<rest>.*)$", no_such_endpoint),
]
