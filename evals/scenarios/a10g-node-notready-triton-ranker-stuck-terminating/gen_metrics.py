#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario.  Usage: python3 gen_metrics.py

Deterministic (seeded), stdlib only.  Timeline (must match cluster/*.yaml and logs/):
  18:19:40Z  GPU 2 of ip-10-20-3-41.ec2.internal (g5.12xlarge, 4x A10G) reports Xid 48
             (double-bit ECC error); DCGM's volatile DBE counter goes 0 -> 1.
  18:23:31Z  last kubelet heartbeat from that node; dcgm-exporter there is last scraped at 18:23:15.
  18:24:12Z  node-lifecycle controller: Ready=Unknown, node.kubernetes.io/unreachable taints.
  18:29:12Z  taint-eviction-controller deletes the 4 triton-ranker pods on the node (300 s
             toleration); they stay Terminating (kubelet unreachable) and the 4 replacements stay
             Pending (the two remaining A10G nodes are full, node group at max size 3).
  Load of 12 replicas now lands on 8: GPU util of the surviving GPUs rises.
Samples every 15 s from 17:52:00Z to 18:52:00Z inclusive.
"""
import datetime as dt
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


NOW = epoch("2026-10-06T18:52:00Z")
T0 = NOW - 3600
XID = epoch("2026-10-06T18:19:40Z")
LAST_SCRAPE = epoch("2026-10-06T18:23:15Z")
NOTREADY = epoch("2026-10-06T18:24:12Z")
EVICT = epoch("2026-10-06T18:29:12Z")
BAD_NODE = "ip-10-20-3-41.ec2.internal"
NS = "search"
BAD_GPU = dict(node=BAD_NODE, gpu="2", uuid="GPU-9a2f6c1d-3e84-4b7a-b05c-71d8e2f4a639", dcgm="10.20.3.180:9400",
               pod="triton-ranker-8d5f7c9b46-kp2ws")
PEER_GPU = dict(node="ip-10-20-3-97.ec2.internal", gpu="0", uuid="GPU-34d7b8e0-6f19-4c25-9a3b-e8c1f05d2b76",
                dcgm="10.20.3.215:9400", pod="triton-ranker-8d5f7c9b46-2gbnx")
KSM = "10.20.1.77:8080"


def per_pod_load(t):
    """Requests/s handled by one ranker replica: ~constant total traffic spread over ready replicas."""
    r = random.Random(f"load/{t // 15}")
    total = 420 + 60 * math.sin((t - T0) / 1300.0) + r.uniform(-25, 25)
    ready = 12 if t < NOTREADY - 30 else 8
    return total / ready


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


def dl(g):
    return dict(Hostname=g["node"], UUID=g["uuid"], container="triton", device="nvidia" + g["gpu"], gpu=g["gpu"],
                instance=g["dcgm"], job="dcgm-exporter", modelName="NVIDIA A10G", namespace=NS, pod=g["pod"])


def gpu_om():
    om = OM()
    rng = random.Random(48)
    bad_ts = [t for t in samples() if t <= LAST_SCRAPE]
    om.family("up", "gauge", "1 if the target was scraped successfully, 0 otherwise.")
    om.series("up", dict(instance=BAD_GPU["dcgm"], job="dcgm-exporter", namespace="monitoring", node=BAD_NODE),
              [(t, 1 if t <= LAST_SCRAPE else 0) for t in samples()])
    om.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
    om.series("DCGM_FI_DEV_GPU_UTIL", dl(BAD_GPU),
              [(t, 0 if t >= XID else min(100, int(per_pod_load(t) * 1.45 + rng.uniform(-4, 4)))) for t in bad_ts])
    om.series("DCGM_FI_DEV_GPU_UTIL", dl(PEER_GPU),
              [(t, min(100, int(per_pod_load(t) * 1.45 + rng.uniform(-4, 4)))) for t in samples()])
    om.family("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.")
    om.series("DCGM_FI_DEV_XID_ERRORS", dl(BAD_GPU), [(t, 48 if t >= XID else 0) for t in bad_ts])
    om.family("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "unknown", "Total number of double-bit volatile ECC errors.")
    om.series("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", dl(BAD_GPU), [(t, 1 if t >= XID else 0) for t in bad_ts])
    return om.text()


def ksm_om():
    om = OM()
    base = dict(instance=KSM, job="kube-state-metrics")
    om.family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
    for st in ("true", "unknown"):
        om.series("kube_node_status_condition", dict(base, condition="Ready", node=BAD_NODE, status=st),
                  [(t, (1 if t < NOTREADY else 0) if st == "true" else (0 if t < NOTREADY else 1)) for t in samples()])
    om.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    om.series("kube_deployment_status_replicas_available", dict(base, deployment="triton-ranker", namespace=NS),
              [(t, 12 if t < NOTREADY else 8) for t in samples()])
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
