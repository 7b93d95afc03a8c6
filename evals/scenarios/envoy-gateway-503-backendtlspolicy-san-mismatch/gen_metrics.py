#!/usr/bin/env python3
"""Regenerate metrics/*.om and the Envoy proxy log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  15:41:07Z  cert-manager renews the reranker's serving certificate (same dnsNames:
             reranker.ml-serving.svc, reranker.ml-serving.svc.cluster.local) - routine, no impact.
  16:03:11Z  Flux applies BackendTLSPolicy ml-serving/reranker-backend-tls generation 2:
             validation.hostname reranker.ml-serving.svc.cluster.local -> reranker.internal.acme-ai.dev.
             Envoy now sends that SNI and requires it as a DNS SAN; the backend certificate does not
             carry it, so every upstream TLS handshake fails ("verify cert failed: SAN matcher") and
             Envoy answers 503 UF for the rerank route.  The chat route (plain HTTP to vLLM) is fine.
Samples every 15 s from now-3600 to now inclusive.  Envoy counters are typed "unknown".
"""
import datetime as dt
import json
import os
import random
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def iso(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


T1 = int(epoch("2026-08-03T16:20:00Z"))
T0 = T1 - 3600
CHANGE = epoch("2026-08-03T16:03:11.6Z")
ENVOY_POD = "envoy-gateway-infra-ai-gw-8b0e2f47-6c9d7f5b8d-j4rwn"
ENVOY_IP = "10.0.3.118"
RERANK = {"reranker-5d8f9c6b7d-2lkqv": "10.0.4.61", "reranker-5d8f9c6b7d-wq9hz": "10.0.5.23"}
CHAT_IP = "10.0.6.40"
RAG_IPS = ["10.0.3.77", "10.0.4.19"]
LOG_FROM = T1 - 75
TLS_REASON = "TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:verify cert failed: SAN matcher:TLS_error_end"
BODY = ("upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, "
        "transport failure reason: " + TLS_REASON)


def simulate():
    rng = random.Random(20260803)
    out = []
    t = T0 - 300.0
    while True:
        t += rng.expovariate(38 / 60)     # RAG queries per minute
        if t >= T1:
            break
        src = rng.choice(RAG_IPS)
        sport = rng.randint(32768, 60999)
        # 1) rerank call
        r = dict(start=t, route="rerank", src=src, sport=sport, rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                 path="/v2/models/bge-reranker-v2-m3/infer", ua="python-httpx/0.27.2", rx=rng.randint(18000, 64000))
        if t < CHANGE:
            pod = rng.choice(list(RERANK))
            r.update(code=200, flags="-", details="via_upstream", upstream=RERANK[pod] + ":8443", pod=pod, tx=rng.randint(900, 1400),
                     dur_ms=rng.randint(38, 95), tfr="-", uport=rng.randint(33000, 60999))
            r["ust"] = str(r["dur_ms"] - 1)
        else:
            pod = rng.choice(list(RERANK))
            r.update(code=503, flags="UF", tfr=TLS_REASON, upstream=RERANK[pod] + ":8443", pod=None, tx=len(BODY),
                     details="upstream_reset_before_response_started{remote_connection_failure|" + TLS_REASON.replace(" ", "_") + "}",
                     dur_ms=rng.randint(2, 6), uport=None, ust="-")
        r["end"] = t + r["dur_ms"] / 1000
        out.append(r)
        # 2) generation call (plain HTTP to vLLM), after rerank
        g = dict(start=r["end"] + 0.004, route="chat", src=src, sport=sport, rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                 path="/v1/chat/completions", ua="OpenAI/Python 1.97.1", rx=rng.randint(6000, 22000), code=200, flags="-",
                 details="via_upstream", upstream=CHAT_IP + ":8000", tfr="-", uport=rng.randint(33000, 60999))
        g["gen"] = rng.randint(120, 650)
        g["dur_ms"] = int(g["gen"] * 24 + rng.randint(120, 400))
        g["tx"] = g["gen"] * 180 + 200
        g["ust"] = str(rng.randint(90, 260))
        g["end"] = g["start"] + g["dur_ms"] / 1000
        out.append(g)
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def stamp(t):
    whole = int(t)
    return iso(whole)[:-1] + "." + f"{t - whole:.9f}"[2:] + "Z"


def envoy_log():
    lines = []
    for r in REQS:
        if not (LOG_FROM <= r["end"] < T1):
            continue
        ms = int(r["start"] * 1000) % 1000
        ns, name = ("ml-serving", "rerank") if r["route"] == "rerank" else ("llm", "chat")
        rec = {"start_time": iso(r["start"])[:-1] + f".{ms:03d}Z", "method": "POST", "x-envoy-origin-path": r["path"], "protocol": "HTTP/1.1",
               "response_code": str(r["code"]), "response_flags": r["flags"], "response_code_details": r["details"],
               "connection_termination_details": "-", "upstream_transport_failure_reason": r["tfr"], "bytes_received": str(r["rx"]),
               "bytes_sent": str(r["tx"]), "duration": str(r["dur_ms"]), "x-envoy-upstream-service-time": r["ust"],
               "x-forwarded-for": r["src"], "user-agent": r["ua"], "x-request-id": r["rid"], ":authority": "ai.acme-ai.dev",
               "upstream_host": r["upstream"], "upstream_cluster": f"httproute/{ns}/{name}/rule/0",
               "upstream_local_address": f"{ENVOY_IP}:{r['uport']}" if r["uport"] else "-", "downstream_local_address": f"{ENVOY_IP}:10443",
               "downstream_remote_address": f"{r['src']}:{r['sport']}", "requested_server_name": "ai.acme-ai.dev",
               "route_name": f"httproute/{ns}/{name}/rule/0/match/0/ai_acme-ai_dev"}
        lines.append((r["end"] + 0.00037 + (r["sport"] % 71) / 1e6, json.dumps(rec, separators=(",", ":"))))
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


def count(pred, base, when="end"):
    return [(t, base + sum(1 for r in REQS if pred(r) and r[when] <= t)) for t in samples()]


def gateway_om():
    om = OM()
    base = dict(instance=f"{ENVOY_IP}:19001", job="envoy-gateway-proxy", namespace="envoy-gateway-system", pod=ENVOY_POD)
    om.family("envoy_cluster_upstream_rq_xx", "unknown")
    cl = dict(base, envoy_cluster_name="httproute/ml-serving/rerank/rule/0")
    om.series("envoy_cluster_upstream_rq_xx", dict(cl, envoy_response_code_class="5"), count(lambda r: r["route"] == "rerank" and r["code"] == 503, 31))
    om.family("envoy_cluster_ssl_fail_verify_san", "unknown")
    om.series("envoy_cluster_ssl_fail_verify_san", cl, count(lambda r: r["route"] == "rerank" and r["code"] == 503, 0, "start"))
    return om.text()


def triton_om():
    om = OM()
    om.family("nv_inference_request_success", "counter", "Number of successful inference requests, all batch sizes")
    for pod, ip in RERANK.items():
        b = dict(instance=f"{ip}:8002", job="reranker-triton", model="bge-reranker-v2-m3", namespace="ml-serving", pod=pod, version="1")
        om.series("nv_inference_request_success_total", b,
                  [(t, (402211 if pod.endswith("2lkqv") else 399874) + sum(1 for r in REQS if r.get("pod") == pod and r["end"] <= t)) for t in samples()])
    return om.text()


def main():
    files = {"metrics/envoy.om": gateway_om(), "metrics/triton.om": triton_om(),
             f"logs/envoy-gateway-system/{ENVOY_POD}/envoy.log": envoy_log()}
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
