"""What the Makefile says and does for the variables the docs name: `make help` prints the address
`make local` serves (not the literal `$(HOST):$(PORT)`), and SEED=0 (or no, false, empty) loads no samples.
Read with `make -n`, which prints the commands without running them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def make(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - make with this test's own arguments
        ["make", "--no-print-directory", *args],  # noqa: S607
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout


def local_command(*variables: str) -> str:
    """The command `make local` would run, with these variables."""
    lines = make("-n", "local", *variables).splitlines()
    return next(line for line in lines if "-m tools.local_api" in line)


def test_help_prints_the_address_make_local_serves() -> None:
    help_text = make("help")
    assert "$(" not in help_text
    assert "http://127.0.0.1:3000" in help_text
    assert "http://0.0.0.0:8080" in make("help", "HOST=0.0.0.0", "PORT=8080")


@pytest.mark.parametrize("seed", ["1", "yes", "true"])
def test_seed_loads_the_samples(seed: str) -> None:
    assert "--seed" in local_command(f"SEED={seed}")


@pytest.mark.parametrize("seed", ["", "0", "no", "false"])
def test_seed_off_loads_none(seed: str) -> None:
    assert "--seed" not in local_command(f"SEED={seed}")


def test_without_seed_none_are_loaded() -> None:
    assert "--seed" not in local_command()
