"""Shared fixtures come from the pytest plugin we ship for users' CI (akua_pulumi.testing.fixtures),
registered through its ``pytest11`` entry point (pyproject.toml), so nothing is listed here."""
