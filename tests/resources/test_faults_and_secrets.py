"""A multi-resource stack converging under injected faults without duplicates; secrets never leak."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi import automation as auto

from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from akua_pulumi.resources.api_token import ApiToken
from akua_pulumi.resources.cluster import Cluster
from akua_pulumi.resources.region import Region
from akua_pulumi.resources.workspace_member import WorkspaceMember
from akua_pulumi.resources.workspace_subscription import WorkspaceSubscription
from akua_pulumi.testing.stacks import AkuaStack

BYOC_KUBECONFIG = "apiVersion: v1\nkind: Config\n# imported-secret-7f3a9c\n"


def _program(user_id: str) -> Callable[[], None]:
    def program() -> None:
        WorkspaceSubscription("sub", tier="pro")
        WorkspaceMember("dev", user_id=user_id, role="admin")
        region = Region("eu", name="eu-west")
        managed = Cluster("prod", name="prod", region_id=region.id)
        Cluster("byoc", name="byoc", region_id=region.id, import_kubeconfig=BYOC_KUBECONFIG)
        token = ApiToken("ci", name="ci")
        pulumi.export("token", token.token)
        pulumi.export("kubeconfig", managed.kubeconfig)
        pulumi.export("cluster_id", managed.id)

    return program


SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _without_secret_envelopes(value: Any) -> Any:
    """The deployment with every secret envelope (``{SECRET_SIG: ..., "plaintext": ...}``) blanked."""
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return "[secret]"
        return {k: _without_secret_envelopes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secret_envelopes(v) for v in value]
    return value


def _census(api: AkuaClient, ws: str) -> dict[str, Counter[str]]:
    return {
        "regions": Counter(r["name"] for r in api.paginate("/regions", workspace=ws)),
        "tokens": Counter(t["name"] for t in api.paginate("/api_tokens", workspace=ws)),
        "clusters": Counter(c["name"] for c in api.paginate("/clusters", workspace=ws)),
        "members": Counter(m["user_id"] for m in api.paginate(f"/workspaces/{ws}/members")),
    }


def test_stack_converges_under_faults_without_duplicates_and_keeps_secrets(
    make_stack: Callable[..., AkuaStack], api: AkuaClient, akua: LocalServer, workspace_id: str
) -> None:
    ws = workspace_id
    user = akua.admin.create_user("Dev", "dev@example.com")["id"]
    members_before = _census(api, ws)["members"]
    out: list[str] = []
    stack = make_stack(_program(user), workspace=ws)

    # The first run also loses its managed cluster to an async failure: a re-run must converge.
    akua.admin.fail_next_operation("cluster.create", "injected: provisioning failed")
    akua.admin.set_faults(
        error_rate=0.1, rate_limited_rate=0.05, retry_after_seconds=0.2, drop_after_commit_rate=0.1, seed=11
    )
    failures = []
    for _ in range(4):
        try:
            stack.up(on_output=out.append)
            break
        except auto.CommandError as exc:
            failures.append(str(exc))
    else:
        raise AssertionError("no convergence after 4 runs:\n" + "\n---\n".join(failures))
    assert failures and "injected: provisioning failed" in failures[0]
    assert akua.admin.counters()["by_status"], "faults were injected"
    akua.admin.clear_faults()

    census = _census(api, ws)
    assert census["regions"] == Counter({"eu-west": 1})
    assert census["tokens"] == Counter({"ci": 1})
    assert census["clusters"] == Counter({"prod": 1, "byoc": 1})
    assert census["members"] == members_before + Counter({user: 1})
    assert api.get(f"/workspaces/{ws}/subscription")["tier"] == "pro"
    assert len(stack.resources()) == 1 + 1 + 6  # stack, provider, six resources
    preview = stack.preview(expect_no_changes=True, on_output=out.append)

    # Secrets: the token value, both kubeconfigs and the provider's own token never appear in
    # plaintext in the exported state or in the engine output.
    outputs = stack.outputs()
    token, kubeconfig = outputs["token"], outputs["kubeconfig"]
    assert token.startswith("sk_akua_")
    served = api.get(f"/clusters/{outputs['cluster_id']}/kubeconfig", workspace=ws)["kubeconfig"]
    assert kubeconfig == served
    with AkuaClient(api_url=akua.api_url, token=token) as as_token:
        assert [w["id"] for w in as_token.paginate("/workspaces")] == [ws]
    # `export_stack()` runs `pulumi stack export --show-secrets`: there, a secret may only appear
    # inside the engine's secret envelope. On disk (the file backend), it must not appear at all.
    deployment = stack.stack.export_stack().deployment
    plain = json.dumps(_without_secret_envelopes(deployment))
    stored = "\n".join(
        p.read_text(errors="replace")
        for p in stack.env.state_dir.rglob("*")
        if p.is_file() and ".pulumi-home" not in p.parts
    )
    text = "\n".join(out) + preview.stdout
    for secret in (token, kubeconfig, BYOC_KUBECONFIG, akua.owner_token):
        escaped = json.dumps(secret)[1:-1]
        for where, blob in (("exported state", plain), ("stored state", stored), ("engine output", text)):
            assert secret not in blob and escaped not in blob, f"secret {secret[:12]}... in {where}"
    for fragment in ("imported-secret-7f3a9c", f"emulated-{outputs['cluster_id']}", token[8:]):
        assert fragment not in plain and fragment not in stored and fragment not in text

    # Destroy leaves nothing we created except the region (the API cannot delete it) and the tier.
    stack.destroy()
    census = _census(api, ws)
    assert census["tokens"] == Counter() and census["clusters"] == Counter()
    assert census["members"] == members_before
    assert census["regions"] == Counter({"eu-west": 1})
    assert api.get(f"/workspaces/{ws}/subscription")["tier"] == "pro"
