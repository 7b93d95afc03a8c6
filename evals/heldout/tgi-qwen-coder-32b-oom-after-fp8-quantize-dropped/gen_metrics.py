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
 "tgi_pods": [
  [
   "tgi-qwen-coder-sctgjwrnmt-tkw2p",
   "gpu-l40s-01",
   "10.244.3.47",
   [
    [
     1793698344,
     1793698420
    ],
    [
     1793698431,
     1793698505
    ],
    [
     1793698526,
     1793698603
    ],
    [
     1793698644,
     1793698719
    ],
    [
     1793698800,
     1793698876
    ],
    [
     1793699037,
     1793699111
    ],
    [
     1793699412,
     1793699489
    ],
    [
     1793699790,
     1793699865
    ],
    [
     1793700166,
     1793700242
    ],
    [
     1793700543,
     1793700617
    ]
   ]
  ],
  [
   "tgi-qwen-coder-sctgjwrnmt-z5hhw",
   "gpu-l40s-02",
   "10.244.4.112",
   [
    [
     1793698347,
     1793698426
    ],
    [
     1793698437,
     1793698512
    ],
    [
     1793698533,
     1793698611
    ],
    [
     1793698652,
     1793698728
    ],
    [
     1793698809,
     1793698883
    ],
    [
     1793699044,
     1793699123
    ],
    [
     1793699424,
     1793699499
    ],
    [
     1793699800,
     1793699878
    ],
    [
     1793700179,
     1793700255
    ],
    [
     1793700556,
     1793700630
    ]
   ]
  ]
 ],
 "old_pods": [
  "tgi-qwen-coder-2cdpwnfg47-79pql",
  "tgi-qwen-coder-2cdpwnfg47-7lmk7"
 ],
 "guard_pod": "llama-guard-q25dqscxpz-7p54r",
 "dcgm": {
  "gpu-l40s-01": [
   "nvidia-dcgm-exporter-xc2f8",
   "10.244.3.6"
  ],
  "gpu-l40s-02": [
   "nvidia-dcgm-exporter-kbzzg",
   "10.244.4.6"
  ]
 },
 "ingress_pods": [
  "ingress-nginx-controller-7tzpmn8s4-mg4dj",
  "ingress-nginx-controller-7tzpmn8s4-2fswx"
 ],
 "ksm_pod": "kube-prometheus-stack-kube-state-metrics-nqb5f6tg9t-4w94t",
 "ui_pods": [
  "code-assist-ui-jjpfz5cfm-j7qck",
  "code-assist-ui-jjpfz5cfm-nlc8g"
 ],
 "docs_pods": [
  "docs-web-nttvnpssxj-pzp2s",
  "docs-web-nttvnpssxj-pwk4n"
 ]
}
STATE_UIDS = {
 "code-assist-ui-jjpfz5cfm-j7qck": "20ab8cd0-e8e4-43bb-b082-d32bb5b35a14",
 "code-assist-ui-jjpfz5cfm-nlc8g": "c896b692-f68c-430e-b835-b72c27f778a3",
 "coredns-drmqwd5b2b-bl6xb": "e612f798-eb97-47e2-82a2-b1ae14757f7e",
 "coredns-drmqwd5b2b-h8d5d": "cb530c66-5a35-4c59-a794-49912d11d304",
 "docs-web-nttvnpssxj-pwk4n": "0809294a-e83d-4eaa-8710-648a452e28a8",
 "docs-web-nttvnpssxj-pzp2s": "15413414-481b-446e-9f0b-09207ba65039",
 "ingress-nginx-controller-7tzpmn8s4-2fswx": "0eb6edd0-0e57-4055-9e6d-2ec9da4ee49f",
 "ingress-nginx-controller-7tzpmn8s4-mg4dj": "6399404a-7761-4d51-ba35-3ec9a121afd6",
 "kube-prometheus-stack-kube-state-metrics-nqb5f6tg9t-4w94t": "437acf21-da56-443a-b8ef-00f9ef5cdb96",
 "llama-guard-q25dqscxpz-7p54r": "90e89f51-e439-4aa9-bbe2-99ac9ba1adc8",
 "nvidia-dcgm-exporter-kbzzg": "be72ba6c-b189-4289-94a0-62e309f0287f",
 "nvidia-dcgm-exporter-xc2f8": "c384e47e-d2c9-4860-9a20-193d58cd5f72",
 "nvidia-device-plugin-daemonset-l7p89": "9eeece9e-f21d-48c0-ac52-d4f036ef4d0a",
 "nvidia-device-plugin-daemonset-nm67x": "72915453-45cf-4b2a-a127-65a447ffa136",
 "tgi-qwen-coder-2cdpwnfg47-79pql": "db69d3c4-c598-4a83-9ca3-3ea5f0d96622",
 "tgi-qwen-coder-2cdpwnfg47-7lmk7": "960a2cb5-4a18-4ac7-a386-5be3f4341ffa",
 "tgi-qwen-coder-sctgjwrnmt-tkw2p": "2e7c8c23-a7f9-44b9-b256-2bfefe779822",
 "tgi-qwen-coder-sctgjwrnmt-z5hhw": "dec8aede-c976-4636-8de5-1436072b1efe"
}

