"""api: the HTTP API for devices (kiosks, displays, rating pads) and integrations, with tokens."""
