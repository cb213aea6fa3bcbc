"""akua_pulumi.local."""
