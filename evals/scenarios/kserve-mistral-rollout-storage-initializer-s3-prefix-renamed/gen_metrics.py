#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py   (writes next to this file)

Timeline: InferenceService llm-prod/mistral-7b-support was updated at 10:31:02Z; the new predictor pod waits
for a Karpenter GPU node, is bound at 10:32:41Z and its storage-initializer then fails every run (model not
found under the old S3 prefix). The old predictor keeps serving.
15 s samples for the hour ending at now (2026-04-21T11:05:00Z).
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

T1 = epoch("2026-04-21T11:05:00Z")  # scenario "now"
T0 = T1 - 3600
UPD = epoch("2026-04-21T10:31:02Z")      # InferenceService generation 6 -> new ReplicaSet
SCHED = epoch("2026-04-21T10:32:41Z")    # new predictor pod bound to the new Karpenter node
NS = "llm-prod"
NEW = ("mistral-7b-support-predictor-6c8b5d7f49-q8vxz", "894e68aa-94fd-5a9c-ae6d-aa0aa102e6b5")
OLD = "mistral-7b-support-predictor-85d9f6c7b4-t4jwm"
# storage-initializer runs of the new pod (start, end); each exits 1 after ~4 s
RUNS = ["10:32:56", "10:33:12", "10:33:40", "10:34:25", "10:35:52", "10:38:40", "10:44:04", "10:49:23", "10:55:33", "11:01:44"]
RUNS = [(epoch("2026-04-21T" + r + "Z"), epoch("2026-04-21T" + r + "Z") + 4) for r in RUNS]
KSM = dict(instance="10.8.13.44:8080", job="kube-state-metrics")


def S():
    return samples(T0, T1)


def ksm_om():
    om = OM()
    b = dict(KSM, namespace=NS, pod=NEW[0], uid=NEW[1], container="storage-initializer")
    om.family("kube_pod_init_container_status_restarts", "counter", "The number of restarts for the init container.")
    om.series("kube_pod_init_container_status_restarts_total", b,
              [(t, max(0, sum(1 for s, e in RUNS if e <= t) - 1)) for t in S() if t >= SCHED])
    om.family("kube_pod_init_container_status_waiting_reason", "gauge", "Describes the reason the init container is currently in waiting state.")
    om.series("kube_pod_init_container_status_waiting_reason", dict(b, reason="CrashLoopBackOff"),
              [(t, 0 if (t < RUNS[1][0] or any(s <= t < e for s, e in RUNS)) else 1) for t in S() if t >= SCHED])
    om.family("kube_pod_status_phase", "gauge", "The pods current phase.")
    for ph in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
        om.series("kube_pod_status_phase", dict(KSM, namespace=NS, pod=NEW[0], uid=NEW[1], phase=ph),
                  [(t, 1 if ph == "Pending" else 0) for t in S() if t >= UPD + 1])
        om.series("kube_pod_status_phase", dict(KSM, namespace=NS, pod=OLD, uid="46035927-1463-5a61-b590-66fb5751aaf9", phase=ph),
                  [(t, 1 if ph == "Running" else 0) for t in S()])
    om.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
    om.series("kube_deployment_status_replicas_unavailable", dict(KSM, deployment="mistral-7b-support-predictor", namespace=NS),
              [(t, 0 if t < UPD else 1) for t in S()])
    om.family("kube_node_status_allocatable", "gauge", "The allocatable for different resources of a node that are available for scheduling.")
    om.series("kube_node_status_allocatable", dict(KSM, node="ip-10-8-41-202.ec2.internal", resource="nvidia_com_gpu", unit="integer"), [(t, 1) for t in S()])
    om.series("kube_node_status_allocatable", dict(KSM, node="ip-10-8-77-19.ec2.internal", resource="nvidia_com_gpu", unit="integer"),
              [(t, 1) for t in S() if t >= epoch("2026-04-21T10:32:30Z")])
    return om.text()


def serving_om():
    om = OM()
    rng = random.Random(6)
    b = dict(instance="10.8.44.17:8080", job="kserve-predictors", namespace=NS, pod=OLD, model_name="mistral-7b-support")
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    om.series("vllm:num_requests_running", b, [(t, rng.randint(1, 7)) for t in S()])
    om.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
    om.series("vllm:gpu_cache_usage_perc", b, [(t, round(rng.uniform(0.08, 0.31), 4)) for t in S()])
    om.family("vllm:request_success", "counter", "Count of successfully processed requests.")
    om.series("vllm:request_success_total", dict(b, finished_reason="stop"), counter(T0, T1, lambda t: 0.035, start=118220, rng=rng))
    return om.text()


def main():
    write_files({"metrics/kube-state-metrics.om": ksm_om(), "metrics/kserve-predictor.om": serving_om()})


if __name__ == "__main__":
    main()
