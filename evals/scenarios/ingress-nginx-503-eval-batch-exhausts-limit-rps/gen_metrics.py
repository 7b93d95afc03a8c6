#!/usr/bin/env python3
"""Regenerate metrics/*.om and the ingress-nginx controller log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  all hour   Ingress inference/llm-api carries nginx.ingress.kubernetes.io/limit-rps "5" with
             limit-burst-multiplier "3" (burst 15).  ingress-nginx keys the limit on the client
             address, and every corporate client (chat-assistant backend, sql-helper, notebooks)
             reaches the public LB through the same NAT egress 203.0.113.40, so they all share one
             bucket.  limit-req-status-code is not set in the controller ConfigMap -> 503.
  14:07:31Z  a data-science notebook starts lm-eval-harness (16 concurrent workers, short
             multiple-choice generations, retry after ~2 s on failure) against the same endpoint.
  from then  the shared bucket is empty most of the time: nginx rejects the excess with 503
             "Service Temporarily Unavailable" (190 bytes, no upstream) and logs
             'limiting requests, excess: ... by zone "inference_llm-api_rps"'.  Interactive
             users lose roughly half of their requests; the predictor pods stay healthy.
The limiter is simulated exactly as ngx_http_limit_req_module does (leaky bucket in ms, nodelay).
Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


T1 = int(epoch("2026-05-06T14:35:00Z"))   # scenario "now"
T0 = T1 - 3600
SIM0 = T0 - 120
BATCH = epoch("2026-05-06T14:07:31.4Z")
RATE, BURST = 5.0, 15                       # limit-rps, limit-rps * limit-burst-multiplier
NAT = "203.0.113.40"
CTRL_POD = "ingress-nginx-controller-6b8f7d9c5d-t2qzv"
CTRL_IP = "10.88.0.23"
UPSTREAM_NAME = "inference-llama31-8b-predictor-80"
PRED = {"llama31-8b-predictor-5c7d9b8f6d-9wxkq": "10.88.2.14", "llama31-8b-predictor-5c7d9b8f6d-kx2lm": "10.88.3.9"}
LOG_FROM = T1 - 7
CLIENTS = {  # name: (rps, user-agent, path, stream)
    "chat-assistant": (1.25, "OpenAI/Python 1.76.0", "/openai/v1/chat/completions", True),
    "sql-helper": (0.25, "OpenAI/Python 1.59.6", "/openai/v1/chat/completions", False),
    "notebooks": (0.05, "python-requests/2.32.3", "/openai/v1/models", False),
}
BATCH_UA = "lm-eval-harness/0.4.8 python-httpx/0.28.1"
WORKERS = 16


def simulate():
    rng = random.Random(20260506)
    events = []  # (t, kind, client, worker)
    for name, (rps, ua, path, stream) in CLIENTS.items():
        t = SIM0
        while t < T1:
            t += rng.expovariate(rps)
            events.append((t, name, -1))
    import heapq
    heapq.heapify(events)
    for w in range(WORKERS):
        heapq.heappush(events, (BATCH + w * 0.21 + rng.random() * 0.1, "lm-eval", w))
    excess, last = 0.0, None
    out = []
    while events:
        t, name, w = heapq.heappop(events)
        if t >= T1:
            continue
        # ngx_http_limit_req_lookup: excess in ms units, leaks RATE per second
        ms = t * 1000
        e = 0.0 if last is None else max(0.0, excess - RATE * (ms - last) + 1000)
        if last is None:
            e = 1000.0
        rejected = e > BURST * 1000
        if not rejected:
            excess, last = e, ms
        if name == "lm-eval":
            ua, path, stream = BATCH_UA, "/openai/v1/chat/completions", False
        else:
            _, ua, path, stream = CLIENTS[name]
        r = dict(start=t, client=name, ua=ua, path=path, stream=stream, sport=rng.randint(1025, 65000),
                 rid="".join(rng.choice("0123456789abcdef") for _ in range(32)), excess=e / 1000)
        if path.endswith("/models"):
            r.update(method="GET", rx=rng.randint(310, 360), prompt=0, gen=0)
        elif name == "lm-eval":
            r.update(method="POST", prompt=rng.randint(420, 1400), gen=rng.randint(1, 12))
            r["rx"] = 520 + r["prompt"] * 4
        else:
            r.update(method="POST", prompt=rng.randint(300, 2600), gen=rng.randint(40, 600))
            r["rx"] = 600 + r["prompt"] * 4
        if rejected:
            r.update(code=503, tx=190, dur=0.0, upstream=None)
        else:
            pod = rng.choice(list(PRED))
            r["pod"], r["upstream"] = pod, PRED[pod] + ":8080"
            if r["method"] == "GET":
                r["dur"] = rng.uniform(0.002, 0.006)
                r["tx"] = 412
            else:
                load = 1.35 if t >= BATCH else 1.0
                r["dur"] = (r["prompt"] / 5200 + r["gen"] * 0.021 * load + rng.uniform(0.03, 0.09))
                r["tx"] = r["gen"] * 168 + 150 if stream else 590 + r["gen"] * 4
            r["code"] = 200
        r["end"] = t + r["dur"]
        out.append(r)
        if name == "lm-eval":
            nxt = r["end"] + (2.0 + rng.random() * 0.4 if rejected else rng.uniform(0.005, 0.03))
            heapq.heappush(events, (nxt, "lm-eval", w))
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def nginx_time(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def controller_log():
    lines = []
    for r in REQS:
        te = r["end"]
        if not (LOG_FROM <= te < T1):
            continue
        req = f'{r["method"]} {r["path"]} HTTP/1.1'
        if r["code"] == 503:
            ex = f'{r["excess"]:.3f}'
            err = (f'{dt.datetime.fromtimestamp(te, dt.timezone.utc).strftime("%Y/%m/%d %H:%M:%S")} [error] '
                   f'{38 + r["sport"] % 4}#{38 + r["sport"] % 4}: *{int(te * 37) % 10000000} limiting requests, excess: {ex} by zone "inference_llm-api_rps", '
                   f'client: {NAT}, server: llm.acme-ml.com, request: "{req}", host: "llm.acme-ml.com"')
            lines.append((te, err))
            up = f'{r["rx"]} 0.000 [{UPSTREAM_NAME}] [] - - - - {r["rid"]}'
        else:
            up = (f'{r["rx"]} {r["dur"]:.3f} [{UPSTREAM_NAME}] [] {r["upstream"]} {r["tx"] - 150 if r["tx"] > 300 else r["tx"]} '
                  f'{max(0.001, r["dur"] - 0.001):.3f} 200 {r["rid"]}')
        acc = f'{NAT} - - [{nginx_time(te)}] "{req}" {r["code"]} {r["tx"]} "-" "{r["ua"]}" {up}'
        lines.append((te + 0.00004, acc))
    lines.sort()
    return "\n".join(f"{stamp(t)} {s}" for t, s in lines) + "\n"


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


def nginx_om():
    om = OM()
    base = dict(canary="", controller_class="k8s.io/ingress-nginx", controller_namespace="ingress-nginx",
                controller_pod=CTRL_POD, host="llm.acme-ml.com", ingress="llm-api", instance=f"{CTRL_IP}:10254",
                job="ingress-nginx-controller-metrics", method="POST", namespace="inference", path="/openai",
                service="llama31-8b-predictor")
    om.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
    for code, b0 in (("200", 1287114), ("503", 212)):
        pts = []
        for t in samples():
            pts.append((t, b0 + sum(1 for r in REQS if r["method"] == "POST" and str(r["code"]) == code and r["end"] <= t)))
        om.series("nginx_ingress_controller_requests_total", dict(base, status=code), pts)
    return om.text()


def vllm_om():
    om = OM()
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    for pod, ip in PRED.items():
        b = dict(instance=f"{ip}:8080", job="kserve-llama31-8b", model_name="llama31-8b", namespace="inference", pod=pod)
        om.series("vllm:num_requests_running", b,
                  [(t, float(sum(1 for r in REQS if r.get("pod") == pod and r["start"] <= t < r["end"]))) for t in samples()])
    return om.text()


def main():
    files = {"metrics/ingress-nginx.om": nginx_om(), "metrics/vllm.om": vllm_om(),
             f"logs/ingress-nginx/{CTRL_POD}/controller.log": controller_log()}
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
