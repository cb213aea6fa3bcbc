"""docs/resources/ is generated from the code: committed pages must match a fresh generation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from akua_pulumi.resources import ALL_RESOURCES

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen-resource-docs"
DOCS = ROOT / "docs" / "resources"
STRIPE_DOCS = ROOT / "docs" / "stripe-resources"


def _page(cls: type) -> Path:
    return DOCS / (cls.__module__.rsplit(".", 1)[-1] + ".md")


def test_every_resource_has_a_page_and_an_index_entry() -> None:
    index = (DOCS / "README.md").read_text()
    missing = [cls.__name__ for cls in ALL_RESOURCES if not _page(cls).exists()]
    assert not missing, f"no docs/resources page for {missing}: run scripts/gen-resource-docs"
    for cls in ALL_RESOURCES:
        assert f"]({_page(cls).name})" in index, cls.__name__
        assert _page(cls).read_text().startswith(f"# {cls.__name__}\n")


def test_every_stripe_resource_has_a_page_linked_from_the_stripe_docs() -> None:
    from akua_pulumi.stripe import ALL_STRIPE_RESOURCES

    index = (STRIPE_DOCS / "README.md").read_text()
    for cls in ALL_STRIPE_RESOURCES:
        page = STRIPE_DOCS / (cls.__module__.rsplit(".", 1)[-1] + ".md")
        assert page.exists(), f"no docs/stripe-resources page for {cls.__name__}: run scripts/gen-resource-docs"
        assert f"]({page.name})" in index, cls.__name__
        text = page.read_text()
        assert text.startswith(f"# {cls.__name__}\n")
        assert f"from akua_pulumi.stripe import {cls.__name__}" in text
    assert "](stripe-resources/README.md)" in (ROOT / "docs" / "stripe.md").read_text()


def test_committed_pages_equal_a_fresh_generation() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, (
        f"docs/resources or docs/stripe-resources is stale; run scripts/gen-resource-docs\n{result.stdout}"
    )


def test_generation_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, cwd=ROOT)
    generated = {p.name: p.read_text() for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_text() for p in DOCS.glob("*.md")}
    assert generated == committed
    assert subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)], cwd=ROOT).returncode == 0
    (tmp_path / "stale.md").write_text("old page\n")
    assert (
        subprocess.run(
            [sys.executable, str(SCRIPT), "--check", "--out", str(tmp_path)], capture_output=True, cwd=ROOT
        ).returncode
        == 1
    )
