"""A trivial dynamic resource that proves the real Pulumi engine works on this machine.

``Echo`` stores ``value`` and appends every provider call to a journal file, so a test can see
that the engine ran our provider code (create, update, delete) from the installed package.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic as dyn

#: An Echo whose value starts with this fails to create.
FAIL = "!fail"


def _journal(path: str, entry: dict[str, Any]) -> None:
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


class EchoProvider(dyn.ResourceProvider):
    """Provider for :class:`Echo`; stateless, so it pickles by reference."""

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        if str(props["value"]).startswith(FAIL):
            raise RuntimeError(f"echo {props['name']} was asked to fail")
        rid = "echo-" + hashlib.sha256(str(props["name"]).encode()).hexdigest()[:12]
        _journal(props["journal"], {"call": "create", "id": rid, "value": props["value"]})
        return dyn.CreateResult(rid, {**props, "length": len(str(props["value"]))})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        changed = [k for k in ("name", "value", "journal") if olds.get(k) != news.get(k)]
        return dyn.DiffResult(changes=bool(changed), replaces=["name"] if "name" in changed else [])

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        _journal(news["journal"], {"call": "update", "id": _id, "value": news["value"]})
        return dyn.UpdateResult({**news, "length": len(str(news["value"]))})

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        return dyn.ReadResult(id_, props)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _journal(props["journal"], {"call": "delete", "id": _id})


class Echo(dyn.Resource, module="akua-testing", name="Echo"):
    """A resource whose only effect is a line in ``journal`` per provider call."""

    length: pulumi.Output[int]
    value: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        value: pulumi.Input[str],
        journal: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            EchoProvider(),
            resource_name,
            {"name": resource_name, "value": value, "journal": journal, "length": None},
            opts,
        )
