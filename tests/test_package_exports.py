"""``akua_pulumi``'s exports follow the resource registry: every registered resource type with its
``Args``, named in the package docstring, and nothing stale."""

from __future__ import annotations

import re
import subprocess
import sys

import akua_pulumi
from akua_pulumi.resources import ALL_RESOURCES, _generated


def test_every_registered_resource_is_exported_with_its_args() -> None:
    for cls in ALL_RESOURCES:
        name = cls.__name__
        assert name in akua_pulumi.__all__ and getattr(akua_pulumi, name) is cls
        args = f"{name}Args"
        assert args in akua_pulumi.__all__ and getattr(akua_pulumi, args) is getattr(_generated, args)


def test_nothing_stale() -> None:
    registered = {cls.__name__ for cls in ALL_RESOURCES}
    expected = {*registered, *(f"{n}Args" for n in registered), "Provider", "__version__"}
    assert set(akua_pulumi.__all__) == expected
    assert len(akua_pulumi.__all__) == len(expected), "no name twice"
    for name in akua_pulumi.__all__:
        assert getattr(akua_pulumi, name) is not None


def test_the_docstring_names_every_resource() -> None:
    named = set(re.findall(r":class:`(\w+)`", akua_pulumi.__doc__ or ""))
    assert named - {"Provider"} == {cls.__name__ for cls in ALL_RESOURCES}


def test_importing_the_package_stays_lazy() -> None:
    code = "import sys, akua_pulumi; print('pulumi' in sys.modules, 'akua_pulumi.resources' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_resources_package_exports_the_registry() -> None:
    from akua_pulumi import resources

    names = {cls.__name__ for cls in ALL_RESOURCES}
    assert set(resources.__all__) == {*names, "ALL_RESOURCES", "AkuaProvider", "AkuaResourceError"}
