#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario.  Usage: python3 gen_metrics.py

Deterministic (seeded), stdlib only.  Timeline (must match cluster/*.yaml and logs/):
  13:02:10Z  Job docs/docs-indexer-backfill-29618 starts summarising 48k documents through the
             chat-api ingress (48 concurrent streams) on top of normal interactive traffic.
  13:05:15Z  HPA chat-api/vllm-llama (Pods metric vllm_num_requests_waiting, target average 5)
             scales 3 -> 4 = maxReplicas; from then on ScalingLimited=True (TooManyReplicas).
  13:08:02Z  the 4th replica is ready; every replica runs at --max-num-seqs=64 and the
             per-pod waiting queue keeps growing.  KV cache ~70-80 %, no preemptions.
  ~13:14Z    requests queued longer than the ingress proxy-read-timeout (120 s) start getting 504.
Samples every 15 s from 12:31:00Z to 13:31:00Z inclusive.
"""
import datetime as dt
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


NOW = epoch("2026-04-28T13:31:00Z")
T0 = NOW - 3600
SURGE = epoch("2026-04-28T13:02:10Z")
SCALE = epoch("2026-04-28T13:05:15Z")
READY4 = epoch("2026-04-28T13:08:02Z")
NS = "chat-api"
PODS = {  # pod -> (node, ip)
    "vllm-llama-7f6b9d8c45-gq2lw": ("gke-chat-prod-h100-pool-9b7e4f21-4kzw", "10.48.3.14"),
    "vllm-llama-7f6b9d8c45-n8vxk": ("gke-chat-prod-h100-pool-9b7e4f21-7qhc", "10.48.4.9"),
    "vllm-llama-7f6b9d8c45-tz5rh": ("gke-chat-prod-h100-pool-9b7e4f21-d2lp", "10.48.5.11"),
    "vllm-llama-7f6b9d8c45-bw4mj": ("gke-chat-prod-h100-pool-9b7e4f21-vx5n", "10.48.6.5"),  # added 13:05:15
}
NEW_POD = "vllm-llama-7f6b9d8c45-bw4mj"
GPU0 = dict(uuid="GPU-0d6e2a9b-71c4-4f38-b5e2-9c8a13f7d460", dcgm="10.48.3.4:9400")
KSM = "10.48.0.23:8080"
NGINX = ("ingress-nginx-controller-6d8c7b9f5d-p2xkq", "10.48.1.12:10254")


def active(pod, t):
    return t >= (READY4 if pod == NEW_POD else T0)


def waiting(pod, t):
    """vllm:num_requests_waiting for one replica."""
    if not active(pod, t):
        return None
    r = random.Random(f"w/{pod}/{t // 15}")
    if t < SURGE + 60:
        return max(0, int(r.uniform(-1.5, 2.2)))
    x = (t - SURGE - 60) / 60.0  # minutes into the surge
    base = 46 * (1 - math.exp(-x / 9.0)) + 0.35 * x
    if pod == NEW_POD:
        base *= min(1.0, (t - READY4) / 240.0)
    return max(0, int(base + r.uniform(-4, 4)))


def running(pod, t):
    if not active(pod, t):
        return None
    r = random.Random(f"r/{pod}/{t // 10}")
    if t < SURGE + 45:
        return max(3, int(24 + 9 * math.sin((t - T0) / 800.0) + r.uniform(-6, 6)))
    return 64 if r.random() > 0.12 else 63


def kv(pod, t):
    n = running(pod, t)
    if n is None:
        return None
    r = random.Random(f"kv/{pod}/{t // 15}")
    return round(min(0.86, n * 0.0112 + r.uniform(-0.03, 0.05)), 4)


def replicas(t):
    return 3 if t < SCALE else 4


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
                v = f"{v:.4f}".rstrip("0").rstrip(".")
            self.out.append(f"{sample}{lbl(labels)} {v} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def vb(pod):
    return dict(engine="0", instance=PODS[pod][1] + ":8000", job="vllm-llama", model_name="llama-3.1-8b-instruct",
                namespace=NS, pod=pod)


def vllm_om():
    om = OM()
    om.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
    for pod in PODS:
        om.series("vllm:num_requests_waiting", vb(pod),
                  [(t, float(waiting(pod, t))) for t in samples() if active(pod, t)])
    pod = "vllm-llama-7f6b9d8c45-gq2lw"
    om.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
    om.series("vllm:gpu_cache_usage_perc", vb(pod), [(t, kv(pod, t)) for t in samples()])
    return om.text()


def gpu_om():
    om = OM()
    pod = "vllm-llama-7f6b9d8c45-gq2lw"
    node = PODS[pod][0]
    lb = dict(Hostname=node, UUID=GPU0["uuid"], container="vllm", device="nvidia0", gpu="0", instance=GPU0["dcgm"],
              job="dcgm-exporter", modelName="NVIDIA H100 80GB HBM3", namespace=NS, pod=pod)
    rng = random.Random(3)
    om.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
    om.series("DCGM_FI_DEV_GPU_UTIL", lb,
              [(t, min(100, int(running(pod, t) * 1.45 + 4 + rng.uniform(-3, 3)))) for t in samples()])
    return om.text()


def ksm_om():
    om = OM()
    base = dict(horizontalpodautoscaler="vllm-llama", instance=KSM, job="kube-state-metrics", namespace=NS)
    om.family("kube_horizontalpodautoscaler_status_current_replicas", "gauge", "Current number of replicas of pods managed by this autoscaler.")
    om.series("kube_horizontalpodautoscaler_status_current_replicas", base, [(t, replicas(t)) for t in samples()])
    om.family("kube_horizontalpodautoscaler_status_condition", "gauge", "The condition of this autoscaler.")
    om.series("kube_horizontalpodautoscaler_status_condition", dict(base, condition="ScalingLimited", status="true"),
              [(t, 1 if t >= SCALE else 0) for t in samples()])
    return om.text()


def nginx_om():
    om = OM()
    rng = random.Random(5)
    base = dict(controller_class="k8s.io/ingress-nginx", controller_namespace="ingress-nginx", controller_pod=NGINX[0],
                ingress="chat-api", instance=NGINX[1], job="ingress-nginx", method="POST", namespace=NS, path="/v1",
                service="vllm-llama")
    c200, c504 = 1889021.0, 412.0
    p200, p504 = [], []
    for t in samples():
        rate = 3.1 if t < SURGE else 7.2
        rate += rng.uniform(-0.3, 0.3)
        r504 = 0.0
        if t > SURGE + 720:
            r504 = min(1.4, (t - SURGE - 720) / 900.0 * 1.4) + rng.uniform(0, 0.15)
        c200 += max(0.0, rate - r504) * STEP
        c504 += r504 * STEP
        p200.append((t, float(int(c200))))
        p504.append((t, float(int(c504))))
    om.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
    om.series("nginx_ingress_controller_requests_total", dict(base, status="504"), p504)
    return om.text()


def main():
    files = {"metrics/vllm.om": vllm_om(), "metrics/gpu.om": gpu_om(), "metrics/kube-state-metrics.om": ksm_om(),
             "metrics/ingress-nginx.om": nginx_om()}
    for rel, text in files.items():
        p = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes")


if __name__ == "__main__":
    main()
