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
STATE = {'bb_pod': ['prometheus-blackbox-exporter-jgwjjqrf96-5csth', '10.42.6.71'],
 'cm_pod': ['cert-manager-mfwxbwbjtx-jcwf5', '10.42.6.40'],
 'emb_pod': ['embeddings-xs5pdhmcqj-xvrgs', '10.42.7.88'],
 'llama_pod': ['llama-server-fhhr4vlsps-x4bns', '10.42.7.57', '3f073c05-3d62-40ab-95ee-7ff8f5bb07f2'],
 'new_na': '2026-12-13T05:12:09Z',
 'ng_pods': [['rke2-ingress-nginx-controller-vgdf6', '10.42.4.12'],
             ['rke2-ingress-nginx-controller-tmmbm', '10.42.5.12'],
             ['rke2-ingress-nginx-controller-7pmn5', '10.42.6.12']],
 'now': '2026-10-14T07:25:00Z',
 'old_na': '2026-10-14T05:12:09Z'}

NOW = E(STATE["now"])
OLD_NA = E(STATE["old_na"])
NEW_NA = E(STATE["new_na"])
rng = random.Random(3)

# -------- ingress-nginx controller metrics (scraped per DaemonSet pod; target namespace moved to exported_namespace)
n = OM(NOW)
rq = n.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
ssl = n.family("nginx_ingress_controller_ssl_expire_time_seconds", "gauge", "Number of seconds since 1970 to the SSL Certificate expire.")
for i, (pod, ip) in enumerate(STATE["ng_pods"]):
    base = {"instance": ip + ":10254", "job": "rke2-ingress-nginx-controller-metrics", "namespace": "kube-system", "pod": pod,
            "controller_class": "k8s.io/ingress-nginx", "controller_namespace": "kube-system", "controller_pod": pod, "canary": "",
            "exported_namespace": "edge-llm", "method": "POST", "path": "/"}
    chat = dict(base, ingress="llm-chat", host="llm.edge.acme.io", service="llama-server")
    # counters were reset when the controller pods last restarted; 200s stopped at 05:12:09
    n.counter(rq, dict(chat, status="200"), lambda t: 0.0, start=1840211 + 9001 * i, sample="nginx_ingress_controller_requests")
    n.counter(rq, dict(chat, status="502"), lambda t: wobble(t, 0.39, 0.15, 1100, i), start=int(0.39 * (NOW - 3600 - OLD_NA)) + 17 * i, sample="nginx_ingress_controller_requests")
    n.counter(rq, dict(chat, status="499"), lambda t: 0.0, start=2231 + 11 * i, sample="nginx_ingress_controller_requests")
    emb = dict(base, ingress="embeddings", host="embed.edge.acme.io", service="embeddings")
    n.counter(rq, dict(emb, status="200"), lambda t: wobble(t, 0.21, 0.2, 800, i), start=912233 + 5003 * i, sample="nginx_ingress_controller_requests")
    for ing, host in (("llm-chat", "llm.edge.acme.io"), ("embeddings", "embed.edge.acme.io")):
        n.gauge(ssl, {"instance": ip + ":10254", "job": "rke2-ingress-nginx-controller-metrics", "namespace": "kube-system", "pod": pod,
                      "class": "k8s.io/ingress-nginx", "host": host, "secret_name": "wildcard-edge-acme-io", "identifier": "edge-llm/wildcard-edge-acme-io",
                      "exported_namespace": "edge-llm"}, lambda t: E("2027-01-22T23:59:59Z"))
n.write("ingress-nginx.om")

# -------- blackbox exporter (insecure_skip_verify module, so it reports the served certificate)
b = OM(NOW)
ps = b.family("probe_success", "gauge", "Displays whether or not the probe was a success")
pe = b.family("probe_ssl_earliest_cert_expiry", "gauge", "Returns last SSL chain expiry in unixtime")
pc = b.family("probe_http_status_code", "gauge", "Response HTTP status code")
bb = STATE["bb_pod"]
for target, module, expiry, code in (("https://llama-server.edge-llm.svc:8443/health", "https_internal_cert_expiry", OLD_NA, 200),
                                     ("https://grafana.edge.acme.io/api/health", "http_2xx", E("2026-10-29T02:09:43Z"), 200),
                                     ("https://embed.edge.acme.io/health", "http_2xx", E("2027-01-22T23:59:59Z"), 200)):
    lb = {"instance": target, "job": "blackbox-internal-tls" if module.startswith("https_internal") else "blackbox-http", "module": module}
    b.gauge(ps, lb, lambda t: 1)
    b.gauge(pe, lb, lambda t, e=expiry: e)
    b.gauge(pc, lb, lambda t, c=code: c)
