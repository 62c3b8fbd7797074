"""Shared fixtures of the interop tests: the `lemming` binary and a new org for each test."""

import json
import os
import re
import signal
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


def clean_environment(**extra: str) -> dict[str, str]:
    """A minimal environment for ``lemming`` (no inherited keys): PATH, HOME, ``extra``, and
    LLVM_PROFILE_FILE when scripts/test sets it, so a coverage build writes its profile with the
    others rather than a ``default.profraw`` in the working folder."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    if "LLVM_PROFILE_FILE" in os.environ:
        environment["LLVM_PROFILE_FILE"] = os.environ["LLVM_PROFILE_FILE"]
    return {**environment, **extra}


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")


@pytest.fixture
def approval_org(lemming: str, tmp_path: Path) -> Path:
    """``writer`` calls ``file_write`` at tick 1; ``tools.require_approval`` holds it for the human."""
    root = tmp_path / "approvals"
    write_json(root / "lemming.json", {"format": 1, "name": "approvals", "tools": {"require_approval": ["file_write"]}})
    write_json(root / "models.json", {"script": {"provider": "scripted", "replies": "replies.jsonl",
                                                  "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6}})
    (root / "agents/human/outbox").mkdir(parents=True)
    write_json(root / "agents/writer/resume.json", {
        "name": "writer", "title": "Writer", "short_description": "Writes one file.", "instructions": "Write the file.",
        "model": {"key": "script"}, "permissions": {"read_outboxes": ["human"], "tools": ["file_write"]},
        "schedule": {"run_every_n_ticks": 1}, "credits": {"max_credits": 10}})
    write = {"tool": "file_write", "args": {"path": "approved.txt", "content": "approved over MCP\n"}}
    (root / "replies.jsonl").write_text(json.dumps(
        {"agent": "writer", "tick": 1, "reply": {"notes": "writing", "tool_calls": [write]}}) + "\n")
    subprocess.run([lemming, "validate", "--org", str(root)], check=True, capture_output=True)
    return root


SERVING = re.compile(r"serving .* on (http://[^\s]+:(\d+)) ")


@pytest.fixture
def serve(lemming: str):
    """Starts `lemming serve --port 0` on an org (with `extra` arguments and environment); yields
    a function that does so and returns the base URL. Every server is stopped with SIGTERM."""
    processes: list[subprocess.Popen] = []

    def start(root: Path, *extra: str, env: dict[str, str] | None = None) -> str:
        environment = clean_environment(**(env or {}))
        process = subprocess.Popen([lemming, "serve", "--port", "0", "--org", str(root), *extra],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment,
                                   start_new_session=True)
        processes.append(process)
        line = process.stdout.readline() if process.stdout else ""
        match = SERVING.search(line)
        assert match, f"lemming serve did not start: {line!r}"
        return match.group(1)

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
