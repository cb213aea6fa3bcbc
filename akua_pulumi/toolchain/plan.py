"""What a toolchain run would build, before it builds anything (``akua-pulumi-toolchain --print-plan``).

``scripts/setup`` prints this plan first, so a newcomer learns what the first run builds and about
how long it takes; ``tests/test_demo_builds.py`` checks that the demo's plan is the Pulumi CLI alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import CLI_VERSION, cli_bin_dir, kubernetes_plugin_dir, pulumi_on_path
from ._common import BUILD_MINUTES, build_note
from .temporal import temporal_bin_dir, temporal_is_cached

__all__ = ["Step", "plan"]


@dataclass(frozen=True)
class Step:
    """One part of the toolchain: built already (``where``), or to be built from Go modules."""

    part: str  #: a key of BUILD_MINUTES: "pulumi", "kubernetes" or "temporal"
    what: str
    build: bool
    where: Path

    @property
    def minutes(self) -> int:
        return BUILD_MINUTES[self.part] if self.build else 0

    def line(self) -> str:
        """``build <what> from Go modules (first run only, about N minutes on 2 cores)`` or ``ready <what>: <dir>``."""
        if self.build:
            return f"build {self.what} from Go modules ({build_note(self.part)})"
        return f"ready {self.what}: {self.where}"


def _complete(bin_dir: Path, binary: str) -> bool:
    return (bin_dir / ".complete").exists() and (bin_dir / binary).exists()


def plan(*, kubernetes: bool = False, temporal: bool = False, force_build: bool = False) -> list[Step]:
    """The parts a run with these options needs, each either ready or to be built."""
    version = os.environ.get("AKUA_PULUMI_CLI_VERSION") or CLI_VERSION
    steps: list[Step] = []
    found = None if force_build else pulumi_on_path(quiet=True)
    if found is not None:
        steps.append(Step("pulumi", "the Pulumi CLI on PATH", False, found))
    else:
        bin_dir = cli_bin_dir(version)
        steps.append(Step("pulumi", f"the Pulumi CLI v{version}", not _complete(bin_dir, "pulumi"), bin_dir))
    if kubernetes:
        bin_dir = kubernetes_plugin_dir()
        k8s_version = bin_dir.parent.name.removeprefix("pulumi-resource-kubernetes-v")
        what = f"the kubernetes plugin v{k8s_version} (pulumi-resource-kubernetes)"
        steps.append(Step("kubernetes", what, not _complete(bin_dir, "pulumi-resource-kubernetes"), bin_dir))
    if temporal:
        bin_dir = temporal_bin_dir()
        what = f"the Temporal dev server v{bin_dir.parent.name.removeprefix('temporal-v')} (temporal CLI)"
        steps.append(Step("temporal", what, not temporal_is_cached(), bin_dir))
    return steps
