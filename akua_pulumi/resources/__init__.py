"""akua_pulumi.resources."""
