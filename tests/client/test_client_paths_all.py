"""Every resource and every lookup puts ids into paths through ``api_path`` (issue 23, item 3).

``test_client_paths.py`` follows a few calls to a real akua-local; here every concrete resource provider
(read, update, delete) and every lookup function is called with odd ids in every id it takes, against a
transport that records the raw request target, and no target may carry an odd id unencoded.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from client_helpers import API_URL, TOKEN

import akua_pulumi.resources  # noqa: F401  (registers every provider class)
from akua_pulumi.client import AkuaClient, InvalidPathIdError
from akua_pulumi.lookups._twins import plain_lookups
from akua_pulumi.resources._akua import AkuaProvider
from akua_pulumi.resources._provider import Context
from akua_pulumi.stripe._client import StripeApi, StripeSettings
from akua_pulumi.testing.fake_stripe import StripeFake

ODD_IDS = ["../api_tokens", "a/b", "a?b=c", "a#b", "%2F"]


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


PROVIDERS = sorted({c for c in _subclasses(AkuaProvider) if "type_name" in c.__dict__}, key=lambda c: c.__name__)
LOOKUPS = sorted(((f"{fn.__module__}.{fn.__name__}", fn) for fn in plain_lookups()), key=lambda item: item[0])


def leaks(target: str, odd: str) -> bool:
    """Whether a raw request target carries ``odd`` as written (not as one encoded segment)."""
    return odd in target


def _recording_client() -> tuple[AkuaClient, list[str]]:
    targets: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        targets.append(request.url.raw_path.decode())
        return httpx.Response(404, json={"success": False, "errors": [{"code": 7002, "message": "no"}], "result": {}})

    return AkuaClient(api_url=API_URL, token=TOKEN, transport=httpx.MockTransport(handler)), targets


def _attempt(call: Callable[[], Any]) -> None:
    with contextlib.suppress(Exception):  # 404s, refused ids, lookups' own errors: only the targets matter
        call()


def test_the_lists_are_complete() -> None:
    assert len(PROVIDERS) >= 25 and len(LOOKUPS) >= 15, (len(PROVIDERS), len(LOOKUPS))


def test_the_check_catches_an_id_joined_by_hand() -> None:
    for odd in ODD_IDS:
        assert leaks(f"/v1/clusters/{odd}", odd)
        assert not leaks("/v1/clusters/" + quote(odd, safe=""), odd)


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize("provider", PROVIDERS, ids=[p.__name__ for p in PROVIDERS])
def test_every_resource_encodes_its_ids(provider: type[AkuaProvider], odd: str) -> None:
    client, targets = _recording_client()
    ctx = Context(client=client, seed="test", inputs={})
    state: dict[str, Any] = {f.name: odd for f in provider.all_fields() if f.name.endswith("_id")}
    state["etag"] = "1"
    changed = {name for name in state if name != "etag"}
    with client:
        _attempt(lambda: provider().api_read(ctx, odd, state))
        _attempt(lambda: provider().api_update(ctx, odd, state, dict(state), changed))
        _attempt(lambda: provider().api_delete(ctx, odd, state))
    assert not [t for t in targets if leaks(t, odd)], f"{provider.__name__} sent {odd!r} unencoded: {targets}"


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize(("name", "lookup"), LOOKUPS, ids=[name for name, _ in LOOKUPS])
def test_every_lookup_encodes_its_ids(name: str, lookup: Callable[..., Any], odd: str) -> None:
    client, targets = _recording_client()
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(lookup).parameters.values():
        if param.name == "client":
            kwargs["client"] = client
        elif param.default is inspect.Parameter.empty or param.name.endswith("_id"):
            kwargs[param.name] = odd
    with client:
        _attempt(lambda: lookup(**kwargs))
    assert not [t for t in targets if leaks(t, odd)], f"{name} sent {odd!r} unencoded: {targets}"


@pytest.mark.parametrize("unsegmentable", ["..", ".", ""])
def test_stripe_refuses_an_id_that_is_no_segment(unsegmentable: str) -> None:
    """The Stripe SDK quotes ids itself, but ``..`` and ``.`` are resolved away and ``''`` names the list:
    ``retrieve('customers', '..')`` would GET ``/v1/``. Refused before anything is sent."""
    with StripeFake() as fake:
        api = StripeApi(StripeSettings(api_key=fake.api_key, api_base=fake.api_base))
        for call in (
            lambda: api.retrieve("customers", unsegmentable),
            lambda: api.update("customers", unsegmentable, {"name": "x"}),
            lambda: api.delete("customers", unsegmentable),
        ):
            with pytest.raises(InvalidPathIdError):
                call()
        assert fake.counts() == {}
