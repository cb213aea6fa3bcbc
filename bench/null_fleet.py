"""Null dynamic providers: the engine's floor for benchmarks (``bench/bench_fleet.py``).

Each null resource mirrors one Akua resource: the same property names (taken from the real
provider's declared fields), outputs of about the same size, the same secrets, the same graph
(a component per customer, workspace -> members/region -> cluster -> install, token). The providers
make no HTTP call: create invents an id and outputs, read echoes the state, delete does nothing.
Timing a stack of these against the same stack of real resources shows what is ours and what is
the engine's (gRPC, state, the dynamic-provider process with its 4-thread pool).

The provider classes live in this importable module so the provider process loads them by
reference, exactly like the real ones. In the provider process this module imports nothing of
``akua_pulumi`` (no HTTP client, no pydantic): the floor is the engine's, and what our package
costs to load shows up in the akua fleet. :func:`shape` reads each real resource's property names
from its declaration on the program side.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic as dyn

__all__ = ["NullCustomerWorkspace", "NullResource", "null_resource_class"]


def _hex(n: int) -> str:
    return secrets.token_hex(n // 2 + 1)[:n]


_KUBECONFIG = (
    "apiVersion: v1\nkind: Config\nclusters:\n- name: {id}\n  cluster:\n    server: https://{id}.k8s.akua.local:6443\n"
    "contexts:\n- name: {id}\n  context:\n    cluster: {id}\n    user: {id}-admin\ncurrent-context: {id}\n"
    "users:\n- name: {id}-admin\n  user:\n    token: emulated-{id}\n"
)

Shape = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@functools.cache
def shape(kind: str) -> Shape:
    """Every property name, the output-only ones and the secret ones of the Akua resource ``kind``,
    read from its declaration (``provider_class.all_fields()``), never copied.

    Called on the program side only: the provider process gets the output names in the pickled
    provider instance and so never imports ``akua_pulumi``.
    """
    import akua_pulumi.resources as resources
    from akua_pulumi.resources._fields import Kind

    provider = getattr(resources, kind).provider_class
    fields = provider.all_fields()
    return (
        tuple(f.name for f in fields),
        tuple(f.name for f in fields if f.kind is Kind.OUTPUT),
        tuple(provider.secret_outputs()),
    )


#: Id prefix and sample outputs (sizes like akua-local's answers) per real resource type.
_SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "Workspace": (
        "ws",
        {
            "plan": {"tier": "free", "billed_by": "self"},
            "workspace_class": "standard",
            "created_at": 1_700_000_000,
            "etag": 'W/"{hex8}"',
        },
    ),
    "WorkspaceMember": ("wsm", {"membership_id": "wsm_{hex24}", "joined_at": "2024-01-01T00:00:00Z"}),
    "Region": ("reg", {"created_at": 1_700_000_000}),
    "Cluster": (
        "cls",
        {
            "kubeconfig": _KUBECONFIG,
            "state": "active",
            "provider": "managed_kaas",
            "html_url": "https://app.akua.local/clusters/{id}",
            "created_at": 1_700_000_000,
            "etag": 'W/"{hex8}"',
            "suspended": False,
        },
    ),
    "Install": (
        "ins",
        {
            "state": "healthy",
            "urls": [{"name": "web", "url": "https://{id}.apps.akua.local"}],
            "html_url": "https://app.akua.local/installs/{id}",
            "etag": 'W/"{hex8}"',
            "cluster_id": "cls_{hex24}",
            "package_version_id": "pkv_{hex24}",
        },
    ),
    "ApiToken": (
        "tok",
        {"token": "sk_akua_{hex32}", "prefix": "sk_akua_{hex4}", "created_at": 1_700_000_000},
    ),
}


def _fill(value: Any, id_: str) -> Any:
    if isinstance(value, str):
        return value.format(id=id_, hex4=_hex(4), hex8=_hex(8), hex24=_hex(24), hex32=_hex(32))
    if isinstance(value, dict):
        return {k: _fill(v, id_) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, id_) for v in value]
    return value


class NullProvider(dyn.ResourceProvider):
    """Create/read/update/delete with no I/O, shaped like ``real``'s properties."""

    sample: ClassVar[str]
    serialize_as_secret_always = False

    def __init__(self, outputs: Sequence[str] = ()) -> None:
        #: Output-only property names (pickled with the provider: never diffed).
        self.outputs = tuple(outputs)

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        prefix, outs = _SAMPLES[self.sample]
        id_ = f"{prefix}_{_hex(24)}"
        # Outputs and server defaults (unset inputs the API fills in) get a value of realistic size.
        filled = {k: v for k, v in _fill(outs, id_).items() if props.get(k) is None}
        return dyn.CreateResult(id_, {**props, **filled})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        skip = {*self.outputs, "__provider"}
        changed = [k for k, v in news.items() if k not in skip and v is not None and olds.get(k) != v]
        return dyn.DiffResult(changes=bool(changed))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        return dyn.UpdateResult({**olds, **{k: v for k, v in news.items() if v is not None}})

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        return dyn.ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class NullResource(dyn.Resource):
    """Base of the null resources: every declared property of the real resource, secrets marked."""

    provider_class: ClassVar[type[NullProvider]]

    def __init__(self, resource_name: str, args: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        names, outputs, secret_names = shape(self.provider_class.sample)
        props: dict[str, Any] = {name: args.get(name) for name in names}
        props["akua_seed"] = f"{pulumi.get_project()}/{pulumi.get_stack()}/{type(self).__name__}/{resource_name}"
        secret = list(secret_names)
        for name in secret:
            if props.get(name) is not None:
                props[name] = pulumi.Output.secret(props[name])
        if secret:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secret))
        super().__init__(self.provider_class(outputs), resource_name, props, opts)


