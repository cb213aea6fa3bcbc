"""akua_pulumi.client."""
