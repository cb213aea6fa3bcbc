"""A run's channels to its engine share no reconnect backoff with an earlier run's (engine_channels)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from pulumi.runtime import _grpc_settings

from akua_pulumi.automation.engine_channels import isolate_engine_channels


def _server(address: str) -> grpc.Server:
    handler = grpc.method_handlers_generic_handler(
        "akua.test.Engine", {"Ping": grpc.unary_unary_rpc_method_handler(lambda request, context: b"pong")}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    server.add_insecure_port(address)
    server.start()
    return server


def _ping(channel: grpc.Channel, timeout: float | None = None) -> bytes:
    result: bytes = channel.unary_unary("/akua.test.Engine/Ping")(b"ping", timeout=timeout)
    return result


@pytest.fixture
def sdk_channel_options() -> Iterator[list[tuple[str, object]]]:
    saved = list(_grpc_settings._GRPC_CHANNEL_OPTIONS)
    yield _grpc_settings._GRPC_CHANNEL_OPTIONS
    _grpc_settings._GRPC_CHANNEL_OPTIONS[:] = saved


def _next_run_after_a_late_call(options: list[tuple[str, object]]) -> bytes:
    """Engine 1 answers and goes; a late call to it fails; engine 2 listens on the same port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    first = _server(address)
    old = grpc.insecure_channel(address, options=list(options))
    assert _ping(old) == b"pong"
    first.stop(0).wait()
    with pytest.raises(grpc.RpcError):
        _ping(old, timeout=1)
    second = _server(address)
    try:
        return _ping(grpc.insecure_channel(address, options=list(options)), timeout=5)
    finally:
        second.stop(0)


def test_sdk_options_alone_inherit_the_dead_engines_backoff(sdk_channel_options: list[tuple[str, object]]) -> None:
    shared_pool = [option for option in sdk_channel_options if option != ("grpc.use_local_subchannel_pool", 1)]
    with pytest.raises(grpc.RpcError) as err:
        _next_run_after_a_late_call(shared_pool)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE  # the flake: "Resource monitor has terminated"


def test_isolated_channels_reach_the_new_engine(sdk_channel_options: list[tuple[str, object]]) -> None:
    isolate_engine_channels()
    isolate_engine_channels()
    assert sdk_channel_options.count(("grpc.use_local_subchannel_pool", 1)) == 1
    assert _next_run_after_a_late_call(sdk_channel_options) == b"pong"
