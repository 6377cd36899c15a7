"""Runs the child (`tools/bench/child.py`) as fresh Lambda-like processes and collects what they measure."""

import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import lambda_doubles
from tools.bench.stats import median

CHILD = Path(__file__).with_name("child.py")
_STARTED = time.monotonic()
_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)")


@dataclass(frozen=True)
class Subject:
    """Something to start cold: one of the functions, or the baseline standing in for it."""

    label: str
    handler: str
    paths: list[Path]
    environment: dict[str, str]
    seed: dict[str, list[dict[str, Any]]]
    routes: list[dict[str, Any]]
    context: dict[str, Any]


def step(message: str) -> None:
    """Progress on stderr, with the seconds since the bench started."""
    print(f"bench: [{time.monotonic() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


class ChildError(RuntimeError):
    pass


def run_child(
    subject: Subject, mode: str, iterations: int = 0, warmup: int = 0, importtime: bool = False
) -> tuple[dict[str, Any], str]:
    """One fresh process: returns what it measured and its stderr."""
    spec = {
        "mode": mode, "paths": [str(p) for p in subject.paths], "handler": subject.handler,
        "seed": subject.seed, "routes": subject.routes, "context": subject.context,
        "iterations": iterations, "warmup": warmup, "doubles": lambda_doubles.__file__,
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-child-") as scratch:
        spec_path, out_path = Path(scratch, "spec.json"), Path(scratch, "out.json")
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        # -S: no site-packages (only what the package ships and the runtime provides); -B: /var/task and
        # /opt are read-only on Lambda, so no bytecode gets written there either.
        flags = ["-S", "-B", *(["-X", "importtime"] if importtime else [])]
        done = subprocess.run(
            [sys.executable, *flags, str(CHILD), str(spec_path), str(out_path)],
            env=subject.environment, cwd=subject.environment.get("LAMBDA_TASK_ROOT"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not out_path.exists():
            tail = "\n".join(done.stderr.strip().splitlines()[-25:])
            raise ChildError(f"{subject.label} ({mode}) exited {done.returncode}:\n{tail}")
        return json.loads(out_path.read_text(encoding="utf-8")), done.stderr


def import_contributors(stderr: str) -> dict[str, float]:
    """Self import time (ms) per top-level package, for what the handler import pulled in."""
    _, _, after = stderr.partition("bench: handler import starts\n")
    totals: dict[str, float] = defaultdict(float)
    for line in after.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            totals[match.group(4).split(".")[0]] += int(match.group(1)) / 1000
    return dict(totals)


def median_contributors(samples: list[dict[str, float]]) -> list[tuple[str, float]]:
    packages = {name for sample in samples for name in sample}
    medians = {name: median([sample.get(name, 0.0) for sample in samples]) for name in packages}
    return sorted(medians.items(), key=lambda item: item[1], reverse=True)
