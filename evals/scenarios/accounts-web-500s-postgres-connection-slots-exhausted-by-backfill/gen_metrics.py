#!/usr/bin/env python3
"""Regenerate metrics/*.om for the identity-db connection exhaustion scenario.

Timeline (consistent with cluster/ and logs/): the identity-backfill Job starts at 14:04:50Z and pins ~192 of the
197 non-superuser connection slots; accounts-web's pooled connections recycle at ~14:06 and from then on most
requests that need the database answer 500 through ingress-nginx.

Usage:  python3 gen_metrics.py   (writes metrics/*.om next to this file; stdlib only,
deterministic: seeded RNG, fixed timeline below.)
"""
import datetime as dt
import os
import random

NOW = "2026-03-02T14:31:10Z"
NS = 'identity'
BACKFILL = '2026-03-02T14:04:50Z'
CUT = '2026-03-02T14:06:05Z'
EXPORTER = '192.168.11.201:9187'
NGINX = '192.168.10.18:10254'
NGINX_POD = 'ingress-nginx-controller-xk8lrnbdqm-6x82t'
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
    rng = random.Random(20260302)
    bf, cut = epoch(BACKFILL), epoch(CUT)
    g = OM()
    g.family("pg_settings_max_connections", "gauge", "Sets the maximum number of concurrent connections.")
    g.series("pg_settings_max_connections", {"instance": EXPORTER, "job": "postgres-exporter", "namespace": NS, "pod": "identity-db-0",
                                             "server": "localhost:5432"}, [(t, 200) for t in TS])
    g.family("pg_stat_activity_count", "gauge", "number of connections in this state")
    for state in ("active", "idle in transaction"):
        pts = []
        for t in TS:
            if t < bf:
                v = {"active": rng.randint(2, 6), "idle": rng.randint(18, 24), "idle in transaction": 0}[state]
            else:
                v = {"active": 146 + rng.randint(-3, 3), "idle": rng.randint(0, 2), "idle in transaction": 49 + rng.randint(-2, 2)}[state]
            pts.append((t, v))
        g.series("pg_stat_activity_count", {"datname": "identity", "instance": EXPORTER, "job": "postgres-exporter", "namespace": NS,
                                            "pod": "identity-db-0", "state": state}, pts)
    g.write("postgres.om")
    n = OM()
    n.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
    for status in ("200", "500"):
        def rate(t, status=status):
            base = 2.4 + 0.4 * ((t // 600) % 2)
            frac = {"200": 1.0, "500": 0.0}[status]
            if t >= cut:
                frac = {"200": 0.15, "500": 0.85}[status]
            return base * frac
        n.series("nginx_ingress_controller_requests_total",
                 {"controller_class": "k8s.io/ingress-nginx", "controller_namespace": "ingress-nginx", "controller_pod": NGINX_POD,
                  "exported_namespace": NS, "host": "accounts.example.org", "ingress": "accounts", "instance": NGINX, "job": "ingress-nginx",
                  "method": "POST", "path": "/", "service": "accounts-web", "status": status},
                 counter(rate, start=rng.randint(10 ** 6, 3 * 10 ** 6) if status != "500" else rng.randint(100, 900), rng=rng, jitter=0.25))
    n.write("ingress-nginx.om")


if __name__ == "__main__":
    main()

