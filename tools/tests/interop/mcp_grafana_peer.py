"""Drive the real `mcp-grafana` (PyPI `mcp-grafana`, a peer this project did not write) against
a Grafana API, with the official Python MCP SDK. Usage:

    mcp_grafana_peer.py MCP_GRAFANA_BINARY GRAFANA_URL UID [EXPR START END STEP]

Calls search_dashboards, get_dashboard_by_uid, get_dashboard_summary,
get_dashboard_panel_queries and list_datasources (the replay-fidelity check), and, when EXPR is
given, query_prometheus over [START, END] (RFC 3339) every STEP seconds. Prints one JSON line:
per tool, whether it errored, its text and the size of that text in characters; plus the size
of mcp-grafana's whole tools/list.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def text_of(result):
    return "".join(getattr(c, "text", "") for c in result.content)


async def main():
    binary, url, uid = sys.argv[1:4]
    env = {
        "GRAFANA_URL": url,
        "GRAFANA_USAGE_STATS": "disabled",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    params = StdioServerParameters(command=binary, args=[], env=env)
    out = {}
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w) as s:
            await s.initialize()
            tools = (await s.list_tools()).tools
            out["tools_list_chars"] = sum(
                len(json.dumps(t.model_dump(exclude_none=True, by_alias=True))) for t in tools
            )
            out["tools"] = len(tools)
            calls = [
                ("search_dashboards", {"query": ""}),
                ("get_dashboard_by_uid", {"uid": uid}),
                ("get_dashboard_summary", {"uid": uid}),
                ("get_dashboard_panel_queries", {"uid": uid}),
                ("list_datasources", {}),
            ]
            if len(sys.argv) > 4:
                expr, start, end, step = sys.argv[4:8]
                calls.append(
                    (
                        "query_prometheus",
                        {
                            "datasourceUid": "prometheus",
                            "expr": expr,
                            "startTime": start,
                            "endTime": end,
                            "stepSeconds": int(step),
                            "queryType": "range",
                        },
                    )
                )
            for name, args in calls:
                res = await s.call_tool(name, args)
                text = text_of(res)
                out[name] = {"error": bool(res.is_error), "chars": len(text), "text": text}
    print(json.dumps(out))


asyncio.run(main())
