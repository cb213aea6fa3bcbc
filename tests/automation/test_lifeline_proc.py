"""The ``/proc/<pid>/stat`` reading :mod:`akua_pulumi.automation.lifeline` (and the worker-death test) use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from akua_pulumi.automation.lifeline import parent_of, stat_fields

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def test_the_fields_after_a_command_name_with_spaces_and_parentheses(tmp_path: Path) -> None:
    odd = tmp_path / "a b) (c"  # the command name in /proc/<pid>/stat is the executable's, parentheses and all
    odd.symlink_to(sys.executable)
    child = subprocess.Popen([str(odd), "-c", "import time; time.sleep(30)"])
    try:
        fields = stat_fields(child.pid)
        assert fields is not None and fields[0] in "RSD"
        assert parent_of(child.pid) == os.getpid() == int(fields[1])
        assert parent_of(str(os.getpid())) == os.getppid()
    finally:
        child.kill()
        child.wait()
    assert stat_fields(child.pid) is None and parent_of(child.pid) is None  # reaped: gone
