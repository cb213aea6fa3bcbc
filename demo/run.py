"""The main job: start akua-local, run ``pulumi up`` on the demo project, show what exists.

Usage (through ``scripts/demo``, which first sets up the venv and the Pulumi toolchain)::

    scripts/demo            # start akua-local (if needed), up, summary, preview --expect-no-changes
    scripts/demo --destroy  # pulumi destroy the demo stack
    scripts/demo --stop     # stop the background akua-local

State lives under ``.akua/`` (override with ``AKUA_DEMO_DIR``): the SQLite database, the Pulumi
file backend, the server log and pid file. The port is 8765 (``AKUA_LOCAL_PORT``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from akua_pulumi.automation.environment import PulumiEnvironment
from akua_pulumi.client import AkuaClient

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = Path(os.environ.get("AKUA_DEMO_DIR") or ROOT / ".akua").resolve()
PORT = int(os.environ.get("AKUA_LOCAL_PORT", "8765"))
BASE_URL = f"http://127.0.0.1:{PORT}"
STACK = "demo"
USERS = [
    ("usr_alice", "Alice", "alice@acme.example"),
    ("usr_bob", "Bob", "bob@acme.example"),
    ("usr_carol", "Carol", "carol@customer.example"),
]
ARTIFACT = {
    "oci_ref": "oci://registry.akua.local/acme/dashboards",
    "semver": "1.4.0",
    "ref": "sha256:5f1d0c8e9a",
    "input_schema": {"type": "object"},
}

console = Console()


def _healthy() -> bool:
    try:
        auth = {"Authorization": f"Bearer {_owner_token()}"}  # the control plane asks for the owner token
        return httpx.get(f"{BASE_URL}/_local/health", headers=auth, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _owner_token() -> str:
    """The bootstrap owner token, generated once per demo directory and reused by every run."""
    path = DEMO_DIR / "owner-token"
    if not path.exists():
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def start_akua_local() -> None:
    """Start akua-local in the background with its SQLite file under the demo directory."""
    if _healthy():
        console.print(f"akua-local already running at {BASE_URL}/v1")
        return
    log = (DEMO_DIR / "akua-local.log").open("a")
    subprocess.Popen(
        [
            sys.executable,
            "-m",
            "akua_pulumi.local.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--db",
            str(DEMO_DIR / "akua-local.db"),
            "--token",
            _owner_token(),
            "--pid-file",
            str(DEMO_DIR / "akua-local.pid"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while not _healthy():
        if time.monotonic() > deadline:
            sys.exit(f"akua-local did not start; see {DEMO_DIR / 'akua-local.log'}")
        time.sleep(0.1)
    console.print(f"akua-local started at {BASE_URL}/v1 (database {DEMO_DIR / 'akua-local.db'})")


def stop_akua_local() -> None:
    pid_file = DEMO_DIR / "akua-local.pid"
    if not pid_file.exists():
        console.print("akua-local is not running (no pid file)")
        return
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        console.print("akua-local stopped")
    except ProcessLookupError:
        console.print("akua-local was not running")
    pid_file.unlink(missing_ok=True)


def seed() -> None:
    """What the public API cannot create: users and a published artifact (idempotent)."""
    auth = {"Authorization": f"Bearer {_owner_token()}"}
    with httpx.Client(base_url=f"{BASE_URL}/_local", headers=auth, timeout=10) as admin:
        for uid, name, email in USERS:
            r = admin.post("/users", json={"id": uid, "name": name, "email": email})
            if r.status_code not in (201, 409):
                r.raise_for_status()
        r = admin.post("/artifacts", json=ARTIFACT)
        if r.status_code not in (200, 201, 409):
            r.raise_for_status()


def pulumi(env: PulumiEnvironment, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    cmd = [env.pulumi, *args, "--non-interactive"]
    if args[0] != "stack":
        # Stack config lives with the demo state, not in the repository (runs never collide).
        cmd += ["--config-file", str(DEMO_DIR / f"Pulumi.{STACK}.yaml")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env.env(), text=True, capture_output=capture)
    if proc.returncode != 0:
        if capture:
            console.print(proc.stdout, proc.stderr)
        sys.exit(f"`pulumi {' '.join(args)}` failed (exit {proc.returncode})")
    return proc


def configure_stack(env: PulumiEnvironment) -> None:
    pulumi(env, "stack", "select", "--create", STACK, capture=True)
    settings = [
        ("akua:apiUrl", f"{BASE_URL}/v1"),
        *((f"akua-demo:users[{i}]", uid) for i, (uid, _, _) in enumerate(USERS)),
        *((f"akua-demo:artifact.{k}", v) for k, v in ARTIFACT.items() if isinstance(v, str)),
        ("akua-demo:artifact.input_schema.type", "object"),
    ]
    for key, value in settings:
        pulumi(env, "config", "set", "--path", key, value, capture=True)
    pulumi(env, "config", "set", "--secret", "akua:token", _owner_token(), capture=True)


def summary() -> None:
    """Read back what exists from the API and show it."""
    with AkuaClient(api_url=f"{BASE_URL}/v1", token=_owner_token()) as api:
        table = Table(title="Akua, as the API reports it", show_lines=False)
        for col in ("workspace", "members", "clusters", "installs"):
            table.add_column(col)
        for ws in sorted(api.paginate("/workspaces"), key=lambda w: w["slug"]):
            scoped = api.for_workspace(ws["id"])
            members = api.get(f"/workspaces/{ws['id']}/members", workspace=ws["id"])["data"]
            clusters = list(scoped.paginate("/clusters"))
            installs = list(scoped.paginate("/installs"))
            table.add_row(
                f"{ws['name']} ({ws['slug']})",
                ", ".join(f"{m['user_id']}:{m['role']}" for m in members),
                ", ".join(f"{c['name']}:{c['state']}" for c in clusters) or "-",
                ", ".join(i["state"] for i in installs) or "-",
            )
        console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--destroy", action="store_true", help="destroy the demo stack")
    parser.add_argument("--stop", action="store_true", help="stop the background akua-local")
    args = parser.parse_args(argv)
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    if args.stop:
        stop_akua_local()
        return 0
    env = PulumiEnvironment(state_dir=DEMO_DIR / "pulumi-state").prepare()
    start_akua_local()
    seed()
    configure_stack(env)
    if args.destroy:
        pulumi(env, "destroy", "--yes", "--skip-preview")
        return 0
    console.rule("pulumi up")
    pulumi(env, "up", "--yes")
    summary()
    console.rule("pulumi preview --expect-no-changes")
    pulumi(env, "preview", "--expect-no-changes", capture=True)
    console.print("[green]Second preview: no changes.[/green] The stack matches the API.")
    console.print(f"akua-local keeps running at {BASE_URL}/v1; stop it with `scripts/demo --stop`.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
