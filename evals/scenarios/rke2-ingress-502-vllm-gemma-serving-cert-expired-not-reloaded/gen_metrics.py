#!/usr/bin/env python3
"""Regenerate metrics/*.om for this scenario (stdlib only, deterministic seeds).

Usage:  python3 gen_metrics.py   (writes next to this file)

Timeline: the serving certificate the vLLM pods loaded on 2026-11-12 expires at 09:01:44Z; from then on
rke2-ingress-nginx fails every upstream TLS handshake and answers 502 for llm.acme.dev, and vLLM gets no
requests. embed.acme.dev (plain HTTP upstream) is unaffected; the gateway's own certs are far from expiry.
15 s samples for the hour ending at now (2026-12-09T09:25:00Z).
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

T1 = epoch("2026-12-09T09:25:00Z")  # scenario "now"
T0 = T1 - 3600
EXP = epoch("2026-12-09T09:01:44Z")  # the certificate the vLLM pods loaded at start expires
CTRL = [("rke2-ingress-nginx-controller-5wqkz", "10.42.1.5"), ("rke2-ingress-nginx-controller-pxb7d", "10.42.2.6")]
VLLM = [("vllm-gemma-3-27b-78c5d9f4b7-h6k2p", "10.42.3.19"), ("vllm-gemma-3-27b-78c5d9f4b7-r9wzn", "10.42.4.23")]


def S():
    return samples(T0, T1)


def ingress_om():
    om = OM()
    rng = random.Random(502)
    om.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
    for pod, ip in CTRL:
        base = dict(canary="", controller_class="k8s.io/ingress-nginx", controller_namespace="kube-system", controller_pod=pod,
                    instance=ip + ":10254", job="rke2-ingress-nginx-metrics", method="POST", namespace="ml-inference")
        llm = dict(base, host="llm.acme.dev", ingress="llm-api", path="/v1", service="vllm-gemma-3-27b")
        om.series("nginx_ingress_controller_requests_total", dict(llm, status="200"),
                  counter(T0, T1, lambda t: 0.11 if t < EXP else 0.0, start=391887, rng=rng))
        om.series("nginx_ingress_controller_requests_total", dict(llm, status="502"),
                  counter(T0, T1, lambda t: 0.0 if t < EXP else 0.115, start=14, rng=rng))
        om.series("nginx_ingress_controller_requests_total", dict(llm, status="400"), [(t, 212) for t in S()])
        emb = dict(base, host="embed.acme.dev", ingress="embed-api", path="/", service="tei-bge-m3")
        om.series("nginx_ingress_controller_requests_total", dict(emb, status="200"), counter(T0, T1, lambda t: 0.03, start=88412, rng=rng))
    om.family("nginx_ingress_controller_ssl_expire_time_seconds", "gauge", "Number of seconds since 1970 to the SSL Certificate expire.")
    for pod, ip in CTRL:
        for host, exp in (("llm.acme.dev", epoch("2027-02-18T13:40:02Z")), ("embed.acme.dev", epoch("2027-01-30T08:12:55Z"))):
            om.series("nginx_ingress_controller_ssl_expire_time_seconds", dict(class_="k8s.io/ingress-nginx", host=host, instance=ip + ":10254",
                      job="rke2-ingress-nginx-metrics", namespace="kube-system", secret_name=host.replace(".", "-") + "-tls"),
                      [(t, exp) for t in S()])
    return om.text().replace("class_=", "class=")


def vllm_om():
    om = OM()
    rng = random.Random(27)
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    for pod, ip in VLLM:
        om.series("vllm:num_requests_running", dict(engine="0", instance=ip + ":8443", job="vllm", model_name="gemma-3-27b", namespace="ml-inference", pod=pod),
                  [(t, rng.randint(2, 11) if t < EXP else 0) for t in S()])
    om.family("vllm:request_success", "counter", "Count of successfully processed requests.")
    for pod, ip in VLLM:
        om.series("vllm:request_success_total", dict(engine="0", finished_reason="stop", instance=ip + ":8443", job="vllm", model_name="gemma-3-27b",
                                                     namespace="ml-inference", pod=pod),
                  counter(T0, T1, lambda t: 0.11 if t < EXP else 0.0, start=302114, rng=rng))
    return om.text()


def main():
    write_files({"metrics/ingress-nginx.om": ingress_om(), "metrics/vllm.om": vllm_om()})


if __name__ == "__main__":
    main()
