"""The bench child's helpers (its AWS stub, the shared Lambda context double) load no module of their own
before the measured handler import: whatever they needed would otherwise leave the function's figures."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What child.py has loaded by the time it imports its helpers (the runtime's pre-imports and its own).
PROBE = """
from __future__ import annotations
import decimal, enum, importlib, importlib.machinery, json, logging, math, os, sys, time, traceback
from collections.abc import Callable
before = set(sys.modules)
sys.path[:0] = [{bench!r}, {tools!r}]
import aws_stub, lambda_doubles
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_the_stub_and_the_context_double_import_nothing_new() -> None:
    probe = PROBE.format(bench=str(ROOT / "tools" / "bench"), tools=str(ROOT / "tools"))
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-S", "-B", "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["aws_stub", "lambda_doubles"]
