"""Identity and access: sign-in, sessions and tokens, the permission table, visibility and the audit log."""
