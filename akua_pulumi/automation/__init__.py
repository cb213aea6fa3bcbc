"""Running the Pulumi engine for akua_pulumi: the offline environment and the onboarding pipeline.

* :mod:`.environment` — :class:`PulumiEnvironment`, the one place that sets up an offline engine.
* :mod:`.customers` — the customers file (:func:`load_customers`, :class:`Customer`); its schema,
  derived from the layouts, is :mod:`.customers_schema`.
* :mod:`.pipeline` — :class:`OnboardingPipeline`. A run flows one way: :mod:`.plan` (select and
  validate customers) → an executor (:mod:`.executors.local`, a process pool, or
  :mod:`.executors.temporal`) → :mod:`.stack_run` (one command on one stack, one function per
  command). The stack run's parts: :mod:`.program_ref` (program resolution), :mod:`.fork_server`,
  :mod:`.job` (job serialisation), :mod:`.fingerprint` (the recorded input), :mod:`.engine_stack`
  (the Automation API objects) and :mod:`.cli_messages` (the CLI text a run acts on).
* :mod:`.cli` — the ``akua-onboard`` command.
* :mod:`.worker`, :mod:`.workflow_input` — the Temporal worker (``akua-onboard-worker``, also
  ``python -m`` :mod:`.temporal`); what a workflow may carry (a customer, a command, an allowed
  program name) and what only a worker sets.
"""

from akua_pulumi.automation.customers import (
    ApiTokenSpec,
    ClusterSpec,
    Customer,
    CustomersFile,
    CustomersFileError,
    InstallSpec,
    InvalidCustomer,
    Member,
    RegionSpec,
    load_customers,
    parse_customers,
    parse_customers_file,
    read_customers_file,
)
from akua_pulumi.automation.environment import PulumiEnvironment, PulumiNotFoundError, find_pulumi_bin
from akua_pulumi.automation.pipeline import (
    CustomerEvent,
    CustomerResult,
    OnboardingPipeline,
    PipelineReport,
    ProgramFactory,
    Secret,
    resolve_program,
)

__all__ = [
    "ApiTokenSpec",
    "ClusterSpec",
    "Customer",
    "CustomerEvent",
    "CustomerResult",
    "CustomersFile",
    "CustomersFileError",
    "InstallSpec",
    "InvalidCustomer",
    "Member",
    "OnboardingPipeline",
    "PipelineReport",
    "ProgramFactory",
    "PulumiEnvironment",
    "PulumiNotFoundError",
    "RegionSpec",
    "Secret",
    "find_pulumi_bin",
    "load_customers",
    "parse_customers",
    "parse_customers_file",
    "read_customers_file",
    "resolve_program",
]
