#!/usr/bin/env python3
"""How much smaller prom_query's answer is than the raw Prometheus answer, for the same PromQL
over the same window (issue #6). Uses the real Debian prometheus/promtool on a scenario's
metrics/*.om and the debug ktriage binary.

    python3 bench/prom_summary.py [--scenario DIR] [--runs 5]

Prints, per query (60 min at the 15 s scrape interval, as a raw panel would ask): series, raw JSON tokens (chars/4), prom_query text tokens, the ratio, and the
median wall time of both calls.
"""
import argparse, glob, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES = [
    "DCGM_FI_DEV_FB_USED",
    "sum by (pod) (rate(envoy_cluster_upstream_rq_total[5m]))",
    "vllm:num_requests_running",
    "kube_pod_container_status_restarts_total",
    '{__name__=~"DCGM_.*"}',
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default=os.path.join(ROOT, "evals/scenarios/vllm-oom-after-max-model-len-bump"))
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    for b in ("prometheus", "promtool"):
        if not shutil.which(b):
            sys.exit(f"{b} is not installed: apt-get install prometheus")
    subprocess.run(["cargo", "build", "-q", "-p", "agent"], cwd=ROOT, check=True)
    ktriage = os.path.join(ROOT, "target/debug/ktriage")
    work = tempfile.mkdtemp(prefix="ktriage-prom-bench-")
    data = os.path.join(work, "data")
    os.makedirs(data)
    for f in sorted(glob.glob(os.path.join(a.scenario, "metrics", "*.om"))):
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", f, data],
                       check=True, stdout=subprocess.DEVNULL)
    cfg = os.path.join(work, "prometheus.yml")
    open(cfg, "w").write("global:\n  scrape_interval: 15s\n")
    port = free_port()
    prom = subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                             f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=100y",
                             "--log.level=error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if urllib.request.urlopen(url + "/-/ready", timeout=1).status == 200:
                    break
            except Exception:
                time.sleep(0.1)
        now = None
        for line in open(os.path.join(a.scenario, "scenario.yaml")):
            if line.startswith("now:"):
                now = line.split('"')[1]
        end = time.mktime(time.strptime(now, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        start = end - 3600
        print(f"scenario {os.path.basename(a.scenario)}; window 60 min, step 15 s (the scrape interval); {a.runs} runs, medians")
        print(f"{'query':<58} {'series':>6} {'raw tok':>8} {'ktriage tok':>11} {'ratio':>6} {'raw ms':>7} {'kt ms':>6}")
        for q in QUERIES:
            raw_t, kt_t = [], []
            for _ in range(a.runs):
                t0 = time.time()
                body = urllib.request.urlopen(url + "/api/v1/query_range?" + urllib.parse.urlencode(
                    {"query": q, "start": start, "end": end, "step": 15})).read().decode()
                raw_t.append((time.time() - t0) * 1000)
                t0 = time.time()
                out = subprocess.run([ktriage, "tool", "prom_query", json.dumps({"query": q, "minutes": 60, "step_seconds": 15}),
                                      "--snapshot", a.scenario, "--prometheus-url", url],
                                     capture_output=True, text=True, check=True).stdout
                kt_t.append((time.time() - t0) * 1000)
            series = len(json.loads(body)["data"]["result"])
            raw_tok, kt_tok = len(body) // 4, len(out) // 4
            print(f"{q[:58]:<58} {series:>6} {raw_tok:>8} {kt_tok:>11} {kt_tok / max(raw_tok, 1):>6.3f} "
                  f"{statistics.median(raw_t):>7.1f} {statistics.median(kt_t):>6.0f}")
        print("ktriage ms is the whole CLI (process start, snapshot load, replay) — the query itself is a few ms of it")
    finally:
        prom.kill()
        prom.wait()
        shutil.rmtree(work, ignore_errors=True)


main()
