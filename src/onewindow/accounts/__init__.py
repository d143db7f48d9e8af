"""accounts: the custom User, roles (as groups with permissions) and staff scoping (hall, department)."""
