"""catalog: departments, service items, scenarios, materials, review points, Q&A, delegations,
agreements, item versions, search synonyms; import/export; the public guides (办事指南)."""
