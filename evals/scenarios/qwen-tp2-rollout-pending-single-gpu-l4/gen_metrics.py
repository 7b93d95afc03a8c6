#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario.  Usage: python3 gen_metrics.py

Deterministic (seeded), stdlib only.  Timeline (must match cluster/*.yaml and logs/):
  09:14:22Z  Deployment assistant/qwen-chat rolled to revision 9 (Qwen2.5-14B-Instruct,
             --tensor-parallel-size=2, nvidia.com/gpu: 2).  RollingUpdate maxSurge 1 /
             maxUnavailable 0, so the two revision-8 pods (1 GPU each, one per g6.4xlarge
             node with a single NVIDIA L4) keep serving and the surge pod stays Pending.
  09:19:40Z  billing/invoice-renderer rolled (unrelated); its workers get OOMKilled from 09:22.
Samples every 15 s from 08:41:00Z to 09:41:00Z inclusive.
"""
import datetime as dt
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


NOW = epoch("2026-03-17T09:41:00Z")
T0 = NOW - 3600
ROLL = epoch("2026-03-17T09:14:22Z")
NS = "assistant"
PENDING_POD = "qwen-chat-7c9f5d8b46-hx4pw"
OLD = {  # revision 8 pods: node, pod IP, GPU
    "qwen-chat-84c6f9d7b5-k2vrx": dict(node="ip-10-42-20-77.us-west-2.compute.internal", ip="10.42.20.24",
                                       uuid="GPU-2c4b9a7e-61f3-4d2a-9e85-1b7c3f0d8a42", dcgm="10.42.20.17:9400"),
    "qwen-chat-84c6f9d7b5-9tqzm": dict(node="ip-10-42-21-142.us-west-2.compute.internal", ip="10.42.21.24",
                                       uuid="GPU-8e1f5d23-7a9c-4b60-b3d1-c92e4a5f7016", dcgm="10.42.21.17:9400"),
}
INVOICE = {  # pod -> container runs [(start, end_or_None)] (OOMKilled at end)
    "invoice-renderer-5f8d9c7b6-mlz7w": [("09:20:05", "09:22:55"), ("09:23:06", "09:25:36"), ("09:25:57", "09:28:37"),
                                         ("09:29:18", "09:31:38"), ("09:32:59", "09:35:34"), ("09:38:15", "09:40:51")],
    "invoice-renderer-5f8d9c7b6-q8n2d": [("09:19:48", "09:23:21"), ("09:23:32", "09:26:14"), ("09:26:35", "09:28:58"),
                                         ("09:29:39", "09:32:27"), ("09:33:48", "09:36:12"), ("09:38:53", None)],
}


def hm(s):
    return epoch(f"2026-03-17T{s}Z")


def running(pod, t):
    """vllm:num_requests_running for a revision-8 pod at time t (also used for the log lines)."""
    r = random.Random(f"{pod}/{t // 10}")
    base = 7.5 + 3.5 * math.sin((t - T0) / 900.0 + (0.8 if pod.endswith("9tqzm") else 0.0))
    return max(0, int(round(base + r.uniform(-2.5, 2.5))))


def samples():
    return range(T0, NOW + 1, STEP)


def lbl(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


class OM:
    def __init__(self):
        self.out = []

    def family(self, name, typ, help_):
        self.out.append(f"# HELP {name} {help_}")
        self.out.append(f"# TYPE {name} {typ}")

    def series(self, sample, labels, pts):
        for t, v in pts:
            if isinstance(v, float):
                v = f"{v:.3f}".rstrip("0").rstrip(".")
            self.out.append(f"{sample}{lbl(labels)} {v} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def gpu_om():
    om = OM()
    fams = [("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."),
            ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).")]
    per = {f: [] for f, _ in fams}
    for pod, c in OLD.items():
        lb = dict(Hostname=c["node"], UUID=c["uuid"], container="vllm", device="nvidia0", gpu="0",
                  instance=c["dcgm"], job="dcgm-exporter", modelName="NVIDIA L4", namespace=NS, pod=pod)
        rng = random.Random(pod)
        util, fb = [], []
        for t in samples():
            n = running(pod, t)
            u = min(100, int(18 + n * 7.2 + rng.uniform(-6, 6))) if n else rng.randint(0, 3)
            util.append((t, u))
            fb.append((t, 20961 + (4 if pod.endswith("9tqzm") else 0)))
        per["DCGM_FI_DEV_GPU_UTIL"].append((lb, util))
        per["DCGM_FI_DEV_FB_USED"].append((lb, fb))
    for f, h in fams:
        om.family(f, "gauge", h)
        for lb, pts in per[f]:
            om.series(f, lb, pts)
    return om.text()


def ksm_om():
    om = OM()
    base = dict(instance="10.42.11.24:8080", job="kube-state-metrics")
    om.family("kube_pod_status_phase", "gauge", "The pods current phase.")
    om.series("kube_pod_status_phase", dict(base, namespace=NS, phase="Pending", pod=PENDING_POD, uid="b3c51e0e-4f0a-5b8e-9f63-0d8c2a7e91f4"),
              [(t, 1) for t in samples() if t >= ROLL])
    om.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
    om.series("kube_deployment_status_replicas_unavailable", dict(base, deployment="qwen-chat", namespace=NS),
              [(t, 1 if t >= ROLL else 0) for t in samples()])
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    for pod, runs in INVOICE.items():
        pts = []
        for t in samples():
            if t < hm(runs[0][0]):
                continue
            pts.append((t, max(0, sum(1 for s, _ in runs if hm(s) <= t) - 1)))
        om.series("kube_pod_container_status_restarts_total",
                  dict(base, container="renderer", namespace="billing", pod=pod), pts)
    return om.text()


def main():
    files = {"metrics/gpu.om": gpu_om(), "metrics/kube-state-metrics.om": ksm_om()}
    for rel, text in files.items():
        p = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes")


if __name__ == "__main__":
    main()
