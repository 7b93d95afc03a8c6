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
STATE = {'change': '2026-10-30T20:40:05Z',
 'dcgm_pod': ['dcgm-exporter-lzrdk', '10.60.20.19'],
 'emb_pod': ['bge-m3-embeddings-sl4sgtn2lq-mhrg8', '10.60.20.14'],
 'node': 'gke-ml-prod-h100-pool-6a1d3e90-x4rw',
 'now': '2026-10-30T22:10:40Z',
 'pod': ['tgi-llama31-70b-gk2qhdg5r2-9r949', '6101b782-2e83-42a0-a5ed-7a8da0611d18', '10.60.20.9'],
 'run': 287,
 'runs': [1793392831,
          1793393128,
          1793393435,
          1793393762,
          1793394129,
          1793394576,
          1793395163,
          1793395750,
          1793396337,
          1793396924,
          1793397511,
          1793398098]}

NOW = E(STATE["now"])
CHANGE = E(STATE["change"])
runs = STATE["runs"]
RUN = STATE["run"]
rng = random.Random(97)
pod, uid, pip_ = STATE["pod"]
node = STATE["node"]

def running(t):
    return any(s <= t < s + RUN for s in runs)

k = OM(NOW)
KSM = {"instance": "10.60.4.19:8080", "job": "kube-state-metrics"}
rs = k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
k.series(rs, "kube_pod_container_status_restarts_total", dict(KSM, namespace="genai", pod=pod, uid=uid, container="tgi"),
         [max(0, sum(1 for s in runs if s <= t) - 1) for t in k.ts])
rdy = k.family("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded.")
k.series(rdy, "kube_pod_container_status_ready", dict(KSM, namespace="genai", pod=pod, uid=uid, container="tgi"), [0] * len(k.ts))
ltr = k.family("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the container was in terminated state.")
k.series(ltr, "kube_pod_container_status_last_terminated_reason", dict(KSM, namespace="genai", pod=pod, uid=uid, container="tgi", reason="Error"), [1] * len(k.ts))
lte = k.family("kube_pod_container_status_last_terminated_exitcode", "gauge", "Describes the exit code for the last container in terminated state.")
k.series(lte, "kube_pod_container_status_last_terminated_exitcode", dict(KSM, namespace="genai", pod=pod, uid=uid, container="tgi"), [143] * len(k.ts))
av = k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
k.gauge(av, dict(KSM, namespace="genai", deployment="tgi-llama31-70b"), lambda t: 0)
k.gauge(av, dict(KSM, namespace="genai", deployment="bge-m3-embeddings"), lambda t: 1)
k.write("kube-state-metrics.om")

# -------- DCGM: all GPUs healthy; GPUs 0-3 (allocated to TGI) never get weights loaded
g = OM(NOW)
dp, dip = STATE["dcgm_pod"]
util = g.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
fb = g.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
xid = g.family("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.")
for gi in range(8):
    lb = {"instance": dip + ":9400", "job": "dcgm-exporter", "gpu": str(gi), "UUID": "GPU-" + "%08x-7a1c-4e2b-9d3f-%012x" % (0x5a3c0000 + gi, 0x1c2d3e4f5a60 + gi),
          "device": "nvidia%d" % gi, "modelName": "NVIDIA H100 80GB HBM3", "Hostname": node, "DCGM_FI_DRIVER_VERSION": "570.172.08", "pci_bus_id": "00000000:%02X:00.0" % (0x04 + gi * 0x10)}
    if gi < 4:
        lb.update({"container": "tgi", "namespace": "genai", "pod": pod})
        g.gauge(util, lb, lambda t: 0)
        g.gauge(fb, lb, lambda t: 0 if not running(t) else rng.choice([0, 0, 1]))
    elif gi == 4:
        lb.update({"container": "vllm", "namespace": "genai", "pod": STATE["emb_pod"][0]})
        g.gauge(util, lb, lambda t: max(0, int(rng.gauss(9, 5))))
        g.gauge(fb, lb, lambda t: 40961 + rng.randint(-10, 10))
    else:
        g.gauge(util, lb, lambda t: 0)
        g.gauge(fb, lb, lambda t: 0)
    g.gauge(xid, lb, lambda t: 0)
g.write("dcgm-exporter.om")
print("metrics written")
