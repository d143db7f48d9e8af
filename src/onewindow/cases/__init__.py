"""Cases (办件): intake, review, decision, result and delivery."""
