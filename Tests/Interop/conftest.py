"""Shared fixtures of the interop tests: the `lemming` binary and a new org for each test."""

import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def lemming() -> str:
    """The `lemming` binary under test (scripts/test sets LEMMING_BIN)."""
    path = os.environ.get("LEMMING_BIN", str(Path(__file__).resolve().parents[2] / ".build/debug/lemming"))
    assert os.access(path, os.X_OK), f"no lemming binary at {path}: run swift build first"
    return path


@pytest.fixture
def org(lemming: str, tmp_path: Path) -> Path:
    """A new org made by `lemming init` (offline: its agents answer from the simulation model)."""
    root = tmp_path / "org"
    subprocess.run([lemming, "init", str(root)], check=True, capture_output=True)
    return root
