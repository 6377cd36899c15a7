"""Docker-free local API (development tooling; no function imports it)."""
