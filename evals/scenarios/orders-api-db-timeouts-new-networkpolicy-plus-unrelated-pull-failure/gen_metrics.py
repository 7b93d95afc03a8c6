#!/usr/bin/env python3
"""Regenerate metrics/*.om for the orders-api / pg-main NetworkPolicy scenario.

Timeline (consistent with cluster/ and logs/): NetworkPolicy data/pg-main-ingress applied at 15:51:08Z; each
orders-api pod keeps working on pooled connections until they age out (per-pod cut-over below), after which
POST /v1/orders fails with 500 (dial i/o timeout) and the pod's pgx pool is empty.  Postgres keeps serving
billing and payments; its idle connections from database orders drain away.

Usage:  python3 gen_metrics.py   (writes metrics/*.om next to this file; stdlib only,
deterministic: seeded RNG, fixed timeline below.)
"""
import datetime as dt
import os
import random

NOW = "2026-10-27T16:12:30Z"
NS = 'orders'
PODS = {'orders-api-qdxn7qlk2f-2r7w2': {'ip': '10.42.1.158', 'cut': '2026-10-27T15:53:38Z'},
 'orders-api-qdxn7qlk2f-4cs2r': {'ip': '10.42.2.44', 'cut': '2026-10-27T15:56:28Z'},
 'orders-api-qdxn7qlk2f-2bfp5': {'ip': '10.42.3.241', 'cut': '2026-10-27T15:59:18Z'}}
NP_APPLIED = '2026-10-27T15:51:08Z'
PG_POD = 'pg-main-0'
PG_EXPORTER = '10.42.3.237:9187'
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
    rng = random.Random(20261027)
    np_t = epoch(NP_APPLIED)
    m = OM()
    m.family("orders_http_requests", "counter", "HTTP requests served by orders-api.")
    for code in ("201", "500"):
        for p, c in PODS.items():
            cut = epoch(c["cut"])

            def rate(t, code=code, cut=cut):
                total = 0.11 + 0.02 * ((t // 900) % 3)
                fail = 0.0 if t < np_t else (0.25 if t < cut else 0.97)
                return total * (fail if code == "500" else 1 - fail)
            m.series("orders_http_requests_total", {"code": code, "instance": c["ip"] + ":9102", "job": "orders-api",
                                                    "method": "POST", "namespace": NS, "pod": p, "route": "/v1/orders"},
                     counter(rate, start=rng.randint(40000, 90000) if code == "201" else rng.randint(30, 90), rng=rng, jitter=0.3))
    m.write("orders-api.om")
    g = OM()
    g.family("pg_stat_activity_count", "gauge", "number of connections in this state")
    for db, base in (("billing", 14), ("payments", 22), ("orders", 21)):
        pts = []
        for t in TS:
            if db == "orders" and t >= np_t:
                v = max(0, base - int((t - np_t) / 30))
            else:
                v = base + rng.randint(-3, 3)
            pts.append((t, v))
        g.series("pg_stat_activity_count", {"datname": db, "instance": PG_EXPORTER, "job": "postgres-exporter",
                                            "namespace": "data", "pod": PG_POD, "state": "idle"}, pts)
    g.write("postgres.om")


if __name__ == "__main__":
    main()

