"""Framework floor: the same GET on the stack the functions are built on, and nothing of our own.

Powertools' REST resolver with validation on, Logger, Tracer (botocore patched) and Metrics, one pydantic
response model, and the boto3 client. Between the baseline and the functions, it tells how much of the
difference is the framework we chose and how much is our code.
"""

import os
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeDeserializer
from pydantic import BaseModel, ConfigDict

_TABLE = os.environ.get("USERS_TABLE_NAME") or os.environ["PRODUCTS_TABLE_NAME"]
_CORS = {"Access-Control-Allow-Origin": os.environ.get("ALLOWED_ORIGIN", "*")}
logger = Logger()
tracer = Tracer(patch_modules=["botocore"])
metrics = Metrics()
app = APIGatewayRestResolver(enable_validation=True)
_client = boto3.client("dynamodb")
_deserializer = TypeDeserializer()


class Item(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    version: int


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@app.get("/<collection>/<item_id>")
def get_item(collection: str, item_id: str) -> Response[str]:
    found = _client.get_item(TableName=_TABLE, Key={"id": {"S": item_id}}, ConsistentRead=True).get("Item")
    if found is None:
        return Response(404, "application/problem+json", '{"status":404}', _CORS)
    item = Item.model_validate({k: _plain(_deserializer.deserialize(v)) for k, v in found.items()})
    return Response(200, "application/json", item.model_dump_json(), {**_CORS, "ETag": f'"{item.version}"'})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
