"""akua_pulumi.testing."""
