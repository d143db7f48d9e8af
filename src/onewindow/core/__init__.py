"""core: the audit log, the working-day calendar, identity validators, permissions, base layout."""
