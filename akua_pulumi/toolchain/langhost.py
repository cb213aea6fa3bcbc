"""A Python language host for ``runtime: python`` project directories.

The Pulumi CLI runs ``pulumi-language-python`` to execute a project's program. Upstream that is a Go
binary, but the Go module proxy reachable here refuses its module
(``github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3``: 403 for every version), so
the toolchain (``python -m akua_pulumi.toolchain``) installs a launcher that runs this module instead.

It implements the LanguageRuntime gRPC service the engine needs for ``preview``/``up``/``refresh``/
``destroy`` and behaves like the upstream host where users notice:

* the program's interpreter is ``<project>/<runtime.options.virtualenv>/bin/python`` when the project
  names a virtualenv (relative to the project directory), else ``$PULUMI_PYTHON_CMD``, else ``python3``;
* it runs the program with the upstream ``pulumi-language-python-exec`` script (installed beside the
  launcher), passing the same arguments and ``PULUMI_CONFIG`` / ``PULUMI_CONFIG_SECRET_KEYS``;
* ``GetRequiredPlugins`` / ``GetRequiredPackages`` report the resource plugins that installed packages
  declare in their ``pulumi-plugin.json`` (``pulumi_kubernetes`` → ``kubernetes``);
* it exits silently when the engine ends it, and on its own (stopping a running program) when the
  engine process is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

from ..errors import AkuaError
from ._watchdog import exit_on_signals, exit_when_orphaned

__all__ = ["PythonLanguageHost", "main", "program_python", "required_plugins"]

#: Exit code of the exec script after it printed a user-actionable message (the engine just bails).
_USER_ACTIONABLE_EXIT = 32
VERSION = "3.274.1"

#: Lists ``{"name", "version", "server"}`` of every installed package's ``pulumi-plugin.json``.
_PLUGINS_SCRIPT = r"""
import importlib.metadata as md, json
found = {}
for dist in md.distributions():
    for f in dist.files or ():
        if f.name == "pulumi-plugin.json" and f.parent.name != "pulumi":
            try:
                data = json.loads(f.locate().read_text())
            except (OSError, ValueError):
                continue
            if data.get("resource") and data.get("name"):
                found[data["name"]] = {"name": data["name"], "version": data.get("version") or "",
                                       "server": data.get("server") or ""}
