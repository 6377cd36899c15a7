"""`python -m tools.bench`: cold init, warm overhead, package size, peak RSS and local API throughput.

Development tooling only: nothing in the deployed functions imports it, and `make test` never runs it.
"""
