"""Packaging (issue 11): entry points a pip user gets, and a one-line hint when an extra is missing."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path


def _entry_points(group: str) -> dict[str, str]:
    dist = importlib.metadata.distribution("akua-pulumi")
    return {ep.name: ep.value for ep in dist.entry_points if ep.group == group}


def test_pytest_plugin_and_toolchain_are_entry_points() -> None:
    assert _entry_points("pytest11") == {"akua_pulumi": "akua_pulumi.testing.fixtures"}
    scripts = _entry_points("console_scripts")
    assert scripts["akua-pulumi-toolchain"] == "akua_pulumi.toolchain.__main__:main"


def test_akua_onboard_without_rich_says_which_extra() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["rich"] = None  # as on a base install: `import rich...` fails
        sys.modules["rich.console"] = None
        from akua_pulumi.automation.cli import main
        raise SystemExit(main(["up", "--customers", "customers.yaml"]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "akua-onboard needs the 'pipeline' extra: pip install 'akua-pulumi[pipeline]'"
    ], proc.stderr


def test_toolchain_module_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "akua_pulumi.toolchain", "--help"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0 and "--kubernetes" in proc.stdout


def test_akua_onboard_without_temporalio_exits_cleanly(tmp_path: Path) -> None:
    """The pipeline extra has no temporalio: the command's way out must not import it."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["temporalio"] = None  # as on an install without the temporal extra
        sys.argv = ["akua-onboard", "up", "--customers", "missing.yaml"]
        from akua_pulumi.automation.cli import main
        raise SystemExit(main())
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "missing.yaml" in proc.stderr, proc.stderr
