#!/usr/bin/env python3
"""Regenerate metrics/*.om and the Kong proxy log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  07:02:15Z  kubectl apply of HTTPRoute search/embeddings (ticket PLAT-DNS-88 "hostname cleanup"):
             hostnames [embed.api.fjordml.net] -> [embeddings.fjordml.net].  The Gateway kong/kong
             listener https only serves *.api.fjordml.net, so KIC marks the parent Accepted=False
             (NoMatchingListenerHostname) and drops the route from Kong's configuration
             (Kong config synced 07:02:16).  rag-indexer switched to the new hostname at the same time.
  from then  every embeddings request - old and new hostname - gets Kong's own 404
             {"message":"no Route matched with those values"}; TEI receives nothing.
Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


T1 = int(epoch("2026-11-03T07:20:00Z"))
T0 = T1 - 3600
SYNC = epoch("2026-11-03T07:02:16.4Z")
KONG_POD, KONG_IP = "kong-gateway-6f7d8c9b5c-vx2pq", "10.244.0.87"
TEI = {"tei-bge-m3-7b8c9d6f5c-kq2xw": "10.244.2.31", "tei-bge-m3-7b8c9d6f5c-t4mzn": "10.244.3.12"}
INDEXER_IP, SEARCH_IPS = "10.244.1.44", ["10.244.0.52", "10.244.1.58"]
LOG_FROM = T1 - 60


def simulate():
    rng = random.Random(20261103)
    out = []
    for name, rpm, srcs, ua in [("search-api", 95, SEARCH_IPS, "python-httpx/0.27.2"), ("rag-indexer", 40, [INDEXER_IP], "rag-indexer/2.1.0 aiohttp/3.11.11")]:
        t = T0 - 120.0
        while True:
            t += rng.expovariate(rpm / 60)
            if t >= T1:
                break
            host = "embed.api.fjordml.net" if (name == "search-api" or t < SYNC) else "embeddings.fjordml.net"
            n = rng.randint(1, 32) if name == "rag-indexer" else 1
            r = dict(start=t, client=name, ua=ua, src=rng.choice(srcs), host=host, n=n, rx=300 + n * rng.randint(200, 1800),
                     rid="".join(rng.choice("0123456789abcdef") for _ in range(32)))
            if t < SYNC:
                pod = rng.choice(list(TEI))
                r.update(code=200, pod=pod, dur=0.008 + n * 0.0035 + rng.uniform(0, 0.004), tx=200 + n * 8240)
            else:
                r.update(code=404, pod=None, dur=0.0, tx=103)
            r["end"] = t + r["dur"]
            out.append(r)
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def kong_log():
    lines = []
    for r in REQS:
        if not (LOG_FROM <= r["end"] < T1):
            continue
        tl = dt.datetime.fromtimestamp(r["end"], dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
        lines.append((r["end"], f'{r["src"]} - - [{tl}] "POST /v1/embeddings HTTP/1.1" {r["code"]} {r["tx"]} "-" "{r["ua"]}" kong_request_id: "{r["rid"]}"'))
    lines.sort()
    boot = epoch("2026-10-28T03:01:44.2Z")  # kong container start (nginx notices on stderr)
    head = [(boot, '2026/10/28 03:01:44 [notice] 1#0: using the "epoll" event method'),
            (boot, "2026/10/28 03:01:44 [notice] 1#0: openresty/1.25.3.2"),
            (boot + 0.1, "2026/10/28 03:01:44 [notice] 1#0: start worker processes")]
    return "\n".join(f"{stamp(t)} {s}" for t, s in head + lines) + "\n"


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


def kong_om():
    om = OM()
    om.family("kong_http_requests", "counter", "HTTP status codes per consumer/service/route in Kong")
    base = dict(consumer="", instance=f"{KONG_IP}:8100", job="kong-gateway", namespace="kong", pod=KONG_POD, workspace="default")
    om.series("kong_http_requests_total", dict(base, code="200", route="httproute.search.embeddings.0.0", service="httproute.search.embeddings.0", source="service"),
              [(t, 3310447 + sum(1 for r in REQS if r["code"] == 200 and r["end"] <= t)) for t in samples()])
    om.series("kong_http_requests_total", dict(base, code="404", route="", service="", source="kong"),
              [(t, 1291 + sum(1 for r in REQS if r["code"] == 404 and r["end"] <= t)) for t in samples()])
    return om.text()


def tei_om():
    om = OM()
    om.family("te_request_count", "counter", "")
    for pod, ip in TEI.items():
        om.series("te_request_count_total", dict(instance=f"{ip}:80", job="tei-bge-m3", namespace="search", pod=pod),
                  [(t, (1650220 if pod.endswith("kq2xw") else 1648904) + sum(1 for r in REQS if r["pod"] == pod and r["end"] <= t)) for t in samples()])
    return om.text()


def main():
    files = {"metrics/kong.om": kong_om(), "metrics/tei.om": tei_om(), f"logs/kong/{KONG_POD}/proxy.log": kong_log()}
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
