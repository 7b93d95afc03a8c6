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
STATE = {'crash0': 1796698939,
 'dcgm': [['nvidia-dcgm-exporter-fxrnn', 'gpu-h100-03', '192.168.13.13'],
          ['nvidia-dcgm-exporter-769gc', 'gpu-h100-05', '192.168.15.13']],
 'job_pod': 'nightly-regression-29419080-ccbhd',
 'now': '2026-12-08T03:40:00Z',
 'pa': ['vllm-qwen25-72b-btrz5drvjg-r27p8', 'bc86fcf6-3908-4934-9aed-2416fce81a20', '192.168.13.19'],
 'pb': ['vllm-qwen25-72b-btrz5drvjg-btxc5', 'adf35d6f-bf59-4cfd-ac19-9ded39525edb', '192.168.15.19'],
 'run': 24,
 'runs': [1796698949,
          1796698993,
          1796699057,
          1796699161,
          1796699345,
          1796699669,
          1796699993,
          1796700317,
          1796700641,
          1796700965],
 'uuids': ['GPU-47151b11-5d48-a4a6-eb6a-45e76f3367c0',
           'GPU-92530400-28dc-928c-52b3-38f9044e8969',
           'GPU-ee4e1eff-1792-c820-d3a8-92dd83a6f257',
           'GPU-8f2f03f4-bfe9-6f01-2c4d-0a9f033d5773',
           'GPU-d2b7020e-d689-6286-00b4-70e2b15cb774',
           'GPU-f9848d5e-adba-d15d-69a6-b1d8a08cb921',
           'GPU-d538a3b4-f31e-4bd3-e99f-ccf2886f710a',
           'GPU-c1ccf3d4-c87d-3d2b-52e7-2d936dfa13c2'],
 'xid': '2026-12-08T03:02:17Z'}

NOW = E(STATE["now"])
XID = E(STATE["xid"])
CRASH0 = STATE["crash0"]
runs = STATE["runs"]
RUN = STATE["run"]
rng = random.Random(113)
pa, pa_uid, pa_ip = STATE["pa"]
pb, pb_uid, pb_ip = STATE["pb"]

def b_running(t):
    return t < CRASH0 or any(s <= t < s + RUN for s in runs)

# -------- DCGM exporters
g = OM(NOW)
xid = g.family("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.")
util = g.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
fb = g.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
for pod, node, ip in STATE["dcgm"]:
    five = node.endswith("05")
    for gi in range(8):
        uuid = STATE["uuids"][gi] if five else "GPU-%08x-5d1e-4c2a-8b7f-%012x" % (0x3c1a0000 + gi, 0xa1b2c3d4e5f0 + gi)
        lb = {"instance": ip + ":9400", "job": "nvidia-dcgm-exporter", "gpu": str(gi), "UUID": uuid, "device": "nvidia%d" % gi,
              "modelName": "NVIDIA H100 80GB HBM3", "Hostname": node, "DCGM_FI_DRIVER_VERSION": "570.172.08", "pci_bus_id": "00000000:%02X:00.0" % (0x18 + gi * 0x10)}
        if gi < 4:
            lb.update({"container": "vllm", "namespace": "llm-serving", "pod": pb if five else pa})
        elif five and gi < 6:
            lb.update({"container": "eval", "namespace": "batch-eval", "pod": STATE["job_pod"]})
        lost = five and gi == 2
        g.gauge(xid, lb, lambda t, lost=lost: 79 if (lost and t >= XID) else 0)
        def u(t, gi=gi, five=five, lost=lost):
            if lost and t >= XID + 5:
                return None
            if gi < 4:
                if five:
                    return max(0, int(rng.gauss(62, 15))) if t < XID else 0
                return min(100, max(0, int(rng.gauss(64 if t < XID else 93, 10))))
            if five and gi < 6:
                return max(0, int(rng.gauss(81, 9)))
            return 0
        g.series(util, "DCGM_FI_DEV_GPU_UTIL", lb, [u(t) for t in g.ts])
        if gi < 6 and (gi < 4 or five):
            def m(t, gi=gi, five=five, lost=lost):
                if lost and t >= XID + 5:
                    return None
                if gi < 4:
                    if five:
                        return 75021 + rng.randint(-5, 5) if b_running(t) and t < CRASH0 else (0 if not b_running(t) else rng.choice([0, 411]))
                    return 75021 + rng.randint(-5, 5)
                return 38811 + rng.randint(-100, 100)
            g.series(fb, "DCGM_FI_DEV_FB_USED", lb, [m(t) for t in g.ts])
