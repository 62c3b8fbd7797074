"""An MCP server written with the official Python SDK (`MCPServer`, formerly FastMCP) for the
interop tests of LeMMing's MCP client (issue 14 §1): well-behaved tools and misbehaving ones.

    python tools_server.py                 # stdio
    python tools_server.py --http PORT     # streamable HTTP on 127.0.0.1:PORT/mcp
"""

import os
import sys

import anyio
from mcp.server.mcpserver import MCPServer

server = MCPServer("lemming-test-tools")


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
async def slow(seconds: float) -> str:
    """Answer after some seconds."""
    await anyio.sleep(seconds)
    return "done"


@server.tool()
def die() -> str:
    """Exit the server in the middle of the call."""
    sys.stderr.write("dying on purpose\n")
    sys.stderr.flush()
    os._exit(3)


@server.tool()
def huge(size: int) -> str:
    """Answer with `size` characters."""
    return "x" * size


@server.tool()
def fail(reason: str) -> str:
    """Fail with the reason."""
    raise ValueError(reason)


@server.tool()
def environment() -> list[str]:
    """The names of the server's environment variables."""
    return sorted(os.environ)


@server.tool()
def whereami() -> str:
    """The server's working folder."""
    return os.getcwd()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
