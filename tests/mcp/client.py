"""A real MCP client (the official Python SDK) driving `lore mcp` over stdio.

Usage: python client.py LORE_BIN STORE_DIR [SERVER_ARG...]
Prints one JSON object with what each call returned; exits non-zero on any failure.
"""
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def field(value, *names):
    """The first of `names` that `value` has (the SDK renamed camelCase fields to snake_case)."""
    for name in names:
        if hasattr(value, name):
            return getattr(value, name)
    raise AttributeError(f"{type(value).__name__} has none of {names}")


async def main(lore: str, store: str, extra: list) -> dict:
    params = StdioServerParameters(command=lore, args=["mcp", "--store", store, *extra])
    out = {}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            info = await session.initialize()
            out["server"] = field(info, "server_info", "serverInfo").name
            tools = await session.list_tools()
            out["tools"] = sorted(tool.name for tool in tools.tools)
            context = await session.call_tool(
                "get_context",
                {
                    "path": "work.py",
                    "content": "import tinyframe as tfm\nframe = tfm.Frame()\n# keep ties in their original order\nframe.sort_values('a')\n",
                    "limit": 3,
                },
            )
            out["context"] = json.loads(context.content[0].text)
            search = await session.call_tool("search_memory", {"query": "stable sort keeps ties in order", "limit": 3})
            out["search"] = json.loads(search.content[0].text)
            explain = await session.call_tool("explain_lesson", {"id": "python-bare-except"})
            out["explain"] = explain.content[0].text
            missing = await session.call_tool("explain_lesson", {"id": "no-such-lesson"})
            out["missing_is_error"] = bool(field(missing, "is_error", "isError"))
            recorded = await session.call_tool(
                "record_experience",
                {
                    "problem": "merge two frames on a key",
                    "attempt": "df.append(other)",
                    "what_failed": "AttributeError: DataFrame has no attribute append",
                    "fix": "pd.concat([df, other])",
                    "libraries": ["pandas"],
                },
            )
            out["recorded"] = recorded.content[0].text
            out["recorded_is_error"] = bool(field(recorded, "is_error", "isError"))
            resources = await session.list_resources()
            out["resources"] = len(resources.resources)
            lesson = await session.read_resource("lore://lessons/python-bare-except")
            out["resource_text"] = lesson.contents[0].text
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))))
