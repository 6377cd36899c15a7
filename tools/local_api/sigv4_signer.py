"""Sign `requests` calls for API Gateway IAM auth with botocore's SigV4 signer (seed, e2e tests, bench)."""

from __future__ import annotations

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests import PreparedRequest
from requests.auth import AuthBase


class ExecuteApiAuth(AuthBase):
    def __init__(self, credentials: Credentials, region: str) -> None:
        self._signer = SigV4Auth(credentials, "execute-api", region)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        body = request.body.encode("utf-8") if isinstance(request.body, str) else request.body
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in {"connection", "user-agent", "accept-encoding", "accept"}
        }
        aws_request = AWSRequest(method=request.method, url=request.url, data=body or b"", headers=headers)
        self._signer.add_auth(aws_request)
        request.headers.update(dict(aws_request.headers.items()))
        return request
