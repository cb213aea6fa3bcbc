"""Shared fixtures come from the plugin we ship for users' CI (akua_pulumi.testing.fixtures)."""

pytest_plugins = ["akua_pulumi.testing.fixtures"]
