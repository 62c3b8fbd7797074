"""`lemming serve` as an A2A v1.0 agent against the official `a2a-sdk` client (issue 14 §3): the
client reads the Agent Card, sends a message, the org steps, and the client gets the agent's answer
as a completed task, over polling and streaming; cancel; and bad requests answered as JSON-RPC
errors, never a 500."""

import asyncio
import json
import subprocess
from pathlib import Path

import httpx
import pytest
from a2a.client import ClientConfig, create_client
from a2a.helpers.proto_helpers import get_artifact_text, get_message_text, new_text_message
from a2a.types import CancelTaskRequest, GetTaskRequest, Role, SendMessageRequest, TaskState
from a2a.utils.errors import TaskNotCancelableError, TaskNotFoundError

from conftest import write_json


def expose(org: Path, agents: list[str]) -> Path:
    config = json.loads((org / "lemming.json").read_text())
    config["a2a"] = {"expose": agents}
    write_json(org / "lemming.json", config)
    return org


def step(lemming: str, org: Path) -> None:
    subprocess.run([lemming, "step", "--org", str(org)], check=True, capture_output=True, timeout=60)


def ask(text: str) -> SendMessageRequest:
    return SendMessageRequest(message=new_text_message(text, role=Role.ROLE_USER))


async def client_for(base: str, *, streaming: bool, headers: dict | None = None):
    http = httpx.AsyncClient(headers=headers or {}, timeout=30)
    return await create_client(base, ClientConfig(streaming=streaming, polling=not streaming, httpx_client=http))


def test_a_client_reads_the_card_and_gets_the_answer_as_a_completed_task(lemming, org, serve):
    base = serve(expose(org, ["manager"]))

    async def main():
        card = httpx.get(f"{base}/.well-known/agent-card.json").json()
        client = await client_for(base, streaming=False)
        [event] = [event async for event in client.send_message(ask("Please plan the login page"))]
        submitted = event.task
        await asyncio.to_thread(step, lemming, org)
        done = await client.get_task(GetTaskRequest(id=submitted.id))
        return card, submitted, done

    card, submitted, done = asyncio.run(main())
    assert card["supportedInterfaces"] == [{"url": f"{base}/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}]
    assert [skill["id"] for skill in card["skills"]] == ["manager"]
    assert card["capabilities"]["streaming"] is True
    assert submitted.status.state == TaskState.TASK_STATE_SUBMITTED
    assert (org / "agents/human/outbox" / f"{submitted.id}.json").exists()
    assert submitted.context_id == submitted.id
    assert done.status.state == TaskState.TASK_STATE_COMPLETED
    answer = get_message_text(done.status.message)
    assert answer and get_artifact_text(done.artifacts[0]) == answer
    replies = [json.loads(path.read_text()) for path in sorted((org / "agents/manager/outbox").glob("*.json"))]
    [reply] = [entry for entry in replies if entry["recipients"] == ["human"]]
    assert reply["reply_to"] == submitted.id and reply["payload"]["text"] == answer


def test_a_streaming_client_sees_the_task_then_its_completion(lemming, org, serve):
    base = serve(expose(org, ["manager"]))

    async def main():
        client = await client_for(base, streaming=True)
        events = []
        async for event in client.send_message(ask("Please plan the login page")):
            events.append(event)
            if len(events) == 1:
                await asyncio.to_thread(step, lemming, org)
        return events

    events = asyncio.run(main())
    kinds = [event.WhichOneof("payload") for event in events]
    assert kinds[0] == "task" and events[0].task.status.state == TaskState.TASK_STATE_SUBMITTED
    assert kinds[-2:] == ["artifact_update", "status_update"], kinds
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert get_artifact_text(events[-2].artifact_update.artifact)


def test_a_canceled_task_stays_canceled(lemming, org, serve):
    base = serve(expose(org, ["manager"]))

    async def main():
        client = await client_for(base, streaming=False)
        [event] = [event async for event in client.send_message(ask("Please plan the login page"))]
        canceled = await client.cancel_task(CancelTaskRequest(id=event.task.id))
        await asyncio.to_thread(step, lemming, org)
        after = await client.get_task(GetTaskRequest(id=event.task.id))
        with pytest.raises(TaskNotCancelableError):
            await client.cancel_task(CancelTaskRequest(id=event.task.id))
        with pytest.raises(TaskNotFoundError):
            await client.get_task(GetTaskRequest(id="00000099-human-01"))
        return canceled, after

    canceled, after = asyncio.run(main())
    assert canceled.status.state == TaskState.TASK_STATE_CANCELED
    assert after.status.state == TaskState.TASK_STATE_CANCELED
    notices = [json.loads(path.read_text()) for path in (org / "agents/human/outbox").glob("*.json")]
    assert [notice["kind"] for notice in notices if notice["kind"] == "cancel"] == ["cancel"]


def rpc(base: str, body, **headers) -> httpx.Response:
    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return httpx.post(f"{base}/a2a", content=content, headers={"Content-Type": "application/json", **headers})


@pytest.mark.parametrize("body, code", [
    ("{not json", -32700),
    ([{"jsonrpc": "2.0", "id": 1, "method": "GetTask"}], -32600),
    ({"jsonrpc": "1.0", "id": 1, "method": "GetTask", "params": {"id": "x"}}, -32600),
    ({"jsonrpc": "2.0", "id": 1}, -32600),
    ({"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {}}, -32601),
    ({"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {}}, -32602),
    ({"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": {"role": "ROLE_USER"}}}, -32602),
    ({"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "00000001-human-01"}}, -32001),
    ({"jsonrpc": "2.0", "id": 1, "method": "ListTasks", "params": {}}, -32004),
])
def test_bad_requests_are_json_rpc_errors(org, serve, body, code):
    base = serve(expose(org, ["manager"]))
    answer = rpc(base, body)
    assert answer.status_code == 200
    assert answer.json()["error"]["code"] == code, answer.json()
    assert answer.json()["error"]["message"]
    old = rpc(base, {"jsonrpc": "2.0", "id": 2, "method": "GetTask", "params": {"id": "x"}}, **{"A2A-Version": "0.3"})
    assert old.json()["error"]["code"] == -32009


def test_an_org_that_exposes_nothing_refuses_messages(org, serve):
    base = serve(org)
    card = httpx.get(f"{base}/.well-known/agent-card.json").json()
    assert card["skills"] == []
    message = {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "hello"}]}
    answer = rpc(base, {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {"message": message}})
    assert answer.json()["error"]["code"] == -32004
    assert "a2a.expose" in answer.json()["error"]["message"]


def test_changes_need_the_api_key_when_one_is_set(org, serve):
    base = serve(expose(org, ["manager"]), env={"LEMMING_API_KEY": "k-123"})
    card = httpx.get(f"{base}/.well-known/agent-card.json").json()
    assert card["securityRequirements"] == [{"schemes": {"bearer": {"list": []}}}]
    message = {"messageId": "m", "role": "ROLE_USER", "parts": [{"text": "hello"}]}
    body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage",
            "params": {"message": message, "configuration": {"returnImmediately": True}}}
    assert rpc(base, body).status_code == 401
    sent = rpc(base, body, Authorization="Bearer k-123")
    assert sent.json()["result"]["task"]["status"]["state"] == "TASK_STATE_SUBMITTED"
