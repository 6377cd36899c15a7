"""Opaque pagination cursors: the DynamoDB key to resume from, signed with HMAC-SHA256 and bound to a listing.

A client can hold a cursor but not forge or edit one, nor carry it to another listing (the listing's name,
e.g. `products?category=books`, is part of the signed text). Anything that does not verify is a 400.
The key is read from Secrets Manager through Powertools Parameters on the first use and cached.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from api_common import config
from api_common.errors import InvalidFieldError
from api_common.keys import Key
from api_common.limits import MAX_CURSOR_LENGTH

_MAC_BYTES = 16
_DOMAIN = b"users-products-api/cursor/v1"
# Powertools' cache lifetime for the signing key; a rotated key takes effect within this many seconds.
SECRET_MAX_AGE_SECONDS = 3600


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """The bytes of unpadded base64url text in the one spelling _b64encode gives them, else ValueError.

    Python's decoder is lenient (padding, `+/` for `-_`, unused trailing bits): an edited cursor that still
    decodes to the signed bytes is refused all the same.
    """
    if not text.isascii():
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(raw) != text:
        raise ValueError("not canonical base64url")
    return raw


def _invalid_cursor() -> InvalidFieldError:
    return InvalidFieldError("cursor", "Invalid cursor; use the nextCursor of a previous page as is.")


def secret_from_secrets_manager() -> bytes:
    # Imported here: only a listing request needs Parameters (and the Secrets Manager client it creates).
    from aws_lambda_powertools.utilities.parameters import GetParameterError, get_secret  # noqa: PLC0415

    try:
        secret = get_secret(config.common().cursor_secret_id, max_age=SECRET_MAX_AGE_SECONDS)
    except GetParameterError as error:
        # Powertools wraps the SDK error (kept as the context): the SDK error goes on to the resolver, which
        # answers Secrets Manager throttled or down as it answers DynamoDB's (503).
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ClientError | BotoCoreError):
            raise cause from error
        raise
    return secret.encode("utf-8") if isinstance(secret, str) else secret


class CursorCodec:
    def __init__(self, load_secret: Callable[[], bytes] = secret_from_secrets_manager) -> None:
        # Called per use: Powertools Parameters caches the value (SECRET_MAX_AGE_SECONDS) per container.
        self._load_secret = load_secret

    def _mac(self, listing: str, payload: bytes) -> bytes:
        message = b"\n".join((_DOMAIN, listing.encode("utf-8"), payload))
        return hmac.new(self._load_secret(), message, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, listing: str, key: Key) -> str:
        payload = json.dumps(key, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return f"{_b64encode(payload)}.{_b64encode(self._mac(listing, payload))}"

    def decode(self, listing: str, cursor: str, attributes: frozenset[str]) -> Key:
        """The key inside a cursor this API issued for `listing`; 400 for anything else."""
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise _invalid_cursor()
        try:
            encoded_payload, encoded_mac = cursor.split(".")
            payload, mac = _b64decode(encoded_payload), _b64decode(encoded_mac)
        except (ValueError, binascii.Error):
            raise _invalid_cursor() from None
        if not hmac.compare_digest(mac, self._mac(listing, payload)):
            raise _invalid_cursor()
        key = json.loads(payload)
        # Signed by us, so well-formed; checked anyway so that a leaked key still cannot widen a listing.
        if (
            not isinstance(key, dict)
            or set(key) != attributes
            or not all(isinstance(value, str) and value for value in key.values())
        ):
            raise _invalid_cursor()
        return key
