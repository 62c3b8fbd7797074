"""An org's agent asks a remote A2A agent (issue 14 §3): `a2a.<name>` tools against a real `a2a-sdk`
server (Tests/Interop/a2a_agent.py), streaming and polling, with a deadline that cancels the remote
task, the permission list, approvals, and headers that come from the environment only."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import clean_environment, write_json

QUESTION = "What is the capital of France?"
SECRET = "Bearer remote-secret"


@pytest.fixture
def remote_agent(tmp_path: Path):
    """Starts `a2a_agent.py MODE` on a free port; yields a function that does so and returns its base
    URL and the path of its record. Every agent is stopped at the end."""
    processes: list[subprocess.Popen] = []

    def start(mode: str) -> tuple[str, Path]:
        record = tmp_path / f"remote-{mode}-{len(processes)}.jsonl"
        record.touch()
        process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("a2a_agent.py")), mode, str(record)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        processes.append(process)
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("serving "), f"the A2A agent did not start: {line!r}"
        return line.split()[1], record

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def make_org(lemming: str, root: Path, url: str, *, permitted=True, timeout=30, approval=False) -> Path:
    """`asker` calls `a2a.remote` at tick 1 and notes at tick 2 (when it sees the result)."""
    config = {"format": 1, "name": "asker-org",
              "a2a": {"agents": {"remote": {"url": url, "headers_env": {"Authorization": "REMOTE_AUTH"},
                                            "timeout_seconds": timeout}}}}
    if approval:
        config["tools"] = {"require_approval": ["a2a.remote"]}
    write_json(root / "lemming.json", config)
    write_json(root / "models.json", {"script": {"provider": "scripted", "replies": "replies.jsonl",
                                                  "price_in_per_mtok": 0.15, "price_out_per_mtok": 0.6}})
    (root / "agents/human/outbox").mkdir(parents=True)
    write_json(root / "agents/asker/resume.json", {
        "name": "asker", "title": "Asker", "short_description": "Asks a remote agent.", "instructions": "Ask.",
        "model": {"key": "script"},
        "permissions": {"read_outboxes": ["human"], "tools": ["a2a.remote"] if permitted else []},
        "schedule": {"run_every_n_ticks": 1}, "credits": {"max_credits": 10}})
    call = {"tool": "a2a.remote", "args": {"text": QUESTION}}
    lines = [{"agent": "asker", "tick": 1, "reply": {"notes": "asking", "tool_calls": [call]}},
             {"agent": "asker", "tick": 2, "reply": {"notes": "read the answer"}}]
    (root / "replies.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    subprocess.run([lemming, "validate", "--org", str(root)], check=True, capture_output=True)
    return root


def run(lemming: str, root: Path, ticks: int) -> None:
    environment = clean_environment(REMOTE_AUTH=SECRET)
    subprocess.run([lemming, "run", "--ticks", str(ticks), "--org", str(root)], check=True, capture_output=True,
                   env=environment, timeout=120)


def tool_results(root: Path, tick: int) -> list[dict]:
    turns = [json.loads(line) for line in (root / "agents/asker/logs/turns.jsonl").read_text().splitlines()]
    return next(turn for turn in turns if turn["tick"] == tick)["tool_results"]


def prompt(root: Path, tick: int) -> str:
    turns = [json.loads(line) for line in (root / "agents/asker/logs/turns.jsonl").read_text().splitlines()]
    return json.dumps(next(turn for turn in turns if turn["tick"] == tick)["request"])


def secret_in_org(root: Path) -> list[str]:
    return [str(path) for path in root.rglob("*") if path.is_file() and SECRET.split()[1] in path.read_text(errors="ignore")]


@pytest.mark.parametrize("mode", ["answer", "poll"])
def test_an_agent_asks_a_remote_agent_and_sees_its_answer(lemming, tmp_path, remote_agent, mode):
    url, record = remote_agent(mode)
    root = make_org(lemming, tmp_path / "org", url)
    run(lemming, root, 2)
    [result] = tool_results(root, 1)
    assert result["tool"] == "a2a.remote" and result["success"], result
    output = json.loads(result["output"])
    assert output["answer"] == f"Remote answer to: {QUESTION}"
    assert output["state"] == "TASK_STATE_COMPLETED" and output["task_id"] and output["context_id"]
    # The next turn is shown the result.
    assert f"Remote answer to: {QUESTION}" in prompt(root, 2)
    paths = [line["path"] for line in records(record) if "path" in line]
    assert paths[0] == "/.well-known/agent-card.json"
    # A streaming agent is followed over one SendStreamingMessage; the other is polled with GetTask.
    assert paths.count("/rpc") == 1 if mode == "answer" else paths.count("/rpc") >= 2, paths
    assert all(line["authorized"] for line in records(record) if "path" in line), "a request lacked the header"
    assert not secret_in_org(root), "the header value was written in the org"


def test_a_remote_task_past_the_deadline_is_canceled_and_fails(lemming, tmp_path, remote_agent):
    url, record = remote_agent("hang")
    root = make_org(lemming, tmp_path / "org", url, timeout=2)
    run(lemming, root, 1)
    [result] = tool_results(root, 1)
    assert not result["success"]
    assert result["error"].startswith("remote gave no answer within 2 s; task ")
    assert result["error"].endswith(" was canceled")
    assert [line["cancel"] for line in records(record) if "cancel" in line], "the remote task was not canceled"


def test_an_agent_not_permitted_cannot_call_the_remote_agent(lemming, tmp_path, remote_agent):
    url, record = remote_agent("answer")
    root = make_org(lemming, tmp_path / "org", url, permitted=False)
    run(lemming, root, 1)
    [result] = tool_results(root, 1)
    assert not result["success"] and "not permitted" in result["error"]
    assert not records(record), "the remote agent was called"


def test_a_call_that_needs_approval_runs_once_approved(lemming, tmp_path, remote_agent):
    url, record = remote_agent("answer")
    root = make_org(lemming, tmp_path / "org", url, approval=True)
    run(lemming, root, 1)
    assert not records(record), "the call ran before it was approved"
    pending = json.loads(subprocess.run([lemming, "approvals", "--json", "--org", str(root)], check=True,
                                        capture_output=True, text=True).stdout)
    assert [item["tool"] for item in pending] == ["a2a.remote"]
    subprocess.run([lemming, "approve", pending[0]["request"], "--org", str(root)], check=True, capture_output=True)
    run(lemming, root, 1)
    # The approved call runs as tick 2 begins; its result is in that tick's prompt.
    assert f"Remote answer to: {QUESTION}" in prompt(root, 2)
    assert all(line["authorized"] for line in records(record) if "path" in line)


def test_tools_and_doctor_list_and_check_the_remote_agent(lemming, tmp_path, remote_agent):
    url, _ = remote_agent("answer")
    root = make_org(lemming, tmp_path / "org", url)
    tools = json.loads(subprocess.run([lemming, "tools", "--json", "--org", str(root)], check=True,
                                      capture_output=True, text=True).stdout)
    [remote] = [tool for tool in tools if tool["name"] == "a2a.remote"]
    assert remote["agents"] == ["asker"] and remote["kind"] == "a2a"
    environment = clean_environment(REMOTE_AUTH=SECRET)
    doctor = subprocess.run([lemming, "doctor", "--json", "--org", str(root)], capture_output=True, text=True,
                            env=environment)
    [check] = [check for check in json.loads(doctor.stdout)["checks"] if check["key"] == "a2a.remote"]
    assert check["ok"] and "'remote'" in check["detail"], check
    missing = subprocess.run([lemming, "doctor", "--json", "--org", str(root)], capture_output=True, text=True,
                             env=clean_environment())
    [check] = [check for check in json.loads(missing.stdout)["checks"] if check["key"] == "a2a.remote"]
    assert not check["ok"] and "REMOTE_AUTH is not set" in check["detail"]
