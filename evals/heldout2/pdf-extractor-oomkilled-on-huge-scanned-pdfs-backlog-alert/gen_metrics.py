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
STATE = {'batch': '2026-12-15T12:14:20Z',
 'nodes': [['pool-docs-r3k8x', '10.114.0.2'],
           ['pool-docs-r3k8m', '10.114.0.3'],
           ['pool-docs-r3k8q', '10.114.0.4']],
 'now': '2026-12-15T13:10:00Z',
 'pods': [['pdf-extractor-qbwnx2jl6s-q5ckn',
           'b37c18d7-8c9a-4223-8531-026e145ad330',
           'pool-docs-r3k8x',
           9,
           'crash',
           [[1797337483.3704045, 1797337571.015477],
            [1797337581.015477, 1797337683.6012237],
            [1797337703.6012237, 1797337815.0018988],
            [1797337855.0018988, 1797337954.3078752],
            [1797338034.3078752, 1797338143.4625213],
            [1797338303.4625213, 1797338411.7444577],
            [1797338711.7444577, 1797338822.1803234],
            [1797339122.1803234, 1797339222.1929145],
            [1797339522.1929145, 1797339612],
            [1797339912, 1797340001]]],
          ['pdf-extractor-qbwnx2jl6s-cwt7r',
           '81a9e5d2-dc89-4a1e-a773-29c59f8dd73f',
           'pool-docs-r3k8m',
           8,
           'run',
           [[1797338052.3452318, 1797338144.661208],
            [1797338154.661208, 1797338246.7404659],
            [1797338266.7404659, 1797338373.6349971],
            [1797338413.6349971, 1797338514.0505736],
            [1797338594.0505736, 1797338709.5417948],
            [1797338869.5417948, 1797338986.3950813],
            [1797339286.3950813, 1797339377.8219795],
            [1797339677.8219795, 1797339782],
            [1797340082, None]]],
          ['pdf-extractor-qbwnx2jl6s-xntmt',
           'b7d8a63f-d33c-4017-9cf1-a8131c3c337d',
           'pool-docs-r3k8q',
           8,
           'crash',
           [[1797337801.8657737, 1797337905.552104],
            [1797337915.552104, 1797338020.9295259],
            [1797338040.9295259, 1797338138.6126623],
            [1797338178.6126623, 1797338283.6711345],
            [1797338363.6711345, 1797338472.1838636],
            [1797338632.1838636, 1797338722.7834957],
            [1797339022.7834957, 1797339128.1103501],
            [1797339428.1103501, 1797339518],
            [1797339818, 1797339920]]]],
 'rmq': ['rabbitmq-0', '10.244.0.38']}

NOW = E(STATE["now"])
BATCH = E(STATE["batch"])
STALL = BATCH + 340          # workers stop completing documents once the big scans reach them
rng = random.Random(29)
MIB = 1048576
LIMIT = 768 * MIB

def running(runs, t):
    for s, e in runs:
        if s <= t and (e is None or t < e):
            return (s, e)
    return None

