"""One place that decides how we run Pulumi: offline, local state, passphrase secrets.

Every caller of ours that runs the Pulumi engine (test fixtures, scripts, the onboarding pipeline,
benchmarks) builds its environment here, so the rules live once:

* a local file backend (``file://<dir>``) unless the caller names another backend URL;
* a passphrase secrets provider: ``PULUMI_CONFIG_PASSPHRASE`` (or ``_FILE``); the built-in default
  passphrase only for a local file backend (:func:`require_passphrase` adds: and a loopback API);
  or a key-management secrets provider (``awskms://``, ``gcpkms://``, ``azurekeyvault://``,
  ``hashivault://``) for the stacks it creates, which needs no passphrase;
* an isolated ``PULUMI_HOME``;
* no update check and no plugin acquisition;
* ``PULUMI_PYTHON_CMD`` pointing at the interpreter that has ``akua_pulumi`` installed, so the
  dynamic-provider process can import our provider classes;
* the toolchain ``bin`` directory (``pulumi``, the language host and the ``pulumi-python`` launcher)
  first on ``PATH``.
"""

from __future__ import annotations

import importlib.metadata
import ipaddress
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import AkuaError

__all__ = [
    "DEFAULT_PASSPHRASE",
    "MissingPassphraseError",
    "PulumiEnvironment",
    "PulumiNotFoundError",
    "StackStore",
    "find_pulumi_bin",
    "is_file_backend",
    "is_loopback_url",
    "require_passphrase",
    "secrets_provider_problem",
]

#: Passphrase used when none is given, for a local file backend only (and, in the onboarding
#: pipeline, CLI and worker, only with a loopback akua-local). It is public: it protects
#: nothing; set ``PULUMI_CONFIG_PASSPHRASE`` (or pass ``passphrase=``) for anything you keep.
DEFAULT_PASSPHRASE = "akua-local-passphrase"
PASSPHRASE_VARS = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")


#: The secrets providers a stack may be created with besides ``passphrase`` (Pulumi's cloud ones;
#: ``default``, the Pulumi Cloud service's, needs its backend and is not offered).
KMS_SCHEMES = ("awskms://", "gcpkms://", "azurekeyvault://", "hashivault://")


class MissingPassphraseError(AkuaError, ValueError):
    """No secrets passphrase is configured where the public default must not be used."""


def secrets_provider_problem(value: str | None) -> str | None:
    """Why ``value`` cannot be a secrets provider (None when it can, or when it is None)."""
    if value is None or value == "passphrase" or (value.startswith(KMS_SCHEMES) and not value.endswith("://")):
        return None
    return f"secrets provider must be 'passphrase' or a key URL starting with {', '.join(KMS_SCHEMES)}"


def _uses_kms(secrets_provider: str | None) -> bool:
    return bool(secrets_provider) and secrets_provider != "passphrase"


def is_file_backend(backend_url: str | None) -> bool:
    """Whether state goes to a local file backend (``None`` is the default ``file://<state_dir>``)."""
    return backend_url is None or backend_url.startswith("file://")


