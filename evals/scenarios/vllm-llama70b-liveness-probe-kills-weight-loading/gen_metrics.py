#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (consistent with cluster/*.yaml, logs/ and alert.json): at 01:31:40Z
inference/llama-70b-instruct (vLLM 0.9.2, Llama-3.1-70B-Instruct bf16, TP=4 on
H100s, weights on an OCI File Storage PVC, ~8.5 min to load) was rolled
(Recreate) to revision 9, which adds a livenessProbe with
initialDelaySeconds 90 / period 10 / failureThreshold 3.  Every run is killed
~110 s in (SIGKILL at ~141 s because sh is PID 1 and ignores SIGTERM), after
loading only ~5 of 30 shards; GPU memory shows the sawtooth.  Both replicas
have been unavailable since the rollout.  The last run of each pod is still in
progress at now.  Samples every 15 s for the hour ending at now
(2026-10-14T02:05:00Z).
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


T0 = epoch("2026-10-14T01:05:00Z")
T1 = epoch("2026-10-14T02:05:00Z")  # scenario "now"
NS = "inference"
ROLL = epoch("2026-10-14T01:31:40Z")       # revision 9 (adds livenessProbe), strategy Recreate
OLD = [("llama-70b-instruct-7f95b6cd84-m2s8r", "10.244.3.22"), ("llama-70b-instruct-7f95b6cd84-zk4lp", "10.244.4.29")]
NEW = {
    "llama-70b-instruct-5c7d9f8b46-hq7zt": dict(
        uid="25569f9f-0fd0-52b7-a3fd-9eef16a61d8c", node="10.0.20.31", gpu0="GPU-61e326a3-9e73-5979-93a7-a9093a11a49c", gidx="0",
        runs=[("2026-10-14T01:32:17Z", "2026-10-14T01:34:38Z"), ("2026-10-14T01:34:49Z", "2026-10-14T01:37:10Z"),
              ("2026-10-14T01:37:31Z", "2026-10-14T01:39:52Z"), ("2026-10-14T01:40:33Z", "2026-10-14T01:42:54Z"),
              ("2026-10-14T01:44:15Z", "2026-10-14T01:46:36Z"), ("2026-10-14T01:49:17Z", "2026-10-14T01:51:38Z"),
              ("2026-10-14T01:56:39Z", "2026-10-14T01:59:00Z"), ("2026-10-14T02:04:01Z", "2026-10-14T02:06:22Z")]),
    "llama-70b-instruct-5c7d9f8b46-c9wkd": dict(
        uid="02c06a22-ee3c-51ec-9d3e-2d1babc9fa7c", node="10.0.20.32", gpu0="GPU-9ac99428-5da7-5a78-b81c-4e87d7e4dc42", gidx="4",
        runs=[("2026-10-14T01:32:19Z", "2026-10-14T01:34:40Z"), ("2026-10-14T01:34:51Z", "2026-10-14T01:37:12Z"),
              ("2026-10-14T01:37:33Z", "2026-10-14T01:39:54Z"), ("2026-10-14T01:40:35Z", "2026-10-14T01:42:56Z"),
              ("2026-10-14T01:44:17Z", "2026-10-14T01:46:38Z"), ("2026-10-14T01:49:19Z", "2026-10-14T01:51:40Z"),
              ("2026-10-14T01:56:41Z", "2026-10-14T01:59:02Z"), ("2026-10-14T02:04:03Z", "2026-10-14T02:06:24Z")]),
}
for _v in NEW.values():
    _v["runs"] = [(epoch(a), epoch(b)) for a, b in _v["runs"]]   # the last run is still in progress at now
DCGM = {"10.0.20.31": "10.244.3.15", "10.0.20.32": "10.244.4.13"}
KSM = "10.244.0.25:8080"


def samples():
    return range(T0, T1 + 1, STEP)


def fb_in_run(x):
    """MiB on one of the 4 GPUs x seconds into a run: CUDA/NCCL init, then ~35 GB of bf16 shards streamed from FSS
    at ~70 MB/s per GPU; the run is killed long before loading finishes (~8.5 min)."""
    if x < 24:
        return 0
    if x < 40:
        return 612
    return int(612 + (x - 40) * 68.5)


def gpu_om():
    om = OM()
    rng = random.Random(6)
    om.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    for (oname, _), (pn, v) in zip(OLD, NEW.items()):
        base = dict(Hostname=v["node"], UUID=v["gpu0"], device="nvidia" + v["gidx"], gpu=v["gidx"],
                    instance=DCGM[v["node"]] + ":9400", job="dcgm-exporter", modelName="NVIDIA H100 80GB HBM3")
        om.series("DCGM_FI_DEV_FB_USED", dict(base, container="vllm", namespace=NS, pod=oname),
                  [(t, 75846 + rng.randint(-3, 3)) for t in samples() if t < ROLL + 2])
        pts_none, pts_new = [], []
        for t in samples():
            if t < ROLL + 2:
                continue
            x = next((t - a for a, b in v["runs"] if a <= t < b), None)
            if x is None or fb_in_run(x) == 0:
                pts_none.append((t, 0))
            else:
                pts_new.append((t, fb_in_run(x)))
        om.series("DCGM_FI_DEV_FB_USED", base, pts_none)
        om.series("DCGM_FI_DEV_FB_USED", dict(base, container="vllm", namespace=NS, pod=pn), pts_new)
    return om.text()


def ksm_om():
    om = OM()
    b = dict(instance=KSM, job="kube-state-metrics")
    om.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    om.series("kube_deployment_status_replicas_available", dict(b, deployment="llama-70b-instruct", namespace=NS),
              [(t, 2 if t < ROLL else 0) for t in samples()])
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    for pn, v in NEW.items():
        om.series("kube_pod_container_status_restarts_total", dict(b, container="vllm", namespace=NS, pod=pn, uid=v["uid"]),
                  [(t, sum(1 for a, e in v["runs"] if e <= t)) for t in samples() if t >= v["runs"][0][0]])
    return om.text()


def vllm_om():
    om = OM()
    rng = random.Random(2)
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    for pn, ip in OLD:
        om.series("vllm:num_requests_running", dict(engine="0", instance=ip + ":8000", job="llama-70b-instruct",
                                                     model_name="llama-3.1-70b-instruct", namespace=NS, pod=pn),
                  [(t, float(max(0, int(rng.gauss(14, 5))))) for t in samples() if t < ROLL])
    return om.text()


def main():
    write_files({"metrics/gpu.om": gpu_om(), "metrics/kube-state-metrics.om": ksm_om(), "metrics/vllm.om": vllm_om()})


if __name__ == "__main__":
    main()
