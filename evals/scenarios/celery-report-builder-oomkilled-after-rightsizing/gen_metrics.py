#!/usr/bin/env python3
"""Regenerate metrics/*.om for the report-builder OOM scenario.

Timeline (consistent with cluster/*.yaml and logs/): report-builder revision 22 (limits.memory 1536Mi)
rolled 2026-03-29T10:14Z; at 07:00:00Z celery beat enqueues the monthly ledger exports; each worker
container's working set climbs to the 1536Mi limit and is OOM-killed (exit 137), then restarts under
CrashLoopBackOff back-off.  PODS below lists every container run [start, end] (end None = running now).

Usage:  python3 gen_metrics.py   (writes metrics/*.om next to this file; stdlib only,
deterministic: seeded RNG, fixed timeline below.)
"""
import datetime as dt
import os
import random

NOW = "2026-04-01T07:42:00Z"
NS = 'analytics'
PODS = {'report-builder-25s2n8c7rk-kx2tq': {'node': 'gke-prod-euw1-batch-pool-5b7d2a91-xw4n',
                                     'ip': '10.60.4.133',
                                     'uid': '7bb9d956-9e6f-42d2-817a-b5c52c400f02',
                                     'runs': [['2026-03-29T10:14:40Z', '2026-04-01T07:01:48Z'],
                                              ['2026-04-01T07:01:50Z', '2026-04-01T07:03:01Z'],
                                              ['2026-04-01T07:03:12Z', '2026-04-01T07:05:30Z'],
                                              ['2026-04-01T07:05:52Z', '2026-04-01T07:07:28Z'],
                                              ['2026-04-01T07:08:09Z', '2026-04-01T07:09:13Z'],
                                              ['2026-04-01T07:10:34Z', '2026-04-01T07:12:36Z'],
                                              ['2026-04-01T07:15:18Z', '2026-04-01T07:16:48Z'],
                                              ['2026-04-01T07:21:50Z', '2026-04-01T07:22:48Z'],
                                              ['2026-04-01T07:27:49Z', '2026-04-01T07:30:10Z'],
                                              ['2026-04-01T07:35:12Z', '2026-04-01T07:36:29Z'],
                                              ['2026-04-01T07:41:30Z', None]]},
 'report-builder-25s2n8c7rk-9wfzl': {'node': 'gke-prod-euw1-batch-pool-e04c8f36-m9tz',
                                     'ip': '10.60.5.199',
                                     'uid': 'e773d6ae-69da-47c1-baf0-57f04e7af4d9',
                                     'runs': [['2026-03-29T10:14:45Z', '2026-04-01T07:02:31Z'],
                                              ['2026-04-01T07:02:33Z', '2026-04-01T07:04:31Z'],
                                              ['2026-04-01T07:04:42Z', '2026-04-01T07:06:06Z'],
                                              ['2026-04-01T07:06:28Z', '2026-04-01T07:08:58Z'],
                                              ['2026-04-01T07:09:39Z', '2026-04-01T07:10:45Z'],
                                              ['2026-04-01T07:12:07Z', '2026-04-01T07:13:46Z'],
                                              ['2026-04-01T07:16:27Z', '2026-04-01T07:18:38Z'],
                                              ['2026-04-01T07:23:40Z', '2026-04-01T07:24:55Z'],
                                              ['2026-04-01T07:29:56Z', '2026-04-01T07:31:24Z'],
                                              ['2026-04-01T07:36:25Z', '2026-04-01T07:38:23Z']]},
 'report-builder-25s2n8c7rk-d4h8c': {'node': 'gke-prod-euw1-batch-pool-5b7d2a91-xw4n',
                                     'ip': '10.60.4.207',
                                     'uid': '649ecaa2-cf75-4c9a-adc5-7a7dc0d886e2',
                                     'runs': [['2026-03-29T10:14:43Z', '2026-04-01T07:03:57Z'],
                                              ['2026-04-01T07:03:59Z', '2026-04-01T07:05:31Z'],
                                              ['2026-04-01T07:05:43Z', '2026-04-01T07:06:44Z'],
                                              ['2026-04-01T07:07:05Z', '2026-04-01T07:09:12Z'],
                                              ['2026-04-01T07:09:53Z', '2026-04-01T07:12:17Z'],
                                              ['2026-04-01T07:13:38Z', '2026-04-01T07:14:48Z'],
                                              ['2026-04-01T07:17:29Z', '2026-04-01T07:19:12Z'],
                                              ['2026-04-01T07:24:13Z', '2026-04-01T07:25:48Z'],
                                              ['2026-04-01T07:30:49Z', '2026-04-01T07:31:55Z'],
                                              ['2026-04-01T07:36:56Z', '2026-04-01T07:38:28Z']]}}