def is_loopback_url(url: str | None) -> bool:
    """Whether ``url``'s host is a loopback address (127.0.0.0/8, ``::1``) or ``localhost``."""
    if not url:
        return False
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _passphrase_configured(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("PULUMI_CONFIG_PASSPHRASE")) or bool(environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"))


def require_passphrase(
    *,
    backend_url: str | None,
    api_url: str | None,
    passphrase: str | None = None,
    who: str = "akua-onboard",
    environ: Mapping[str, str] | None = None,
    note: Any = None,
    secrets_provider: str | None = None,
) -> str | None:
    """Refuse to run without a secrets passphrase, unless this is local play; the passphrase to pass on.

    Returns ``passphrase`` when given, None when the environment holds ``PULUMI_CONFIG_PASSPHRASE``
    or ``PULUMI_CONFIG_PASSPHRASE_FILE`` (the engine reads it there) or the stacks use a
    key-management ``secrets_provider`` (``awskms://...``), and :data:`DEFAULT_PASSPHRASE`
    (after one line through ``note``, default stderr) for a local file backend with a loopback API
    (``api_url``; None means the production default, which is not loopback). Runs no backend or API
    call.

    Raises:
        MissingPassphraseError: anything else; the message names ``PULUMI_CONFIG_PASSPHRASE``.
    """
    env = os.environ if environ is None else environ
    if passphrase or _passphrase_configured(env) or _uses_kms(secrets_provider):
        return passphrase or None
    prefix = f"{who}: " if who else ""
    if is_file_backend(backend_url) and is_loopback_url(api_url):
        line = (
            f"{prefix}PULUMI_CONFIG_PASSPHRASE is not set: using the public default passphrase "
            "(allowed only for a local file backend and a loopback akua-local)"
        )
        if note is None:
            print(line, file=sys.stderr, flush=True)
        else:
            note(line)
        return DEFAULT_PASSPHRASE
    where = "a local file backend" if is_file_backend(backend_url) else f"backend {_redact(backend_url)}"
    api = _redact(api_url) if api_url else "the default Akua API"
    raise MissingPassphraseError(
        f"{prefix}set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE, or give a key URL with "
        f"--secrets-provider / secrets_provider=, e.g. awskms://KEY) to encrypt the secrets in the state; "
        f"the built-in default passphrase is public and is used only with a local file backend and a loopback "
        f"akua-local (here: {where}, API {api})"
    )


def _redact(url: str | None) -> str:
    """A URL without its query and user info (they may hold credentials)."""
    if not url:
        return "<none>"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparsable URL>"
    return f"{parts.scheme}://{host}{port}{parts.path}"


_LAUNCHER = "pulumi-resource-pulumi-python"


class PulumiNotFoundError(AkuaError, RuntimeError):
    """No usable Pulumi CLI was found; run ``scripts/pulumi-toolchain`` to build one."""


def _version_tuple(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(x) for x in m.groups()) if m else (0,)


def _sdk_version() -> tuple[int, ...]:
    return _version_tuple(importlib.metadata.version("pulumi"))


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "akua-pulumi"


def find_pulumi_bin() -> Path:
    """Return the directory holding a ``pulumi`` at least as new as the SDK, plus the launcher.

    Order: ``$AKUA_PULUMI_BIN``; a ``pulumi`` on ``PATH`` that is new enough and has the
    ``pulumi-python`` launcher beside it or on ``PATH``; the newest complete build in the
    per-version cache that ``scripts/pulumi-toolchain`` fills.
    """
    explicit = os.environ.get("AKUA_PULUMI_BIN")
    if explicit:
        path = Path(explicit)
        if (path / "pulumi").exists():
            return path
        raise PulumiNotFoundError(f"AKUA_PULUMI_BIN={explicit} has no pulumi binary")
    on_path = shutil.which("pulumi")
    if on_path:
        real = Path(on_path).resolve().parent
        launcher_ok = (real / _LAUNCHER).exists() or shutil.which(_LAUNCHER) is not None
        if launcher_ok and _cli_version(Path(on_path)) >= _sdk_version():
            return real
    builds = sorted(
        (p for p in _cache_root().glob("pulumi-v*/bin") if (p / ".complete").exists()),
        key=lambda p: _version_tuple(p.parent.name),
        reverse=True,
    )
    for bin_dir in builds:
        if _version_tuple(bin_dir.parent.name) >= _sdk_version():
            return bin_dir
    raise PulumiNotFoundError(
        "No Pulumi CLI at least as new as the pulumi SDK was found. Run scripts/pulumi-toolchain "
        "(it builds one from Go modules into ~/.cache/akua-pulumi) or set AKUA_PULUMI_BIN."
    )


def pulumi_command(binary: Path) -> Any:
    """The Automation API's ``PulumiCommand`` for ``binary``.

    ``PulumiCommand()`` runs ``pulumi version`` every time it is made (one CLI start per stack, about
    0.2 CPU s); a toolchain build is stamped with its version in its directory name
    (``pulumi-v3.274.1/bin``), so for those the version is taken from there and nothing runs.
    """
    from pulumi import automation as auto
    from semver import VersionInfo

    stamped = re.fullmatch(r"pulumi-v(\d+\.\d+\.\d+)", binary.parent.parent.name)
    if stamped is None or binary.name != "pulumi":
        return auto.PulumiCommand(root=str(binary.parent.parent), skip_version_check=True)

    version = VersionInfo.parse(stamped.group(1))

    class _StampedPulumiCommand(auto.PulumiCommand):
        def __init__(self) -> None:  # the version is known: no `pulumi version` run
            self.command = str(binary)
            self.version = version

    return _StampedPulumiCommand()


def _cli_version(binary: Path) -> tuple[int, ...]:
    try:
        out = subprocess.run(
            [str(binary), "version"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return (0,)
    return _version_tuple(out)


#: The AWS SDK's checksum settings, ``when_required`` unless set (see :meth:`PulumiEnvironment.variables`).
_AWS_CHECKSUM_ENV = ("AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION")


class StackStore(Protocol):
    """What keeps stacks: a pipeline, a worker's settings, a job (see :meth:`PulumiEnvironment.for_store`)."""

    @property
    def state_dir(self) -> str | Path: ...
    @property
    def backend_url(self) -> str | None: ...
    @property
    def passphrase(self) -> str | None: ...
    @property
    def secrets_provider(self) -> str | None: ...


@dataclass
class PulumiEnvironment:
    """Environment for running the Pulumi engine offline.

    Args:
        state_dir: Directory for the file backend (``file://<state_dir>``) and, by default, ``PULUMI_HOME``.
        backend_url: Any Pulumi backend URL; overrides ``state_dir`` as the backend when given.
        passphrase: Passphrase for the passphrase secrets provider; default ``$PULUMI_CONFIG_PASSPHRASE``,
            else none set here when ``$PULUMI_CONFIG_PASSPHRASE_FILE`` is, else :data:`DEFAULT_PASSPHRASE`
            for a file backend. Any other backend without one raises :class:`MissingPassphraseError`,
            unless ``secrets_provider`` is a key-management one.
        secrets_provider: The secrets provider of the stacks created here (``stack init
            --secrets-provider``): ``passphrase`` (the default) or a key URL (``awskms://...``,
            ``gcpkms://...``, ``azurekeyvault://...``, ``hashivault://...``). An existing stack keeps
            its own (``pulumi stack change-secrets-provider`` moves one).
        python: Interpreter for dynamic providers; must have ``akua_pulumi`` installed.
        bin_dir: Directory with ``pulumi`` and the launcher; found with :func:`find_pulumi_bin` when omitted.
        extra: More variables (e.g. ``AKUA_API_URL``) to set for the engine and providers.
    """

    state_dir: Path
    backend_url: str | None = None
    passphrase: str | None = field(default_factory=lambda: os.environ.get("PULUMI_CONFIG_PASSPHRASE") or None)
    python: str = sys.executable
    bin_dir: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)
    secrets_provider: str | None = None

    @classmethod
    def for_store(
        cls, store: StackStore, *, bin_dir: Path | str | None = None, extra: Mapping[str, str] | None = None
    ) -> PulumiEnvironment:
        """The environment of the stacks ``store`` keeps: its ``state_dir``, ``backend_url``,
        ``secrets_provider`` and ``passphrase`` (None: the default, ``$PULUMI_CONFIG_PASSPHRASE``);
        ``bin_dir`` None finds the CLI (:func:`find_pulumi_bin`)."""
        kw: dict[str, Any] = {} if store.passphrase is None else {"passphrase": store.passphrase}
        return cls(
            state_dir=Path(store.state_dir),
            backend_url=store.backend_url,
            bin_dir=Path(bin_dir) if bin_dir else None,
            extra=dict(extra or {}),
            secrets_provider=store.secrets_provider,
            **kw,
        )

    def __post_init__(self) -> None:
        self.state_dir = Path(self.state_dir).resolve()
        problem = secrets_provider_problem(self.secrets_provider)
        if problem:
            raise ValueError(problem)
        if (
            not self.passphrase
            and not os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
            and not _uses_kms(self.secrets_provider)
        ):
            if not is_file_backend(self.backend_url):
                raise MissingPassphraseError(
                    f"set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) for backend "
                    f"{_redact(self.backend_url)}: the built-in default passphrase is for local file backends only"
                )
            self.passphrase = DEFAULT_PASSPHRASE
        if self.bin_dir is None:
            self.bin_dir = find_pulumi_bin()

    @property
    def home(self) -> Path:
        return self.state_dir / ".pulumi-home"

    @property
    def backend(self) -> str:
        return self.backend_url or f"file://{self.state_dir}"

    @property
    def pulumi(self) -> str:
        assert self.bin_dir is not None
        return str(self.bin_dir / "pulumi")

    def variables(self) -> dict[str, str]:
        """Only the variables we set (what ``env_vars`` of the Automation API needs)."""
        assert self.bin_dir is not None
        path = os.environ.get("PATH", "")
        secrets = {"PULUMI_CONFIG_PASSPHRASE": self.passphrase} if self.passphrase else {}
        return {
            "PULUMI_BACKEND_URL": self.backend,
            **secrets,
            "PULUMI_HOME": str(self.home),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "PULUMI_PYTHON_CMD": self.python,
            "PATH": f"{self.bin_dir}{os.pathsep}{path}" if path else str(self.bin_dir),
            # S3-compatible servers that send no checksum (moto, MinIO...) otherwise make the AWS SDK
            # print a warning into every command's output; checksums stay on where an API requires them.
            **{var: os.environ.get(var, "when_required") for var in _AWS_CHECKSUM_ENV},
            **self.extra,
        }

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """A full process environment: ``base`` (default ``os.environ``) plus :meth:`variables`."""
        merged = dict(os.environ if base is None else base)
        merged.pop("PULUMI_ACCESS_TOKEN", None)
        merged.update(self.variables())
        return merged

    def prepare(self) -> PulumiEnvironment:
        """Create the state and home directories; returns self."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        return self

    def run(
        self, *args: str, cwd: Path | str | None = None, check: bool = True, **kw: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run the ``pulumi`` CLI with this environment (non-interactive)."""
        self.prepare()
        proc = subprocess.run(
            [self.pulumi, *args, "--non-interactive"],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            **kw,
        )
        if check and proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, proc.args, proc.stdout, proc.stderr)
        return proc

    def workspace_options(self, **kw: Any) -> Any:
        """``LocalWorkspaceOptions`` for the Automation API, with this environment applied."""
        from pulumi import automation as auto

        from .engine_channels import isolate_engine_channels

        isolate_engine_channels()  # inline programs run in this process, one engine after another
        self.prepare()
        if self.secrets_provider:
            kw.setdefault("secrets_provider", self.secrets_provider)
        return auto.LocalWorkspaceOptions(
            pulumi_home=str(self.home),
            env_vars=self.variables(),
            pulumi_command=pulumi_command(Path(self.pulumi)),
            **kw,
        )