print(json.dumps(sorted(found.values(), key=lambda d: d["name"])))
"""


#: Starts the exec script with SIGINT ignored. The engine ends a plugin by signalling its process
#: group, which holds the program too: a program interrupted while it winds down after a failed
#: step would print a KeyboardInterrupt traceback. The host itself stops the program instead.
_PROGRAM_BOOTSTRAP = (
    "import os, runpy, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "sys.argv = sys.argv[1:]; sys.path[0] = os.path.dirname(sys.argv[0]); "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


class ProgramPythonError(AkuaError, RuntimeError):
    """The project names a virtualenv that does not exist."""


def _options(info: Any) -> dict[str, Any]:
    if info is None or not info.HasField("options"):
        return {}
    return dict(json_format.MessageToDict(info.options))


def program_python(root_directory: str, options: dict[str, Any]) -> str:
    """The interpreter that runs the program, chosen as the upstream host does."""
    venv = options.get("virtualenv")
    if venv:
        path = Path(venv).expanduser()
        if not path.is_absolute():
            path = Path(root_directory or ".") / path
        python = path / "bin" / "python"
        if not python.exists():
            raise ProgramPythonError(
                f"The virtualenv {path} named by runtime.options.virtualenv in Pulumi.yaml does not exist. "
                f"Create it: python3 -m venv {path} && {path}/bin/pip install akua-pulumi"
            )
        return str(python)
    return os.environ.get("PULUMI_PYTHON_CMD") or shutil.which("python3") or "python3"


def required_plugins(python: str) -> list[dict[str, str]]:
    """Resource plugins that packages installed for ``python`` declare (their ``pulumi-plugin.json``)."""
    try:
        out = subprocess.run([python, "-c", _PLUGINS_SCRIPT], capture_output=True, text=True, timeout=120, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    return list(json.loads(out.stdout or "[]"))


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """Runs Pulumi Python programs for the engine."""

    def __init__(self, engine_address: str, exec_script: Path) -> None:
        self.engine_address = engine_address
        self.exec_script = exec_script
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def stop_programs(self) -> None:
        """Stop every program still running (the engine is gone)."""
        with self._lock:
            procs = list(self._running)
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _python(self, info: Any, context: Any) -> str:
        try:
            return program_python(info.root_directory if info is not None else "", _options(info))
        except ProgramPythonError as exc:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
            raise  # unreachable: abort raises

    def Handshake(self, request: Any, context: Any) -> Any:
        if getattr(request, "engine_address", ""):
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def _dependencies(self, request: Any, context: Any, kind: Any) -> list[Any]:
        """One ``kind`` message (PluginDependency or PackageDependency) per plugin the packages need."""
        python = self._python(request.info, context)
        return [
            kind(kind="resource", name=p["name"], version=p["version"], server=p["server"])
            for p in required_plugins(python)
        ]

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        plugins = self._dependencies(request, context, plugin_pb2.PluginDependency)
        return language_pb2.GetRequiredPluginsResponse(plugins=plugins)

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        packages = self._dependencies(request, context, plugin_pb2.PackageDependency)
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        return language_pb2.GetProgramDependenciesResponse(dependencies=[])

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        return iter(())

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        return language_pb2.RuntimeOptionsResponse(prompts=[])

    def About(self, request: Any, context: Any) -> Any:
        python = self._python(request.info if request.HasField("info") else None, context)
        out = subprocess.run([python, "--version"], capture_output=True, text=True, check=False)
        version = (out.stdout or out.stderr).strip().removeprefix("Python ")
        return language_pb2.AboutResponse(executable=python, version=version, metadata={})

    def Run(self, request: Any, context: Any) -> Any:
        args = []
        info = request.info
        python = self._python(info, context)

        def arg(name: str, value: str) -> None:
            if value:
                args.extend([f"--{name}", value])

        arg("monitor", request.monitor_address)
        arg("engine", self.engine_address)
        arg("project", request.project)
        arg("root_directory", info.root_directory)
        arg("stack", request.stack)
        arg("pwd", request.pwd)
        arg("dry_run", "true" if request.dryRun else "false")
        arg("parallel", str(request.parallel))
        arg("organization", request.organization)
        args.append(info.entry_point or ".")
        args.extend(request.args)
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        cwd = info.program_directory or request.pwd or None
        proc = subprocess.Popen(
            [python, "-u", "-c", _PROGRAM_BOOTSTRAP, str(self.exec_script), *args], cwd=cwd, env=env
        )
        with self._lock:
            self._running.add(proc)
        try:
            returncode = proc.wait()
        finally:
            with self._lock:
                self._running.discard(proc)
        if returncode == 0:
            return language_pb2.RunResponse()
        if returncode == _USER_ACTIONABLE_EXIT:
            return language_pb2.RunResponse(error="", bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {returncode}")


def _engine_address(argv: list[str]) -> str:
    positional: list[str] = []
    skip = False
    for i, item in enumerate(argv):
        if skip:
            skip = False
            continue
        if item.startswith("-"):
            # Flags the engine may pass (-tracing X, -root X, -use-executor X, ...) take a value
            # unless written as -flag=value.
            skip = "=" not in item and i + 1 < len(argv) and not argv[i + 1].startswith("-")
            continue
        positional.append(item)
    return positional[0] if positional else ""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pulumi-language-python`` launcher: serve and print the port."""
    argv = list(sys.argv[1:] if argv is None else argv)
    here = Path(os.environ.get("AKUA_LANGHOST_DIR") or Path(sys.argv[0]).resolve().parent)
    host = PythonLanguageHost(_engine_address(argv), here / "pulumi-language-python-exec")
    exit_on_signals(host.stop_programs)
    exit_when_orphaned(host.stop_programs)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", 1 << 30), ("grpc.max_send_message_length", 1 << 30)],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
