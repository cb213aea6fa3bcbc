"""A Python language host for ``runtime: python`` project directories.

The Pulumi CLI runs ``pulumi-language-python`` to execute a project's program. Upstream that is a Go
binary, but the Go module proxy reachable here refuses its module
(``github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3``: 403 for every version), so
``scripts/pulumi-toolchain`` installs a launcher that runs this module instead.

It implements the LanguageRuntime gRPC service the engine needs for ``preview``/``up``/``refresh``/
``destroy``: it runs the program with the upstream ``pulumi-language-python-exec`` script (shipped in
the ``sdk/v3`` Go module, installed beside the launcher), passing the same arguments and the
``PULUMI_CONFIG`` / ``PULUMI_CONFIG_SECRET_KEYS`` environment as the Go host. It reports no required
plugins (everything we run is the bundled ``pulumi-python`` dynamic provider) and no dependency
installation: the interpreter in ``PULUMI_PYTHON_CMD`` already has what the program needs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

__all__ = ["PythonLanguageHost", "main"]

#: Exit code of the exec script after it printed a user-actionable message (the engine just bails).
_USER_ACTIONABLE_EXIT = 32
VERSION = "3.274.1"


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """Runs Pulumi Python programs for the engine."""

    def __init__(self, engine_address: str, exec_script: Path, python: str) -> None:
        self.engine_address = engine_address
        self.exec_script = exec_script
        self.python = python

    def Handshake(self, request: Any, context: Any) -> Any:
        if getattr(request, "engine_address", ""):
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPluginsResponse(plugins=[])

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse(packages=[])

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        return language_pb2.GetProgramDependenciesResponse(dependencies=[])

    def InstallDependencies(self, request: Any, context: Any) -> Any:
        return iter(())

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        return language_pb2.RuntimeOptionsResponse(prompts=[])

    def About(self, request: Any, context: Any) -> Any:
        version = sys.version.split()[0]
        return language_pb2.AboutResponse(executable=self.python, version=version, metadata={})

    def Run(self, request: Any, context: Any) -> Any:
        args = []
        info = request.info

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
        proc = subprocess.run([self.python, "-u", str(self.exec_script), *args], cwd=cwd, env=env, check=False)
        if proc.returncode == 0:
            return language_pb2.RunResponse()
        if proc.returncode == _USER_ACTIONABLE_EXIT:
            return language_pb2.RunResponse(error="", bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {proc.returncode}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pulumi-language-python`` launcher: serve and print the port."""
    argv = list(sys.argv[1:] if argv is None else argv)
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
    engine = positional[0] if positional else ""
    here = Path(os.environ.get("AKUA_LANGHOST_DIR") or Path(sys.argv[0]).resolve().parent)
    exec_script = here / "pulumi-language-python-exec"
    python = os.environ.get("PULUMI_PYTHON_CMD") or sys.executable
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", 1 << 30), ("grpc.max_send_message_length", 1 << 30)],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(PythonLanguageHost(engine, exec_script, python), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