g.write("dcgm-exporter.om")

# -------- kube-state-metrics
k = OM(NOW)
KSM = {"instance": "192.168.21.14:8080", "job": "kube-state-metrics"}
na = k.family("kube_node_status_allocatable", "gauge", "The allocatable for different resources of a node that are available for scheduling.")
nc = k.family("kube_node_status_capacity", "gauge", "The capacity for different resources of a node.")
for node in ("gpu-h100-03", "gpu-h100-05"):
    lb = dict(KSM, node=node, resource="nvidia_com_gpu", unit="integer")
    k.gauge(nc, lb, lambda t: 8)
    k.gauge(na, lb, lambda t, node=node: 7 if (node.endswith("05") and t >= XID + 1) else 8)
rs = k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
k.series(rs, "kube_pod_container_status_restarts_total", dict(KSM, namespace="llm-serving", pod=pb, uid=pb_uid, container="vllm"), [sum(1 for s in runs if s <= t) for t in k.ts])
k.series(rs, "kube_pod_container_status_restarts_total", dict(KSM, namespace="llm-serving", pod=pa, uid=pa_uid, container="vllm"), [0] * len(k.ts))
wr = k.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
k.series(wr, "kube_pod_container_status_waiting_reason", dict(KSM, namespace="llm-serving", pod=pb, uid=pb_uid, container="vllm", reason="CrashLoopBackOff"),
         [0 if b_running(t) else 1 for t in k.ts])
av = k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
k.gauge(av, dict(KSM, namespace="llm-serving", deployment="vllm-qwen25-72b"), lambda t: 2 if t < CRASH0 else 1)
k.write("kube-state-metrics.om")

# -------- vLLM
v = OM(NOW)
run = v.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
wait = v.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
kv = v.family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.")
ok = v.family("vllm:request_success", "counter", "Count of successfully processed requests.")
for pod, ip, survivor in ((pa, pa_ip, True), (pb, pb_ip, False)):
    lb = {"instance": ip + ":8000", "job": "vllm", "namespace": "llm-serving", "pod": pod, "model_name": "qwen2.5-72b", "engine": "0"}
    alive = (lambda t: True) if survivor else (lambda t: t < CRASH0)
    v.series(run, "vllm:num_requests_running", lb, [(rng.randint(18, 40) if t < XID else rng.randint(44, 64)) if alive(t) else None for t in v.ts])
    v.series(wait, "vllm:num_requests_waiting", lb, [(0 if t < XID or not survivor else int(min(120, (t - XID) / 20) + rng.randint(0, 12))) if alive(t) else None for t in v.ts])
    v.series(kv, "vllm:kv_cache_usage_perc", lb, [round(rng.uniform(0.35, 0.6) if t < XID else rng.uniform(0.78, 0.96), 4) if alive(t) else None for t in v.ts])
    vals = v.counter(ok, dict(lb, finished_reason="stop"), lambda t, s=survivor: (1.6 if t < XID else (2.1 if s else 0.0)), start=5120331 if survivor else 5098213)
# drop the crashed replica's counter samples after it died (series disappears on the dead target)
fam = ok
keep = []
for line in fam["lines"]:
    if ('pod="%s"' % pb) in line and int(line.rsplit(" ", 1)[1]) >= CRASH0:
        continue
    keep.append(line)
fam["lines"] = keep
v.write("vllm.om")
print("metrics written")
