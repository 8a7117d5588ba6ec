"""Staff access: users and roles, API keys, sessions, the workbench sign-in (DESIGN 4.5)."""
