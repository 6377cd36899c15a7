"""Check the rendered API reference in a real headless browser (Debian's chromium), and take its screenshot.

    make local &                # serves /docs
    .venv/bin/python -m tools.docs_check --url http://127.0.0.1:3000 --screenshot docs/api-reference.png

Each operation of openapi.yaml is opened at its route (#/<tag>/<operation>) and, once Redoc has rendered it,
must show its summary, its method and path, every documented response status, the fields of its request body
schema and of its success response schema. The browser's network log must show
no request of the page to another host (Redoc and its styles are inline). Exit 0 or 1 with the findings.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml  # PyYAML: SAM CLI brings it; types-PyYAML types it

ROOT = Path(__file__).resolve().parent.parent
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
# The browser's own background calls (sign-in, clock, updates) appear in its network log despite the flags
# above; they are not the page's.
BROWSER_HOSTS = ("google.com", "googleapis.com", "gstatic.com")
RENDER_MS = "15000"
METHODS = ("get", "post", "put", "patch", "delete", "options")


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def fields(spec: dict[str, Any], content: dict[str, Any] | None) -> list[str]:
    """Top-level property names of the first media type's schema."""
    if not content:
        return []
    schema = resolve(spec, next(iter(content.values()))["schema"])
    return list(schema.get("properties", {}))


def expectations(spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> list[str]:
    expected = [operation["summary"], f"{method.upper()} {path}", *map(str, operation["responses"])]
    expected += fields(spec, operation.get("requestBody", {}).get("content"))
    responses: dict[str, Any] = operation["responses"]
    success: dict[str, Any] = next((r for code, r in responses.items() if str(code).startswith("2")), {})
    return expected + fields(spec, success.get("content"))


def visible_text(dom: str) -> str:
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split()).replace("\u200b", "")


def browse(chromium: str, url: str, workdir: Path, screenshot: Path | None = None) -> tuple[str, set[str]]:
    """The rendered DOM's visible text and the hosts the browser contacted."""
    netlog = workdir / "net.json"
    common = [*FLAGS, f"--user-data-dir={workdir / 'profile'}", f"--virtual-time-budget={RENDER_MS}"]
    dom = subprocess.run(  # noqa: S603 - the local browser, fixed flags
        [chromium, *common, f"--log-net-log={netlog}", "--dump-dom", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    if screenshot is not None:
        subprocess.run(  # noqa: S603
            [chromium, *common, "--window-size=1400,1700", f"--screenshot={screenshot}", url],
            capture_output=True,
            check=True,
            timeout=120,
        )
    events = json.loads(netlog.read_text(encoding="utf-8") or "{}").get("events", [])
    urls = {event["params"]["url"] for event in events if "url" in event.get("params", {})}
    return visible_text(dom), {urlsplit(u).hostname or "" for u in urls if u.startswith("http")}


def check(base_url: str, screenshot: Path | None, chromium: str) -> list[str]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for method, path, operation in operations(spec):
        by_tag.setdefault(operation["tags"][0], []).append((method, path, operation))
    findings = []
    local = {urlsplit(base_url).hostname, "127.0.0.1", "localhost"}
    with tempfile.TemporaryDirectory() as tmp:
        for tag, tagged in by_tag.items():
            for method, path, operation in tagged:
                pointer = f"paths/{path.replace('/', '~1')}/{method}"
                anchor = operation.get("operationId", "").lower() or pointer
                url = f"{base_url}/docs#/{tag}/{anchor}"
                text, hosts = browse(chromium, url, Path(tmp))
                missing = [item for item in expectations(spec, method, path, operation) if item not in text]
                if missing:
                    findings.append(f"{method.upper()} {path} ({url}): not rendered: {missing}")
                foreign = sorted(h for h in hosts - local if not h.endswith(BROWSER_HOSTS))
                if foreign:
                    findings.append(f"{url}: the page contacted {foreign}")
                print(f"{url}: {'ok' if not missing and not foreign else 'FAILED'}", flush=True)
        if screenshot is not None:  # the overview: every tag with its operations
            browse(chromium, f"{base_url}/docs", Path(tmp), screenshot)
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.docs_check", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="where make local serves /docs")
    parser.add_argument("--screenshot", type=Path, help="PNG of the overview, e.g. docs/api-reference.png")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("docs_check: chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    findings = check(args.url.rstrip("/"), args.screenshot, chromium)
    for finding in findings:
        print(f"docs_check: {finding}", file=sys.stderr)
    if not findings:
        print("docs_check: every operation, response status and schema field is rendered; no foreign hosts")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
