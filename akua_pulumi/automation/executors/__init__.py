"""Executors: where the stack runs of a plan happen.

* :mod:`.local` — a process pool on this machine (each job process forked from one fork server);
* :mod:`.temporal` — one Temporal workflow per customer, run by ``akua-onboard-worker`` processes
  (:mod:`akua_pulumi.automation.worker`).

Both run the same unit, :func:`akua_pulumi.automation.stack_run.run_job`; an executor never imports
the pipeline.
"""
