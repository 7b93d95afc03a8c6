#!/usr/bin/env python3
"""Regenerate metrics/*.om for the DiskPressure eviction scenario.

Timeline (consistent with cluster/ and events): the 6.6 GB transcoder image is pulled onto the 30 GiB node from
09:12Z; free space on / falls under the 10% hard eviction threshold at 09:13:58Z (DiskPressure); the kubelet evicts
four pods (09:14:09, 09:14:31, 09:14:52, 09:25:41), each freeing a little, while image GC finds nothing to free.

Usage:  python3 gen_metrics.py   (writes metrics/*.om next to this file; stdlib only,
deterministic: seeded RNG, fixed timeline below.)
"""
import datetime as dt
import os
import random

NOW = "2026-04-23T09:41:50Z"
NODES = {'aks-user-38291047-vmss000003': '10.224.0.10',
 'aks-user-38291047-vmss000004': '10.224.0.11',
 'aks-userv2-29384756-vmss000002': '10.224.0.42'}
CAP_BYTES = {'aks-user-38291047-vmss000003': 133315784704,
 'aks-user-38291047-vmss000004': 133315784704,
 'aks-userv2-29384756-vmss000002': 31245886464}
PRESSURE_NODE = 'aks-userv2-29384756-vmss000002'
PULL_START = '2026-04-23T09:12:00Z'
PRESSURE = '2026-04-23T09:13:58Z'
EVICTIONS = ['2026-04-23T09:14:09Z', '2026-04-23T09:14:31Z', '2026-04-23T09:14:52Z', '2026-04-23T09:25:41Z']
KSM = '10.244.9.232:8080'
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

GIB = 1024 ** 3


def avail(node, t, rng):
    cap = CAP_BYTES[node]
    if node != PRESSURE_NODE:
        return int(cap * 0.71 - 0.5 * GIB * ((t // 600) % 2) + rng.randint(-40, 40) * 2 ** 20)
    pull, ev = epoch(PULL_START), [epoch(e) for e in EVICTIONS]
    base = 9.6 * GIB                         # before the pull: ~9.6 GiB free of 29 GiB
    if t < pull:
        return int(base - (t - (T1 - 3600)) * 180 + rng.randint(-30, 30) * 2 ** 20)
    v = base - 0.4 * GIB - min(t - pull, 95) / 95 * 6.2 * GIB   # image layers unpacked
    v -= max(0, t - pull) * 120_000          # container writes (rendition cache, logs, transcoder tmp)
    for e, freed in zip(ev, (1.55, 0.9, 1.35, 2.85)):
        if t >= e:
            v += freed * GIB
    v = min(v, 0.1 * cap * 1.04) if t > ev[-1] else v
    return int(max(v, 0.08 * cap) + rng.randint(-20, 20) * 2 ** 20)


def main():
    rng = random.Random(20260423)
    m = OM()
    m.family("node_filesystem_avail_bytes", "gauge", "Filesystem space available to non-root users in bytes.")
    for n, ip in NODES.items():
        m.series("node_filesystem_avail_bytes", {"device": "/dev/root", "fstype": "ext4", "instance": ip + ":9100", "job": "node-exporter",
                                                 "mountpoint": "/", "node": n}, [(t, avail(n, t, rng)) for t in TS])
    m.family("kubelet_evictions", "counter", "[ALPHA] Cumulative number of pod evictions by eviction signal")
    ev = [epoch(e) for e in EVICTIONS]
    m.series("kubelet_evictions_total", {"eviction_signal": "nodefs.available", "instance": NODES[PRESSURE_NODE] + ":10250", "job": "kubelet",
                                         "metrics_path": "/metrics", "node": PRESSURE_NODE}, [(t, sum(1 for e in ev if e <= t)) for t in TS])
    m.write("nodes.om")
    k = OM()
    k.family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
    pr = epoch(PRESSURE)
    for n in NODES:
        k.series("kube_node_status_condition", {"condition": "DiskPressure", "instance": KSM, "job": "kube-state-metrics", "node": n, "status": "true"},
                 [(t, 1 if (n == PRESSURE_NODE and t >= pr + 10) else 0) for t in TS])
    k.write("kube-state-metrics.om")


if __name__ == "__main__":
    main()

