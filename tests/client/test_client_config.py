from __future__ import annotations

import pytest
from client_helpers import TOKEN
from pydantic import SecretStr

from akua_pulumi.client import DEFAULT_API_URL, AkuaClient, ClientConfig, ConfigurationError


def test_defaults() -> None:
    cfg = ClientConfig.resolve(env={})
    assert cfg.api_url == DEFAULT_API_URL == "https://api.akua.dev/v1"
    assert cfg.token is None and cfg.workspace is None
    assert cfg.max_attempts == 6 and cfg.max_retry_seconds == 60
    assert cfg.connect_timeout == 5 and cfg.read_timeout == 75
    assert cfg.user_agent.startswith("akua-pulumi/")


def test_precedence_explicit_over_pulumi_over_env() -> None:
    env = {"AKUA_API_URL": "https://env/v1", "AKUA_API_TOKEN": "env-tok", "AKUA_WORKSPACE": "ws_env"}
    pconf = {"akua:apiUrl": "https://pulumi/v1", "akua:token": "pulumi-tok", "akua:workspace": "ws_pulumi"}

    assert ClientConfig.resolve(env=env).api_url == "https://env/v1"
    cfg = ClientConfig.resolve(pulumi_config=pconf, env=env)
    assert (cfg.api_url, cfg.workspace) == ("https://pulumi/v1", "ws_pulumi")
    assert cfg.token is not None and cfg.token.get_secret_value() == "pulumi-tok"
    cfg = ClientConfig.resolve(
        api_url="https://x/v1/", token="arg-tok", workspace="ws_arg", pulumi_config=pconf, env=env
    )
    assert (cfg.api_url, cfg.workspace) == ("https://x/v1", "ws_arg")
    assert cfg.require_token() == "arg-tok"
    # Empty values fall through to the next source.
    cfg = ClientConfig.resolve(token="", pulumi_config={"akua:token": ""}, env=env)
    assert cfg.require_token() == "env-tok"
    # A SecretStr (e.g. from another config object) is accepted.
    assert ClientConfig.resolve(token=SecretStr("s"), env={}).require_token() == "s"


def test_overrides_and_validation() -> None:
    cfg = ClientConfig.resolve(env={}, max_attempts=2, rate_limit_per_second=None, burst=3)
    assert (cfg.max_attempts, cfg.rate_limit_per_second, cfg.burst) == (2, None, 3)
    with pytest.raises(ConfigurationError, match="max_attempts"):
        ClientConfig.resolve(env={}, max_attempts=0)
    with pytest.raises(ConfigurationError, match="api_url"):
        ClientConfig.resolve(api_url="ftp://nope", env={})


def test_missing_token_message() -> None:
    with pytest.raises(ConfigurationError) as info:
        ClientConfig.resolve(env={}, require_token=True)
    text = str(info.value)
    assert "pulumi config set --secret akua:token" in text and "AKUA_API_TOKEN" in text


def test_missing_token_is_lazy() -> None:
    client = AkuaClient(ClientConfig.resolve(env={}))  # building works
    with pytest.raises(ConfigurationError, match="AKUA_API_TOKEN"):
        client.get("/workspaces")
    client.close()


def test_token_never_in_repr() -> None:
    cfg = ClientConfig.resolve(token=TOKEN, env={})
    client = AkuaClient(cfg)
    for text in (repr(cfg), str(cfg), repr(client), str(cfg.model_dump())):
        assert TOKEN not in text
    client.close()


def test_client_kwargs_override_config() -> None:
    base = ClientConfig.resolve(token="t", workspace="ws_a", env={})
    client = AkuaClient(base, workspace="ws_b", max_attempts=1)
    assert client.workspace == "ws_b" and client.config.max_attempts == 1
    assert client.config.require_token() == "t"
    client.close()
