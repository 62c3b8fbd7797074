"""`lemming mcp` against the official MCP Python SDK's client (issue 14 §2): a person drives an
org from an MCP client: send a message, step a tick, read the answer, search the history."""

import json
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from conftest import clean_environment


def call(lemming: str, org: Path, body):
    """Runs `body(session)` in a session with `lemming mcp --org ORG` over stdio."""

    async def main():
        # The SDK starts the server with a few variables of its own choosing; LLVM_PROFILE_FILE joins
        # them under coverage (else a default.profraw lands in the working folder).
        parameters = StdioServerParameters(command=lemming, args=["mcp", "--org", str(org)], env=clean_environment())
        async with stdio_client(parameters) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)

    return anyio.run(main)


def result_json(result):
    assert not result.is_error, result.content[0].text
    return json.loads(result.content[0].text)


def test_a_client_sends_steps_and_reads_the_answer(lemming, org):
    async def body(session):
        tools = await session.list_tools()
        names = [tool.name for tool in tools.tools]
        agents = result_json(await session.call_tool("list_agents", {}))
        sent = result_json(await session.call_tool("send_message", {"agent": "manager", "text": "Please plan the login page"}))
        step = result_json(await session.call_tool("step", {}))
        answer = result_json(await session.call_tool("read_inbox", {"after": sent["id"], "wait_seconds": 5}))
        found = result_json(await session.call_tool("search", {"query": "login"}))
        status = await session.call_tool("get_status", {})
        return names, agents, sent, step, answer, found, status

    names, agents, sent, step, answer, found, status = call(lemming, org, body)
    assert names == ["list_agents", "get_status", "send_message", "read_inbox", "step", "search",
                     "list_approvals", "approve", "deny"]
    assert {agent["name"] for agent in agents} >= {"manager", "coder", "human"}
    assert sent["status"] == "sent" and sent["to"] == "manager"
    assert (org / "agents/human/outbox" / f"{sent['id']}.json").exists()
    assert step["tick"] == 1
    assert answer, "the manager answered nothing"
    assert answer[0]["agent"] == "manager" and answer[0]["reply_to"] == sent["id"]
    assert answer[0]["recipients"] == ["human"]
    # Entries have an id; the manager's plan in memory matches too, and has a key instead.
    assert sent["id"] in [hit.get("id") for hit in found["results"]]
    # An object result is also structured content (the MCP 2025-06-18 `structuredContent`).
    assert status.structured_content["next_tick"] == 2
    assert status.structured_content["engine_running"] is False
    assert json.loads(status.content[0].text) == status.structured_content


def test_tool_failures_are_error_results_and_unknown_tools_protocol_errors(lemming, org):
    async def body(session):
        unknown_agent = await session.call_tool("send_message", {"agent": "nobody", "text": "hello"})
        missing_text = await session.call_tool("send_message", {"agent": "manager"})
        bad_limit = await session.call_tool("read_inbox", {"limit": 0})
        bad_query = await session.call_tool("search", {"query": '"unbalanced'})
        with pytest.raises(MCPError, match="no tool named 'nope'"):
            await session.call_tool("nope", {})
        still_there = result_json(await session.call_tool("list_agents", {}))
        return unknown_agent, missing_text, bad_limit, bad_query, still_there

    unknown_agent, missing_text, bad_limit, bad_query, still_there = call(lemming, org, body)
    assert unknown_agent.is_error and "no agent named 'nobody'" in unknown_agent.content[0].text
    assert missing_text.is_error and "text is required" in missing_text.content[0].text
    assert bad_limit.is_error and "limit must be 1 to 100" in bad_limit.content[0].text
    assert bad_query.is_error
    assert still_there, "the server stopped answering after the failures"
    assert not list((org / "agents/human/outbox").glob("*.json")), "a failed send wrote an entry"


def test_read_inbox_returns_empty_when_nothing_comes(lemming, org):
    async def body(session):
        return result_json(await session.call_tool("read_inbox", {"wait_seconds": 0.3}))

    assert call(lemming, org, body) == []


