"""Netloom's stored data, one module per concept."""

from designer.models.balancers import MemberHealth, MemberState
from designer.models.checks import CheckKind, CheckState, ConnectivityCheck
from designer.models.deployments import Deployment, DeploymentAction, DeploymentState
from designer.models.failover import DrillKind, DrillState, HaDrill, HaEvent, HaEventKind
from designer.models.hosts import Host
from designer.models.labs import ClassInvite, Enrolment, Lab, LabCopy
from designer.models.policy import Quota, VlanPolicy
from designer.models.projects import Membership, Project, Role
from designer.models.sharing import ShareLink
from designer.models.signin import SignInFailures
from designer.models.topologies import Revision, Topology
from designer.models.vrrp import VrrpState, VrrpTransition

__all__ = [
    "CheckKind",
    "CheckState",
    "ClassInvite",
    "ConnectivityCheck",
    "Deployment",
    "DeploymentAction",
    "DeploymentState",
    "DrillKind",
    "DrillState",
    "Enrolment",
    "HaDrill",
    "HaEvent",
    "HaEventKind",
    "Host",
    "Lab",
    "LabCopy",
    "MemberHealth",
    "MemberState",
    "Membership",
    "Project",
    "Quota",
    "Revision",
    "Role",
    "ShareLink",
    "SignInFailures",
    "Topology",
    "VlanPolicy",
    "VrrpState",
    "VrrpTransition",
]
