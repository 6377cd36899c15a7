"""python -m tools.local_api.invoke FUNCTION EVENT: `sam local invoke` without Docker.

The event (a file, or `-` for stdin) runs through the in-process runner of `make local`, against the
embedded DynamoDB and Secrets Manager seeded with the items the sample events refer to (samples.py).
As `sam local invoke` does, the function's result goes to stdout as one JSON document and everything the
function logs goes to stderr, so `... | jq .statusCode` works. A function error is Lambda's error payload on
stdout, as SAM prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from tools.local_api.local_aws import Backend, EmbeddedMoto, provision
from tools.local_api.runner import InProcessRunner
from tools.local_api.samples import reseed
from tools.local_api.stack import LocalStack, load_stack

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
# moto accepts any signature; these never leave this process and its loopback backend.
LOCAL_CREDENTIALS = {"key": "AKIALOCALINVOKE00000", "secret": "local-invoke-secret"}


class Collector:
    """The two methods of SAM's StreamWriter the runner uses."""

    def __init__(self) -> None:
        self.text = ""

    def write_str(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


class LocalInvoker:
    """The template's functions, one embedded backend with the sample items, invoked one event at a time."""

    def __init__(
        self,
        template: Path = DEFAULT_TEMPLATE,
        region: str = "us-east-1",
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.region = region
        self.stack: LocalStack = load_stack(template, region, parameter_overrides)
        self._moto = EmbeddedMoto().start()
        self._creds = {"region": region, **LOCAL_CREDENTIALS}
        self.backend: Backend = provision(self.stack, self._moto.url, region, self._creds)
        self.reseed()
        self.runner = InProcessRunner(
            self.stack.functions,
            self.stack.base_dir,
            {
                name: self.backend.environment_of(function, self._creds)
                for name, function in self.stack.functions.items()
            },
            region,
        )

    def reseed(self) -> None:
        """Back to the sample items (events that delete or update change them)."""
        session = boto3.session.Session(
            aws_access_key_id=self._creds["key"],
            aws_secret_access_key=self._creds["secret"],
            region_name=self.region,
        )
        reseed(
            session.client("dynamodb", endpoint_url=self.backend.dynamodb_endpoint),
            session.client("secretsmanager", endpoint_url=self._moto.url),
            self.backend.physical_ids,
        )

    def function_names(self) -> list[str]:
        return sorted(str(function.name) for function in self.stack.functions.values())

    def invoke(self, function: str, event: str) -> str:
        """The function's result (or Lambda's error payload) as the JSON text Lambda returns."""
        collector = Collector()
        self.runner.invoke(function, event, stdout=collector)
        return collector.text

    def close(self) -> None:
        self._moto.stop()


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send whatever the function writes to stdout (Powertools logs there, as on Lambda) to stderr, at the
    file-descriptor level so that loggers created at import, with their own reference to stdout, follow."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _read_event(source: str) -> str:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    json.loads(text)  # fail here, with the reason, rather than inside the runner
    return text


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.local_api.invoke", description=__doc__)
    parser.add_argument("function", help="logical ID or function name, e.g. UserFunction")
    parser.add_argument("event", help="event file, or - to read it from stdin")
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "us-east-1")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        event = _read_event(args.event)
    except (OSError, ValueError) as error:
        print(f"Error: cannot read the event {args.event}: {error}", file=sys.stderr)
        return 2
    with _stdout_to_stderr():
        invoker = LocalInvoker(args.template, args.region)
        try:
            if args.function not in invoker.function_names() and not _known(invoker, args.function):
                print(
                    f"Error: function {args.function} not found. Possible options in your template: "
                    f"{invoker.function_names()}",
                    file=sys.stderr,
                )
                return 1
            result = invoker.invoke(args.function, event)
        finally:
            invoker.close()
    print(result, flush=True)
    return 0


def _known(invoker: LocalInvoker, identifier: str) -> bool:
    functions: Any = invoker.stack.functions.values()
    return any(identifier in (function.functionname, function.full_path) for function in functions)


if __name__ == "__main__":
    sys.exit(main())
