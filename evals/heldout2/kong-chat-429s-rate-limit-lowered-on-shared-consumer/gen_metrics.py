#!/usr/bin/env python3
"""Writes metrics/*.om for this scenario: OpenMetrics text, one sample every 15 s for the hour
before `now`, labels as the scrape attached them. Deterministic and self-contained:
`python3 gen_metrics.py` rewrites metrics/."""
import calendar
import math
import os
import random
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def E(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def fmt(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if float(v).is_integer() and abs(v) < 1e15:
        return "%d" % v
    if abs(v) >= 1e-4:
        return ("%.6f" % v).rstrip("0").rstrip(".")
    return "%.6e" % v


def lbl(d):
    if not d:
        return ""
    return "{" + ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"'))
                          for k, v in sorted(d.items())) + "}"


class OM:
    """One exposition file. Families keep insertion order; each family's samples stay together."""

    def __init__(self, now):
        self.now = now
        self.ts = [now - 3600 + i * STEP for i in range(3600 // STEP + 1)]
        self.fams = []

    def family(self, name, typ, help_, unit=None):
        f = {"name": name, "type": typ, "help": help_, "unit": unit, "lines": []}
        self.fams.append(f)
        return f

    def series(self, fam, sample, labels, values):
        """values aligned with self.ts; None means the series is absent at that instant."""
        for t, v in zip(self.ts, values):
            if v is not None:
                fam["lines"].append("%s%s %s %d" % (sample, lbl(labels), fmt(v), t))

    def gauge(self, fam, labels, fn):
        self.series(fam, fam["name"], labels, [fn(t) for t in self.ts])

    def counter(self, fam, labels, rate_fn, start=0.0, integer=True, resets=(), sample=None):
        """cumulative counter from a per-second rate; resets: instants where the process restarted."""
        out, v, prev = [], float(start), None
        for t in self.ts:
            if prev is not None:
                if any(prev < r <= t for r in resets):
                    v = 0.0
                else:
                    v += max(0.0, rate_fn(t)) * (t - prev)
            out.append(float(math.floor(v)) if integer else round(v, 3))
            prev = t
        self.series(fam, sample or fam["name"] + "_total", labels, out)
        return out

    def histogram(self, fam, labels, buckets, rate_fn, sampler, rng, start_count=0):
        """cumulative histogram; sampler(t, rng) draws one observation (seconds)."""
        cum = [0] * len(buckets)
        total, s, carry, prev = 0, 0.0, 0.0, None
        lines = []
        for t in self.ts:
            if prev is None:
                # history before the window: draw a sample and scale it up
                k = min(start_count, 20000)
                scale = start_count / float(k) if k else 0.0
                part = [0] * len(buckets)
                for _ in range(k):
                    x = sampler(t, rng)
                    s += x * scale
                    for i, b in enumerate(buckets):
                        if x <= b:
                            part[i] += 1
                cum = [int(round(c * scale)) for c in part]
                total = start_count
                n = 0
            else:
                carry += max(0.0, rate_fn(t)) * (t - prev)
                n = int(carry)
                carry -= n
            for _ in range(n):
                x = sampler(t, rng)
                s += x
                for i, b in enumerate(buckets):
                    if x <= b:
                        cum[i] += 1
            total += n
            for i, b in enumerate(buckets):
                le = "+Inf" if b == float("inf") else (("%g" % b) if "." in ("%g" % b) or "e" in ("%g" % b) else "%g.0" % b)
                lines.append("%s_bucket%s %d %d" % (fam["name"], lbl(dict(labels, le=le)),
                                                    total if b == float("inf") else cum[i], t))
            lines.append("%s_sum%s %s %d" % (fam["name"], lbl(labels), fmt(round(s, 3)), t))
            lines.append("%s_count%s %d %d" % (fam["name"], lbl(labels), total, t))
            prev = t
        fam["lines"].extend(lines)

    def write(self, name):
        path = os.path.join(HERE, "metrics", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            for fam in self.fams:
                if not fam["lines"]:
                    continue
                f.write("# HELP %s %s\n" % (fam["name"], fam["help"]))
                f.write("# TYPE %s %s\n" % (fam["name"], fam["type"]))
                if fam["unit"]:
                    f.write("# UNIT %s %s\n" % (fam["name"], fam["unit"]))
                f.write("\n".join(fam["lines"]) + "\n")
            f.write("# EOF\n")


def ramp(t, t0, t1, a, b):
    """linear from a at t0 to b at t1, flat outside"""
    if t <= t0:
        return a
    if t >= t1:
        return b
    return a + (b - a) * (t - t0) / (t1 - t0)


def wobble(t, base, rel, period=900.0, phase=0.0):
    """smooth deterministic variation: base * (1 +- rel)"""
    return base * (1 + rel * math.sin(2 * math.pi * (t / period) + phase))


# ---------------------------------------------------------------- scenario-specific part
STATE = {'change': '2026-12-03T09:31:05Z',
 'fe_pods': [['chat-frontend-drp8gk4qmq-mr8lk', '3b6c8cb6-30f0-455b-b0e4-3c4705531507'],
             ['chat-frontend-drp8gk4qmq-gl494', 'b3766bea-f6ef-4c63-aff9-d94a2e7ffab0']],
 'job_start': '2026-12-03T09:42:00Z',
 'kong_pods': [['kong-gateway-6gb9fwzhrm-z5ptb', '10.244.3.41'],
               ['kong-gateway-6gb9fwzhrm-4wvz8', '10.244.4.37']],
 'now': '2026-12-03T10:20:00Z',
 'vllm_pods': [['vllm-llama31-8b-n5lkkjcmtk-52ch4', '10.244.5.17', '6a44ad40-9845-41e5-8c4e-447ada883197'],
               ['vllm-llama31-8b-n5lkkjcmtk-c5wvg', '10.244.6.12', '1f7fdb5f-a2ca-4bf8-9d33-d63c8a44bef7']]}

NOW = E(STATE["now"])
CHANGE = E(STATE["change"])
rng = random.Random(11)

# -------- Kong prometheus plugin (per_consumer enabled), scraped from each gateway pod's status port
kong = OM(NOW)
req = kong.family("kong_http_requests", "counter", "HTTP status codes per consumer/service/route in Kong")
SVC = "llm-api.vllm-llama31-8b.pnum-8000"
ROUTE = "llm-api.llm-chat.vllm-llama31-8b.api.inference.northwind.dev.8000"
for i, (pod, ip) in enumerate(STATE["kong_pods"]):
    base = {"instance": ip + ":8100", "job": "kong-gateway", "namespace": "kong", "pod": pod,
            "service": SVC, "route": ROUTE, "workspace": "default"}
    ph = 0.7 * i
    # chat-frontend: ~8 req/s per gateway pod; after the change at most 300/min pass, retries add demand
    kong.counter(req, dict(base, code="200", source="service", consumer="chat-frontend"),
                 lambda t: 5.0 if t >= CHANGE else wobble(t, 8.0, 0.06, 1200, ph), start=18734211 + 1711 * i)
    kong.counter(req, dict(base, code="429", source="kong", consumer="chat-frontend"),
                 lambda t: wobble(t, 3.6, 0.08, 700, ph) if t >= CHANGE else 0.0, start=0)
    kong.counter(req, dict(base, code="200", source="service", consumer="partner-fabrikam"),
                 lambda t: wobble(t, 0.6, 0.2, 1500, ph), start=1203345 + 311 * i)
    kong.counter(req, dict(base, code="200", source="service", consumer="eval-harness"),
                 lambda t: 0.09 if t >= E(STATE["job_start"]) + 10 else 0.0, start=40211 + 17 * i)
    kong.counter(req, dict(base, code="401", source="kong", consumer=""),
                 lambda t: 0.03, start=9122 + 51 * i)
    kong.counter(req, dict(base, code="500", source="service", consumer="chat-frontend"),
                 lambda t: 0.0005, start=311 + 7 * i)
th = kong.family("kong_upstream_target_health", "gauge", "Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.")
for i, (pod, ip) in enumerate(STATE["kong_pods"]):
    for vp, vip, _ in STATE["vllm_pods"]:
        for state in ("healthchecks_off", "healthy", "unhealthy", "dns_error"):
            kong.gauge(th, {"instance": ip + ":8100", "job": "kong-gateway", "namespace": "kong", "pod": pod,
                            "upstream": "vllm-llama31-8b.llm-api.8000.svc", "target": vip + ":8000", "address": vip + ":8000",
                            "state": state, "subsystem": "http"}, lambda t, s=state: 1 if s == "healthchecks_off" else 0)
kong.write("kong.om")

# -------- vLLM
v = OM(NOW)
run = v.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
wait = v.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
kv = v.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
ok = v.family("vllm:request_success", "counter", "Count of successfully processed requests.")
e2e = v.family("vllm:e2e_request_latency_seconds", "histogram", "Histogram of e2e request latency in seconds.")
for j, (pod, ip, uid) in enumerate(STATE["vllm_pods"]):
    base = {"instance": ip + ":8000", "job": "vllm", "namespace": "llm-api", "pod": pod, "model_name": "llama-3.1-8b", "engine": "0"}
    ph = 1.3 * j
    v.gauge(run, base, lambda t: round(max(0, (3.4 if t >= CHANGE else 7.1) + rng.uniform(-2, 2))))
    v.gauge(wait, base, lambda t: 0)
    v.gauge(kv, base, lambda t: round(max(0.01, (0.085 if t >= CHANGE else 0.18) + rng.uniform(-0.03, 0.03)), 4))
    v.counter(ok, dict(base, finished_reason="stop"), lambda t: (5.7 if t >= CHANGE else 8.6) * 0.96, start=31220871 + 9000 * j)
    v.counter(ok, dict(base, finished_reason="length"), lambda t: (5.7 if t >= CHANGE else 8.6) * 0.04, start=1300211 + 800 * j)
    v.histogram(e2e, base, [0.5, 1.0, 2.5, 5.0, 10.0, float("inf")],
                lambda t: 5.7 if t >= CHANGE else 8.6,
                lambda t, r: r.lognormvariate(-0.15 if t >= CHANGE else 0.0, 0.6), rng, start_count=32000000 + 9000 * j)
v.write("vllm.om")

# -------- kube-state-metrics
k = OM(NOW)
KSM = {"instance": "10.244.4.60:8080", "job": "kube-state-metrics"}
av = k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
for ns, dep, n in (("kong", "kong-gateway", 2), ("kong", "kong-controller", 1), ("llm-api", "vllm-llama31-8b", 2),
                   ("chat", "chat-frontend", 2), ("chat", "chat-ui", 2), ("kube-system", "coredns", 2)):
    k.gauge(av, dict(KSM, namespace=ns, deployment=dep), lambda t, n=n: n)
hc = k.family("kube_horizontalpodautoscaler_status_current_replicas", "gauge", "Current number of replicas of pods managed by this autoscaler.")
hm = k.family("kube_horizontalpodautoscaler_spec_max_replicas", "gauge", "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.")
hn = k.family("kube_horizontalpodautoscaler_spec_min_replicas", "gauge", "Lower limit for the number of pods that can be set by the autoscaler, default 1.")
hl = {"namespace": "llm-api", "horizontalpodautoscaler": "vllm-llama31-8b"}
k.gauge(hc, dict(KSM, **hl), lambda t: 2)
k.gauge(hm, dict(KSM, **hl), lambda t: 2)
k.gauge(hn, dict(KSM, **hl), lambda t: 2)
rs = k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
for pod, ip, uid in STATE["vllm_pods"]:
    k.series(rs, "kube_pod_container_status_restarts_total", dict(KSM, namespace="llm-api", pod=pod, container="vllm", uid=uid), [0] * len(k.ts))
for pod, uid in STATE["fe_pods"]:
    k.series(rs, "kube_pod_container_status_restarts_total", dict(KSM, namespace="chat", pod=pod, container="chat-frontend", uid=uid), [0] * len(k.ts))
k.write("kube-state-metrics.om")
print("metrics written")
