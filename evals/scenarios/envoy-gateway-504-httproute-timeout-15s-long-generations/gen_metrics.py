#!/usr/bin/env python3
"""Regenerate metrics/*.om and the Envoy proxy log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  12:41:05Z  Argo CD syncs HTTPRoute inference/llama70b-chat generation 5 (PLAT-3310 "set request
             timeouts on all gateway routes"): rules[0].timeouts.request 600s -> 15s.
  from then  Envoy's route timeout covers the whole response.  Non-streaming calls that need more
             than 15 s (report-writer: 1.5-4k tokens, 40-90 s) get 504 "upstream request timeout"
             (flags UT, upstream_response_timeout) and the OpenAI SDK retries them twice; streamed
             chat answers longer than 15 s are cut off mid-stream (status 200, flags UT).  vLLM logs
             "Aborted request ..." exactly 15 s after each start.  Short requests are unaffected.
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


T1 = int(epoch("2026-09-29T13:05:00Z"))
T0 = T1 - 3600
CHANGE = epoch("2026-09-29T12:41:05.7Z")
TIMEOUT = 15.0
ENVOY_POD = "envoy-envoy-gateway-system-llm-public-9d2e71b3-5c8f9d7b46-tn4kx"
ENVOY_IP = "10.52.0.18"
CLUSTER = "httproute/inference/llama70b-chat/rule/0"
ROUTE = "httproute/inference/llama70b-chat/rule/0/match/0/llm_corvid_io"
VLLM = {"llama70b-5b7d9c8f6d-4rzqm": "10.52.3.10", "llama70b-5b7d9c8f6d-v8kpl": "10.52.3.11"}
REPORT_IPS = ["10.52.1.44", "10.52.2.19"]
LOG_FROM = T1 - 150
TOK_S = 31.0   # per-request decode speed (TP4 H100, FP8, moderate batch)


def simulate():
    rng = random.Random(20260929)
    import heapq
    ev = []
    for name, rpm in (("report-writer", 3.2), ("chat-ui", 21), ("sdk-users", 5)):
        t = T0 - 400.0
        while True:
            t += rng.expovariate(rpm / 60)
            if t >= T1:
                break
            ev.append((t, name, 0, None))
    heapq.heapify(ev)
    out = []
    while ev:
        t, name, attempt, parent = heapq.heappop(ev)
        if t >= T1:
            continue
        if name == "report-writer":
            gen, stream, ua, src = rng.randint(1500, 2900), False, "OpenAI/Python 1.107.0", parent["src"] if parent else rng.choice(REPORT_IPS)
        elif name == "chat-ui":
            gen, stream, ua, src = int(rng.lognormvariate(5.5, 0.6)), True, "OpenAI/JS 5.19.1", rng.choice(["10.52.1.71", "10.52.2.80"])
        else:
            gen, stream, ua, src = rng.randint(60, 500), False, "python-httpx/0.28.1", f"203.0.113.{rng.randint(10, 200)}"
        gen = max(20, min(gen, 3500))
        prompt = parent["prompt"] if parent else rng.randint(400, 6000)
        need = prompt / 9000 + 0.25 + gen / TOK_S
        limit = TIMEOUT if t >= CHANGE else 600.0
        pod = rng.choice(list(VLLM))
        r = dict(start=t, client=name, attempt=attempt, ua=ua, stream=stream, src=src, sport=rng.randint(32768, 60999), prompt=prompt, gen=gen,
                 rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), creq="chatcmpl-" + uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                 pod=pod, upstream=VLLM[pod] + ":8000", uport=rng.randint(33000, 60999), rx=420 + prompt * 4)
        if need <= limit:
            r.update(code=200, flags="-", details="via_upstream", dur=need, aborted=False)
            r["tx"] = gen * 182 + 190 if stream else 720 + gen * 4
            r["ust"] = str(int((prompt / 9000 + 0.25) * 1000)) if stream else str(int(need * 1000) - 1)
        elif stream:
            done = int((limit - prompt / 9000 - 0.25) * TOK_S)
            r.update(code=200, flags="UT", details="via_upstream", dur=limit + rng.uniform(0.0005, 0.003), aborted=True, tx=done * 182 + 190,
                     ust=str(int((prompt / 9000 + 0.25) * 1000)), done_tokens=done)
        else:
            r.update(code=504, flags="UT", details="upstream_response_timeout", dur=limit + rng.uniform(0.0005, 0.003), aborted=True, tx=24, ust="-",
                     done_tokens=int((limit - prompt / 9000 - 0.25) * TOK_S))
            if name == "report-writer" and attempt < 2:
                backoff = min(0.5 * 2 ** attempt, 8) * (1 - 0.25 * rng.random())
                heapq.heappush(ev, (t + r["dur"] + backoff, name, attempt + 1, {"src": src, "prompt": prompt}))
        r["end"] = t + r["dur"]
        r["dur_ms"] = int(r["dur"] * 1000)
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
               "protocol": "HTTP/2" if r["client"] == "chat-ui" else "HTTP/1.1", "response_code": str(r["code"]), "response_flags": r["flags"],
               "response_code_details": r["details"], "connection_termination_details": "-", "upstream_transport_failure_reason": "-",
               "bytes_received": str(r["rx"]), "bytes_sent": str(r["tx"]), "duration": str(r["dur_ms"]), "x-envoy-upstream-service-time": r["ust"],
               "x-forwarded-for": r["src"], "user-agent": r["ua"], "x-request-id": r["rid"], ":authority": "llm.corvid.io",
               "upstream_host": r["upstream"], "upstream_cluster": CLUSTER, "upstream_local_address": f"{ENVOY_IP}:{r['uport']}",
               "downstream_local_address": f"{ENVOY_IP}:10443", "downstream_remote_address": f"{r['src']}:{r['sport']}",
               "requested_server_name": "llm.corvid.io", "route_name": ROUTE}
        lines.append((r["end"] + 0.00031 + (r["sport"] % 61) / 1e6, json.dumps(rec, separators=(",", ":"))))
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
    base = dict(instance=f"{ENVOY_IP}:19001", job="envoy-gateway-proxy", namespace="envoy-gateway-system", pod=ENVOY_POD)
    om.family("envoy_cluster_upstream_rq_timeout", "unknown")
    om.series("envoy_cluster_upstream_rq_timeout", dict(base, envoy_cluster_name=CLUSTER),
              [(t, 2 + sum(1 for r in REQS if r["flags"] == "UT" and r["end"] <= t)) for t in samples()])
    om.family("envoy_http_downstream_rq_xx", "unknown")
    om.series("envoy_http_downstream_rq_xx", dict(base, envoy_http_conn_manager_prefix="https-10443", envoy_response_code_class="5"),
              [(t, 61 + sum(1 for r in REQS if r["code"] == 504 and r["end"] <= t)) for t in samples()])
    return om.text()


def vllm_om():
    om = OM()
    om.family("vllm:request_success", "counter", "Count of successfully processed requests.")
    for pod, ip in VLLM.items():
        for reason, b0 in (("abort", 40 if pod.endswith("rzqm") else 37),):
            b = dict(engine="0", finished_reason=reason, instance=f"{ip}:8000", job="llama70b", model_name="llama-3.3-70b-instruct",
                     namespace="inference", pod=pod)
            pred = (lambda r, p=pod: r["pod"] == p and r["aborted"]) if reason == "abort" else (lambda r, p=pod: r["pod"] == p and not r["aborted"])
            om.series("vllm:request_success_total", b, [(t, b0 + sum(1 for r in REQS if pred(r) and r["end"] <= t)) for t in samples()])
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
