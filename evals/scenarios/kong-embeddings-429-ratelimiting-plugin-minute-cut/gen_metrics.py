#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py   (writes next to this file)

Timeline: at 16:02:15Z KongPlugin rag-platform/embeddings-rate-limit (rate-limiting, policy local) went
from 1200 to 120 requests/minute; each of the two Kong proxy pods starts answering 429 (source="kong")
for the excess. TEI behind it stays healthy and sees fewer requests.
15 s samples for the hour ending at now (2026-09-08T16:45:00Z).
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

T1 = epoch("2026-09-08T16:45:00Z")  # scenario "now"
T0 = T1 - 3600
CHANGE = epoch("2026-09-08T16:02:15Z")  # KongPlugin embeddings-rate-limit generation 3: minute 1200 -> 120
PODS = [("kong-gateway-59c7f8d4b6-9qv2d", "10.52.1.30"), ("kong-gateway-59c7f8d4b6-tl6hx", "10.52.2.17")]
SVC = "httproute.rag-platform.embeddings.0"
ROUTE = "httproute.rag-platform.embeddings.0.0"
PER_POD_RPS = 2.63      # ~158 req/min offered to each proxy pod
PER_POD_LIMIT = 2.0     # 120/min, policy local -> counted per pod


def S():
    return samples(T0, T1)


def kong_om():
    om = OM()
    rng = random.Random(429)
    om.family("kong_http_requests", "counter", "HTTP status codes per consumer/service/route in Kong")
    for pod, ip in PODS:
        base = dict(consumer="", instance=ip + ":8100", job="kong-gateway", namespace="kong", pod=pod, route=ROUTE, service=SVC, workspace="default")
        om.series("kong_http_requests_total", dict(base, code="200", source="service"),
                  counter(T0, T1, lambda t: PER_POD_RPS if t < CHANGE else PER_POD_LIMIT, start=1912004, rng=rng))
        om.series("kong_http_requests_total", dict(base, code="429", source="kong"),
                  counter(T0, T1, lambda t: 0.0 if t < CHANGE else PER_POD_RPS - PER_POD_LIMIT, start=0, rng=rng))
        om.series("kong_http_requests_total", dict(base, code="500", source="service"), [(t, 3) for t in S()])
    om.family("kong_upstream_target_health", "gauge", "Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.")
    for pod, ip in PODS:
        for st in ("healthchecks_off", "healthy", "unhealthy", "dns_error"):
            om.series("kong_upstream_target_health", dict(address="10.52.3.12:8080", instance=ip + ":8100", job="kong-gateway", namespace="kong", pod=pod,
                                                          state=st, subsystem="http", target="10.52.3.12:8080", upstream=SVC),
                      [(t, 1 if st == "healthchecks_off" else 0) for t in S()])
    return om.text()


def tei_om():
    om = OM()
    rng = random.Random(7)
    base = dict(instance="10.52.3.12:9000", job="tei", namespace="rag-platform", pod="tei-e5-large-6fb9c4d7f5-p8wzk")
    om.family("te_request_count", "counter", "Number of requests")
    om.series("te_request_count_total", dict(base, method="batch"),
              counter(T0, T1, lambda t: 2 * (PER_POD_RPS if t < CHANGE else PER_POD_LIMIT), start=4410982, rng=rng))
    om.family("te_queue_size", "gauge", "Number of queued requests")
    om.series("te_queue_size", base, [(t, rng.choice([0, 0, 0, 1]) if t < CHANGE else 0) for t in S()])
    om.family("te_batch_next_size", "gauge", "Next batch size")
    om.series("te_batch_next_size", base, [(t, rng.randint(1, 4)) for t in S()])
    return om.text()


def main():
    write_files({"metrics/kong.om": kong_om(), "metrics/tei.om": tei_om()})


if __name__ == "__main__":
    main()
