"""Test-only helpers that the engine must import by reference (dynamic providers, program factories).

They live here, not in the package, so the wheel holds only library code. ``tests/conftest.py`` puts
the repository root on ``PYTHONPATH`` so engine, provider and pipeline worker processes can import
``tests.support.*`` too.
"""
