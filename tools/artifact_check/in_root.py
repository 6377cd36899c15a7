"""Runs INSIDE the arm64 root (chroot + qemu), with that root's python3.13 and the standard library only.

It imports one function as the Lambda python3.13 runtime would (search path: /var/task, the layers under
/opt/python, then the runtime's own boto3), then answers events read from stdin, one JSON document per line,
with one result line each on a private descriptor (the handler's own stdout, where Powertools logs, goes to
stderr). The host reseeds the backend between events, which is why it drives the loop.

https://docs.aws.amazon.com/lambda/latest/dg/python-package.html (search path of the Python runtimes)
https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html (layer paths under /opt/python)
"""

import importlib
import json
import os
import sys
import traceback

LAMBDA_PATH = [
    "/var/task",
    "/opt/python/lib/python3.13/site-packages",
    "/opt/python",
    "/var/lang/lib/python3.13/site-packages",  # the runtime's boto3/botocore
    "/var/runtime",
]


# The one Lambda context double of the project (tools/lambda_doubles.py, standard library only), copied beside
# this file by check.py and imported before sys.path becomes the runtime's.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
doubles = importlib.import_module("lambda_doubles")
del sys.path[0]


def main() -> int:
    results = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # everything the function prints goes to stderr
    stdlib = [path for path in sys.path if path and "-packages" not in path]
    sys.path[:] = LAMBDA_PATH + stdlib
    module_name, _, attribute = os.environ["_HANDLER"].rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except Exception as error:  # reported to the host, which fails the check with it
        results.write(
            json.dumps({"init_error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()})
            + "\n"
        )
        return 1
    results.write(json.dumps({"ready": module_name}) + "\n")
    timeout = float(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])
    for line in sys.stdin:
        try:
            context = doubles.LambdaContext(
                os.environ["AWS_LAMBDA_FUNCTION_NAME"],
                memory_limit_in_mb=int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
                timeout_s=timeout,
                region=os.environ["AWS_REGION"],
            )
            reply = {"result": handler(json.loads(line), context)}
        except Exception as error:  # Lambda returns it as the invocation's error
            reply = {"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()}
        results.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
