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
 "wpod": "weaviate-0",
 "ca_pod": "cluster-autoscaler-l6tr7jgqqn-gbcmw",
 "qpods": [
  "qdrant-0",
  "qdrant-1"
 ],
 "create": 1795080097,
 "extra_uids": []
}
STATE_UIDS = {
 "cluster-autoscaler-l6tr7jgqqn-gbcmw": "6bd576b4-a258-4f05-9056-9c358fc41369",
 "coredns-nhgclvzhj-5wxtm": "f64d8a06-4b96-43cc-a6ae-e59efcc01791",
 "coredns-nhgclvzhj-tmbkp": "fba48881-f8c1-4cfd-be0f-ba98dd86e2bd",
 "ebs-csi-controller-jxmbntpgn-mfnmm": "f5c9146f-0ca7-42b0-91b9-f272315b6017",
 "ebs-csi-controller-jxmbntpgn-nwcqf": "b6c89aef-9749-4c8a-9d7f-cff2ca0a70a7",
 "qdrant-0": "4fbe9b96-6766-40e7-aef1-2817ab89de28",
 "qdrant-1": "a9f12871-ffd2-46df-bdd6-048e4d607656",
 "vector-indexer-fndzkjsls-4xgzz": "5bdb5050-2d35-4693-8c26-bf51dc683c6d",
 "weaviate-0": "e493cb1d-f669-43ba-be6e-1b1b0cd651d2"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-19T09:55:00Z")
CREATE = STATE["create"]
om, om_ca = OM(NOW), OM(NOW)
TS = om.ts
KSM = {"instance": "10.70.11.77:8080", "job": "kube-state-metrics"}
ph = om.family("kube_persistentvolumeclaim_status_phase", "gauge", "The phase the persistent volume claim is currently in.")
info = om.family("kube_persistentvolumeclaim_info", "gauge", "Information about persistent volume claim.")
for pvc, sc, vol, start in [("weaviate-data-weaviate-0", "gp3-vector", "", CREATE), ("qdrant-storage-qdrant-0", "gp3", "pvc-a", 0), ("qdrant-storage-qdrant-1", "gp3", "pvc-b", 0)]:
    for p in ("Bound", "Lost", "Pending"):
        want = "Pending" if vol == "" else "Bound"
        om.series(ph, "kube_persistentvolumeclaim_status_phase", dict(KSM, namespace="vector-search", persistentvolumeclaim=pvc, phase=p),
                  [(1 if p == want else 0) if t >= start else None for t in TS])
    om.series(info, "kube_persistentvolumeclaim_info", dict(KSM, namespace="vector-search", persistentvolumeclaim=pvc, storageclass=sc, volumename=vol),
              [1 if t >= start else None for t in TS])
pp = om.family("kube_pod_status_phase", "gauge", "The pods current phase.")
us = om.family("kube_pod_status_unschedulable", "gauge", "Describes the unschedulable status for the pod.")
wp = STATE["wpod"]
for p in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
    om.series(pp, "kube_pod_status_phase", dict(KSM, namespace="vector-search", pod=wp, phase=p, uid=STATE_UIDS[wp]),
              [(1 if p == "Pending" else 0) if t >= CREATE else None for t in TS])
om.series(us, "kube_pod_status_unschedulable", dict(KSM, namespace="vector-search", pod=wp, uid=STATE_UIDS[wp]), [1 if t >= CREATE + 1 else None for t in TS])
sr = om.family("kube_statefulset_status_replicas_ready", "gauge", "The number of ready replicas per StatefulSet.")
ss = om.family("kube_statefulset_replicas", "gauge", "Number of desired pods for a StatefulSet.")
for sts, n, ready in [("weaviate", 3, lambda t: 0), ("qdrant", 2, lambda t: 1 if E("2026-11-19T09:28:41Z") <= t < E("2026-11-19T09:29:12Z") else (0 if E("2026-11-19T09:29:12Z") <= t < E("2026-11-19T09:29:32Z") and False else 2))]:
    start = CREATE if sts == "weaviate" else 0
    om.series(sr, "kube_statefulset_status_replicas_ready", dict(KSM, namespace="vector-search", statefulset=sts), [ready(t) if t >= start else None for t in TS])
    om.series(ss, "kube_statefulset_replicas", dict(KSM, namespace="vector-search", statefulset=sts), [n if t >= start else None for t in TS])
rq = om.family("kube_resourcequota", "gauge", "Information about resource quota.")
for res, hard, used_before, used_after in [("requests.storage", 1610612736000, 858993459200, 1073741824000), ("persistentvolumeclaims", 12, 2, 3),
                                          ("requests.memory", 549755813888, 68719476736, 171798691840), ("requests.cpu", 64, 8, 14)]:
    base = dict(KSM, namespace="vector-search", resourcequota="vector-search-quota", resource=res)
    om.series(rq, "kube_resourcequota", dict(base, type="hard"), [hard] * len(TS))
    om.series(rq, "kube_resourcequota", dict(base, type="used"), [used_after if t >= CREATE else used_before for t in TS])
om.write(os.path.join(HERE, "metrics", "kube-state-metrics.om"))

ca = om_ca.family("cluster_autoscaler_unschedulable_pods_count", "gauge", "Number of unschedulable pods in the cluster.")
lab = {"instance": "10.70.10.61:8085", "job": "cluster-autoscaler", "namespace": "kube-system", "pod": STATE["ca_pod"]}
om_ca.series(ca, "cluster_autoscaler_unschedulable_pods_count", dict(lab, type="unschedulable"), [1 if t >= CREATE + 10 else 0 for t in TS])
sf = om_ca.family("cluster_autoscaler_failed_scale_ups", "counter", "Number of times scale-up operation has failed.")
om_ca.series(sf, "cluster_autoscaler_failed_scale_ups_total", dict(lab, reason="cloudProviderError"), [3] * len(TS))
om_ca.write(os.path.join(HERE, "metrics", "cluster-autoscaler.om"))
print("metrics written")
