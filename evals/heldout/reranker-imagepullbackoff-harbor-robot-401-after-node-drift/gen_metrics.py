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
 "rr_pods": [
  [
   "reranker-api-l25fmhf996-xxpnb",
   "ip-10-42-19-144.eu-west-1.compute.internal",
   "10.42.18.201"
  ],
  [
   "reranker-api-l25fmhf996-hw87w",
   "ip-10-42-19-144.eu-west-1.compute.internal",
   "10.42.19.37"
  ],
  [
   "reranker-api-l25fmhf996-8sghc",
   "ip-10-42-23-88.eu-west-1.compute.internal",
   "10.42.22.140"
  ],
  [
   "reranker-api-l25fmhf996-rb6tl",
   "ip-10-42-23-88.eu-west-1.compute.internal",
   "10.42.21.9"
  ]
 ],
 "q_pods": [
  "query-embedder-7zvr7tgdcd-c8rjr",
  "query-embedder-7zvr7tgdcd-flgmn"
 ],
 "g_pods": [
  "search-gateway-2kn4ngg9f-qktlf",
  "search-gateway-2kn4ngg9f-kx5hq"
 ],
 "old_pods": [
  "reranker-api-l25fmhf996-9q9mt",
  "reranker-api-l25fmhf996-rsqfg"
 ],
 "evict": 1794210182,
 "extra_uids": []
}
STATE_UIDS = {
 "coredns-lrmnqhsjb-5mczw": "8c621fdc-4394-4134-a5fd-f96251182454",
 "coredns-lrmnqhsjb-h5dp4": "98090ffc-8331-48fe-8e4d-34bbbbb9082b",
 "karpenter-2pgrn8zp6-fx4d6": "fce2ea8d-252e-42cc-89b8-a573c86263ff",
 "otel-collector-8tc8x6qqrv-4qtcr": "ac459b0d-3679-4f27-8462-c44851e78d4c",
 "query-embedder-7zvr7tgdcd-c8rjr": "83f62724-4e0e-4303-bcf2-4ee0944013ed",
 "query-embedder-7zvr7tgdcd-flgmn": "b1845cb7-e172-4784-97ec-80e0d5dd7bd6",
 "reranker-api-l25fmhf996-8sghc": "feb98065-2ce1-4ef6-8f7a-5861c25d93d8",
 "reranker-api-l25fmhf996-9q9mt": "94e29911-6981-4a34-a2c3-c43f348e51ac",
 "reranker-api-l25fmhf996-hw87w": "07ec01ad-bb03-473f-8450-3f298642a612",
 "reranker-api-l25fmhf996-rb6tl": "1c98843f-2558-468b-a0c2-d4ab977fb698",
 "reranker-api-l25fmhf996-rsqfg": "b7fa79ec-ccd2-45fb-9c37-18571f30d0f2",
 "reranker-api-l25fmhf996-xxpnb": "567c966c-0c05-44bc-ae68-71952cb731d5",
 "search-gateway-2kn4ngg9f-kx5hq": "0880990e-9ad8-4f19-a4c2-a81b174c66bf",
 "search-gateway-2kn4ngg9f-qktlf": "641d3490-106d-42df-91bf-dab5862f3999"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-09T08:21:00Z")
EVICT = STATE["evict"]
om_ksm, om_cad = OM(NOW), OM(NOW)
TS = om_ksm.ts
rng = random.Random(9)
KSM = {"instance": "10.42.2.31:8080", "job": "kube-state-metrics"}

avail = om_ksm.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
unav = om_ksm.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
spec_r = om_ksm.family("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.")
for dep, n, fn in [("reranker-api", 4, lambda t: 4 if t < EVICT else 2), ("query-embedder", 2, lambda t: 2), ("search-gateway", 2, lambda t: 2 if t < EVICT or t > EVICT + 12 else 1)]:
    lab = dict(KSM, namespace="search", deployment=dep)
    om_ksm.series(avail, "kube_deployment_status_replicas_available", lab, [fn(t) for t in TS])
    om_ksm.series(unav, "kube_deployment_status_replicas_unavailable", lab, [n - fn(t) for t in TS])
    om_ksm.series(spec_r, "kube_deployment_spec_replicas", lab, [n] * len(TS))
waiting = om_ksm.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
for name, node, ip in STATE["rr_pods"][2:]:
    lab = dict(KSM, namespace="search", pod=name, container="reranker", uid=STATE_UIDS[name])
    # the pull is retried with back-off (10s .. 5m); at each retry the reason is briefly ErrImagePull
    retries = []
    t, b = EVICT + 2, 10
    while t < NOW:
        retries.append(t)
        t += b + 1
        b = min(b * 2, 300)
    def reason(ts):
        if ts < EVICT + 1:
            return None
        for r in retries:
            if r <= ts < r + 15:
                return "ErrImagePull"
        return "ImagePullBackOff"
    rs_ = [reason(ts) for ts in TS]
    om_ksm.series(waiting, "kube_pod_container_status_waiting_reason", dict(lab, reason="ImagePullBackOff"), [1 if r == "ImagePullBackOff" else None for r in rs_])
    om_ksm.series(waiting, "kube_pod_container_status_waiting_reason", dict(lab, reason="ErrImagePull"), [1 if r == "ErrImagePull" else None for r in rs_])
phase = om_ksm.family("kube_pod_status_phase", "gauge", "The pods current phase.")
for name, node, ip in STATE["rr_pods"]:
    new = node.startswith("ip-10-42-23-88")
    for ph in ("Pending", "Running"):
        om_ksm.series(phase, "kube_pod_status_phase", dict(KSM, namespace="search", pod=name, phase=ph, uid=STATE_UIDS[name]),
                      [((1 if ph == "Pending" else 0) if new else (1 if ph == "Running" else 0)) if (not new or t >= EVICT + 1) else None for t in TS])
for name in STATE["old_pods"]:
    om_ksm.series(phase, "kube_pod_status_phase", dict(KSM, namespace="search", pod=name, phase="Running", uid=STATE_UIDS[name]),
                  [1 if t < EVICT else None for t in TS])
pdb_a = om_ksm.family("kube_poddisruptionbudget_status_pod_disruptions_allowed", "gauge", "Number of pod disruptions that are currently allowed")
pdb_h = om_ksm.family("kube_poddisruptionbudget_status_current_healthy", "gauge", "Current number of healthy pods")
lab = dict(KSM, namespace="search", poddisruptionbudget="reranker-api")
om_ksm.series(pdb_a, "kube_poddisruptionbudget_status_pod_disruptions_allowed", lab, [1 if t < EVICT else 0 for t in TS])
om_ksm.series(pdb_h, "kube_poddisruptionbudget_status_current_healthy", lab, [4 if t < EVICT else 2 for t in TS])
om_ksm.write(os.path.join(HERE, "metrics", "kube-state-metrics.om"))

# ---------------- cAdvisor CPU of the reranker pods
cpu = om_cad.family("container_cpu_usage_seconds", "counter", "Cumulative cpu time consumed in seconds.")
for name, node, ip in STATE["rr_pods"][:2]:
    lab = {"container": "reranker", "cpu": "total", "image": "harbor.int.acme.dev/ml-platform/reranker-api:2.4.1", "instance": node,
           "job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "search", "node": node, "pod": name}
    om_cad.series(cpu, "container_cpu_usage_seconds_total", lab,
                  counter_from_rate(TS, lambda t: (2.1 if t < EVICT else 4.6) * rng.uniform(0.9, 1.1), start=2312044.2 + len(name)))
for name in STATE["old_pods"]:
    lab = {"container": "reranker", "cpu": "total", "image": "harbor.int.acme.dev/ml-platform/reranker-api:2.4.1",
           "instance": "ip-10-42-11-52.eu-west-1.compute.internal", "job": "kubelet", "metrics_path": "/metrics/cadvisor",
           "namespace": "search", "node": "ip-10-42-11-52.eu-west-1.compute.internal", "pod": name}
    v = counter_from_rate(TS, lambda t: 2.1 * rng.uniform(0.9, 1.1), start=2209117.9 + len(name))
    om_cad.series(cpu, "container_cpu_usage_seconds_total", lab, [x if t < EVICT else None for x, t in zip(v, TS)])
om_cad.write(os.path.join(HERE, "metrics", "cadvisor.om"))
print("metrics written")
