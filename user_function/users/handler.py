"""HTTP routes of the users service: validate (Powertools + pydantic), call the rules, shape the response."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api_common import config, request
from api_common.cursors import CursorCodec
from api_common.dynamo import container_client
from api_common.limits import DEFAULT_PAGE_LIMIT, MAX_CURSOR_LENGTH, MAX_PAGE_LIMIT
from api_common.paging import StrictInteger
from api_common.resolver import create_resolver, lambda_entry
from api_common.responses import created_response, item_response, no_content, page_response
from api_common.versioned_table import VersionedTable
from api_common.writes import Collection
from users import logic
from users.config import users_config
from users.models import User, UserIn
from users.repository import UsersRepository

COLLECTION = "/users"

# Init (once per container): the environment is read and the client created here, and a missing variable
# fails the cold start rather than a request.
config.common()
CONFIG = users_config()
dynamodb = container_client()
users = Collection("User", UsersRepository(VersionedTable(CONFIG.table_name, dynamodb)))
cursors = CursorCodec()  # signs and checks this service's page cursors
app = create_resolver()


@app.post(COLLECTION)
def create_user(body: Annotated[UserIn, Body()]) -> Response[str]:
    principal = request.principal(app.current_event)
    user = request.create_once(app, body, lambda claim: logic.create_user(users, body, principal, claim))
    return created_response(User.model_validate(user), COLLECTION)


@app.get(COLLECTION)
def list_users(
    limit: Annotated[StrictInteger, Query(ge=1, le=MAX_PAGE_LIMIT)] = DEFAULT_PAGE_LIMIT,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
) -> Response[str]:
    page, next_cursor = logic.list_users(users, cursors, limit, cursor)
    return page_response(map(User.model_validate, page), next_cursor)


@app.get(f"{COLLECTION}/<user_id>")
def get_user(user_id: str) -> Response[str]:
    return item_response(User.model_validate(logic.get_user(users, user_id)))


@app.put(f"{COLLECTION}/<user_id>")
def replace_user(user_id: str, body: Annotated[UserIn, Body()]) -> Response[str]:
    event = app.current_event
    user = logic.replace_user(users, user_id, body, request.conditions(event), request.principal(event))
    return item_response(User.model_validate(user))


@app.delete(f"{COLLECTION}/<user_id>")
def delete_user(user_id: str) -> Response[str]:
    logic.delete_user(users, user_id, request.conditions(app.current_event))
    return no_content()


lambda_handler = lambda_entry(app)
