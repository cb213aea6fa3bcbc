"""Workspace, its members, management, subscription and access state."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Page, RequestBody, Resource

__all__ = [
    "AddWorkspaceMemberBody",
    "CancelSubscriptionBody",
    "ChangeSubscriptionTierBody",
    "CreateWorkspaceBody",
    "ManagingOrganization",
    "ReactivateSubscriptionBody",
    "SubscriptionChangeRequest",
    "SubscriptionChangeRequestList",
    "UpdateWorkspaceBody",
    "UpdateWorkspaceMemberBody",
    "Workspace",
    "WorkspaceAccessState",
    "WorkspaceList",
    "WorkspaceManagement",
    "WorkspaceManagementGrant",
    "WorkspaceMember",
    "WorkspaceMemberList",
    "WorkspacePlan",
    "WorkspaceSubscription",
]


class WorkspacePlan(Resource):
    tier: str
    billed_by: str  # platform | seller


class Workspace(Resource):
    contract_schema = "Workspace"
    id: str
    name: str
    slug: str
    plan: WorkspacePlan
    workspace_class: str  # standard | platform | sandbox
    created_at: int
    updated_at: int
    etag: str


class WorkspaceList(Page[Workspace]):
    contract_schema = "WorkspaceList"


class WorkspaceMember(Resource):
    contract_schema = "WorkspaceMember"
    id: str
    user_id: str
    role: str  # owner | admin | member
    joined_at: str  # ISO-8601, unlike most timestamps


class WorkspaceMemberList(Page[WorkspaceMember]):
    contract_schema = "WorkspaceMemberList"


class ManagingOrganization(Resource):
    id: str
    name: str


class WorkspaceManagementGrant(Resource):
    organization: ManagingOrganization
    granted_at: int


class WorkspaceManagement(Resource):
    contract_schema = "WorkspaceManagement"
    workspace_id: str
    management: WorkspaceManagementGrant | None
    etag: str


class WorkspaceSubscription(Resource):
    contract_schema = "WorkspaceSubscription"
    id: str
    workspace_id: str
    tier: str
    status: str
    cancellation_scheduled: bool
    current_period_end: str | None
    billed_by: str
    created_at: int


class SubscriptionChangeRequest(Resource):
    contract_schema = "SubscriptionChangeRequest"
    id: str
    workspace_id: str
    requested_tier: str
    status: str
    effective_at: str | None
    created_at: int


class SubscriptionChangeRequestList(Page[SubscriptionChangeRequest]):
    contract_schema = "SubscriptionChangeRequestList"


class WorkspaceAccessState(Resource):
    contract_schema = "WorkspaceAccessState"
    workspace_id: str
    status: str
    access_version: int
    accessible: bool
    reason: str | None
    reconciliation_status: str
    payment_grace_ends_at: int | None
    restricted_at: int | None
    suspend_at: int | None
    ended_at: int | None


# -- request bodies ---------------------------------------------------------------------------


class CreateWorkspaceBody(RequestBody):
    contract_schema = "workspaces.create request"
    name: str = Field(min_length=1, max_length=100)
    slug: str | None = Field(default=None, min_length=3, max_length=39)


class UpdateWorkspaceBody(RequestBody):
    contract_schema = "workspaces.update request"
    name: str | None = Field(default=None, min_length=1, max_length=100)
    slug: str | None = Field(default=None, min_length=3, max_length=39)


class AddWorkspaceMemberBody(RequestBody):
    contract_schema = "workspaces.addMember request"
    user_id: str
    role: Literal["admin", "member"]


class UpdateWorkspaceMemberBody(RequestBody):
    contract_schema = "workspaces.updateMember request"
    role: Literal["admin", "member"]


class CancelSubscriptionBody(RequestBody):
    contract_schema = "workspaces.cancelSubscription request"
    always = frozenset({"effective"})  # required by the contract even though it has one value
    effective: Literal["period_end"] = "period_end"


class ReactivateSubscriptionBody(RequestBody):
    contract_schema = "workspaces.reactivateSubscription request"


class ChangeSubscriptionTierBody(RequestBody):
    contract_schema = "workspaces.changeSubscriptionTier request"
    tier: str
