"""accounts: the custom User, roles (groups with permissions), staff scoping (hall, department)."""
