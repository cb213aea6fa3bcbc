"""docs/getting-started.md, run as written by a newcomer: from a built wheel, outside the checkout.

The page's ``sh`` blocks run in order in one shell, and each file block (```` ```python ```` /
```` ```yaml ```` after a line naming the file) is written where it appears, up to the
``<!-- end of the getting-started test -->`` marker. Only the port of akua-local changes (a free one)
and ``pip install 'akua-pulumi[...]'`` installs the wheel built from this checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ports import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "getting-started.md"
END = "<!-- end of the getting-started test -->"
_BLOCK = re.compile(r"(?:`(?P<file>[^`\n]+)`[^\n]*\n\n)?```(?P<lang>sh|python|yaml)\n(?P<body>.*?)```", re.S)


def page_script(text: str, wheel: str, port: int) -> str:
    """The shell script a reader of the page types: its sh blocks, and its file blocks as heredocs."""
    text = text.split(END, 1)[0]
    parts = ["set -euo pipefail"]
    for m in _BLOCK.finditer(text):
        body = m["body"].replace("8765", str(port))
        # `--local` means file://~, and the CLI resolves ~ from the user database, not $HOME: point
        # it at the newcomer's HOME so runs never share (or leave behind) state in the real ~/.pulumi.
        body = body.replace("pulumi login --local", 'pulumi login "file://$HOME"')
        if m["lang"] == "sh":
            install = re.compile(r"pip install 'akua-pulumi(\[[^\]]*\])?'")
            parts.append(install.sub(lambda g: f"pip install '{wheel}{g[1] or ''}'", body))
        else:
            assert m["file"], f"a {m['lang']} block without a file name: {body[:60]!r}"
            parts.append(f"cat > {m['file']} <<'AKUA_EOF'\n{body}AKUA_EOF")
    return "\n".join(parts) + "\n"


def test_page_has_every_step() -> None:
    script = page_script(PAGE.read_text(), "/wheel.whl", 8765)
    for step in (
        "pip install '/wheel.whl[local]'",
        "pulumi login",
        "pulumi stack init",
        "pulumi config set --secret akua:token",
        "cat > __main__.py",
        "cat > Pulumi.yaml",
        "pulumi preview",
        "pulumi up",
        "pulumi preview --expect-no-changes",
        "pulumi refresh",
        "pulumi destroy",
    ):
        assert step in script, step


def test_getting_started_as_written(tmp_path: Path, akua_wheel: Path) -> None:
    wheel = akua_wheel
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "newcomer"
    work.mkdir()
    port = free_port()
    script = page_script(PAGE.read_text(), str(wheel), port)
    (tmp_path / "page.sh").write_text(script)
    # A newcomer's shell: no venv active, no pulumi on PATH but the toolchain's (found through the
    # cache, which keeps its real place so nothing is rebuilt), a HOME of their own for ~/.pulumi.
    toolchain_bins = {str(p) for p in Path(os.environ.get("AKUA_PULUMI_BIN", "/nonexistent")).parents}
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and not (Path(p) / "pulumi").exists()]
    path = [p for p in path if p not in toolchain_bins and not p.startswith(sys.prefix)]
    env = {
        "HOME": str(home),
        "PATH": os.pathsep.join(path),
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"),
        "LANG": "C.UTF-8",
    }
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CACHE_DIR", "GOPATH", "GOMODCACHE", "GOPROXY"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    assert shutil.which("pulumi", path=env["PATH"]) is None
    try:
        # Output goes to a file, not a pipe: akua-local started in the background keeps a pipe open,
        # and a page that fails before stopping it would otherwise block until the timeout.
        log = tmp_path / "page.log"
        with log.open("w") as sink:
            proc = subprocess.run(
                ["bash", str(tmp_path / "page.sh")],
                cwd=work,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                timeout=1500,
            )
        out = log.read_text()
        assert proc.returncode == 0, out[-6000:]
        assert "Traceback" not in out, out[-6000:]
        assert "pulumi-python:dynamic/akua:Workspace" in out  # the type token the docs show
        assert "sk_akua_getting_started" not in out  # the token never reaches the output
    finally:
        pid_file = work / "acme" / "akua-local.pid"
        if pid_file.exists():  # the page failed or timed out before its last step: stop akua-local
            subprocess.run(["kill", pid_file.read_text().strip()], check=False)
