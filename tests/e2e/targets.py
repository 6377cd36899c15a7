"""What each target of the e2e suite provides, and the `needs` marker: a test is skipped where a layer it
needs is missing.

The vocabulary (LAYERS) is closed: `@pytest.mark.needs("layer", ...)` with any other name fails collection.
A test without the marker needs nothing beyond the API itself and runs on every target. conftest.py explains
when to mark a test; this module is the one place that knows the targets.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pytest

MARKER = "needs"
TARGET_VARIABLE = "E2E_TARGET"

# layer -> what a test that needs it relies on
LAYERS: dict[str, str] = {
    "iam": "IAM (SigV4) authorization: bad signatures refused, the caller in requestContext.identity",
    "validators": "the OpenAPI request validators: the gateway's 400 before the function runs",
    "gateway-responses": "the API's gateway responses: problem bodies and CORS headers on what the gateway "
    "itself refuses (unknown routes and methods, auth, validation)",
    "waf": "the WebACL of waf.yaml in front of the API: its body-size rule's custom 413 before anything else",
    "options-mocks": "the OPTIONS mock integrations: a CORS preflight answered unsigned",
    "method-case": "methods matched as sent: `get` is not `GET`, so it is an unknown method (403)",
    "non-utf8-bodies": "a body whose bytes are not UTF-8 reaches the function",
    "encoded-slash": "a %2F in the path stays part of the path parameter (it names no other item)",
    "multi-value-headers": "a header field given twice reaches the function as two values",
    "local-server": "the local server itself (tools/local_api): a process of its own, or what only it does",
}


@dataclass(frozen=True)
class Target:
    name: str
    lacks: Mapping[str, str]  # layer -> why this target does not provide it

    def missing(self, needed: Iterable[str]) -> list[str]:
        return [layer for layer in dict.fromkeys(needed) if layer in self.lacks]

    def reason(self, missing: list[str]) -> str:
        return f"needs {', '.join(missing)}: " + "; ".join(self.lacks[layer] for layer in missing)


LOCAL = Target("local", {})
# SAM CLI 1.170.0's `sam local start-api` (docs/local-internals.md, "make sam-local-check"; the shared notes
# on its internals): a Flask app that builds the proxy event and runs the function, nothing of the gateway
# around it.
SAM_LOCAL = Target(
    "sam-local",
    {
        "iam": "sam local checks no signature (\"Skip parsing unsupported authorizer 'sigv4'\") "
        "and leaves requestContext.identity empty",
        "validators": "sam local ignores x-amazon-apigateway-request-validators",
        "gateway-responses": 'sam local answers what it refuses with its own {"message": ...} bodies',
        "waf": "sam local has no WAF in front",
        "options-mocks": "sam local does not answer mock integrations (a preflight gets its own 403)",
        "method-case": "sam local's Flask app upper-cases the method, so `get` is served as GET",
        "non-utf8-bodies": "sam local fails to build the event from such a body (UnicodeDecodeError, a 502)",
        "encoded-slash": "sam local decodes %2F before routing, so /users/<id>%2F reaches the item <id>",
        "multi-value-headers": "sam local joins a repeated header field into one comma-separated value",
        "local-server": "sam local is not the local server",
    },
)
# AWS itself: everything the templates define. AWS's managed WAF rules answer some inputs before the API does;
# waf_differences.py skips those tests per rule, following waf.yaml.
DEPLOYED = Target("deployed", {"local-server": "a deployed stack is not the local server"})
TARGETS = {target.name: target for target in (LOCAL, SAM_LOCAL, DEPLOYED)}
assert all(set(target.lacks) <= set(LAYERS) for target in TARGETS.values())


def current(environ: Mapping[str, str] = os.environ) -> Target:
    """E2E_TARGET names the target; unset, it is `deployed` with API_URL and `local` without."""
    url = environ.get("API_URL", "")
    name = environ.get(TARGET_VARIABLE) or ("deployed" if url else "local")
    if name not in TARGETS:
        raise pytest.UsageError(f"{TARGET_VARIABLE}={name}: the targets are {', '.join(TARGETS)}")
    if (name == "local") == bool(url):
        needs_url = "needs API_URL" if name != "local" else "starts its own server: unset API_URL"
        raise pytest.UsageError(f"{TARGET_VARIABLE}={name} {needs_url}")
    return TARGETS[name]


def needed_layers(item: pytest.Item) -> list[str]:
    """The layers an item's `needs` markers name (module, class, function and parametrized case alike)."""
    layers = []
    for mark in item.iter_markers(MARKER):
        if not mark.args or mark.kwargs:
            raise pytest.UsageError(f"{item.nodeid}: write @pytest.mark.{MARKER}('layer', ...)")
        layers += [str(layer) for layer in mark.args]
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown:
        raise pytest.UsageError(f"{item.nodeid}: unknown layer(s) {unknown}; the layers are {sorted(LAYERS)}")
    return layers


def skip_what_the_target_lacks(items: Iterable[pytest.Item], target: Target) -> None:
    for item in items:
        missing = target.missing(needed_layers(item))
        if missing:
            item.add_marker(pytest.mark.skip(reason=target.reason(missing)))
