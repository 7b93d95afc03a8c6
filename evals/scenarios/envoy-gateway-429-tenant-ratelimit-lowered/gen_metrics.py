#!/usr/bin/env python3
"""Regenerate metrics/*.om and the Envoy access log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  10:19:38Z  Argo CD syncs BackendTrafficPolicy genai/chat-api-limits to generation 4:
             the per-tenant global limit (clientSelector header x-tenant-id, type Distinct)
             goes from 300 to 30 requests per Minute.
  10:19:39Z  Envoy Gateway pushes the new rate-limit descriptors to envoy-ratelimit.
  from then  every tenant gets a fixed one-minute window of 30 requests; support-copilot sends
             ~42 rpm plus SDK retries, so the tail of every minute is answered 429 with
             response_flags RL (response_code_details request_rate_limited) by Envoy, without
             reaching vLLM.  docs-search (~18 rpm) occasionally crosses 30 because of its own retries.
Samples every 15 s from now-3600 to now inclusive.  Envoy counters are exposed without _total,
so those families are typed "unknown" (as the example scenario does).
"""
import datetime as dt
import json
import os
import random
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def iso(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


T1 = epoch("2026-03-17T10:42:00Z")   # scenario "now"
T0 = T1 - 3600
SIM0 = T0 - 300                      # start simulating a bit earlier so in-flight state is warm
CHANGE = epoch("2026-03-17T10:19:39")
OLD_LIMIT, NEW_LIMIT = 300, 30

ENVOY_POD = "envoy-envoy-gateway-system-ai-gateway-5a0e4c1d-7d9b6c5f84-qkx7t"
ENVOY_IP = "10.42.11.37"
CLUSTER = "httproute/genai/qwen-chat/rule/0"
ROUTE = "httproute/genai/qwen-chat/rule/0/match/0/llm_genai_acme-internal_net"
AUTHORITY = "llm.genai.acme-internal.net"
VLLM = {  # pod -> ip
    "qwen-vllm-6c9d8f7b5-4tqzn": "10.42.13.88",
    "qwen-vllm-6c9d8f7b5-m8v2k": "10.42.29.140",
}
TENANTS = {
    # name: (rpm, sources, user-agent, stream, max_retries)
    "support-copilot": (42, ["10.42.11.143", "10.42.27.88"], "OpenAI/Python 1.82.0", False, 2),
    "docs-search": (18, ["10.61.4.22", "10.61.5.17"], "OpenAI/Python 1.78.1", False, 2),
    "sales-assist": (7, ["10.63.2.40"], "OpenAI/JS 4.103.0", True, 2),
    "eng-codereview": (4, ["10.62.9.15"], "python-httpx/0.28.1", False, 0),
}
LOG_FROM = T1 - 28  # the access log kept here covers the last minute (the container log is rotated often)


def simulate():
    rng = random.Random(20260317)
    arrivals = []
    for name, (rpm, srcs, ua, stream, retries) in TENANTS.items():
        t = float(SIM0)
        while True:
            # a little diurnal growth through the hour
            t += rng.expovariate(rpm * (1 + 0.15 * (t - T0) / 3600) / 60)
            if t >= T1:
                break
            arrivals.append((t, name, 0, ""))
    arrivals.sort()
    import heapq
    heap = list(arrivals)
    heapq.heapify(heap)
    window = {}
    out = []
    while heap:
        t, name, attempt, src = heapq.heappop(heap)
        if t >= T1:
            continue
        rpm, srcs, ua, stream, retries = TENANTS[name]
        key = (name, int(t // 60))
        window[key] = window.get(key, 0) + 1
        limit = NEW_LIMIT if t >= CHANGE else OLD_LIMIT
        r = dict(start=t, tenant=name, attempt=attempt, ua=ua, stream=stream,
                 src=src or rng.choice(srcs), sport=rng.randint(32768, 60999),
                 rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                 prompt=rng.randint(350, 3200), gen=rng.randint(60, 520))
        r["rx"] = 380 + r["prompt"] * 4
        if window[key] > limit:
            r.update(code=429, flags="RL", details="request_rate_limited", tx=0, upstream=None,
                     dur_ms=rng.randint(1, 4))
            if attempt < retries:
                backoff = min(0.5 * 2 ** attempt, 8.0) * (1 - 0.25 * rng.random())
                heapq.heappush(heap, (t + r["dur_ms"] / 1000 + backoff, name, attempt + 1, r["src"]))
        else:
            pod = rng.choice(list(VLLM))
            r["pod"] = pod
            r["upstream"] = VLLM[pod] + ":8000"
            r["uport"] = rng.randint(33000, 60999)
            r["dur_ms"] = int(r["prompt"] / 2.6 + r["gen"] * 38 + rng.randint(40, 220))
            r.update(code=200, flags="-", details="via_upstream")
            r["tx"] = r["gen"] * 190 + 160 if stream else 700 + r["gen"] * 4
            r["ust"] = str(int(r["prompt"] / 2.6) + 35) if stream else str(r["dur_ms"] - 2)
        r["end"] = r["start"] + r["dur_ms"] / 1000
        out.append(r)
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def envoy_log():
    lines = []
    for r in REQS:
        if r["end"] < LOG_FROM or r["end"] >= T1:
            continue
        ms = int(r["start"] * 1000) % 1000
        rec = {
            "start_time": iso(r["start"])[:-1] + f".{ms:03d}Z", "method": "POST",
            "x-envoy-origin-path": "/v1/chat/completions", "protocol": "HTTP/1.1",
            "response_code": str(r["code"]), "response_flags": r["flags"],
            "response_code_details": r["details"], "connection_termination_details": "-",
            "upstream_transport_failure_reason": "-", "bytes_received": str(r["rx"]),
            "bytes_sent": str(r["tx"]), "duration": str(r["dur_ms"]),
            "x-envoy-upstream-service-time": r.get("ust", "-"), "x-forwarded-for": r["src"],
            "user-agent": r["ua"], "x-request-id": r["rid"], ":authority": AUTHORITY,
            "upstream_host": r["upstream"] or "-", "upstream_cluster": CLUSTER,
            "upstream_local_address": f"{ENVOY_IP}:{r['uport']}" if r["upstream"] else "-",
            "downstream_local_address": f"{ENVOY_IP}:10443",
            "downstream_remote_address": f"{r['src']}:{r['sport']}",
            "requested_server_name": AUTHORITY, "route_name": ROUTE,
        }
        logged = r["end"] + 0.000377 + (r["sport"] % 89) / 1e6
        lines.append((logged, json.dumps(rec, separators=(",", ":"))))
    lines.sort()
    out = []
    for t, s in lines:
        frac = f"{t - int(t):.9f}"[2:]
        out.append(f"{iso(t)[:-1]}.{frac}Z {s}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- OpenMetrics
def samples():
    return range(T0, T1 + 1, STEP)


def lbl(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


class OM:
    def __init__(self):
        self.out = []

    def family(self, name, typ, help_=None):
        if help_:
            self.out.append(f"# HELP {name} {help_}")
        self.out.append(f"# TYPE {name} {typ}")

    def series(self, sample_name, labels, pts):
        for t, v in pts:
            if isinstance(v, float):
                v = f"{v:.6g}" if abs(v) < 1 else f"{v:.3f}".rstrip("0").rstrip(".")
            self.out.append(f"{sample_name}{lbl(labels)} {v} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def count(pred, when, base):
    return [(t, base + sum(1 for r in REQS if pred(r) and r[when] <= t)) for t in samples()]


def gateway_om():
    om = OM()
    base = dict(instance=f"{ENVOY_IP}:19001", job="envoy-proxy", namespace="envoy-gateway-system", pod=ENVOY_POD)
    hcm = dict(base, envoy_http_conn_manager_prefix="https-10443")
    om.family("envoy_http_downstream_rq_xx", "unknown")
    om.series("envoy_http_downstream_rq_xx", dict(hcm, envoy_response_code_class="2"),
              count(lambda r: r["code"] == 200, "end", 611873))
    om.series("envoy_http_downstream_rq_xx", dict(hcm, envoy_response_code_class="4"),
              count(lambda r: r["code"] == 429, "end", 1942))
    cl = dict(base, envoy_cluster_name=CLUSTER)
    om.family("envoy_cluster_ratelimit_over_limit", "unknown")
    om.series("envoy_cluster_ratelimit_over_limit", cl, count(lambda r: r["code"] == 429, "start", 0))
    return om.text()


def vllm_om():
    om = OM()
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    for pod, ip in VLLM.items():
        b = dict(engine="0", instance=f"{ip}:8000", job="qwen-vllm", model_name="qwen2.5-32b-instruct",
                 namespace="genai", pod=pod)
        om.series("vllm:num_requests_running", b,
                  [(t, float(sum(1 for r in REQS if r.get("pod") == pod and r["start"] <= t < r["end"])))
                   for t in samples()])
    return om.text()


def main():
    files = {
        "metrics/envoy.om": gateway_om(),
        "metrics/vllm.om": vllm_om(),
        f"logs/envoy-gateway-system/{ENVOY_POD}/envoy.log": envoy_log(),
    }
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
