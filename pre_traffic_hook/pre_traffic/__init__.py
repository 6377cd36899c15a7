"""The PreTraffic hook of both functions' deployments: a few GETs to the new versions before traffic moves."""
