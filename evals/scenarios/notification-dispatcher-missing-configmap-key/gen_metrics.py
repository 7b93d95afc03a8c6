#!/usr/bin/env python3
"""Regenerate metrics/*.om for the notification-dispatcher scenario.

Timeline (consistent with cluster/ and logs/): revision 9 of notification-dispatcher rolled with strategy
Recreate at 09:39:05Z; the old consumers left the group and the new pods never start
(CreateContainerConfigError), so consumer lag on user-events grows linearly and the group has 0 members.

Usage:  python3 gen_metrics.py   (writes metrics/*.om next to this file; stdlib only,
deterministic: seeded RNG, fixed timeline below.)
"""
import datetime as dt
import os
import random

NOW = "2026-09-08T10:03:20Z"
NS = 'notifications'
ROLL = '2026-09-08T09:39:05Z'
NEW_PODS = ['notification-dispatcher-rvmg48qztp-nrkqx', 'notification-dispatcher-rvmg48qztp-74mrk']
NEW_UIDS = ['08d53f7d-7e7f-4b43-8927-c4e52f3b93c9', '1a13c626-eff7-427f-971d-f3d33d451c65']
CREATED = '2026-09-08T09:39:37Z'
KAFKA_EXPORTER = '192.168.2.31:9404'
KSM = '192.168.3.42:8080'
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
    rng = random.Random(20260908)
    roll = epoch(ROLL)
    created = epoch(CREATED)
    k = OM()
    lbl_ = {"consumergroup": "notification-dispatcher", "instance": KAFKA_EXPORTER, "job": "kafka-exporter",
            "namespace": "kafka", "topic": "user-events"}
    k.family("kafka_consumergroup_lag_sum", "gauge", "Current Approximate Lag of a ConsumerGroup at Topic for all partitions")
    lag, pts = 0.0, []
    for t in TS:
        rate = 3.1 + 1.2 * rng.random()  # produced messages/s (resets, sign-ups, order confirmations)
        if t < roll:
            lag = max(0.0, rng.uniform(0, 40))
        else:
            lag += rate * STEP
        pts.append((t, int(lag)))
    k.series("kafka_consumergroup_lag_sum", lbl_, pts)
    k.family("kafka_consumergroup_members", "gauge", "Amount of members in a consumer group")
    k.series("kafka_consumergroup_members", {"consumergroup": "notification-dispatcher", "instance": KAFKA_EXPORTER,
                                             "job": "kafka-exporter", "namespace": "kafka"},
             [(t, 2 if t < roll else 0) for t in TS])
    k.write("kafka-exporter.om")
    m = OM()
    m.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
    for p, u in zip(NEW_PODS, NEW_UIDS):
        m.series("kube_pod_container_status_waiting_reason",
                 {"container": "dispatcher", "instance": KSM, "job": "kube-state-metrics", "namespace": NS, "pod": p,
                  "reason": "CreateContainerConfigError", "uid": u}, [(t, 1) for t in TS if t >= created + 15])
    m.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    m.series("kube_deployment_status_replicas_available", {"deployment": "notification-dispatcher", "instance": KSM,
                                                           "job": "kube-state-metrics", "namespace": NS},
             [(t, 2 if t < roll else 0) for t in TS])
    m.write("kube-state-metrics.om")


if __name__ == "__main__":
    main()

