#!/usr/bin/env python3
"""Regenerate metrics/*.om for the clickstream-enricher quota scenario.

Timeline (consistent with cluster/, logs/ and alert.json): traffic surge at 19:55Z; KEDA scales the consumer 3 -> 6
at 19:58:02Z (quota limits.memory reaches 24Gi of 24Gi) and asks for 12 at 20:19:41Z, which the ResourceQuota
refuses, so 6 pods keep consuming while lag on clickstream-raw grows to ~1.9M.

Usage:  python3 gen_metrics.py   (writes metrics/*.om next to this file; stdlib only,
deterministic: seeded RNG, fixed timeline below.)
"""
import datetime as dt
import os
import random

NOW = "2026-11-27T20:48:15Z"
NS = 'streaming'
SURGE = '2026-11-27T19:55:00Z'
SCALE6 = '2026-11-27T19:58:02Z'
SCALE12 = '2026-11-27T20:19:41Z'
LAG_NOW = 1912000
KE = '10.80.2.250:9308'
KSM = '10.80.3.33:8080'
HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


T1 = epoch(NOW)          # scenario "now"
T0 = T1 - 3600           # one hour of samples
TS = list(range(T0, T1 + 1, STEP))


def esc(v):
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def lbl(d):
    return "{" + ",".join(f'{k}="{esc(v)}"' for k, v in sorted(d.items())) + "}"


def fmt(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(round(v, 6))


class OM:
    """OpenMetrics text: one TYPE per family, families not interleaved, counters end in _total."""

    def __init__(self):
        self.out = []
        self.seen = set()

    def family(self, name, typ, help_=None):
        assert name not in self.seen, name
        self.seen.add(name)
        if help_:
            self.out.append(f"# HELP {name} {help_}")
        self.out.append(f"# TYPE {name} {typ}")

    def series(self, name, labels, pts):
        last = None
        for t, v in pts:
            if v is None:
                continue
            assert last is None or t > last
            last = t
            self.out.append(f"{name}{lbl(labels)} {fmt(v)} {t}")

    def write(self, fname):
        os.makedirs(os.path.join(HERE, "metrics"), exist_ok=True)
        with open(os.path.join(HERE, "metrics", fname), "w") as fh:
            fh.write("\n".join(self.out) + "\n# EOF\n")


def counter(rate_fn, start=0.0, rng=None, jitter=0.0):
    """Monotonic counter samples from a per-second rate function of time."""
    v = start
    pts = []
    prev = None
    for t in TS:
        if prev is not None:
            r = rate_fn(t)
            if rng is not None and jitter:
                r *= 1 + rng.uniform(-jitter, jitter)
            v += max(r, 0) * (t - prev)
        pts.append((t, round(v, 3)))
        prev = t
    return pts

def main():
    rng = random.Random(20261127)
    surge, s6, s12 = epoch(SURGE), epoch(SCALE6), epoch(SCALE12)

    def replicas(t):
        return 3 if t < s6 + 40 else 6

    def desired(t):
        return 3 if t < s6 else (6 if t < s12 else 12)
    lag, pts, prod, cons = 40000.0, [], [], []
    for t in TS:
        produced = 9500.0 if t < surge else 29000.0 + 1500 * rng.random()
        consumed = min(produced + lag / STEP, replicas(t) * 3600.0 * (0.95 + 0.1 * rng.random()))
        lag = max(lag + (produced - consumed) * STEP, rng.uniform(20000, 60000))
        pts.append((t, int(lag)))
        prod.append(produced)
        cons.append(consumed)
    scale = LAG_NOW / pts[-1][1]
    pts = [(t, int(v * scale)) if t >= surge else (t, v) for t, v in pts]
    k = OM()
    k.family("kafka_consumergroup_lag_sum", "gauge", "Current Approximate Lag of a ConsumerGroup at Topic for all partitions")
    k.series("kafka_consumergroup_lag_sum", {"consumergroup": "clickstream-enricher", "instance": KE, "job": "kafka-exporter",
                                             "namespace": NS, "topic": "clickstream-raw"}, pts)
    k.series("kafka_consumergroup_lag_sum", {"consumergroup": "sessionizer", "instance": KE, "job": "kafka-exporter",
                                             "namespace": NS, "topic": "clickstream-enriched"},
             [(t, rng.randint(800, 6000)) for t in TS])
    k.write("kafka-exporter.om")
    m = OM()
    m.family("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.")
    m.series("kube_deployment_spec_replicas", {"deployment": "clickstream-enricher", "instance": KSM, "job": "kube-state-metrics",
                                               "namespace": NS}, [(t, desired(t)) for t in TS])
    m.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    m.series("kube_deployment_status_replicas_available", {"deployment": "clickstream-enricher", "instance": KSM,
                                                           "job": "kube-state-metrics", "namespace": NS},
             [(t, replicas(t)) for t in TS])
    m.family("kube_resourcequota", "gauge", "Information about resource quota.")
    for typ in ("hard", "used"):
        m.series("kube_resourcequota", {"instance": KSM, "job": "kube-state-metrics", "namespace": NS, "resource": "limits.memory",
                                        "resourcequota": "compute-quota", "type": typ},
                 [(t, 24 * 1024 ** 3 if typ == "hard" or t >= s6 + 5 else 18 * 1024 ** 3) for t in TS])
    m.write("kube-state-metrics.om")


if __name__ == "__main__":
    main()

