"""Every API error as `{"code": ..., "detail": ..., "errors": [{"path", "message"}]}`.

`code` is stable (clients branch on it) and listed in `ERROR_CODES`, which the OpenAPI schema
documents. `errors` comes with every 400 and names each bad field by its path in the request
body (`document.networks[2].cidr`) or by its query parameter; `(body)` is the body as a whole.
Domain errors (a stale revision, the last owner, a bad document or policy) are turned into codes
here, so views only let them rise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from designer.services.deployments import DeploymentBlocked, DeploymentConflict
from designer.services.drift import NotDeployed
from designer.services.fabric import FabricBusy, FabricInUse
from designer.services.projects import AlreadyMemberError, LastOwnerError
from designer.services.topologies import StaleRevisionError
from designer.spec import DocumentError, FieldError
from designer.spec.policy import PolicyError
from tasks.fabric.spec import FabricError, NeedsRoot

# code -> (HTTP status, what it means). The OpenAPI schema lists these per response.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "invalid_input": (400, "A field of the body or a parameter is wrong; `errors` names each."),
    "invalid_document": (400, "The topology document does not parse; `errors` names each field."),
    "malformed_json": (400, "The body is not JSON."),
    "invalid_credentials": (400, "The username or password is wrong, or the account is off."),
    "bad_request": (400, "The request itself is malformed (a header, not the body)."),
    "not_authenticated": (401, "No credentials were given."),
    "authentication_failed": (401, "The token or share link is unknown, revoked or expired."),
    "permission_denied": (403, "The caller's role does not allow this."),
    "not_found": (404, "No such object, or the caller may not see it."),
    "method_not_allowed": (405, "This endpoint does not take that method."),
    "not_acceptable": (406, "The Accept header asks for a format the API does not speak."),
    "stale_revision": (409, "The write was made on an older revision; the body holds the head."),
    "last_owner": (409, "A project must keep at least one owner."),
    "already_member": (409, "The user is already a member of the project."),
    "conflict": (409, "A concurrent change took the same name; reload and try again."),
    "deployment_in_progress": (
        409,
        "Another deploy or destroy of the topology is under way; `deployment` is its id.",
    ),
    "deployment_blocked": (
        409,
        "The revision has validation errors; `errors` lists each (code, message, elements).",
    ),
    "deployment_finished": (409, "The deployment is no longer under way: nothing to cancel."),
    "deployment_not_deployed": (
        409,
        "The deployment is not what the topology has deployed now: nothing of it to observe.",
    ),
    "not_deployed": (
        409,
        "The topology has nothing deployed: deploy it before checking its connectivity.",
    ),
    "topology_deployed": (
        409,
        "Something of the topology is deployed (or a deploy is under way or failed half way): "
        "destroy it before deleting the topology.",
    ),
    "not_ha": (409, "The router is not an HA router in the deployed revision: it has no drills."),
    "no_master": (
        409,
        "No instance of the HA router reports MASTER now, so the drill has no master to act on.",
    ),
    "drill_under_way": (
        409,
        "Another drill on the router is under way (`drill` names it): its task or its probe has "
        "not finished. Drills on one router run one at a time; a failback waits only for "
        "another failback.",
    ),
    "fabric_in_use": (
        409,
        "Topologies are deployed on lab fabric hosts the request would remove; `topologies` "
        "names them and `hosts` the hosts. Destroy those deployments first.",
    ),
    "fabric_busy": (409, "Another change of the lab fabric is under way; try again after it."),
    "request_too_large": (413, "The request body is over the size limit."),
    "unsupported_media_type": (415, "Bodies are JSON (Content-Type: application/json)."),
    "throttled": (429, "Too many requests; wait and retry."),
    "too_many_failures": (
        429,
        "Too many failed sign-ins for this username or from this address: sign-ins are "
        "refused until the time in the Retry-After header has passed.",
    ),
    "needs_root": (503, "The server does not run as root, which the lab fabric needs."),
    "fabric_failed": (
        503,
        "A kernel step of the lab fabric failed (`detail` says which); start it again to "
        "finish it, or remove it.",
    ),
}

WHOLE_BODY = "(body)"


class ApiError(exceptions.APIException):
    """An error with a stable code, optional field errors, and extra members for the body;
    `retry_after` (seconds) is sent as the Retry-After header."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        errors: Iterable[FieldError | dict[str, Any]] = (),
        retry_after: int | None = None,
        **extra: Any,
    ) -> None:
        self.wait = retry_after  # DRF's handler sends it as Retry-After
        self.status_code = ERROR_CODES[code][0]
        self.error_code = code
        self.errors = [e if isinstance(e, dict) else e.as_dict() for e in errors]
        self.extra = extra
        super().__init__(detail, code)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.error_code, "detail": str(self.detail)}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def input_error(errors: list[FieldError], code: str = "invalid_input") -> ApiError:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ApiError(code, f"{first.path}: {first.message}{more}", errors=errors)


def document_error(exc: DocumentError, field: str = "document") -> ApiError:
    """A document that does not parse, its paths made paths into the request body."""
    errors = [
        FieldError(field if e.path == "(document)" else f"{field}.{e.path}", e.message)
        for e in exc.errors
    ]
    return input_error(errors, "invalid_document")


