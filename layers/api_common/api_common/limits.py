"""The API's limits as the functions enforce them, each stated once.

`openapi.yaml` is the contract, but the functions cannot read it at run time (it is not packaged), so the
numbers are here, and `tests/unit/test_limits.py` fails when this module, openapi.yaml, the pydantic models
or the WAF rule (waf.yaml) state a limit differently.
"""

# GET /users and /products: `limit`, 1 to MAX_PAGE_LIMIT items per page.
DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100
# The longest cursor issued is 902 characters (a 50-character category of 4-byte characters, each a
# 12-character JSON escape); 1,024 leaves room and keeps a listing's whole query string under AWS WAF's
# 2,048-byte limit (tests/templates/rules/waf_query.py has the arithmetic).
MAX_CURSOR_LENGTH = 1024
MAX_CATEGORY_LENGTH = 50
# If-Match, If-None-Match and If-Unmodified-Since, each field (API Gateway does not check a parameter's
# length: the function does).
MAX_CONDITIONAL_HEADER_LENGTH = 64
# A POST or PUT body, in bytes (64 KiB); the WAF rule refuses a larger one before the gateway sees it.
MAX_BODY_BYTES = 65_536
