"""Request bodies of the seller-estate operations whose schemas are inline in the contract."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import RequestBody

__all__ = ["CreateComputeConfigBody", "CreateRegistryCredentialBody", "UpdateComputeConfigBody"]


class CreateComputeConfigBody(RequestBody):
    contract_schema = "computeConfigs.create request"
    name: str = Field(min_length=1, max_length=100)
    provider: Literal["hcloud"]
    provider_config: dict[str, Any]
    credential_scope: Any


class UpdateComputeConfigBody(RequestBody):
    contract_schema = "computeConfigs.update request"
    name: str | None = Field(default=None, min_length=1, max_length=100)
    provider_config: dict[str, Any] | None = None
    credential_scope: Any = None


class CreateRegistryCredentialBody(RequestBody):
    contract_schema = "registry.createCredential request"
    name: str = Field(min_length=1, max_length=100)
    registry_url: str = Field(min_length=1, max_length=2048)
    type: Literal["basic", "token", "oauth"]
    credentials: dict[str, Any] = Field(repr=False)