def _make(kind: str) -> tuple[type[NullProvider], type[NullResource]]:
    provider = type(f"Null{kind}Provider", (NullProvider,), {"sample": kind})
    res = type(f"Null{kind}", (NullResource,), {"provider_class": provider}, module="null", name=kind)
    return provider, res


# Module-level names so dill pickles the providers by reference (``null_fleet.X``; ``bench_fleet.py`` puts
# ``bench/`` on the engine's PYTHONPATH so the provider process finds this module)..
NullWorkspaceProvider, NullWorkspace = _make("Workspace")
NullWorkspaceMemberProvider, NullWorkspaceMember = _make("WorkspaceMember")
NullRegionProvider, NullRegion = _make("Region")
NullClusterProvider, NullCluster = _make("Cluster")
NullInstallProvider, NullInstall = _make("Install")
NullApiTokenProvider, NullApiToken = _make("ApiToken")
for _cls in (
    NullWorkspaceProvider,
    NullWorkspaceMemberProvider,
    NullRegionProvider,
    NullClusterProvider,
    NullInstallProvider,
    NullApiTokenProvider,
):
    _cls.__module__ = __name__
    _cls.__qualname__ = _cls.__name__

_RESOURCES = {
    "Workspace": NullWorkspace,
    "WorkspaceMember": NullWorkspaceMember,
    "Region": NullRegion,
    "Cluster": NullCluster,
    "Install": NullInstall,
    "ApiToken": NullApiToken,
}


def null_resource_class(kind: str) -> type[NullResource]:
    """The null twin of the Akua resource type ``kind`` (``"Workspace"``...)."""
    return _RESOURCES[kind]


class NullCustomerWorkspace(pulumi.ComponentResource):
    """The graph of :class:`~akua_pulumi.components.CustomerWorkspace` (members, region, cluster,
    a product install, an API token) made of null resources, with the same names and outputs."""

    def __init__(
        self,
        name: str,
        *,
        display_name: str,
        slug: str,
        member_ids: Sequence[str],
        region: str,
        cluster: str,
        product_id: str,
        token_name: str,
    ) -> None:
        super().__init__("akua:layouts:CustomerWorkspace", name, None)
        child = pulumi.ResourceOptions(parent=self)
        ws = NullWorkspace(name, {"name": display_name, "slug": slug}, child)
        for user in member_ids:
            NullWorkspaceMember(
                f"{name}-member-{user}", {"user_id": user, "role": "member", "workspace_id": ws.id}, child
            )
        reg = NullRegion(f"{name}-region-{region}", {"name": region, "workspace_id": ws.id}, child)
        cls = NullCluster(
            f"{name}-cluster-{cluster}",
            {"name": cluster, "region_id": reg.id, "network_profile": "linux_cilium", "workspace_id": ws.id},
            child,
        )
        ins = NullInstall(
            f"{name}-install-app",
            {"region_id": reg.id, "cluster_id": cls.id, "product_id": product_id, "workspace_id": ws.id},
            child,
        )
        tok = NullApiToken(f"{name}-token", {"name": token_name, "workspace_id": ws.id}, child)
        self.register_outputs(
            {
                "workspace_id": ws.id,
                "workspace_slug": ws.slug,  # type: ignore[attr-defined]
                "region_id": reg.id,
                "cluster_id": cls.id,
                "kubeconfig": pulumi.Output.secret(cls.kubeconfig),  # type: ignore[attr-defined]
                "api_token": pulumi.Output.secret(tok.token),  # type: ignore[attr-defined]
                "install_ids": pulumi.Output.all(app=ins.id),
                "managed_by": None,
                "management_ok": True,
            }
        )
