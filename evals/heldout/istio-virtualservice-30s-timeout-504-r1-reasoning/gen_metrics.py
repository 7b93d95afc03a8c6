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
 "vllm_pods": [
  [
   "vllm-r1-distill-2bhbqlgwh-fjxr8",
   "10.52.3.14"
  ],
  [
   "vllm-r1-distill-2bhbqlgwh-zm54d",
   "10.52.4.22"
  ],
  [
   "vllm-r1-distill-2bhbqlgwh-xlgwf",
   "10.52.5.9"
  ]
 ],
 "gw_pods": [
  [
   "istio-ingressgateway-c74vfldtnl-29bdp",
   "10.52.0.17"
  ],
  [
   "istio-ingressgateway-c74vfldtnl-ph2h4",
   "10.52.2.31"
  ]
 ],
 "nreqs": 5242,
 "req0": [
  1793893350.07,
  15.584
 ],
 "change": 1793893930,
 "job_pod": "ft-qwen-lora-20261105-r9wcv",
 "extra_uids": []
}
STATE_UIDS = {
 "ft-qwen-lora-20261105-r9wcv": "e435f0a0-963f-46cf-a9df-e12428e2ba30",
 "istio-ingressgateway-c74vfldtnl-29bdp": "ab14a1aa-9573-4c5b-b0ec-632a0ccebd00",
 "istio-ingressgateway-c74vfldtnl-ph2h4": "c2b7fedb-a6f8-4547-abe4-665be88d13c7",
 "istiod-nlfq879qqg-bkfr5": "8b5f6dd0-0b7b-46a7-a938-4c52f304f23a",
 "playground-ui-qrlcc5ntml-dq546": "b960d550-302e-49c2-a512-58e376af2c53",
 "playground-ui-qrlcc5ntml-rglpd": "f587440c-2bbb-4f1a-a29e-032f355beaed",
 "vllm-r1-distill-2bhbqlgwh-fjxr8": "3854c77f-a4ef-41b6-8e27-4ba5d4a897f8",
 "vllm-r1-distill-2bhbqlgwh-xlgwf": "efe3c5ce-d98a-4460-a80a-253445d7b473",
 "vllm-r1-distill-2bhbqlgwh-zm54d": "04c9fe4b-6a77-41a2-a23c-c16a277f3836"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-05T16:47:30Z")
CHANGE = STATE["change"]  # VirtualService reasoning-api gets timeout: 30s
om_istio, om_vllm, om_ksm = OM(NOW), OM(NOW), OM(NOW)
TS = om_istio.ts

# same traffic model as the one that produced the logs
rng = random.Random(55)
UAS = ["python-httpx/0.28.1", "OpenAI/Python 1.109.1", "acme-docqa-batch/4.2.0", "playground-ui/3.8.2", "langchain-openai/0.3.33"]
reqs = []
t = NOW - 3600 - 300
while t < NOW:
    t += rng.expovariate(1.35)
    stream = rng.random() < 0.4
    ua = "playground-ui/3.8.2" if stream and rng.random() < 0.6 else rng.choice(UAS)
    gen = int(min(16000, rng.lognormvariate(7.6, 0.75)))
    ptoks = rng.randint(200, 6000)
    dur = 0.25 + ptoks / 9000.0 + gen / rng.uniform(62, 78)
    reqs.append((t, dur, stream, ua, ptoks, gen, rng.randrange(3), rng.randrange(2)))
assert len(reqs) == STATE["nreqs"]

# outcome per request
done = []  # (end, gw, pod, code, flags, dur_observed, natural_dur, gen, ptoks, finished_reason)
for (t0, dur, stream, ua, pt, gen, pi, gi) in reqs:
    cut = t0 >= CHANGE and dur > 30.0
    end = t0 + (30.0 if cut else dur)
    if cut:
        code, flags = ("200", "UT") if stream else ("504", "UT")
        done.append((end, gi, pi, code, flags, 30.0, dur, int(gen * 30.0 / dur), pt, "abort"))
    else:
        done.append((end, gi, pi, "200", "-", dur, dur, gen, pt, "stop" if gen < 16000 else "length"))

r2 = random.Random(7)
# ---------------- Istio (gateway proxies, reporter=source)
itot = om_istio.family("istio_requests", "counter", "Total requests.")
for gi, (gpod, gip) in enumerate(STATE["gw_pods"]):
    # the mesh's Telemetry resource trims the standard label set (no principals/canonical/cluster labels)
    base = {"destination_service": "vllm-r1-distill.reasoning.svc.cluster.local", "destination_service_name": "vllm-r1-distill",
            "destination_service_namespace": "reasoning", "destination_workload": "vllm-r1-distill",
            "destination_workload_namespace": "reasoning", "instance": "%s:15020" % gip,
            "job": "istio-gateways", "namespace": "istio-ingress", "pod": gpod, "reporter": "source",
            "request_protocol": "http", "source_workload": "istio-ingressgateway", "source_workload_namespace": "istio-ingress"}
    for code, flags, start in [("200", "-", 2841377 + 1311 * gi), ("504", "UT", 3 + gi), ("200", "UT", 0), ("503", "UF", 41 + gi)]:
        ends = sorted(d[0] for d in done if d[1] == gi and d[3] == code and d[4] == flags)
        if not ends and code != "503":
            continue
        vals, j = [], 0
        for ts in TS:
            while j < len(ends) and ends[j] <= ts:
                j += 1
            vals.append(start + j)
        lab = dict(base, response_code=code, response_flags=flags)
        om_istio.series(itot, "istio_requests_total", lab, vals)
om_istio.write(os.path.join(HERE, "metrics", "istio.om"))

# ---------------- vLLM
MODEL = "r1-distill-14b"
running = om_vllm.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
waiting = om_vllm.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
kv = om_vllm.family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.")
succ = om_vllm.family("vllm:request_success", "counter", "Count of successfully processed requests.")
gtok = om_vllm.family("vllm:generation_tokens", "counter", "Number of generation tokens processed.")
ptok = om_vllm.family("vllm:prompt_tokens", "counter", "Number of prefill tokens processed.")
e2e = om_vllm.family("vllm:e2e_request_latency_seconds", "histogram", "Histogram of e2e request latency in seconds.")
# metric_relabel_configs on this job keep only a subset of the histogram buckets (cardinality budget)
BUCKETS = [5.0, 10.0, 30.0, 60.0, 120.0, 240.0, float("inf")]
for pi, (vpod, vip) in enumerate(STATE["vllm_pods"]):
    base = {"engine": "0", "instance": "%s:8000" % vip, "job": "vllm", "model_name": MODEL,
            "namespace": "reasoning", "pod": vpod}
    mine = [d for d in done if d[2] == pi]
    starts = [(r[0], d) for r, d in zip(reqs, done) if r[6] == pi]
    run_vals, kv_vals = [], []
    for ts in TS:
        n = sum(1 for (s, d) in starts if s <= ts < d[0])
        run_vals.append(n)
        kv_vals.append(round(min(0.97, 0.012 * n + r2.uniform(0.0, 0.06)), 4))
    om_vllm.series(running, "vllm:num_requests_running", base, run_vals)
    om_vllm.series(waiting, "vllm:num_requests_waiting", base, [0] * len(TS))
    om_vllm.series(kv, "vllm:kv_cache_usage_perc", base, kv_vals)
    for reason, start in [("stop", 61234 + 977 * pi), ("abort", 188 + 5 * pi)]:
        ends = sorted(d[0] for d in mine if d[9] == reason)
        vals, j = [], 0
        for ts in TS:
            while j < len(ends) and ends[j] <= ts:
                j += 1
            vals.append(start + j)
        om_vllm.series(succ, "vllm:request_success_total", dict(base, finished_reason=reason), vals)
    for fam, sname, idx, start in [(gtok, "vllm:generation_tokens_total", 7, 188331207 + 4111 * pi)]:
        ev_ = sorted((d[0], d[idx]) for d in mine)
        vals, j, acc = [], 0, start
        for ts in TS:
            while j < len(ev_) and ev_[j][0] <= ts:
                acc += ev_[j][1]
                j += 1
            vals.append(acc)
        om_vllm.series(fam, sname, base, vals)
    # e2e histogram over completed (non-aborted) requests
    obs = sorted((d[0], d[5]) for d in mine if d[9] != "abort")
    seed_counts = [40, 197, 1790, 3977, 5611, 6240, 6301]
    cum = [c + 13 * pi for c in seed_counts]
    ssum = 402113.5 + 811 * pi
    j = 0
    lines = []
    for ts in TS:
        while j < len(obs) and obs[j][0] <= ts:
            x = obs[j][1]
            ssum += x
            for bi, b in enumerate(BUCKETS):
                if x <= b:
                    cum[bi] += 1
            j += 1
        for bi, b in enumerate(BUCKETS):
            le = "+Inf" if b == float("inf") else ("%.1f" % b)
            lines.append("vllm:e2e_request_latency_seconds_bucket%s %d %d" % (lbl(dict(base, le=le)), cum[bi], ts))
        lines.append("vllm:e2e_request_latency_seconds_sum%s %s %d" % (lbl(base), fmt(round(ssum, 3)), ts))
        lines.append("vllm:e2e_request_latency_seconds_count%s %d %d" % (lbl(base), cum[-1], ts))
    e2e["lines"].extend(lines)
om_vllm.write(os.path.join(HERE, "metrics", "vllm.om"))

# ---------------- kube-state-metrics
KSM = {"instance": "10.52.1.19:8080", "job": "kube-state-metrics"}
avail = om_ksm.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
spec_r = om_ksm.family("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.")
restarts = om_ksm.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
phase = om_ksm.family("kube_pod_status_phase", "gauge", "The pods current phase.")
for ns, dep, n in [("reasoning", "vllm-r1-distill", 3), ("istio-ingress", "istio-ingressgateway", 2), ("istio-system", "istiod", 1),
                   ("playground", "playground-ui", 2)]:
    lab = dict(KSM, namespace=ns, deployment=dep)
    om_ksm.series(avail, "kube_deployment_status_replicas_available", lab, [n] * len(TS))
    om_ksm.series(spec_r, "kube_deployment_spec_replicas", lab, [n] * len(TS))
for pi, (vpod, vip) in enumerate(STATE["vllm_pods"]):
    om_ksm.series(restarts, "kube_pod_container_status_restarts_total",
                  dict(KSM, namespace="reasoning", pod=vpod, container="vllm", uid=STATE_UIDS[vpod]), [1 if pi == 1 else 0] * len(TS))
jp = STATE["job_pod"]
for ph in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
    om_ksm.series(phase, "kube_pod_status_phase", dict(KSM, namespace="ml-train", pod=jp, phase=ph, uid=STATE_UIDS[jp]),
                  [(1 if ph == "Pending" else 0) if ts >= E("2026-11-05T16:20:15Z") else None for ts in TS])
om_ksm.write(os.path.join(HERE, "metrics", "kube-state-metrics.om"))
print("metrics written")