# ---------------------------------------------------------------- scenario-specific part
NOW = E("2026-11-03T10:12:00Z")
CHANGE = E("2026-11-03T09:31:48Z")  # old pods stopped (strategy Recreate)
NEW_START = E("2026-11-03T09:32:21Z")  # new pods created
om_gpu, om_ksm, om_ing, om_tgi = OM(NOW), OM(NOW), OM(NOW), OM(NOW)
TS = om_gpu.ts
rng = random.Random(20261103)


def running_at(runs, t):
    for s, e in runs:
        if s <= t and (e is None or t < e):
            return (s, e)
    return None


# ---------------- DCGM
gpus = [
    # node, gpu idx, uuid, bus, dcgm pod ip, old pod, new pod index
    ("gpu-l40s-01", 0, "GPU-3f5b2c1e-8d7a-4e61-9b0c-2a4d6e8f1c37", "00000000:41:00.0", STATE["dcgm"]["gpu-l40s-01"], STATE["old_pods"][0], 0),
    ("gpu-l40s-01", 1, "GPU-a81c47d2-55e9-4c3b-8f6a-19d2e7b0c4f5", "00000000:C1:00.0", STATE["dcgm"]["gpu-l40s-01"], None, None),
    ("gpu-l40s-02", 0, "GPU-6c2e9f14-0b3d-47a8-a5e1-7d4f2c9b8e60", "00000000:41:00.0", STATE["dcgm"]["gpu-l40s-02"], "guard", None),
    ("gpu-l40s-02", 1, "GPU-d47a0b3e-9c15-4f28-b6d7-3e8a1f5c2b94", "00000000:C1:00.0", STATE["dcgm"]["gpu-l40s-02"], STATE["old_pods"][1], 1),
]
fb_used = om_gpu.family("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).")
fb_free = om_gpu.family("DCGM_FI_DEV_FB_FREE", "gauge", "Framebuffer memory free (in MiB).")
util = om_gpu.family("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).")
power = om_gpu.family("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).")
TOTAL = 46068
for node, idx, uuid_, bus, (dpod, dip), old, new in gpus:
    base = {"Hostname": node, "UUID": uuid_, "device": "nvidia%d" % idx, "gpu": str(idx), "instance": "%s:9400" % dip,
            "job": "nvidia-dcgm-exporter", "modelName": "NVIDIA L40S", "pci_bus_id": bus, "DCGM_FI_DRIVER_VERSION": "560.35.03"}
    segs = []  # (labels, fn)
    if old == "guard":
        lab = dict(base, namespace="safety", pod=STATE["guard_pod"], container="vllm")
        segs.append((lab, lambda t: (round(noisy(rng, 41893, 0.0005)), rng.uniform(3, 22), rng.uniform(95, 140))))
    elif old is None:
        segs.append((base, lambda t: (0, 0, rng.uniform(31, 34))))
    else:
        lab_old = dict(base, namespace="assistants", pod=old, container="text-generation-inference")
        segs.append((lab_old, lambda t: (round(noisy(rng, 44212, 0.002)), rng.uniform(35, 88), rng.uniform(180, 290)) if t < CHANGE else None))
        newpod = STATE["tgi_pods"][new]
        runs = newpod[3]
        lab_new = dict(base, namespace="assistants", pod=newpod[0], container="text-generation-inference")

        def fn(t, runs=runs):
            if t < NEW_START:
                return None
            r = running_at(runs, t)
            if not r:
                return (0, 0, rng.uniform(31, 35))
            el = t - r[0]
            if el < 11:
                return (0 if el < 6 else 517, 0, rng.uniform(33, 40))
            frac = min(1.0, (el - 11) / 58.0)
            return (round(517 + frac * (45482 - 517)), rng.uniform(0, 4), rng.uniform(70, 95))
        segs.append((lab_new, fn))
    for lab, f in segs:
        vals = [f(t) for t in TS]
        om_gpu.series(fb_used, "DCGM_FI_DEV_FB_USED", lab, [v and v[0] for v in vals])
        om_gpu.series(util, "DCGM_FI_DEV_GPU_UTIL", lab, [v and round(v[1]) for v in vals])
