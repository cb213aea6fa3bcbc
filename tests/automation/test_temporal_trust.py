"""Hostile workflow inputs on a real Temporal server: nothing leaves for their URL, nothing of theirs runs.

Anyone who can reach a worker's task queue can start a workflow with any input. This starts a real
``akua-onboard-worker`` (configured with akua-local, its token, a passphrase and a Stripe key of its
own) and a logging ``pulumi``, then starts workflows straight through the Temporal client with inputs
that try to send the worker's token elsewhere (an API URL pointing at a listener that records every
connection), to run a command of theirs (``PATH`` and ``PULUMI_PYTHON_CMD`` pointing at a script
that writes a marker file), to import a module of their choice, or to smuggle an unknown key. Every
one fails with an error naming the key; no connection reaches the listener, no marker appears, no
``pulumi`` runs and the worker's backend holds no stack. A valid input from the pipeline's client
then succeeds (so the worker, the listener and the logging ``pulumi`` would have seen a run), and
no workflow's history holds the token, the passphrase or the Stripe key.
"""

from __future__ import annotations

import asyncio
import os
import shlex
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from akua_pulumi.automation.customers import parse_customers_file
from akua_pulumi.automation.environment import PulumiEnvironment, find_pulumi_bin
from akua_pulumi.automation.executors.temporal import DEFAULT_TASK_QUEUE, workflow_id
from akua_pulumi.automation.pipeline import OnboardingPipeline
from akua_pulumi.client import AkuaClient
from akua_pulumi.local import LocalServer
from tests.automation.conftest import RecordingListener, serving_worker

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSPHRASE = "trust-test-passphrase-0f3a"
STRIPE_KEY = "sk_test_trust_boundary_9c1e"
CUSTOMER = {"id": "victim", "name": "Victim", "slug": "victim", "region": {"name": "eu-west"}}
STOCK = "akua_pulumi.automation.programs:customer_program"


@pytest.fixture
def logged_pulumi(tmp_path: Path) -> tuple[Path, Path]:
    """A logging ``pulumi`` (same version stamp) before the real one: ``(bin dir, call log)``."""
    real = find_pulumi_bin() / "pulumi"
    stamped = tmp_path / real.parent.parent.name / "bin"
    stamped.mkdir(parents=True)
    log = tmp_path / "pulumi-calls.log"
    (stamped / "pulumi").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(log))}\nexec {shlex.quote(str(real))} "$@"\n'
    )
    (stamped / "pulumi").chmod(0o755)
    for tool in real.parent.iterdir():
        if tool.name != "pulumi":
            (stamped / tool.name).symlink_to(tool)
    return stamped, log


@pytest.fixture
def evil_bin(tmp_path: Path) -> tuple[Path, Path]:
    """A directory of commands (``python``, ``pulumi``, ``sh``...) that each write a marker: ``(dir, marker)``."""
    bin_dir = tmp_path / "evil-bin"
    bin_dir.mkdir()
    marker = tmp_path / "evil-ran"
    for name in ("python", "python3", "pulumi", "pulumi-language-python", "pulumi-resource-pulumi-python", "sh"):
        (bin_dir / name).write_text(f'#!/bin/sh\necho "$0 $*" >> {shlex.quote(str(marker))}\nexit 1\n')
        (bin_dir / name).chmod(0o755)
    return bin_dir, marker


@pytest.fixture
def worker(
    tmp_path: Path, temporal_address: str, akua: LocalServer, logged_pulumi: tuple[Path, Path]
) -> Iterator[Path]:
    """One ``akua-onboard-worker`` with settings of its own (file backend in its state dir); its state dir."""
    state = tmp_path / "worker"
    env = {
        **os.environ,
        **PulumiEnvironment(state_dir=state).variables(),
        "AKUA_API_TOKEN": akua.owner_token,
        "STRIPE_API_KEY": STRIPE_KEY,
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "AKUA_PULUMI_BIN": str(logged_pulumi[0]),
    }
    for var in ("PULUMI_BACKEND_URL", "AKUA_API_URL", "PULUMI_HOME"):
        env.pop(var, None)
    args = ("--address", temporal_address, "--state-dir", str(state), "--api-url", akua.api_url, "--slots", "2")
    with serving_worker(tmp_path / "worker.log", env, *args):
        yield state


