"""Property-based fuzzing: random bodies, params and ids for every operation never yield a 5xx or a
response that breaks the contract. Strategies are derived from each operation's request schema: known
properties with schema-typed or arbitrary JSON values, plus unknown keys."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akua_pulumi.contract import Operation, contract
from akua_pulumi.local import create_app

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
