"""Pydantic v2 models for the Akua API resources and request bodies in ``openapi.json``.

Responses (:class:`Resource` subclasses) are tolerant: unknown fields are kept and enum-like
fields are plain strings. Request bodies (:class:`RequestBody` subclasses) are strict
(``extra="forbid"``) and :meth:`RequestBody.dump` gives the JSON to send::

    from akua_pulumi.models import CreateProductBody, LatestPin, Product, parse

    body = CreateProductBody(name="Shop", package_id="pkg_1", package_version_pin=LatestPin())
    product = parse(Product, client.post("/products", json=body.dump(), idempotency_key=key))
"""

from __future__ import annotations

from ._base import Page, RequestBody, Resource, parse
from .clusters import *  # noqa: F403
from .clusters import __all__ as _clusters
from .estate import *  # noqa: F403
from .estate import __all__ as _estate
from .installs import *  # noqa: F403
from .installs import __all__ as _installs
from .operations import *  # noqa: F403
from .operations import __all__ as _operations
from .organizations import *  # noqa: F403
from .organizations import __all__ as _organizations
from .packages import *  # noqa: F403
from .packages import __all__ as _packages
from .workspaces import *  # noqa: F403
from .workspaces import __all__ as _workspaces

__all__ = [
    "Page",
    "RequestBody",
    "Resource",
    "parse",
    *_clusters,
    *_estate,
    *_installs,
    *_operations,
    *_organizations,
    *_packages,
    *_workspaces,
]
