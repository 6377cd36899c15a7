"""make smoke STACK=<stack>: is a deployed stack alive? A short SigV4-signed round trip on both collections.

The API URL comes from the stack's ApiUrl output (CloudFormation DescribeStacks: the custom domain when the
stack has one, else the execute-api stage), or from --url (URL=), and the region from the CloudFormation
client, which is the stack's region, so the signature is scoped right whatever host is called. For users and
products in turn: create, read, conditional update (If-Match; the stale version then gets 412), list,
conditional delete, read again (404). Whatever the run created is deleted at the end, even when a step fails.
Exit 0 with one summary line, or 1 (a step failed) / 2 (no stack, no output, no credentials) with a one-line
reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import requests
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError

from tools.local_api.sigv4_signer import ExecuteApiAuth

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

URL_OUTPUT = "ApiUrl"
TIMEOUT = 30


class SmokeError(Exception):
    """A step did not give what the API documents; the message is the one-line reason."""


class SetupError(Exception):
    """The stack, its output or credentials are missing; the message is the one-line reason."""


@dataclass(frozen=True)
class Target:
    url: str
    region: str


def stack_target(stack: str, cloudformation: CloudFormationClient) -> Target:
    """The API URL from the stack's outputs; the region is the client's, i.e. the stack's."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        raise SetupError(f"stack {stack}: {error.response['Error'].get('Message', error)}") from error
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
    if URL_OUTPUT not in outputs:
        raise SetupError(f"stack {stack} has no {URL_OUTPUT} output (status {stacks[0]['StackStatus']})")
    return Target(outputs[URL_OUTPUT].rstrip("/"), cloudformation.meta.region_name)


def user_body(token: str, name: str) -> dict[str, Any]:
    return {"name": name, "email": f"smoke-{token}@example.com"}


def product_body(token: str, name: str) -> dict[str, Any]:
    return {"name": name, "price": 19.99, "category": f"smoke-{token}", "description": "make smoke"}


BODIES: dict[str, Callable[[str, str], dict[str, Any]]] = {"users": user_body, "products": product_body}


@dataclass
class Smoke:
    target: Target
    credentials: Credentials
    session: requests.Session = field(default_factory=requests.Session)
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created: list[str] = field(default_factory=list)  # item paths, e.g. /users/<id>
    deleted: list[str] = field(default_factory=list)
    requests_sent: int = 0

    def run(self) -> None:
        try:
            for collection in BODIES:
                self.round_trip(collection)
        except SmokeError as failure:
            try:
                self.cleanup()
            except SmokeError as also:
                raise SmokeError(f"{failure}; {also}") from failure
            raise
        self.cleanup()

    def round_trip(self, collection: str) -> None:
        body = BODIES[collection](self.token, f"Smoke {self.token}")
        created = self.call("POST", f"/{collection}", 201, json=body)
        item_path = f"/{collection}/{_json(created).get('id')}"
        self.created.append(item_path)
        etag = _etag(created)

        read = self.call("GET", item_path, 200)
        if _json(read).get("name") != body["name"] or _etag(read) != etag:
            raise SmokeError(f"GET {item_path} does not return what POST stored")

        changed = {**body, "name": f"Smoke {self.token} updated"}
        updated = self.call("PUT", item_path, 200, json=changed, headers={"If-Match": etag})
        new_etag = _etag(updated)
        if new_etag == etag or _json(updated).get("name") != changed["name"]:
            raise SmokeError(f"PUT {item_path} with If-Match did not replace the item")
        self.call("PUT", item_path, 412, json=changed, headers={"If-Match": etag})  # the old version is stale

        query = {"category": body["category"]} if collection == "products" else {"limit": "1"}
        page = _json(self.call("GET", f"/{collection}", 200, params=query))
        if not isinstance(page.get("items"), list):
            raise SmokeError(f"GET /{collection} gave no items list")
        listed = [item.get("id") for item in page["items"] if isinstance(item, dict)]
        if collection == "products" and listed != [item_path.rsplit("/", maxsplit=1)[-1]]:
            raise SmokeError(f"GET /products?category={body['category']} does not list exactly the new item")

        self.call("DELETE", item_path, 204, headers={"If-Match": new_etag})
        self.deleted.append(item_path)
        self.call("GET", item_path, 404)

    def call(self, method: str, path: str, expected: int, **kwargs: Any) -> requests.Response:
        self.requests_sent += 1
        what = f"{method} {path}"
        try:
            response = self.session.request(
                method, self.target.url + path, auth=self._auth(), timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as error:
            raise SmokeError(f"{what}: {type(error).__name__}: {error}") from error
        if response.status_code != expected:
            detail = " ".join(response.text.split())[:200]
            raise SmokeError(f"{what} answered {response.status_code}, expected {expected}: {detail}")
        return response

    def cleanup(self) -> None:
        """Delete (unconditionally) what was created and not yet deleted; 404 means it is gone already."""
        failures = []
        for item_path in [path for path in self.created if path not in self.deleted]:
            try:
                response = self.session.delete(
                    self.target.url + item_path, auth=self._auth(), timeout=TIMEOUT
                )
            except requests.RequestException as error:
                failures.append(f"{item_path}: {type(error).__name__}")
                continue
            if response.status_code in {204, 404}:
                self.deleted.append(item_path)
            else:
                failures.append(f"{item_path}: {response.status_code}")
        if failures:
            raise SmokeError("cleanup left items behind: " + ", ".join(failures))

    def _auth(self) -> ExecuteApiAuth:
        return ExecuteApiAuth(self.credentials, self.target.region)  # refreshable credentials stay fresh


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as error:
        raise SmokeError(f"{_what(response)} returned a body that is not JSON") from error
    if not isinstance(body, dict):
        raise SmokeError(f"{_what(response)} returned JSON that is not an object")
    return body


def _what(response: requests.Response) -> str:
    return f"{response.request.method} {response.request.path_url}"


def _etag(response: requests.Response) -> str:
    etag = response.headers.get("ETag")
    if not etag:
        raise SmokeError(f"{_what(response)} returned no ETag")
    return etag


@contextmanager
def _one_line_errors() -> Iterator[None]:
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise SetupError(" ".join(str(error).split())) from error


def main(
    argv: list[str] | None = None,
    *,
    cloudformation: CloudFormationClient | None = None,
    session: requests.Session | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog="make smoke", description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--stack", required=True, help="name of the deployed stack, e.g. users-products-api-dev"
    )
    parser.add_argument(
        "--url", default="", help="base URL to call instead of the stack's ApiUrl output (its Region's API)"
    )
    args = parser.parse_args(argv)
    smoke: Smoke | None = None
    try:
        if not args.stack:
            raise SetupError("STACK is empty: make smoke STACK=<stack name>")
        with _one_line_errors():
            aws = boto3.session.Session()
            credentials = aws.get_credentials()
            if credentials is None:
                raise SetupError("no AWS credentials in the environment")
            client = cloudformation or aws.client("cloudformation")
            url = args.url.rstrip("/")
            target = Target(url, client.meta.region_name) if url else stack_target(args.stack, client)
        smoke = Smoke(target, credentials, session or requests.Session())
        smoke.run()
    except SetupError as error:
        print(f"smoke: {error}", file=sys.stderr)
        return 2
    except SmokeError as error:
        print(f"smoke FAILED: {error}", file=sys.stderr)
        return 1
    summary = f"{', '.join(BODIES)} round trip, {smoke.requests_sent} requests"
    print(f"smoke OK: {args.stack} ({smoke.target.url}): {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
