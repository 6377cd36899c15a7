"""The embedded moto without its HTTP hop, whole-table copies per transaction, or slow response serialising.

The functions keep their AWS_ENDPOINT_URL_* variables pointing at the embedded moto server (which stays up:
a developer may point the AWS CLI at it). A botocore `before-send` handler answers every request addressed
to that URL in this process, with the same moto backends the server would reach, under one lock (moto's
in-process calls are not atomic on their own; DynamoDB applies a conditional write or a transaction as one
step). A request for any other endpoint, e.g. a DynamoDB Local named by AWS_ENDPOINT_URL_DYNAMODB, goes
over HTTP as before.

moto's `transact_write_items` deep-copies every table it touches before applying a transaction, to roll
back a cancelled one: the cost grows with the table, and it was most of the local API's time. A
transaction writes only the items it names (TransactWriteItems,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html), so the same
all-or-nothing outcome needs a copy of those items only, plus the tables' item maps (pointers, not items).

moto's response serialising is sped up in tools/local_api/moto_serializer.py, its Scan/Query item order in
tools/local_api/moto_order.py. moto also listed its handler
class's methods (inspect.getmembers) on every request to check the action against them; they are the
class's, so they are listed once per class.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import botocore.handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.core import responses as moto_responses
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse
from moto.core.utils import method_names_from_class
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from tools.local_api.moto_order import PATCHES as ORDER_PATCHES
from tools.local_api.moto_serializer import SERIALIZER_PATCHES

# Credential=AKID/20260101/eu-west-1/dynamodb/aws4_request: the signing scope names region and service.
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request")

# One lock for every call into the moto backends this process serves, in-process or over HTTP.
MOTO_LOCK = threading.RLock()


def serialised(app: Callable[..., Any]) -> Callable[..., Any]:
    """A WSGI app that runs under MOTO_LOCK, so HTTP and in-process callers never interleave."""

    def locked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with MOTO_LOCK:
            return list(app(environ, start_response))

    return locked


class InProcessDispatch:
    """A botocore `before-send` handler: requests to `base_url` are answered by moto in this process."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url.rstrip("/")
        self._stubber = BotocoreStubber()  # moto's own request -> backend routing; not its global switch
        self.enabled = False

    def __call__(self, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse | None:
        if not self.enabled or not request.url.startswith(self._base_url + "/"):
            return None
        authorization = request.headers.get("Authorization", "")
        if isinstance(authorization, bytes):
            authorization = authorization.decode("utf-8", "replace")
        scope = _SCOPE.search(str(authorization))
        if scope is None:
            return None  # unsigned: let it go to the HTTP server, which answers as it always did
        path = request.url[len(self._base_url) :]
        aws_url = f"https://{scope['service']}.{scope['region']}.amazonaws.com{path}"
        aws_request = AWSPreparedRequest(
            method=request.method,
            url=aws_url,
            headers=request.headers,
            body=request.body,
            stream_output=request.stream_output,
        )
        with MOTO_LOCK:
            answered = self._stubber.process_request(aws_request)
        if answered is None:
            return None
        status, headers, body = answered
        return AWSResponse(request.url, status, headers, MockRawResponse(body))  # type: ignore[arg-type]

    def install(self) -> InProcessDispatch:
        """For every botocore session created from now on (the functions create theirs at import)."""
        botocore.handlers.BUILTIN_HANDLERS.append(("before-send", self))
        self.enabled = True
        return self

    def uninstall(self) -> None:
        self.enabled = False
        entry = ("before-send", self)
        if entry in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.remove(entry)


# ---- transactions without whole-table copies

_SKIP_TABLE_COPY = contextvars.ContextVar("skip_table_copy", default=False)
_original_transact_write_items = DynamoDBBackend.transact_write_items


class _CopyModule:
    """Stands in for `copy` inside moto.dynamodb.models: a Table is not copied while _SKIP_TABLE_COPY."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table) and _SKIP_TABLE_COPY.get():
            return value  # the caller's rollback becomes a no-op; _transact_write_items restores instead
        return copy.deepcopy(value, memo)


def _targets(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Iterator[tuple[Table, Any]]:
    """(table, key) of every item the transaction names; raises on anything moto would reject."""
    for entry in transact_items:
        (op_type, op), *rest = entry.items()
        if rest:
            raise ValueError("more than one operation in an entry")
        table = backend.get_table(op["TableName"])
        keys = op["Key"] if op_type != "Put" else op["Item"]
        yield table, backend.get_keys_value(table, keys)


def _snapshot(table: Table, keys: list[Any]) -> dict[Any, Any]:
    """The table's item map as it is now: untouched items by reference, the named ones deep-copied."""
    items: dict[Any, Any] = (
        {hash_key: dict(by_range) for hash_key, by_range in table.items.items()}
        if table.has_range_key
        else dict(table.items)
    )
    for hash_key, range_key in keys:
        current = table.get_item(hash_key, range_key)
        if current is not None:
            if range_key is not None:
                items[hash_key][range_key] = copy.deepcopy(current)
            else:
                items[hash_key] = copy.deepcopy(current)
    return items


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    try:
        named: dict[int, tuple[Table, list[Any]]] = {}
        for table, key in _targets(self, transact_items):
            named.setdefault(id(table), (table, []))[1].append(key)
    except Exception:  # malformed: moto's own code decides how to answer, with its own copies
        _original_transact_write_items(self, transact_items)
        return
    snapshots = [(table, _snapshot(table, keys)) for table, keys in named.values()]
    token = _SKIP_TABLE_COPY.set(True)
    try:
        _original_transact_write_items(self, transact_items)
    except Exception:
        for table, items in snapshots:
            table.items.clear()
            table.items.update(items)
        raise
    finally:
        _SKIP_TABLE_COPY.reset(token)


# (owner, attribute, replacement): what speed_up_moto installs; tests apply the same with monkeypatch.
PATCHES: tuple[tuple[object, str, object], ...] = (
    (dynamodb_models, "copy", _CopyModule()),  # the module `transact_write_items` reads deepcopy from
    (DynamoDBBackend, "transact_write_items", _transact_write_items),
    *SERIALIZER_PATCHES,
    *ORDER_PATCHES,
    (moto_responses, "method_names_from_class", functools.cache(method_names_from_class)),
)


def speed_up_moto() -> None:
    """Install PATCHES into moto: the item-level rollback, the serialiser's shortcuts, the plain-value item
    order and the cached handler methods (idempotent, process-wide)."""
    for owner, attribute, replacement in PATCHES:
        setattr(owner, attribute, replacement)
