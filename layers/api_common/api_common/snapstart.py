"""SnapStart: what an execution environment restored from a snapshot must not share with its siblings.

Lambda resumes many environments from one snapshot of the init phase, so anything unique, time-based or
connection-bound made at init is shared by all of them
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html). Here:
- nothing unique or time-based is made at init: ids (uuid4) and timestamps are made per request, the cursor
  key is fetched on first use and cached with its own expiry;
- `random` holds the same state in every restored environment: reseeded after restore (botocore draws its
  retry jitter from it, and identical jitter would make restored environments retry in step);
- the DynamoDB client's pooled connections are dropped after restore (init makes no request, so there are
  none in the snapshot today; the hook keeps that true if init ever primes the client).

The hooks are registered with snapshot_restore_py, which Lambda's Python runtimes include
(https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html); the dev requirements pin
its PyPI release for the tests. Outside Lambda without it there is no snapshot, and nothing to register.
"""

import random
from collections.abc import Callable
from typing import Any

try:
    from snapshot_restore_py import register_after_restore  # type: ignore[import-untyped] # no py.typed
except ImportError:  # not on Lambda, and not installed: nothing will ever restore this process
    register_after_restore = None

type Hook = Callable[[], Any]


def after_restore(hook: Hook) -> Hook:
    """Run `hook` each time Lambda resumes this environment from a snapshot (a no-op everywhere else)."""
    if register_after_restore is not None:
        register_after_restore(hook)
    return hook


@after_restore
def reseed_random() -> None:
    random.seed()  # fresh entropy from the OS, different in each restored environment
