"""Organizations, their members and invitations."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Page, RequestBody, Resource

__all__ = [
    "ManagedWorkspace",
    "ManagedWorkspaceList",
    "Organization",
    "OrganizationAddMemberRequest",
    "OrganizationCreateRequest",
    "OrganizationInvitation",
    "OrganizationInvitationAcceptRequest",
    "OrganizationInvitationCreateRequest",
    "OrganizationInvitationList",
    "OrganizationList",
    "OrganizationListItem",
    "OrganizationMember",
    "OrganizationMemberList",
    "OrganizationOk",
    "OrganizationUpdateMemberRoleRequest",
    "OrganizationUpdateRequest",
]

Role = Literal["owner", "admin", "member"]


class Organization(Resource):
    contract_schema = "Organization"
    id: str
    name: str
    slug: str | None
    icon: str | None
    created_at: int
    updated_at: int
    etag: str


class OrganizationListItem(Organization):
    contract_schema = "OrganizationListItem"
    role: str


class OrganizationList(Page[OrganizationListItem]):
    contract_schema = "OrganizationList"


class OrganizationOk(Resource):
    contract_schema = "OrganizationOk"
    ok: bool


class OrganizationMember(Resource):
    contract_schema = "OrganizationMember"
    user_id: str
    name: str | None
    email: str | None
    image: str | None
    role: str
    joined_at: int
    updated_at: int
    etag: str


class OrganizationMemberList(Page[OrganizationMember]):
    contract_schema = "OrganizationMemberList"


class OrganizationInvitation(Resource):
    contract_schema = "OrganizationInvitation"
    id: str
    organization_id: str
    email: str
    role: str
    status: str  # pending | accepted | canceled
    invited_by: str
    expires_at: int
    created_at: int
    updated_at: int
    etag: str


class OrganizationInvitationList(Page[OrganizationInvitation]):
    contract_schema = "OrganizationInvitationList"


class ManagedWorkspace(Resource):
    contract_schema = "ManagedWorkspace"
    id: str
    name: str
    icon: str | None
    created_at: int


class ManagedWorkspaceList(Page[ManagedWorkspace]):
    contract_schema = "ManagedWorkspaceList"


# -- request bodies ---------------------------------------------------------------------------


class OrganizationCreateRequest(RequestBody):
    contract_schema = "OrganizationCreateRequest"
    name: str = Field(min_length=2, max_length=50)
    slug: str | None = Field(default=None, min_length=3, max_length=39)


class OrganizationUpdateRequest(RequestBody):
    contract_schema = "OrganizationUpdateRequest"
    nullable = frozenset({"icon"})
    name: str | None = Field(default=None, min_length=2, max_length=50)
    slug: str | None = Field(default=None, min_length=3, max_length=39)
    icon: str | None = Field(default=None, max_length=256)


class OrganizationAddMemberRequest(RequestBody):
    contract_schema = "OrganizationAddMemberRequest"
    user_id: str
    role: Role | None = None


class OrganizationUpdateMemberRoleRequest(RequestBody):
    contract_schema = "OrganizationUpdateMemberRoleRequest"
    role: Role


class OrganizationInvitationCreateRequest(RequestBody):
    contract_schema = "OrganizationInvitationCreateRequest"
    email: str
    role: Role | None = None


class OrganizationInvitationAcceptRequest(RequestBody):
    contract_schema = "OrganizationInvitationAcceptRequest"
    token: str = Field(min_length=32, max_length=512, repr=False)
