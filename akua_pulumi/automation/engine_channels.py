"""Each inline program talks to its own engine over channels that share nothing with earlier runs.

gRPC keeps one subchannel pool per process, keyed by address and channel options, and the Pulumi SDK
opens its monitor and engine channels with the same options every run. When a run's engine has gone and
a late call to it failed, the subchannel for that address waits out a reconnect backoff; if the next
engine in the same process listens on the same loopback port (the kernel picks ports at random, so over
thousands of runs it happens), the new run's channel joins that subchannel and its first call fails at
once with ``UNAVAILABLE``, which the SDK reports as "Resource monitor has terminated, shutting down".
A pool per channel (``grpc.use_local_subchannel_pool``) keeps each run's connection its own.
"""

from __future__ import annotations

_LOCAL_POOL = ("grpc.use_local_subchannel_pool", 1)


def isolate_engine_channels() -> None:
    """Make the SDK's monitor and engine channels use a subchannel pool of their own (idempotent)."""
    from pulumi.runtime import _grpc_settings

    if _LOCAL_POOL not in _grpc_settings._GRPC_CHANNEL_OPTIONS:
        _grpc_settings._GRPC_CHANNEL_OPTIONS.append(_LOCAL_POOL)
