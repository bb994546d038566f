"""A small MCP server on the official Python SDK, for cchost's transport tests.

Usage: py_server.py stdio | sse PORT | streamable-http PORT
Tools: echo(text), add(a, b), slow(ms) — `slow` sleeps, for timeout and cancellation tests.
"""

import asyncio
import sys

from mcp.server import MCPServer

server = MCPServer("cchost-py-test", version="1.0.0")


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return f"Echo: {text}"


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
async def slow(ms: int) -> str:
    """Sleep for `ms` milliseconds, then answer."""
    await asyncio.sleep(ms / 1000)
    return f"slept {ms} ms"


@server.resource("note://hello")
def hello() -> str:
    """A fixed note."""
    return "hello from python"


@server.prompt()
def greet(name: str) -> str:
    """A greeting prompt."""
    return f"Say hello to {name}."


if __name__ == "__main__":
    transport = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run(transport, host="127.0.0.1", port=int(sys.argv[2]))
