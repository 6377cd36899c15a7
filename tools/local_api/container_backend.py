"""python -m tools.local_api.container_backend: the embedded DynamoDB and Secrets Manager alone.

`sam local invoke` and `sam local start-api` run the functions in containers; local/env.json (passed with
`--env-vars`) points both functions at http://host.docker.internal:PORT, and this serves the template's tables
and cursor secret there, seeded with the items the sample events refer to (samples.py). A container
reaches the host through the Docker bridge's address, so by default it listens on docker0's address when
that interface exists (Docker Engine on Linux) and on 127.0.0.1 otherwise (Docker Desktop forwards
host.docker.internal to the host's loopback).

`--reseed` puts a running backend back to the sample items (after events that delete or update).
`--write-env-vars` writes local/env.json as the template implies it (env_vars_from_template); the invoke suite
fails when the file and the template drift apart.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import signal
import socket
import struct
import sys
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import boto3

from tools.local_api.local_aws import EmbeddedMoto, provision
from tools.local_api.samples import CURSOR_SECRET, ITEMS, reseed
from tools.local_api.stack import LocalStack, load_stack

ROOT = Path(__file__).resolve().parents[2]
ENV_VARS_FILE = ROOT / "local" / "env.json"
DEFAULT_TEMPLATE = ROOT / "template.yaml"
DEFAULT_PORT = 3010
DOCKER_BRIDGE = "docker0"
# moto accepts any signature: the functions in the containers sign with whatever SAM CLI hands them.
CREDENTIALS = {"key": "AKIALOCALBACKEND0000", "secret": "local-backend-secret"}
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER")
_SIOCGIFADDR = 0x8915  # Linux ioctl: an interface's IPv4 address


def interface_address(name: str) -> str | None:
    """The IPv4 address of a network interface, or None when there is no such interface (or no Linux)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            packed = fcntl.ioctl(probe.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def default_host() -> str:
    return interface_address(DOCKER_BRIDGE) or "127.0.0.1"


def env_vars_port(path: Path = ENV_VARS_FILE) -> int | None:
    """The port local/env.json sends the functions' DynamoDB calls to."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    url = document.get("Parameters", {}).get("AWS_ENDPOINT_URL_DYNAMODB", "")
    return urlsplit(str(url)).port


def env_vars_from_template(stack: LocalStack, port: int = DEFAULT_PORT) -> dict[str, dict[str, str]]:
    """local/env.json for the template's API functions: each variable the template sets to a table's or a
    secret's `!Ref` (its logical ID under `sam local`, the name this backend gives it), and the AWS endpoint
    variables the template declares, pointed at this backend. What every function shares goes under
    "Parameters"."""
    local = {
        *stack.resources_of_type("AWS::DynamoDB::Table"),
        *stack.resources_of_type("AWS::SecretsManager::Secret"),
    }
    endpoint = f"http://host.docker.internal:{port}"
    per_function: dict[str, dict[str, str]] = {}
    for name, function in stack.functions.items():
        variables = (function.environment or {}).get("Variables", {})
        endpoints = {variable: endpoint for variable in ENDPOINT_VARIABLES if variable in variables}
        named = {var: value for var, value in variables.items() if isinstance(value, str) and value in local}
        per_function[name] = {**endpoints, **named}
    first, *others = per_function.values()
    shared = {var: value for var, value in first.items() if all(o.get(var) == value for o in others)}
    own = {name: {k: v for k, v in env.items() if k not in shared} for name, env in per_function.items()}
    return {"Parameters": shared, **own}


def physical_ids() -> dict[str, str]:
    # Tables and the secret keep their logical IDs as names here, which is also what `!Ref` gives under
    # `sam local`; local/env.json names them explicitly all the same.
    return {name: name for name in (*ITEMS, CURSOR_SECRET)}


def reseed_running(url: str, region: str) -> None:
    session = boto3.session.Session(
        aws_access_key_id=CREDENTIALS["key"], aws_secret_access_key=CREDENTIALS["secret"], region_name=region
    )
    reseed(
        session.client("dynamodb", endpoint_url=url),
        session.client("secretsmanager", endpoint_url=url),
        physical_ids(),
    )


class ContainerBackend:
    def __init__(self, host: str, port: int, region: str, template: Path = DEFAULT_TEMPLATE) -> None:
        stack = load_stack(template, region)
        self._moto = EmbeddedMoto(host, port).start()
        self.url = self._moto.url
        backend = provision(stack, self.url, region, {"region": region, **CREDENTIALS})
        # The secret's physical ID is its ARN; its name (what env.json gives) is the logical ID.
        unexpected = {lid: name for lid, name in backend.physical_ids.items() if lid in ITEMS and lid != name}
        if unexpected:
            self.stop()
            raise RuntimeError(
                f"local/env.json expects logical IDs as names, the template gives {unexpected}"
            )
        reseed_running(self.url, region)

    def wait(self) -> None:
        self._moto.wait()

    def stop(self) -> None:
        self._moto.stop()


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.local_api.container_backend", description=__doc__)
    parser.add_argument(
        "--host", default="auto", help=f"address to listen on; auto: {DOCKER_BRIDGE}'s or 127.0.0.1"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--region", default="us-east-1", help="the region `sam local` is run with (--region)")
    parser.add_argument("--reseed", action="store_true", help="reseed the backend running on --host/--port")
    parser.add_argument(
        "--write-env-vars",
        action="store_true",
        help=f"write {ENV_VARS_FILE.name} from the template, for --port",
    )
    return parser.parse_args(argv)


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    host = default_host() if args.host == "auto" else args.host
    if args.write_env_vars:
        document = env_vars_from_template(load_stack(DEFAULT_TEMPLATE, args.region), args.port)
        ENV_VARS_FILE.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        print(f"{ENV_VARS_FILE} written from the template", flush=True)
        return 0
    if args.reseed:
        reseed_running(f"http://{host}:{args.port}", args.region)
        print(f"backend on http://{host}:{args.port} reseeded", flush=True)
        return 0
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    expected_port = env_vars_port()
    if expected_port != args.port:
        print(f"warning: {ENV_VARS_FILE.name} points the functions at port {expected_port}", file=sys.stderr)
    try:
        backend = ContainerBackend(host, args.port, args.region)
    except KeyboardInterrupt:
        return 0
    print(
        f"DynamoDB + Secrets Manager for `sam local` on {backend.url}, region {args.region}, samples loaded\n"
        f"  sam local invoke UserFunction -e events/users-get-200.json --env-vars local/env.json "
        f"--region {args.region} --add-host host.docker.internal:host-gateway\n"
        "Ctrl-C stops it.",
        flush=True,
    )
    try:
        backend.wait()
    except KeyboardInterrupt:
        pass
    finally:
        backend.stop()
        print("backend stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