om_gpu.write(os.path.join(HERE, "metrics", "gpu.om"))

# ---------------- kube-state-metrics
KSM = {"instance": "10.244.2.17:8080", "job": "kube-state-metrics"}
restarts = om_ksm.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
waiting = om_ksm.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
last_term = om_ksm.family("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the container was in terminated state.")
ready = om_ksm.family("kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.")
avail = om_ksm.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
spec_r = om_ksm.family("kube_deployment_spec_replicas", "gauge", "Number of desired pods for a deployment.")
for name, node, ip, runs in STATE["tgi_pods"]:
    lab = dict(KSM, namespace="assistants", pod=name, container="text-generation-inference",
               uid=STATE_UIDS[name])

    def nrest(t, runs=runs):
        return sum(1 for s, e in runs[1:] if s <= t)
    om_ksm.series(restarts, "kube_pod_container_status_restarts_total", lab, [nrest(t) if t >= NEW_START else None for t in TS])
    om_ksm.series(waiting, "kube_pod_container_status_waiting_reason", dict(lab, reason="CrashLoopBackOff"),
                  [1 if t >= NEW_START and not running_at(runs, t) and t > runs[0][1] else None for t in TS])
    om_ksm.series(last_term, "kube_pod_container_status_last_terminated_reason", dict(lab, reason="Error"),
                  [1 if t >= runs[0][1] else None for t in TS])
    plab = dict(KSM, namespace="assistants", pod=name, uid=STATE_UIDS[name])
    for c in ("true", "false"):
        om_ksm.series(ready, "kube_pod_status_ready", dict(plab, condition=c), [(1 if c == "false" else 0) if t >= NEW_START else None for t in TS])
for old in STATE["old_pods"]:
    plab = dict(KSM, namespace="assistants", pod=old, uid=STATE_UIDS[old])
    for c in ("true", "false"):
        om_ksm.series(ready, "kube_pod_status_ready", dict(plab, condition=c), [(1 if c == "true" else 0) if t < CHANGE else None for t in TS])
for ns, dep, n, fn in [("assistants", "tgi-qwen-coder", 2, lambda t: 2 if t < CHANGE else 0),
                       ("assistants", "code-assist-ui", 2, lambda t: 2), ("safety", "llama-guard", 1, lambda t: 1),
                       ("docs", "docs-web", 2, lambda t: 2), ("ingress-nginx", "ingress-nginx-controller", 2, lambda t: 2),
                       ("kube-system", "coredns", 2, lambda t: 2)]:
    lab = dict(KSM, namespace=ns, deployment=dep)
    om_ksm.series(avail, "kube_deployment_status_replicas_available", lab, [fn(t) for t in TS])
    om_ksm.series(spec_r, "kube_deployment_spec_replicas", lab, [n for t in TS])
om_ksm.write(os.path.join(HERE, "metrics", "kube-state-metrics.om"))

