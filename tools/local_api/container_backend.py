"""python -m tools.local_api.container_backend: the embedded DynamoDB and Secrets Manager alone.

`sam local invoke` and `sam local start-api` run the functions in containers; local/env.json (passed with
`--env-vars`) points both functions at http://host.docker.internal:PORT, and this serves the template's tables
and cursor secret there, seeded with the items the sample events refer to (samples.py). A container
reaches the host through the Docker bridge's address, so by default it listens on docker0's address when
that interface exists (Docker Engine on Linux) and on 127.0.0.1 otherwise (Docker Desktop forwards
host.docker.internal to the host's loopback).

`--reseed` puts a running backend back to the sample items (after events that delete or update).
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
from tools.local_api.stack import load_stack

ROOT = Path(__file__).resolve().parents[2]
ENV_VARS_FILE = ROOT / "local" / "env.json"
DEFAULT_TEMPLATE = ROOT / "template.yaml"
DEFAULT_PORT = 3010
DOCKER_BRIDGE = "docker0"
# moto accepts any signature: the functions in the containers sign with whatever SAM CLI hands them.
CREDENTIALS = {"key": "AKIALOCALBACKEND0000", "secret": "local-backend-secret"}
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
    return parser.parse_args(argv)


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    host = default_host() if args.host == "auto" else args.host
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
