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
 "old_pods_running": [
  "doc-ingest-worker-5m8mqdq69p-m65rv",
  "doc-ingest-worker-5m8mqdq69p-lkcp4",
  "doc-ingest-worker-5m8mqdq69p-tpfgd"
 ],
 "new_pod": "doc-ingest-worker-l5mfbqlxq-kslgt",
 "roll": 1794486167,
 "eso": 1794484711,
 "extra_uids": []
}
STATE_UIDS = {
 "coredns-jdg64fhcs-dfxgz": "f63d1235-0ab6-471d-a5d5-9f1d21dd43ae",
 "coredns-jdg64fhcs-mpdf7": "1eaa0a0c-5e73-4b0c-8250-df3ed3459ebc",
 "doc-ingest-worker-5m8mqdq69p-lkcp4": "580e5824-1a00-466f-856f-3c4d3d53c457",
 "doc-ingest-worker-5m8mqdq69p-m65rv": "744e279d-7811-43ff-9258-826d94756a56",
 "doc-ingest-worker-5m8mqdq69p-tpfgd": "cf1c9796-4eb9-4b56-a38c-9d478ac06777",
 "doc-ingest-worker-l5mfbqlxq-kslgt": "73180af4-2e5a-4e08-a093-80c2da56850f",
 "docs-site-cvb78lg24-4glsw": "9c876278-0a1b-472c-937e-947bd27bae6f",
 "docs-site-cvb78lg24-ffj7x": "6b129b93-a8bc-4a6a-98ba-a0a8df17bdfa",
 "external-secrets-pt8lhb27bp-wq2s8": "2b2e5506-3deb-4735-b318-e7c93a080d5e",
 "pgvector-0": "abd4235c-e531-4ada-b146-7be79b16dc2d",
 "rag-api-w6tbz5x2b-bws4q": "98953e51-970d-4997-a3f5-4f430dc2a61f",
 "rag-api-w6tbz5x2b-fvvnd": "2ccfca78-c3cd-49f2-a1d6-2294f16713a8",
 "sitemap-refresh-29383500-jdf8n": "89929bc6-b4f7-4d61-82d9-9f2a0e3200ec",
 "sitemap-refresh-29383500-xbdf4": "b44c9d13-55bf-44b5-80e1-c88d7b7e2957",
 "sitemap-refresh-29383500-xmh2k": "c03d25ca-5497-4c39-9d1a-373cbd58dac3"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-12T13:05:00Z")
ROLL = STATE["roll"]
om = OM(NOW)
TS = om.ts
KSM = {"instance": "10.244.13.9:8080", "job": "kube-state-metrics"}
spec_r = om.family("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.")
avail = om.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
upd = om.family("kube_deployment_status_replicas_updated", "gauge", "The number of updated replicas per deployment.")
unav = om.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
gen = om.family("kube_deployment_metadata_generation", "gauge", "Sequence number representing a specific generation of the desired state.")
cnd = om.family("kube_deployment_status_condition", "gauge", "The current status conditions of a deployment.")
DEADLINE = E("2026-11-12T12:32:48Z")
for dep, n, f_upd, f_unav, g in [("doc-ingest-worker", 3, lambda t: 1 if t >= ROLL else 3, lambda t: 1 if t >= ROLL else 0, lambda t: 15 if t >= ROLL else 14),
                                 ("rag-api", 2, lambda t: 2, lambda t: 0, lambda t: 41)]:
    lab = dict(KSM, namespace="rag", deployment=dep)
    om.series(spec_r, "kube_deployment_spec_replicas", lab, [n] * len(TS))
    om.series(avail, "kube_deployment_status_replicas_available", lab, [n] * len(TS))
    om.series(upd, "kube_deployment_status_replicas_updated", lab, [f_upd(t) for t in TS])
    om.series(unav, "kube_deployment_status_replicas_unavailable", lab, [f_unav(t) for t in TS])
    om.series(gen, "kube_deployment_metadata_generation", lab, [g(t) for t in TS])
    for c in ("Available", "Progressing"):
        for st in ("true", "false", "unknown"):
            if dep == "doc-ingest-worker" and c == "Progressing":
                vals = [(1 if st == ("false" if t >= DEADLINE else "true") else 0) for t in TS]
                om.series(cnd, "kube_deployment_status_condition", dict(lab, condition=c, status=st, reason="ProgressDeadlineExceeded"), [v if t >= DEADLINE else None for v, t in zip(vals, TS)])
                om.series(cnd, "kube_deployment_status_condition", dict(lab, condition=c, status=st, reason="ReplicaSetUpdated"), [v if ROLL <= t < DEADLINE else None for v, t in zip(vals, TS)])
                om.series(cnd, "kube_deployment_status_condition", dict(lab, condition=c, status=st, reason="NewReplicaSetAvailable"), [v if t < ROLL else None for v, t in zip(vals, TS)])
            else:
                om.series(cnd, "kube_deployment_status_condition", dict(lab, condition=c, status=st,
                          reason="MinimumReplicasAvailable" if c == "Available" else "NewReplicaSetAvailable"), [1 if st == "true" else 0] * len(TS))
waiting = om.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
np_ = STATE["new_pod"]
om.series(waiting, "kube_pod_container_status_waiting_reason", dict(KSM, namespace="rag", pod=np_, container="worker", uid=STATE_UIDS[np_], reason="ContainerCreating"),
          [1 if ROLL <= t < ROLL + 12 else None for t in TS])
om.series(waiting, "kube_pod_container_status_waiting_reason", dict(KSM, namespace="rag", pod=np_, container="worker", uid=STATE_UIDS[np_], reason="CreateContainerConfigError"),
          [1 if t >= ROLL + 12 else None for t in TS])
jf = om.family("kube_job_status_failed", "gauge", "The number of pods which reached Phase Failed and the reason for failure.")
for j, start in (("sitemap-refresh-29383440", E("2026-11-12T12:00:00Z")), ("sitemap-refresh-29383500", E("2026-11-12T13:00:00Z"))):
    om.series(jf, "kube_job_status_failed", dict(KSM, namespace="web", job_name=j, reason="BackoffLimitExceeded"),
              [(1 if t >= start + 170 else 0) if start <= t and (j.endswith("500") or t < E("2026-11-12T13:02:52Z")) else None for t in TS])
om.write(os.path.join(HERE, "metrics", "kube-state-metrics.om"))
print("metrics written")
