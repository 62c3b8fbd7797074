"""A minimal MCP server over stdio, on the standard library only, for the Swift tests of the
MCP client (the interop tests use the official SDK). Newline-delimited JSON-RPC 2.0.

Tools: echo {text}, slow {} (never answers), die {} (exits with status 3 mid-call),
huge {size} (a line of `size` bytes, unframed JSON), environment {}, fail {}.
Every start appends a line to the file named by the first argument, when one is given; with
`--silent` after it, the server reads and never answers.
"""

import json
import os
import sys

SILENT = "--silent" in sys.argv[2:]

if len(sys.argv) > 1:
    with open(sys.argv[1], "a") as starts:
        starts.write("started\n")

TOOLS = [
    {"name": "echo", "description": "Echo the text.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
    {"name": "slow", "description": "Never answers.", "inputSchema": {"type": "object"}},
    {"name": "die", "description": "Exits mid-call.", "inputSchema": {"type": "object"}},
    {"name": "huge", "description": "A long line.",
     "inputSchema": {"type": "object", "properties": {"size": {"type": "integer"}}}},
    {"name": "environment", "description": "Environment names.", "inputSchema": {"type": "object"}},
    {"name": "fail", "description": "Fails.", "inputSchema": {"type": "object"}},
    {"name": "bad name!", "description": "Left out: not a valid name.", "inputSchema": {"type": "object"}},
]


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def result(request_id, value):
    send({"jsonrpc": "2.0", "id": request_id, "result": value})


def text(value):
    return {"content": [{"type": "text", "text": value}]}


for line in sys.stdin:
    message = json.loads(line)
    if SILENT:
        continue
    method = message.get("method")
    request_id = message.get("id")
    if method == "initialize":
        result(request_id, {"protocolVersion": message["params"]["protocolVersion"],
                            "capabilities": {"tools": {}}, "serverInfo": {"name": "fake", "version": "1"}})
    elif method == "tools/list":
        result(request_id, {"tools": TOOLS})
    elif method == "tools/call":
        name = message["params"]["name"]
        arguments = message["params"].get("arguments") or {}
        if name == "echo":
            result(request_id, text(arguments["text"]))
        elif name == "slow":
            pass
        elif name == "die":
            sys.stderr.write("dying on purpose\n")
            sys.stderr.flush()
            os._exit(3)
        elif name == "huge":
            sys.stdout.write("x" * int(arguments.get("size", 0)))
            sys.stdout.flush()
        elif name == "environment":
            result(request_id, {"content": [], "structuredContent": {"names": sorted(os.environ)}})
        elif name == "fail":
            result(request_id, {"content": [{"type": "text", "text": "it broke"}], "isError": True})
        else:
            send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32602, "message": "Unknown tool: " + name}})
    elif request_id is not None and method is not None:
        send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "Method not found"}})