def _hostile_inputs(listener: str, evil: Path) -> dict[str, tuple[Any, str]]:
    """``{name: (workflow input, what its error must name)}``."""
    good = {"customer": {**CUSTOMER}, "command": "up", "program": "default"}
    evil_env = {"PATH": str(evil), "PULUMI_PYTHON_CMD": str(evil / "python")}
    # What the client sent before the boundary: config, env and a module path that a worker obeyed.
    legacy = {
        "program": STOCK,
        "customer": {**CUSTOMER},
        "command": "up",
        "project_name": "akua-onboarding",
        "state_dir": None,
        "backend_url": None,
        "config": {"akua:apiUrl": [listener, False], "akua:token": [None, True]},
        "env": {},
        "settings": {},
        "passphrase": None,
        "engine_parallel": None,
        "bin_dir": None,
        "preview_first": False,
        "force": False,
    }
    return {
        "legacy-config": (legacy, "'config'"),
        "legacy-env": ({**legacy, "config": {}, "env": {**evil_env, "AKUA_API_URL": listener}}, "'env'"),
        "api-url": ({**good, "api_url": listener}, "'api_url'"),
        "config": ({**good, "config": {"akua:apiUrl": [listener, False]}}, "'config'"),
        "env": ({**good, "env": evil_env}, "'env'"),
        "path": ({**good, "PATH": str(evil), "PULUMI_PYTHON_CMD": str(evil / "python")}, "'PATH'"),
        "module": ({**good, "program": "tests.support.echo_program:echo_program"}, "module path"),
        "not-allowed": ({**good, "program": "echo"}, "not a program this worker allows"),
        "extra-key": ({**good, "note": "hi"}, "'note'"),
        "not-an-object": (["up", CUSTOMER], "expected an object"),
    }


async def _start_hostile(address: str, inputs: dict[str, tuple[Any, str]]) -> dict[str, str]:
    """Run each hostile workflow to its end; ``{name: root error}`` (AssertionError when one succeeds)."""
    from temporalio.client import Client, WorkflowFailureError

    client = await Client.connect(address)

    async def one(name: str, data: Any) -> str:
        try:
            result = await client.execute_workflow(
                "akua-onboard-customer",
                data,
                id=f"hostile-{name}",
                task_queue=DEFAULT_TASK_QUEUE,
                execution_timeout=timedelta(minutes=5),
            )
        except WorkflowFailureError as exc:
            cause: Any = exc.cause
            while getattr(cause, "cause", None) is not None:
                cause = cause.cause
            return str(cause)
        raise AssertionError(f"hostile workflow {name} did not fail: {result}")

    errors = await asyncio.gather(*(one(n, d) for n, (d, _) in inputs.items()))
    return dict(zip(inputs, errors, strict=True))


async def _histories(address: str, ids: list[str]) -> dict[str, bytes]:
    from temporalio.client import Client

    client = await Client.connect(address)
    out = {}
    for wid in ids:
        history = await client.get_workflow_handle(wid).fetch_history()
        out[wid] = b"".join(e.SerializeToString() for e in history.events) + history.to_json().encode()
    return out


def test_hostile_inputs_fail_and_run_nothing(
    tmp_path: Path,
    temporal_address: str,
    akua: LocalServer,
    api: AkuaClient,
    recorder: RecordingListener,
    evil_bin: tuple[Path, Path],
    logged_pulumi: tuple[Path, Path],
    worker: Path,
) -> None:
    evil, marker = evil_bin
    calls = logged_pulumi[1]
    inputs = _hostile_inputs(recorder.url, evil)
    akua.admin.reset_counters()

    errors = asyncio.run(_start_hostile(temporal_address, inputs))
    for name, (_, named) in inputs.items():
        assert named in errors[name] and "workflow input" in errors[name], (name, errors[name])
    assert recorder.seen == [], recorder.seen  # the token went nowhere
    assert not marker.exists(), marker.read_text()  # nothing of theirs ran
    assert not calls.exists(), calls.read_text()  # no pulumi process at all
    assert not (worker / ".pulumi").exists() and not (worker / "logs").exists()  # no stack, no run
    counters = akua.admin.counters()
    assert counters["reads"] + counters["writes"] == 0, counters  # not even the worker's own API

    # A valid input, sent by the pipeline's client, runs with the worker's settings (so the checks
    # above could have seen a run): the worker's API gets the customer, the listener still nothing.
    entries = parse_customers_file({"customers": [CUSTOMER]}).entries
    pipeline = OnboardingPipeline("default", state_dir=tmp_path / "client", engine="temporal", address=temporal_address)
    report = pipeline.up(entries)
    assert report.exit_code == 0, str(report)
    assert [w["slug"] for w in api.paginate("/workspaces")] == ["victim"]
    assert calls.exists() and (worker / ".pulumi").exists()
    assert recorder.seen == [] and not marker.exists()

    # No workflow's input, result or error holds a secret (searched in the server's own history).
    ids = [f"hostile-{n}" for n in inputs] + [workflow_id(DEFAULT_TASK_QUEUE, "victim", "up")]
    histories = asyncio.run(_histories(temporal_address, ids))
    for wid, blob in histories.items():
        assert b"victim" in blob, wid  # the search sees the payloads
        for secret in (akua.owner_token, PASSPHRASE, STRIPE_KEY):
            assert secret.encode() not in blob, (wid, secret[:4])
