#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (consistent with cluster/*.yaml and logs/): support-bot/tgi-llama31-8b
(TGI 3.2.1, Llama-3.1-8B-Instruct, one L4 per replica, MAX_TOTAL_TOKENS 8192,
KV budget 31504 tokens per replica set at warmup) is unchanged for days.  At
20:09:27Z ticket-summarizer 2.8.0 rolls out without SUMMARY_MAX_TOKENS, so its
chat requests carry no max_tokens and TGI reserves max_total_tokens - prompt
(i.e. the whole 8192) per request.  From ~20:10 each replica fits only 3-4
sequences, tgi_batch_current_max_tokens sits at the budget and tgi_queue_size
climbs.  The concurrent, unrelated analytics/clickstream-exporter rollout
(20:14Z, image tag v2.31 does not exist) only shows up as an ImagePullBackOff.
Samples every 15 s for the hour ending at now (2026-09-03T20:38:00Z).
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


T0 = epoch("2026-09-03T19:38:00Z")
T1 = epoch("2026-09-03T20:38:00Z")  # scenario "now"
NS = "support-bot"
SUM_ROLL = epoch("2026-09-03T20:09:27Z")   # ticket-summarizer 2.8.0 stops sending max_tokens
ONSET = SUM_ROLL + 40                      # both new summarizer pods running
BUDGET = 31504                             # "Setting max batch total tokens to 31504" (warmup, per replica)
TGI = [("tgi-llama31-8b-7f6b9d4c88-bq4tz", "10.52.4.9"), ("tgi-llama31-8b-7f6b9d4c88-k2m8x", "10.52.5.11"),
       ("tgi-llama31-8b-7f6b9d4c88-wr7fd", "10.52.6.8")]
BAD = ("clickstream-exporter-84d7c6b59f-t4wmc", "5a176a5f-fc30-55f1-9477-c4cd01896e64")
CS_ROLL = epoch("2026-09-03T20:14:02Z")
KSM = "10.52.0.27:8080"


def samples():
    return range(T0, T1 + 1, STEP)


def tgi_om():
    """Per replica: before the change requests reserve prompt + 400 (summaries) or + 512 (chat) tokens, so
    10-16 fit in the 31504-token budget; afterwards summarizer requests reserve prompt + (8192 - prompt) =
    8192 tokens each, only 3-4 sequences fit and the queue grows."""
    om = OM()
    rng = random.Random(33)
    q, bs, mt = {}, {}, {}
    for i, (pod, ip) in enumerate(TGI):
        qq, bb, mm = [], [], []
        for t in samples():
            if t < ONSET:
                size = max(1, int(rng.gauss(11, 3)))
                maxtok = min(BUDGET - 900, size * rng.randint(1500, 2300))
                queue = 0 if rng.random() < 0.9 else rng.randint(1, 3)
            else:
                size = rng.choice([3, 3, 4, 4, 4, 5])
                maxtok = rng.randint(BUDGET - 2300, BUDGET - 60)
                queue = int((t - ONSET) / 60 * 2.1 * (0.92 + 0.08 * i)) + rng.randint(-3, 3) + 2
            qq.append((t, max(0, queue)))
            bb.append((t, size))
            mm.append((t, maxtok))
        q[pod], bs[pod], mt[pod] = qq, bb, mm
    base = lambda pod, ip: dict(instance=ip + ":8080", job="tgi-llama31-8b", namespace=NS, pod=pod)
    om.family("tgi_queue_size", "gauge", "Current queue size")
    for pod, ip in TGI:
        om.series("tgi_queue_size", base(pod, ip), q[pod])
    om.family("tgi_batch_current_size", "gauge", "Current batch size")
    for pod, ip in TGI:
        om.series("tgi_batch_current_size", base(pod, ip), bs[pod])
    om.family("tgi_batch_current_max_tokens", "gauge", "Maximum tokens for the current batch")
    for pod, ip in TGI:
        om.series("tgi_batch_current_max_tokens", base(pod, ip), mt[pod])
    return om.text()


def ksm_om():
    om = OM()
    b = dict(instance=KSM, job="kube-state-metrics")
    om.family("kube_pod_container_status_waiting_reason", "gauge",
              "Describes the reason the container is currently in waiting state.")
    om.series("kube_pod_container_status_waiting_reason",
              dict(b, container="exporter", namespace="analytics", pod=BAD[0], reason="ImagePullBackOff", uid=BAD[1]),
              [(t, 1) for t in samples() if t >= CS_ROLL + 15])
    om.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    om.series("kube_deployment_status_replicas_available", dict(b, deployment="tgi-llama31-8b", namespace=NS),
              [(t, 3) for t in samples()])
    return om.text()


def main():
    write_files({"metrics/tgi.om": tgi_om(), "metrics/kube-state-metrics.om": ksm_om()})


if __name__ == "__main__":
    main()
