"""Drive ktriage's MCP server with the official Python SDK (PyPI `mcp`), a client this project
did not write. Usage:

    python_client.py stdio KTRIAGE_BINARY SNAPSHOT_DIR
    python_client.py http URL [TOKEN]

Initializes, lists tools and prompts, calls every tool with arguments that fit the bundled demo
snapshot, gets a prompt, checks a tool error and an unknown tool; the SDK validates every
structuredContent against the tool's outputSchema. Prints one JSON summary line; exits 1 on any
failed check.
"""

import asyncio
import json
import sys

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

CALLS = {
    "cluster_overview": {},
    "list_pods": {"namespace": "llm-serving"},
    "describe": {"kind": "Pod", "namespace": "llm-serving", "name": "vllm-llama-5d7b9c4f68-x7k2p"},
    "events": {"namespace": "llm-serving"},
    "pod_logs": {"namespace": "llm-serving", "pod": "vllm-llama-5d7b9c4f68-x7k2p", "previous": True, "tail": 40},
    "rollout_history": {"namespace": "llm-serving", "name": "vllm-llama"},
    "gateway_routes": {},
    "nodes": {},
    "workload_health": {"namespace": "llm-serving"},
}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


async def exercise(session):
    init = await session.initialize()
    summary = {"protocol": str(init.protocol_version), "server": init.server_info.name}
    tools = (await session.list_tools()).tools
    names = [t.name for t in tools]
    summary["tools"] = names
    check(set(CALLS) <= set(names), f"tools/list lacks {set(CALLS) - set(names)}")
    for t in tools:
        ann = t.annotations
        check(ann is not None and ann.read_only_hint is True, f"{t.name}: readOnlyHint not true")
        check(t.output_schema is not None, f"{t.name}: no outputSchema")
    calls = {}
    for name, args in CALLS.items():
        r = await session.call_tool(name, args)
        text = "".join(c.text for c in r.content if getattr(c, "type", "") == "text")
        ok = not r.is_error and bool(text) and r.structured_content is not None
        check(ok, f"{name}: error or empty answer: {text[:200]}")
        calls[name] = len(text)
    summary["calls"] = calls
    # The demo's crash loop must be visible through MCP exactly as through the CLI.
    r = await session.call_tool("pod_logs", CALLS["pod_logs"])
    text = "".join(c.text for c in r.content if getattr(c, "type", "") == "text")
    check("OutOfMemoryError" in text or "out of memory" in text, "pod_logs: the OOM is not visible")
    check("hf_" not in text.lower() or "[redacted" in text.lower(), "pod_logs: a token may have leaked")
    # A tool error is a result with isError and an actionable message, not a protocol error.
    r = await session.call_tool("list_pods", {"namespace": "no-such-namespace"})
    text = "".join(c.text for c in r.content if getattr(c, "type", "") == "text")
    check(r.is_error and "no-such-namespace" in text, f"unknown namespace: {text[:200]}")
    r = await session.call_tool("list_pods", {"namespace": 42})
    check(r.is_error, "wrong argument type was not a tool error")
    try:
        await session.call_tool("delete_pod", {})
        failures.append("unknown tool did not raise a protocol error")
    except Exception as e:  # noqa: BLE001 - any MCP error is the expected outcome
        summary["unknown_tool_error"] = str(e)[:120]
    prompts = (await session.list_prompts()).prompts
    summary["prompts"] = [p.name for p in prompts]
    check(len(prompts) >= 3, "fewer than 3 prompts")
    p = await session.get_prompt("gateway-5xx", {"status": "503", "namespace": "llm-serving"})
    check("503" in p.messages[0].content.text, "prompt argument not filled")
    return summary


async def main():
    mode = sys.argv[1]
    if mode == "stdio":
        params = StdioServerParameters(
            command=sys.argv[2], args=["mcp", "--snapshot", sys.argv[3]], env={"KTRIAGE_LOG": "warn"}
        )
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                summary = await exercise(session)
    elif mode == "http":
        headers = {"Authorization": f"Bearer {sys.argv[3]}"} if len(sys.argv) > 3 else {}
        async with httpx2.AsyncClient(headers=headers, timeout=30) as client:
            async with streamable_http_client(sys.argv[2], http_client=client) as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(read, write) as session:
                    summary = await exercise(session)
    else:
        raise SystemExit(f"unknown mode {mode}")
    summary["failures"] = failures
    print(json.dumps(summary))
    sys.exit(1 if failures else 0)


asyncio.run(main())