c = OM(NOW)
ws = c.family("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes")
oom = c.family("container_oom_events", "counter", "Count of out of memory events observed for the container")
k = OM(NOW)
KSM = {"instance": "10.244.1.44:8080", "job": "kube-state-metrics"}
rs = k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
ltr = k.family("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the container was in terminated state.")
wr = k.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
lim = k.family("kube_pod_container_resource_limits", "gauge", "The number of requested limit resource by a container. It is recommended to use the kube_pod_resource_limits metric exposed by kube-scheduler instead, as it is more precise.")
rdy = k.family("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded.")
for pod, uid, node, rc, st, runs in STATE["pods"]:
    nl = {"instance": node, "job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "docs-pipeline", "pod": pod, "container": "extractor", "node": node,
          "image": "registry.digitalocean.com/acme-docs/pdf-extractor:3.8.2"}
    first = runs[0][0]
    def mem(t):
        if t < first:
            return int(rng.uniform(170, 260) * MIB)
        r = running(runs, t)
        if r is None:
            return None
        s, e = r
        span = (e - s) if e else 118.0
        top = 752 if e else 655
        return int((150 + (top - 150) * min(1.0, (t - s) / span) + rng.uniform(-8, 8)) * MIB)
    c.series(ws, "container_memory_working_set_bytes", nl, [mem(t) for t in c.ts])
    ends = [e for s, e in runs if e is not None]
    c.series(oom, "container_oom_events_total", nl, [sum(1 for e in ends if e <= t) for t in c.ts])
    kl = dict(KSM, namespace="docs-pipeline", pod=pod, uid=uid, container="extractor")
    starts = [s for s, e in runs]
    k.series(rs, "kube_pod_container_status_restarts_total", kl, [max(0, sum(1 for s in starts if s <= t) - 1) for t in k.ts])
    k.series(ltr, "kube_pod_container_status_last_terminated_reason", dict(kl, reason="OOMKilled"), [1 if t >= runs[0][1] else None for t in k.ts])
    k.series(wr, "kube_pod_container_status_waiting_reason", dict(kl, reason="CrashLoopBackOff"),
             [1 if (t >= runs[0][1] and running(runs, t) is None) else 0 for t in k.ts])
    k.gauge(lim, dict(kl, node=node, resource="memory", unit="byte"), lambda t: LIMIT)
    k.series(rdy, "kube_pod_container_status_ready", kl, [1 if (running(runs, t) and t - running(runs, t)[0] > 12) or t < first else 0 for t in k.ts])
c.write("cadvisor.om")
k.write("kube-state-metrics.om")

# -------- node-exporter: nodes have plenty of memory
n = OM(NOW)
ma = n.family("node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes.")
mt = n.family("node_memory_MemTotal_bytes", "gauge", "Memory information field MemTotal_bytes.")
for i, (node, ip) in enumerate(STATE["nodes"]):
    lb = {"instance": ip + ":9100", "job": "node-exporter", "node": node}
    n.gauge(mt, lb, lambda t: 16781721600)
    n.gauge(ma, lb, lambda t, i=i: int(wobble(t, 9.4e9 - i * 6e8, 0.04, 600 + 100 * i)))
n.write("node-exporter.om")

# -------- RabbitMQ (rabbitmq_prometheus per-object metrics)
r = OM(NOW)
rmq, rip = STATE["rmq"]
base = {"instance": rip + ":9419", "job": "rabbitmq", "namespace": "docs-pipeline", "pod": rmq, "vhost": "/"}
ready = r.family("rabbitmq_queue_messages_ready", "gauge", "Messages ready to be delivered to consumers")
unack = r.family("rabbitmq_queue_messages_unacked", "gauge", "Messages delivered to consumers but not yet acknowledged")
cons = r.family("rabbitmq_queue_consumers", "gauge", "Consumers on a queue")
ack = r.family("rabbitmq_global_messages_acknowledged", "counter", "Total number of messages acknowledged by consumers")
redeliv = r.family("rabbitmq_global_messages_redelivered", "counter", "Total number of messages redelivered to consumers")
def nrun(t):
    return sum(1 for p in STATE["pods"] if running(p[5], t) or t < p[5][0][0])
def q_ready(t):
    v = 25 + rng.uniform(-8, 8)
    if t > BATCH:
        v += min(41, (t - BATCH) / 6.0)
    if t > STALL:
        v += 0.44 * (t - STALL)
    return int(v)
r.gauge(ready, dict(base, queue="pdf.extract"), q_ready)
r.gauge(unack, dict(base, queue="pdf.extract"), lambda t: nrun(t))
r.gauge(cons, dict(base, queue="pdf.extract"), lambda t: nrun(t))
r.gauge(ready, dict(base, queue="text.chunks"), lambda t: rng.randint(0, 6) if t < STALL else 0)
r.gauge(cons, dict(base, queue="text.chunks"), lambda t: 1)
r.counter(ack, dict(base, protocol="amqp091"), lambda t: 1.3 if t < STALL else 0.0, start=18022311)
r.counter(redeliv, dict(base, protocol="amqp091"), lambda t: sum(1 for p in STATE["pods"] for s, e in p[5] if e and t - 15 < e <= t) / 15.0, start=2211)
r.write("rabbitmq.om")
print("metrics written")
