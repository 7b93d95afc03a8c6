#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (consistent with cluster/*.yaml and logs/): at 10:51:18Z
ml-inference/qwen25-7b-chat was rolled to revision 12, which mounts the
model-store share with subPath "Qwen2.5-7B-Instruct" at /models/qwen instead of
the whole share at /models (the model lives under hf/Qwen2.5-7B-Instruct).  The
kubelet creates the missing subPath as an empty directory, vLLM exits 1 within
~11 s ("Invalid repository ID or local directory specified: '/models/qwen'"),
and the surge pod crash-loops on the third A100 node; its GPU memory stays at 0.
The two revision-11 pods keep serving.
Samples every 15 s for the hour ending at now (2026-05-07T11:14:00Z).
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


T0 = epoch("2026-05-07T10:14:00Z")
T1 = epoch("2026-05-07T11:14:00Z")  # scenario "now"
NS = "ml-inference"
ROLL = epoch("2026-05-07T10:51:18Z")
OLD = [("qwen25-7b-chat-5f8c9d7b66-9xv2c", "10.244.4.17", "aks-gpua100-40028317-vmss000000",
        "GPU-0b7e2f94-1c6a-4d83-9e25-7a4f1c8d3b60", "10.244.4.13"),
       ("qwen25-7b-chat-5f8c9d7b66-lq6tp", "10.244.5.23", "aks-gpua100-40028317-vmss000001",
        "GPU-6d31c0a8-94f2-4b7e-8a1d-2c5e9f0b7a14", "10.244.5.11")]
NEW = ("qwen25-7b-chat-68d5f7c9b4-b8kzn", "10.244.6.31", "aks-gpua100-40028317-vmss000002",
       "GPU-e2a94c17-5b3d-4f68-b0c9-81d7a6f2e3c5", "10.244.6.15", "3c29050e-8d8f-5c13-8d30-562c390af442")
RUNS = [("2026-05-07T10:51:22Z", "2026-05-07T10:51:33Z"), ("2026-05-07T10:51:44Z", "2026-05-07T10:51:55Z"),
        ("2026-05-07T10:52:16Z", "2026-05-07T10:52:27Z"), ("2026-05-07T10:53:08Z", "2026-05-07T10:53:19Z"),
        ("2026-05-07T10:54:40Z", "2026-05-07T10:54:51Z"), ("2026-05-07T10:57:32Z", "2026-05-07T10:57:43Z"),
        ("2026-05-07T11:02:44Z", "2026-05-07T11:02:55Z"), ("2026-05-07T11:07:56Z", "2026-05-07T11:08:07Z"),
        ("2026-05-07T11:13:08Z", "2026-05-07T11:13:19Z")]
RUNS = [(epoch(a), epoch(b)) for a, b in RUNS]
KSM = "10.244.0.29:8080"


def samples():
    return range(T0, T1 + 1, STEP)


def vllm_om():
    om = OM()
    rng = random.Random(7)
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    for pod, ip, *_ in OLD:
        om.series("vllm:num_requests_running", dict(engine="0", instance=ip + ":8000", job="qwen25-7b-chat",
                                                     model_name="qwen2.5-7b-instruct", namespace=NS, pod=pod),
                  [(t, float(max(0, int(rng.gauss(4, 2.5))))) for t in samples()])
    om.family("up", "gauge")
    om.series("up", dict(instance=NEW[1] + ":8000", job="qwen25-7b-chat", namespace=NS, pod=NEW[0]),
              [(t, 0) for t in samples() if t >= ROLL + 15])
    return om.text()


def gpu_om():
    """GPU memory: the revision-12 pod never gets as far as loading weights (no OOM, nothing allocated)."""
    om = OM()
    rng = random.Random(8)
    om.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    pod, ip, node, uuid, dcgm = OLD[0]
    om.series("DCGM_FI_DEV_FB_USED", dict(Hostname=node, UUID=uuid, container="vllm", device="nvidia0", gpu="0",
                                          instance=dcgm + ":9400", job="dcgm-exporter", modelName="NVIDIA A100 80GB PCIe",
                                          namespace=NS, pod=pod),
              [(t, 75391 + rng.randint(-2, 2)) for t in samples()])
    pod, ip, node, uuid, dcgm, _ = NEW
    base = dict(Hostname=node, UUID=uuid, device="nvidia0", gpu="0", instance=dcgm + ":9400", job="dcgm-exporter",
                modelName="NVIDIA A100 80GB PCIe")
    om.series("DCGM_FI_DEV_FB_USED", base, [(t, 0) for t in samples()])
    return om.text()


def ksm_om():
    om = OM()
    b = dict(container="vllm", instance=KSM, job="kube-state-metrics", namespace=NS, pod=NEW[0], uid=NEW[5])
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    om.series("kube_pod_container_status_restarts_total", b,
              [(t, max(0, sum(1 for s, _ in RUNS if s <= t) - 1)) for t in samples() if t >= ROLL + 15])
    om.family("kube_pod_container_status_last_terminated_exitcode", "gauge",
              "Describes the exit code for the last container in terminated state.")
    om.series("kube_pod_container_status_last_terminated_exitcode", b, [(t, 1) for t in samples() if t >= RUNS[0][1]])
    return om.text()


def main():
    write_files({"metrics/vllm.om": vllm_om(), "metrics/gpu.om": gpu_om(), "metrics/kube-state-metrics.om": ksm_om()})


if __name__ == "__main__":
    main()