# ---------------- ingress-nginx
reqs = om_ing.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
for k, ipod in enumerate(STATE["ingress_pods"]):
    common = {"canary": "", "controller_class": "k8s.io/ingress-nginx", "controller_namespace": "ingress-nginx",
              "controller_pod": ipod, "instance": "10.244.%d.5:10254" % (k + 1), "job": "ingress-nginx-controller-metrics",
              "namespace": "assistants", "method": "POST"}
    for ing, host, svc, path, status, rate, start in [
        ("code-assist", "code-assist.int.example.net", "tgi-qwen-coder", "/v1", "200", lambda t: 0.0 if t >= CHANGE else 0.055, 41233),
        ("code-assist", "code-assist.int.example.net", "tgi-qwen-coder", "/v1", "503", lambda t: 0.06 if t >= CHANGE else 0.0, 12),
        ("code-assist", "code-assist.int.example.net", "tgi-qwen-coder", "/generate", "200", lambda t: 0.0 if t >= CHANGE else 0.007, 5120),
        ("code-assist", "code-assist.int.example.net", "tgi-qwen-coder", "/generate", "503", lambda t: 0.008 if t >= CHANGE else 0.0, 0),
        ("code-assist", "code-assist.int.example.net", "code-assist-ui", "/", "200", lambda t: 0.018, 96022),
    ]:
        lab = dict(common, ingress=ing, host=host, service=svc, path=path, status=status)
        if svc == "code-assist-ui":
            lab["method"] = "GET"
        vals = counter_from_rate(TS, lambda t: rate(t) * rng.uniform(0.6, 1.4), start=start + 17 * k, integer=True)
        if status == "503" and path == "/generate" and vals[-1] == 0:
            continue
        om_ing.series(reqs, "nginx_ingress_controller_requests", lab, vals)
    lab = dict(common, ingress="docs-web", host="docs.int.example.net", service="docs-web", path="/", status="200", method="GET", namespace="docs")
    om_ing.series(reqs, "nginx_ingress_controller_requests", lab, counter_from_rate(TS, lambda t: 0.4 * rng.uniform(0.5, 1.5), start=771203 + k * 1001, integer=True))
om_ing.write(os.path.join(HERE, "metrics", "ingress-nginx.om"))

# ---------------- TGI (old pods scraped until they stopped; new pods fail the scrape)
up = om_tgi.family("up", "gauge", "Whether the target was reachable.")
rc = om_tgi.family("tgi_request_count", "counter", "Total number of requests")
rs = om_tgi.family("tgi_request_success", "counter", "Total number of successful requests")
qs = om_tgi.family("tgi_queue_size", "gauge", "Current queue size")
bs = om_tgi.family("tgi_batch_current_size", "gauge", "Current batch size")
for k, old in enumerate(STATE["old_pods"]):
    lab = {"instance": "10.244.%d.%d:9000" % (3 + k, 28 + 41 * k), "job": "assistants/tgi-qwen-coder", "namespace": "assistants", "pod": old}
    om_tgi.series(up, "up", lab, [1 if t < CHANGE else None for t in TS])
    c = counter_from_rate(TS, lambda t: 0.031 * rng.uniform(0.5, 1.5), start=50211 + 911 * k, integer=True)
    om_tgi.series(rc, "tgi_request_count", lab, [v if t < CHANGE else None for v, t in zip(c, TS)])
    om_tgi.series(rs, "tgi_request_success", lab, [v - 37 - k if t < CHANGE else None for v, t in zip(c, TS)])
    om_tgi.series(qs, "tgi_queue_size", lab, [rng.choice([0, 0, 0, 1, 2]) if t < CHANGE else None for t in TS])
    om_tgi.series(bs, "tgi_batch_current_size", lab, [rng.choice([1, 2, 2, 3, 4, 5]) if t < CHANGE else None for t in TS])
for name, node, ip, runs in STATE["tgi_pods"]:
    lab = {"instance": "%s:9000" % ip, "job": "assistants/tgi-qwen-coder", "namespace": "assistants", "pod": name}
    om_tgi.series(up, "up", lab, [0 if t >= NEW_START + 15 else None for t in TS])
om_tgi.write(os.path.join(HERE, "metrics", "tgi.om"))
print("metrics written")
