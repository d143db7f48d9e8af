"""halls: service halls (and, from the queue work on, zones, windows and rosters)."""
