#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (consistent with cluster/*.yaml and logs/): until 14:58Z the two
vLLM 0.6.6 replicas of assistant-prod/vllm-qwen14b (Qwen2.5-14B-Instruct, one
L40S each, ~55k tokens of KV cache per replica) serve short RAG prompts with
plenty of KV headroom.  rag-api 3.4.0 rolls out from 14:58:10Z and starts
sending 13-16k-token prompts (24 retrieved chunks); from ~14:59:40Z each
replica's KV cache is pinned at ~100 %, only 3-5 sequences fit, the waiting
queue grows steadily and the scheduler preempts (RECOMPUTE) continuously.
Nothing restarts.  waiting() and preemptions() are the same formulas that the
'Pending: N reqs' and 'total_num_cumulative_preemption=' log lines follow.
Samples every 15 s for the hour ending at now (2026-06-18T15:22:00Z).
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


T0 = epoch("2026-06-18T14:22:00Z")
T1 = epoch("2026-06-18T15:22:00Z")  # scenario "now"
NS = "assistant-prod"
RAG_ROLL = epoch("2026-06-18T14:58:10Z")   # rag-api 3.4.0 starts rolling (top_k 6 -> 24, 16k context)
PODS = [
    # name, pod ip, node, GPU uuid, dcgm exporter ip, saturation onset, preemption base, preemptions/s
    ("vllm-qwen14b-6d9c8b7f5c-k7q2m", "10.42.3.57", "gpu-l40s-01", "GPU-8a1f3c52-6e0d-4b7a-93c4-1d2e5f7a9b60", "10.42.3.21",
     epoch("2026-06-18T14:59:40Z"), 27, 0.71),
    ("vllm-qwen14b-6d9c8b7f5c-tx9wd", "10.42.4.33", "gpu-l40s-02", "GPU-f04b9e17-2c83-4d6a-a5e1-7b9c0d3f2e48", "10.42.4.34",
     epoch("2026-06-18T14:59:55Z"), 41, 0.66),
]


def samples():
    return range(T0, T1 + 1, STEP)


def waiting(i, t):
    """Requests waiting for KV blocks; the same formula drives the 'Pending: N reqs' lines in the vLLM logs."""
    onset = PODS[i][5]
    if t < onset:
        return 0
    return int(1.75 * (t - onset) / 60 + 2 + 3 * i)


def preemptions(i, t):
    onset, base, rate = PODS[i][5], PODS[i][6], PODS[i][7]
    return base if t < onset else int(base + rate * (t - onset))


def vllm_om():
    om = OM()
    rng = random.Random(18)
    run, wait, cache, pre = {}, {}, {}, {}
    for i, p in enumerate(PODS):
        r, w, c, pr = [], [], [], []
        for t in samples():
            onset = p[5]
            if t < RAG_ROLL:
                # short prompts (top_k=6, ~2-3k tokens): plenty of KV headroom
                running = max(1, int(rng.gauss(11, 4)))
                usage = min(0.78, max(0.06, running * 2600 / 55296 + rng.uniform(-0.04, 0.05)))
                queued = 0 if rng.random() < 0.93 else 1
            elif t < onset:
                running = max(1, int(rng.gauss(9, 3)))
                usage = min(0.97, 0.55 + (t - RAG_ROLL) / (onset - RAG_ROLL) * 0.4)
                queued = rng.randint(0, 2)
            else:
                running = rng.randint(3, 5)
                usage = rng.uniform(0.989, 1.0)
                queued = max(0, waiting(i, t) + rng.randint(-2, 2))
            r.append((t, float(running)))
            w.append((t, float(queued)))
            c.append((t, round(usage, 4)))
            pr.append((t, float(preemptions(i, t))))
        run[i], wait[i], cache[i], pre[i] = r, w, c, pr
    base = lambda p: dict(instance=p[1] + ":8000", job="vllm-qwen14b", model_name="qwen2.5-14b", namespace=NS, pod=p[0])
    om.family("vllm:num_requests_running", "gauge", "Number of requests currently running on GPU.")
    for i, p in enumerate(PODS):
        om.series("vllm:num_requests_running", base(p), run[i])
    om.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
    for i, p in enumerate(PODS):
        om.series("vllm:num_requests_waiting", base(p), wait[i])
    om.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
    for i, p in enumerate(PODS):
        om.series("vllm:gpu_cache_usage_perc", base(p), cache[i])
    om.family("vllm:num_preemptions", "counter", "Cumulative number of preemption from the engine.")
    for i, p in enumerate(PODS):
        om.series("vllm:num_preemptions_total", base(p), pre[i])
    return om.text()


def gpu_om():
    om = OM()
    rng = random.Random(2)
    om.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
    for p in PODS:
        lb = dict(Hostname=p[2], UUID=p[3], container="vllm", device="nvidia0", gpu="0", instance=p[4] + ":9400",
                  job="gpu-operator/nvidia-dcgm-exporter", modelName="NVIDIA L40S", namespace=NS, pod=p[0])
        om.series("DCGM_FI_DEV_FB_USED", lb, [(t, 41781 + rng.randint(-2, 2)) for t in samples()])
    return om.text()


def main():
    write_files({"metrics/vllm.om": vllm_om(), "metrics/gpu.om": gpu_om()})


if __name__ == "__main__":
    main()
