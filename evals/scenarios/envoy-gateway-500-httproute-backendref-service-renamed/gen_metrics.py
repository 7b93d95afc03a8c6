#!/usr/bin/env python3
"""Regenerate metrics/*.om and the Envoy proxy log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  15:31:20Z  helm upgrade of release qwen-coder to chart code-llm 3.0.0, which sets
             fullnameOverride qwen25-coder: Helm creates Deployment/Service qwen25-coder and deletes
             the old Deployment and Service qwen-coder (old pod killed at once).
  15:31:21Z  Envoy Gateway re-translates HTTPRoute code-assist/coder, whose only backendRef is
             Service qwen-coder:8000 -> ResolvedRefs=False (BackendNotFound); the rule becomes a
             direct response and Envoy answers every request 500 (response_code_details
             direct_response, no upstream).
  15:35:40Z  the new qwen25-coder pod is Ready but nothing routes to it.
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


T1 = int(epoch("2026-01-27T15:55:00Z"))
T0 = T1 - 3600
CHANGE = epoch("2026-01-27T15:31:21.3Z")
NEW_READY = epoch("2026-01-27T15:35:40Z")
ENVOY_POD = "envoy-gateway-system-dev-gw-c41b7e20-68d9f7c5b4-zr6mw"
ENVOY_IP = "10.244.1.63"
ROUTE = "httproute/code-assist/coder/rule/0/match/0/code_internal_hollis_dev"
OLD_POD, OLD_IP = "qwen-coder-75c9d8b6f4-gq2lx", "10.244.3.21"
NEW_POD, NEW_IP = "qwen25-coder-6b4f8d7c95-p7nvk", "10.244.3.40"
BOT_IP = "10.244.1.57"
LOG_FROM = T1 - 45


def simulate():
    rng = random.Random(20260127)
    out = []
    for name, rpm, ua, path in [("ide-chat", 24, "Continue/1.2.6 (vscode)", "/v1/chat/completions"),
                                ("ide-fim", 70, "Continue/1.2.6 (vscode)", "/v1/completions"),
                                ("review-bot", 3, "code-review-bot/0.14.1 python-httpx/0.28.1", "/v1/chat/completions")]:
        t = T0 - 300.0
        while True:
            t += rng.expovariate(rpm / 60)
            if t >= T1:
                break
            src = BOT_IP if name == "review-bot" else f"10.90.{rng.randint(4, 30)}.{rng.randint(2, 250)}"
            gen = rng.randint(8, 64) if name == "ide-fim" else rng.randint(80, 700)
            prompt = rng.randint(300, 3000) if name == "ide-fim" else rng.randint(600, 9000)
            r = dict(start=t, client=name, ua=ua, path=path, src=src, sport=rng.randint(32768, 60999), gen=gen, prompt=prompt,
                     rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), rx=300 + prompt * 4, stream=name == "ide-chat")
            if t < CHANGE - 0.4:
                d = prompt / 7000 + gen / 42 + rng.uniform(0.02, 0.06)
                r.update(code=200, details="via_upstream", upstream=OLD_IP + ":8000", uport=rng.randint(33000, 60999), dur_ms=int(d * 1000),
                         cluster="httproute/code-assist/coder/rule/0")
                r["tx"] = gen * 175 + 160 if r["stream"] else 520 + gen * 4
                r["ust"] = str(int((prompt / 7000 + 0.03) * 1000)) if r["stream"] else str(r["dur_ms"] - 1)
            elif t < CHANGE:
                r.update(code=503, details="upstream_reset_before_response_started{connection_termination}", upstream=OLD_IP + ":8000",
                         uport=rng.randint(33000, 60999), dur_ms=rng.randint(100, 400), tx=95, ust="-", cluster="httproute/code-assist/coder/rule/0", flags="UC")
            else:
                r.update(code=500, details="direct_response", upstream=None, uport=None, dur_ms=0, tx=0, ust="-", cluster="-")
            r.setdefault("flags", "-")
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
        rec = {"start_time": iso(r["start"])[:-1] + f".{ms:03d}Z", "method": "POST", "x-envoy-origin-path": r["path"],
               "protocol": "HTTP/1.1", "response_code": str(r["code"]), "response_flags": r["flags"], "response_code_details": r["details"],
               "connection_termination_details": "-", "upstream_transport_failure_reason": "-", "bytes_received": str(r["rx"]),
               "bytes_sent": str(r["tx"]), "duration": str(r["dur_ms"]), "x-envoy-upstream-service-time": r["ust"], "x-forwarded-for": r["src"],
               "user-agent": r["ua"], "x-request-id": r["rid"], ":authority": "code.internal.hollis.dev", "upstream_host": r["upstream"] or "-",
               "upstream_cluster": r["cluster"], "upstream_local_address": f"{ENVOY_IP}:{r['uport']}" if r["uport"] else "-",
               "downstream_local_address": f"{ENVOY_IP}:10443", "downstream_remote_address": f"{r['src']}:{r['sport']}",
               "requested_server_name": "code.internal.hollis.dev", "route_name": ROUTE}
        lines.append((r["end"] + 0.00021 + (r["sport"] % 53) / 1e6, json.dumps(rec, separators=(",", ":"))))
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
    base = dict(envoy_http_conn_manager_prefix="https-10443", instance=f"{ENVOY_IP}:19001", job="envoy-gateway-proxy",
                namespace="envoy-gateway-system", pod=ENVOY_POD)
    om.family("envoy_http_downstream_rq_xx", "unknown")
    for cls, b0 in (("2", 2210417), ("5", 389)):
        om.series("envoy_http_downstream_rq_xx", dict(base, envoy_response_code_class=cls),
                  [(t, b0 + sum(1 for r in REQS if str(r["code"])[0] == cls and r["end"] <= t)) for t in samples()])
    return om.text()


def vllm_om():
    om = OM()
    om.family("vllm:num_requests_running", "gauge", "Number of requests in model execution batches.")
    for pod, ip, alive in ((OLD_POD, OLD_IP, lambda t: t < CHANGE), (NEW_POD, NEW_IP, lambda t: t >= NEW_READY)):
        b = dict(engine="0", instance=f"{ip}:8000", job="code-assist-vllm", model_name="qwen2.5-coder-32b-instruct", namespace="code-assist", pod=pod)
        om.series("vllm:num_requests_running", b,
                  [(t, float(sum(1 for r in REQS if r.get("upstream") == ip + ":8000" and r["code"] == 200 and r["start"] <= t < r["end"]))) for t in samples() if alive(t)])
    return om.text()


def gpu_om():
    om = OM()
    om.family("DCGM_FI_DEV_XID_ERRORS", "gauge", "Value of the last XID error encountered.")
    for gpu, val in (("0", 0), ("2", 31)):
        b = dict(DCGMExporterVersion="4.2.3-4.1.3", Hostname="10.0.10.127", UUID=f"GPU-{uuid.UUID(int=random.Random(gpu).getrandbits(128), version=4)}",
                 device=f"nvidia{gpu}", gpu=gpu, instance="10.244.3.6:9400", job="nvidia-dcgm-exporter", modelName="NVIDIA L40S", pci_bus_id=f"00000000:{[0x31, 0x4b, 0xca, 0xe3][int(gpu)]:02X}:00.0")
        if gpu in ("0", "1"):
            b.update(container="vllm", namespace="code-assist")
        om.series("DCGM_FI_DEV_XID_ERRORS", b, [(t, val) for t in samples()])
    return om.text()


def main():
    files = {"metrics/envoy.om": gateway_om(), "metrics/vllm.om": vllm_om(), "metrics/dcgm.om": gpu_om(),
             f"logs/envoy-gateway-system/{ENVOY_POD}/envoy.log": envoy_log()}
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
