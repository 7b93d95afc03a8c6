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
STATE = {'change': '2026-11-27T10:42:18Z',
 'envoy_pods': [['envoy-gateway-infra-ai-gateway-5f1c0d2e-h6gtv9lcml-5x4kz', '10.52.11.21'],
                ['envoy-gateway-infra-ai-gateway-5f1c0d2e-h6gtv9lcml-p2j8m', '10.52.12.17']],
 'kc_pods': [['keycloak-0', '10.52.13.50', 'f69851a1-06d4-42cb-a6b0-8686aa4b4b3a', '2026-11-27T10:40:10Z'],
             ['keycloak-1', '10.52.11.51', '8c7a63a9-ab4d-4e14-a020-a929a7eeaa44', '2026-11-27T10:37:40Z']],
 'kc_restart': '2026-11-27T10:37:40Z',
 'now': '2026-11-27T11:05:00Z',
 'vllm_pods': [['granite-8b-45tp8kph2f-mk9k2', '10.52.31.7', 'a59b93b0-d48b-453f-8810-0b88ed5ee96e'],
               ['granite-8b-45tp8kph2f-9nbwc', '10.52.32.5', 'a882d14d-9809-4e91-8925-789179e748e5']]}

NOW = E(STATE["now"])
CHANGE = E(STATE["change"])
KCR = E(STATE["kc_restart"])
rng = random.Random(5)

# -------- Envoy proxy stats (/stats/prometheus on :19001), one scrape target per envoy pod
e = OM(NOW)
dx = e.family("envoy_http_downstream_rq_xx", "counter", "")
ja = e.family("envoy_http_jwt_authn_allowed", "counter", "")
jd = e.family("envoy_http_jwt_authn_denied", "counter", "")
jfs = e.family("envoy_http_jwt_authn_jwks_fetch_success", "counter", "")
jff = e.family("envoy_http_jwt_authn_jwks_fetch_failed", "counter", "")
cu = e.family("envoy_cluster_upstream_rq", "counter", "")
ch = e.family("envoy_cluster_membership_healthy", "gauge", "")
UI = 0.83   # chat-ui req/s per envoy pod
REP = 0.07  # report-summarizer req/s per envoy pod
for i, (pod, ip) in enumerate(STATE["envoy_pods"]):
    base = {"instance": ip + ":19001", "job": "envoy-gateway-proxy", "namespace": "envoy-gateway-system", "pod": pod}
    hcm = dict(base, envoy_http_conn_manager_prefix="https-443")
    ph = i * 0.9
    ui = lambda t: wobble(t, UI, 0.1, 1300, ph)
    e.counter(dx, dict(hcm, envoy_response_code_class="2"), lambda t: (REP if t >= CHANGE else ui(t) + REP) + 0.02, start=4410233 + 2011 * i, sample="envoy_http_downstream_rq_xx")
    e.counter(dx, dict(hcm, envoy_response_code_class="4"), lambda t: (ui(t) * 1.4 if t >= CHANGE else 0.004), start=2211 + 13 * i, sample="envoy_http_downstream_rq_xx")
    e.counter(dx, dict(hcm, envoy_response_code_class="5"), lambda t: 0.0003, start=118 + 3 * i, sample="envoy_http_downstream_rq_xx")
    e.counter(ja, hcm, lambda t: REP if t >= CHANGE else ui(t) + REP, start=4380117 + 1999 * i, sample="envoy_http_jwt_authn_allowed")
    e.counter(jd, hcm, lambda t: ui(t) * 1.4 if t >= CHANGE else 0.001, start=391 + 5 * i, sample="envoy_http_jwt_authn_denied")
    # JWKS is re-fetched every 5 minutes (cache duration) and on start; all succeed, including during the Keycloak restart
    e.counter(jfs, hcm, lambda t: 1.0 / 300, start=3167 + i, sample="envoy_http_jwt_authn_jwks_fetch_success")
    e.counter(jff, hcm, lambda t: 0.0, start=0, sample="envoy_http_jwt_authn_jwks_fetch_failed")
    cl = dict(base, envoy_cluster_name="httproute/assistant/assistant-api/rule/0")
    e.counter(cu, cl, lambda t: REP if t >= CHANGE else ui(t) + REP, start=4380001 + 1987 * i, sample="envoy_cluster_upstream_rq_total")
    e.gauge(ch, cl, lambda t: 2)
    cl2 = dict(base, envoy_cluster_name="httproute/assistant/chat-ui/rule/0")
    e.counter(cu, cl2, lambda t: wobble(t, 2.2, 0.15, 900, ph), start=9182231 + 4001 * i, sample="envoy_cluster_upstream_rq_total")
    e.gauge(ch, cl2, lambda t: 2)
e.write("envoy.om")

# -------- vLLM granite-8b
v = OM(NOW)
run = v.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
wait = v.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
kv = v.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
ok = v.family("vllm:request_success", "counter", "Count of successfully processed requests.")
for j, (pod, ip, uid) in enumerate(STATE["vllm_pods"]):
    base = {"instance": ip + ":8000", "job": "vllm", "namespace": "assistant", "pod": pod, "model_name": "granite-8b"}
    v.gauge(run, base, lambda t: (rng.choice([0, 0, 0, 1]) if t >= CHANGE else rng.randint(3, 9)))
    v.gauge(wait, base, lambda t: 0)
    v.gauge(kv, base, lambda t: round(rng.uniform(0.0, 0.02) if t >= CHANGE else rng.uniform(0.08, 0.21), 4))
    v.counter(ok, dict(base, finished_reason="stop"), lambda t: REP if t >= CHANGE else UI + REP, start=2210332 + 1311 * j)
v.write("vllm.om")

# -------- keycloak (management :9000 /metrics) and kube-state-metrics
k = OM(NOW)
KSM = {"instance": "10.52.13.12:8080", "job": "kube-state-metrics"}
rdy = k.family("kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.")
for pod, ip, uid, started in STATE["kc_pods"]:
    st = E(started)
    prev_ready_until = st - 4 if pod == "keycloak-1" else st - 4
    for cond in ("true", "false", "unknown"):
        def f(t, cond=cond, st=st):
            if t < st:
                return None
            ready = t >= st + 48
            return 1 if (cond == "true") == ready and cond != "unknown" else 0
        k.series(rdy, "kube_pod_status_ready", dict(KSM, namespace="identity", pod=pod, uid=uid, condition=cond), [f(t) for t in k.ts])
sr = k.family("kube_statefulset_status_replicas_ready", "gauge", "The number of ready replicas per StatefulSet.")
k0 = E(STATE["kc_pods"][0][3]); k1 = E(STATE["kc_pods"][1][3])
k.gauge(sr, dict(KSM, namespace="identity", statefulset="keycloak"),
        lambda t: 2 - (1 if KCR - 4 <= t < k1 + 48 else 0) - (1 if KCR + 146 <= t < k0 + 48 else 0))
av = k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
for ns, dep, n in (("assistant", "granite-8b", 2), ("assistant", "chat-ui", 2), ("reports", "report-summarizer", 1),
                   ("envoy-gateway-system", "envoy-gateway", 1), ("envoy-gateway-system", STATE["envoy_pods"][0][0].rsplit("-", 2)[0], 2)):
    k.gauge(av, dict(KSM, namespace=ns, deployment=dep), lambda t, n=n: n)
k.write("kube-state-metrics.om")
print("metrics written")
