"""``configure`` (run once per provider class, under the SDK's provider lock) resolves the fields and
loads the contract, so a command's first concurrent calls do not each load it again."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import threading
from pulumi.dynamic import Config, ConfigureRequest
import akua_pulumi.contract as contract_module
from akua_pulumi.resources.workspace import WorkspaceProvider
from akua_pulumi.resources.cluster import ClusterProvider

loads = []
original = contract_module.Contract.load.__func__
contract_module.Contract.load = classmethod(lambda cls: loads.append(1) or original(cls))
assert "_resolved_fields" not in WorkspaceProvider.__dict__
for cls in (WorkspaceProvider, ClusterProvider):
    cls().configure(ConfigureRequest(Config({"akua:apiUrl": "http://127.0.0.1:9/v1"}, "p")))
    assert "_resolved_fields" in cls.__dict__, cls
def first_calls():
    WorkspaceProvider.field_map()
    ClusterProvider.field_map()
threads = [threading.Thread(target=first_calls) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(loads))
"""


def test_configure_resolves_fields_and_loads_the_contract_once() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1", out.stdout + out.stderr
