"""The offline Pulumi toolchain: the CLI, the Python language host, the launchers, the kubernetes plugin
(and, in :mod:`.temporal`, the Temporal dev server).

Nothing here downloads a Pulumi release: the CLI and the ``kubernetes`` resource plugin are built from
Go modules (the Go module proxy is the only source besides the package registries) into a per-version
cache, ``${XDG_CACHE_HOME:-~/.cache}/akua-pulumi/<name>-v<version>/bin``; a second run finds the
``.complete`` marker and builds nothing. Each part is built only when asked for: the CLI by default,
the kubernetes plugin with ``--kubernetes``, the Temporal dev server with ``--temporal``. Entry points:
``python -m akua_pulumi.toolchain`` and the ``akua-pulumi-toolchain`` console script
(``scripts/pulumi-toolchain`` in the repository wraps it). A ``pulumi`` on ``PATH`` at least as new as
the SDK (with its ``pulumi-python`` launcher) is used as is.

Only the standard library is used here, so the toolchain can be built before anything else works.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ._common import BUILD_MINUTES, ToolchainError, build_note, cache_root, go_env, log, run, version_tuple
from .temporal import TEMPORAL_VERSION, ensure_temporal, temporal_bin_dir

__all__ = [
    "BUILD_MINUTES",
    "CLI_VERSION",
    "KUBERNETES_MODULE_VERSIONS",
    "TEMPORAL_VERSION",
    "ToolchainError",
    "cache_root",
    "cli_bin_dir",
    "ensure_cli",
    "ensure_kubernetes",
    "ensure_temporal",
    "kubernetes_plugin_dir",
    "kubernetes_plugin_version",
    "pulumi_on_path",
    "temporal_bin_dir",
    "write_launchers",
]

#: The Pulumi CLI version we build (``AKUA_PULUMI_CLI_VERSION`` overrides it).
CLI_VERSION = "3.274.1"

_GO_BUILD = ("go", "build", "-trimpath")
_CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
_K8S_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4"
#: Provider release → the Go module version the proxy serves for it. The provider module has no tags
#: of its own; the proxy serves one pseudo-version, whose commit is the ``v4.25.0`` release tag.
KUBERNETES_MODULE_VERSIONS = {"4.25.0": "v4.0.0-20260115033456-f47bc2d6f199"}

_LANGHOST = """#!/bin/sh
# Written by akua_pulumi.toolchain: the Python language host (akua_pulumi.toolchain.langhost).
# It runs in a Python that has akua-pulumi: $AKUA_LANGHOST_PYTHON, $PULUMI_PYTHON_CMD, one of those
# that ran the toolchain (listed in .langhost-pythons, newest first), python3. The program itself
# runs in the project's virtualenv (runtime.options.virtualenv), else $PULUMI_PYTHON_CMD, else python3.
dir="$(cd "$(dirname "$0")" && pwd)"
has() {
  [ -n "$1" ] && "$1" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("akua_pulumi") is None)' 2>/dev/null
}
found=""
for py in "${AKUA_LANGHOST_PYTHON:-}" "${PULUMI_PYTHON_CMD:-}"; do
  if [ -z "$found" ] && has "$py"; then found="$py"; fi
done
if [ -z "$found" ] && [ -f "$dir/.langhost-pythons" ]; then
  while IFS= read -r py; do
    if has "$py"; then found="$py"; break; fi
  done <"$dir/.langhost-pythons"
fi
if [ -z "$found" ] && has python3; then found=python3; fi
if [ -z "$found" ]; then
  echo "pulumi-language-python: no Python with akua-pulumi installed was found; set PULUMI_PYTHON_CMD" >&2
  exit 1
