"""The sample events and what each must answer: files are named `<service>-<case>-<status>.json`."""

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENTS = sorted((ROOT / "events").glob("*.json"))
IDS = [path.stem for path in EVENTS]


def expected_status(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[1])


def function_for(event: dict[str, Any], routes: Any) -> str:
    """The function `sam local start-api` would send the event to (the template's route for it)."""
    for route in routes:
        if route.path == event["resource"] and event["httpMethod"] in route.methods:
            return str(route.function_name)
    raise LookupError(f"no route for {event['httpMethod']} {event['resource']}")


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document
