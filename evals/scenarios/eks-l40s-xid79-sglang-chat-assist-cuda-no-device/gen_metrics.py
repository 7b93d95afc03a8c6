#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py   (writes next to this file)

Timeline: GPU 2 (PCI 0000:9e:00.0) of ip-10-40-21-58 fell off the bus (Xid 79) at 13:41:07Z;
DCGM stops reporting its fields except XID_ERRORS=79, kubelet allocatable nvidia.com/gpu drops 4 -> 3,
the SGLang pod using it restarts and crashloops. vLLM on the healthy node runs with a hot KV cache.
15 s samples for the hour ending at now (2026-03-12T14:32:00Z).
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

# ---------------------------------------------------------------- scenario data
T1 = epoch("2026-03-12T14:32:00Z")  # scenario "now"
T0 = T1 - 3600
FAULT = epoch("2026-03-12T13:41:07Z")  # Xid 79 on GPU 2 of the bad node
NBAD = "ip-10-40-21-58.us-east-2.compute.internal"
NOK = "ip-10-40-37-204.us-east-2.compute.internal"
NS = "genai-apps"
SG_POD = "sglang-qwen25-14b-6f8d9c7b5d-xk2rt"
SG_UID = "af679996-268d-526d-8eca-03559038e158"
VL_POD = "vllm-llama31-8b-5b8f6c47d9-j7h4c"
TEI_POD = "tei-bge-m3-84c7d95b6f-m2x9w"
# sglang restarts after the fault: (start, end) of each failed instance
RUNS = [("13:41:19", "13:41:58"), ("13:42:14", "13:42:52"), ("13:43:20", "13:43:58"), ("13:44:41", "13:45:20"),
        ("13:46:10", "13:46:49"), ("13:48:52", "13:49:31"), ("13:54:08", "13:54:47"), ("13:59:29", "14:00:08"),
        ("14:05:44", "14:06:22"), ("14:26:51", "14:27:38")]
RUNS = [(epoch("2026-03-12T" + a + "Z"), epoch("2026-03-12T" + b + "Z")) for a, b in RUNS]
# restarts before the last run: 9 (the container was also restarted once at the fault itself)
GPUS = {
    NBAD: ("10.40.21.201:9400", [
        ("0", "GPU-0b7c4e91-3a5d-4f28-9e06-c2d18a7b5f43", "00000000:38:00.0", TEI_POD, "tei"),
        ("1", "GPU-7e2a9d40-58c1-4b3f-a6e7-0d94f1c23b85", "00000000:3A:00.0", None, None),
        ("2", "GPU-5d0f8a3c-7e21-4b96-a4c8-1f39e0b27d64", "00000000:9E:00.0", SG_POD, "sglang"),
        ("3", "GPU-c81f3b07-2e94-4d6a-b5c0-7a18e9d46f21", "00000000:A0:00.0", None, None)]),
    NOK: ("10.40.39.12:9400", [
        ("0", "GPU-3f9e1a62-c47b-4e05-8d21-b60a7c93e5f8", "00000000:38:00.0", VL_POD, "vllm"),
        ("1", "GPU-a24d7c18-9b3e-4f60-81c5-e7f20d6b9a34", "00000000:3A:00.0", None, None),
        ("2", "GPU-6b0e5f93-1d7a-4c28-b9e4-3c85a1f07d62", "00000000:9E:00.0", None, None),
        ("3", "GPU-e95c2a47-8f10-4b3d-a6d9-5172c0e8b3f4", "00000000:A0:00.0", None, None)]),
}


def S():
    return samples(T0, T1)


