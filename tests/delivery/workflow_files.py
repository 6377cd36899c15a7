"""Reading the GitHub Actions workflows: their YAML, their steps, the simple commands of a run: script."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

SEPARATORS = {";", "&&", "||", "|", "&"}


def load(path: Path) -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as True
    return document


def steps(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in load(path)["jobs"].items() for step in job.get("steps", [])]


def split_commands(script: str) -> list[list[str]]:
    """Simple commands of a run: script; a $(...) substitution is a command of its own."""
    commands: list[list[str]] = []
    for inner in re.findall(r"\$\(([^()]*)\)", script):
        commands += split_commands(inner)
    script = re.sub(r"\$\([^()]*\)", "SUBSTITUTED", script)
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        current: list[str] = []
        for token in [*lexer, ";"]:
            if token in SEPARATORS:
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(token)
    return commands
