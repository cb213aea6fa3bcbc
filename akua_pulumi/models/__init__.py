"""akua_pulumi.models."""
