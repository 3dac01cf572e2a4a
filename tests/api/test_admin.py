"""The Django admin: every model of the app is there, and each list and record page opens for
an admin with records present; what deploys and hosts recorded is read only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from designer.models import (
    CheckKind,
    ConnectivityCheck,
    Deployment,
    HaDrill,
    HaEvent,
    MemberHealth,
    VrrpTransition,
)
from designer.services import labs, signin
from tests.api.conftest import Factory, World, deployment_attempt

pytestmark = pytest.mark.django_db

MODELS = list(apps.get_app_config("designer").get_models())


def test_every_model_is_in_the_admin() -> None:
    missing = [model.__name__ for model in MODELS if model not in admin.site._registry]
    assert missing == []


def _superuser(make: Factory) -> User:
    user = make.user("root", staff=True)
    user.is_superuser = True
    user.save()
    return user


def _records(world: World) -> Deployment:
    deployment = deployment_attempt(world.topology)
    now = timezone.now()
    ConnectivityCheck.objects.create(
        topology=world.topology, deployment=deployment, kind=CheckKind.PING, source="a", target="b"
    )
    VrrpTransition.objects.create(
        deployment=deployment,
        router="r1",
        host="net1",
        namespace="ns",
        new_state="master",
        at=now,
        monotonic=1.0,
    )
    drill = HaDrill.objects.create(
        deployment=deployment, router="r1", kind="crash_master", host="net1"
    )
    HaEvent.objects.create(
        deployment=deployment, router="r1", kind="failover", key="k", at=now, drill=drill
    )
    MemberHealth.objects.create(
        deployment=deployment,
        load_balancer="web",
        member="vm1:80",
        host="net1",
        state="down",
        at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    lab = labs.create_lab(world.project, world.owner, title="Two tiers", source=world.topology)
    student = User.objects.create_user("student")
    labs.join_class(student, labs.create_invite(world.project, world.owner).code)
    labs.start_lab(lab, student)
    signin.failed("someone", "192.0.2.1")
    return deployment


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_each_list_and_record_opens_for_an_admin(world: World, make: Factory, model: type) -> None:
    _records(world)
    client = Client()
    client.force_login(_superuser(make))
    name = f"admin:designer_{model._meta.model_name}"
    listed = client.get(reverse(f"{name}_changelist"))
    assert listed.status_code == 200
    record = model.objects.first()
    assert record is not None, f"no {model.__name__} to open"
    assert client.get(reverse(f"{name}_change", args=[record.pk])).status_code == 200


@pytest.mark.parametrize(
    "model", [Deployment, ConnectivityCheck, VrrpTransition, HaDrill, HaEvent, MemberHealth]
)
def test_what_deploys_recorded_is_read_only(world: World, make: Factory, model: type) -> None:
    _records(world)
    client = Client()
    client.force_login(_superuser(make))
    name = f"admin:designer_{model._meta.model_name}"
    assert client.get(reverse(f"{name}_add")).status_code == 403
    record = model.objects.first()
    page = client.get(reverse(f"{name}_change", args=[record.pk])).content.decode()
    assert 'name="_save"' not in page
