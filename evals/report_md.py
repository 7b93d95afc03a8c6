#!/usr/bin/env python3
"""Render a `ktriage eval --json` report as the Markdown tables of EVALS.md.

    ktriage eval evals/scenarios --json /tmp/report.json
    python3 evals/report_md.py /tmp/report.json [--build release] [--jobs 2]

--build and --jobs only label the timing line: say how the report was made.
"""
import argparse, json, statistics

ap = argparse.ArgumentParser(description="Render a ktriage eval --json report as Markdown")
ap.add_argument("report")
ap.add_argument("--build", default="debug", help="the build that ran the eval (label only)")
ap.add_argument("--jobs", type=int, default=2, help="the --jobs it ran with (label only)")
args = ap.parse_args()
r = json.load(open(args.report))
rows = r["rows"]
n = len(rows)
print(f"**{r['passed']} of {n} passed ({100 * r['passed'] / n:.0f} %)** — mode `{r['mode']}`, model {r['model']}.\n")
secs = [x["seconds"] for x in rows]
calls = [x["tool_calls"] for x in rows]
toks = [x["tool_tokens"] + x["prompt_tokens"] + x["completion_tokens"] for x in rows]
print(f"Per diagnosis (median over {n}): {statistics.median(calls):.0f} tool calls, "
      f"{statistics.median(toks):.0f} tokens of tool output read, {statistics.median(secs):.1f} s wall "
      f"({args.build} build, replay startup included, {args.jobs} scenario(s) at a time).\n")
print("| category | passed |\n|---|---|")
for cat, (p, t) in sorted(r["by_category"].items()):
    print(f"| `{cat}` | {p}/{t} |")
print("\n| tag | passed |\n|---|---|")
for tag, (p, t) in sorted(r["by_tag"].items()):
    print(f"| {tag} | {p}/{t} |")
print("\n| scenario | expected | got | pass | calls | tokens | s |\n|---|---|---|---|---|---|---|")
for x in rows:
    print(f"| {x['scenario']} | `{x['expected']}` | `{x['got']}` | {'yes' if x['score']['pass'] else '**no**'} | "
          f"{x['tool_calls']} | {x['tool_tokens'] + x['prompt_tokens'] + x['completion_tokens']} | {x['seconds']:.1f} |")
fails = [x for x in rows if not x["score"]["pass"]]
if fails:
    print("\nFailures, with the reason the scorer gave:\n")
    for x in fails:
        print(f"- `{x['scenario']}`: {x['reason']}")
