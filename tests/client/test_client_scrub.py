"""Error text never carries a secret the request carried, however the server echoes it.

A registry password and a Cloudflare token that akua-local's validation echoes back (jsonschema's
"'…' is too long"), then every place a server could put them (message, code, field path, metadata,
further error entries, a text body, an operation's error), are replaced by ``***`` in ``str``,
``repr``, attributes, hints and logs; once through the lifecycle and once through the real engine.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pulumi
import pytest
from client_helpers import API_URL, TOKEN
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient, ApiError, OperationFailedError
from akua_pulumi.errors import AkuaError
from akua_pulumi.local import LocalServer
from akua_pulumi.resources._provider import AkuaResourceError
from akua_pulumi.resources.cloudflare_connection import CloudflareConnection, CloudflareConnectionProvider
from akua_pulumi.resources.registry_connection import RegistryConnection, RegistryConnectionProvider
from akua_pulumi.testing.stacks import AkuaStack

#: Longer than the contract allows (500 / 2000 characters), so akua-local's validation echoes them.
PASSWORD = ("reg-pass-Zq8#" * 40)[:501]
CF_TOKEN = ("cf-token-Xw3!" * 160)[:2001]
#: Within the limits, for the engine run (the provider's check passes; the echo comes from a proxy).
SHORT_PASSWORD = "reg-pass-Zq8#kL2@pW5"
SHORT_CF_TOKEN = "cf-token-Xw3!nB7^tR4"


def registry_body(password: str) -> dict[str, Any]:
    return {
        "name": "ghcr",
        "registry_url": "ghcr.io",
        "type": "basic",
        "credentials": {"username": "bot", "password": password},
    }


def cloudflare_body(token: str) -> dict[str, Any]:
    return {
        "name": "cf",
        "account_id": "acc1",
        "origin_zone_id": "zone1",
        "origin_hostname_suffix": "origin.example.com",
        "api_token": token,
    }


def everything_said(exc: BaseException) -> str:
    """All the text an error offers a user, a log or a workflow history."""
    parts = [str(exc), repr(exc), *(str(a) for a in exc.args)]
    for name in ("message", "hint", "code", "path", "metadata", "errors", "operation", "url_path"):
        value = getattr(exc, name, None)
        parts.append(json.dumps(value, default=str))
    return "\n".join(parts)


def assert_scrubbed(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"secret {secret[:12]}... leaked into: {text[:400]}"
        assert secret[:40] not in text, "a piece of the secret leaked"


# -- a real akua-local validation error --------------------------------------------------------------


@pytest.fixture
def workspace(api: AkuaClient) -> str:
    return str(api.post("/workspaces", json={"name": "Scrub", "slug": "scrub-ws"})["id"])


@pytest.mark.parametrize(
    ("path", "body", "secret"),
    [
        ("/registry_connections", registry_body(PASSWORD), PASSWORD),
        ("/cloudflare_connections", cloudflare_body(CF_TOKEN), CF_TOKEN),
    ],
    ids=["registry-password", "cloudflare-token"],
)
def test_akua_local_echo_is_scrubbed(
    akua: LocalServer,
    api: AkuaClient,
    workspace: str,
    path: str,
    body: dict[str, Any],
    secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The echo is real: akua-local's validation message quotes the rejected value.
    raw = httpx.post(
        akua.api_url + path,
        json=body,
        headers={"Authorization": f"Bearer {akua.owner_token}", "akua-context": workspace},
    )
    assert raw.status_code in (400, 422) and secret in raw.text

    client = api.for_workspace(workspace).with_secrets(body)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ApiError) as info:
        client.post(path, json=body)
    said = everything_said(info.value)
    assert "***" in info.value.message and "too long" in info.value.message
    assert_scrubbed(said + caplog.text, secret)


@pytest.mark.parametrize(
    ("provider", "inputs", "secret"),
    [
        (RegistryConnectionProvider, registry_body(PASSWORD), PASSWORD),
        (CloudflareConnectionProvider, cloudflare_body(CF_TOKEN), CF_TOKEN),
    ],
    ids=["RegistryConnection", "CloudflareConnection"],
)
def test_lifecycle_passes_declared_secrets_to_the_client(
    akua: LocalServer,
    workspace: str,
    provider: type[Any],
    inputs: dict[str, Any],
    secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The provider's create (check skipped: the server is the one to refuse) scrubs the declared secret."""
    props = {
        **inputs,
        "workspace_id": workspace,
        "akua_seed": "p/s/T/n",
        "akua_connection": {"api_url": akua.api_url, "token": akua.owner_token, "workspace": workspace},
    }
    scrubbed = provider().connect(props["akua_connection"], props)._secret_values()
    assert secret in scrubbed and akua.owner_token in scrubbed
    assert workspace not in scrubbed and akua.api_url not in scrubbed  # the connection's token only
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AkuaResourceError) as info:
        provider().create(props)
    assert "too long" in str(info.value)
    assert_scrubbed(everything_said(info.value) + caplog.text, secret, akua.owner_token)


# -- every place a server could echo it ----------------------------------------------------------------


