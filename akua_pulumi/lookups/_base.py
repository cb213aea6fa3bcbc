"""What every lookup shares: the error, the result base, the connection keywords, the client and the
``*_output`` machinery (the lookups themselves are in ``_core``, ``_v4``, ``_seller`` and ``_access``)."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import MISSING, asdict, fields
from types import TracebackType
from typing import Any, ForwardRef, NamedTuple, TypeVar

import pulumi
from typing_extensions import ParamSpec, TypedDict

from ..client import AkuaClient, NotFoundError
from ..connection import Provider, client_for
from ..errors import AkuaError

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R", bound="_AsDict")


class AkuaLookupError(AkuaError, LookupError):
    """A lookup found nothing, or was called without what it needs; the message says what to do."""


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict, e.g. for ``pulumi.export``."""
        out: dict[str, Any] = asdict(self)  # type: ignore[call-overload]  # subclasses are dataclasses
        return out

    @classmethod
    def from_api(cls: type[R], obj: Mapping[str, Any], **overrides: Any) -> R:
        """The result for the API object ``obj``: a field without a default must be there (else
        :class:`AkuaLookupError`), one with a default may be missing; arrays become tuples (results are
        frozen); ``overrides`` are the values that do not come straight from ``obj``."""
        values = dict(overrides)
        for f in fields(cls):  # type: ignore[arg-type]  # every result is a dataclass
            if f.name in values or f.default_factory is not MISSING:
                continue
            if f.default is MISSING and f.name not in obj:
                raise AkuaLookupError(f"{cls.__name__}: the API answered without {f.name!r}")
            value = obj[f.name] if f.default is MISSING else obj.get(f.name, f.default)
            values[f.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


# -- the connection keywords, declared once -------------------------------------------------------------


class Via(TypedDict, total=False):
    """The keywords every lookup takes to choose its connection (``**via: Unpack[Via]``); both optional.

    * ``client``: an :class:`~akua_pulumi.client.AkuaClient` of your own; it wins over everything else.
    * ``provider``: an :class:`akua_pulumi.Provider` to look up through (another token or API URL); what
      it leaves open comes from the stack config (in a program) or the environment, see :func:`lookup_client`.

    Lookups that take ``workspace_id`` as a parameter of their own, or take no workspace
    (``get_managed_workspaces``), take these two; the others take :class:`ViaWorkspace`.
    """

    client: AkuaClient | None
    provider: Provider | None


class ViaWorkspace(Via, total=False):
    """:class:`Via` plus ``workspace_id``: the workspace to look in (default ``akua:workspace``, outside a
    program ``AKUA_WORKSPACE``), for lookups where it is keyword-only."""

    workspace_id: str | None


class ViaWorkspaceInput(Via, total=False):
    """:class:`ViaWorkspace` for the ``*_output`` twins: ``workspace_id`` may be a Pulumi Input."""

    workspace_id: pulumi.Input[str] | None


class ViaKind(NamedTuple):
    """What a lookup's ``**via`` annotation stands for: its keywords, and the annotation of its twin's."""

    keys: type[Via]
    twin: str


#: The ``**via`` annotation a plain lookup may have → what it stands for (``@lookup`` and the twins' generator).
VIA_TYPES = {
    "Unpack[Via]": ViaKind(Via, "Unpack[Via]"),
    "Unpack[ViaWorkspace]": ViaKind(ViaWorkspace, "Unpack[ViaWorkspaceInput]"),
}
#: Every plain lookup, in definition order (``@lookup`` adds it); the ``*_output`` twins are generated from these.
LOOKUPS: list[Callable[..., Any]] = []
#: The names of the plain lookups that have no ``*_output`` twin (``@no_twin``).
NO_TWIN: set[str] = set()


def _annotation(tp: Any) -> Any:
    return tp.__forward_arg__ if isinstance(tp, ForwardRef) else tp


def lookup(fn: Callable[P, T]) -> Callable[P, T]:
    """Register ``fn`` as a plain lookup. A keyword that is neither its own nor a key of its ``via`` type is
    a ``TypeError``, as for any function; ``inspect.signature`` shows the ``via`` keys as keyword-only
    parameters (the raw signature, ``**via``, stays on ``__wrapped__``)."""
    sig = inspect.signature(fn)
    own = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    names = {p.name for p in own}
    via = VIA_TYPES.get(str(sig.parameters["via"].annotation)) if "via" in sig.parameters else None
    if via is None:
        raise TypeError(f"lookup {fn.__name__} must end with **via: {' or **via: '.join(VIA_TYPES)}")
    keys = sorted(via.keys.__annotations__.items(), key=lambda item: item[0] != "workspace_id")  # as written before
    extra = [
        inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=_annotation(tp))
        for key, tp in keys
        if key not in names
    ]
    accepted = names | {p.name for p in extra}

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> T:
        for key in kwargs:
            if key not in accepted:
                raise TypeError(f"{fn.__name__}() got an unexpected keyword argument {key!r}")
        return fn(*args, **kwargs)

    checked.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
    LOOKUPS.append(checked)
    return checked


