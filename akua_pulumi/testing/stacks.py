"""Drive a Pulumi program against an Akua endpoint with the Automation API, offline.

Used by our end-to-end tests, benchmarks and usable in users' CI::

    with LocalServer(db=tmp / "akua.db") as akua:
        stack = AkuaStack(env, program, api_url=akua.api_url, token=akua.owner_token)
        stack.up()
        stack.preview(expect_no_changes=True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi import automation as auto

from ..automation.environment import PulumiEnvironment

__all__ = ["AkuaStack"]


class AkuaStack:
    """An inline-program stack with ``akua:*`` config set (the token as a secret)."""

    def __init__(
        self,
        env: PulumiEnvironment,
        program: Callable[[], None],
        *,
        api_url: str,
        token: str,
        workspace: str | None = None,
        project: str = "akua-test",
        stack: str = "test",
        config: dict[str, str] | None = None,
    ) -> None:
        self.env = env
        self.stack = auto.create_or_select_stack(
            stack_name=stack, project_name=project, program=program, opts=env.workspace_options()
        )
        values = {
            "akua:apiUrl": auto.ConfigValue(api_url),
            "akua:token": auto.ConfigValue(token, secret=True),
        }
        if workspace:
            values["akua:workspace"] = auto.ConfigValue(workspace)
        for key, value in (config or {}).items():
            values[key] = auto.ConfigValue(value)
        self.stack.set_all_config(values)

    @property
    def program(self) -> Callable[[], None]:
        return self.stack.workspace.program  # type: ignore[return-value]

    @program.setter
    def program(self, fn: Callable[[], None]) -> None:
        self.stack.workspace.program = fn

    def up(self, **kw: Any) -> auto.UpResult:
        return self.stack.up(**kw)

    def up_until_converged(self, max_runs: int = 6, **kw: Any) -> int:
        """Run ``up`` until one succeeds (e.g. under injected faults); returns how many runs it took.

        A failed run is exactly what a user re-runs: this is how retries must converge without
        duplicating anything.
        """
        for run in range(1, max_runs + 1):
            try:
                self.up(**kw)
                return run
            except auto.CommandError:
                if run == max_runs:
                    raise
        raise AssertionError("unreachable")

    def preview(self, **kw: Any) -> auto.PreviewResult:
        return self.stack.preview(**kw)

    def refresh(self, **kw: Any) -> auto.RefreshResult:
        return self.stack.refresh(**kw)

    def destroy(self, **kw: Any) -> auto.DestroyResult:
        return self.stack.destroy(**kw)

    def outputs(self) -> dict[str, Any]:
        return {k: v.value for k, v in self.stack.outputs().items()}

    def deployment(self) -> dict[str, Any]:
        return dict(self.stack.export_stack().deployment or {})

    def export_masked(self) -> dict[str, Any]:
        """``pulumi stack export`` as a user runs it (secrets stay encrypted).

        The Automation API's ``export_stack`` passes ``--show-secrets``; secret checks must not use it.
        """
        import json

        proc = self.env.run("stack", "export", "--stack", self.stack.name, cwd=self.stack.workspace.work_dir)
        return dict(json.loads(proc.stdout)["deployment"])

    def resources(self, type_name: str | None = None) -> list[dict[str, Any]]:
        """Resources in state; ``type_name`` like ``"Workspace"`` filters on ``.../akua:Workspace``."""
        out = []
        for res in self.deployment().get("resources") or []:
            if type_name is None or res["type"].endswith(f"akua:{type_name}"):
                out.append(res)
        return out

    def state_of(self, type_name: str) -> dict[str, Any]:
        """The single resource of ``type_name`` in state (fails when there is not exactly one)."""
        found = self.resources(type_name)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_name} in state, found {len(found)}")
        return found[0]
