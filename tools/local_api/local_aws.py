"""The AWS services the functions call, locally: moto's server in a thread (DynamoDB, Secrets Manager), or a
DynamoDB endpoint the developer runs (AWS_ENDPOINT_URL_DYNAMODB, e.g. DynamoDB Local in Docker).

moto answers one request at a time (threaded=False), so a conditional write is checked and applied without
interleaving, as DynamoDB does per item.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

from tools.local_api import sam
from tools.local_api.moto_in_process import serialised
from tools.local_api.runner import function_environment
from tools.local_api.serving import WsgiServer
from tools.local_api.stack import LocalStack
from tools.local_api.tables_from_template import create_tables


class _OneShotMotoHandler(MotoRequestHandler):
    # SAM's LocalApigwService.create() switches werkzeug's handler class to HTTP/1.1 for every server in the
    # process; a keep-alive connection would pin this single-threaded server to one client.
    protocol_version = "HTTP/1.0"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the API's own access log is what a developer reads


class EmbeddedMoto(WsgiServer):
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = serialised(DomainDispatcherApplication(create_backend_app))  # the in-process path's lock too
        super().__init__(host, port, app, threaded=False, request_handler=_OneShotMotoHandler)

    def start(self) -> EmbeddedMoto:
        self.start_in_thread("moto")
        return self


@dataclass(frozen=True)
class Backend:
    """Where the functions' AWS calls go, and the physical names standing in for the template's resources."""

    endpoints: dict[str, str]  # AWS_ENDPOINT_URL_* variables for the functions
    physical_ids: dict[str, str]  # logical ID -> table name / secret ARN
    dynamodb_endpoint: str

    def environment_of(self, function: sam.Function, aws_creds: Mapping[str, str]) -> dict[str, str]:
        """The function's template environment, with the logical IDs `!Ref` leaves locally replaced by the
        local tables' names and the local secret's ARN, and its AWS calls sent to this backend."""
        variables = (function.environment or {}).get("Variables", {})
        overrides = {
            name: self.physical_ids[value]
            for name, value in variables.items()
            if isinstance(value, str) and value in self.physical_ids
        }
        overrides.update(self.endpoints)
        return function_environment(function, overrides, aws_creds)


def provision(
    stack: LocalStack,
    moto_url: str,
    region: str,
    credentials: Mapping[str, str],
    dynamodb_endpoint: str | None = None,
) -> Backend:
    """Create the template's tables and secrets locally and return what the functions need to find them."""
    dynamodb_url = dynamodb_endpoint or moto_url
    session = boto3.session.Session(
        aws_access_key_id=credentials["key"],
        aws_secret_access_key=credentials["secret"],
        region_name=region,
    )
    physical: dict[str, str] = {}
    tables = {
        logical_id: _name(resource, "TableName", logical_id)
        for logical_id, resource in stack.resources_of_type("AWS::DynamoDB::Table").items()
    }
    create_tables(session.client("dynamodb", endpoint_url=dynamodb_url), tables, stack.template)
    physical.update(tables)

    secretsmanager = session.client("secretsmanager", endpoint_url=moto_url)
    for logical_id, resource in stack.resources_of_type("AWS::SecretsManager::Secret").items():
        physical[logical_id] = _create_secret(secretsmanager, resource, logical_id)

    return Backend(
        endpoints={
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_url,
        },
        physical_ids=physical,
        dynamodb_endpoint=dynamodb_url,
    )


def _name(resource: Mapping[str, Any], key: str, default: str) -> str:
    value = (resource.get("Properties") or {}).get(key)
    return value if isinstance(value, str) and value else default


def _create_secret(client: Any, resource: Mapping[str, Any], logical_id: str) -> str:
    properties = resource.get("Properties") or {}
    name = _name(resource, "Name", logical_id)
    value = properties.get("SecretString")
    if not isinstance(value, str):
        value = _generated_secret(properties.get("GenerateSecretString") or {})
    try:
        return str(client.create_secret(Name=name, SecretString=value)["ARN"])
    except client.exceptions.ResourceExistsException:
        return str(client.describe_secret(SecretId=name)["ARN"])


def _generated_secret(spec: Mapping[str, Any]) -> str:
    """A local equivalent of GenerateSecretString (length and character classes; JSON template if set)."""
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?[]^_{|}~"
    excluded = str(spec.get("ExcludeCharacters") or "")
    alphabet = "".join(ch for ch in alphabet if ch not in excluded)
    password = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if isinstance(template, str) and isinstance(key, str):
        return json.dumps({**json.loads(template), key: password})
    return password
