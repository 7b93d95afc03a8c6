#!/usr/bin/env python3
"""Regenerate metrics/*.om and the Istio ingress gateway access log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  21:58:40Z  helm upgrade gemma-tgi: chart tgi 0.4.2 -> 0.5.0.  The new Deployment template drops
             "--port 8080" (TGI then listens on its image default PORT=80) and names container port
             80 "http"; the chart's Service template still renders targetPort: 8080.
             Rolling update (maxSurge 1, maxUnavailable 0): new pod 1 Ready 22:00:31 (readiness uses the
             named port, so it passes), old pod 1 terminated; new pod 2 Ready 22:02:20, old pod 2 gone.
  22:00:31Z  one of two endpoints refuses connections on 8080; Istio's default retry (connect-failure,
             previous_hosts predicate) mostly lands on the old pod, so users barely notice.
  22:02:20Z  every endpoint is a new pod: connect() to podIP:8080 is refused, the gateway retries
             twice and answers 503 with flags UF,URX and "delayed connect error: Connection refused".
Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import os
import random
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


T1 = int(epoch("2026-06-11T22:15:00Z"))
T0 = T1 - 3600
OLD = {"gemma-tgi-5f8d7c6b94-l2xvw": ("10.244.2.31", epoch("2026-06-11T22:00:31.4Z")),
       "gemma-tgi-5f8d7c6b94-sm9kd": ("10.244.3.18", epoch("2026-06-11T22:02:20.7Z"))}
NEW = {"gemma-tgi-7c4b9d8f65-h6tzq": ("10.244.2.47", epoch("2026-06-11T22:00:31.2Z")),
       "gemma-tgi-7c4b9d8f65-x8n4p": ("10.244.3.52", epoch("2026-06-11T22:02:20.5Z"))}
GW_POD, GW_IP = "inference-gw-istio-6d4c9b7f58-q7vzr", "10.244.1.12"
CLUSTER = "outbound|80||gemma-tgi.nlp-serving.svc.cluster.local"
LOG_FROM = T1 - 330
REFUSED = "delayed connect error: Connection refused"
BODY = ("upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure, "
        "transport failure reason: " + REFUSED)


def endpoints(t):
    eps = [(ip, True) for p, (ip, gone) in OLD.items() if t < gone]
    eps += [(ip, False) for p, (ip, ready) in NEW.items() if t >= ready]
    return eps


def simulate():
    rng = random.Random(20260611)
    out = []
    for name, rpm, src, ua, path in [("doc-classifier", 22, ["10.244.0.40", "10.244.1.40"], "python-requests/2.32.3", "/generate"),
                                     ("contract-search", 9, ["10.30.12.7"], "Go-http-client/1.1", "/v1/chat/completions"),
                                     ("tgi-healthcheck", 2, ["10.30.0.4"], "Blackbox Exporter/0.27.0", "/health")]:
        t = T0 - 200.0
        while True:
            t += rng.expovariate(rpm / 60)
            if t >= T1:
                break
            r = dict(start=t, client=name, ua=ua, path=path, src=rng.choice(src), sport=rng.randint(32768, 60999),
                     rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), method="GET" if path == "/health" else "POST",
                     prompt=rng.randint(200, 1800), gen=rng.randint(20, 400))
            r["rx"] = 0 if r["method"] == "GET" else 300 + r["prompt"] * 4
            eps = endpoints(t)
            tried = []
            ok = None
            for attempt in range(3):
                choices = [e for e in eps if e[0] not in [x[0] for x in tried]] or eps
                e = rng.choice(choices)
                tried.append(e)
                if e[1]:
                    ok = e
                    break
            r["attempts"] = len(tried)
            if ok:
                pod = next(p for p, (ip, _) in OLD.items() if ip == ok[0])
                r.update(code=200, flags="URX" if False else ("-"), upstream=ok[0] + ":8080", pod=pod,
                         details="via_upstream", tfr="-")
                r["dur_ms"] = (int(r["gen"] * 27 + r["prompt"] / 4 + rng.randint(30, 90)) if r["method"] == "POST" else rng.randint(1, 3)) + (len(tried) - 1) * rng.randint(25, 60)
                r["tx"] = 45 if r["method"] == "GET" else 380 + r["gen"] * 5
                r["ust"] = str(r["dur_ms"] - 1)
            else:
                r.update(code=503, flags="UF,URX", upstream=tried[-1][0] + ":8080", pod=None, tfr=REFUSED.replace(" ", "_"),
                         details="upstream_reset_before_response_started{remote_connection_failure|" + REFUSED.replace(" ", "_") + "}",
                         tx=len(BODY), ust="-")
                r["dur_ms"] = rng.randint(27, 61)
            r["end"] = t + r["dur_ms"] / 1000
            out.append(r)
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def gw_log():
    lines = []
    for r in REQS:
        if not (LOG_FROM <= r["end"] < T1):
            continue
        st = dt.datetime.fromtimestamp(int(r["start"]), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{int(r['start'] % 1 * 1000):03d}Z"
        host = "gemma.nlp.contoso.ai"
        lines.append((r["end"] + 0.0004, f'[{st}] "{r["method"]} {r["path"]} HTTP/1.1" {r["code"]} {r["flags"]} {r["details"]} - "{r["tfr"]}" '
                                         f'{r["rx"]} {r["tx"]} {r["dur_ms"]} {r["ust"]} "{r["src"]}" "{r["ua"]}" "{r["rid"]}" "{host}" '
                                         f'"{r["upstream"]}" {CLUSTER} {GW_IP + ":" + str(40000 + r["sport"] % 20000) if r["code"] == 200 else "-"} '
                                         f'{GW_IP}:8443 {r["src"]}:{r["sport"]} {host} -'))
    lines.sort()
    return "\n".join(f"{stamp(t)} {s}" for t, s in lines) + "\n"


def samples():
    return range(T0, T1 + 1, STEP)


def lbl(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


class OM:
    def __init__(self):
        self.out = []

    def family(self, name, typ, help_=None):
        if help_:
            self.out.append(f"# HELP {name} {help_}")
        self.out.append(f"# TYPE {name} {typ}")

    def series(self, sample_name, labels, pts):
        for t, v in pts:
            if isinstance(v, float):
                v = f"{v:.6g}" if abs(v) < 1 else f"{v:.3f}".rstrip("0").rstrip(".")
            self.out.append(f"{sample_name}{lbl(labels)} {v} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def gateway_om():
    om = OM()
    base = dict(cluster_name=CLUSTER, instance=f"{GW_IP}:15090", job="istio-gateways", namespace="istio-ingress", pod=GW_POD)
    om.family("envoy_cluster_membership_healthy", "gauge")
    om.series("envoy_cluster_membership_healthy", base, [(t, len(endpoints(t))) for t in samples()])
    om.family("envoy_cluster_upstream_cx_connect_fail", "unknown")
    om.series("envoy_cluster_upstream_cx_connect_fail", base,
              [(t, 14 + sum((r["attempts"] - (1 if r["code"] == 200 else 0)) for r in REQS if r["start"] <= t)) for t in samples()])
    om.family("envoy_cluster_upstream_rq_retry", "unknown")
    om.series("envoy_cluster_upstream_rq_retry", base, [(t, 37 + sum(r["attempts"] - 1 for r in REQS if r["start"] <= t)) for t in samples()])
    return om.text()


def tgi_om():
    om = OM()
    om.family("tgi_request_success", "counter", "")
    for pod, (ip, edge) in list(OLD.items()) + list(NEW.items()):
        alive = (lambda t, e=edge: t < e) if pod in OLD else (lambda t, e=edge: t >= e - 110)
        b0 = 88412 if pod in OLD else 0
        om.series("tgi_request_success_total", dict(instance=f"{ip}:80" if pod in NEW else f"{ip}:8080", job="gemma-tgi", namespace="nlp-serving", pod=pod),
                  [(t, b0 + sum(1 for r in REQS if r.get("pod") == pod and r["method"] == "POST" and r["end"] <= t)) for t in samples() if alive(t)])
    return om.text()


def main():
    files = {"metrics/istio-gateway.om": gateway_om(), "metrics/tgi.om": tgi_om(),
             f"logs/istio-ingress/{GW_POD}/istio-proxy.log": gw_log()}
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