def no_twin(fn: Callable[P, T]) -> Callable[P, T]:
    """Mark a lookup as one without an ``*_output`` twin (put it above ``@lookup``)."""
    NO_TWIN.add(fn.__name__)
    return fn


# -- configuration and the shared client ------------------------------------------------------------


def _in_program() -> bool:
    """True while a Pulumi program (or a mocked one) is running in this context."""
    try:
        return pulumi.runtime.settings.get_monitor() is not None
    except Exception:  # pragma: no cover - no settings at all
        return False


def _stack_config() -> dict[str, Any]:
    if not _in_program():
        return {}
    cfg = pulumi.Config("akua")
    return {f"akua:{key}": cfg.get(key) for key in ("apiUrl", "token", "workspace")}


def lookup_client(provider: Provider | None = None) -> AkuaClient:
    """The client the lookups use: ``provider``'s connection, with what it leaves open taken from the
    stack config (in a program) or the environment; shared through the one client cache."""
    return client_for(provider.connection() if provider is not None else None, stack_config=_stack_config())


def _client(via: Via | ViaWorkspace) -> AkuaClient:
    """The client ``via`` chooses: its ``client``, else :func:`lookup_client` of its ``provider``."""
    client = via.get("client")
    return client if client is not None else lookup_client(via.get("provider"))


def _workspace(client: AkuaClient, workspace_id: str | None, what: str) -> str:
    ws = workspace_id or client.workspace
    if not ws:
        raise AkuaLookupError(
            f"{what} needs a workspace: pass workspace_id= or run `pulumi config set akua:workspace <ws_id>` "
            "(outside a program: export AKUA_WORKSPACE=<ws_id>)"
        )
    return ws


def not_found(what: str, exc: NotFoundError) -> AkuaLookupError:
    """The lookup error for a 404: what was asked for and the API's message."""
    return AkuaLookupError(f"{what} does not exist (or this token cannot see it): {exc.message}")


class _Missing:
    """The context manager of :func:`missing`."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, NotFoundError):
            raise not_found(self.what, exc) from None


def missing(what: str) -> _Missing:
    """``with missing("install 'x'"):``: a 404 inside the block becomes :func:`not_found` ``what``."""
    return _Missing(what)


def scoped(client: AkuaClient, workspace_id: str | None) -> AkuaClient:
    """``client`` sending ``workspace_id`` (else its own ``akua:workspace``, if any) as akua-context."""
    return client.for_workspace(workspace_id or client.workspace)


# -- Output variants ----------------------------------------------------------------------------------


def _later(fn: Callable[..., T], args: Mapping[str, Any], client: AkuaClient | None, provider: Provider | None) -> Any:
    """Run a blocking lookup off the event loop, with the current context (so ``pulumi.Config`` works).

    The client is resolved here, on the loop, where the program's config is visible.
    """
    return asyncio.to_thread(fn, **args, client=client or lookup_client(provider))


_PROVIDER_KEYS = ("api_url", "token", "workspace")


def _output(fn: Callable[..., T], given: Mapping[str, Any]) -> pulumi.Output[T]:
    """``fn(**inputs)`` once every input (and the provider's settings) is known; unknown during preview
    otherwise. ``given`` is the ``*_output`` twin's own arguments (its ``locals()``): the Inputs, and its
    ``via`` (``client`` and ``provider`` to look up through, and maybe an Input ``workspace_id``)."""
    inputs = {k: v for k, v in given.items() if k != "via"}
    via = dict(given.get("via") or {})
    accepted = inspect.signature(fn).parameters  # its own and its via keys (set by @lookup)
    for key in via:
        if key not in accepted:
            raise TypeError(f"{fn.__name__}_output() got an unexpected keyword argument {key!r}")
    client: AkuaClient | None = via.pop("client", None)
    provider: Provider | None = via.pop("provider", None)
    inputs.update(via)
    settings = {f"_provider_{k}": getattr(provider, k) for k in _PROVIDER_KEYS} if provider is not None else {}
    resolved: pulumi.Output[dict[str, Any]] = pulumi.Output.all(**inputs, **settings)

    def run(args: dict[str, Any]) -> Any:
        plain = None
        if provider is not None:
            plain = Provider(provider.name, **{k: args.pop(f"_provider_{k}") for k in _PROVIDER_KEYS})
        return _later(fn, args, client, plain)

    return resolved.apply(run)