b.write("blackbox.om")

# -------- cert-manager controller
c = OM(NOW)
ce = c.family("certmanager_certificate_expiration_timestamp_seconds", "gauge", "The date after which the certificate expires. Expressed as a Unix Epoch Time.")
cr = c.family("certmanager_certificate_renewal_timestamp_seconds", "gauge", "The number of seconds before expiration time the certificate should renew.")
cs = c.family("certmanager_certificate_ready_status", "gauge", "The ready status of the certificate.")
cmp_ = STATE["cm_pod"]
for ns, name, iss, kind, exp, ren, ready in (("edge-llm", "llama-server-tls", "edge-internal-ca", "ClusterIssuer", NEW_NA, E("2026-11-13T05:12:09Z"), "True"),
                                             ("monitoring", "grafana-tls", "letsencrypt-dns", "ClusterIssuer", E("2026-10-29T02:09:43Z"), E("2026-09-29T03:09:44Z"), "True")):
    lb = {"instance": cmp_[1] + ":9402", "job": "cert-manager", "namespace": "cert-manager", "pod": cmp_[0],
          "exported_namespace": ns, "name": name, "issuer_name": iss, "issuer_kind": kind, "issuer_group": "cert-manager.io"}
    c.gauge(ce, lb, lambda t, e=exp: e)
    c.gauge(cr, lb, lambda t, r=ren: r)
    for cond in ("False", "True", "Unknown"):
        c.gauge(cs, dict(lb, condition=cond), lambda t, cond=cond, ready=ready: 1 if cond == ready else 0)
c.write("cert-manager.om")

# -------- llama.cpp server (--metrics) and kube-state-metrics
l = OM(NOW)
lp, lip, luid = STATE["llama_pod"]
lb = {"instance": lip + ":8443", "job": "llama-server", "namespace": "edge-llm", "pod": lp}
ptok = l.family("llamacpp:prompt_tokens", "counter", "Number of prompt tokens processed.")
l.counter(ptok, lb, lambda t: 0.0, start=1882311940, sample="llamacpp:prompt_tokens_total")
l.counter(l.family("llamacpp:tokens_predicted", "counter", "Number of generation tokens processed."), lb, lambda t: 0.0, start=611920331, sample="llamacpp:tokens_predicted_total")
l.gauge(l.family("llamacpp:requests_processing", "gauge", "Number of requests processing."), lb, lambda t: 0)
l.gauge(l.family("llamacpp:requests_deferred", "gauge", "Number of requests deferred."), lb, lambda t: 0)
ep, eip = STATE["emb_pod"]
eb = {"instance": eip + ":8080", "job": "llama-server", "namespace": "edge-llm", "pod": ep}
l.counter(ptok, eb, lambda t: wobble(t, 95, 0.3, 800), start=311220931, sample="llamacpp:prompt_tokens_total")
l.write("llama-server.om")

k = OM(NOW)
KSM = {"instance": "10.42.6.80:8080", "job": "kube-state-metrics"}
st = k.family("kube_pod_start_time", "gauge", "Start time in unix timestamp for a pod.")
k.gauge(st, dict(KSM, namespace="edge-llm", pod=lp, uid=luid), lambda t: E("2026-07-16T05:20:15Z"))
rdy = k.family("kube_pod_container_status_ready", "gauge", "Describes whether the containers readiness check succeeded.")
k.gauge(rdy, dict(KSM, namespace="edge-llm", pod=lp, uid=luid, container="llama-server"), lambda t: 1)
rs = k.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
k.series(rs, "kube_pod_container_status_restarts_total", dict(KSM, namespace="edge-llm", pod=lp, uid=luid, container="llama-server"), [0] * len(k.ts))
k.write("kube-state-metrics.om")
print("metrics written")
