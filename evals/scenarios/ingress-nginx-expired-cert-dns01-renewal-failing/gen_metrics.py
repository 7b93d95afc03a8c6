#!/usr/bin/env python3
"""Regenerate metrics/*.om and the ingress-nginx controller log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  2026-03-15  renewalTime of Certificate llm-public/llm-api-tls; every renewal attempt since then
              fails at the DNS-01 step (Route 53 AccessDenied for the cert-manager role), with
              cert-manager backing off between attempts.
  09:12:44Z   the served certificate (Secret llm-api-tls, notAfter 2026-04-14T09:12:44Z) expires.
              ingress-nginx keeps serving it; every client that verifies certificates aborts the
              handshake, so requests stop reaching nginx.  Only a partner cron that uses curl -k
              still gets through.  The blackbox probe (verifies TLS) fails from then on.
Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


T1 = int(epoch("2026-04-14T09:48:00Z"))
T0 = T1 - 3600
EXPIRY = int(epoch("2026-04-14T09:12:44Z"))
CTRL = {"ingress-nginx-controller-5fbd8c9d76-2nqwk": "172.31.20.141", "ingress-nginx-controller-5fbd8c9d76-r7tzm": "172.31.37.18"}
NLB_NODES = ["172.31.20.77", "172.31.37.202"]
PRED = {"gemma3-vllm-58b6d9c7f4-hm8zq": "172.31.22.90", "gemma3-vllm-58b6d9c7f4-tx5kw": "172.31.41.17"}
LOG_FROM = EXPIRY - 640   # the controllers' logs as served here start ~09:02


def simulate():
    rng = random.Random(20260414)
    out = []
    for name, rpm, ua, verify in [("ehr-summarizer", 14, "Go-http-client/2.0", True), ("patient-portal", 11, "axios/1.8.4", True),
                                  ("discharge-worker", 4, "Go-http-client/1.1", True), ("partner-sync", 1.2, "curl/7.68.0", False)]:
        t = T0 - 300.0
        while True:
            t += rng.expovariate(rpm / 60)
            if t >= T1:
                break
            if verify and t >= EXPIRY:
                continue  # client rejects the expired certificate during the handshake; nginx logs nothing
            r = dict(start=t, client=name, ua=ua, ctrl=rng.choice(list(CTRL)), src=f"198.51.100.{rng.randint(10, 240)}" if name != "discharge-worker" else rng.choice(NLB_NODES),
                     prompt=rng.randint(300, 3000), gen=rng.randint(60, 700), rid="".join(rng.choice("0123456789abcdef") for _ in range(32)))
            pod = rng.choice(list(PRED))
            r["pod"], r["upstream"] = pod, PRED[pod] + ":8000"
            r["dur"] = r["prompt"] / 4100 + r["gen"] / 38 + rng.uniform(0.04, 0.12)
            r["end"] = t + r["dur"]
            r["rx"] = 480 + r["prompt"] * 4
            r["tx"] = 640 + r["gen"] * 4
            out.append(r)
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def controller_log(pod):
    lines = []
    for r in REQS:
        if r["ctrl"] != pod or not (LOG_FROM <= r["end"] < T1):
            continue
        tl = dt.datetime.fromtimestamp(r["end"], dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
        lines.append((r["end"], f'{r["src"]} - - [{tl}] "POST /v1/chat/completions HTTP/1.1" 200 {r["tx"]} "-" "{r["ua"]}" {r["rx"]} {r["dur"]:.3f} '
                                f'[llm-public-gemma3-vllm-8000] [] {r["upstream"]} {r["tx"]} {r["dur"] - 0.001:.3f} 200 {r["rid"]}'))
    return "\n".join(f"{stamp(t)} {s}" for t, s in sorted(lines)) + "\n"


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


def blackbox_om():
    om = OM()
    base = dict(instance="https://llm-api.meridianhealth.io/health", job="blackbox-https")
    om.family("probe_success", "gauge", "Displays whether or not the probe was a success")
    om.series("probe_success", base, [(t, 1 if t < EXPIRY else 0) for t in samples()])
    om.family("probe_ssl_earliest_cert_expiry", "gauge", "Returns last SSL chain expiry in unixtime")
    om.series("probe_ssl_earliest_cert_expiry", base, [(t, EXPIRY) for t in samples()])
    return om.text()


def certmanager_om():
    om = OM()
    base = dict(instance="172.31.24.33:9402", issuer_group="cert-manager.io", issuer_kind="ClusterIssuer", issuer_name="letsencrypt-dns",
                job="cert-manager", name="llm-api-tls", namespace="llm-public")
    om.family("certmanager_certificate_expiration_timestamp_seconds", "gauge", "The timestamp after which the certificate expires, expressed in Unix Epoch Time.")
    om.series("certmanager_certificate_expiration_timestamp_seconds", base, [(t, EXPIRY) for t in samples()])
    om.family("certmanager_certificate_ready_status", "gauge", "The ready status of the certificate.")
    om.series("certmanager_certificate_ready_status", dict(base, condition="True"), [(t, 1 if t < EXPIRY else 0) for t in samples()])
    return om.text()


def main():
    files = {"metrics/blackbox.om": blackbox_om(), "metrics/cert-manager.om": certmanager_om()}
    for pod in CTRL:
        files[f"logs/ingress-nginx/{pod}/controller.log"] = controller_log(pod)
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
