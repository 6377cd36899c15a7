"""Assemble the local API: SAM CLI's emulator + in-process runner + gateway parity + local AWS backend."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from botocore.credentials import Credentials

from tools.local_api import docs_site, sam
from tools.local_api.gateway import Gateway, GatewaySettings
from tools.local_api.keep_alive import KeepAliveRequestHandler
from tools.local_api.local_aws import Backend, EmbeddedMoto, provision
from tools.local_api.moto_in_process import InProcessDispatch, speed_up_moto
from tools.local_api.openapi import OpenApi
from tools.local_api.runner import InProcessRunner
from tools.local_api.serving import WsgiServer
from tools.local_api.stack import LocalStack, load_stack
from tools.local_api.waf import WebAcl

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
# Used when the server's environment has no AWS credentials; printed at start-up. Not valid anywhere else.
LOCAL_ACCESS_KEY = "AKIALOCALAPIEXAMPLE1"
LOCAL_SECRET_KEY = "local-api-secret-key-for-127.0.0.1-only"  # noqa: S105 - a published local-only key


@dataclass(frozen=True)
class ServerConfig:
    template: Path = DEFAULT_TEMPLATE
    host: str = "127.0.0.1"
    port: int = 3000
    auth: bool = True
    region: str = field(default_factory=lambda: os.environ.get("AWS_REGION") or "us-east-1")
    dynamodb_endpoint: str | None = field(default_factory=lambda: os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"))
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def credentials_from_env(host: str = "127.0.0.1") -> Credentials:
    """The environment's credentials; else the published local pair on loopback, or a fresh random pair
    when the server listens beyond this machine (a published secret would let anyone on the network in)."""
    key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        return Credentials(key, secret, os.environ.get("AWS_SESSION_TOKEN"))
    if host in LOOPBACK:
        return Credentials(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY)
    return Credentials("AKIALOCAL" + secrets.token_hex(6).upper()[:11], secrets.token_urlsafe(30))


class LocalApi:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.credentials = credentials_from_env(config.host)
        self.stack: LocalStack = load_stack(config.template, config.region, config.parameter_overrides)
        self._moto = EmbeddedMoto().start()  # loopback only, whatever HOST the API listens on
        # Calls addressed to it are answered in this process, before any client exists (see the module).
        speed_up_moto()
        self._in_process = InProcessDispatch(self._moto.url).install()
        self.backend: Backend = provision(
            self.stack, self._moto.url, config.region, self._aws_creds(), config.dynamodb_endpoint
        )
        self.gateway = Gateway(
            OpenApi(self.stack.openapi),
            GatewaySettings(
                region=config.region,
                credentials=self.credentials,
                auth=config.auth,
                stage=str(self.stack.api.stage_name or "Prod"),
            ),
            WebAcl(self.stack.web_acl) if self.stack.web_acl is not None else None,
        )
        runner = InProcessRunner(
            self.stack.functions,
            self.stack.base_dir,
            {
                name: self.backend.environment_of(function, self._aws_creds())
                for name, function in self.stack.functions.items()
            },
            config.region,
            event_hook=self.gateway.event_hook,
            outcome_hook=self.gateway.outcome_hook,
        )
        self.service = sam.LocalApigwService(
            self.stack.api,
            runner,
            port=config.port,
            host=config.host,
        )
        self.service.create()
        app = self.service._app  # SAM CLI keeps its Flask app in a private attribute
        self.gateway.install(app)
        site = docs_site.mount(app, config.template)  # /docs and /openapi.yaml, outside the emulated API
        self._server = WsgiServer(
            config.host, config.port, site, threaded=True, request_handler=KeepAliveRequestHandler
        )

    @property
    def url(self) -> str:
        return self._server.url

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start_in_thread(self) -> LocalApi:
        self._server.start_in_thread("local-api")
        return self

    def wait(self) -> None:
        self._server.wait()

    def stop(self) -> None:
        self._server.stop()
        self._in_process.uninstall()
        self._moto.stop()

    def _aws_creds(self) -> dict[str, str]:
        creds = {
            "region": self.config.region,
            "key": self.credentials.access_key,
            "secret": self.credentials.secret_key,
        }
        if self.credentials.token:
            creds["sessiontoken"] = self.credentials.token
        return creds
