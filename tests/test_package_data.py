"""The package's data files (the bundled contract, the role rows) are found at run time and ship in the wheel."""

from __future__ import annotations

import zipfile
from importlib import resources
from pathlib import Path

import pytest

from akua_pulumi import roles

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = ("openapi.json", "roles.txt")


def test_data_files_are_found_through_importlib_resources() -> None:
    for name in DATA_FILES:
        assert resources.files("akua_pulumi").joinpath(name).is_file(), name


def test_roles_txt_has_one_section_per_table() -> None:
    text = resources.files("akua_pulumi").joinpath("roles.txt").read_text("utf-8")
    assert set(roles._sections(text)) == {"rules", "overview-admin", "cancel", "shapes", "permissions"}
    assert len(roles.ROLE_TABLE) == 173
    assert len(roles.PERMISSIONS) == 40
    assert roles.OPERATION_TYPE_ROLES["cluster.delete"] == "clusters.delete"
    assert "dashboards.updateWidget" in roles.OVERVIEW_ADMIN


def test_a_row_outside_a_section_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'own \| x' stands before the first \[section\]"):
        roles._sections("# comment\nown | x\n[rules]\n")


@pytest.mark.slow
def test_the_wheel_holds_the_data_files(akua_wheel: Path) -> None:
    with zipfile.ZipFile(akua_wheel) as archive:
        names = archive.namelist()
        for name in DATA_FILES:
            assert names.count(f"akua_pulumi/{name}") == 1, name
            assert archive.read(f"akua_pulumi/{name}") == (ROOT / "akua_pulumi" / name).read_bytes(), name
