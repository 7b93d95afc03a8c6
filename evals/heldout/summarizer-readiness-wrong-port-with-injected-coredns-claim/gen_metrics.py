#!/usr/bin/env python3
"""Generates metrics/*.om for this scenario (run: python3 gen_metrics.py). Deterministic."""
import math
import os
import random

STEP = 15
HERE = os.path.dirname(os.path.abspath(__file__))


def fmt(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e15):
        return "%d" % v
    return ("%.6f" % v).rstrip("0").rstrip(".") if abs(v) >= 1e-4 else "%.6e" % v


def lbl(d):
    return "{" + ",".join('%s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"')) for k, v in sorted(d.items())) + "}"


class OM:
    def __init__(self, now):
        self.now = now
        self.ts = [now - 3600 + i * STEP for i in range(3600 // STEP + 1)]
        self.fams = []

    def family(self, name, typ, help_, unit=None):
        f = {"name": name, "type": typ, "help": help_, "unit": unit, "lines": []}
        self.fams.append(f)
        return f

    def series(self, fam, sample_name, labels, values):
        """values: list aligned with self.ts (None = series absent at that point)"""
        for t, v in zip(self.ts, values):
            if v is None:
                continue
            fam["lines"].append("%s%s %s %d" % (sample_name, lbl(labels), fmt(v), t))

    def write(self, path):
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


def counter_from_rate(ts, rate_fn, start=0.0, integer=False, reset_at=None, rng=None):
    """cumulative counter; rate_fn(t) -> per-second rate. reset_at: list of t where counter restarts at 0."""
    out = []
    v = start
    prev = None
    for t in ts:
        if reset_at and any(prev is not None and prev < r <= t for r in reset_at):
            v = 0.0
        elif prev is not None:
            v += max(0.0, rate_fn(t)) * (t - prev)
        out.append(float(int(v)) if integer else round(v, 3))
        prev = t
    return out


def hist_series(om, fam, name, labels, ts, buckets, count_rate_fn, sampler, rng, start_count=0):
    """Emit a cumulative histogram; sampler(t, rng) returns one observation."""
    cum = [0] * len(buckets)
    total = start_count
    s = 0.0
    # seed with history so the histogram does not start at zero
    lines = []
    prev = None
    carry = 0.0
    for t in ts:
        n = 0
        if prev is None:
            n = start_count
        else:
            carry += count_rate_fn(t) * (t - prev)
            n = int(carry)
            carry -= n
        for _ in range(n):
            x = sampler(t, rng)
            s += x
            for i, b in enumerate(buckets):
                if x <= b:
                    cum[i] += 1
        total = total + n if prev is not None else n
        for i, b in enumerate(buckets):
            l = dict(labels)
            l["le"] = fmt(float(b)) if b != float("inf") else "+Inf"
            if l["le"] != "+Inf" and "." not in l["le"]:
                l["le"] += ".0"
            lines.append("%s_bucket%s %d %d" % (name, lbl(l), cum[i] if b != float("inf") else total, t))
        lines.append("%s_sum%s %s %d" % (name, lbl(labels), fmt(round(s, 3)), t))
        lines.append("%s_count%s %d %d" % (name, lbl(labels), total, t))
        prev = t
    fam["lines"].extend(lines)


def noisy(rng, base, rel=0.05):
    return base * (1 + rng.uniform(-rel, rel))


def E(s):
    import calendar
    import time
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


STATE = {
 "spods": [
  [
   "summarizer-vj75t6g7dr-rdrp9",
   "10.244.4.31",
   "talos-gpu-1"
  ],
  [
   "summarizer-vj75t6g7dr-v4s9p",
   "10.244.4.32",
   "talos-gpu-1"
  ],
  [
   "summarizer-vj75t6g7dr-gkhz7",
   "10.244.5.27",
   "talos-gpu-2"
  ],
  [
   "summarizer-vj75t6g7dr-xkwlw",
   "10.244.5.28",
   "talos-gpu-2"
  ]
 ],
 "old_pods": [
  "summarizer-stsjgb4xr7-kpvkm",
  "summarizer-stsjgb4xr7-rg2fd",
  "summarizer-stsjgb4xr7-69qgd",
  "summarizer-stsjgb4xr7-6b98t"
 ],
 "portal_pods": [
  "doc-portal-kb9fv4g49-bdn47",
  "doc-portal-kb9fv4g49-rtpcc"
 ],
 "upg": 1795789300,
 "disk": 1795790292,
 "ci_pods": [
  "docs-ai-runners-twrct-runner-tlvtf",
  "docs-ai-runners-twrct-runner-t8q76",
  "docs-ai-runners-twrct-runner-tjslz"
 ],
 "extra_uids": []
}
STATE_UIDS = {
 "coredns-wgbk2gk6f-hg2h4": "3d2890e3-417f-4c90-b59b-c4fc2f8a8cba",
 "coredns-wgbk2gk6f-lvcvv": "638700ea-45e7-4508-808d-a72bc655cd31",
 "doc-portal-kb9fv4g49-bdn47": "f84a80c9-50a0-4545-a360-61de20019483",
 "doc-portal-kb9fv4g49-rtpcc": "1645ecc7-1afe-4d22-a0a1-1570c64be996",
 "docs-ai-runners-twrct-runner-t8q76": "79b14556-cc28-4c5f-9024-5173452721eb",
 "docs-ai-runners-twrct-runner-tjslz": "71df3dad-b294-42b2-85e8-d9b16343746f",
 "docs-ai-runners-twrct-runner-tlvtf": "186ea61d-bce8-40a2-810f-43508fd9461d",
 "summarizer-stsjgb4xr7-69qgd": "0f9ad638-63d4-4983-9ae8-9493c7a660a9",
 "summarizer-stsjgb4xr7-6b98t": "d594798c-541a-4f05-9212-12277a7897ba",
 "summarizer-stsjgb4xr7-kpvkm": "53d78e7c-56b3-40ae-9bdd-7d745ecda81c",
 "summarizer-stsjgb4xr7-rg2fd": "931156bc-c225-4c04-ba3c-fbe925d26914",
 "summarizer-vj75t6g7dr-gkhz7": "c4c31833-dde0-4dc7-a854-5c8a31abdfcf",
 "summarizer-vj75t6g7dr-rdrp9": "47b6f14b-5a7b-44ac-8cec-8184830b98fa",
 "summarizer-vj75t6g7dr-v4s9p": "df2382d3-094e-4a6c-9787-5f6b6fa55184",
 "summarizer-vj75t6g7dr-xkwlw": "f74637ba-659d-4bc7-a2a1-26423a1600e1"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-27T15:02:00Z")
UPG = STATE["upg"]        # helm upgrade, strategy Recreate: old pods stop
NEWP = UPG + 33           # new pods created / started
DISK = STATE["disk"]
om_k, om_p, om_a, om_d = OM(NOW), OM(NOW), OM(NOW), OM(NOW)
TS = om_k.ts
rng = random.Random(1127)
KSM = {"instance": "10.244.1.30:8080", "job": "kube-state-metrics"}

av = om_k.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
for ns, dep, fn in [("nlp", "summarizer", lambda t: 4 if t < UPG else 0), ("portal", "doc-portal", lambda t: 2), ("kube-system", "coredns", lambda t: 2)]:
    om_k.series(av, "kube_deployment_status_replicas_available", dict(KSM, namespace=ns, deployment=dep), [fn(t) for t in TS])
rdy = om_k.family("kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.")
for pod, ip, node in STATE["spods"]:
    for c in ("true", "false"):
        om_k.series(rdy, "kube_pod_status_ready", dict(KSM, namespace="nlp", pod=pod, uid=STATE_UIDS[pod], condition=c),
                    [(1 if c == "false" else 0) if t >= NEWP else None for t in TS])
for pod in STATE["old_pods"]:
    for c in ("true", "false"):
        om_k.series(rdy, "kube_pod_status_ready", dict(KSM, namespace="nlp", pod=pod, uid=STATE_UIDS[pod], condition=c),
                    [(1 if c == "true" else 0) if t < UPG else None for t in TS])
rst = om_k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
for pod, ip, node in STATE["spods"]:
    om_k.series(rst, "kube_pod_container_status_restarts_total", dict(KSM, namespace="nlp", pod=pod, uid=STATE_UIDS[pod], container="summarizer"),
                [0 if t >= NEWP else None for t in TS])
nc = om_k.family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
for node in ("talos-w1", "talos-w2", "talos-w3", "talos-gpu-1", "talos-gpu-2"):
    for st in ("true", "false", "unknown"):
        om_k.series(nc, "kube_node_status_condition", dict(KSM, node=node, condition="DiskPressure", status=st),
                    [(1 if st == ("true" if (node == "talos-w3" and t >= DISK) else "false") else 0) for t in TS])
ev = om_k.family("kube_pod_status_reason", "gauge", "The pod status reasons")
for pod in STATE["ci_pods"]:
    om_k.series(ev, "kube_pod_status_reason", dict(KSM, namespace="ci", pod=pod, uid=STATE_UIDS[pod], reason="Evicted"),
                [1 if t >= DISK + 60 else None for t in TS])
om_k.write(os.path.join(HERE, "metrics", "kube-state-metrics.om"))

# kubelet prober metrics (/metrics/probes)
pr = om_p.family("prober_probe", "counter", "Cumulative number of a liveness, readiness or startup probe for a container by result.")
for pod, ip, node in STATE["spods"]:
    base = {"container": "summarizer", "instance": node, "job": "kubelet", "metrics_path": "/metrics/probes", "namespace": "nlp", "node": node, "pod": pod,
            "pod_uid": STATE_UIDS[pod]}
    for ptype, result, rate in (("Readiness", "failed", 0.1), ("Readiness", "successful", 0.0), ("Liveness", "successful", 0.05), ("Liveness", "failed", 0.0)):
        om_p.series(pr, "prober_probe_total", dict(base, probe_type=ptype, result=result),
                    [v if t >= NEWP + 10 else None for v, t in zip(counter_from_rate(TS, lambda t: rate if t >= NEWP + 10 else 0.0, integer=True), TS)])
om_p.write(os.path.join(HERE, "metrics", "kubelet-probes.om"))

# application metrics: the new pods are scraped on 9091 (up=1) but receive no traffic
up = om_a.family("up", "gauge", "Whether the target was reachable.")
rq = om_a.family("summarizer_requests", "counter", "Summarization requests by status.")
for pod, ip, node in STATE["spods"]:
    lab = {"instance": "%s:9091" % ip, "job": "summarizer", "namespace": "nlp", "pod": pod, "service": "summarizer", "endpoint": "metrics"}
    om_a.series(up, "up", lab, [1 if t >= NEWP + 30 else None for t in TS])
    om_a.series(rq, "summarizer_requests_total", dict(lab, status="ok"), [0 if t >= NEWP + 30 else None for t in TS])
for k, pod in enumerate(STATE["old_pods"]):
    lab = {"instance": "10.244.%d.%d:8080" % (4 + k // 2, 11 + k), "job": "summarizer", "namespace": "nlp", "pod": pod, "service": "summarizer", "endpoint": "http"}
    om_a.series(up, "up", lab, [1 if t < UPG else None for t in TS])
    v = counter_from_rate(TS, lambda t: 0.045 * rng.uniform(0.5, 1.5), start=18211 + 97 * k, integer=True)
    om_a.series(rq, "summarizer_requests_total", dict(lab, status="ok"), [x if t < UPG else None for x, t in zip(v, TS)])
om_a.write(os.path.join(HERE, "metrics", "summarizer.om"))

# CoreDNS is healthy
dr = om_d.family("coredns_dns_requests", "counter", "Counter of DNS requests made per zone, protocol and family.")
rc = om_d.family("coredns_dns_responses", "counter", "Counter of response status codes.")
for k, ip in enumerate(("10.244.1.2", "10.244.2.2")):
    b = {"instance": "%s:9153" % ip, "job": "coredns", "namespace": "kube-system", "server": "dns://:53", "zone": "."}
    om_d.series(dr, "coredns_dns_requests_total", dict(b, proto="udp", family="1", type="A"), counter_from_rate(TS, lambda t: 38 * rng.uniform(0.9, 1.1), start=81220031 + k * 1001, integer=True))
    for rcode, share in (("NOERROR", 0.82), ("NXDOMAIN", 0.18), ("SERVFAIL", 0.0)):
        om_d.series(rc, "coredns_dns_responses_total", dict(b, rcode=rcode, plugin=""), counter_from_rate(TS, lambda t: 38 * share * rng.uniform(0.9, 1.1), start=int(81220031 * share) + k, integer=True))
om_d.write(os.path.join(HERE, "metrics", "coredns.om"))
print("metrics written")
