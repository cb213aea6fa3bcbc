"""The fake Stripe server lives in akua_pulumi.testing behind the ``testing`` extra; without localstripe
it says, in one line, what to install."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from akua_pulumi.errors import AkuaError
from akua_pulumi.testing.fake_stripe import StripeFake, build_app

ROOT = Path(__file__).resolve().parent.parent


def test_without_localstripe_the_fake_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "localstripe", None)  # what find_spec sees when it is not installed
    fake = StripeFake()
    with pytest.raises(AkuaError) as info:
        fake.start()
    assert str(info.value) == "the fake Stripe server needs localstripe: pip install akua-pulumi[testing]"
    assert fake._proc is None, "nothing was started"
    with pytest.raises(AkuaError, match=r"pip install akua-pulumi\[testing\]"):
        build_app()


def test_the_testing_extra_brings_localstripe_and_dev_includes_it() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert "localstripe==1.15.10" in extras["testing"]
    assert "testing" in extras["dev"][0]
    assert not any(d.startswith("localstripe") for d in extras["dev"]), "one pin, in the testing extra"


def test_the_old_module_is_gone() -> None:
    assert not (ROOT / "akua_pulumi" / "stripe" / "fake.py").exists()


def test_a_fake_that_cannot_start_says_why() -> None:
    pytest.importorskip("localstripe")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        fake = StripeFake(port=taken.getsockname()[1])
        with pytest.raises(AkuaError) as info:
            fake.start()
    message = str(info.value)
    assert message.startswith("the fake Stripe server did not start (exit "), message
    assert "Address already in use" in message, message
    assert fake._proc is None, "the child is gone"


def test_the_fake_binds_its_own_port_and_reports_it() -> None:
    pytest.importorskip("localstripe")
    with StripeFake() as fake:
        assert fake.port > 0 and fake.api_base == f"http://127.0.0.1:{fake.port}"
        assert fake.counts() == {}
