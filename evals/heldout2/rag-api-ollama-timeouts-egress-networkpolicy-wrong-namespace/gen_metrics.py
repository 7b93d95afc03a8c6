#!/usr/bin/env python3
"""Writes metrics/*.om for this scenario: OpenMetrics text, one sample every 15 s for the hour
before `now`, labels as the scrape attached them. Deterministic and self-contained:
`python3 gen_metrics.py` rewrites metrics/."""
import calendar
import math
import os
import random
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def E(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def fmt(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if float(v).is_integer() and abs(v) < 1e15:
        return "%d" % v
    if abs(v) >= 1e-4:
        return ("%.6f" % v).rstrip("0").rstrip(".")
    return "%.6e" % v


def lbl(d):
    if not d:
        return ""
    return "{" + ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"'))
                          for k, v in sorted(d.items())) + "}"


class OM:
    """One exposition file. Families keep insertion order; each family's samples stay together."""

    def __init__(self, now):
        self.now = now
        self.ts = [now - 3600 + i * STEP for i in range(3600 // STEP + 1)]
        self.fams = []

    def family(self, name, typ, help_, unit=None):
        f = {"name": name, "type": typ, "help": help_, "unit": unit, "lines": []}
        self.fams.append(f)
        return f

    def series(self, fam, sample, labels, values):
        """values aligned with self.ts; None means the series is absent at that instant."""
        for t, v in zip(self.ts, values):
            if v is not None:
                fam["lines"].append("%s%s %s %d" % (sample, lbl(labels), fmt(v), t))

    def gauge(self, fam, labels, fn):
        self.series(fam, fam["name"], labels, [fn(t) for t in self.ts])

    def counter(self, fam, labels, rate_fn, start=0.0, integer=True, resets=(), sample=None):
        """cumulative counter from a per-second rate; resets: instants where the process restarted."""
        out, v, prev = [], float(start), None
        for t in self.ts:
            if prev is not None:
                if any(prev < r <= t for r in resets):
                    v = 0.0
                else:
                    v += max(0.0, rate_fn(t)) * (t - prev)
            out.append(float(math.floor(v)) if integer else round(v, 3))
            prev = t
        self.series(fam, sample or fam["name"] + "_total", labels, out)
        return out

    def histogram(self, fam, labels, buckets, rate_fn, sampler, rng, start_count=0):
        """cumulative histogram; sampler(t, rng) draws one observation (seconds)."""
        cum = [0] * len(buckets)
        total, s, carry, prev = 0, 0.0, 0.0, None
        lines = []
        for t in self.ts:
            if prev is None:
                # history before the window: draw a sample and scale it up
                k = min(start_count, 20000)
                scale = start_count / float(k) if k else 0.0
                part = [0] * len(buckets)
                for _ in range(k):
                    x = sampler(t, rng)
                    s += x * scale
                    for i, b in enumerate(buckets):
                        if x <= b:
                            part[i] += 1
                cum = [int(round(c * scale)) for c in part]
                total = start_count
                n = 0
            else:
                carry += max(0.0, rate_fn(t)) * (t - prev)
                n = int(carry)
                carry -= n
            for _ in range(n):
                x = sampler(t, rng)
                s += x
                for i, b in enumerate(buckets):
                    if x <= b:
                        cum[i] += 1
            total += n
            for i, b in enumerate(buckets):
                le = "+Inf" if b == float("inf") else (("%g" % b) if "." in ("%g" % b) or "e" in ("%g" % b) else "%g.0" % b)
                lines.append("%s_bucket%s %d %d" % (fam["name"], lbl(dict(labels, le=le)),
                                                    total if b == float("inf") else cum[i], t))
            lines.append("%s_sum%s %s %d" % (fam["name"], lbl(labels), fmt(round(s, 3)), t))
            lines.append("%s_count%s %d %d" % (fam["name"], lbl(labels), total, t))
            prev = t
        fam["lines"].extend(lines)

    def write(self, name):
        path = os.path.join(HERE, "metrics", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            for fam in self.fams:
                if not fam["lines"]:
                    continue
                f.write("# HELP %s %s\n" % (fam["name"], fam["help"]))
                f.write("# TYPE %s %s\n" % (fam["name"], fam["type"]))
                if fam["unit"]:
                    f.write("# UNIT %s %s\n" % (fam["name"], fam["unit"]))
                f.write("\n".join(fam["lines"]) + "\n")
            f.write("# EOF\n")


def ramp(t, t0, t1, a, b):
    """linear from a at t0 to b at t1, flat outside"""
    if t <= t0:
        return a
    if t >= t1:
        return b
    return a + (b - a) * (t - t0) / (t1 - t0)


def wobble(t, base, rel, period=900.0, phase=0.0):
    """smooth deterministic variation: base * (1 +- rel)"""
    return base * (1 + rel * math.sin(2 * math.pi * (t / period) + phase))


# ---------------------------------------------------------------- scenario-specific part
STATE = {'cilium': [['cilium-h8h4j', 'talos-cp-1', '10.10.8.11'],
            ['cilium-57wk2', 'talos-w-1', '10.10.8.12'],
            ['cilium-2wngn', 'talos-w-2', '10.10.8.13'],
            ['cilium-ggggx', 'talos-w-3', '10.10.8.14'],
            ['cilium-p85sd', 'talos-gpu-1', '10.10.8.21']],
 'nb_nodes': ['talos-w-3', 'talos-w-2'],
 'now': '2026-11-24T15:35:00Z',
 'ollama': ['ollama-gbdrbl4dhk-c48pr', '10.244.11.29', 'talos-gpu-1'],
 'rag_pods': [['rag-api-5qldsfgpl6-66b2m',
               '0a444f20-ba0b-471f-b338-4fc6e565546a',
               'talos-w-1',
               '10.244.2.38'],
              ['rag-api-5qldsfgpl6-56q4n',
               '9985b284-36c5-49da-a5d0-6f2d8c55eb0f',
               'talos-w-3',
               '10.244.4.29']],
 'traefik': ['traefik-hxd4wjvz86-jp4tx', '10.244.3.65'],
 'upg': '2026-11-24T14:58:10Z'}

NOW = E(STATE["now"])
UPG = E(STATE["upg"])
rng = random.Random(71)
rag_nodes = {n for _, _, n, _ in STATE["rag_pods"]}

c = OM(NOW)
drop = c.family("cilium_drop_count", "counter", "Total dropped packets, tagged by drop reason and ingress/egress direction")
fwd = c.family("cilium_forward_count", "counter", "Total forwarded packets, tagged by ingress/egress direction")
hd = c.family("hubble_drop", "counter", "Number of drops")
for i, (pod, node, ip) in enumerate(STATE["cilium"]):
    base = {"instance": ip + ":9962", "job": "cilium-agent", "namespace": "kube-system", "pod": pod, "node": node}
    hot = node in rag_nodes
    c.counter(drop, dict(base, direction="EGRESS", reason="Policy denied"), lambda t, hot=hot: (0.52 + rng.uniform(-0.1, 0.1)) if (hot and t >= UPG + 8) else 0.0,
              start=118 + 7 * i, sample="cilium_drop_count_total")
    c.counter(drop, dict(base, direction="INGRESS", reason="Policy denied"), lambda t: 0.002, start=3021 + 13 * i, sample="cilium_drop_count_total")
    c.counter(drop, dict(base, direction="EGRESS", reason="Stale or unroutable IP"), lambda t: 0.0005, start=12 + i, sample="cilium_drop_count_total")
    c.counter(fwd, dict(base, direction="EGRESS"), lambda t, i=i: wobble(t, 2100 + 300 * i, 0.1, 700), start=9.1e9 + 1e8 * i, sample="cilium_forward_count_total")
    hb = {"instance": ip + ":9965", "job": "hubble-metrics", "namespace": "kube-system", "pod": pod, "node": node}
    if hot:
        c.counter(hd, dict(hb, protocol="TCP", reason="POLICY_DENIED", source="rag-apps", destination="ollama"),
                  lambda t: (0.52 + rng.uniform(-0.1, 0.1)) if t >= UPG + 8 else 0.0, start=0, sample="hubble_drop_total")
    c.counter(hd, dict(hb, protocol="UDP", reason="POLICY_DENIED", source="notebooks", destination=""), lambda t: 0.001, start=40 + i, sample="hubble_drop_total")
c.write("cilium.om")

tr = OM(NOW)
tq = tr.family("traefik_service_requests", "counter", "How many HTTP requests processed on a service, partitioned by status code, protocol, and method.")
tb = {"instance": STATE["traefik"][1] + ":9100", "job": "traefik", "namespace": "traefik", "pod": STATE["traefik"][0]}
api = dict(tb, service="rag-apps-rag-api-http@kubernetes", method="POST", protocol="http")
tr.counter(tq, dict(api, code="200"), lambda t: 0.0 if t >= UPG else wobble(t, 0.085, 0.2, 900), start=61288)
tr.counter(tq, dict(api, code="504"), lambda t: wobble(t, 0.08, 0.2, 900) if t >= UPG + 30 else 0.0, start=17)
tr.counter(tq, dict(tb, service="rag-apps-docs-ui-http@kubernetes", method="GET", protocol="http", code="200"), lambda t: wobble(t, 0.11, 0.25, 1200), start=403311)
tr.write("traefik.om")

k = OM(NOW)
KSM = {"instance": "10.244.3.35:8080", "job": "kube-state-metrics"}
npc = k.family("kube_networkpolicy_created", "gauge", "Unix creation timestamp of network policy")
npe = k.family("kube_networkpolicy_spec_egress_rules", "gauge", "Number of egress rules on the networkpolicy")
npi = k.family("kube_networkpolicy_spec_ingress_rules", "gauge", "Number of ingress rules on the networkpolicy")
for ns, name, created, eg, ing in (("rag-apps", "restrict-egress", UPG + 2, 4, 0), ("rag-apps", "allow-ingress-from-traefik", E("2026-09-15T15:35:00Z"), 0, 1),
                                   ("notebooks", "singleuser", E("2026-08-26T15:35:00Z"), 4, 1)):
    lb = dict(KSM, namespace=ns, networkpolicy=name)
    k.series(npc, "kube_networkpolicy_created", lb, [created if t >= created else None for t in k.ts])
    k.series(npe, "kube_networkpolicy_spec_egress_rules", lb, [eg if t >= created else None for t in k.ts])
    k.series(npi, "kube_networkpolicy_spec_ingress_rules", lb, [ing if t >= created else None for t in k.ts])
av = k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
for ns, dep, n in (("rag-apps", "rag-api", 2), ("rag-apps", "docs-ui", 1), ("ollama", "ollama", 1), ("traefik", "traefik", 1)):
    k.gauge(av, dict(KSM, namespace=ns, deployment=dep), lambda t, n=n: n)
rs = k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
for pod, uid, node, ip in STATE["rag_pods"]:
    k.series(rs, "kube_pod_container_status_restarts_total", dict(KSM, namespace="rag-apps", pod=pod, uid=uid, container="rag-api"), [0 if t >= UPG + 5 else None for t in k.ts])
k.write("kube-state-metrics.om")
print("metrics written")
