#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (must stay consistent with cluster/*.yaml and logs/): at 09:24:40Z
Deployment docs-ai/tgi-mistral was rolled from revision 4 to revision 5
(MAX_INPUT_TOKENS 7168 -> 30720, MAX_TOTAL_TOKENS 8192 -> 32768,
MAX_BATCH_PREFILL_TOKENS 8192 -> 32768).  With maxSurge 0 / maxUnavailable 1
the revision-4 pod on GPU B was deleted; the revision-5 pod landed there, loads
Mistral-7B (~14 GB) and dies in TGI's warmup with a CUDA OOM on the 32768-token
prefill, 8 runs so far.  The revision-4 pod on GPU A keeps serving alone.
Samples every 15 s for the hour ending at now (2026-03-12T09:47:00Z).
TGI counters are exposed without _total, so that family is typed "unknown".
"""
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def lbl(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


def fmt(v):
    if isinstance(v, float):
        if v != v:
            return "NaN"
        s = f"{v:.6g}" if abs(v) < 1 else f"{v:.4f}".rstrip("0").rstrip(".")
        return s if s not in ("-0",) else "0"
    return str(v)


class OM:
    """OpenMetrics writer: one # TYPE per family, families not interleaved,
    samples of a series in increasing time order, counters end in _total, # EOF last."""

    def __init__(self):
        self.out = []

    def family(self, name, typ, help_=None, unit=None):
        if help_:
            self.out.append(f"# HELP {name} {help_}")
        self.out.append(f"# TYPE {name} {typ}")

    def series(self, sample_name, labels, pts):
        for t, v in pts:
            if v is None:
                continue
            self.out.append(f"{sample_name}{lbl(labels)} {fmt(v)} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def write_files(files):
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes")


T0 = epoch("2026-03-12T08:47:00Z")
T1 = epoch("2026-03-12T09:47:00Z")  # scenario "now"
NS = "docs-ai"
ROLL = epoch("2026-03-12T09:24:40Z")          # revision 5 applied, old pod on GPU B deleted
OLD_B_GONE = epoch("2026-03-12T09:24:47Z")    # old pod on GPU B released its GPU
OLD_A = "tgi-mistral-7c9f5d8b6d-q8zrn"         # revision 4, survives on GPU A
OLD_B = "tgi-mistral-7c9f5d8b6d-7mxtd"         # revision 4, deleted by the rollout
NEW = "tgi-mistral-5b8d4f9c77-w2xkq"           # revision 5, crash-looping on GPU B
RUNS = [("2026-03-12T09:24:55Z", "2026-03-12T09:25:43Z"), ("2026-03-12T09:25:54Z", "2026-03-12T09:26:42Z"),
        ("2026-03-12T09:27:03Z", "2026-03-12T09:27:51Z"), ("2026-03-12T09:28:32Z", "2026-03-12T09:29:20Z"),
        ("2026-03-12T09:30:41Z", "2026-03-12T09:31:29Z"), ("2026-03-12T09:34:10Z", "2026-03-12T09:34:58Z"),
        ("2026-03-12T09:39:59Z", "2026-03-12T09:40:47Z"), ("2026-03-12T09:45:48Z", "2026-03-12T09:46:36Z")]
RUNS = [(epoch(a), epoch(b)) for a, b in RUNS]
GPUS = {
    "ip-10-42-13-201.us-west-2.compute.internal": dict(uuid="GPU-5e0a9c41-7d2b-4f83-b1c6-2a8e9f07d3b4",
                                                      dcgm="10.42.14.21:9400"),
    "ip-10-42-29-55.us-west-2.compute.internal": dict(uuid="GPU-c39d1f0e-48a7-4b25-9e61-f70b2d85a6c9",
                                                     dcgm="10.42.30.16:9400"),
}
GPU_A, GPU_B = list(GPUS)
PODIP = {OLD_A: "10.42.14.77", OLD_B: "10.42.30.41", NEW: "10.42.30.17"}
IDX = "search-indexer-7h7f4j68p-glgkl"
IDX_OOM = epoch("2026-03-12T09:12:29Z")
KSM = "10.42.10.30:8080"


def samples():
    return range(T0, T1 + 1, STEP)


def in_run(t):
    for s, e in RUNS:
        if s <= t < e:
            return t - s
    return None


def new_gpu(t):
    """(fb_mib, util, power_w) for GPU B while the revision-5 pod crash-loops."""
    x = in_run(t)
    if x is None:
        return 0, 0, 58.0
    if x < 9:
        return 0, 0, 59.0
    if x < 12:
        return 405, 0, 61.5
    if x < 42:   # weights streamed from EFS into GPU memory
        f = (x - 12) / 30
        return int(405 + f * (14321 - 405)), 2, 66.0
    if x < 45:   # warmup: 32768-token prefill
        return 22488, 100, 212.0
    if x < 47:
        return 22488, 0, 88.0
    return 0, 0, 60.0


def gpu_om():
    rng = random.Random(11)
    om = OM()
    fams = [("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", 0),
            ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", 2)]
    data = {f: [] for f, _, _ in fams}
    TOTAL = 23028
    for node, g in GPUS.items():
        base = dict(Hostname=node, UUID=g["uuid"], device="nvidia0", gpu="0",
                    instance=g["dcgm"], job="dcgm-exporter", modelName="NVIDIA A10G")
        segs = {}
        for t in samples():
            if node == GPU_A:
                pod = OLD_A
                busy = rng.random() < (0.55 if t < ROLL else 0.93)
                util = rng.randint(71, 99) if busy else rng.randint(0, 4)
                fb = 21911 + rng.randint(-3, 3)
                pw = round(62 + util * 1.6 + rng.random() * 4, 3)
            elif t < ROLL:
                pod = OLD_B
                busy = rng.random() < 0.55
                util = rng.randint(71, 99) if busy else rng.randint(0, 4)
                fb = 21909 + rng.randint(-3, 3)
                pw = round(62 + util * 1.6 + rng.random() * 4, 3)
            elif t < OLD_B_GONE + 8 or in_run(t) is None:
                pod = None
                fb, util, pw = 0, 0, round(58 + rng.random(), 3)
            else:
                pod = NEW
                fb, util, pw = new_gpu(t)
                pw = round(pw + rng.random() * 3, 3)
            segs.setdefault(pod, []).append((t, fb, TOTAL - fb - 560 if fb else TOTAL - 560, util, pw))
        for pod, pts in segs.items():
            lb = dict(base)
            if pod:
                lb.update(container="tgi", namespace=NS, pod=pod)
            for f, _, i in fams:
                data[f].append((lb, [(p[0], float(p[1 + i]) if f.endswith("POWER_USAGE") else p[1 + i]) for p in pts]))
    for f, h, _ in fams:
        om.family(f, "gauge", h)
        for lb, pts in data[f]:
            if f == "DCGM_FI_DEV_GPU_UTIL" and lb["Hostname"] == GPU_A:
                continue  # only GPU B's utilisation is kept (size)
            om.series(f, lb, pts)
    return om.text()


def tgi_om():
    """TGI router metrics of the pods that actually served (the crash-looping pod never listened)."""
    rng = random.Random(5)
    om = OM()
    pods = {OLD_A: (T0, T1), OLD_B: (T0, ROLL - 1)}
    base = lambda p: dict(instance=PODIP[p] + ":8080", job="tgi-mistral", namespace=NS, pod=p)
    q, bs, succ = {}, {}, {}
    for p, (a, b) in pods.items():
        qq, bb, ss = [], [], []
        total = {OLD_A: 41877, OLD_B: 41502}[p]
        for t in samples():
            if not a <= t <= b:
                continue
            after = t >= ROLL
            rate = (1 / 17.0 if not after else 1 / 9.0)
            total += sum(1 for _ in range(15) if rng.random() < rate)
            queue = 0 if not after else max(0, int(rng.gauss(3.2, 2.2)))
            batch = max(0, int(rng.gauss(2.1 if not after else 5.8, 1.1)))
            qq.append((t, queue))
            bb.append((t, batch))
            ss.append((t, total))
        q[p], bs[p], succ[p] = qq, bb, ss
    om.family("tgi_queue_size", "gauge", "Current queue size")
    for p in pods:
        om.series("tgi_queue_size", base(p), q[p])
    om.family("up", "gauge")
    for p, (a, b) in pods.items():
        lb = base(p)
        om.series("up", lb, [(t, 1) for t in samples() if a <= t <= b])
    om.series("up", dict(base(NEW)), [(t, 0) for t in samples() if t >= ROLL + 15])
    return om.text()


def ksm_om():
    om = OM()
    b = dict(instance=KSM, job="kube-state-metrics")
    om.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
    om.series("kube_deployment_status_replicas_unavailable", dict(b, deployment="tgi-mistral", namespace=NS),
              [(t, 0 if t < ROLL else 1) for t in samples()])
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    om.series("kube_pod_container_status_restarts_total",
              dict(b, container="tgi", namespace=NS, pod=NEW, uid="9c197c6f-8ad1-5c27-8d99-e933e7c04191"),
              [(t, max(0, sum(1 for s, _ in RUNS if s <= t) - 1)) for t in samples() if t >= ROLL + 15])
    om.series("kube_pod_container_status_restarts_total",
              dict(b, container="indexer", namespace="search", pod=IDX, uid="44ab31b2-e21c-551a-959e-cfac28dd7241"),
              [(t, 0 if t < IDX_OOM else 1) for t in samples()])
    om.family("kube_pod_container_status_last_terminated_reason", "gauge",
              "Describes the last reason the container was in terminated state.")
    om.series("kube_pod_container_status_last_terminated_reason",
              dict(b, container="tgi", namespace=NS, pod=NEW, reason="Error", uid="9c197c6f-8ad1-5c27-8d99-e933e7c04191"),
              [(t, 1) for t in samples() if t >= RUNS[0][1]])
    om.series("kube_pod_container_status_last_terminated_reason",
              dict(b, container="indexer", namespace="search", pod=IDX, reason="OOMKilled", uid="44ab31b2-e21c-551a-959e-cfac28dd7241"),
              [(t, 1) for t in samples() if t >= IDX_OOM])
    return om.text()


def main():
    write_files({"metrics/gpu.om": gpu_om(), "metrics/tgi.om": tgi_om(),
                 "metrics/kube-state-metrics.om": ksm_om()})


if __name__ == "__main__":
    main()
