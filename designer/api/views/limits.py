"""What an admin sets on a project and every member may read: quotas and VLAN policy."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.permissions import Need
from designer.api.serializers import QuotaSerializer, VlanPolicySerializer
from designer.api.views.base import READ_ERRORS, WRITE_ERRORS, ApiGenericView, ProjectScoped, errors
from designer.models import Quota, VlanPolicy
from designer.services.limits import set_quota, set_vlan_policy


class QuotaView(ProjectScoped, ApiGenericView):
    serializer_class = QuotaSerializer
    needs = {"GET": Need.VIEWER, "PUT": Need.ADMIN, "PATCH": Need.ADMIN}

    def _quota(self) -> Quota:
        project = self.get_project()
        # A project made without one is on the defaults, which the unsaved model holds.
        return Quota.objects.filter(project=project).first() or Quota(project=project)

    @extend_schema(
        summary="A project's quotas and its usage",
        responses={200: QuotaSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        return Response(self.get_serializer(self._quota()).data)

    @extend_schema(
        summary="Set every quota (admin)", responses={200: QuotaSerializer, **errors(*WRITE_ERRORS)}
    )
    def put(self, request: Request, project_id: int, partial: bool = False) -> Response:
        quota = self._quota()
        serializer = self.get_serializer(quota, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        quota = set_quota(quota.project, serializer.validated_data)
        return Response(self.get_serializer(quota).data)

    @extend_schema(
        summary="Set some quotas (admin)", responses={200: QuotaSerializer, **errors(*WRITE_ERRORS)}
    )
    def patch(self, request: Request, project_id: int) -> Response:
        return self.put(request, project_id, partial=True)


class VlanPolicyView(ProjectScoped, ApiGenericView):
    serializer_class = VlanPolicySerializer
    needs = {"GET": Need.VIEWER, "PUT": Need.ADMIN}

    def _policy(self) -> VlanPolicy:
        project = self.get_project()
        return VlanPolicy.objects.filter(project=project).first() or VlanPolicy(project=project)

    @extend_schema(
        summary="A project's VLAN segmentation policy",
        responses={200: VlanPolicySerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        return Response(self.get_serializer(self._policy()).data)

    @extend_schema(
        summary="Replace a project's VLAN segmentation policy (admin)",
        responses={200: VlanPolicySerializer, **errors(*WRITE_ERRORS)},
    )
    def put(self, request: Request, project_id: int) -> Response:
        project = self.get_project()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy = set_vlan_policy(project, **serializer.validated_data)
        return Response(self.get_serializer(policy).data)
