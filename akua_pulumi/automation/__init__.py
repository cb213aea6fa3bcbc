"""Running the Pulumi engine for akua_pulumi: the offline environment and the onboarding pipeline.

* :mod:`.environment` — :class:`PulumiEnvironment`, the one place that sets up an offline engine.
* :mod:`.customers` — the customers file (:func:`load_customers`, :class:`Customer`).
* :mod:`.pipeline` — :class:`OnboardingPipeline`: one stack per customer, parallel worker processes.
* :mod:`.cli` — the ``akua-onboard`` command.
* :mod:`.temporal`, :mod:`.worker`, :mod:`.workflow_input` — the same jobs as Temporal workflows; what a
  workflow may carry (a customer, a command, an allowed program name) and what only a worker sets.
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
