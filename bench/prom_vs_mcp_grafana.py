#!/usr/bin/env python3
"""prom_query versus the raw Prometheus answer and versus mcp-grafana's query_prometheus, for
one PromQL over a 1-hour window of 200 series (issue #6's figure), with ground truth for the
change points.

    python3 bench/prom_vs_mcp_grafana.py [--runs 5]

It generates a snapshot (one namespace, 200 `bench_queue_depth` gauges sampled every 15 s for an
hour; five of them step up, drop or spike), serves it with `ktriage replay --grafana-listen`
(the real Debian prometheus on a promtool backfill, and the Grafana replay in front of it),
then asks the same query three ways:
  raw       GET /api/v1/query_range, step 15 s (the scrape interval)
  ktriage   `ktriage tool prom_query` (default: top 8, sudden changes first; and sort_by=max)
  peer      mcp-grafana 2.1.1 (PyPI) query_prometheus through the Grafana replay, step 15 s,
            driven by the Python MCP SDK
Tokens are chars/4 of what each returns to a model. "changes kept" counts the injected change
points (series and minute) found in the answer. Needs .ci/install-test-deps (mcp-grafana, the
Python MCP SDK) and prometheus/promtool.
"""
import argparse, json, os, random, re, shutil, statistics, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = 1795185000  # 2026-11-20T14:30:00Z
QUERY = 'bench_queue_depth{namespace="llm-serving"}'
# (pod index, kind, minute after the window start)
INJECTED = [(17, "up", 35), (42, "up", 50), (88, "drop", 20), (131, "drop", 44), (199, "spike", 28)]