def test_a_client_approves_a_held_tool_call(lemming, approval_org):
    target = approval_org / "agents/writer/workspace/approved.txt"

    async def body(session):
        assert result_json(await session.call_tool("step", {}))["tick"] == 1
        pending = result_json(await session.call_tool("list_approvals", {}))
        held = target.exists()
        unknown = await session.call_tool("approve", {"request": "00000009-writer-01"})
        approved = result_json(await session.call_tool("approve", {"request": pending[0]["request"]}))
        assert result_json(await session.call_tool("step", {}))["tick"] == 2
        after = result_json(await session.call_tool("list_approvals", {}))
        return pending, held, unknown, approved, after

    pending, held, unknown, approved, after = call(lemming, approval_org, body)
    assert [(p["agent"], p["tool"]) for p in pending] == [("writer", "file_write")]
    assert not held, "the call ran before it was approved"
    assert unknown.is_error
    assert approved["status"] == "recorded" and approved["decision"] == "approved"
    assert target.read_text() == "approved over MCP\n"
    assert after == []


def test_resumes_and_entries_are_resources(lemming, org):
    async def body(session):
        sent = result_json(await session.call_tool("send_message", {"agent": "manager", "text": "Read me"}))
        resources = await session.list_resources()
        templates = await session.list_resource_templates()
        resume = await session.read_resource("lemming://agents/manager/resume.json")
        entry = await session.read_resource(f"lemming://entries/{sent['id']}")
        with pytest.raises(MCPError, match="Resource not found"):
            await session.read_resource("lemming://agents/nobody/resume.json")
        return sent, resources, templates, resume, entry

    sent, resources, templates, resume, entry = call(lemming, org, body)
    uris = [str(resource.uri) for resource in resources.resources]
    assert "lemming://agents/manager/resume.json" in uris and "lemming://agents/coder/resume.json" in uris
    assert [template.uri_template for template in templates.resource_templates] == ["lemming://entries/{id}"]
    assert resume.contents[0].text == (org / "agents/manager/resume.json").read_text()
    assert json.loads(entry.contents[0].text)["payload"]["text"] == "Read me"
    assert json.loads(entry.contents[0].text)["archived"] is False


def over_http(url: str, body, headers: dict[str, str] | None = None):
    """Runs `body(session)` in a session with `/mcp` of a `lemming serve` at `url`."""

    async def main():
        async with httpx2.AsyncClient(headers=headers or {}, timeout=30) as client:
            async with streamable_http_client(url + "/mcp", http_client=client) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await body(session)

    return anyio.run(main)


def test_lemming_serve_answers_mcp_over_streamable_http(serve, org):
    url = serve(org)

    async def body(session):
        names = [tool.name for tool in (await session.list_tools()).tools]
        sent = result_json(await session.call_tool("send_message", {"agent": "manager", "text": "Plan the release"}))
        step = result_json(await session.call_tool("step", {}))
        answer = result_json(await session.call_tool("read_inbox", {"after": sent["id"], "wait_seconds": 5}))
        resume = await session.read_resource("lemming://agents/manager/resume.json")
        return names, sent, step, answer, resume

    names, sent, step, answer, resume = over_http(url, body)
    assert "send_message" in names and "read_inbox" in names
    assert sent["status"] == "sent" and step["tick"] == 1
    assert answer and answer[0]["reply_to"] == sent["id"]
    assert resume.contents[0].text == (org / "agents/manager/resume.json").read_text()
    # The stateless form has no server-sent stream and no session to end.
    assert httpx2.get(url + "/mcp").status_code == 405


def test_mcp_over_http_needs_the_api_key_when_one_is_set(serve, org):
    url = serve(org, env={"LEMMING_API_KEY": "interop-secret"})
    refused = httpx2.post(url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                          headers={"Accept": "application/json, text/event-stream"})
    assert refused.status_code == 401

    async def body(session):
        return [tool.name for tool in (await session.list_tools()).tools]

    assert "step" in over_http(url, body, headers={"Authorization": "Bearer interop-secret"})


def test_a_running_engine_makes_step_a_tool_error_over_http(serve, org):
    url = serve(org, "--run")

    async def body(session):
        return await session.call_tool("step", {})

    refused = over_http(url, body)
    assert refused.is_error and "serve --run" in refused.content[0].text
