"""“办不成事”: complaints from registration to verified closure, with deadlines and escalation."""
