#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario.  Usage: python3 gen_metrics.py

Deterministic (seeded), stdlib only.  Timeline (must match cluster/*.yaml and logs/):
  02:11:48Z  GPU 4 (PCI 0000:9A:00.0) of h100-node-03 falls off the bus (NVRM Xid 79).  The vLLM
             engine of inference/gemma-27b-5c7f8d9b64-q7m4d, which owns that GPU, dies with
             "CUDA error: unspecified launch failure"; the NVIDIA device plugin marks the device
             unhealthy, so the node's allocatable nvidia.com/gpu drops from 8 to 7.  DCGM can no
             longer read the GPU (util/FB/power stop), the last-Xid gauge stays at 79.
  (2 days earlier) Xid 13 on h100-node-04 GPU 0: application-level, ignored by the device plugin.
Samples every 15 s from 01:37:00Z to 02:37:00Z inclusive.
"""
import datetime as dt
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


NOW = epoch("2026-08-21T02:37:00Z")
T0 = NOW - 3600
XID = epoch("2026-08-21T02:11:48Z")
NS = "inference"
BAD_POD = "gemma-27b-5c7f8d9b64-q7m4d"
BAD = dict(node="h100-node-03", gpu="4", uuid="GPU-7f3e9a21-4c6d-4b8e-9a1f-2d5c8e0b6a93", pci="00000000:9A:00.0",
           dcgm="10.60.3.17:9400", pod=BAD_POD, ip="10.60.3.52")
XID13 = dict(node="h100-node-04", gpu="0", uuid="GPU-c4a91d3e-7b25-4f08-8e6c-0d9f3b1a5e27", pci="00000000:18:00.0",
             dcgm="10.60.4.17:9400", pod="gemma-27b-5c7f8d9b64-bx9hp")
KSM = "10.60.1.24:8080"


def load(pod, t):
    """Requests running on one gemma replica (drives util and the log lines)."""
    r = random.Random(f"{pod}/{t // 10}")
    base = 9 + 5 * math.sin((t - T0) / 1100.0 + (len(pod) % 3))
    return max(0, int(round(base + r.uniform(-3, 3))))


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


def dcgm_labels(g, with_pod=True):
    lb = dict(Hostname=g["node"], UUID=g["uuid"], device="nvidia" + g["gpu"], gpu=g["gpu"], instance=g["dcgm"],
              job="nvidia-dcgm-exporter", modelName="NVIDIA H100 80GB HBM3", pci_bus_id=g["pci"])
    if with_pod:
        lb.update(container="vllm", namespace=NS, pod=g["pod"])
    return lb


def gpu_om():
    om = OM()
    rng = random.Random(7)
    before = [t for t in samples() if t < XID]
    om.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
    util = []
    for t in before:
        n = load(BAD_POD, t)
        util.append((t, min(100, int(22 + n * 5.1 + rng.uniform(-5, 5)))))
    om.series("DCGM_FI_DEV_GPU_UTIL", dcgm_labels(BAD), util)
    om.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    om.series("DCGM_FI_DEV_FB_USED", dcgm_labels(BAD), [(t, 74871 + rng.randint(0, 6)) for t in before])
    om.family("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).")
    om.series("DCGM_FI_DEV_POWER_USAGE", dcgm_labels(BAD),
              [(t, round(118 + u * 4.9 + rng.random() * 9, 3)) for t, u in util])
    om.family("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.")
    om.series("DCGM_FI_DEV_XID_ERRORS", dcgm_labels(BAD), [(t, 0 if t < XID else 79) for t in samples()])
    om.series("DCGM_FI_DEV_XID_ERRORS", dcgm_labels(XID13), [(t, 13) for t in samples()])
    return om.text()


def ksm_om():
    om = OM()
    base = dict(instance=KSM, job="kube-state-metrics")
    om.family("kube_node_status_allocatable", "gauge",
              "The allocatable for different resources of a node that are available for scheduling.")
    for node in ("h100-node-03", "h100-node-04"):
        om.series("kube_node_status_allocatable", dict(base, node=node, resource="nvidia_com_gpu", unit="integer"),
                  [(t, 7 if (node == "h100-node-03" and t >= XID + 5) else 8) for t in samples()])
    om.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    om.series("kube_deployment_status_replicas_available", dict(base, deployment="gemma-27b", namespace=NS),
              [(t, 7 if t >= XID + 32 else 8) for t in samples()])
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
