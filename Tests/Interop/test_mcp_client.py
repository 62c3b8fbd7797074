"""LeMMing's MCP client against real MCP servers (issue 14 §1): an agent calls the tools of a
published server (`mcp-server-time`) and of a server written with the official Python SDK, over
stdio and over streamable HTTP, through the engine (`lemming step`), in the kernel sandbox; and
the failures: a tool that does not exist or is not permitted, bad arguments, huge output, a
server that hangs or dies mid-call."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import clean_environment, write_json

ROOT = Path(__file__).resolve().parents[2]
TOOLS_SERVER = str(Path(__file__).resolve().parent / "servers" / "tools_server.py")
TIME_SERVER = str(ROOT / ".venv-servers" / "bin" / "mcp-server-time")


def make_org(root: Path, servers: dict, tools: list[str], calls: list[dict], ticks: int = 1) -> Path:
    """An org whose agent `a` may use `tools` and makes `calls` at tick 1 (a scripted model)."""
    write_json(root / "lemming.json", {"format": 1, "name": "mcp-client", "mcp": {"servers": servers}})
    write_json(root / "models.json", {"script": {"provider": "scripted", "replies": "replies.jsonl"}})
    (root / "agents/human/outbox").mkdir(parents=True)
    write_json(root / "agents/a/resume.json", {
        "name": "a", "title": "A", "short_description": "Calls MCP tools.", "instructions": "Use the tools.",
        "model": {"key": "script"}, "permissions": {"read_outboxes": ["human"], "tools": tools},
        "schedule": {"run_every_n_ticks": 1}, "credits": {"max_credits": 10}})
    (root / "replies.jsonl").write_text(
        json.dumps({"agent": "a", "tick": 1, "reply": {"notes": "calling", "tool_calls": calls}}) + "\n")
    return root


def environment(**extra: str) -> dict[str, str]:
    return clean_environment(**extra)


def run(lemming: str, *arguments: str, env: dict[str, str] | None = None, check: bool = True):
    return subprocess.run([lemming, *arguments], capture_output=True, text=True, env=env or environment(),
                          timeout=120, check=check)


def results(org: Path, tick: int = 1) -> list[dict]:
    for line in (org / "agents/a/logs/turns.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["tick"] == tick:
            return record["tool_results"]
    raise AssertionError(f"no turn at tick {tick}")


def prompt(org: Path, tick: int) -> str:
    for line in (org / "agents/a/logs/turns.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["tick"] == tick:
            return record["request"]["messages"][-1]["content"]
    raise AssertionError(f"no turn at tick {tick}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_agent_calls_a_published_server_in_the_sandbox(lemming, tmp_path):
    org = make_org(tmp_path / "org", {"time": {"command": [TIME_SERVER, "--local-timezone", "UTC"]}},
                   ["mcp.time.*"],
                   [{"tool": "mcp.time.get_current_time", "args": {"timezone": "Europe/Paris"}},
                    {"tool": "mcp.time.convert_time",
                     "args": {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}}])
    run(lemming, "step", "--org", str(org))
    run(lemming, "step", "--org", str(org))
    now, converted = results(org)
    assert now["success"], now
    assert json.loads(now["output"])["timezone"] == "Europe/Paris"
    assert converted["success"], converted
    assert json.loads(converted["output"])["target"]["datetime"].endswith("T21:00:00+09:00")
    # The tools were in the prompt with their schemas, and the results in the next one.
    first = prompt(org, 1)
    assert "- mcp.time.get_current_time: Get current time" in first and '"timezone"' in first
    assert '"timezone": "Europe/Paris"' in prompt(org, 2)
    # `lemming tools` and `lemming doctor` start the server and say what it has.
    listed = json.loads(run(lemming, "tools", "--json", "--org", str(org)).stdout)
    time_tools = {tool["name"]: tool for tool in listed if tool["kind"] == "mcp"}
    assert set(time_tools) == {"mcp.time.get_current_time", "mcp.time.convert_time"}
    assert time_tools["mcp.time.get_current_time"]["agents"] == ["a"]
    assert time_tools["mcp.time.get_current_time"]["arguments"]["required"] == ["timezone"]
    doctor = run(lemming, "doctor", "--org", str(org))
    assert "mcp.time [mcp stdio]" in doctor.stdout and "2 tools" in doctor.stdout, doctor.stdout


CALLS = [
    {"tool": "mcp.t.echo", "args": {"text": "héllo"}},
    {"tool": "mcp.t.add", "args": {"a": 2, "b": 3}},
    {"tool": "mcp.t.huge", "args": {"size": 100000}},
    {"tool": "mcp.t.fail", "args": {"reason": "nope"}},
    {"tool": "mcp.t.environment", "args": {}},
    {"tool": "mcp.t.missing", "args": {}},
    {"tool": "mcp.t.add", "args": {"a": "two", "b": 3}},
    {"tool": "mcp.other.echo", "args": {"text": "not mine"}},
]


def check_results(outcome: list[dict]) -> None:
    echo, add, huge, fail, env, missing, bad, other = outcome
    assert (echo["success"], echo["output"]) == (True, "héllo")
    assert (add["success"], add["output"]) == (True, "5")
    assert huge["success"] and huge["truncated"] and len(huge["output"]) == 1000
    assert not fail["success"] and "fail" in fail["error"]
    assert not missing["success"] and missing["error"] == "no tool named 'mcp.t.missing' exists in this org"
    assert not bad["success"] and bad["error"].startswith("args.a must be an integer")
    assert not other["success"] and "not permitted" in other["error"]
    return env


def test_a_python_sdk_server_over_stdio(lemming, tmp_path):
    servers = {"t": {"command": [sys.executable, TOOLS_SERVER], "max_output_bytes": 1000,
                     "env": {"GIVEN": "1"}, "pass_env": ["PASSED_ON"]},
               "other": {"command": [sys.executable, TOOLS_SERVER]}}
    org = make_org(tmp_path / "org", servers, ["mcp.t.*"], CALLS)
    run(lemming, "step", "--org", str(org), env=environment(SECRET_API_KEY="hunter2", PASSED_ON="yes"))
    env = check_results(results(org))
    names = env["output"].split("\n")
    assert {"PATH", "GIVEN", "PASSED_ON"} <= set(names), names
    assert "SECRET_API_KEY" not in names and "HOME" not in names


def test_a_python_sdk_server_over_streamable_http(lemming, tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, TOOLS_SERVER, "--http", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the HTTP server did not start"
                time.sleep(0.1)
        servers = {"t": {"url": f"http://127.0.0.1:{port}/mcp", "max_output_bytes": 1000,
                         "headers_env": {"Authorization": "T_MCP_TOKEN"}}}
        org = make_org(tmp_path / "org", servers, ["mcp.t.*"], CALLS)
        # Without the variable, the server is unavailable and says why (never a value).
        run(lemming, "step", "--org", str(org))
        first = results(org)[0]
        assert not first["success"]
        assert "the environment variable T_MCP_TOKEN (for its Authorization header) is not set" in first["error"]
        (org / "agents/a/logs/turns.jsonl").unlink()
        (org / "replies.jsonl").write_text(json.dumps(
            {"agent": "a", "tick": 2, "reply": {"notes": "calling", "tool_calls": CALLS}}) + "\n")
        step = run(lemming, "step", "--org", str(org), env=environment(T_MCP_TOKEN="Bearer s3cret-token"))
        check_results(results(org, tick=2))
        # The header's value is in no file of the org and no output.
        assert "s3cret-token" not in step.stdout + step.stderr
        for path in org.rglob("*"):
            if path.is_file():
                assert b"s3cret-token" not in path.read_bytes(), path
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_server_that_hangs_or_dies(lemming, tmp_path):
    servers = {"t": {"command": [sys.executable, TOOLS_SERVER], "timeout_seconds": 1}}
    calls = [{"tool": "mcp.t.slow", "args": {"seconds": 30}}, {"tool": "mcp.t.echo", "args": {"text": "alive"}},
             {"tool": "mcp.t.die", "args": {}}, {"tool": "mcp.t.echo", "args": {"text": "after"}}]
    org = make_org(tmp_path / "org", servers, ["mcp.t.*"], calls)
    started = time.monotonic()
    run(lemming, "step", "--org", str(org))
    assert time.monotonic() - started < 25  # the hanging call did not hold the tick for its 30 s
    slow, alive, died, after = results(org)
    assert slow["error"] == "mcp.t.slow did not answer within 1 s (mcp.servers.t.timeout_seconds); the call was cancelled"
    assert alive["output"] == "alive"
    assert died["error"].startswith("the MCP server 't' stopped during the call")
    assert not after["success"]
    assert "exited with status 3" in after["error"] and "dying on purpose" in after["error"], after


def test_the_api_lists_mcp_tools_and_unavailable_servers(lemming, tmp_path, serve):
    servers = {"t": {"command": [sys.executable, TOOLS_SERVER]}, "broken": {"command": ["/nonexistent/server"]}}
    org = make_org(tmp_path / "org", servers, ["mcp.t.echo", "mcp.broken.*"], [])
    base = serve(org)
    with urllib.request.urlopen(base + "/api/tools", timeout=60) as response:
        answer = json.load(response)
    listed = {tool["name"]: tool for tool in answer["tools"]}
    assert listed["mcp.t.echo"]["kind"] == "mcp" and listed["mcp.t.echo"]["agents"] == ["a"]
    assert "mcp.t.die" in listed and listed["mcp.t.die"]["agents"] == []
    [broken] = answer["unavailable"]
    assert broken["namespace"] == "mcp.broken"
    assert "'/nonexistent/server' was not found or is not executable" in broken["problem"]
