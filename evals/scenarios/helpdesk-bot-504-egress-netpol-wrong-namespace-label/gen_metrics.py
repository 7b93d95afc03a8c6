#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py   (writes next to this file)

Timeline: at 09:31:40Z NetworkPolicy helpdesk/support-bot-egress starts dropping the bot's connections to
TGI; the support-bot Ingress turns every POST /api/chat into a 504 after 20 s. TGI keeps serving docsearch.
15 s samples for the hour ending at now (2026-05-19T10:20:00Z).
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

T1 = epoch("2026-05-19T10:20:00Z")  # scenario "now"
T0 = T1 - 3600
CHANGE = epoch("2026-05-19T09:31:40Z")  # NetworkPolicy helpdesk/support-bot-egress created
CTRL = dict(controller_class="k8s.io/ingress-nginx", controller_namespace="ingress-nginx",
            controller_pod="ingress-nginx-controller-6d8f5b9c7d-kd7xg", instance="10.244.77.21:10254", job="ingress-nginx-controller-metrics")


def S():
    return samples(T0, T1)


def ingress_om():
    om = OM()
    rng = random.Random(504)
    om.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
    base = dict(CTRL, canary="", host="help.corp.example.com", ingress="support-bot", method="POST", namespace="helpdesk",
                path="/", service="support-bot")
    chat_rate = 0.021  # ~1.3 chats/min
    om.series("nginx_ingress_controller_requests_total", dict(base, status="200"),
              counter(T0, T1, lambda t: chat_rate if t < CHANGE else 0.0, start=48211, rng=rng))
    # 504s begin ~20 s after the change (first requests time out after the 20 s proxy-read-timeout)
    om.series("nginx_ingress_controller_requests_total", dict(base, status="504"),
              counter(T0, T1, lambda t: 0.0 if t < CHANGE + 20 else chat_rate, start=3, rng=rng))
    om.series("nginx_ingress_controller_requests_total", dict(base, method="GET", status="200"),
              counter(T0, T1, lambda t: 0.05, start=211840, rng=rng))
    om.series("nginx_ingress_controller_requests_total", dict(CTRL, canary="", host="grafana.corp.example.com", ingress="grafana", method="GET",
                                                          namespace="monitoring", path="/", service="grafana", status="200"),
              counter(T0, T1, lambda t: 0.4, start=9120433, rng=rng))
    return om.text()


def tgi_om():
    om = OM()
    rng = random.Random(8)
    base = dict(instance="10.244.201.14:8080", job="tgi", namespace="llm-serving", pod="tgi-granite-8b-7c4d9f6b85-vq2hs")
    helpdesk_rate = 0.021
    docs_rate = 0.028
    om.family("tgi_request_count", "counter", "Total number of requests")
    om.series("tgi_request_count_total", base, counter(T0, T1, lambda t: docs_rate + (helpdesk_rate if t < CHANGE else 0.0), start=1288410, rng=rng))
    om.family("tgi_request_success", "counter", "Number of successful requests")
    om.series("tgi_request_success_total", base, counter(T0, T1, lambda t: docs_rate + (helpdesk_rate if t < CHANGE else 0.0), start=1287902, rng=rng))
    om.family("tgi_queue_size", "gauge", "Current queue size")
    om.series("tgi_queue_size", base, [(t, rng.choice([0, 0, 0, 0, 1])) for t in S()])
    om.family("tgi_batch_current_size", "gauge", "Current batch size")
    om.series("tgi_batch_current_size", base, [(t, rng.choice([0, 1, 1, 2])) for t in S()])
    return om.text()


def main():
    write_files({"metrics/ingress-nginx.om": ingress_om(), "metrics/tgi.om": tgi_om()})


if __name__ == "__main__":
    main()
