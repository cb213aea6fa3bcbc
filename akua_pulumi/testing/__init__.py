"""Test support shipped with akua_pulumi (used by our suite and usable in users' CI)."""
