"""tools/local_api/sam_local_events.py:
the loop of `make sam-local-check` and of the sam-local CI job, driven by
a stand-in for the `sam` executable: it passes each event to the function the template routes it to, with
local/env.json, reseeds the backend before each event and judges the status."""

import json
import sys
from pathlib import Path

import pytest

from tests.invoke.events import EVENTS
from tools.local_api.container_backend import ContainerBackend
from tools.local_api.sam_local_events import main
from tools.local_api.samples import USER_ID

# A fake `sam`: logs its argv and answers like the function for users-delete-204 (deletes Ada from the
# backend) and users-get-200 (200 only if Ada is there); products-get-200 gets a 500; every other event
# gets the status in its name.
FAKE_SAM = """#!{python}
import json, pathlib, sys
args = sys.argv[1:]
with open({log!r}, "a") as handle:
    handle.write(json.dumps(args) + "\\n")
event = pathlib.Path(args[args.index("--event") + 1])
status = 500 if event.name == "products-get-200.json" else int(event.stem.rsplit("-", 1)[1])
if event.name in ("users-delete-204.json", "users-get-200.json"):
    import boto3
    table = boto3.client("dynamodb", endpoint_url={backend!r}, region_name="us-east-1",
                         aws_access_key_id="k", aws_secret_access_key="s")
    key = {{"id": {{"S": {user!r}}}}}
    if event.name == "users-delete-204.json":
        table.delete_item(TableName="UsersTable", Key=key)
    elif "Item" not in table.get_item(TableName="UsersTable", Key=key):
        status = 404
print("START RequestId: 1", file=sys.stderr)
print(json.dumps({{"statusCode": status, "body": ""}}))
"""


def test_every_event_goes_to_its_function_each_on_reseeded_data(
    backend: ContainerBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sam, log = tmp_path / "sam", tmp_path / "calls.jsonl"
    sam.write_text(FAKE_SAM.format(python=sys.executable, log=str(log), backend=backend.url, user=USER_ID))
    sam.chmod(0o755)

    # users-get-200 runs after users-delete-204: it answers 200 only because the loop reseeded in between.
    assert main(["--backend", backend.url, "--sam", str(sam), "--skip-pull-image"]) == 1

    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [Path(call[call.index("--event") + 1]).name for call in calls] == [path.name for path in EVENTS]
    for call in calls:
        event = Path(call[call.index("--event") + 1]).name
        assert call[:3] == [
            "local",
            "invoke",
            "UserFunction" if event.startswith("users") else "ProductFunction",
        ]
        assert call[call.index("--env-vars") + 1] == "local/env.json"
        assert "--skip-pull-image" in call
    out, err = capsys.readouterr()
    assert "users-get-200                            UserFunction     expected 200, got 200  ok" in out
    assert "products-get-200                         ProductFunction  expected 200, got 500  FAIL" in out
    assert "1 events did not answer their status: ['products-get-200.json']" in err
