#!/usr/bin/env python3
"""Regenerate metrics/*.om and the Envoy proxy log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  07:55:00Z  identity cut-over: the corporate login and the OAuth client configuration move from
             Keycloak (iss https://keycloak.northwind.io/realms/platform) to the new IdP
             (iss https://login.northwind.io/oauth2/ausb2x9k7q).  Browser users get new-issuer
             tokens as they sign in; cached Keycloak tokens (60 min lifetime) keep working.
  07:57:40Z  assistant/knowledge-assistant rolls out with the new OIDC client config and from then
             sends only new-issuer tokens.
  08:10:00Z  keycloak.northwind.io is decommissioned; Envoy's background JWKS refresh for the
             SecurityPolicy provider fails and is retried every ~1 s, each time logging
             "Jwks async fetching url=...: failed" (the keys fetched earlier stay cached, so
             unexpired Keycloak tokens are still accepted).
  throughout SecurityPolicy ml-platform/llm-jwt still lists only the Keycloak issuer/JWKS, so every
             new-issuer token is rejected by Envoy with 401 "Jwt issuer is not configured"
             (response_code_details jwt_authn_access_denied{Jwt_issuer_is_not_configured}).
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


T1 = int(epoch("2026-02-09T08:25:00Z"))
T0 = T1 - 3600
CUT = epoch("2026-02-09T07:55:00Z")
KA_ROLL = epoch("2026-02-09T07:57:40Z")
KC_DOWN = epoch("2026-02-09T08:10:00Z")
ENVOY_POD = "envoy-gateway-llm-edge-1c7f3a9e-5f4b8d7c69-wm2tq"
ENVOY_IP = "10.244.0.57"
CLUSTER = "httproute/ml-platform/llama70b/rule/0"
ROUTE = "httproute/ml-platform/llama70b/rule/0/match/0/llm_northwind_io"
AUTH = "llm.northwind.io"
VLLM_POD, VLLM_IP = "llama70b-vllm-7d6c5b9f84-p4x2n", "10.244.3.18"
KA_IPS = ["10.244.1.33", "10.244.2.41"]
LOG_FROM = T1 - 60
JWKS = "https://keycloak.northwind.io/realms/platform/protocol/openid-connect/certs"


def simulate():
    rng = random.Random(20260209)
    out = []
    # (name, rpm, ua, stream)
    for name, rpm, ua, stream in [("chat-web", 26, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/132.0.0.0 Safari/537.36", True),
                                  ("knowledge-assistant", 14, "OpenAI/Python 1.61.1", False),
                                  ("ci-evals", 2, "python-httpx/0.28.1", False)]:
        t = T0 - 300.0
        while True:
            # Monday morning ramp-up
            t += rng.expovariate(rpm * (0.75 + 0.5 * max(0, t - T0) / 3600) / 60)
            if t >= T1:
                break
            if name == "chat-web":
                p_new = 0 if t < CUT else min(0.96, (t - CUT) / 2400)
                new = rng.random() < p_new
                src = f"10.30.{rng.randint(16, 23)}.{rng.randint(2, 250)}"
            elif name == "knowledge-assistant":
                new = t >= KA_ROLL
                src = rng.choice(KA_IPS)
            else:
                new = False
                src = "10.30.40.7"
            r = dict(start=t, client=name, ua=ua, stream=stream, new=new, src=src, sport=rng.randint(32768, 60999),
                     rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), prompt=rng.randint(300, 3500),
                     gen=rng.randint(50, 700))
            r["rx"] = 420 + r["prompt"] * 4
            if new:
                r.update(code=401, details="jwt_authn_access_denied{Jwt_issuer_is_not_configured}", tx=28,
                         dur_ms=rng.randint(0, 1), upstream=None)
            else:
                r.update(code=200, details="via_upstream", upstream=f"{VLLM_IP}:8000", uport=rng.randint(33000, 60999))
                r["dur_ms"] = int(r["prompt"] / 2.2 + r["gen"] * 29 + rng.randint(60, 250))
                r["tx"] = r["gen"] * 185 + 170 if stream else 680 + r["gen"] * 4
                r["ust"] = str(int(r["prompt"] / 2.2) + 45) if stream else str(r["dur_ms"] - 1)
            r["end"] = t + r["dur_ms"] / 1000
            out.append(r)
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
        rec = {"start_time": iso(r["start"])[:-1] + f".{ms:03d}Z", "method": "POST", "x-envoy-origin-path": "/v1/chat/completions",
               "protocol": "HTTP/2" if r["client"] == "chat-web" else "HTTP/1.1", "response_code": str(r["code"]), "response_flags": "-",
               "response_code_details": r["details"], "connection_termination_details": "-", "upstream_transport_failure_reason": "-",
               "bytes_received": str(r["rx"]), "bytes_sent": str(r["tx"]), "duration": str(r["dur_ms"]),
               "x-envoy-upstream-service-time": r.get("ust", "-"), "x-forwarded-for": r["src"], "user-agent": r["ua"],
               "x-request-id": r["rid"], ":authority": AUTH, "upstream_host": r["upstream"] or "-", "upstream_cluster": CLUSTER,
               "upstream_local_address": f"{ENVOY_IP}:{r['uport']}" if r["upstream"] else "-",
               "downstream_local_address": f"{ENVOY_IP}:10443", "downstream_remote_address": f"{r['src']}:{r['sport']}",
               "requested_server_name": AUTH, "route_name": ROUTE}
        lines.append((r["end"] + 0.00041 + (r["sport"] % 83) / 1e6, json.dumps(rec, separators=(",", ":"))))
    # background JWKS refresh: after keycloak.northwind.io went away every async refetch fails and
    # is retried after failed_refetch_duration (1 s); each failure is logged at warning level
    t = KC_DOWN + 3.2
    rng = random.Random(7)
    while t < T1:
        if LOG_FROM <= t:
            d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
            lines.append((t, f"[{d.strftime('%Y-%m-%d %H:%M:%S')}.{int(t % 1 * 1000):03d}][1][warning][jwt] "
                             f"[source/extensions/filters/http/jwt_authn/jwks_async_fetcher.cc:115] Jwks async fetching url={JWKS}: failed"))
        t += 1.0 + rng.uniform(0.004, 0.019)
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


def count(pred, base):
    return [(t, base + sum(1 for r in REQS if pred(r) and r["end"] <= t)) for t in samples()]


def gateway_om():
    om = OM()
    base = dict(envoy_http_conn_manager_prefix="https-10443", instance=f"{ENVOY_IP}:19001", job="envoy-gateway-proxy",
                namespace="envoy-gateway-system", pod=ENVOY_POD)
    om.family("envoy_http_downstream_rq_xx", "unknown")
    om.series("envoy_http_downstream_rq_xx", dict(base, envoy_response_code_class="2"), count(lambda r: r["code"] == 200, 402118))
    om.series("envoy_http_downstream_rq_xx", dict(base, envoy_response_code_class="4"), count(lambda r: r["code"] == 401, 3127))
    om.family("envoy_http_jwt_authn_denied", "unknown")
    om.series("envoy_http_jwt_authn_denied", base, count(lambda r: r["code"] == 401, 2904))
    return om.text()


def vllm_om():
    om = OM()
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    b = dict(engine="0", instance=f"{VLLM_IP}:8000", job="llama70b-vllm", model_name="llama-3.1-70b-instruct",
             namespace="ml-platform", pod=VLLM_POD)
    om.series("vllm:num_requests_running", b,
              [(t, float(sum(1 for r in REQS if r["upstream"] and r["start"] <= t < r["end"]))) for t in samples()])
    return om.text()


def main():
    files = {"metrics/envoy.om": gateway_om(), "metrics/vllm.om": vllm_om(),
             f"logs/envoy-gateway-system/{ENVOY_POD}/envoy.log": envoy_log()}
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
