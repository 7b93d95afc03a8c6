#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (consistent with cluster/*.yaml and logs/): at 05:40:58Z the
ExternalSecret genai-eval/hf-read-token was changed to write the Hugging Face
token under the key "token" instead of "HF_TOKEN"; running pods are unaffected.
At 05:47:30Z InferenceService gemma2-9b-it was redeployed (Recreate) with
--max_model_len=8192.  Its env HF_TOKEN references key HF_TOKEN with
optional: true, so the new kserve-container starts without a token and exits 1
on "401 ... Cannot access gated repo" for google/gemma-2-9b-it; 9 runs so far.
Samples every 15 s for the hour ending at now (2026-07-22T06:12:00Z).
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


T0 = epoch("2026-07-22T05:12:00Z")
T1 = epoch("2026-07-22T06:12:00Z")  # scenario "now"
NS = "genai-eval"
REDEPLOY = epoch("2026-07-22T05:47:30Z")   # InferenceService gemma2-9b-it generation 4 (Recreate)
OLD_POD = "gemma2-9b-it-predictor-84f6b7cd95-wq8sd"   # generation 3, started with a token, deleted at 05:47:31
NEW_POD = ("gemma2-9b-it-predictor-7b9c5d6f48-m6xqh", "eb5ec159-ba57-586b-a93d-c08c7db72078")
RERANK = "bge-reranker-predictor-5d7f8c9b64-2kzvp"
RUNS = [("2026-07-22T05:47:39Z", "2026-07-22T05:47:55Z"), ("2026-07-22T05:48:06Z", "2026-07-22T05:48:22Z"),
        ("2026-07-22T05:48:43Z", "2026-07-22T05:48:59Z"), ("2026-07-22T05:49:40Z", "2026-07-22T05:49:56Z"),
        ("2026-07-22T05:51:17Z", "2026-07-22T05:51:33Z"), ("2026-07-22T05:54:14Z", "2026-07-22T05:54:30Z"),
        ("2026-07-22T05:59:31Z", "2026-07-22T05:59:47Z"), ("2026-07-22T06:04:48Z", "2026-07-22T06:05:04Z"),
        ("2026-07-22T06:10:05Z", "2026-07-22T06:10:21Z")]
RUNS = [(epoch(a), epoch(b)) for a, b in RUNS]
GPUS = {"lab-gpu-a10-1": ("GPU-4c1e7b90-2d5a-4f86-b3e1-9a0c6d2f7e58", "192.168.112.15"),
        "lab-gpu-a10-2": ("GPU-a73f0d25-6b19-4c4e-8d52-1f9e3b7c0a46", "192.168.203.23")}
KSM = "192.168.41.20:8080"


def samples():
    return range(T0, T1 + 1, STEP)


def gpu_om():
    """gemma's GPU held ~21.9 GB until the old predictor pod was deleted, then stays empty: the new pod
    fails before it loads anything (no OOM).  The reranker GPU is steady."""
    om = OM()
    rng = random.Random(4)
    om.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    uuid, ip = GPUS["lab-gpu-a10-1"]
    base = dict(Hostname="lab-gpu-a10-1", UUID=uuid, device="nvidia0", gpu="0", instance=ip + ":9400",
                job="gpu-operator/nvidia-dcgm-exporter", modelName="NVIDIA A10")
    om.series("DCGM_FI_DEV_FB_USED", dict(base, container="kserve-container", namespace=NS, pod=OLD_POD),
              [(t, 21874 + rng.randint(-2, 2)) for t in samples() if t < REDEPLOY])
    om.series("DCGM_FI_DEV_FB_USED", base, [(t, 0) for t in samples() if t >= REDEPLOY])
    uuid, ip = GPUS["lab-gpu-a10-2"]
    om.series("DCGM_FI_DEV_FB_USED", dict(Hostname="lab-gpu-a10-2", UUID=uuid, container="kserve-container", device="nvidia0",
                                          gpu="0", instance=ip + ":9400", job="gpu-operator/nvidia-dcgm-exporter",
                                          modelName="NVIDIA A10", namespace=NS, pod=RERANK),
              [(t, 3120 + rng.randint(-2, 2)) for t in samples()])
    return om.text()


def ksm_om():
    om = OM()
    b = dict(container="kserve-container", instance=KSM, job="kube-state-metrics", namespace=NS, pod=NEW_POD[0], uid=NEW_POD[1])
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    om.series("kube_pod_container_status_restarts_total", b,
              [(t, max(0, sum(1 for s, _ in RUNS if s <= t) - 1)) for t in samples() if t >= REDEPLOY + 15])
    om.family("kube_pod_container_status_waiting_reason", "gauge",
              "Describes the reason the container is currently in waiting state.")
    om.series("kube_pod_container_status_waiting_reason", dict(b, reason="CrashLoopBackOff"),
              [(t, 1) for t in samples() if t >= RUNS[0][1] and not any(s <= t < e for s, e in RUNS)])
    return om.text()


def main():
    write_files({"metrics/gpu.om": gpu_om(), "metrics/kube-state-metrics.om": ksm_om()})


if __name__ == "__main__":
    main()
