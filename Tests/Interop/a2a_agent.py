"""A small A2A v1.0 agent made with the official `a2a-sdk` server (issue 14 §3): the remote agent of
an org's `a2a.<name>` tool in the interop tests.

    python a2a_agent.py MODE RECORD

Serves on 127.0.0.1 on a free port and prints `serving http://127.0.0.1:PORT` once listening.
MODE `answer` completes each task with the artifact "Remote answer to: <text>"; MODE `poll` does the
same with a card that does not offer streaming; MODE `hang` keeps each task working until it is
canceled. Every request's path and whether it carried the expected
`Authorization` header, and every cancel, are appended to RECORD as JSON lines.
"""

import asyncio
import json
import socket
import sys

import uvicorn
from starlette.applications import Starlette

from a2a.helpers.proto_helpers import new_task_from_user_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill

EXPECTED_AUTHORIZATION = "Bearer remote-secret"


def record(path: str, line: dict) -> None:
    with open(path, "a") as file:
        file.write(json.dumps(line) + "\n")


class Executor(AgentExecutor):
    def __init__(self, mode: str, record_path: str):
        self.mode = mode
        self.record_path = record_path

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task = context.current_task or new_task_from_user_message(context.message)
        if context.current_task is None:
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        await updater.start_work()
        if self.mode == "hang":
            await asyncio.sleep(3600)
        await updater.add_artifact([new_text_part(f"Remote answer to: {context.get_user_input()}")], name="answer")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        record(self.record_path, {"cancel": context.task_id})
        updater = TaskUpdater(event_queue, context.task_id, context.context_id)
        await updater.cancel()


class Recorder:
    """ASGI middleware: records each HTTP request's path and whether it was authorised."""

    def __init__(self, app, record_path: str):
        self.app = app
        self.record_path = record_path

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            authorised = headers.get(b"authorization", b"").decode() == EXPECTED_AUTHORIZATION
            record(self.record_path, {"path": scope["path"], "authorized": authorised})
        await self.app(scope, receive, send)


def main() -> None:
    mode, record_path = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    card = AgentCard(
        name="remote", description="A remote agent of the interop tests", version="1.0.0",
        supported_interfaces=[AgentInterface(url=f"http://127.0.0.1:{port}/rpc", protocol_binding="JSONRPC",
                                             protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=mode != "poll"),
        default_input_modes=["text/plain"], default_output_modes=["text/plain"],
        skills=[AgentSkill(id="answer", name="Answer", description="Answers questions", tags=["test"])])
    handler = DefaultRequestHandler(
        agent_executor=Executor("answer" if mode == "poll" else mode, record_path), task_store=InMemoryTaskStore(),
        agent_card=card)
    app = Starlette(routes=create_agent_card_routes(card) + create_jsonrpc_routes(handler, "/rpc"))
    config = uvicorn.Config(Recorder(app, record_path), log_level="warning")
    server = uvicorn.Server(config)
    print(f"serving http://127.0.0.1:{port}", flush=True)
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()
