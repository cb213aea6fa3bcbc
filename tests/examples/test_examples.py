"""Every example in examples/ runs against a real akua-local, as its README says, and cleans up.

Project-directory examples: copied to a temp dir, a stack initialised with the offline
PulumiEnvironment, config set, ``up``, ``preview --expect-no-changes``, server checked, ``destroy``,
server checked again. The onboarding script runs as a subprocess with the environment its README
documents.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer

from ._support import EXAMPLES, seed_examples

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")))


class Project:
    """The ``pulumi`` CLI in an example's project directory (errors show the engine output)."""

    def __init__(self, env: PulumiEnvironment, path: Path) -> None:
        self.env, self.path = env, path

    def __call__(self, *args: str) -> str:
        proc = self.env.run(*args, cwd=self.path, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc.stdout

    def outputs(self, show_secrets: bool = True) -> dict[str, Any]:
        return json.loads(self("stack", "output", "--json", *(["--show-secrets"] if show_secrets else [])))

    def last_changes(self) -> dict[str, int]:
        history = json.loads(self("stack", "history", "--json"))
        latest = max(history, key=lambda u: u.get("version", 0))
        return dict(latest["resourceChanges"])


def _documented_commands(readme: Path, env: dict[str, str], fill: dict[str, str]) -> list[list[str]]:
    """The ``pulumi`` commands of a README's ``sh`` block (arguments after ``pulumi``), with ``"$VAR"`` taken
    from ``env`` and each ``<placeholder>`` from ``fill``; none may be left over."""
    block = re.search(r"```sh\n(.*?)```", readme.read_text(), re.S)
    assert block is not None, f"{readme}: no sh block"
    commands = []
    for line in block.group(1).splitlines():
        if not line.startswith("pulumi "):
            continue
        for name, value in env.items():
            line = line.replace(f'"${name}"', shlex.quote(value))
        for placeholder, value in fill.items():
            line = line.replace(placeholder, shlex.quote(value))
        assert "$" not in line and "<" not in line, f"{readme}: nothing fills {line!r}"
        commands.append(shlex.split(line)[1:])
    return commands


def _workspaces(api: AkuaClient) -> dict[str, dict[str, Any]]:
    """Workspaces by slug, the seed's seller workspace left out."""
    return {w["slug"]: w for w in api.paginate("/workspaces") if w["slug"] != "seller"}


def _members(api: AkuaClient, wid: str) -> dict[str, str]:
    return {m["user_id"]: m["role"] for m in api.get(f"/workspaces/{wid}/members", workspace=wid)["data"]}


def test_environments_example(
    pulumi_env: PulumiEnvironment, akua: LocalServer, api: AkuaClient, tmp_path: Path
) -> None:
    ids = seed_examples(akua)
    pulumi = Project(pulumi_env, _copy("environments", tmp_path))
    pulumi("stack", "init", "dev")
    pulumi(
        "config", "set-all", "--path",
        "--plaintext", f"akua:apiUrl={akua.api_url}",
        "--secret", f"akua:token={akua.owner_token}",
        "--plaintext", "prefix=demo",
        "--plaintext", "environments[0]=prod",
        "--plaintext", "environments[1]=staging",
        "--plaintext", f"members[0].user_id={ids['ADMIN_USER_ID']}",
        "--plaintext", "members[0].role=admin",
        "--plaintext", f"members[1].user_id={ids['DEV_USER_ID']}",
        "--plaintext", f"productId={ids['PRODUCT_ID']}",
    )  # fmt: skip
    pulumi("up", "--yes", "--skip-preview")
    pulumi("preview", "--expect-no-changes")

    out = pulumi.outputs()
    assert out["workspace_slugs"] == {"prod": "demo-prod", "staging": "demo-staging"}
    assert set(_workspaces(api)) == {"demo-prod", "demo-staging"}
    for env in ("prod", "staging"):
        wid = out["workspace_ids"][env]
        assert _workspaces(api)[f"demo-{env}"]["id"] == wid
        assert _members(api, wid)[ids["ADMIN_USER_ID"]] == "admin"
        assert _members(api, wid)[ids["DEV_USER_ID"]] == "member"
        scoped = api.for_workspace(wid)
        [region] = scoped.paginate("/regions")
        assert region["name"] == "eu-west"
        [cluster] = scoped.paginate("/clusters")
        assert cluster["name"] == f"{env}-main" and out["cluster_ids"][env] == {f"{env}-main": cluster["id"]}
        [install] = scoped.paginate("/installs")
        assert install["product_id"] == ids["PRODUCT_ID"] and install["cluster_id"] == cluster["id"]
        assert install["state"] == "healthy"
        assert out["kubeconfigs"][env][f"{env}-main"]
    assert pulumi.outputs(show_secrets=False)["kubeconfigs"] == "[secret]"

    pulumi("destroy", "--yes", "--skip-preview")
    assert _workspaces(api) == {}


def test_customer_per_workspace_example(
    pulumi_env: PulumiEnvironment, akua: LocalServer, api: AkuaClient, tmp_path: Path
) -> None:
    ids = seed_examples(akua)
    project = _copy("customer-per-workspace", tmp_path)
    pulumi = Project(pulumi_env, project)
    sample = (project / "Pulumi.example.yaml").read_text()
    for key in ("ADMIN_USER_ID", "DEV_USER_ID"):
        sample = sample.replace(f"usr_{key}", ids[key])
    sample = sample.replace("prd_PRODUCT_ID", ids["PRODUCT_ID"])
    customers = yaml.safe_load(sample)["config"]["akua-customers:customers"]
    assert [c["id"] for c in customers] == ["acme", "globex"]

    stack_file = project / "Pulumi.test.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"akua-customers:customers": customers[:1]}}))
    pulumi("stack", "init", "test")
    pulumi(
        "config", "set-all", "--plaintext", f"akua:apiUrl={akua.api_url}", "--secret", f"akua:token={akua.owner_token}"
    )
    pulumi("up", "--yes", "--skip-preview")
    assert set(_workspaces(api)) == {"acme-corp"}
    out = pulumi.outputs()["customers"]["acme"]
    scoped = api.for_workspace(out["workspace_id"])
    members = _members(api, out["workspace_id"])  # the creator (the token's user) is the owner
    assert {k: members.get(k) for k in (ids["ADMIN_USER_ID"], ids["DEV_USER_ID"])} == {
        ids["ADMIN_USER_ID"]: "admin",
        ids["DEV_USER_ID"]: "member",
    }
    [cluster] = scoped.paginate("/clusters")
    assert cluster["name"] == "acme-main" and cluster["id"] == out["cluster_id"]
    [install] = scoped.paginate("/installs")
    assert out["install_ids"] == {"grafana": install["id"]} and install["product_id"] == ids["PRODUCT_ID"]
    assert [t["name"] for t in scoped.paginate("/api_tokens")] == ["ci"]
    assert pulumi.outputs()["api_tokens"]["acme"].startswith("sk_akua_")

    # Add the second customer: only its resources are created, acme's are untouched.
    config = yaml.safe_load(stack_file.read_text())
    config["config"]["akua-customers:customers"] = customers
    stack_file.write_text(yaml.safe_dump(config))
    pulumi("up", "--yes", "--skip-preview")
    changes = pulumi.last_changes()
    assert set(changes) == {"same", "create"}, changes
    assert changes["create"] == 6  # component, workspace, member, region, cluster, install (no token)
    assert set(_workspaces(api)) == {"acme-corp", "globex"}
    assert pulumi.outputs()["customers"]["acme"] == out
    pulumi("preview", "--expect-no-changes")

    pulumi("destroy", "--yes", "--skip-preview")
    assert _workspaces(api) == {}


def test_onboarding_pipeline_example(
    pulumi_env: PulumiEnvironment, akua: LocalServer, api: AkuaClient, tmp_path: Path
) -> None:
    ids = seed_examples(akua)
    example = _copy("onboarding-pipeline", tmp_path)
    env = {
        **os.environ,
        **ids,
        "AKUA_API_URL": akua.api_url,
        "AKUA_API_TOKEN": akua.owner_token,
        "AKUA_PULUMI_BIN": str(pulumi_env.bin_dir),
    }

    def onboard(*args: str, environ: dict[str, str] = env) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(example / "onboard.py"), "--state-dir", str(tmp_path / "state"), *args],
            cwd=example,
            env=environ,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # --render expands ${VARS}; an unset variable is an input error (2) before anything runs.
    rendered = yaml.safe_load(onboard("--render").stdout)
    assert rendered["customers"][0]["installs"][0]["product_id"] == ids["PRODUCT_ID"]
    unset = onboard("--render", environ={k: v for k, v in env.items() if k != "PRODUCT_ID"})
    assert unset.returncode == 2 and "PRODUCT_ID is not set" in unset.stderr

    # Two of the file's customers plus an invalid one: the valid ones are onboarded, exit code 1.
    customers = example / "customers.yaml"
    customers.write_text(
        customers.read_text() + "  - {id: broken, name: Broken, members: [{user_id: x, role: owner}]}\n"
    )
    up = onboard("--only", "acme,globex,broken", "--parallelism", "2")
    assert up.returncode == 1, up.stdout + up.stderr
    assert "2 ok, 1 failed" in up.stdout
    assert (
        "failed broken: invalid customer: customers[3] (broken): members[0].role: "
        "role must be one of 'admin', 'member', got 'owner'" in up.stderr
    )
    assert set(_workspaces(api)) == {"acme-corp", "globex"}
    acme = _workspaces(api)["acme-corp"]["id"]
    assert f"acme: workspace {acme}" in up.stdout
    for slug, members in (("acme-corp", 1), ("globex", 2)):
        wid = _workspaces(api)[slug]["id"]
        assert len(_members(api, wid)) >= members
        scoped = api.for_workspace(wid)
        assert len(list(scoped.paginate("/clusters"))) == 1
        assert [i["state"] for i in scoped.paginate("/installs")] == ["healthy"]
    assert [t["name"] for t in api.for_workspace(acme).paginate("/api_tokens")] == ["ci"]
    assert (tmp_path / "state" / "logs" / "acme.up.log").exists()

    down = onboard("--destroy", "--only", "acme,globex", "--parallelism", "2")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "2 ok, 0 failed" in down.stdout
    assert _workspaces(api) == {}


