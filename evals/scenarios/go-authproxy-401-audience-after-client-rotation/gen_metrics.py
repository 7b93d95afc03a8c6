#!/usr/bin/env python3
"""Regenerate metrics/*.om and the llm-authz proxy logs for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  18:48:02Z  cert-manager renews the proxy's serving certificate llm-edge/llm-authz-tls (routine,
             renewalTime reached; unrelated to the incident).
  18:51:32Z  SEC-1184 "rotate LLM gateway OIDC client": Deployment llm-edge/llm-authz rolls to
             revision 15 with --oidc-client-id=llm-gateway-2026 and a new client-secret Secret.
             The proxy (Go, coreos/go-oidc) uses the client id as the expected audience, so every
             access token - still minted with aud ["llm-gateway"] by the realm's llm.invoke scope -
             fails with: oidc: expected audience "llm-gateway-2026" got ["llm-gateway"].
  from then  100 % of /v1 requests get 401 invalid_token from the proxy; the llama.cpp backend
             only sees kubelet health checks.
Samples every 15 s from now-3600 to now inclusive.
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


T1 = int(epoch("2026-07-22T19:10:00Z"))
T0 = T1 - 3600
ROLL = epoch("2026-07-22T18:51:32Z")
PROXY_OLD = {"llm-authz-5b8c7d6f9d-hz4wq": "10.42.1.57", "llm-authz-5b8c7d6f9d-r8m2t": "10.42.2.63"}
PROXY_NEW = {"llm-authz-7c9f6b5d48-kq7zn": "10.42.2.71", "llm-authz-7c9f6b5d48-w5xhp": "10.42.1.80"}
NEW_READY = {"llm-authz-7c9f6b5d48-kq7zn": epoch("2026-07-22T18:51:35.9Z"), "llm-authz-7c9f6b5d48-w5xhp": epoch("2026-07-22T18:51:41.2Z")}
OLD_GONE = {"llm-authz-5b8c7d6f9d-hz4wq": epoch("2026-07-22T18:51:36.1Z"), "llm-authz-5b8c7d6f9d-r8m2t": epoch("2026-07-22T18:51:41.4Z")}
LLAMA_POD, LLAMA_IP = "qwen-llamacpp-64d9c7f8b5-zt6cd", "10.42.3.22"
CLIENTS = {  # name: (rpm, source ips, user-agent)
    "helpdesk-bot": (2.6, ["10.42.1.34", "10.42.2.29"], "helpdesk-bot/2.3.0 node-fetch"),
    "contract-analyzer": (1.9, ["10.20.14.77"], "Java-http-client/21.0.3"),
    "notebooks": (0.8, ["10.20.16.5", "10.20.16.9"], "python-requests/2.32.3"),
}
BAD_AUD = 'oidc: expected audience "llm-gateway-2026" got ["llm-gateway"]'


def proxy_for(t, rng):
    live = [p for p in PROXY_OLD if t < OLD_GONE[p]] + [p for p in PROXY_NEW if t >= NEW_READY[p]]
    return rng.choice(live)


def simulate():
    rng = random.Random(20260722)
    out = []
    for name, (rpm, srcs, ua) in CLIENTS.items():
        t = T0 - 600.0
        while True:
            t += rng.expovariate(rpm / 60)
            if t >= T1:
                break
            attempts = 2 if name == "helpdesk-bot" else 1   # helpdesk-bot refreshes its token once on 401
            src = rng.choice(srcs)
            for a in range(attempts):
                ts_ = t + a * 0.31
                p = proxy_for(ts_, rng)
                r = dict(start=ts_, client=name, ua=ua, src=src, attempt=a, proxy=p, sport=rng.randint(32768, 60999),
                         rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), prompt=rng.randint(250, 2400),
                         gen=rng.randint(40, 500))
                if p in PROXY_NEW:
                    r.update(code=401, dur=rng.uniform(0.0004, 0.0016))
                    r["end"] = ts_ + r["dur"]
                    out.append(r)
                    continue
                r.update(code=200)
                r["dur"] = r["prompt"] / 3800 + r["gen"] / 71 + rng.uniform(0.004, 0.02)
                r["end"] = ts_ + r["dur"]
                out.append(r)
                break
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def jtime(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:8] + "Z"


def proxy_log(pod):
    start = NEW_READY[pod] - 1.9
    rec = lambda t, d: (t, json.dumps(dict({"time": jtime(t)}, **d), separators=(",", ":")))  # noqa
    lines = [rec(start, {"level": "INFO", "msg": "starting llm-authz", "version": "v0.9.4", "commit": "3f1e9c2"}),
             rec(start + 0.012, {"level": "INFO", "msg": "upstream configured", "upstream": "http://qwen-llamacpp.llm-serving.svc.cluster.local:8080"}),
             rec(start + 0.438, {"level": "INFO", "msg": "oidc provider discovered", "issuer": "https://sso.lab.fabrikam.internal/realms/inference",
                                 "jwks_uri": "https://sso.lab.fabrikam.internal/realms/inference/protocol/openid-connect/certs"}),
             rec(start + 0.441, {"level": "INFO", "msg": "token verifier ready", "client_id": "llm-gateway-2026", "skip_client_id_check": False,
                                 "supported_signing_algs": ["RS256"]}),
             rec(start + 0.452, {"level": "INFO", "msg": "listening", "addr": ":8443", "tls": True, "cert": "/etc/llm-authz/tls/tls.crt"})]
    for r in REQS:
        if r["proxy"] != pod or not (start <= r["end"] < T1):
            continue
        lines.append(rec(r["end"], {"level": "WARN", "msg": "token rejected", "method": "POST", "path": "/v1/chat/completions",
                                    "remote": f'{r["src"]}:{r["sport"]}', "user_agent": r["ua"], "err": BAD_AUD, "status": 401,
                                    "req_id": r["rid"]}))
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


def authz_om():
    om = OM()
    om.family("llm_authz_requests", "counter", "Requests handled by llm-authz, by status code and rejection reason.")
    pods = list(PROXY_OLD.items()) + list(PROXY_NEW.items())
    for pod, ip in pods:
        alive = (lambda t, p=pod: t < OLD_GONE[p]) if pod in PROXY_OLD else (lambda t, p=pod: t >= NEW_READY[p])
        base = dict(instance=f"{ip}:9090", job="llm-authz", namespace="llm-edge", pod=pod)
        for code, reason, b0 in (("200", "", 48211 if pod in PROXY_OLD else 0), ("401", "invalid_audience", 0)):
            if pod in PROXY_OLD and code == "401":
                continue
            if pod in PROXY_NEW and code == "200":
                continue
            pts = [(t, b0 + sum(1 for r in REQS if r["proxy"] == pod and str(r["code"]) == code and r["end"] <= t))
                   for t in samples() if alive(t)]
            om.series("llm_authz_requests_total", dict(base, code=code, reason=reason) if reason else dict(base, code=code), pts)
    return om.text()


def llama_om():
    om = OM()
    base = dict(instance=f"{LLAMA_IP}:8080", job="qwen-llamacpp", namespace="llm-serving", pod=LLAMA_POD)
    om.family("llamacpp:requests_processing", "gauge", "Number of requests processing.")
    om.series("llamacpp:requests_processing", base,
              [(t, float(sum(1 for r in REQS if r["code"] == 200 and r["start"] <= t < r["end"]))) for t in samples()])
    om.family("llamacpp:tokens_predicted", "counter", "Number of generation tokens processed.")
    om.series("llamacpp:tokens_predicted_total", base,
              [(t, 81203311 + sum(r["gen"] for r in REQS if r["code"] == 200 and r["end"] <= t)) for t in samples()])
    return om.text()


def main():
    files = {"metrics/llm-authz.om": authz_om(), "metrics/llamacpp.om": llama_om()}
    for pod in PROXY_NEW:
        files[f"logs/llm-edge/{pod}/llm-authz.log"] = proxy_log(pod)
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
