"""What building a client costs a dynamic-provider process: no pydantic, no httpx CLI, and the CA
bundle only on the first TLS handshake (which still verifies: a certificate it does not trust fails)."""

from __future__ import annotations

import datetime
import http.server
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from akua_pulumi.client import AkuaClient, ClientConfig, ConfigurationError
from akua_pulumi.client._config import SecretStr
from akua_pulumi.client._http import DeferredTrustContext, httpx

_PROBE = """
import sys
import akua_pulumi.client as c
client = c.AkuaClient(api_url="http://127.0.0.1:9/v1", token="sk_probe")
print(sorted(m for m in ("pydantic", "httpx._main", "click", "rich") if m in sys.modules))
import httpx
print(type(httpx.main).__name__)
"""


def test_a_client_loads_neither_pydantic_nor_the_httpx_cli() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "[]", out
    # httpx.main is still httpx's CLI (a click command where click is installed), loaded when asked for.
    pytest.importorskip("click")
    assert out[1] == "Command"


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cert_file, key_file = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}", cert_file
    finally:
        server.shutdown()
        server.server_close()


def test_the_trust_store_loads_on_the_first_handshake_and_verifies(
    https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert_file = https_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    ctx = DeferredTrustContext.create()
    assert ctx.cert_store_stats()["x509_ca"] == 0  # nothing loaded while building the client
    with httpx.Client(verify=ctx) as http:
        assert http.get(url + "/").json() == {"ok": True}
    assert ctx.cert_store_stats()["x509_ca"] == 1


def test_an_untrusted_certificate_fails_closed(https_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = https_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    client = AkuaClient(api_url=url + "/v1", token="sk_test", max_attempts=1)
    with client, pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        client.get("/workspaces")


def test_config_validates_like_a_model() -> None:
    cfg = ClientConfig.resolve(env={}, token="sk_secret_value", max_attempts="3", connect_timeout=2)
    assert (cfg.max_attempts, cfg.connect_timeout) == (3, 2.0)
    assert isinstance(cfg.token, SecretStr) and cfg.require_token() == "sk_secret_value"
    assert "sk_secret_value" not in repr(cfg) + str(cfg.token) + repr(cfg.token) + str(cfg.model_dump())
    assert ClientConfig.model_fields["burst"].default == cfg.burst == 200
    for bad, named in (({"burst": 1.5}, "burst"), ({"read_timeout": 0}, "read_timeout"), ({"retries": 2}, "retries")):
        with pytest.raises(ConfigurationError, match=named):
            ClientConfig.resolve(env={}, **bad)
    with pytest.raises(ValueError, match="max_connections"):
        cfg.replace(max_connections=0)
    with pytest.raises(ValueError, match="retries"):
        cfg.replace(retries=1)