def test_seller_estate_example(
    pulumi_env: PulumiEnvironment, akua: LocalServer, api: AkuaClient, tmp_path: Path
) -> None:
    ids = seed_examples(akua)
    ws = ids["SELLER_WORKSPACE_ID"]
    secrets = {
        "webhookSecret": "whsec-estate-2f9d81c0a7",
        "hcloudToken": "H" * 64,
        "registryToken": "ghp-estate-registry-77e1",
        "cloudflareToken": "cf-estate-token-5b03",
    }
    pulumi = Project(pulumi_env, _copy("seller-estate", tmp_path))
    # The README's commands as written, its environment variables and placeholders filled in.
    env = {"AKUA_API_URL": akua.api_url, "AKUA_API_TOKEN": akua.owner_token, **ids}
    fill = {
        "<at least 16 characters>": secrets["webhookSecret"],
        "<64-character Hetzner token>": secrets["hcloudToken"],
        "<registry token>": secrets["registryToken"],
        "<Cloudflare API token>": secrets["cloudflareToken"],
    }
    commands = _documented_commands(EXAMPLES / "seller-estate" / "README.md", env, fill)
    assert commands[0] == ["stack", "init", "dev"] and commands[-1] == ["up"] and len(commands) == 16, commands
    for args in commands[:-1]:
        pulumi(*args)
    up = pulumi("up", "--yes", "--skip-preview")
    pulumi("preview", "--expect-no-changes")

    scoped = api.for_workspace(ws)
    out = pulumi.outputs()
    assert out["fqdn"].startswith("acme-apps.") and out["storefront_status"] == "active"
    assert api.get(f"/workspaces/{ws}/subdomain")["name"] == "acme-apps"
    [offer] = [o for o in scoped.paginate("/offers") if o["status"] == "active"]
    assert out["offer_links"] == {"acme": f"/i/{offer['short_hash']}"}
    assert [c["name"] for c in scoped.paginate("/registry_connections")] == ["ghcr"]
    assert [c["name"] for c in scoped.paginate("/cloudflare_connections")] == ["cloudflare"]
    [config] = scoped.paginate("/compute_configs")
    assert config["credential_scope"]["kind"] == "byom"
    names = {s["name"] for s in scoped.paginate("/secrets") if s["state"] == "active"}
    assert {"webhook-signing", "hcloud-token"} <= names
    # Operating the product: the agent watching customer installs, the dashboard showing the snippet, and
    # the preview hostname bound to the preview install's deployed render.
    assert [(a["id"], a["state"]) for a in scoped.paginate("/agents")] == [(out["agent_id"], "ENABLED")]
    [dash] = [d for d in scoped.paginate("/dashboards") if d["purpose"] == "custom"]
    [widget] = dash["widgets"]
    assert scoped.get(f"/snippets/{widget['snippet_id']}")["name"] == "customer-installs-by-state"
    [preview] = scoped.paginate("/installs")
    [host] = scoped.paginate(f"/installs/{preview['id']}/preview_hostnames")
    render = scoped.get(f"/installs/{preview['id']}/renders/{host['binding']['render_id']}")
    assert render["state"] == "deployed" and out["preview_hostname"] == host["hostname"]
    exported = pulumi("stack", "export")
    for value in secrets.values():
        assert value not in exported and value not in up

    pulumi("destroy", "--yes", "--skip-preview")
    assert [o for o in scoped.paginate("/offers") if o["status"] == "active"] == []
    assert list(scoped.paginate("/registry_connections")) == []
    assert list(scoped.paginate("/cloudflare_connections")) == []
    assert list(scoped.paginate("/compute_configs")) == []
    assert list(scoped.paginate(f"/workspaces/{ws}/custom_domains")) == []
    assert [s for s in scoped.paginate("/secrets") if s["name"] in ("webhook-signing", "hcloud-token")] == []
    assert api.get(f"/workspaces/{ws}/subdomain")["name"] == "acme-apps"  # documented: the name stays
    assert [a["state"] for a in scoped.paginate("/agents")] == ["ARCHIVED"]  # documented: destroy archives
    assert [d for d in scoped.paginate("/dashboards") if d["purpose"] == "custom"] == []
    assert [s["archived_at"] is not None for s in scoped.paginate("/snippets")] == [True]
    assert list(scoped.paginate("/installs")) == []
