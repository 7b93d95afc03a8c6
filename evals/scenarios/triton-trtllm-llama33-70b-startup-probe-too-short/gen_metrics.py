#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (consistent with cluster/*.yaml and logs/): triton-serving/triton-llm
(Triton 25.01 + TensorRT-LLM 0.16, one H200 per replica, engines on an NFS PVC)
served the Llama-3.1-8B FP8 engine, which loads in ~40 s.  At 16:12:30Z
revision 14 switched the model repository to the 66.6 GiB Llama-3.3-70B FP8
engine (~4.5 min to read from NFS) but kept the startupProbe at
periodSeconds 10 x failureThreshold 12 = 120 s.  With maxSurge 0 /
maxUnavailable 1 one revision-13 pod was replaced; the new pod is killed by the
startup probe at ~112 s (SIGKILL ~30 s later, exit 137) in every run, its GPU
memory showing the partial engine load each time, while the remaining
revision-13 pod serves all requests.
Samples every 15 s for the hour ending at now (2026-12-02T16:40:00Z).
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


T0 = epoch("2026-12-02T15:40:00Z")
T1 = epoch("2026-12-02T16:40:00Z")  # scenario "now"
NS = "triton-serving"
ROLL = epoch("2026-12-02T16:12:30Z")   # revision 14: model repository switched to the 70B FP8 engine
OLD_A = ("triton-llm-57c9d8f6b4-4ppzr", "10.0.7.112", "h200-rack2-n07")   # revision 13 (8B), keeps serving
OLD_B = ("triton-llm-57c9d8f6b4-wd6tn", "10.0.8.41", "h200-rack2-n08")    # revision 13, deleted by the rollout
NEW = ("triton-llm-6f8d4b7c95-qz8rk", "10.0.8.63", "h200-rack2-n08", "66c8a92d-f3fa-5b8f-be3d-6cc4c82fd6e8")
RUNS = [("2026-12-02T16:12:42Z", "2026-12-02T16:15:05Z"), ("2026-12-02T16:15:16Z", "2026-12-02T16:17:39Z"),
        ("2026-12-02T16:18:00Z", "2026-12-02T16:20:23Z"), ("2026-12-02T16:21:04Z", "2026-12-02T16:23:27Z"),
        ("2026-12-02T16:24:48Z", "2026-12-02T16:27:11Z"), ("2026-12-02T16:29:52Z", "2026-12-02T16:32:15Z"),
        ("2026-12-02T16:37:16Z", "2026-12-02T16:39:39Z")]
RUNS = [(epoch(a), epoch(b)) for a, b in RUNS]
GPU = {"h200-rack2-n07": ("GPU-2f7a9c13-84e6-4d1b-a09e-5c3b7d2e8f41", "10.0.7.14", "2"),
       "h200-rack2-n08": ("GPU-b5e01d68-3a9f-47c2-8e14-9d6f2a0c7b35", "10.0.8.18", "5")}
KSM = "10.0.1.25:8080"


def samples():
    return range(T0, T1 + 1, STEP)


def fb_new(x):
    """MiB on the new pod's GPU x s into a run: CUDA context, then the 66.6 GiB engine streams in from NFS at
    ~265 MB/s; SIGTERM at ~112 s, SIGKILL at ~143 s (the engine never finishes loading)."""
    if x < 2:
        return 0
    if x < 4:
        return 530
    return int(530 + (x - 4) * 253)


def gpu_om():
    om = OM()
    rng = random.Random(21)
    om.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    uuid, ip, idx = GPU[OLD_A[2]]
    base = dict(Hostname=OLD_A[2], UUID=uuid, device="nvidia" + idx, gpu=idx, instance=ip + ":9400",
                job="gpu-operator/nvidia-dcgm-exporter", modelName="NVIDIA H200")
    om.series("DCGM_FI_DEV_FB_USED", dict(base, container="triton", namespace=NS, pod=OLD_A[0]),
              [(t, 115262 + rng.randint(-3, 3)) for t in samples()])
    uuid, ip, idx = GPU[NEW[2]]
    base = dict(Hostname=NEW[2], UUID=uuid, device="nvidia" + idx, gpu=idx, instance=ip + ":9400",
                job="gpu-operator/nvidia-dcgm-exporter", modelName="NVIDIA H200")
    om.series("DCGM_FI_DEV_FB_USED", dict(base, container="triton", namespace=NS, pod=OLD_B[0]),
              [(t, 115258 + rng.randint(-3, 3)) for t in samples() if t < ROLL + 2])
    idle, used = [], []
    for t in samples():
        if t < ROLL + 2:
            continue
        x = next((t - a for a, b in RUNS if a <= t < b), None)
        v = 0 if x is None else fb_new(x)
        (used if v else idle).append((t, v))
    om.series("DCGM_FI_DEV_FB_USED", base, idle)
    om.series("DCGM_FI_DEV_FB_USED", dict(base, container="triton", namespace=NS, pod=NEW[0]), used)
    return om.text()


def triton_om():
    """Requests served by the revision-13 pods (Triton counters have no _total suffix, so the family is 'unknown')."""
    om = OM()
    rng = random.Random(5)
    om.family("nv_inference_request_success", "unknown", "Number of successful inference requests, all batch sizes")
    for pod, ip, _node in (OLD_A, OLD_B):
        n = {OLD_A[0]: 1804412, OLD_B[0]: 1799067}[pod]
        pts = []
        for t in samples():
            if pod == OLD_B[0] and t >= ROLL:
                break
            n += sum(1 for _ in range(15) if rng.random() < (0.12 if t < ROLL or pod == OLD_B[0] else 0.23))
            pts.append((t, n))
        om.series("nv_inference_request_success", dict(instance=ip + ":8002", job="triton-llm", model="ensemble",
                                                       namespace=NS, pod=pod, version="1"), pts)
    return om.text()


def ksm_om():
    om = OM()
    b = dict(container="triton", instance=KSM, job="kube-state-metrics", namespace=NS, pod=NEW[0], uid=NEW[3])
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    om.series("kube_pod_container_status_restarts_total", b,
              [(t, sum(1 for _, e in RUNS if e <= t)) for t in samples() if t >= ROLL + 15])
    om.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
    om.series("kube_deployment_status_replicas_unavailable", dict(instance=KSM, job="kube-state-metrics", deployment="triton-llm",
                                                                   namespace=NS),
              [(t, 0 if t < ROLL else 1) for t in samples()])
    return om.text()


def main():
    write_files({"metrics/gpu.om": gpu_om(), "metrics/triton.om": triton_om(), "metrics/kube-state-metrics.om": ksm_om()})


if __name__ == "__main__":
    main()