def generate(d):
    os.makedirs(os.path.join(d, "cluster"))
    os.makedirs(os.path.join(d, "metrics"))
    os.makedirs(os.path.join(d, "grafana"))
    open(os.path.join(d, "scenario.yaml"), "w").write(
        'question: "bench"\nnow: "2026-11-20T14:30:00Z"\nexpect:\n  category: unknown\n')
    open(os.path.join(d, "cluster", "ns.yaml"), "w").write(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: llm-serving\n")
    rnd = random.Random(7)
    start = NOW - 3600
    lines = ["# TYPE bench_queue_depth gauge"]
    truth = []
    for i in range(200):
        inj = next((x for x in INJECTED if x[0] == i), None)
        base = 10 + rnd.random() * 6
        for k in range(241):
            t = start + 15 * k
            v = base + rnd.uniform(-1.0, 1.0)
            if inj:
                minute = inj[2]
                if inj[1] == "up" and k >= minute * 4:
                    v += 30
                if inj[1] == "drop" and k >= minute * 4:
                    v = 0
                if inj[1] == "spike" and minute * 4 <= k < minute * 4 + 8:
                    v += 40
            lines.append(f'bench_queue_depth{{namespace="llm-serving",pod="vllm-{i:03d}"}} {v:.3f} {t}')
        if inj:
            hh, mm = divmod(13 * 60 + 30 + inj[2], 60)
            truth.append((f"vllm-{i:03d}", f"{hh:02d}:{mm:02d}"))
    lines.append("# EOF")
    open(os.path.join(d, "metrics", "bench.om"), "w").write("\n".join(lines) + "\n")
    return truth


def as_lines(text):
    """Raw Prometheus JSON (also what mcp-grafana returns): one line per series, epoch seconds
    as HH:MM, so the same check reads every answer."""
    text = re.sub(r"\[(\d{10})(?:\.\d+)?,", lambda m: "[" + time.strftime("%H:%M", time.gmtime(int(m.group(1)))) + ",", text)
    return text.replace("},{", "}\n{")


def kept(text, truth):
    """Injected changes whose series and minute (±1) both appear on one line of the answer."""
    text = as_lines(text)
    n = 0
    for pod, hhmm in truth:
        hh, mm = map(int, hhmm.split(":"))
        near = {f"{hh:02d}:{m:02d}" for m in (mm - 1, mm, mm + 1)}
        for line in text.splitlines():
            if pod in line and any(h in line for h in near):
                n += 1
                break
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    peer = os.path.join(ROOT, "target/interop/mcp-grafana/mcp_grafana/bin/mcp-grafana")
    py = os.path.join(ROOT, "target/interop/venv/bin/python")
    for f in (peer, py):
        if not os.path.exists(f):
            sys.exit(f"{f} is missing: run .ci/install-test-deps")
    subprocess.run(["cargo", "build", "-q", "-p", "agent"], cwd=ROOT, check=True)
    kt = os.path.join(ROOT, "target/debug/ktriage")
    work = tempfile.mkdtemp(prefix="ktriage-200-")
    snap = os.path.join(work, "snap")
    truth = generate(snap)
    log = open(os.path.join(work, "replay.log"), "w+")
    replay = subprocess.Popen([kt, "replay", snap, "--grafana-listen", "127.0.0.1:0"], stderr=log,
                              stdout=subprocess.DEVNULL)
    try:
        prom = grafana = None
        for _ in range(300):
            log.seek(0)
            text = log.read()
            m1 = re.search(r"Prometheus at (http://\S+)", text)
            m2 = re.search(r"Grafana API at (http://\S+)", text)
            if m1 and m2:
                prom, grafana = m1.group(1), m2.group(1)
                break
            time.sleep(0.1)
        if not prom:
            sys.exit("the replay did not start:\n" + text)
        rows = {}
        def add(name, text, ms):
            r = rows.setdefault(name, {"tok": [], "ms": [], "kept": 0, "text": text})
            r["tok"].append(len(text) // 4)
            r["ms"].append(ms)
            r["kept"] = kept(text, truth)
        for _ in range(a.runs):
            t0 = time.time()
            body = urllib.request.urlopen(prom + "/api/v1/query_range?" + urllib.parse.urlencode(
                {"query": QUERY, "start": NOW - 3600, "end": NOW, "step": 15})).read().decode()
            add("raw Prometheus JSON", body, (time.time() - t0) * 1000)
            for label, extra in (("ktriage prom_query (default)", {}),
                                 ("ktriage prom_query sort_by=max", {"sort_by": "max"})):
                t0 = time.time()
                out = subprocess.run([kt, "tool", "prom_query", json.dumps({"query": QUERY, "minutes": 60, **extra}),
                                      "--snapshot", snap, "--prometheus-url", prom],
                                     capture_output=True, text=True, check=True).stdout
                add(label, out, (time.time() - t0) * 1000)
            t0 = time.time()
            res = subprocess.run([py, os.path.join(ROOT, "tools/tests/interop/mcp_grafana_peer.py"), peer, grafana,
                                  "none", QUERY, "2026-11-20T13:30:00Z", "2026-11-20T14:30:00Z", "15"],
                                 capture_output=True, text=True, check=True).stdout
            q = json.loads(res)["query_prometheus"]
            if q["error"]:
                sys.exit("mcp-grafana failed: " + q["text"])
            add("mcp-grafana query_prometheus", q["text"], (time.time() - t0) * 1000)
        raw = statistics.median(rows["raw Prometheus JSON"]["tok"])
        print(f"query {QUERY}; 200 series, 60 min; {a.runs} runs, medians; {os.cpu_count()} cores")
        print(f"{'answer':<36} {'tokens':>8} {'vs raw':>7} {'changes kept':>13} {'ms':>7}")
        for name, r in rows.items():
            tok = statistics.median(r["tok"])
            print(f"{name:<36} {tok:>8.0f} {tok / raw:>6.3f}x {r['kept']:>6}/{len(truth):<6} {statistics.median(r['ms']):>7.0f}")
        print("ms: raw is one HTTP GET; ktriage is the whole CLI (process start, snapshot load); the peer "
              "includes starting mcp-grafana and the Python SDK")
    finally:
        replay.terminate()
        replay.wait()
        shutil.rmtree(work, ignore_errors=True)


main()
