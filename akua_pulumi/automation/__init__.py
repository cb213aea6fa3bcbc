"""akua_pulumi.automation."""
