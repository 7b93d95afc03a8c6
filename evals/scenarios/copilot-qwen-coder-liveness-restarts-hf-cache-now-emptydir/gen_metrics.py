#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py   (writes next to this file)

Timeline: at 07:58:10Z the qwen-coder-32b Deployment was rolled (Recreate) with its hf-cache volume switched
from a PVC to emptyDir. Each container start re-downloads the weights (~150 MB/s into the pod) until the
liveness probe kills it ~200 s later; the GPUs only ever hold the CUDA context.
15 s samples for the hour ending at now (2026-10-14T08:50:00Z).
"""
import datetime as dt
import math
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
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.6g}" if abs(v) < 1 else f"{v:.4f}".rstrip("0").rstrip(".")
    return str(v)


class OM:
    """OpenMetrics writer: one # TYPE per family, families not interleaved,
    samples of a series in increasing time order, # EOF last."""

    def __init__(self):
        self.out = []

    def family(self, name, typ, help_=None):
        self.out.append(f"# TYPE {name} {typ}")
        if help_:
            self.out.append(f"# HELP {name} {help_}")

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


def samples(t0, t1):
    return range(t0, t1 + 1, STEP)


def counter(t0, t1, rate_fn, start=0.0, rng=None, integer=True):
    """Cumulative counter sampled every STEP s; rate_fn(t) -> per-second rate."""
    v = start
    pts = []
    for t in samples(t0, t1):
        r = max(0.0, rate_fn(t))
        inc = r * STEP
        if rng is not None:
            inc *= rng.uniform(0.85, 1.15)
        v += inc
        pts.append((t, float(int(v)) if integer else round(v, 3)))
    return pts

T1 = epoch("2026-10-14T08:50:00Z")  # scenario "now"
T0 = T1 - 3600
CHG = epoch("2026-10-14T07:58:10Z")  # Helm revision 9: hf-cache PVC -> emptyDir; old pod terminated
NS = "copilot-backend"
OLD_POD = "qwen-coder-32b-6d9f7b8c45-m8tzc"
POD = "qwen-coder-32b-5c7f9d6b8a-wd4kq"
POD_UID = "b69cf7b6-6f79-52e2-af3d-f765fb2bd28f"
NODE = "aks-gpua100-27182818-vmss000004"
STARTS = ["07:58:40", "08:02:38", "08:06:44", "08:11:02", "08:16:00", "08:22:22", "08:29:30", "08:37:02", "08:46:31"]
STARTS = [epoch("2026-10-14T" + s + "Z") for s in STARTS]
RUN_S = 232  # each instance: started -> SIGTERM at ~200 s (liveness) -> SIGKILL at ~232 s
GPUS = [("0", "GPU-8d2b6f1e-47c3-4a90-b15e-2c9f0a7e3d61", "00000001:00:00.0"), ("1", "GPU-f31a7c95-0e2d-4b68-9c4f-6a1b8e2d5c07", "00000002:00:00.0")]


def S():
    return samples(T0, T1)


def phase(t):
    """(running instance start or None)"""
    for s in STARTS:
        if s <= t < s + RUN_S:
            return s
    return None


def gpu_om():
    om = OM()
    rng = random.Random(5)
    om.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    for gpu, uuid, pci in GPUS:
        lab = dict(Hostname=NODE, UUID=uuid, device="nvidia" + gpu, gpu=gpu, instance="10.224.0.33:9400", job="gpu-operator/nvidia-dcgm-exporter",
                   modelName="NVIDIA A100 80GB PCIe", pci_bus_id=pci)
        old = [(t, 74512 + rng.randint(-4, 4)) for t in S() if t < CHG]
        om.series("DCGM_FI_DEV_FB_USED", dict(lab, container="vllm", namespace=NS, pod=OLD_POD), old)
        pts = []
        for t in S():
            if t < CHG:
                continue
            s = phase(t)
            v = 0
            if s is not None and t - s >= 40:
                v = 537 + rng.randint(0, 4)  # CUDA context + NCCL only: weights never reach the GPU
            pts.append((t, v))
        om.series("DCGM_FI_DEV_FB_USED", dict(lab, container="vllm", namespace=NS, pod=POD), pts)
    return om.text()


def cadvisor_om():
    om = OM()
    rng = random.Random(6)
    om.family("container_network_receive_bytes", "counter", "Cumulative count of bytes received")
    v = 9.1e11
    pts = []
    for t in S():
        s = phase(t)
        if t < CHG:
            v += rng.uniform(2e4, 6e4) * 15
        elif s is not None and 47 <= t - s < 200:
            v += 8 * 19.0e6 * 15 * rng.uniform(0.95, 1.05)
        else:
            v += rng.uniform(1e3, 5e3) * 15
        pts.append((t, float(int(v))))
    om.series("container_network_receive_bytes_total", dict(id="/kubepods.slice/kubepods-burstable.slice/pod" + POD_UID.replace("-", "_"), instance=NODE,
              interface="eth0", job="kubelet", metrics_path="/metrics/cadvisor", namespace=NS, pod=POD),
              [(t, v_) for t, v_ in pts if t >= CHG + 21])
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    om.series("kube_pod_container_status_restarts_total", dict(container="vllm", instance="10.244.0.30:8080", job="kube-state-metrics", namespace=NS, pod=POD, uid=POD_UID),
              [(t, sum(1 for s in STARTS[1:] if s <= t)) for t in S() if t >= CHG + 21])
    om.family("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded.")
    om.series("kube_pod_container_status_ready", dict(container="vllm", instance="10.244.0.30:8080", job="kube-state-metrics", namespace=NS, pod=POD, uid=POD_UID),
              [(t, 0) for t in S() if t >= CHG + 21])
    return om.text()


def main():
    write_files({"metrics/gpu.om": gpu_om(), "metrics/kubelet.om": cadvisor_om()})


if __name__ == "__main__":
    main()
