"""akua_pulumi.components."""
