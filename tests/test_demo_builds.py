"""``scripts/demo`` builds only what it runs: the Pulumi CLI, never the Temporal server or the kubernetes plugin.

A fake ``go`` first on ``PATH`` logs every command it is asked to run and answers like the real one
(``go build``/``go install`` write a small version-stamped stand-in binary, ``go list -m`` a module
directory with the files the toolchain copies), and the toolchain cache points at an empty directory:
a fresh machine as far as the Go tools go, in a second. The virtualenv is the checkout's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

FAKE_GO = """\
import json, os, re, sys
from pathlib import Path

args = sys.argv[1:]
with open(os.environ["FAKE_GO_LOG"], "a") as log:
    log.write(json.dumps({"args": args, "cwd": os.getcwd()}) + "\\n")

def stand_in(path, version):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\\necho {version}\\n")
    path.chmod(0o755)

def stamped(args):
    ldflags = args[args.index("-ldflags") + 1] if "-ldflags" in args else ""
    m = re.search(r"Version=(\\S+)", ldflags)
    return m.group(1) if m else "v0.0.0"

if args[:2] == ["mod", "init"]:
    Path("go.mod").write_text(f"module {args[2]}\\n")
elif args[:1] == ["build"]:
    stand_in(args[args.index("-o") + 1], stamped(args))
elif args[:1] == ["install"]:
    name = args[-1].split("@")[0].rsplit("/", 1)[-1]
    stand_in(Path(os.environ["GOBIN"]) / name, stamped(args))
elif args[:2] == ["list", "-m"]:
    module = args[-1]
    src = Path(os.environ["FAKE_GO_MODULES"]) / module.replace("/", "_")
    (src / "python" / "cmd").mkdir(parents=True, exist_ok=True)
    (src / "python" / "cmd" / "pulumi-language-python-exec").write_text("#!/bin/sh\\n")
    k8s = src / "cmd" / "pulumi-resource-kubernetes"
    k8s.mkdir(parents=True, exist_ok=True)
    (k8s / "schema.json").write_text("{}")
    (k8s / "terraform-mapping.json").write_text("{}")
    print(src)
"""


def _fake_machine(tmp_path: Path) -> dict[str, str]:
    """Environment of a machine whose toolchain cache is empty and whose ``go`` is the logging fake."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(f"#!{sys.executable}\n{FAKE_GO}")
    go.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in {"AKUA_PULUMI_BIN", "AKUA_TEMPORAL_BIN"}}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        AKUA_PULUMI_FORCE_BUILD="1",  # a pulumi on PATH (scripts/test puts one there) must not stand in
        FAKE_GO_LOG=str(tmp_path / "go.log"),
        FAKE_GO_MODULES=str(tmp_path / "modules"),
    )
    (tmp_path / "go.log").touch()
    return env


def _run(env: dict[str, str], *cmd: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(ROOT / "scripts" / cmd[0]), *cmd[1:]], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def _built(tmp_path: Path) -> list[str]:
    """What the fake go was asked to build or install (the package arguments), in order."""
    built = []
    for line in (tmp_path / "go.log").read_text().splitlines():
        args: list[Any] = json.loads(line)["args"]
        if args[:1] in (["build"], ["install"]):
            built.append(str(args[-1]))
    return built


def test_the_demo_builds_the_pulumi_cli_alone(tmp_path: Path) -> None:
    env = _fake_machine(tmp_path)
    plan = _run(env, "demo", "--print-plan").stdout
    assert "build the Pulumi CLI v" in plan and "about 4 minutes on 2 cores" in plan, plan
    assert "Temporal" not in plan and "kubernetes" not in plan, plan
    assert _built(tmp_path) == []  # the plan builds nothing

    first = _run(env, "demo", "--setup")
    assert _built(tmp_path) == ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"]
    # It says, before building, what it builds and about how long that takes.
    said = first.stderr
    assert "[setup] build the Pulumi CLI v3.274.1 from Go modules (first run only, about 4 minutes" in said, said
    assert "Temporal" not in said and "temporal" not in said and "kubernetes" not in said, said
    bin_dir = Path(first.stdout.strip().splitlines()[-1])
    assert bin_dir == tmp_path / "cache" / "akua-pulumi" / "pulumi-v3.274.1" / "bin"
    assert not (tmp_path / "cache" / "akua-pulumi" / "temporal-v1.5.1").exists()
    assert not list((tmp_path / "cache" / "akua-pulumi").glob("pulumi-resource-kubernetes-*"))

    again = _run(env, "demo", "--setup")  # the second run builds nothing and says nothing about building
    assert len(_built(tmp_path)) == 1 and "build the" not in again.stderr, again.stderr


def test_setup_all_builds_all_three(tmp_path: Path) -> None:
    """What scripts/test (and so CI) runs: the fake go sees all three builds, so the test above can fail."""
    env = _fake_machine(tmp_path)
    plan = _run(env, "setup", "--print-plan", "--all").stdout
    assert "Temporal dev server v1.5.1" in plan and "kubernetes plugin v" in plan, plan
    proc = _run(env, "setup", "--all")
    assert _built(tmp_path) == [
        "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
        "./cmd/pulumi-resource-kubernetes",
        "github.com/temporalio/cli/cmd/temporal@v1.5.1",
    ]
    said = proc.stderr
    for what in ("the Pulumi CLI", "the kubernetes plugin", "the Temporal dev server"):
        assert f"[setup] build {what}" in said, said
    dirs = proc.stdout.strip().splitlines()[-3:]
    assert dirs[-1].endswith("pulumi-v3.274.1/bin")  # the CLI's directory stays the last line
    assert (Path(dirs[1]) / "temporal").exists() and (Path(dirs[0]) / "pulumi-resource-kubernetes").exists()
    again = _run(env, "temporal-toolchain")  # what bench_onboarding asks for: cached now, nothing built
    assert again.stdout.strip().splitlines()[-1] == dirs[1] and len(_built(tmp_path)) == 3, again.stderr
