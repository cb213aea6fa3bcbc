"""No request of any shape gets a 5xx from akua-local (fault injection off).

A hypothesis property sends random methods, paths (``..``, ``%2F``, ``%252F``, unicode, very long), headers
(bad ``Content-Length``, odd ``Content-Type``, random names) and bodies (random bytes, random and deep JSON,
over the size limit), authenticated and not, over raw sockets to a real :class:`LocalServer` on loopback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akua_pulumi.contract import contract
from akua_pulumi.local import LocalServer
from akua_pulumi.local.control import ROUTES
from akua_pulumi.local.limits import MAX_BODY

from ._raw_http import exchange

_TEMPLATES = sorted({(op.method, op.template) for op in contract()})
_PARAM = re.compile(r"\{[^}]+\}")
#: Every control-plane route (as a ``{param}`` template), so a route added later is fuzzed too; ``/reset`` is
#: left out (it would wipe the fixture's workspace), ``tests/local/test_control_plane.py`` covers it.
_CONTROL_OPS = sorted(
    (m, "/_local" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", rx.pattern.strip("^$")))
    for m, rx, _ in ROUTES
    if rx.pattern != "^/reset$"
)
_CONTROL = sorted({template for _, template in _CONTROL_OPS})


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[LocalServer, str]]:
    with LocalServer() as srv:
        headers = {"Authorization": f"Bearer {srv.owner_token}"}
        ws = httpx.post(srv.api_url + "/workspaces", json={"name": "Fuzz"}, headers=headers).json()["id"]
        yield srv, ws


#: Field names the contract's and the control plane's bodies read, so handlers see odd values in real fields.
_FIELDS = [
    *("name", "slug", "email", "role", "region_id", "id", "workspace_id", "type", "purpose", "seconds"),
    *("latency_ms", "error_rate", "retry_after_seconds", "statuses", "operations", "max_faults", "seed"),
    *("secret_retention_seconds", "subdomain_base_domain", "operation_delay_seconds", "message", "offer_id"),
    *("customer_email", "reason", "instructions", "ref", "semver", "oci_ref", "field_values", "capabilities"),
]

TOKEN = object()  # stands for ``Bearer <the server's owner token>``
WORKSPACE = "\x00ws"  # stands for the fixture's workspace id

segments = st.one_of(
    st.just(WORKSPACE),
    st.sampled_from(["..", ".", "%2F", "%252F", "%", "%zz", "%00", "%2e%2e", "a%2Fb", "?", "#", ":", "", WORKSPACE]),
    st.text(min_size=1, max_size=20),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.~%", min_size=1, max_size=40),
    st.integers(min_value=1000, max_value=20_000).map(lambda n: "a" * n),
)


@st.composite
def targets(draw: st.DrawFn) -> tuple[str, str]:
    """``(method, request-target)``: a contract or control path with random segments, or random segments."""
    kind = draw(st.sampled_from(["contract", "control", "random"]))
    if kind == "contract":
        method, template = draw(st.sampled_from(_TEMPLATES))
        path = "/v1" + _PARAM.sub(lambda _: draw(segments), template)
    elif kind == "control":
        method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
        path = _PARAM.sub(lambda _: draw(segments), draw(st.sampled_from(_CONTROL)))
    else:
        method = "GET"
        prefix = draw(st.sampled_from(["", "/v1", "/_local", "/v1/workspaces", "/_local/objects", "//", "/v2"]))
        path = prefix + "/" + "/".join(draw(st.lists(segments, max_size=6)))
    if draw(st.integers(0, 3)) == 0:
        method = draw(
            st.one_of(
                st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"]),
                st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&'*+-.^_`|~", min_size=1, max_size=12),
            )
        )
    if draw(st.booleans()):
        path += "?" + draw(st.sampled_from(["limit=5", "limit=-1", "limit=99999999999999999999999", "page_token=%zz"]))
    return method, path


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)

_DEPTHS = st.sampled_from([65, 1000, 5000, 100_000])
bodies = st.one_of(
    st.just(b""),
    st.binary(max_size=2000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["name", "slug", "email", "id", "error_rate", "retry_after_seconds", "type", "role"]),
        json_values,
        max_size=4,
    ).map(lambda v: json.dumps(v).encode()),
    _DEPTHS.map(lambda n: b"[" * n + b"]" * n),
    _DEPTHS.map(lambda n: b'{"name": ' + b'{"a":' * n + b"1" + b"}" * (n + 1)),
    st.just(b"x" * (MAX_BODY + 1)),
)

header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any], bytes, bool]:
    method, target = draw(targets())
    body = draw(bodies)
    headers: dict[str, Any] = {}
    auth = draw(st.sampled_from(["owner", "owner", "owner", "none", "wrong", "garbage"]))
    if auth == "owner":
        headers["Authorization"] = TOKEN
    elif auth == "wrong":
        headers["Authorization"] = "Bearer " + draw(st.text(alphabet="abcdef0123456789", max_size=40))
    elif auth == "garbage":
        headers["Authorization"] = draw(header_values)
    ctype = draw(st.sampled_from([None, "application/json", "text/plain", "multipart/form-data; boundary=x", "x"]))
    if ctype:
        headers["Content-Type"] = ctype
    if draw(st.booleans()):
        headers["akua-context"] = draw(st.one_of(st.just(WORKSPACE), header_values))
    for name in ("Idempotency-Key", "If-Match"):
        if draw(st.integers(0, 3)) == 0:
            headers[name] = draw(header_values)
    extra = draw(st.dictionaries(st.from_regex(r"X-[A-Za-z0-9-]{1,20}", fullmatch=True), header_values, max_size=3))
    headers.update(extra)
    length = draw(st.sampled_from(["exact", "exact", "exact", "none", "garbage", "negative", "huge", "shorter"]))
    if length == "exact":
        headers["Content-Length"] = str(len(body))
    elif length == "garbage":  # never a plain number: a larger one would make the server wait for the body
        digits = draw(st.text(alphabet="0123456789", max_size=6))
        headers["Content-Length"] = digits + draw(st.sampled_from(["a", "-", "+", ".5", "x", ",3", "1e3", "0x1"]))
    elif length == "negative":
        headers["Content-Length"] = "-" + str(len(body) or 1)
    elif length == "huge":
        headers["Content-Length"] = draw(st.sampled_from(["1" + "0" * 12, "9" * 30, "1" * 5000]))
    elif length == "shorter":
        headers["Content-Length"] = str(len(body) // 2)
    return method, target, headers, body, length == "none"


@st.composite
def plausible(draw: st.DrawFn) -> tuple[str, str, dict[str, Any], bytes, bool]:
    """An authenticated request to a declared operation or a control-plane route (the fixture's workspace, a
    random JSON object of real field names): past the HTTP boundary, so handlers and their validation see odd values."""
    method, template = draw(st.sampled_from([(m, "/v1" + t) for m, t in _TEMPLATES] + _CONTROL_OPS))
    path = _PARAM.sub(lambda _: draw(st.one_of(st.just(WORKSPACE), segments)), template)
    fields = st.text(min_size=1, max_size=12) | st.sampled_from(_FIELDS)
    body = json.dumps(draw(st.dictionaries(fields, json_values, max_size=5))).encode()
    headers: dict[str, Any] = {"Authorization": TOKEN, "Content-Type": "application/json", "akua-context": WORKSPACE}
    if draw(st.booleans()):
        headers["If-Match"] = draw(header_values)
    headers["Content-Length"] = str(len(body))
    return method, path, headers, body, False


def _bytes(method: str, target: str, headers: dict[str, str], body: bytes, no_length: bool) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n"
    return head + (b"" if no_length else body)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(req=st.one_of(requests(), plausible()))
def test_no_request_gets_a_5xx(server: tuple[LocalServer, str], req: tuple[Any, ...]) -> None:
    srv, ws = server
    method, target, headers, body, no_length = req
    target = target.replace(WORKSPACE, ws)
    owner = f"Bearer {srv.owner_token}"
    headers = {k: owner if v is TOKEN else str(v).replace(WORKSPACE, ws) for k, v in headers.items()}
    try:
        resp = exchange(srv.port, _bytes(method, target, headers, body, no_length), timeout=30)
        assert resp is not None, "closed without an answer"
        assert resp.status < 500, (resp.status, resp.body[:500], method, target[:200], headers)
        if resp.body and method.upper() != "HEAD":
            json.loads(resp.body)  # every answer, errors included, is JSON
    finally:
        srv.app.faults.configure({})  # a fuzzed PUT /_local/faults must not inject into the next example
        srv.app.rt.operation_delay = 0.0
        srv.app.rt.fail_next.clear()
    # still serving: a plain request answers
    r = httpx.get(srv.api_url + f"/workspaces/{ws}", headers={"Authorization": f"Bearer {srv.owner_token}"})
    assert r.status_code in (200, 404), r.text  # 404 once a fuzzed /_local/reset wiped the workspace
