"""python -m tools.local_api: the API of template.yaml + openapi.yaml on http://HOST:PORT, no Docker."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

from tools.local_api.seed import seed
from tools.local_api.server import DEFAULT_TEMPLATE, LOOPBACK, LocalApi, ServerConfig


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.local_api", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--seed", action="store_true", help="load a few sample users and products")
    parser.add_argument("--no-auth", action="store_true", help="do not require SigV4 signatures")
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as for sam local (e.g. AllowedOrigin=https://app.example.com)",
    )
    return parser.parse_args(argv)


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    overrides = dict(item.split("=", 1) for item in args.parameter_overrides)
    config = ServerConfig(
        template=args.template,
        host=args.host,
        port=args.port,
        auth=not args.no_auth,
        parameter_overrides=overrides,
    )
    # Before the port opens: Ctrl-C/SIGTERM work even when started from a shell that ignores SIGINT for
    # background jobs, and a signal that comes during start-up is not lost.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        api = LocalApi(config)
    except KeyboardInterrupt:
        print("local API stopped", flush=True)
        return 0
    print(banner(api), flush=True)
    try:
        if args.seed:
            api.start_in_thread()
            post_paths = {route.path for route in api.stack.api.routes if "POST" in route.methods}
            print(seed(api.url, api.credentials, config.region, post_paths), flush=True)
            api.wait()  # serve until Ctrl-C or SIGTERM
        else:
            api.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
        print("local API stopped", flush=True)
    return 0


def banner(api: LocalApi) -> str:
    creds = api.credentials
    region = api.config.region
    user = f"{creds.access_key}:{creds.secret_key}"
    auth = "SigV4 (IAM) required" if api.config.auth else "OFF (--no-auth)"
    if not api.config.auth and api.config.host not in LOOPBACK:
        auth += f" -- WARNING: anyone who can reach {api.config.host} can read and write"
    dynamodb = api.backend.dynamodb_endpoint
    routes = sorted(f"{m:6} {r.path}" for r in api.stack.api.routes for m in r.methods)
    collections = sorted(r.path for r in api.stack.api.routes if "GET" in r.methods and "{" not in r.path)
    example = f"{api.url}{collections[0] if collections else '/'}"
    token = f' -H "x-amz-security-token: {creds.token}"' if creds.token else ""
    lines = [
        f"Users & Products API (local) on {api.url}",
        f"  auth:      {auth}; service execute-api, region {region}",
        f"  key id:    {creds.access_key}",
        f"  secret:    {creds.secret_key}",
        f"  dynamodb:  {dynamodb}",
        "  routes:    " + "\n             ".join(routes),
        "",
        "Try:",
        f'  curl --aws-sigv4 "aws:amz:{region}:execute-api" --user "{user}"{token} {example}',
        "Ctrl-C stops the server.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
