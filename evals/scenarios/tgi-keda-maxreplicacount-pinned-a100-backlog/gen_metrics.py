#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario.  Usage: python3 gen_metrics.py

Deterministic (seeded), stdlib only.  Timeline (must match cluster/*.yaml and logs/):
  20:15:00Z  assist-api enables "AI summaries" for all tenants (flag rollout) -> ~2.4x TGI traffic.
  20:16:40Z  KEDA ScaledObject assist/tgi-mistral (prometheus trigger on tgi_queue_size, threshold 8)
             drives HPA keda-hpa-tgi-mistral 2 -> 3 replicas = maxReplicaCount (pinned at 3 during a
             GPU cost freeze).  ScalingLimited/TooManyReplicas from then on.
  20:19:31Z  third replica ready.  Queue per pod then grows steadily; batch size at the token budget.
  The p4de.24xlarge node has 8 A100 80GB: 3 TGI + 1 embeddings in use, 4 idle all along.
Samples every 15 s from 19:48:00Z to 20:48:00Z inclusive.
"""
import datetime as dt
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


NOW = epoch("2026-12-02T20:48:00Z")
T0 = NOW - 3600
FLAG = epoch("2026-12-02T20:15:00Z")
SCALE = epoch("2026-12-02T20:16:40Z")
READY3 = epoch("2026-12-02T20:19:31Z")
NS = "assist"
NODE = "ip-10-32-40-18.us-west-2.compute.internal"
PODS = {  # pod -> (ip, gpu index, uuid)
    "tgi-mistral-5b7d9c6f48-hq8zt": ("10.32.40.61", "0", "GPU-1f5a7c3e-92d4-4b6e-8a07-c3e9d1f2b584"),
    "tgi-mistral-5b7d9c6f48-w2kxn": ("10.32.40.118", "1", "GPU-6b2e0d94-5a71-4c3f-b8e6-2f9a4c1d7e03"),
    "tgi-mistral-5b7d9c6f48-c9fpl": ("10.32.40.203", "2", "GPU-a4c8e2f1-3d6b-47a9-9e15-8b0d6f3c2a71"),  # added 20:16:40
}
NEW_POD = "tgi-mistral-5b7d9c6f48-c9fpl"
IDLE_GPU = ("5", "GPU-d93b1e7a-0c4f-4a28-b6d5-e17f2a9c8b46")
DCGM = "10.32.40.12:9400"
KSM = "10.32.11.45:8080"
KEDA_OP = "10.32.12.77:8080"


def active(pod, t):
    return t >= (READY3 if pod == NEW_POD else T0)


def queue(pod, t):
    if not active(pod, t):
        return None
    r = random.Random(f"q/{pod}/{t // 15}")
    if t < FLAG + 240:
        return max(0, int(r.uniform(-2, 3)))
    x = (t - FLAG - 240) / 60.0
    base = 1.55 * x + 6 * (1 - math.exp(-x / 4))
    if pod == NEW_POD:
        base *= min(1.0, max(0.0, (t - READY3) / 300.0))
    return max(0, int(base + r.uniform(-3, 3)))


def batch(pod, t):
    if not active(pod, t):
        return None
    r = random.Random(f"b/{pod}/{t // 10}")
    if t < FLAG + 90:
        return max(1, int(14 + 5 * math.sin((t - T0) / 700.0) + r.uniform(-4, 4)))
    return int(r.uniform(29, 33))


def samples():
    return range(T0, NOW + 1, STEP)


def replicas(t):
    return 2 if t < SCALE else 3


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


def tgi_om():
    om = OM()
    def b(pod):
        return dict(instance=PODS[pod][0] + ":8080", job="tgi-mistral", namespace=NS, pod=pod)
    om.family("tgi_queue_size", "gauge", "Current queue size")
    for pod in PODS:
        om.series("tgi_queue_size", b(pod), [(t, queue(pod, t)) for t in samples() if active(pod, t)])
    om.family("tgi_batch_current_size", "gauge", "Current batch size")
    pod = "tgi-mistral-5b7d9c6f48-hq8zt"
    om.series("tgi_batch_current_size", b(pod), [(t, batch(pod, t)) for t in samples()])
    return om.text()


def keda_om():
    om = OM()
    om.family("keda_scaler_metrics_value", "gauge", "The current value for each scaler's metric that would be used by the HPA in computing the target average.")
    pts = []
    for t in samples():
        pts.append((t, float(sum(queue(p, t) or 0 for p in PODS))))
    om.series("keda_scaler_metrics_value",
              dict(instance=KEDA_OP, job="keda-operator", metric="s0-prometheus", namespace=NS, scaledObject="tgi-mistral",
                   scaler="prometheusScaler", scalerIndex="0", triggerIndex="0", type="scaledobject"), pts)
    om.family("kube_horizontalpodautoscaler_status_current_replicas", "gauge", "Current number of replicas of pods managed by this autoscaler.")
    om.series("kube_horizontalpodautoscaler_status_current_replicas",
              dict(horizontalpodautoscaler="keda-hpa-tgi-mistral", instance=KSM, job="kube-state-metrics", namespace=NS),
              [(t, replicas(t)) for t in samples()])
    return om.text()


def gpu_om():
    om = OM()
    rng = random.Random(11)
    pod = "tgi-mistral-5b7d9c6f48-hq8zt"
    busy = dict(Hostname=NODE, UUID=PODS[pod][2], container="tgi", device="nvidia0", gpu="0", instance=DCGM, job="dcgm-exporter",
                modelName="NVIDIA A100-SXM4-80GB", namespace=NS, pod=pod)
    idle = dict(Hostname=NODE, UUID=IDLE_GPU[1], device="nvidia" + IDLE_GPU[0], gpu=IDLE_GPU[0], instance=DCGM, job="dcgm-exporter",
                modelName="NVIDIA A100-SXM4-80GB")
    om.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
    om.series("DCGM_FI_DEV_GPU_UTIL", busy, [(t, min(100, int(batch(pod, t) * 2.9 + 6 + rng.uniform(-4, 4)))) for t in samples()])
    om.series("DCGM_FI_DEV_GPU_UTIL", idle, [(t, 0) for t in samples()])
    return om.text()


def main():
    files = {"metrics/tgi.om": tgi_om(), "metrics/keda.om": keda_om(), "metrics/gpu.om": gpu_om()}
    for rel, text in files.items():
        p = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes")


if __name__ == "__main__":
    main()