OTHER = {'report-api-4hvtv4ssnh-6ld9j': {'container': 'api',
                                 'node': 'gke-prod-euw1-default-pool-3c9e1f0a-7k2m',
                                 'uid': 'dacec2df-a34d-4787-bc1b-e73079d1c352',
                                 'base_mib': 310},
 'report-api-4hvtv4ssnh-zt8nf': {'container': 'api',
                                 'node': 'gke-prod-euw1-default-pool-8d21b4e7-q8vd',
                                 'uid': 'f2810b05-f60e-4d2c-891d-763138fb4ddc',
                                 'base_mib': 296},
 'report-scheduler-twr9j7kjq4-mr8rt': {'container': 'beat',
                                       'node': 'gke-prod-euw1-default-pool-3c9e1f0a-7k2m',
                                       'uid': '1c0d25c3-faf4-4a62-b46b-92dc59a48179',
                                       'base_mib': 92},
 'flower-qx9zbnfhd9-bzpbc': {'container': 'flower',
                             'node': 'gke-prod-euw1-default-pool-3c9e1f0a-7k2m',
                             'uid': '8daef772-d9fe-4390-bc9f-fba7d3e8d9e6',
                             'base_mib': 141},
 'redis-broker-master-0': {'container': 'redis',
                           'node': 'gke-prod-euw1-default-pool-8d21b4e7-q8vd',
                           'uid': '7540361f-3372-4f4e-815b-4d611d010a00',
                           'base_mib': 44}}
KSM = '10.60.5.242:8080'
EXPORTS_START = '2026-04-01T07:00:00Z'
NODE_IPS = {'gke-prod-euw1-default-pool-3c9e1f0a-7k2m': '10.132.0.14',
 'gke-prod-euw1-default-pool-8d21b4e7-q8vd': '10.132.0.15',
 'gke-prod-euw1-batch-pool-5b7d2a91-xw4n': '10.132.0.31',
 'gke-prod-euw1-batch-pool-e04c8f36-m9tz': '10.132.0.32'}
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

LIMIT = 1536 * 1024 * 1024
MIB = 1024 * 1024


def runs(p):
    return [(epoch(a), epoch(b) if b else None) for a, b in PODS[p]["runs"]]


def wss(p, t, rng):
    """cAdvisor working set of the worker container: idle ~420 MiB, climbs to the limit during an export."""
    for a, b in runs(p):
        end = b if b is not None else T1 + 1
        if a <= t < end:
            base = 410 * MIB + rng.randint(-12, 12) * MIB
            if a < epoch(EXPORTS_START) and t < epoch(EXPORTS_START):
                return base
            begin = max(a, epoch(EXPORTS_START)) + 8
            if t < begin:
                return 180 * MIB + rng.randint(0, 20) * MIB
            if b is None:
                frac = min((t - begin) / 150.0, 0.93)
            else:
                frac = min((t - begin) / max(b - begin, 1), 1.0)
            return int(base + frac * (LIMIT - base - 3 * MIB) + rng.randint(-4, 4) * MIB)
    return None


def main():
    rng = random.Random(20260401)
    m = OM()
    m.family("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes")
    for p, c in PODS.items():
        m.series("container_memory_working_set_bytes",
                 {"container": "worker", "instance": NODE_IPS[c["node"]] + ":10250", "job": "kubelet",
                  "namespace": NS, "pod": p},
                 [(t, wss(p, t, rng)) for t in TS])
    for p, c in list(OTHER.items())[:1]:
        m.series("container_memory_working_set_bytes",
                 {"container": c["container"], "instance": NODE_IPS[c["node"]] + ":10250", "job": "kubelet",
                  "namespace": NS, "pod": p},
                 [(t, (c["base_mib"] + rng.randint(-3, 3)) * MIB) for t in TS])
    m.write("cadvisor.om")

    k = OM()
    base = {"instance": KSM, "job": "kube-state-metrics", "namespace": NS}
    k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    for p, c in PODS.items():
        starts = [a for a, b in runs(p)][1:]
        k.series("kube_pod_container_status_restarts_total", dict(base, container="worker", pod=p, uid=c["uid"]),
                 [(t, sum(1 for x in starts if x <= t)) for t in TS])
    k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")

    def avail(t):
        n = 0
        for p in PODS:
            for a, b in runs(p):
                if a + 10 <= t and (b is None or t < b):
                    n += 1
        return n
    k.series("kube_deployment_status_replicas_available", dict(base, deployment="report-builder"),
             [(t, avail(t)) for t in TS])
    k.write("kube-state-metrics.om")

    q = OM()
    q.family("celery_queue_length", "gauge", "The number of message in broker queue.")
    start = epoch(EXPORTS_START)
    pts = []
    for t in TS:
        if t < start:
            v = 0
        else:
            done = int((t - start) / 240)
            v = max(46 - done - 2 * avail(t), 31)
        pts.append((t, v))
    q.series("celery_queue_length", {"instance": "celery-exporter.analytics.svc:9808", "job": "celery-exporter",
                                     "namespace": NS, "queue_name": "exports"}, pts)
    q.write("celery.om")


if __name__ == "__main__":
    main()

