"""Job serialisation: everything one stack run needs, as it travels to a worker process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from akua_pulumi.automation.customers import Customer
from akua_pulumi.automation.program_ref import ProgramFactory, program_ref
from akua_pulumi.client._config import SETTING_ENV as CLIENT_SETTING_ENV
from akua_pulumi.stripe._client import SETTING_ENV as STRIPE_SETTING_ENV

__all__ = ["SETTING_ENV", "Job", "split_config"]

#: Config keys handed to a run as environment variables rather than stored as stack config.
SETTING_ENV: dict[str, str] = {**CLIENT_SETTING_ENV, **STRIPE_SETTING_ENV}


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to run one command on one customer's stack; must pickle."""

    program: ProgramFactory
    customer: Customer
    command: str
    project_name: str
    state_dir: str
    backend_url: str | None
    config: dict[str, tuple[str, bool]]
    env: dict[str, str]
    settings: dict[str, Any]
    passphrase: str | None
    engine_parallel: int | None
    bin_dir: str | None
    preview_first: bool = False
    force: bool = False
    #: A retried attempt: settle the dead attempt's lock and pending operations first (:mod:`.stack_lock`).
    retry: bool = False
    #: On a retry, a lock older than this (seconds) belongs to a dead run; None: break no lock.
    break_locks_older_than: float | None = None
    #: On a retry, how long to wait for a lock that may be a live run's before failing.
    lock_wait_s: float = 30.0
    #: On a retry, when the workflow started (epoch s): what earlier attempts changed is reported too.
    changed_since: float | None = None
    #: Whether the stack exists, when the caller listed the backend's stacks (None: not known).
    stack_exists: bool | None = None
    #: The secrets provider a new stack is created with (None: passphrase).
    secrets_provider: str | None = None

    @classmethod
    def on_store(cls, store: Any, program: ProgramFactory, customer: Customer, command: str, **kw: Any) -> Job:
        """A job on the stacks ``store`` keeps (a pipeline or a worker: its ``project_name``,
        ``state_dir``, ``backend_url``, ``passphrase``, ``secrets_provider`` and ``engine_parallel``);
        ``kw`` the rest."""
        return cls(
            program=program,
            customer=customer,
            command=command,
            project_name=store.project_name,
            state_dir=str(store.state_dir),
            backend_url=store.backend_url,
            passphrase=store.passphrase,
            secrets_provider=store.secrets_provider,
            engine_parallel=store.engine_parallel,
            **kw,
        )

    # The customer travels as plain data and is validated again on arrival, so a job pickles
    # (process pool) and serialises (Temporal) whatever classes the customers file derives.
    def __getstate__(self) -> dict[str, Any]:
        return self.to_wire()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(Job.from_wire(state).__dict__)

    def to_wire(self) -> dict[str, Any]:
        """JSON-able form (the program as ``"module:function"``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["customer"] = self.customer.model_dump(mode="json", exclude_unset=True)
        data["program"] = program_ref(self.program)
        data["config"] = {k: [v, s] for k, (v, s) in self.config.items()}
        return data

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Job:
        """The inverse of :meth:`to_wire`."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["customer"] = Customer.model_validate(data["customer"])
        values["config"] = {k: (v, bool(s)) for k, (v, s) in data.get("config", {}).items()}
        return cls(**values)


def split_config(config: Mapping[str, tuple[str, bool]]) -> tuple[dict[str, str], dict[str, tuple[str, bool]]]:
    """``(environment variables, stack config)``: keys in :data:`SETTING_ENV` go to the environment."""
    env = {SETTING_ENV[k]: v for k, (v, _) in config.items() if k in SETTING_ENV}
    return env, {k: v for k, v in config.items() if k not in SETTING_ENV}
