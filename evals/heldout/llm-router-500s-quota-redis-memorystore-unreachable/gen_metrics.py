#!/usr/bin/env python3
"""Generates metrics/*.om for this scenario (run: python3 gen_metrics.py). Deterministic."""
import math
import os
import random

STEP = 15
HERE = os.path.dirname(os.path.abspath(__file__))


def fmt(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return "%d" % v
    return ("%.6f" % v).rstrip("0").rstrip(".") if abs(v) >= 1e-4 else "%.6e" % v


def lbl(d):
    return "{" + ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"')) for k, v in sorted(d.items())) + "}"


class OM:
    def __init__(self, now):
        self.now = now
        self.ts = [now - 3600 + i * STEP for i in range(3600 // STEP + 1)]
        self.fams = []

    def family(self, name, typ, help_, unit=None):
        f = {"name": name, "type": typ, "help": help_, "unit": unit, "lines": []}
        self.fams.append(f)
        return f

    def series(self, fam, sample_name, labels, values):
        """values: list aligned with self.ts (None = series absent at that point)"""
        for t, v in zip(self.ts, values):
            if v is None:
                continue
            fam["lines"].append("%s%s %s %d" % (sample_name, lbl(labels), fmt(v), t))

    def write(self, path):
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


def counter_from_rate(ts, rate_fn, start=0.0, integer=False, reset_at=None, rng=None):
    """cumulative counter; rate_fn(t) -> per-second rate. reset_at: list of t where counter restarts at 0."""
    out = []
    v = start
    prev = None
    for t in ts:
        if reset_at and any(prev is not None and prev < r <= t for r in reset_at):
            v = 0.0
        elif prev is not None:
            v += max(0.0, rate_fn(t)) * (t - prev)
        out.append(float(int(v)) if integer else round(v, 3))
        prev = t
    return out


def hist_series(om, fam, name, labels, ts, buckets, count_rate_fn, sampler, rng, start_count=0):
    """Emit a cumulative histogram; sampler(t, rng) returns one observation."""
    cum = [0] * len(buckets)
    total = start_count
    s = 0.0
    # seed with history so the histogram does not start at zero
    lines = []
    prev = None
    carry = 0.0
    for t in ts:
        n = 0
        if prev is None:
            n = start_count
        else:
            carry += count_rate_fn(t) * (t - prev)
            n = int(carry)
            carry -= n
        for _ in range(n):
            x = sampler(t, rng)
            s += x
            for i, b in enumerate(buckets):
                if x <= b:
                    cum[i] += 1
        total = total + n if prev is not None else n
        for i, b in enumerate(buckets):
            l = dict(labels)
            l["le"] = fmt(float(b)) if b != float("inf") else "+Inf"
            if l["le"] != "+Inf" and "." not in l["le"]:
                l["le"] += ".0"
            lines.append("%s_bucket%s %d %d" % (name, lbl(l), cum[i] if b != float("inf") else total, t))
        lines.append("%s_sum%s %s %d" % (name, lbl(labels), fmt(round(s, 3)), t))
        lines.append("%s_count%s %d %d" % (name, lbl(labels), total, t))
        prev = t
    fam["lines"].extend(lines)


def noisy(rng, base, rel=0.05):
    return base * (1 + rng.uniform(-rel, rel))


def E(s):
    import calendar
    import time
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


STATE = {
 "router_pods": [
  [
   "llm-router-j9gmrzd8c-dljtf",
   "10.96.0.41"
  ],
  [
   "llm-router-j9gmrzd8c-jk4td",
   "10.96.1.52"
  ],
  [
   "llm-router-j9gmrzd8c-lxkbj",
   "10.96.2.33"
  ]
 ],
 "down": 1795545663,
 "roll": 1795542920,
 "vllm_pods": [
  [
   "vllm-llama31-70b",
   "vllm-llama31-70b-qppzbbvd94-29gzg",
   "10.96.3.14"
  ],
  [
   "vllm-qwen-coder",
   "vllm-qwen-coder-pzhnmqzz6r-5qkqw",
   "10.96.4.22"
  ]
 ],
 "xpod": "redis-exporter-quota-ghstrllmdq-svsn7",
 "ingress_pods": [
  "ingress-nginx-controller-m2zml6vjl9-l2cbl",
  "ingress-nginx-controller-m2zml6vjl9-j6hpq"
 ],
 "extra_uids": []
}
STATE_UIDS = {
 "ingress-nginx-controller-m2zml6vjl9-j6hpq": "23c55348-3b7d-4c43-801b-87950cea41ad",
 "ingress-nginx-controller-m2zml6vjl9-l2cbl": "99149c43-4fc4-4162-9a6a-d438de5e92b3",
 "llm-router-j9gmrzd8c-dljtf": "8068877e-2f79-4b3b-8c0f-de191de59929",
 "llm-router-j9gmrzd8c-jk4td": "16ec26ad-fabf-4f7e-9aca-acc96d2796e3",
 "llm-router-j9gmrzd8c-lxkbj": "16ba2fe2-ddbf-4d0b-86b6-549edb848cbb",
 "redis-exporter-quota-ghstrllmdq-svsn7": "33886aff-9311-4b12-bc59-52cae38b5737",
 "vllm-llama31-70b-qppzbbvd94-29gzg": "32b3a09b-961f-4314-a84e-dbd588f2b725",
 "vllm-qwen-coder-pzhnmqzz6r-5qkqw": "55da08e9-53c1-48d9-97a0-158a20573b3e"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-24T19:18:00Z")
DOWN = STATE["down"]  # Memorystore unreachable from here on
ROLL = STATE["roll"]
om_r, om_x, om_i, om_v = OM(NOW), OM(NOW), OM(NOW), OM(NOW)
TS = om_r.ts
rng = random.Random(1124)
METERED = 0.67
RATE = 1.6  # requests/s per router pod

req = om_r.family("llm_router_http_requests", "counter", "HTTP requests handled, by status code.")
qerr = om_r.family("llm_router_quota_check_errors", "counter", "Quota backend errors, by reason.")
qok = om_r.family("llm_router_quota_checks", "counter", "Quota checks performed against the backend.")
pool = om_r.family("llm_router_redis_pool_total_conns", "gauge", "Open connections in the quota backend pool.")
for pi, (pod, ip) in enumerate(STATE["router_pods"]):
    base = {"instance": "%s:9090" % ip, "job": "llm-gateway/llm-router", "namespace": "llm-gateway", "pod": pod}
    started = ROLL + 2 + 20 * pi
    f200 = lambda t: RATE * ((1 - METERED) if t >= DOWN else 0.995)
    f500 = lambda t: RATE * METERED if t >= DOWN else RATE * 0.001
    f429 = lambda t: RATE * 0.004 if t < DOWN else 0.0
    for code, fn in (("200", f200), ("500", f500), ("429", f429)):
        om_r.series(req, "llm_router_http_requests_total", dict(base, code=code, route="/v1/chat/completions"),
                    [v if t >= started else None for v, t in zip(counter_from_rate(TS, lambda t: fn(t) * rng.uniform(0.8, 1.2), start=int(max(0, fn(TS[0]) * (TS[0] - started))), integer=True), TS)])
    om_r.series(qerr, "llm_router_quota_check_errors_total", dict(base, reason="dial_timeout"),
                [v if t >= started else None for v, t in zip(counter_from_rate(TS, lambda t: (RATE * METERED if t >= DOWN else 0) * rng.uniform(0.8, 1.2), start=0, integer=True), TS)])
    om_r.series(qok, "llm_router_quota_checks_total", dict(base, result="ok"),
                [v if t >= started else None for v, t in zip(counter_from_rate(TS, lambda t: (RATE * METERED if t < DOWN else 0) * rng.uniform(0.8, 1.2), start=int(RATE * METERED * (TS[0] - started)), integer=True), TS)])
    om_r.series(pool, "llm_router_redis_pool_total_conns", base, [(rng.randint(9, 16) if t < DOWN else 0) if t >= started else None for t in TS])
om_r.write(os.path.join(HERE, "metrics", "llm-router.om"))

xb = {"instance": "10.96.2.77:9121", "job": "redis-exporter-quota", "namespace": "monitoring", "pod": STATE["xpod"]}
up = om_x.family("redis_up", "gauge", "Information about the Redis instance")
err = om_x.family("redis_exporter_last_scrape_error", "gauge", "The last scrape error status.")
mem = om_x.family("redis_memory_used_bytes", "gauge", "memory_used_bytes metric")
mx = om_x.family("redis_memory_max_bytes", "gauge", "memory_max_bytes metric")
cc = om_x.family("redis_connected_clients", "gauge", "connected_clients metric")
cp = om_x.family("redis_commands_processed", "counter", "commands_processed_total metric")
om_x.series(up, "redis_up", xb, [1 if t < DOWN + 9 else 0 for t in TS])
om_x.series(err, "redis_exporter_last_scrape_error", dict(xb, err=""), [0 if t < DOWN + 9 else None for t in TS])
om_x.series(err, "redis_exporter_last_scrape_error", dict(xb, err="dial tcp 10.121.0.4:6378: i/o timeout"), [1 if t >= DOWN + 9 else None for t in TS])
om_x.series(mem, "redis_memory_used_bytes", xb, [int(412211200 + rng.randint(-2e6, 2e6)) if t < DOWN + 9 else None for t in TS])
om_x.series(mx, "redis_memory_max_bytes", xb, [4294967296 if t < DOWN + 9 else None for t in TS])
om_x.series(cc, "redis_connected_clients", xb, [rng.randint(38, 46) if t < DOWN + 9 else None for t in TS])
v = counter_from_rate(TS, lambda t: 3.3 * rng.uniform(0.8, 1.2), start=881203312, integer=True)
om_x.series(cp, "redis_commands_processed_total", xb, [x if t < DOWN + 9 else None for x, t in zip(v, TS)])
om_x.write(os.path.join(HERE, "metrics", "redis-exporter.om"))

ir = om_i.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
for k, ipod in enumerate(STATE["ingress_pods"]):
    common = {"canary": "", "controller_class": "k8s.io/ingress-nginx", "controller_namespace": "ingress-nginx", "controller_pod": ipod,
              "host": "api.llm.northwind.internal", "ingress": "llm-router", "instance": "10.96.%d.9:10254" % (0 if k == 0 else 2),
              "job": "ingress-nginx", "method": "POST", "namespace": "llm-gateway", "path": "/", "service": "llm-router"}
    for status, fn, start in (("200", lambda t: 2.4 * ((1 - METERED) if t >= DOWN else 0.995), 9120331 + 7 * k),
                              ("500", lambda t: 2.4 * METERED if t >= DOWN else 0.002, 1311 + k), ("429", lambda t: 0.01 if t < DOWN else 0.0, 40112 + k)):
        om_i.series(ir, "nginx_ingress_controller_requests", dict(common, status=status),
                    counter_from_rate(TS, lambda t: fn(t) * rng.uniform(0.8, 1.2), start=start, integer=True))
om_i.write(os.path.join(HERE, "metrics", "ingress-nginx.om"))

run = om_v.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
wai = om_v.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
kvu = om_v.family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.")
for name, pod, ip in STATE["vllm_pods"]:
    b = {"engine": "0", "instance": "%s:8000" % ip, "job": "inference/" + name, "model_name": name.replace("vllm-", ""), "namespace": "inference", "pod": pod}
    r = [rng.randint(3, 16) if t < DOWN else rng.randint(1, 8) for t in TS]
    om_v.series(run, "vllm:num_requests_running", b, r)
    om_v.series(wai, "vllm:num_requests_waiting", b, [0] * len(TS))
    om_v.series(kvu, "vllm:kv_cache_usage_perc", b, [round(x * rng.uniform(0.018, 0.03), 4) for x in r])
om_v.write(os.path.join(HERE, "metrics", "vllm.om"))
print("metrics written")
