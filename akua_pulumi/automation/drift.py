"""Drift across the fleet: every customer's stack against the live API, changing nothing.

What ``pulumi refresh --preview-only`` would show, at a fraction of its cost: instead of one engine
run per customer (about 1.4 CPU s), each stack's state is read straight from the backend
(:mod:`.state_reader`) and each recorded resource is read back with its provider's own
:meth:`~akua_pulumi.resources._provider.LifecycleProvider.read`, in this process, over one shared
HTTP client per API URL and token (:func:`akua_pulumi.connection.client_for`), customers in parallel
on threads. A field drifted when the read's outputs differ from the stack's outputs (what refresh
diffs); a resource whose read finds nothing was deleted out of band.

Trust: the code that runs is chosen by the resource's *type* in a fixed registry of this package's
resource classes (:func:`provider_registry`), never by state content: the pickled ``__provider`` in
state is ignored. Secrets are never decrypted: a secret output is a write-only value the API never
shows again (tokens, kubeconfigs, secret values), which the read keeps from state, so it is
compared as the ciphertext placeholder it is; a resource whose state carries an *explicit*
connection (``akua_pulumi.Provider(...)``, encrypted in state) is listed as unchecked rather than
read with the pipeline's connection.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from akua_pulumi.automation.customers import Customer, InvalidCustomer
from akua_pulumi.automation.drift_report import SECRET_SHOWN, CustomerDrift, DriftReport, FieldDrift, ResourceDrift
from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.automation.state_reader import StateResource, is_secret_value, read_stack_state
from akua_pulumi.errors import AkuaError

__all__ = ["DriftScan", "check_resource", "pipeline_drift", "provider_registry", "select_ids"]

#: Stand-in for a secret from state: never decrypted, compared as itself.
_SECRET = SECRET_SHOWN


@cache
def provider_registry() -> dict[str, Any]:
    """Engine type token (``pulumi-python:dynamic/akua:Cluster``) -> provider instance, for every
    resource class of this package (Akua and Stripe). The only code drift runs on state."""
    from akua_pulumi.resources import ALL_RESOURCES
    from akua_pulumi.resources._resource import LifecycleResource
    from akua_pulumi.stripe import ALL_STRIPE_RESOURCES

    out: dict[str, Any] = {}
    seen: list[type[LifecycleResource]] = [*ALL_RESOURCES, *ALL_STRIPE_RESOURCES]
    while seen:
        cls = seen.pop()
        seen.extend(cls.__subclasses__())
        provider_class = cls.__dict__.get("provider_class")
        token = cls.__dict__.get("_resource_type_name")
        if provider_class is not None and token:
            out[f"pulumi-python:{token}"] = provider_class()
    return out


def _plain(value: Any) -> Any:
    """A live value as the engine would store it (JSON: tuples become lists, None keys dropped)."""
    return json.loads(json.dumps(value, default=str))


def check_resource(provider: Any, res: StateResource, connection: Any) -> ResourceDrift | str | None:
    """Read ``res`` back with ``provider`` and compare: the drift, None when in sync, or a reason
    (a string) it was not compared."""
    conn_name = provider.connection_field.name
    secret_fields = {f.name for f in provider.all_fields() if f.secret}
    props: dict[str, Any] = {}
    for key, value in res.outputs.items():
        if key == "__provider":
            continue
        if is_secret_value(value):
            props[key] = _SECRET
            secret_fields.add(key)
        else:
            props[key] = value
    if conn_name in res.outputs:
        return "an explicit connection (encrypted in state): run `pulumi refresh --preview-only` on this stack"
    props[conn_name] = connection
    result = provider.read(res.id, props)
    if result.id is None:
        return ResourceDrift(type=res.type, name=res.name, status="deleted")
    live = {k: v for k, v in _plain(dict(result.outs or {})).items() if v is not None and k != conn_name}
    stack = {k: v for k, v in props.items() if v is not None and k != conn_name}
    fields: list[FieldDrift] = []
    for key in sorted(set(stack) | set(live)):
        old, new = stack.get(key), live.get(key)
        if old == new:
            continue
        if key in secret_fields:
            fields.append(FieldDrift(key, SECRET_SHOWN, SECRET_SHOWN))
        else:
            fields.append(FieldDrift(key, old, new))
    return ResourceDrift(type=res.type, name=res.name, status="changed", fields=tuple(fields)) if fields else None


def select_ids(customers: Iterable[Customer | InvalidCustomer | str], only: Iterable[str] | None) -> list[str | None]:
    """The customer ids to check, in input order (None: an entry without a usable id).

    Raises:
        ValueError: an ``only`` id that is not among ``customers``.
    """
    ids: list[str | None] = []
    for c in customers:
        ids.append(c if isinstance(c, str) else c.id)
    if only is not None:
        wanted = list(dict.fromkeys(only))
        missing = [i for i in wanted if i not in ids]
        if missing:
            raise ValueError(f"--only: no customer {', '.join(repr(m) for m in missing)} in the customers file")
        ids = [i for i in ids if i in wanted]
    return list(dict.fromkeys(ids))


class DriftScan:
    """Compare many customers' stacks with the live API, ``parallelism`` customers at a time.

    Args:
        project: Pulumi project of the stacks.
        state_dir: The pipeline's state directory (the file backend unless ``backend_url``).
        backend_url: Another backend, read with ``pulumi stack export`` through ``penv``.
        akua_connection: ``{"api_url", "token"}`` for resources without an explicit connection.
        stripe_connection: ``{"api_key", "api_base"}`` for Stripe resources (None: the environment).
        penv: The Pulumi environment for non-file backends.
    """

    def __init__(
        self,
        *,
        project: str,
        state_dir: Path,
        backend_url: str | None = None,
        akua_connection: Mapping[str, Any] | None = None,
        stripe_connection: Mapping[str, Any] | None = None,
        penv: PulumiEnvironment | None = None,
        parallelism: int = 4,
    ) -> None:
        self.project = project
        self.state_dir = state_dir
        self.backend_url = backend_url
        self.akua_connection = dict(akua_connection) if akua_connection else None
        self.stripe_connection = dict(stripe_connection) if stripe_connection else None
        self.penv = penv
        self.parallelism = max(1, parallelism)

    @classmethod
    def over(
        cls,
        settings: Any,
        akua: Mapping[str, Any],
        stripe: Mapping[str, Any],
        *,
        parallelism: int = 4,
        env: Mapping[str, str] | None = None,
    ) -> DriftScan:
        """A scan of the stacks a pipeline's or a worker's ``settings`` name (``project_name``,
        ``state_dir``, ``backend_url``, ``passphrase``, ``secrets_provider``): a Pulumi environment (with
        ``env``) only for a shared backend; the connections without their unset values."""
        from akua_pulumi.automation.environment import find_pulumi_bin, is_file_backend

        penv = None
        if not is_file_backend(settings.backend_url):
            penv = PulumiEnvironment.for_store(settings, bin_dir=find_pulumi_bin(), extra=env)
        return cls(
            project=settings.project_name,
            state_dir=settings.state_dir,
            backend_url=settings.backend_url,
            akua_connection={k: v for k, v in akua.items() if v},
            stripe_connection={k: v for k, v in stripe.items() if v},
            penv=penv,
            parallelism=parallelism,
        )

    def _connection_for(self, provider: Any) -> Any:
        name = provider.connection_field.name
        return self.stripe_connection if name == "stripe_connection" else self.akua_connection

    def check_customer(self, customer_id: str) -> CustomerDrift:
        """One customer's drift; any error is this customer's failure, never raised."""
        t0 = time.monotonic()
        out = CustomerDrift(customer_id)
        try:
            state = read_stack_state(
                self.project, customer_id, state_dir=self.state_dir, backend_url=self.backend_url, penv=self.penv
            )
            if state is None:
                out.stack_found = False
            else:
                registry = provider_registry()
                for res in state.resources:
                    provider = registry.get(res.type)
                    if provider is None:
                        out.unchecked.append(f"{res.type} {res.name}: not a resource type of akua_pulumi")
                        continue
                    found = check_resource(provider, res, self._connection_for(provider))
                    out.checked += 1
                    if isinstance(found, str):
                        out.unchecked.append(f"{res.type} {res.name}: {found}")
                    elif found is not None:
                        out.resources.append(found)
        except AkuaError as exc:
            out.ok, out.error = False, str(exc)
        except Exception as exc:  # a bug or a broken connection: this customer fails, the others go on
            out.ok, out.error = False, f"{type(exc).__name__}: {exc}"
        out.duration_s = round(time.monotonic() - t0, 3)
        return out

    def run(self, ids: Iterable[str | None], on_result: Callable[[CustomerDrift], None] | None = None) -> DriftReport:
        """Check every id (None: an invalid entry, reported as failed) and report in input order."""
        t0 = time.monotonic()
        ids = list(ids)
        results: dict[int, CustomerDrift] = {}
        with ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="akua-drift") as pool:
            futures = {i: pool.submit(self.check_customer, cid) for i, cid in enumerate(ids) if cid is not None}
            for i, cid in enumerate(ids):
                if cid is None:
                    results[i] = CustomerDrift(f"customers[{i}]", ok=False, error="invalid customer: no usable id")
                else:
                    results[i] = futures[i].result()
                if on_result is not None:
                    on_result(results[i])
        return DriftReport([results[i] for i in range(len(ids))], duration_s=round(time.monotonic() - t0, 3))


def pipeline_drift(
    pipeline: Any,
    customers: Iterable[Customer | InvalidCustomer | str],
    only: Iterable[str] | None = None,
    on_result: Callable[[CustomerDrift], None] | None = None,
) -> DriftReport:
    """:meth:`OnboardingPipeline.drift`: the pipeline's project, backend, API and Stripe settings."""
    from akua_pulumi.automation.results import Secret

    if pipeline.engine != "local":
        raise ValueError(
            "drift runs where the state is: on Temporal use `akua-onboard schedule drift` (a worker runs it)"
        )
    ids = select_ids(customers, only)

    def value(key: str) -> str | None:
        v = pipeline.config.get(key)
        return v.value if isinstance(v, Secret) else v

    akua = {"api_url": pipeline._api_url(), "token": value("akua:token") or pipeline.env.get("AKUA_API_TOKEN")}
    stripe = {"api_key": value("akua:stripeApiKey"), "api_base": value("akua:stripeApiBase")}
    scan = DriftScan.over(pipeline, akua, stripe, parallelism=pipeline.parallelism, env=pipeline.env)
    return scan.run(ids, on_result)
