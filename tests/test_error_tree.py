"""Every public exception class the package defines is an :class:`~akua_pulumi.errors.AkuaError`, and no
two share a name (the emulator's carry a ``Local`` prefix where the others use the word)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections import defaultdict

import akua_pulumi
from akua_pulumi.errors import AkuaError

#: Private control flow that never leaves the emulator's server: a dropped connection is a socket error.
_NOT_RAISED_TO_CALLERS = {"akua_pulumi.local.faults.DropConnection"}


def _exception_classes() -> list[type[BaseException]]:
    from akua_pulumi.local.backend import load_all

    load_all()  # akua-local's route modules load in their own order (later ones hook earlier ones)
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(akua_pulumi.__path__, "akua_pulumi."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == info.name:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def test_every_public_exception_is_an_akua_error() -> None:
    classes = _exception_classes()
    assert len(classes) > 30, "the walk found the package's exception classes"
    outside = [
        f"{c.__module__}.{c.__qualname__}"
        for c in classes
        if not c.__name__.startswith("_")
        and f"{c.__module__}.{c.__qualname__}" not in _NOT_RAISED_TO_CALLERS
        and not issubclass(c, AkuaError)
    ]
    assert outside == [], f"not AkuaErrors: {outside}"


def test_no_two_exception_classes_share_a_name() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for c in _exception_classes():
        by_name[c.__name__].append(c.__module__)
    clashes = {name: modules for name, modules in by_name.items() if len(modules) > 1}
    assert clashes == {}, f"exception names defined twice: {clashes}"


def test_categories_carry_the_client_and_stripe_classes() -> None:
    from akua_pulumi import errors
    from akua_pulumi.client import _exceptions as http
    from akua_pulumi.stripe import _client as stripe

    assert issubclass(http.NotFoundError, errors.NotFound)
    assert issubclass(http.EtagMismatchError, errors.EtagMismatch)
    assert issubclass(http.PermissionDeniedError, errors.PermissionDenied)
    assert issubclass(stripe.StripeNotFound, errors.NotFound)
    for name in ("LocalApiError", "LocalNotFound", "LocalConflict", "LocalEtagMismatch", "PermissionDeniedError"):
        assert name in (errors.__doc__ or ""), f"{name} is drawn in the tree"


def test_the_tree_in_errors_names_every_public_exception() -> None:
    from akua_pulumi import errors

    drawn = errors.__doc__ or ""
    missing = [
        f"{c.__module__}.{c.__qualname__}"
        for c in _exception_classes()
        if not c.__name__.startswith("_")
        and f"{c.__module__}.{c.__qualname__}" not in _NOT_RAISED_TO_CALLERS
        and not re.search(rf"\b{c.__name__}\b", drawn)
    ]
    assert missing == [], f"add these to the tree in akua_pulumi/errors.py: {missing}"


def test_a_conflict_names_its_plan_limit_from_metadata_not_text() -> None:
    """A plan-limit refusal carries its entitlement in ``metadata.feature`` (API.md §6.5); any other 409
    has none, whatever its message says."""
    from akua_pulumi.client._exceptions import ConflictError

    limit = ConflictError(409, 7002, "quota exceeded", metadata={"feature": "compute.max_machines"})
    assert limit.plan_limit == "compute.max_machines"
    other = ConflictError(409, 7002, "limit max_machines reached by a name clash", metadata={})
    assert other.plan_limit is None