fi
AKUA_LANGHOST_DIR="$dir" exec "$found" -u -m akua_pulumi.toolchain.langhost "$@"
"""

_DYNAMIC = """#!/bin/sh
# Written by akua_pulumi.toolchain: serves every pulumi.dynamic resource (plugin pulumi-python).
# Interpreter: the project's virtualenv (the engine passes runtime.options.virtualenv as
# PULUMI_RUNTIME_VIRTUALENV), else $PULUMI_PYTHON_CMD, else python3.
py="${PULUMI_PYTHON_CMD:-python3}"
venv="${PULUMI_RUNTIME_VIRTUALENV:-}"
if [ -n "$venv" ]; then
  case "$venv" in /*) ;; *) venv="$(pwd)/$venv" ;; esac
  [ -x "$venv/bin/python" ] && py="$venv/bin/python"
fi
mod=pulumi.dynamic
if "$py" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("akua_pulumi") is None)' 2>/dev/null; then
  mod=akua_pulumi.toolchain.dynamic  # the same server, plus: exits when the engine is gone
fi
exec "$py" -u -m "$mod" "$@"
"""


def _sdk_version() -> str:
    try:
        return importlib.metadata.version("pulumi")
    except importlib.metadata.PackageNotFoundError:
        return "3.272.0"


def _write(path: Path, text: str) -> None:
    """Write an executable script, only when its content changed."""
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.chmod(0o755)
        tmp.replace(path)


def write_launchers(bin_dir: Path, python: str | None = None) -> None:
    """(Re)write the language-host and dynamic-provider launchers (small scripts, not builds)."""
    py = python or sys.executable
    _write(bin_dir / "pulumi-language-python", _LANGHOST)
    _write(bin_dir / "pulumi-resource-pulumi-python", _DYNAMIC)
    registry = bin_dir / ".langhost-pythons"
    known = registry.read_text().splitlines() if registry.exists() else []
    if not known or known[0] != py:
        listed = [py, *(p for p in known if p != py and Path(p).exists())]
        tmp = registry.with_suffix(".tmp")
        tmp.write_text("".join(f"{p}\n" for p in listed))
        tmp.replace(registry)


def pulumi_on_path(*, quiet: bool = False) -> Path | None:
    """The directory of a ``pulumi`` on PATH that is new enough and has the pulumi-python launcher."""
    existing = shutil.which("pulumi")
    if not existing:
        return None
    directory = Path(existing).resolve().parent
    if directory.parent.parent == cache_root():
        return None
    out = subprocess.run(
        [existing, "version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    ).stdout
    have = out.strip().removeprefix("v")
    if version_tuple(have) < version_tuple(_sdk_version()):
        return None
    if (directory / "pulumi-resource-pulumi-python").exists() or shutil.which("pulumi-resource-pulumi-python"):
        if not quiet:
            log(f"using pulumi {have} on PATH ({existing})")
        return directory
    if not quiet:
        log(f"pulumi {have} on PATH lacks the pulumi-python launcher; using the cached build instead")
    return None


def cli_bin_dir(version: str | None = None) -> Path:
    """Where :func:`ensure_cli` builds ``pulumi`` (it may not be built yet)."""
    version = version or os.environ.get("AKUA_PULUMI_CLI_VERSION") or CLI_VERSION
    return cache_root() / f"pulumi-v{version}" / "bin"


def ensure_cli(version: str | None = None, *, force_build: bool = False, python: str | None = None) -> Path:
    """The directory with ``pulumi`` and the Python launchers; builds the CLI on first use."""
    version = version or os.environ.get("AKUA_PULUMI_CLI_VERSION") or CLI_VERSION
    if not force_build and (found := pulumi_on_path()) is not None:
        return found
    bin_dir = cli_bin_dir(version)
    prefix = bin_dir.parent
    if (bin_dir / ".complete").exists() and (bin_dir / "pulumi").exists():
        write_launchers(bin_dir, python)
        log(f"cached: {bin_dir}")
        return bin_dir
    if version_tuple(version) < version_tuple(_sdk_version()):
        raise ToolchainError(f"CLI v{version} is older than the pulumi SDK {_sdk_version()}")
    env = go_env()
    build = prefix / "build" / "cli"
    bin_dir.mkdir(parents=True, exist_ok=True)
    build.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    binary = bin_dir / "pulumi"
    if not binary.exists() or _stamp(binary) != f"v{version}":
        log(f"building the Pulumi CLI v{version} from Go modules ({build_note('pulumi')})")
        if not (build / "go.mod").exists():
            run(["go", "mod", "init", "akua-pulumi-toolchain/cli"], build, env)
        # pkg/go.mod carries this one non-local replace; a dependency's replaces do not apply.
        run(
            [
                "go",
                "mod",
                "edit",
                "-replace",
                "github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e",
            ],
            build,
            env,
        )
        log("resolving modules")
        run(["go", "get", "-tool", f"github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v{version}"], build, env)
        run(["go", "get", f"github.com/pulumi/pulumi/sdk/v3@v{version}"], build, env)
        log("compiling pulumi")
        ldflags = f"-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v{version}"
        tmp = bin_dir / "pulumi.tmp"
        run(
            [*_GO_BUILD, "-tags", "osusergo,grpcnotrace", "-ldflags", ldflags, "-o", str(tmp), _CLI_PACKAGE],
            build,
            env,
        )
        tmp.replace(binary)
    # The program runner: a plain file in the sdk/v3 module zip.
    sdk_dir = run(["go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi/sdk/v3"], build, env).strip()
    exec_script = bin_dir / "pulumi-language-python-exec"
    shutil.copyfile(Path(sdk_dir) / "python" / "cmd" / "pulumi-language-python-exec", exec_script)
    exec_script.chmod(0o755)
    write_launchers(bin_dir, python)
    if _stamp(binary) != f"v{version}":
        raise ToolchainError("stamped version check failed")
    (bin_dir / ".complete").touch()
    log(f"done in {time.monotonic() - start:.0f}s: {bin_dir}")
    return bin_dir


def _stamp(binary: Path) -> str:
    out = subprocess.run(
        [str(binary), "version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    )
    return out.stdout.strip()


def kubernetes_plugin_version() -> str | None:
    """The ``kubernetes`` plugin version the installed ``pulumi-kubernetes`` package asks for."""
    try:
        files = importlib.metadata.distribution("pulumi-kubernetes").files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        if f.name == "pulumi-plugin.json":
            return str(json.loads(Path(str(f.locate())).read_text())["version"])
    return None


def kubernetes_plugin_dir(version: str | None = None) -> Path:
    """Where :func:`ensure_kubernetes` puts ``pulumi-resource-kubernetes`` (it may not be built yet)."""
    version = version or kubernetes_plugin_version() or next(iter(KUBERNETES_MODULE_VERSIONS))
    return cache_root() / f"pulumi-resource-kubernetes-v{version}" / "bin"


def ensure_kubernetes(version: str | None = None) -> Path:
    """The directory with ``pulumi-resource-kubernetes``, built from Go modules on first use."""
    version = version or kubernetes_plugin_version()
    if version is None:
        raise ToolchainError("pulumi-kubernetes is not installed: pip install 'akua-pulumi[kubernetes]'")
    bin_dir = kubernetes_plugin_dir(version)
    binary = bin_dir / "pulumi-resource-kubernetes"
    if (bin_dir / ".complete").exists() and binary.exists():
        log(f"cached: {binary}")
        return bin_dir
    module_version = KUBERNETES_MODULE_VERSIONS.get(version)
    if module_version is None:
        known = ", ".join(KUBERNETES_MODULE_VERSIONS)
        raise ToolchainError(
            f"pulumi-kubernetes {version} needs plugin kubernetes v{version}, which the Go module proxy does not "
            f"serve; install a pulumi-kubernetes whose plugin can be built: {known} (the 'kubernetes' extra pins it)"
        )
    env = go_env("the kubernetes plugin offline")
    build = bin_dir.parent / "build"
    main_dir = build / "cmd" / "pulumi-resource-kubernetes"
    main_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    what = f"the kubernetes plugin v{version} (pulumi-resource-kubernetes)"
    log(f"building {what} from Go modules ({build_note('kubernetes')})")
    if not (build / "go.mod").exists():
        run(["go", "mod", "init", "akua-pulumi-toolchain/kubernetes"], build, env)
    run(["go", "get", f"{_K8S_MODULE}@{module_version}"], build, env)
    src = Path(run(["go", "list", "-m", "-f", "{{.Dir}}", _K8S_MODULE], build, env).strip())
    src_cmd = src / "cmd" / "pulumi-resource-kubernetes"
    # What the provider's `go generate` step does: embed the schema stamped with the version.
    schema = json.loads((src_cmd / "schema.json").read_text())
    schema["version"] = version
    (main_dir / "schema-embed.json").write_text(json.dumps(schema, separators=(",", ":")))
    mapping = json.loads((src_cmd / "terraform-mapping.json").read_text())
    (main_dir / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=(",", ":")))
    (main_dir / "main.go").write_text(
        "package main\n\n"
        'import (\n\t_ "embed"\n\n'
        f'\t"{_K8S_MODULE}/pkg/provider"\n\t"{_K8S_MODULE}/pkg/version"\n)\n\n'
        "//go:embed schema-embed.json\nvar schema []byte\n\n"
        "//go:embed terraform-mapping-embed.json\nvar mapping []byte\n\n"
        'func main() { provider.Serve("kubernetes", version.Version, schema, mapping) }\n'
    )
    run(["go", "mod", "tidy"], build, env)
    bin_dir.mkdir(parents=True, exist_ok=True)
    tmp = bin_dir / "pulumi-resource-kubernetes.tmp"
    ldflags = f"-s -w -X {_K8S_MODULE}/pkg/version.Version={version}"
    run([*_GO_BUILD, "-ldflags", ldflags, "-o", str(tmp), "./cmd/pulumi-resource-kubernetes"], build, env)
    tmp.replace(binary)
    (bin_dir / ".complete").touch()
    log(f"built pulumi-resource-kubernetes v{version} in {time.monotonic() - start:.0f}s: {binary}")
    return bin_dir
