#!/usr/bin/env python3
"""Generates metrics/*.om for this scenario (run: python3 gen_metrics.py). Deterministic."""
import math
import os
import random

STEP = 15
HERE = os.path.dirname(os.path.abspath(__file__))


def fmt(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return "%d" % v
    return ("%.6f" % v).rstrip("0").rstrip(".") if abs(v) >= 1e-4 else "%.6e" % v


def lbl(d):
    return "{" + ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"')) for k, v in sorted(d.items())) + "}"


class OM:
    def __init__(self, now):
        self.now = now
        self.ts = [now - 3600 + i * STEP for i in range(3600 // STEP + 1)]
        self.fams = []

    def family(self, name, typ, help_, unit=None):
        f = {"name": name, "type": typ, "help": help_, "unit": unit, "lines": []}
        self.fams.append(f)
        return f

    def series(self, fam, sample_name, labels, values):
        """values: list aligned with self.ts (None = series absent at that point)"""
        for t, v in zip(self.ts, values):
            if v is None:
                continue
            fam["lines"].append("%s%s %s %d" % (sample_name, lbl(labels), fmt(v), t))

    def write(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            for fam in self.fams:
                if not fam["lines"]:
                    continue
                f.write("# HELP %s %s\n" % (fam["name"], fam["help"]))
                f.write("# TYPE %s %s\n" % (fam["name"], fam["type"]))
                if fam["unit"]:
                    f.write("# UNIT %s %s\n" % (fam["name"], fam["unit"]))
                f.write("\n".join(fam["lines"]) + "\n")
            f.write("# EOF\n")


def counter_from_rate(ts, rate_fn, start=0.0, integer=False, reset_at=None, rng=None):
    """cumulative counter; rate_fn(t) -> per-second rate. reset_at: list of t where counter restarts at 0."""
    out = []
    v = start
    prev = None
    for t in ts:
        if reset_at and any(prev is not None and prev < r <= t for r in reset_at):
            v = 0.0
        elif prev is not None:
            v += max(0.0, rate_fn(t)) * (t - prev)
        out.append(float(int(v)) if integer else round(v, 3))
        prev = t
    return out


def hist_series(om, fam, name, labels, ts, buckets, count_rate_fn, sampler, rng, start_count=0):
    """Emit a cumulative histogram; sampler(t, rng) returns one observation."""
    cum = [0] * len(buckets)
    total = start_count
    s = 0.0
    # seed with history so the histogram does not start at zero
    lines = []
    prev = None
    carry = 0.0
    for t in ts:
        n = 0
        if prev is None:
            n = start_count
        else:
            carry += count_rate_fn(t) * (t - prev)
            n = int(carry)
            carry -= n
        for _ in range(n):
            x = sampler(t, rng)
            s += x
            for i, b in enumerate(buckets):
                if x <= b:
                    cum[i] += 1
        total = total + n if prev is not None else n
        for i, b in enumerate(buckets):
            l = dict(labels)
            l["le"] = fmt(float(b)) if b != float("inf") else "+Inf"
            if l["le"] != "+Inf" and "." not in l["le"]:
                l["le"] += ".0"
            lines.append("%s_bucket%s %d %d" % (name, lbl(l), cum[i] if b != float("inf") else total, t))
        lines.append("%s_sum%s %s %d" % (name, lbl(labels), fmt(round(s, 3)), t))
        lines.append("%s_count%s %d %d" % (name, lbl(labels), total, t))
        prev = t
    fam["lines"].extend(lines)


def noisy(rng, base, rel=0.05):
    return base * (1 + rng.uniform(-rel, rel))


def E(s):
    import calendar
    import time
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


STATE = {
 "vllm_pods": [
  [
   "vllm-llama33-70b-66bfw82zf-dfbjk",
   "10.42.3.41",
   "dc2-hgx-01"
  ],
  [
   "vllm-llama33-70b-66bfw82zf-l4sk9",
   "10.42.4.17",
   "dc2-hgx-02"
  ]
 ],
 "tei_pod": "tei-bge-m3-4g648gjgpv-2xzc9",
 "nb_pod": "jupyter-mkovacs-0",
 "batch": 1794913334,
 "extra_uids": []
}
STATE_UIDS = {
 "chat-web-hd858h6nv6-8jm7m": "7c778ad5-1580-4a35-8fe8-7f5145011529",
 "chat-web-hd858h6nv6-kq8g4": "6bce55a3-fe86-4d53-8425-b0cf2958e9ef",
 "chat-web-hd858h6nv6-rgcd6": "2621f9de-2fe4-4110-a3e2-608e63c16b99",
 "contract-review-backfill-fzxj4": "93674990-8cf5-4935-ad75-b970bc435138",
 "jupyter-mkovacs-0": "37efd6d8-fc4c-48da-ad35-504cdb52f73d",
 "litellm-gjdhw8qbc-dnp4b": "2be80aac-f494-4db0-a024-757f77e67013",
 "litellm-gjdhw8qbc-z22q8": "3a456aec-6984-4fa4-8183-df79ccbcbe5c",
 "tei-bge-m3-4g648gjgpv-2xzc9": "aa675d89-eac9-4d72-84cb-73457e370b30",
 "vllm-llama33-70b-66bfw82zf-dfbjk": "f0757da1-3017-4795-be4d-1ce9ef8b7261",
 "vllm-llama33-70b-66bfw82zf-l4sk9": "47e3109a-1680-4db8-8ca6-05f81e19f007"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-17T11:40:00Z")
BATCH = STATE["batch"]  # contract-review-backfill starts sending 40-90k token prompts
om_v, om_g, om_k = OM(NOW), OM(NOW), OM(NOW)
TS = om_v.ts


def load(t, pi):
    r = random.Random(int(t) * 7 + pi)
    if t < BATCH:
        return {"running": int(r.uniform(18, 30)), "waiting": 0 if r.random() < 0.85 else 1, "kv": r.uniform(0.18, 0.34),
                "ptput": r.uniform(3500, 7000), "gtput": r.uniform(850, 1300), "preempt": 0.0, "util": r.uniform(62, 88),
                "chat_rate": 0.95, "batch_rate": 0.0}
    ramp = min(1.0, (t - BATCH) / 420.0)
    return {"running": int(r.uniform(8, 14) if ramp > 0.6 else r.uniform(14, 24)),
            "waiting": int(ramp * r.uniform(38, 52) + (t - BATCH) / 160.0),
            "kv": min(0.999, 0.34 + ramp * 0.66) - r.uniform(0, 0.008),
            "ptput": r.uniform(9000, 14000), "gtput": r.uniform(180, 340) if ramp > 0.6 else r.uniform(500, 800),
            "preempt": ramp * r.uniform(0.25, 0.6), "util": r.uniform(96, 100), "chat_rate": 0.9, "batch_rate": 0.11}


MODEL = "llama-3.3-70b-instruct"
running = om_v.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
waiting = om_v.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
kvp = om_v.family("vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.")
pre = om_v.family("vllm:num_preemptions", "counter", "Cumulative number of preemption from the engine.")
ptok = om_v.family("vllm:prompt_tokens", "counter", "Number of prefill tokens processed.")
gtok = om_v.family("vllm:generation_tokens", "counter", "Number of generation tokens processed.")
ttft = om_v.family("vllm:time_to_first_token_seconds", "histogram", "Histogram of time to first token in seconds.")
plen = om_v.family("vllm:request_prompt_tokens", "histogram", "Number of prefill tokens processed.")
# metric_relabel_configs keep a subset of buckets for these histograms
TTFT_B = [0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, float("inf")]
PLEN_B = [5000.0, 20000.0, 50000.0, 100000.0, float("inf")]


def emit_hist(fam, name, base, buckets, seed_counts, seed_sum, obs_fn):
    cum = list(seed_counts)
    s = seed_sum
    for t in TS:
        for x in obs_fn(t):
            s += x
            for i, b in enumerate(buckets):
                if x <= b:
                    cum[i] += 1
        for i, b in enumerate(buckets):
            le = "+Inf" if b == float("inf") else ("%.1f" % b)
            fam["lines"].append("%s_bucket%s %d %d" % (name, lbl(dict(base, le=le)), cum[i], t))
        fam["lines"].append("%s_sum%s %s %d" % (name, lbl(base), fmt(round(s, 3)), t))
        fam["lines"].append("%s_count%s %d %d" % (name, lbl(base), cum[-1], t))


for pi, (pod, ip, node) in enumerate(STATE["vllm_pods"]):
    base = {"engine": "0", "instance": "%s:8000" % ip, "job": "vllm", "model_name": MODEL, "namespace": "genai-serving", "pod": pod}
    L = [load(t, pi) for t in TS]
    om_v.series(running, "vllm:num_requests_running", base, [x["running"] for x in L])
    om_v.series(waiting, "vllm:num_requests_waiting", base, [x["waiting"] for x in L])
    om_v.series(kvp, "vllm:kv_cache_usage_perc", base, [round(x["kv"], 4) for x in L])
    for fam, name, key, start in [(pre, "vllm:num_preemptions_total", "preempt", 212 + 17 * pi),
                                  (ptok, "vllm:prompt_tokens_total", "ptput", 9.3021e9 + 1.1e8 * pi),
                                  (gtok, "vllm:generation_tokens_total", "gtput", 1.7715e9 + 3.2e7 * pi)]:
        v, out = start, []
        for t, x in zip(TS, L):
            v += x[key] * STEP
            out.append(int(v))
        out[0] = int(start)
        om_v.series(fam, name, base, out)
    rr = random.Random(100 + pi)

    def ttft_obs(t, rr=rr, pi=pi):
        x = load(t, pi)
        n_chat = int(x["chat_rate"] * STEP * rr.uniform(0.7, 1.3))
        n_batch = int(x["batch_rate"] * STEP * rr.uniform(0.5, 1.5))
        if t < BATCH:
            return [rr.lognormvariate(-0.6, 0.5) for _ in range(n_chat)]
        sev = min(1.0, (t - BATCH) / 420.0)
        return [rr.lognormvariate(-0.6 + sev * 3.7, 0.45) for _ in range(n_chat)] + [rr.lognormvariate(1.5 + sev * 3.0, 0.5) for _ in range(n_batch)]

    def plen_obs(t, rr=rr, pi=pi):
        x = load(t, pi)
        n_chat = int(x["chat_rate"] * STEP * rr.uniform(0.7, 1.3))
        n_batch = int(x["batch_rate"] * STEP * rr.uniform(0.5, 1.5))
        return [int(rr.lognormvariate(7.4, 0.9)) for _ in range(n_chat)] + [int(min(99000, rr.lognormvariate(10.85, 0.35))) for _ in range(n_batch)]

    emit_hist(ttft, "vllm:time_to_first_token_seconds", base, TTFT_B, [301211, 334870, 338002, 338550, 338702, 338740, 338751, 338752, 338752],
              148877.1, ttft_obs)
    emit_hist(plen, "vllm:request_prompt_tokens", base, PLEN_B, [331002, 337998, 338690, 338752, 338752], 6.11e8, plen_obs)
om_v.write(os.path.join(HERE, "metrics", "vllm.om"))

# ---------------- DCGM (two GPUs per vLLM pod; weights + pre-allocated KV cache => flat framebuffer usage)
fb = om_g.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
ut = om_g.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
for pi, (pod, ip, node) in enumerate(STATE["vllm_pods"]):
    for g in range(2):
        lab = {"DCGM_FI_DRIVER_VERSION": "570.195.03", "Hostname": node, "UUID": "GPU-%08x-%04x-4%03x-a%03x-%012x" % (0x5a1c0000 + pi * 16 + g, 0x11 * g + pi, pi, g, 0x9e3779b97f4a + pi * 7 + g),
               "container": "vllm", "device": "nvidia%d" % g, "gpu": str(g), "instance": "10.42.%d.9:9400" % (3 + pi), "job": "gpu-operator/nvidia-dcgm-exporter",
               "modelName": "NVIDIA H100 80GB HBM3", "namespace": "genai-serving", "pci_bus_id": "00000000:%02X:00.0" % (0x18 + 0x11 * g), "pod": pod}
        r = random.Random(pi * 10 + g)
        om_g.series(fb, "DCGM_FI_DEV_FB_USED", lab, [73671 + r.randint(-2, 2) for t in TS])
        om_g.series(ut, "DCGM_FI_DEV_GPU_UTIL", lab, [round(load(t, pi)["util"] + r.uniform(-2, 1)) for t in TS])
om_g.write(os.path.join(HERE, "metrics", "gpu.om"))

# ---------------- kube-state-metrics
KSM = {"instance": "10.42.1.12:8080", "job": "kube-state-metrics"}
rst = om_k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
ltr = om_k.family("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the container was in terminated state.")
av = om_k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
for pod, ip, node in STATE["vllm_pods"]:
    om_k.series(rst, "kube_pod_container_status_restarts_total", dict(KSM, namespace="genai-serving", pod=pod, container="vllm", uid=STATE_UIDS[pod]), [0] * len(TS))
nb = STATE["nb_pod"]
restarts_at = [E("2026-11-17T10:41:02Z"), E("2026-11-17T10:44:30Z"), E("2026-11-17T10:51:40Z"), E("2026-11-17T11:03:55Z"),
               E("2026-11-17T11:16:20Z"), E("2026-11-17T11:31:11Z")]
om_k.series(rst, "kube_pod_container_status_restarts_total", dict(KSM, namespace="research", pod=nb, container="notebook", uid=STATE_UIDS[nb]),
            [8 + sum(1 for r in restarts_at if r <= t) for t in TS])
om_k.series(ltr, "kube_pod_container_status_last_terminated_reason", dict(KSM, namespace="research", pod=nb, container="notebook", uid=STATE_UIDS[nb], reason="OOMKilled"),
            [1] * len(TS))
for ns, dep, n in [("genai-serving", "vllm-llama33-70b", 2), ("genai-serving", "tei-bge-m3", 1), ("genai-gateway", "litellm", 2), ("chat", "chat-web", 3)]:
    om_k.series(av, "kube_deployment_status_replicas_available", dict(KSM, namespace=ns, deployment=dep), [n] * len(TS))
om_k.write(os.path.join(HERE, "metrics", "kube-state-metrics.om"))
print("metrics written")