def deployment_conflict(exc: DeploymentConflict) -> ApiError:
    """The attempt in the way: another one under way (a new request), or, for a cancel, the
    one asked about, which has finished."""
    deployment = exc.active
    if deployment.active:
        return ApiError(
            "deployment_in_progress",
            f"Deployment {deployment.pk} of this topology is {deployment.state}; wait for it "
            "to finish or cancel it.",
            deployment=deployment.pk,
            state=deployment.state,
        )
    return ApiError(
        "deployment_finished",
        f"Deployment {deployment.pk} is {deployment.state}: there is nothing to cancel.",
        deployment=deployment.pk,
        state=deployment.state,
    )


def deployment_blocked(exc: DeploymentBlocked) -> ApiError:
    """Each validation error as an error item at `findings[i]`, with its code and elements."""
    items = [
        {
            **FieldError(f"findings[{i}]", finding.message).as_dict(),
            "code": finding.code,
            "elements": list(finding.elements),
        }
        for i, finding in enumerate(exc.errors)
    ]
    return ApiError(
        "deployment_blocked",
        f"The revision has {len(items)} validation error(s); fix them to deploy.",
        errors=items,
    )


def fabric_error(exc: FabricInUse | FabricBusy | FabricError) -> ApiError:
    if isinstance(exc, FabricInUse):
        return ApiError(
            "fabric_in_use",
            f"Destroy the deployments of {', '.join(t.name for t in exc.topologies)} first: "
            f"removing {', '.join(exc.hosts)} would leave their namespaces behind.",
            topologies=[
                {"id": t.pk, "name": t.name, "project": t.project.name} for t in exc.topologies
            ],
            hosts=exc.hosts,
        )
    if isinstance(exc, FabricBusy):
        return ApiError("fabric_busy", "Another change of the lab fabric is under way.")
    if isinstance(exc, NeedsRoot):
        return ApiError(
            "needs_root",
            "The lab fabric needs root: the server runs as another user, so it cannot create "
            "or observe network namespaces. Run it as root, or use `manage.py fabric` as root.",
        )
    return ApiError("fabric_failed", str(exc))


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key in ("non_field_errors", WHOLE_BODY):
        return path
    return f"{path}.{key}" if path else str(key)


def flatten(detail: Any, path: str = "") -> list[FieldError]:
    """DRF's nested error detail (dicts of fields, lists of items) as one list of paths."""
    if isinstance(detail, Mapping):
        return [e for key, value in detail.items() for e in flatten(value, _join(path, key))]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [FieldError(path or WHOLE_BODY, str(item)) for item in detail]
        # A list serializer reports one entry per item, empty for the good ones.
        return [e for i, item in enumerate(detail) if item for e in flatten(item, _join(path, i))]
    return [FieldError(path or WHOLE_BODY, str(detail))]


def _django_errors(exc: DjangoValidationError) -> list[FieldError]:
    if hasattr(exc, "error_dict"):
        return [
            FieldError(WHOLE_BODY if field == "__all__" else field, message)
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [FieldError(WHOLE_BODY, message) for message in exc.messages]


def _translate(exc: Exception) -> Exception:
    """Domain and Django errors as API errors; anything else unchanged."""
    if isinstance(exc, StaleRevisionError):
        head = exc.current
        return ApiError(
            "stale_revision",
            f"The topology is at revision {head.number}; the change was made on an older one.",
            current_revision=head.number,
            document=head.document,
        )
    if isinstance(exc, LastOwnerError):
        return ApiError("last_owner", "A project must keep at least one owner.")
    if isinstance(exc, AlreadyMemberError):
        return ApiError("already_member", str(exc))
    if isinstance(exc, DeploymentConflict):
        return deployment_conflict(exc)
    if isinstance(exc, DeploymentBlocked):
        return deployment_blocked(exc)
    if isinstance(exc, NotDeployed):
        return ApiError(
            "deployment_not_deployed",
            f"Deployment {exc.deployment.pk} is not what the topology has deployed now "
            f"({exc.deployment.action}, {exc.deployment.state}): there is nothing of it to "
            "observe.",
            deployment=exc.deployment.pk,
            state=exc.deployment.state,
        )
    if isinstance(exc, FabricInUse | FabricBusy | FabricError):
        return fabric_error(exc)
    if isinstance(exc, DocumentError):
        return input_error(exc.errors, "invalid_document")
    if isinstance(exc, PolicyError):
        return input_error([FieldError(exc.field, exc.message)])
    if isinstance(exc, DjangoValidationError):
        return input_error(_django_errors(exc) or [FieldError(WHOLE_BODY, "is not valid")])
    if isinstance(exc, RequestDataTooBig):
        return ApiError("request_too_large", "The request body is over the size limit.")
    if isinstance(exc, IntegrityError):
        return ApiError("conflict", ERROR_CODES["conflict"][1])
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, ApiError):
        return exc.body()
    if isinstance(exc, exceptions.ValidationError):
        return input_error(flatten(exc.detail) or [FieldError(WHOLE_BODY, "is not valid")]).body()
    if isinstance(exc, exceptions.ParseError):
        return ApiError(
            "malformed_json", str(exc.detail), errors=[FieldError(WHOLE_BODY, str(exc.detail))]
        ).body()
    code = exc.default_code if exc.default_code in ERROR_CODES else "bad_request"
    return {"code": code, "detail": str(exc.detail)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # a bug: let Django answer 500 and log it
    response.data = _body(exc)
    return response