def gpu_om():
    om = OM()
    rng = random.Random(79)
    fams = [("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."), ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB)."),
            ("DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.")]
    for fam, help_ in fams:
        om.family(fam, "gauge", help_)
        for node, (inst, gpus) in GPUS.items():
            for gpu, uuid, pci, pod, ctr in gpus:
                lab = dict(Hostname=node, UUID=uuid, device="nvidia" + gpu, gpu=gpu,
                           instance=inst, job="nvidia-dcgm-exporter", modelName="NVIDIA L40S", pci_bus_id=pci)
                if pod:
                    lab.update(namespace=NS, pod=pod, container=ctr)
                bad = node == NBAD and gpu == "2"
                pts = []
                for t in S():
                    if fam == "DCGM_FI_DEV_XID_ERRORS":
                        pts.append((t, 79 if (bad and t >= FAULT) else 0))
                        continue
                    if bad and t >= FAULT:
                        continue  # the exporter can no longer read this GPU; fields are blank and skipped
                    if fam == "DCGM_FI_DEV_GPU_UTIL":
                        v = {"sglang": rng.randint(35, 80), "vllm": rng.randint(88, 100), "tei": rng.randint(5, 30)}.get(ctr, 0)
                    else:
                        v = {"sglang": 39212, "vllm": 41488, "tei": 3870}.get(ctr, 0) + (rng.randint(-3, 3) if ctr else 0)
                    pts.append((t, v))
                om.series(fam, lab, pts)
    return om.text()


def vllm_om():
    om = OM()
    rng = random.Random(8)
    base = dict(engine="0", instance="10.40.36.140:8000", job="kubernetes-pods", model_name="meta-llama/Llama-3.1-8B-Instruct",
                namespace=NS, pod=VL_POD)
    kv = []
    wait = []
    run = []
    for t in S():
        x = (t - T0) / 3600.0
        u = min(0.985, 0.86 + 0.08 * x + rng.uniform(-0.02, 0.03))
        kv.append((t, round(u, 4)))
        run.append((t, rng.randint(42, 62)))
        wait.append((t, max(0, int(rng.gauss(2.5 + 3 * x, 1.6)))))
    om.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
    om.series("vllm:gpu_cache_usage_perc", base, kv)
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    om.series("vllm:num_requests_running", base, run)
    om.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
    om.series("vllm:num_requests_waiting", base, wait)
    om.family("vllm:num_preemptions", "counter", "Cumulative number of preemption from the engine.")
    om.series("vllm:num_preemptions_total", base, counter(T0, T1, lambda t: 0.012, start=1841, rng=rng))
    om.family("vllm:request_success", "counter", "Count of successfully processed requests.")
    om.series("vllm:request_success_total", dict(base, finished_reason="stop"), counter(T0, T1, lambda t: 3.1, start=2284113, rng=rng))
    return om.text()


def ksm_om():
    om = OM()
    ksm = dict(instance="10.40.2.140:8080", job="kube-state-metrics")
    om.family("kube_node_status_allocatable", "gauge", "The allocatable for different resources of a node that are available for scheduling.")
    om.series("kube_node_status_allocatable", dict(ksm, node=NBAD, resource="nvidia_com_gpu", unit="integer"),
              [(t, 4 if t < FAULT + 10 else 3) for t in S()])
    om.series("kube_node_status_allocatable", dict(ksm, node=NOK, resource="nvidia_com_gpu", unit="integer"), [(t, 4) for t in S()])
    om.family("kube_node_status_capacity", "gauge", "The capacity for different resources of a node.")
    for n in (NBAD, NOK):
        om.series("kube_node_status_capacity", dict(ksm, node=n, resource="nvidia_com_gpu", unit="integer"), [(t, 4) for t in S()])
    om.family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
    for n in (NBAD, NOK):
        for st in ("true", "false", "unknown"):
            om.series("kube_node_status_condition", dict(ksm, node=n, condition="Ready", status=st), [(t, 1 if st == "true" else 0) for t in S()])
    b = dict(ksm, namespace=NS, pod=SG_POD, uid=SG_UID, container="sglang")

    def restarts(t):
        if t < FAULT + 12:
            return 0
        return 1 + sum(1 for s, e in RUNS[:-1] if e <= t)
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    om.series("kube_pod_container_status_restarts_total", b, [(t, restarts(t)) for t in S()])
    om.family("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded.")
    om.series("kube_pod_container_status_ready", b, [(t, 1 if t < FAULT + 5 else 0) for t in S()])
    om.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
    om.series("kube_pod_container_status_waiting_reason", dict(b, reason="CrashLoopBackOff"),
              [(t, 0 if (t < RUNS[0][1] or any(s <= t < e for s, e in RUNS)) else 1) for t in S()])
    return om.text()


def main():
    write_files({"metrics/gpu.om": gpu_om(), "metrics/vllm.om": vllm_om(), "metrics/kube-state-metrics.om": ksm_om()})


if __name__ == "__main__":
    main()
