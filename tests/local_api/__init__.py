"""The local emulator's own tests (tools/local_api): its SigV4 verifier, gateway and WAF rules, SAM CLI
internals, in-process moto and the server process, apart from the API's e2e suite."""

from pathlib import Path

# A minimal SAM app of the emulator's own (no WAF, one function): what the server does with any template.
FIXTURE_TEMPLATE = Path(__file__).resolve().parent / "fixture_app" / "template.yaml"
