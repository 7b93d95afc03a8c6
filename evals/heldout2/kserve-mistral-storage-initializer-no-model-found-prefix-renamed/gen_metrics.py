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
STATE = {'last_start': '2026-11-09T16:38:35Z',
 'new_pod': ['mistral-7b-support-predictor-bqmxwp7mm8-gntt5',
             '10.31.144.186',
             'baf4fff1-ad68-4810-b16e-3cde25a0e273',
             'ip-10-31-44-201.ec2.internal'],
 'node_up': '2026-11-09T15:51:50Z',
 'now': '2026-11-09T16:40:00Z',
 'old_pod': ['mistral-7b-support-predictor-55zqkqjp9x-k2ld8',
             '10.31.144.38',
             '3ebd2aaf-6416-4a69-ab8f-4d722b82d2da',
             'ip-10-31-44-37.ec2.internal'],
 'restarts': 13,
 'roll': '2026-11-09T15:48:30Z',
 'sched': '2026-11-09T15:52:05Z'}

NOW = E(STATE["now"])
ROLL = E(STATE["roll"])
SCHED = E(STATE["sched"])
NODE_UP = E(STATE["node_up"])
rng = random.Random(17)
old_pod, old_ip, old_uid, old_node = STATE["old_pod"]
new_pod, new_ip, new_uid, new_node = STATE["new_pod"]

# storage-initializer runs: first start after the image pull, then kubelet back-off 10s, 20s, ... capped at 5m
runs = [SCHED + 41]
back = 10
while True:
    nxt = runs[-1] + 3 + back
    if nxt > NOW:
        break
    runs.append(nxt)
    back = min(back * 2, 300)
assert len(runs) - 1 == STATE["restarts"], (len(runs), STATE["restarts"])

k = OM(NOW)
KSM = {"instance": "10.31.120.44:8080", "job": "kube-state-metrics"}
ir = k.family("kube_pod_init_container_status_restarts", "counter", "The number of restarts for the init container.")
k.series(ir, "kube_pod_init_container_status_restarts_total", dict(KSM, namespace="kserve-llm", pod=new_pod, uid=new_uid, container="storage-initializer"),
         [None if t < SCHED else max(0, sum(1 for r in runs if r <= t) - 1) for t in k.ts])
iw = k.family("kube_pod_init_container_status_waiting_reason", "gauge", "Describes the reason the init container is currently in waiting state.")
def in_backoff(t):
    return any(r + 3 <= t < r + 3 + (10 * 2 ** i if 10 * 2 ** i < 300 else 300) for i, r in enumerate(runs)) or t >= runs[-1] + 3
for reason in ("CrashLoopBackOff", "PodInitializing", "ContainerCreating", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError"):
    k.series(iw, "kube_pod_init_container_status_waiting_reason", dict(KSM, namespace="kserve-llm", pod=new_pod, uid=new_uid, container="storage-initializer", reason=reason),
             [None if t < SCHED else (1 if (reason == "CrashLoopBackOff" and in_backoff(t)) or (reason == "ContainerCreating" and t < runs[0]) else 0) for t in k.ts])
ph = k.family("kube_pod_status_phase", "gauge", "The pods current phase.")
for pod, uid, phase, since in ((new_pod, new_uid, "Pending", ROLL + 1), (old_pod, old_uid, "Running", 0)):
    for p in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
        k.series(ph, "kube_pod_status_phase", dict(KSM, namespace="kserve-llm", pod=pod, uid=uid, phase=p), [None if t < since else (1 if p == phase else 0) for t in k.ts])
du = k.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
k.gauge(du, dict(KSM, namespace="kserve-llm", deployment="mistral-7b-support-predictor"), lambda t: 1 if t >= ROLL + 1 else 0)
k.gauge(du, dict(KSM, namespace="kserve-llm", deployment="bge-reranker-predictor"), lambda t: 0)
dc = k.family("kube_deployment_status_condition", "gauge", "The current status conditions of a deployment.")
for cond in ("Available", "Progressing"):
    for st in ("true", "false", "unknown"):
        def f(t, cond=cond, st=st):
            if cond == "Available":
                return 1 if st == "true" else 0
            ok = t < ROLL + 600
            return 1 if (st == "true" and ok) or (st == "false" and not ok) else 0
        k.gauge(dc, dict(KSM, namespace="kserve-llm", deployment="mistral-7b-support-predictor", condition=cond, status=st), f)
nr = k.family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
for st in ("true", "false", "unknown"):
    k.series(nr, "kube_node_status_condition", dict(KSM, node=new_node, condition="Ready", status=st), [None if t < NODE_UP - 15 else (1 if (st == "true") == (t >= NODE_UP + 3) and st != "unknown" else 0) for t in k.ts])
k.write("kube-state-metrics.om")

# -------- DCGM exporter (one per GPU node)
g = OM(NOW)
util = g.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
fb = g.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
for node, ip, pod, busy, since in ((old_node, "10.31.144.52", old_pod, True, 0), (new_node, "10.31.144.203", None, False, NODE_UP + 40)):
    lb = {"instance": ip + ":9400", "job": "nvidia-dcgm-exporter", "gpu": "0", "UUID": "GPU-" + ("8d1f3a2c-5b6e-4f70-9a81-2c3d4e5f6a7b" if busy else "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"),
          "device": "nvidia0", "modelName": "NVIDIA L4", "Hostname": node, "DCGM_FI_DRIVER_VERSION": "570.148.08"}
    if pod:
        lb.update({"container": "kserve-container", "namespace": "kserve-llm", "pod": pod})
    g.series(util, "DCGM_FI_DEV_GPU_UTIL", lb, [None if t < since else (round(max(0, rng.gauss(34, 12))) if busy else 0) for t in g.ts])
    g.series(fb, "DCGM_FI_DEV_FB_USED", lb, [None if t < since else (21311 + rng.randint(-20, 20) if busy else 0) for t in g.ts])
g.write("dcgm-exporter.om")

# -------- old predictor (vLLM engine inside huggingfaceserver) still serving
v = OM(NOW)
base = {"instance": old_ip + ":8080", "job": "kserve-predictor", "namespace": "kserve-llm", "pod": old_pod, "model_name": "mistral-7b-support"}
v.gauge(v.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches."), base, lambda t: rng.randint(0, 6))
v.gauge(v.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed."), base, lambda t: 0)
v.counter(v.family("vllm:request_success", "counter", "Count of successfully processed requests."), dict(base, finished_reason="stop"), lambda t: wobble(t, 0.21, 0.25, 1400), start=771203)
v.write("predictor.om")
print("metrics written")
