"""Property-based fuzzing: random bodies, params and ids for every operation never yield a 5xx or a
response that breaks the contract. Strategies are derived from each operation's request schema: known
properties with schema-typed or arbitrary JSON values, plus unknown keys."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akua_pulumi.contract import FORMATS, Operation, contract
from akua_pulumi.local import LocalAdmin, create_app
from akua_pulumi.local.inputs import _response_formats

from .conftest import Api

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _props(schema: Any) -> dict[str, Any]:
    doc = contract().document
    if isinstance(schema, dict) and "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if not isinstance(schema, dict):
        return {}
    out = dict(schema.get("properties", {}))
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        out.update(_props(branch))
    return out


def _value(schema: Any) -> st.SearchStrategy[Any]:
    t = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(schema, dict) and "enum" in schema:
        return st.sampled_from(schema["enum"]) | JSON
    if t == "string":
        return st.text(max_size=20) | st.sampled_from(["oci://x/y", "1.0.0", "https://a.test/i.png"])
    if t == "integer":
        return st.integers(-3, 2**31)
    if t == "boolean":
        return st.booleans()
    return JSON


def _body(op: Operation) -> st.SearchStrategy[Any]:
    props = _props(op.request_schema)
    known = st.fixed_dictionaries({}, optional={k: _value(v) for k, v in props.items()})
    extra = st.dictionaries(st.text(min_size=1, max_size=6), JSON, max_size=2)
    return st.one_of(known, st.builds(lambda a, b: {**b, **a}, known, extra), JSON)


APP = create_app(":memory:", operation_delay=0.0)
ROOT = Api(APP, APP.owner_token)
WS = ROOT.post("/workspaces", json={"name": "Fuzz"}).json()["id"]
CLIENT = ROOT.as_(ws=WS)
REG = CLIENT.post("/regions", json={"name": "eu"}).json()["id"]
CLU = CLIENT.post("/clusters:import", json={"name": "c", "region_id": REG, "kubeconfig": "k"}).json()["id"]
IDS = [WS, REG, CLU, "x", "op_nope", "usr_owner"]


@pytest.mark.parametrize("op", list(contract()), ids=lambda o: o.operation_id)
def test_no_5xx_and_contract_holds(op: Operation) -> None:
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        body=_body(op),
        ids=st.lists(st.sampled_from(IDS), min_size=3, max_size=3),
        etag=st.sampled_from([None, "1", "2", "x"]),
        key=st.sampled_from([None, "k1", "k2"]),
    )
    def run(body: Any, ids: list[str], etag: str | None, key: str | None) -> None:
        it = iter(ids)
        path = re.sub(r"\{[^}]+\}", lambda _: next(it), op.template)
        headers = {k: v for k, v in (("If-Match", etag), ("Idempotency-Key", key)) if v}
        kw: dict[str, Any] = {"headers": headers}
        if op.request_schema is not None:
            kw["json"] = body
        resp = CLIENT.request(op.method, path, **kw)  # the response hook validates against the contract
        assert resp.status_code < 500, (op.operation_id, path, body, resp.text)

    run()


# -- the rules of issue 12, driven by the contract (operations added later join automatically) --------

EXTRA_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "BREW")
TOO_BIG = [2**63, -(2**63) - 1, 2**64, 10**40, 1e300]
EDGE = [2**63 - 1, -(2**63), 0, -1]


def _fields(op: Operation) -> dict[str, Any]:
    """Top-level request body fields, with ``$ref``s resolved."""
    schemas = contract().document["components"]["schemas"]
    out = {}
    for name, sub in _props(op.request_schema).items():
        while isinstance(sub, dict) and "$ref" in sub:
            sub = schemas[sub["$ref"].rsplit("/", 1)[1]]
        out[name] = sub
    return out


def _types(schema: Any) -> set[str]:
    t = schema.get("type") if isinstance(schema, dict) else None
    return set(t) if isinstance(t, list) else {t} if t else set()


def _fill(template: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: WS, template)


def _error_paths(resp: Any) -> list[list[str]]:
    return [e.get("path") for e in resp.json().get("errors", [])]


def test_undeclared_methods_get_405_with_allow_everywhere() -> None:
    import httpx

    raw = httpx.Client(transport=httpx.WSGITransport(app=APP), base_url="http://akua.test/v1")
    for template in sorted({op.template for op in contract()}):
        path = _fill(template)
        # literal segments win: ``/secrets/validate_token`` is not ``/secrets/{id}`` (issue 19)
        declared = {op.method for op in contract() if op.template == template}
        for method in sorted(set(EXTRA_METHODS) - declared):
            r = raw.request(method, path, headers={"Authorization": f"Bearer {APP.owner_token}"})
            assert r.status_code == 405, (method, template, r.status_code, r.text)
            assert r.headers["allow"] == ", ".join(sorted(declared)), (method, template)
            assert r.headers["content-type"] == "application/json" and r.json()["success"] is False


BODY_OPS = [op for op in contract() if op.request_schema is not None]
INT_FIELDS = [(op, name) for op in BODY_OPS for name, s in _fields(op).items() if "integer" in _types(s)]
FORMAT_FIELDS = [
    (op, name, s["format"])
    for op in BODY_OPS
    for name, s in _fields(op).items()
    if isinstance(s, dict) and s.get("format") in FORMATS and "string" in _types(s)
]
INHERITED = [(op, name, fmt) for op in BODY_OPS for name, fmt in _response_formats(op).items()]


def _objects() -> tuple[Api, dict[str, str]]:
    """A workspace the fuzzing above never touches, and one real object per ``{id}`` kind the rules below
    address: since API.md §6.2 an unknown id answers 404 before the body is validated."""
    w = ROOT.as_(ws=ROOT.post("/workspaces", json={"name": "Formats"}).json()["id"])
    reg = w.post("/regions", json={"name": "eu"}).json()["id"]
    clu = w.post("/clusters:import", json={"name": "c", "region_id": reg, "kubeconfig": "k"}).json()["id"]
    org = ROOT.post("/organizations", json={"name": "Formats"}).json()["id"]
    schema = {"type": "object", "properties": {}}
    LocalAdmin(
        "http://akua.test",
        APP.owner_token,
        client=httpx.Client(transport=httpx.WSGITransport(app=APP), base_url="http://akua.test"),
    ).publish_artifact("oci://registry.test/fmt", "1.0.0", "sha256:f", schema)
    version = {"semver": "1.0.0", "ref": "sha256:f", "input_schema": schema}
    pkg = w.post("/packages:import", json={"name": "fmt", "oci_ref": "oci://registry.test/fmt", "version": version})
    pin = {"kind": "pinned", "version": "1.0.0"}
    prod = w.post("/products", json={"name": "Formats", "package_id": pkg.json()["id"], "package_version_pin": pin})
    dash = w.post("/dashboards", json={"name": "Formats"}).json()["dashboard_id"]  # contract v4 (API.md §7.4)
    return w, {"clusters": clu, "organizations": org, "products": prod.json()["id"], "dashboards": dash}


FMT, FMT_IDS = _objects()


def _send(op: Operation, body: Any) -> Any:
    headers = {"If-Match": "1", "Idempotency-Key": "k-" + op.operation_id}
    path = re.sub(r"\{[^}]+\}", lambda _: FMT_IDS.get(op.template.split("/")[1], "x"), op.template)
    return FMT.request(op.method, path, json=body, headers=headers)


@pytest.mark.parametrize(("op", "name"), INT_FIELDS, ids=lambda x: getattr(x, "operation_id", x))
def test_integers_outside_64_bits_are_refused_naming_the_field(op: Operation, name: str) -> None:
    @settings(max_examples=6, deadline=None, database=None)
    @given(big=st.sampled_from(TOO_BIG), edge=st.sampled_from(EDGE))
    def run(big: Any, edge: int) -> None:
        r = _send(op, {name: big})
        assert r.status_code in (400, 422), (op.operation_id, name, big, r.text)
        assert ["body", name] in _error_paths(r), r.text
        assert _send(op, {name: edge}).status_code < 500

    run()


@pytest.mark.parametrize(
    ("op", "name", "fmt"), FORMAT_FIELDS + INHERITED, ids=lambda x: getattr(x, "operation_id", str(x))
)
def test_invalid_formats_are_refused_naming_the_field(op: Operation, name: str, fmt: str) -> None:
    samples = st.sampled_from(["not a uri", "http://", "https://a b/c", "%zz", "x@", "@x.y", "a@b", "2026-13-01"])

    @settings(max_examples=6, deadline=None, database=None)
    @given(value=(samples | st.text(max_size=12)).filter(lambda v: not FORMATS[fmt](v)))
    def run(value: str) -> None:
        r = _send(op, {name: value})
        assert r.status_code in (400, 422), (op.operation_id, name, value, r.text)
        assert ["body", name] in _error_paths(r), r.text

    run()
