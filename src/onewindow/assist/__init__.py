"""帮办代办: the published list of assisted items, requests and the helper's workbench."""
