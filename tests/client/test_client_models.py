"""Models against the contract: same field names as the schema, and contract-valid data parses.

Instances are synthesised from each schema (every union branch; once with every property and no
nulls, once with only required properties and nulls wherever allowed). Each instance is first checked
against the contract itself, so the generator cannot drift into testing nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic
import pytest

import akua_pulumi.models as models
from akua_pulumi.contract import contract
from akua_pulumi.models import Page, RequestBody, Resource, parse

SAMPLES = {
    "^orgi_[a-z0-9]+$": "orgi_abc123",
    "^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$": "acme-co",
    "^oci:\\/\\/": "oci://ghcr.io/acme/shop",
    "^[^\\W_](?:(?:[^\\W_]|[\\s\\-'&.])*[^\\W_])?$": "Acme & Co",
}
FORMATS = {"uri": "https://example.com/x", "email": "a@example.com", "date-time": "2024-01-01T00:00:00Z"}


def resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = contract().document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def branches(schema: Mapping[str, Any]) -> int:
    schema = resolve(schema)
    return len(schema.get("anyOf") or schema.get("oneOf") or [None])


def gen(schema: Mapping[str, Any], variant: int, full: bool) -> Any:
    schema = resolve(schema)
    if "allOf" in schema:
        return gen(schema["allOf"][0], variant, full)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = schema[key]
            return gen(options[variant % len(options)], variant, full)
    types = schema.get("type", "object")
    types = types if isinstance(types, list) else [types]
    if "null" in types and (not full or types == ["null"]):
        return None
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        return values[variant % len(values)]
    kind = next(t for t in types if t != "null")
    if kind == "string":
        if "pattern" in schema:
            pattern = schema["pattern"]
            return SAMPLES.get(pattern, "1.2.3" if pattern.startswith("^(0|[1-9]") else "x")
        if "format" in schema:
            return FORMATS[schema["format"]]
        return "s" * max(schema.get("minLength", 1), min(5, schema.get("maxLength", 5)))
    if kind == "integer":
        return int(schema.get("minimum", 0)) + 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [gen(schema.get("items", {}), variant, full)] * max(1, schema.get("minItems", 1))
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    if not props and schema.get("additionalProperties") is not False:
        return {"any": "value"}
    return {name: gen(sub, variant, full) for name, sub in props.items() if full or name in required}


def all_models() -> list[type[Resource] | type[RequestBody]]:
    out: list[type[Resource] | type[RequestBody]] = []
    for name in models.__all__:
        obj = getattr(models, name)
        if isinstance(obj, type) and issubclass(obj, (Resource, RequestBody)) and obj.contract_schema:
            out.append(obj)
    return out


def schema_of(model: type[Resource] | type[RequestBody]) -> Mapping[str, Any]:
    name = model.contract_schema
    assert name is not None
    if name.endswith(" request"):
        schema = contract().operations[name.removesuffix(" request")].request_schema
        assert schema is not None
        return resolve(schema)
    return resolve({"$ref": f"#/components/schemas/{name}"})


def branch_props(schema: Mapping[str, Any]) -> list[set[str]]:
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return [set(resolve(o).get("properties", {})) for o in options]
    return [set(schema.get("properties", {}))]


MODELS = all_models()


def test_every_resource_and_body_is_covered() -> None:
    names = {m.contract_schema for m in MODELS}
    for expected in [
        "Workspace",
        "WorkspaceMember",
        "WorkspaceManagement",
        "WorkspaceSubscription",
        "SubscriptionChangeRequest",
        "WorkspaceAccessState",
        "Organization",
        "OrganizationMember",
        "OrganizationInvitation",
        "ApiToken",
        "CreatedApiToken",
        "Region",
        "Cluster",
        "ClusterCapabilities",
        "Package",
        "PackageVersion",
        "Product",
        "Install",
        "InstallStatus",
        "InstallLifecycleMutation",
        "Operation",
        "QuotaInfo",
        "CreateProductBody",
        "CreateInstallBody",
        "UpdateProductBody",
    ]:
        assert expected in names
    request_schemas = {
        op.operation_id + " request" for op in contract() if op.request_schema and "$ref" not in op.request_schema
    }
    assert request_schemas <= names, request_schemas - names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_field_names_match_schema(model: type[Resource] | type[RequestBody]) -> None:
    schema = schema_of(model)
    fields = {info.alias or name for name, info in model.model_fields.items()}
    assert fields in branch_props(schema)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_contract_valid_data_parses(model: type[Resource] | type[RequestBody]) -> None:
    schema = schema_of(model)
    for variant in range(branches(schema)):
        for full in (True, False):
            data = gen(schema, variant, full)
            assert contract().validate_schema(schema, data) == [], (variant, full, data)
            fields = {info.alias or name for name, info in model.model_fields.items()}
            if not set(data) <= fields:
                continue  # another branch of a union body (e.g. CreateInstallBody's other variant)
            if issubclass(model, RequestBody):
                body = model.model_validate(data)
                assert body.dump() == data
                with pytest.raises(pydantic.ValidationError):
                    model.model_validate({**data, "unknown_field": 1})
            else:
                parsed = parse(model, {**data, "future_field": 1})
                assert parsed.model_extra == {"future_field": 1}
                if isinstance(parsed, Page):
                    assert len(parsed.data) == len(data["data"])


def test_request_body_dump_rules() -> None:
    body = models.UpdateProductBody(name="Shop", custom_image=None)
    assert body.dump() == {"name": "Shop", "custom_image": None}  # explicit null clears
    assert models.UpdateWorkspaceBody(name=None).dump() == {}  # not nullable: dropped
    assert models.CreateProductBody(
        name="Shop",
        package_id="pkg_1",
        package_version_pin={"kind": "pinned", "version": "1.0.0"},  # type: ignore[arg-type]
    ).dump()["package_version_pin"] == {"kind": "pinned", "version": "1.0.0"}
    assert models.CancelSubscriptionBody().dump() == {"effective": "period_end"}


def test_secrets_not_in_model_repr() -> None:
    created = parse(
        models.CreatedApiToken,
        {"id": "tok_1", "workspace_id": "ws_1", "name": "ci", "token": "sk_akua_secretsecret"},
    )
    assert "sk_akua_secretsecret" not in repr(created)
    assert created.token == "sk_akua_secretsecret"
