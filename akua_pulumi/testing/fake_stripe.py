"""A FAKE Stripe server for tests: ``localstripe`` plus the parts of the Stripe API it lacks.

Real Stripe cannot run here, so tests (ours, and users' CI) run the Stripe side against this fake,
started on 127.0.0.1 by the tests themselves (it needs the ``testing`` extra,
``pip install akua-pulumi[testing]``, which brings the pinned ``localstripe``)::

    python -m akua_pulumi.testing.fake_stripe --port 12111

It is ``localstripe`` (stateful, in memory) with these additions, each modelled on Stripe's documented
behaviour (see docs/stripe.md, "The fake"):

* **Idempotency-Key** (localstripe ignores it): a POST with a key seen before replays the saved
  response (``Idempotent-Replayed: true``); the same key with different parameters is a 400
  ``idempotency_error``; a key is remembered for 24 hours.
* **Prices** (localstripe has only legacy Plans): ``/v1/prices`` create/retrieve/update/list, stored as
  a Plan with the same id (Stripe itself accepts a recurring price's id as a plan id); subscription
  items accept ``price`` and show ``price``.
* **Metadata**: setting a key to ``""`` deletes it (localstripe stored the empty string).
* **Persistence off**: localstripe pickles its store to ``/tmp/localstripe.pickle`` on every write,
  which parallel test servers would share; this fake keeps state in memory only.
* **Loopback only**: it binds 127.0.0.1 (localstripe binds every interface).
* **Fault injection** (test control, not Stripe): ``POST /_config/fake/faults`` with JSON
  ``{"method": "POST", "path": "/v1/customers", "times": 1}`` makes the next matching request run
  but lose its response (the connection is closed unanswered): the outcome a client cannot know.
  ``GET /_config/fake/counts`` returns requests served per ``"METHOD /path"``;
  ``DELETE /_config/fake/idempotency`` forgets every key (as 24 hours would).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import AkuaError

__all__ = ["MISSING_LOCALSTRIPE", "StripeFake", "build_app", "main", "require_localstripe"]

#: The one-line hint when the ``testing`` extra is not installed.
MISSING_LOCALSTRIPE = "the fake Stripe server needs localstripe: pip install akua-pulumi[testing]"

_KEY_TTL = 24 * 3600.0


def _price_view(plan: Any) -> dict[str, Any]:
    """A Plan shown as a Stripe Price."""
    return {
        "id": plan.id,
        "object": "price",
        "active": plan.active,
        "billing_scheme": plan.billing_scheme,
        "created": plan.created,
        "currency": plan.currency,
        "livemode": False,
        "lookup_key": getattr(plan, "_lookup_key", None),
        "metadata": dict(plan.metadata or {}),
        "nickname": plan.nickname,
        "product": plan.product,
        "recurring": {
            "interval": plan.interval,
            "interval_count": plan.interval_count,
            "usage_type": plan.usage_type,
            "trial_period_days": plan.trial_period_days,
        },
        "type": "recurring",
        "unit_amount": plan.amount,
    }


def require_localstripe() -> None:
    """Raise :class:`AkuaError` naming the ``testing`` extra when ``localstripe`` is not installed."""
    if importlib.util.find_spec("localstripe") is None:
        raise AkuaError(MISSING_LOCALSTRIPE)


def build_app() -> Any:
    """The localstripe aiohttp application with the additions above (state is process-global)."""
    require_localstripe()
    from aiohttp import web
    from localstripe import resources as ls
    from localstripe import server as ls_server
    from localstripe.errors import UserError

    # Persistence off: state lives in this process only.
    ls.Store.dump_to_disk = lambda self: None
    ls.Store.try_load_from_disk = lambda self: None

    # Metadata: "" deletes a key, as in Stripe.
    original_update = ls.StripeObject._update

    def _update(self: Any, **data: Any) -> None:
        metadata = data.get("metadata")
        for key, value in list(data.items()):  # form-encoded booleans arrive as "true"/"false"
            if isinstance(getattr(self, key, None), bool):
                data[key] = ls.try_convert_to_bool(value)
        original_update(self, **data)
        if isinstance(metadata, dict) and isinstance(getattr(self, "metadata", None), dict):
            for key, value in metadata.items():
                if value == "":
                    self.metadata.pop(key, None)

    ls.StripeObject._update = _update

    # Subscription items show the price they bill.
    si_export = ls.SubscriptionItem._export

    def _si_export(self: Any, expand: Any = None) -> dict[str, Any]:
        out: dict[str, Any] = si_export(self, expand=expand)
        plan = out.get("plan")
        if isinstance(plan, dict):
            out["price"] = {**plan, "object": "price", "unit_amount": plan.get("amount")}
        return out

    ls.SubscriptionItem._export = _si_export

    app: Any = ls_server.app
    idempotency: dict[str, tuple[float, str, int, bytes, str]] = {}
    faults: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()

    def _error(status: int, type_: str, message: str, param: str | None = None) -> Any:
        body: dict[str, Any] = {"error": {"type": type_, "message": message}}
        if param:
            body["error"]["param"] = param
        return web.json_response(body, status=status)

    @web.middleware
    async def fake_middleware(request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
        path = request.path
        if path.startswith("/_config/"):
            return await handler(request)
        counts[f"{request.method} {path}"] += 1
        fault = next(
            (
                f
                for f in faults
                if f["method"] == request.method and (f["path"] == path or path.startswith(f["path"] + "/"))
            ),
            None,
        )
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key:
            raw = await request.read()
            fingerprint = hashlib.sha256(f"{path}\0".encode() + raw).hexdigest()
            now = time.time()
            saved = idempotency.get(key)
            if saved is not None and now - saved[0] < _KEY_TTL:
                if saved[1] != fingerprint:
                    return _error(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters they were "
                        "first used with.",
                    )
                response = web.Response(body=saved[3], status=saved[2], content_type="application/json")
                response.headers["Idempotent-Replayed"] = "true"
                response.headers["Idempotency-Key"] = key
            else:
                response = await handler(request)
                if response.status < 500:  # Stripe saves every outcome but 500s
                    idempotency[key] = (now, fingerprint, response.status, response.body, "")
                response.headers["Idempotency-Key"] = key
        else:
            response = await handler(request)
        if fault is not None:
            fault["times"] -= 1
            if fault["times"] <= 0:
                faults.remove(fault)
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("fault injected: response lost")
        return response

    app.middlewares.insert(1, fake_middleware)

    # ---- prices, stored as plans ----

    def _plan(id_: str) -> Any:
        plan = ls.Plan._api_retrieve(id_)
        return plan

    async def create_price(request: Any) -> Any:
        data = await ls_server.get_post_data(request) or {}
        unknown = set(data) - {
            "currency",
            "unit_amount",
            "product",
            "product_data",
            "recurring",
            "metadata",
            "nickname",
            "active",
            "lookup_key",
        }
        if unknown:
            return _error(400, "invalid_request_error", f"Received unknown parameter: {sorted(unknown)[0]}")
        recurring = data.get("recurring")
        if not isinstance(recurring, dict) or "interval" not in recurring:
            return _error(400, "invalid_request_error", "This fake supports recurring prices only", "recurring")
        product = data.get("product")
        if product is None and isinstance(data.get("product_data"), dict):
            product = ls.Product(**data["product_data"]).id
        plan = ls.Plan(
            id="price_" + ls.random_id(24),
            amount=data.get("unit_amount"),
            currency=data.get("currency"),
            interval=recurring.get("interval"),
            interval_count=recurring.get("interval_count", 1),
            product=product,
            metadata=data.get("metadata"),
            nickname=data.get("nickname"),
            active=data.get("active", True),
        )
        plan._lookup_key = data.get("lookup_key")
        return web.json_response(_price_view(plan))

    async def retrieve_price(request: Any) -> Any:
        return web.json_response(_price_view(_plan(request.match_info["id"])))

    async def update_price(request: Any) -> Any:
        plan = _plan(request.match_info["id"])
        data = await ls_server.get_post_data(request) or {}
        unknown = set(data) - {"active", "metadata", "nickname", "lookup_key"}
        if unknown:  # Stripe: amount, currency, interval and product are immutable
            name = sorted(unknown)[0]
            return _error(400, "invalid_request_error", f"Received unknown parameter: {name}", name)
        if "active" in data:
            plan.active = ls.try_convert_to_bool(data.pop("active"))
        if "lookup_key" in data:
            plan._lookup_key = data.pop("lookup_key") or None
        if data:
            plan._update(**data)
        return web.json_response(_price_view(plan))

    async def list_prices(request: Any) -> Any:
        query = ls_server.unflatten_data(request.query)
        prices = [v for k, v in ls.store.items() if k.startswith("plan:") and v.id.startswith("price_")]
        if "product" in query:
            prices = [p for p in prices if p.product == query["product"]]
        if "active" in query:
            want = ls.try_convert_to_bool(query["active"])
            prices = [p for p in prices if p.active == want]
        data = [_price_view(p) for p in sorted(prices, key=lambda p: p.created, reverse=True)]
        return web.json_response({"object": "list", "url": "/v1/prices", "has_more": False, "data": data})

    # Subscriptions: items[].price -> items[].plan (the price is stored as a plan of the same id).
    original_sub_create = ls.Subscription._api_create.__func__

    def sub_create(cls: type[Any], /, **data: Any) -> Any:
        items = data.get("items")
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and "price" in item:
                    item["plan"] = item.pop("price")
        method = data.pop("collection_method", "charge_automatically")
        days = ls.try_convert_to_int(data.pop("days_until_due", None))
        if method not in ("charge_automatically", "send_invoice"):
            raise UserError(400, "Invalid collection_method")
        if method == "send_invoice":
            if not isinstance(days, int) or days < 0:
                raise UserError(400, "days_until_due is required when collection_method is send_invoice")
            # Stripe: an invoiced subscription is active at once and the invoice is sent to the customer;
            # localstripe would charge a payment method, so create it without its first invoice.
            data.setdefault("trial_period_days", 0)
        sub = original_sub_create(cls, **data)
        if method == "send_invoice":
            sub.trial_period_days = None
            sub.status = "active"
        sub.collection_method = method
        sub.days_until_due = days if method == "send_invoice" else None
        return sub

    ls.Subscription._api_create = classmethod(sub_create)

    # ---- test control ----

    async def add_fault(request: Any) -> Any:
        body = await request.json()
        faults.append({"method": body["method"], "path": body["path"], "times": int(body.get("times", 1))})
        return web.json_response({"faults": len(faults)})

    async def get_counts(request: Any) -> Any:
        return web.json_response(dict(counts))

    async def expire_keys(request: Any) -> Any:
        idempotency.clear()
        return web.json_response({})

    async def flush(request: Any) -> Any:
        ls.store.clear()
        idempotency.clear()
        faults.clear()
        counts.clear()
        return web.json_response({})

    # Our routes go before localstripe's (its router matched /v1/prices to nothing, so order is free),
    # but aiohttp freezes the router at startup, so add them now.
    app.router.add_post("/v1/prices", create_price)
    app.router.add_get("/v1/prices/{id}", retrieve_price)
    app.router.add_post("/v1/prices/{id}", update_price)
    app.router.add_get("/v1/prices", list_prices)
    app.router.add_post("/_config/fake/faults", add_fault)
    app.router.add_get("/_config/fake/counts", get_counts)
    app.router.add_delete("/_config/fake/data", flush)
    app.router.add_delete("/_config/fake/idempotency", expire_keys)
    return app


class StripeFake:
    """Run the fake in a child process on a free 127.0.0.1 port: ``with StripeFake() as fake: fake.api_base``."""

    #: Any ``sk_test_`` key works against the fake; tests use this one.
    api_key = "sk_test_akua_pulumi_fake_key"

    def __init__(self, port: int | None = None) -> None:
        #: 0 until started: the child binds a free port itself (no window for another process to take it).
        self.port = port or 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StripeFake:
        require_localstripe()
        self._dir = tempfile.TemporaryDirectory(prefix="akua-fake-stripe-")
        ready, log = Path(self._dir.name, "listening.json"), Path(self._dir.name, "stderr.log")
        cmd = [sys.executable, "-m", "akua_pulumi.testing.fake_stripe", "--port", str(self.port)]
        with log.open("wb") as stderr:
            self._proc = subprocess.Popen(
                [*cmd, "--ready-file", str(ready)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                if ready.exists():
                    self.port = int(json.loads(ready.read_text())["port"])
                    self._control("GET", "/_config/fake/counts")
                    return self
            except OSError:
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                why = f"exit {self._proc.returncode}" if self._proc.poll() is not None else "no answer in 120 s"
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                self.stop()
                raise AkuaError(f"the fake Stripe server did not start ({why})" + "".join(f"\n  {t}" for t in tail))
            time.sleep(0.1)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> StripeFake:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api_base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")

    def lose_responses(self, method: str, path: str, times: int = 1) -> None:
        """The next ``times`` matching requests run, but their responses are lost."""
        self._control("POST", "/_config/fake/faults", {"method": method, "path": path, "times": times})

    def counts(self) -> dict[str, int]:
        """Requests served per ``"METHOD /path"``."""
        return dict(self._control("GET", "/_config/fake/counts"))

    def expire_idempotency_keys(self) -> None:
        """Forget every idempotency key, as Stripe does after 24 hours."""
        self._control("DELETE", "/_config/fake/idempotency")

    def flush(self) -> None:
        """Forget every object, key, fault and count."""
        self._control("DELETE", "/_config/fake/data")


def main(argv: list[str] | None = None) -> None:
    """Run the fake on 127.0.0.1 until killed."""
    parser = argparse.ArgumentParser(
        prog="python -m akua_pulumi.testing.fake_stripe", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=12111, help="0: any free port (printed, and in --ready-file)")
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost"], help="loopback only")
    parser.add_argument("--ready-file", type=Path, help="write {port} here once the socket is bound")
    args = parser.parse_args(argv)
    from aiohttp import web

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    port = int(sock.getsockname()[1])
    print(json.dumps({"listening": f"http://{args.host}:{port}"}), flush=True)
    if args.ready_file is not None:
        partial = args.ready_file.with_suffix(".partial")
        partial.write_text(json.dumps({"port": port}))
        partial.replace(args.ready_file)  # whole or not at all
    web.run_app(build_app(), sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
