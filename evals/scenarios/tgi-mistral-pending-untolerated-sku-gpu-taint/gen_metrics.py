#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario.  Usage: python3 gen_metrics.py

Deterministic (seeded), stdlib only.  Timeline (must match cluster/*.yaml and logs/):
  15:52:10Z  Helm release support-llm creates Deployment support-bot/tgi-mistral (1 replica,
             nvidia.com/gpu: 1, nodeSelector agentpool=a100pool, toleration only for the
             nvidia.com/gpu taint).  The a100pool nodes carry sku=gpu:NoSchedule, so the pod
             stays Pending; the second A100 (aks-a100pool-41923857-vmss000001) sits idle.
Samples every 15 s from 15:14:00Z to 16:14:00Z inclusive.
"""
import datetime as dt
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


NOW = epoch("2026-06-03T16:14:00Z")
T0 = NOW - 3600
CREATED = epoch("2026-06-03T15:52:10Z")
PENDING_POD = "tgi-mistral-6f9d4c8b57-rq2xv"
GPUS = {
    "aks-a100pool-41923857-vmss000000": dict(uuid="GPU-5d0c9e3a-2b7f-4e81-a6c4-8f13d2b7e905", dcgm="10.244.4.17:9400",
                                             pod="whisper-asr-7d8b9c6f54-x4kzt", ns="media", container="whisper"),
    "aks-a100pool-41923857-vmss000001": dict(uuid="GPU-e7a42f18-9c3d-4b5e-8d20-6a1f0c9b3e74", dcgm="10.244.5.17:9400"),
}


def whisper_busy(t):
    """Fraction of time the whisper GPU is busy (audio transcription batches)."""
    r = random.Random(f"w/{t // 15}")
    return max(0.0, min(1.0, 0.35 + 0.25 * math.sin((t - T0) / 700.0) + r.uniform(-0.2, 0.2)))


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
    for node, g in GPUS.items():
        lb = dict(Hostname=node, UUID=g["uuid"], device="nvidia0", gpu="0", instance=g["dcgm"], job="dcgm-exporter",
                  modelName="NVIDIA A100 80GB PCIe")
        if "pod" in g:
            lb.update(container=g["container"], namespace=g["ns"], pod=g["pod"])
        rng = random.Random(node)
        util, fb = [], []
        for t in samples():
            if "pod" in g:
                u = int(whisper_busy(t) * 100)
                util.append((t, u)); fb.append((t, 18422 + rng.randint(-40, 40)))
            else:
                util.append((t, 0)); fb.append((t, 0))
        per["DCGM_FI_DEV_GPU_UTIL"].append((lb, util))
        per["DCGM_FI_DEV_FB_USED"].append((lb, fb))
    for f, h in fams:
        om.family(f, "gauge", h)
        for lb, pts in per[f]:
            om.series(f, lb, pts)
    return om.text()


def ksm_om():
    om = OM()
    base = dict(instance="10.244.1.17:8080", job="kube-state-metrics")
    om.family("kube_node_spec_taint", "gauge", "The taint of a cluster node.")
    for node in GPUS:
        om.series("kube_node_spec_taint", dict(base, effect="NoSchedule", key="sku", node=node, value="gpu"),
                  [(t, 1) for t in samples()])
    om.family("kube_pod_status_phase", "gauge", "The pods current phase.")
    om.series("kube_pod_status_phase", dict(base, namespace="support-bot", phase="Pending", pod=PENDING_POD,
                                            uid="0e6f3b7a-91c4-5d2e-8a57-c4b1e9d03f62"),
              [(t, 1) for t in samples() if t >= CREATED])
    om.family("kube_pod_status_unschedulable", "gauge", "Describes the unschedulable status for the pod.")
    om.series("kube_pod_status_unschedulable", dict(base, namespace="support-bot", pod=PENDING_POD,
                                                    uid="0e6f3b7a-91c4-5d2e-8a57-c4b1e9d03f62"),
              [(t, 1) for t in samples() if t >= CREATED])
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