def echoing_handler() -> Callable[[httpx.Request], httpx.Response]:
    """A server that repeats what it was sent everywhere an error can hold text (a ``:wait`` reports the
    operation failed, its error repeating the earlier requests)."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(":wait"):
            error = {"message": f"bad {seen}", "details": {"requests": seen}}
            return httpx.Response(200, json={"id": "op_1", "done": True, "state": "FAILED", "error": error})
        sent = request.content.decode()
        seen.append(sent)
        if request.url.path.endswith("/text"):
            return httpx.Response(400, text=f"rejected: {sent} " + "x" * 400)
        body = json.loads(sent) if sent else {}
        values = [v for v in json.dumps(body).split('"') if len(v) > 8]
        entry = {
            "code": f"bad_{values[-1]}",
            "message": f"invalid value {values[-1]!r} in {sent}",
            "path": ["body", values[-1]],
            "metadata": {"echo": body, "nested": [{"v": values}], values[-1]: "as a key"},
        }
        return httpx.Response(422, json={"success": False, "errors": [entry, {**entry, "code": 7001}], "result": {}})

    return handler


@pytest.fixture
def echo_client() -> Iterator[AkuaClient]:
    with AkuaClient(api_url=API_URL, token=TOKEN, transport=httpx.MockTransport(echoing_handler())) as client:
        yield client


@pytest.mark.parametrize(
    "body",
    [registry_body(SHORT_PASSWORD), cloudflare_body(SHORT_CF_TOKEN)],
    ids=["registry-password", "cloudflare-token"],
)
def test_every_echo_is_scrubbed(
    echo_client: AkuaClient, body: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    secret = SHORT_PASSWORD if "credentials" in body else SHORT_CF_TOKEN
    client = echo_client.with_secrets(body["credentials"] if "credentials" in body else body["api_token"])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ApiError) as info:
        client.post("/echo", json=body)
    exc = info.value
    assert exc.errors and exc.metadata["echo"]  # the shape is kept, only the values go
    assert_scrubbed(everything_said(exc) + caplog.text, secret)
    with pytest.raises(ApiError) as text_info:  # a non-JSON body, cut to 300 characters after scrubbing
        client.post("/text", json=body)
    assert_scrubbed(everything_said(text_info.value), secret)
    with pytest.raises(OperationFailedError) as op_info:  # an operation's error echoing it
        client.wait_operation({"id": "op_1"}, timeout=5)
    assert_scrubbed(everything_said(op_info.value) + json.dumps(op_info.value.operation), secret)


def test_unscrubbed_without_declaring_the_secret(echo_client: AkuaClient) -> None:
    """The control: without ``with_secrets`` the echo shows (so the tests above can fail)."""
    with pytest.raises(ApiError) as info:
        echo_client.post("/echo", json=registry_body(SHORT_PASSWORD))
    assert SHORT_PASSWORD in everything_said(info.value)


@pytest.mark.parametrize("secret", ['pa"ss\\wörd-1', "ab", "éüß-token-ñ"])
def test_escaped_and_short_secrets(secret: str) -> None:
    """JSON- or repr-escaped echoes are found; a short secret is replaced where it stands quoted."""

    def handler(request: httpx.Request) -> httpx.Response:
        escaped = json.dumps(secret)  # as a server embedding the value in JSON text would show it
        return httpx.Response(400, text=f"value {escaped} rejected; repr {secret!r}")

    client = AkuaClient(api_url=API_URL, token=TOKEN, transport=httpx.MockTransport(handler))
    with client, pytest.raises(ApiError) as info:
        client.with_secrets({"password": secret}).post("/echo", json={})
    said = everything_said(info.value)
    for form in (secret, json.dumps(secret), json.dumps(secret, ensure_ascii=False), repr(secret)):
        assert form not in said, (form, said)


# -- through the real engine ---------------------------------------------------------------------------


class EchoProxy:
    """akua-local behind a loopback proxy that answers connection creates with a validation error echoing
    the whole request (a server that quotes what it rejects); every other request is passed through."""

    def __init__(self, upstream: str) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.command == "POST" and self.path.split("?")[0].endswith("_connections"):
                    proxy.echoed += 1
                    text = body.decode()
                    reply = {
                        "success": False,
                        "errors": [{"code": 7001, "message": f"rejected {text}", "metadata": {"request": text}}],
                        "result": {},
                    }
                    status, content, ctype = 422, json.dumps(reply).encode(), "application/json"
                else:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                    r = httpx.request(self.command, upstream + self.path, content=body, headers=headers)
                    status, content = r.status_code, r.content
                    ctype = r.headers.get("content-type", "application/json")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

        self.echoed = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> EchoProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.e2e
def test_failing_up_prints_no_secret(pulumi_env: Any, akua: LocalServer, workspace: str) -> None:
    def program() -> None:
        RegistryConnection("ghcr", **registry_body(SHORT_PASSWORD))
        CloudflareConnection("cf", **cloudflare_body(SHORT_CF_TOKEN))
        pulumi.export("done", True)

    with EchoProxy(akua.base_url) as proxy:
        stack = AkuaStack(pulumi_env, program, api_url=proxy.url + "/v1", token=akua.owner_token, workspace=workspace)
        with pytest.raises(auto.CommandError) as info:
            stack.up()
    assert proxy.echoed >= 2, "both creates should have reached the echoing server"
    printed = str(info.value)  # the command, its stdout and stderr: what Pulumi prints for the failed up
    assert "rejected" in printed and "***" in printed
    assert_scrubbed(printed, SHORT_PASSWORD, SHORT_CF_TOKEN, akua.owner_token)
    exported = json.dumps(stack.stack.export_stack().deployment)
    assert_scrubbed(exported, SHORT_PASSWORD, SHORT_CF_TOKEN)


def test_secret_strings_walk_nested_values() -> None:
    from akua_pulumi.client._exceptions import scrub_value, secret_strings

    assert secret_strings({"a": ["xyz1", {"b": "longer-one"}]}, None, 1234) == ("longer-one", "1234", "xyz1")
    assert scrub_value({"k-longer-one": ["x longer-one"]}, ["longer-one"]) == {"k-***": ["x ***"]}
    assert isinstance(AkuaError("x"), Exception)
