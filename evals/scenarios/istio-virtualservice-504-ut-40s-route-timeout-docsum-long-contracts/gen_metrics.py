#!/usr/bin/env python3
"""Regenerate metrics/*.om and the request-derived logs of this scenario (stdlib only, seeded).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (must agree with cluster/*.yaml):
  until 09:14:21Z  VirtualService docsum/docsum-api (chart docsum-1.14.2) routes /v1/ with timeout 300s.
                   docsum-api summarises contracts map-reduce style through docsum-vllm (Qwen2.5-32B AWQ,
                   one L40S per replica): short contracts (one chunk) take 15-38 s, long ones 45-130 s.
  09:14:21Z        `helm upgrade docsum` to chart 2.0.0; the chart now renders the route timeout from
                   .Values.virtualService.timeout, default "40s" (istiod pushes at 09:14:22Z). The same upgrade
                   rolls docsum-api (same image 1.9.4) to a new ReplicaSet, done at 09:16:27Z.
  from 09:14:22Z   every summary that needs more than 40 s gets 504 UT response_timeout from the ingress
                   gateway at ~40000 ms ("upstream request timeout", 24 bytes); the docsum-api sidecar logs the
                   inbound request as 0 DC downstream_remote_disconnect, while docsum-api keeps working and
                   logs "summary complete" with elapsed_s 45-130 (no uvicorn access line: client gone).
                   vLLM stays healthy: no queue, KV cache 10-45 %.
Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import math
import os
import random
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


T1 = int(epoch("2026-10-14T09:52:00Z"))
T0 = T1 - 3600
CHANGE = epoch("2026-10-14T09:14:22.310Z")
TIMEOUT_S = 40.0
HOST = "docsum.legal.acmecorp.io"
GW = [("istio-ingressgateway-99g5q962wd-kpzkm", "10.60.24.118"), ("istio-ingressgateway-99g5q962wd-lmqdp", "10.60.41.9")]
OLD_API = [("docsum-api-wn9t7x4fqc-4kz8d", "10.60.9.18", epoch("2026-10-14T09:15:02Z")),
           ("docsum-api-wn9t7x4fqc-b6r2h", "10.60.21.47", epoch("2026-10-14T09:15:44Z")),
           ("docsum-api-wn9t7x4fqc-p7xvl", "10.60.33.95", epoch("2026-10-14T09:16:27Z"))]
NEW_API = [("docsum-api-c2cmb5shlt-xhkrx", "10.60.13.77", epoch("2026-10-14T09:14:41Z")),
           ("docsum-api-c2cmb5shlt-7sjbm", "10.60.19.204", epoch("2026-10-14T09:15:22Z")),
           ("docsum-api-c2cmb5shlt-d7czk", "10.60.35.140", epoch("2026-10-14T09:16:04Z"))]
NEW_STARTED = {"docsum-api-c2cmb5shlt-xhkrx": epoch("2026-10-14T09:14:28Z"), "docsum-api-c2cmb5shlt-7sjbm": epoch("2026-10-14T09:15:09Z"),
               "docsum-api-c2cmb5shlt-d7czk": epoch("2026-10-14T09:15:51Z")}
VLLM = [("docsum-vllm-8m2l4m9wtf-spsgk", "10.60.6.31"), ("docsum-vllm-8m2l4m9wtf-w2qhs", "10.60.30.152")]
PORTAL = [("contract-portal-mffstkjqb7-lssfh", "10.60.8.142"), ("contract-portal-mffstkjqb7-xlznk", "10.60.44.61")]
CLUSTER = "outbound|8080||docsum-api.docsum.svc.cluster.local"
LOG_FROM = T1 - 45 * 60
EDGE_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 "
           "Safari/537.36 Edg/129.0.2792.89")


def api_pods_at(t):
    pods = [(n, ip) for n, ip, gone in OLD_API if t < gone]
    pods += [(n, ip) for n, ip, ready in NEW_API if t >= ready]
    return pods


def simulate():
    rng = random.Random(20261014)
    reqs = []
    for client, rpm in (("portal", 2.3), ("addin", 0.8)):
        t = T0 - 900.0
        while True:
            t += rng.expovariate(rpm / 60)
            if t >= T1:
                break
            pages = max(2, int(rng.lognormvariate(math.log(14), 0.8)))
            tokens = int(pages * rng.uniform(560, 700))
            chunks = max(1, math.ceil(tokens / 6000))
            if chunks == 1:
                out = rng.randint(420, 860)
                work = 1.2 + out / rng.uniform(23, 27)
                map_s = 0.0
            else:
                rounds = math.ceil(chunks / 6)
                map_s = sum(rng.uniform(12.5, 17.5) for _ in range(rounds))
                out = rng.randint(900, 2048)
                work = map_s + 1.5 + out / rng.uniform(22, 26)
            r = dict(start=t, client=client, pages=pages, tokens=tokens, chunks=chunks, out=out, work=work, map_s=map_s,
                     rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                     doc=f"CTR-2026-{rng.randint(1000, 19999):05d}", sport=rng.randint(32768, 60999), isport=rng.randint(32768, 60999),
                     lport=rng.randint(32768, 60999), gw=rng.choice(GW))
            if client == "portal":
                pod = rng.choice(PORTAL)
                r.update(src=pod[1], ua="axios/1.7.9", portal_pod=pod[0])
            else:
                r.update(src=f"10.200.{rng.randint(4, 60)}.{rng.randint(2, 250)}", ua=EDGE_UA, portal_pod=None)
            pods = api_pods_at(t)
            r["api"] = rng.choice(pods)
            r["rx"] = 900 + tokens * 4 + rng.randint(0, 400)
            r["tx_ok"] = 420 + out * 4 + rng.randint(0, 200)
            timeout = 300.0 if t < CHANGE else TIMEOUT_S
            if work > timeout:
                r.update(code=504, dur_ms=int(timeout * 1000) + rng.randint(0, 3))
            else:
                r.update(code=200, dur_ms=int(work * 1000) + rng.randint(2, 9))
            r["end"] = t + r["dur_ms"] / 1000
            r["done"] = t + work
            reqs.append(r)
    reqs.sort(key=lambda r: r["start"])
    return reqs


REQS = simulate()


def iso_ms(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{int(t % 1 * 1000):03d}Z"


def iso6(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{int(round(t % 1 * 1e6)) % 1000000:06d}Z"


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def gw_logs():
    out = {name: [] for name, _ in GW}
    for r in REQS:
        if not (LOG_FROM <= r["end"] < T1):
            continue
        name, ip = r["gw"]
        up = f'{r["api"][1]}:8080'
        if r["code"] == 200:
            mid = f'200 - via_upstream - "-" {r["rx"]} {r["tx_ok"]} {r["dur_ms"]} {r["dur_ms"] - 3}'
        else:
            mid = f'504 UT response_timeout - "-" {r["rx"]} 24 {r["dur_ms"]} -'
        line = (f'[{iso_ms(r["start"])}] "POST /v1/summaries HTTP/1.1" {mid} "{r["src"]}" "{r["ua"]}" "{r["rid"]}" "{HOST}" '
                f'"{up}" {CLUSTER} {ip}:{r["lport"]} {ip}:443 {r["src"]}:{r["sport"]} {HOST} api')
        out[name].append((r["end"] + 0.0003, line))
    return {f"logs/istio-system/{n}/istio-proxy.log": "".join(f"{stamp(t)} {s}\n" for t, s in sorted(v)) for n, v in out.items()}


def api_logs():
    files = {}
    for name, ip, ready in NEW_API:
        started = NEW_STARTED[name]
        lines = [(started + 0.41, "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)"),
                 (started + 0.42, "INFO:     Started parent process [1]")]
        for i, pid in enumerate((9, 10, 11, 12)):
            b = started + 1.1 + i * 0.23
            lines += [(b, f"INFO:     Started server process [{pid}]"), (b + 0.001, "INFO:     Waiting for application startup.")]
            lines.append((b + 0.9 + i * 0.02, '{"timestamp": "%s", "level": "info", "logger": "docsum.app", "event": "backend ready", '
                          '"pid": %d, "vllm_base_url": "http://docsum-vllm.docsum.svc.cluster.local:8000/v1", "models": ["qwen2.5-32b-instruct"]}'
                          % (iso_ms(b + 0.9 + i * 0.02), pid)))
            lines.append((b + 0.95 + i * 0.02, "INFO:     Application startup complete."))
        proxy = []
        for r in REQS:
            if r["api"][0] != name:
                continue
            pid = 9 + (int(r["start"] * 7) % 4)
            lines.append((r["start"] + 0.004, '{"timestamp": "%s", "level": "info", "logger": "docsum.api", "event": "summary requested", "pid": %d, '
                          '"request_id": "%s", "doc_id": "%s", "pages": %d, "input_tokens": %d, "chunks": %d}'
                          % (iso_ms(r["start"] + 0.004), pid, r["rid"], r["doc"], r["pages"], r["tokens"], r["chunks"])))
            if r["chunks"] > 1:
                tm = r["start"] + r["map_s"] + 0.2
                lines.append((tm, '{"timestamp": "%s", "level": "info", "logger": "docsum.pipeline", "event": "map phase done", "pid": %d, '
                              '"request_id": "%s", "doc_id": "%s", "chunks": %d, "elapsed_s": %.2f}'
                              % (iso_ms(tm), pid, r["rid"], r["doc"], r["chunks"], r["map_s"] + 0.2)))
            if r["done"] < T1:
                lines.append((r["done"], '{"timestamp": "%s", "level": "info", "logger": "docsum.pipeline", "event": "summary complete", "pid": %d, '
                              '"request_id": "%s", "doc_id": "%s", "chunks": %d, "completion_tokens": %d, "elapsed_s": %.2f}'
                              % (iso_ms(r["done"]), pid, r["rid"], r["doc"], r["chunks"], r["out"], r["work"])))
                if r["code"] == 200:
                    lines.append((r["done"] + 0.002, f'INFO:     127.0.0.6:{r["isport"]} - "POST /v1/summaries HTTP/1.1" 200 OK'))
            # inbound sidecar access log
            if r["code"] == 200:
                mid = f'200 - via_upstream - "-" {r["rx"]} {r["tx_ok"]} {r["dur_ms"] - 2} {r["dur_ms"] - 3}'
                tend = r["end"] - 0.001
            else:
                mid = f'0 DC downstream_remote_disconnect - "-" {r["rx"]} 0 {r["dur_ms"] - 1} -'
                tend = r["end"]
            gwip = r["gw"][1]
            proxy.append((tend + 0.0002, f'[{iso_ms(r["start"] + 0.001)}] "POST /v1/summaries HTTP/1.1" {mid} "{r["src"]}" "{r["ua"]}" "{r["rid"]}" "{HOST}" '
                                          f'"{ip}:8080" inbound|8080|| 127.0.0.6:{r["isport"]} {ip}:8080 {gwip}:{r["lport"]} '
                                          f'outbound_.8080_._.docsum-api.docsum.svc.cluster.local default'))
        lines = [x for x in lines if x[0] < T1]
        files[f"logs/docsum/{name}/docsum-api.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
        def agent(t, msg):
            return (t, f"{iso6(t)}\tinfo\t{msg}")
        plines = [agent(started - 2.61, 'FLAG: --concurrency="0"'),
                  agent(started - 2.609, 'FLAG: --domain="docsum.svc.cluster.local"'),
                  agent(started - 2.601, "Version 1.25.2-6c1d3b1f6c8d3a5e0d7b0e2ab44e1cbf1e6b1c54-Clean"),
                  agent(started - 2.55, "Proxy role: &model.Proxy{Type:sidecar, IPAddresses:[]string{%s}, ID:%s.docsum, Locality:nil}" % (ip, name)),
                  agent(started - 2.31, "Workload SDS socket not found. Starting Istio SDS Server"),
                  agent(started - 2.2, "xdsproxy\tInitializing with upstream address \"istiod.istio-system.svc:15012\" and cluster \"Kubernetes\""),
                  agent(started - 1.95, "cache\tgenerated new workload certificate\tresourceName=default latency=214.37ms ttl=23h59m59.7852s"),
                  agent(started - 1.71, "ads\tADS: new connection for node:%s.docsum-1" % name),
                  agent(started - 1.42, "Readiness succeeded in 1.19s"),
                  agent(started - 1.419, "Envoy proxy is ready")]
        proxy = [x for x in proxy if x[0] < T1 and x[0] >= started]
        files[f"logs/docsum/{name}/istio-proxy.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(plines + proxy))
    return files


def vllm_calls():
    """Per-replica (start, end, prompt_tokens, completion_tokens, caller ip) of the calls docsum-api makes."""
    rng = random.Random(7)
    calls = {n: [] for n, _ in VLLM}
    for r in REQS:
        caller = r["api"][1]
        if r["chunks"] == 1:
            v = rng.choice(VLLM)[0]
            calls[v].append((r["start"] + 0.3, r["start"] + r["work"] - 0.1, r["tokens"] + 350, r["out"], caller))
        else:
            per = r["map_s"] / math.ceil(r["chunks"] / 6)
            for c in range(r["chunks"]):
                s = r["start"] + 0.3 + (c // 6) * per
                v = rng.choice(VLLM)[0]
                calls[v].append((s, s + per * rng.uniform(0.8, 0.99), min(6000, r["tokens"] - c * 6000) + 350, rng.randint(260, 384), caller))
            v = rng.choice(VLLM)[0]
            calls[v].append((r["start"] + r["map_s"] + 0.4, r["start"] + r["work"] - 0.1, 380 * r["chunks"] + 600, r["out"], caller))
    return calls


CALLS = vllm_calls()


def vllm_state(name, t):
    act = [c for c in CALLS[name] if c[0] <= t < c[1]]
    kv = sum(c[2] + c[3] * min(1.0, (t - c[0]) / max(1.0, c[1] - c[0])) for c in act)
    return len(act), min(0.97, kv / 118000.0)


def vllm_logs():
    files = {}
    rng = random.Random(11)
    for name, ip in VLLM:
        lines = []
        for c in CALLS[name]:
            if LOG_FROM <= c[1] < T1:
                lines.append((c[1] + 0.003, f'INFO:     {c[4]}:{rng.randint(33000, 60000)} - "POST /v1/chat/completions HTTP/1.1" 200 OK'))
        t = LOG_FROM - LOG_FROM % 10 + 3.3
        prev = None
        while t < T1:
            run, kv = vllm_state(name, t)
            done = [c for c in CALLS[name] if t - 10 <= c[0] < t]
            gen = sum(run for _ in [0]) * rng.uniform(21.5, 24.5)
            prompt = sum(c[2] for c in done) / 10
            hit = rng.uniform(8, 22) if prompt else 0.0
            dtm = dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%m-%d %H:%M:%S")
            if run or prompt or prev != (0, 0):
                lines.append((t, f"INFO {dtm} [loggers.py:118] Engine 000: Avg prompt throughput: {prompt:.1f} tokens/s, Avg generation throughput: "
                                 f"{gen:.1f} tokens/s, Running: {run} reqs, Waiting: 0 reqs, GPU KV cache usage: {kv * 100:.1f}%, "
                                 f"Prefix cache hit rate: {hit:.1f}%"))
            prev = (run, int(prompt))
            t += 10
        for k in range(int(LOG_FROM // 30) * 30 + 30, T1, 30):
            pass
        files[f"logs/docsum/{name}/vllm.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
    return files


def portal_logs():
    files = {}
    for name, ip in PORTAL:
        lines = []
        for r in REQS:
            if r["portal_pod"] != name or not (LOG_FROM <= r["end"] < T1):
                continue
            ms = int(r["end"] * 1000) + 2
            if r["code"] == 200:
                lines.append((r["end"] + 0.002, '{"level":30,"time":%d,"pid":1,"hostname":"%s","module":"docsum-client","docId":"%s","status":200,'
                              '"elapsedMs":%d,"msg":"summary ready"}' % (ms, name, r["doc"], r["dur_ms"] + 4)))
            else:
                lines.append((r["end"] + 0.002, '{"level":50,"time":%d,"pid":1,"hostname":"%s","module":"docsum-client","docId":"%s","status":504,'
                              '"body":"upstream request timeout","elapsedMs":%d,"msg":"summary request failed"}' % (ms, name, r["doc"], r["dur_ms"] + 4)))
        files[f"logs/portal/{name}/contract-portal.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
    return files


# ---------------------------------------------------------------- metrics
def samples():
    return range(T0, T1 + 1, STEP)


def lbl(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


def fmt(v):
    if isinstance(v, float):
        s = f"{v:.6g}" if abs(v) < 1 else f"{v:.4f}".rstrip("0").rstrip(".")
        return s
    return str(v)


class OM:
    def __init__(self):
        self.out = []

    def family(self, name, typ, help_=None):
        if help_:
            self.out.append(f"# HELP {name} {help_}")
        self.out.append(f"# TYPE {name} {typ}")

    def series(self, sample_name, labels, pts):
        for t, v in pts:
            self.out.append(f"{sample_name}{lbl(labels)} {fmt(v)} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000]
BASE_COUNT = {("gw0", 200): 21874, ("gw0", 504): 3, ("gw1", 200): 21539, ("gw1", 504): 1}


def istio_om():
    om = OM()
    dest = dict(destination_app="docsum-api", destination_canonical_revision="1.9.4", destination_canonical_service="docsum-api",
                destination_cluster="Kubernetes", destination_principal="spiffe://cluster.local/ns/docsum/sa/docsum-api",
                destination_service="docsum-api.docsum.svc.cluster.local", destination_service_name="docsum-api",
                destination_service_namespace="docsum", destination_version="unknown", destination_workload="docsum-api",
                destination_workload_namespace="docsum", request_protocol="http", grpc_response_status="")
    src = dict(source_app="istio-ingressgateway", source_canonical_revision="latest", source_canonical_service="istio-ingressgateway",
               source_cluster="Kubernetes", source_principal="spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway",
               source_version="unknown", source_workload="istio-ingressgateway", source_workload_namespace="istio-system")
    om.family("istio_requests", "counter")
    for gi, (gname, gip) in enumerate(GW):
        for code, flags in ((200, "-"), (504, "UT")):
            labels = dict(dest, **src, connection_security_policy="unknown", reporter="source", response_code=str(code), response_flags=flags,
                          instance=f"{gip}:15020", job="istio-system/envoy-stats-monitor", namespace="istio-system", pod=gname)
            b = BASE_COUNT[(f"gw{gi}", code)]
            om.series("istio_requests_total", labels,
                      [(t, b + sum(1 for r in REQS if r["gw"][0] == gname and r["code"] == code and r["end"] <= t)) for t in samples()])
    return om.text()


def istio_inbound_om():
    om = OM()
    om.family("istio_requests", "counter")
    for name, ip, ready in NEW_API:
        for code, flags in (("200", "-"), ("0", "DC")):
            labels = dict(connection_security_policy="mutual_tls", destination_app="docsum-api", destination_canonical_revision="1.9.4",
                          destination_canonical_service="docsum-api", destination_service="docsum-api.docsum.svc.cluster.local",
                          destination_workload="docsum-api", destination_workload_namespace="docsum", reporter="destination",
                          request_protocol="http", response_code=code, response_flags=flags, source_workload="istio-ingressgateway",
                          source_workload_namespace="istio-system", source_canonical_service="istio-ingressgateway",
                          instance=f"{ip}:15020", job="docsum/docsum-api-sidecar", namespace="docsum", pod=name)
            want = 200 if code == "200" else 504
            pts = [(t, sum(1 for r in REQS if r["api"][0] == name and r["code"] == want and r["end"] <= t))
                   for t in samples() if t >= ready]
            om.series("istio_requests_total", labels, pts)
    return om.text()


def vllm_om():
    om = OM()
    model = "qwen2.5-32b-instruct"
    for fam, typ in (("vllm:num_requests_running", "gauge"), ("vllm:num_requests_waiting", "gauge"), ("vllm:gpu_cache_usage_perc", "gauge")):
        om.family(fam, typ)
        for name, ip in VLLM:
            labels = dict(engine="0", model_name=model, instance=f"{ip}:8000", job="docsum/docsum-vllm", namespace="docsum", pod=name)
            pts = []
            for t in samples():
                run, kv = vllm_state(name, t)
                pts.append((t, {"vllm:num_requests_running": run, "vllm:num_requests_waiting": 0, "vllm:gpu_cache_usage_perc": round(kv, 4)}[fam]))
            om.series(fam, labels, pts)
    om.family("vllm:request_success", "counter")
    for name, ip in VLLM:
        base = {"stop": 40112 + len(name) * 13, "length": 2301}
        for reason in ("stop", "length"):
            labels = dict(engine="0", finished_reason=reason, model_name=model, instance=f"{ip}:8000", job="docsum/docsum-vllm", namespace="docsum", pod=name)
            hit = (lambda c: c[3] in (384, 2048)) if reason == "length" else (lambda c: c[3] not in (384, 2048))
            om.series("vllm:request_success_total", labels,
                      [(t, base[reason] + sum(1 for c in CALLS[name] if c[1] <= t and hit(c))) for t in samples()])
    om.family("vllm:generation_tokens", "counter")
    for name, ip in VLLM:
        labels = dict(engine="0", model_name=model, instance=f"{ip}:8000", job="docsum/docsum-vllm", namespace="docsum", pod=name)
        om.series("vllm:generation_tokens_total", labels,
                  [(t, 61200344 + sum(c[3] for c in CALLS[name] if c[1] <= t)) for t in samples()])
    return om.text()


def ksm_om():
    om = OM()
    pod = "lora-sweep-qwen7b-r16-prmcz"
    base = dict(instance="10.60.38.201:8080", job="kube-state-metrics", namespace="research", pod=pod, uid="")
    om.family("kube_pod_status_phase", "gauge")
    start = int(epoch("2026-10-14T09:03:11Z"))
    for ph in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
        om.series("kube_pod_status_phase", dict(base, phase=ph), [(t, 1 if ph == "Pending" else 0) for t in samples() if t >= start])
    om.family("kube_pod_status_unschedulable", "gauge")
    om.series("kube_pod_status_unschedulable", base, [(t, 1) for t in samples() if t >= start + 15])
    om.family("kube_deployment_status_replicas_available", "gauge")
    for ns, dep, n in (("docsum", "docsum-api", 3), ("docsum", "docsum-vllm", 2), ("portal", "contract-portal", 2), ("istio-system", "istio-ingressgateway", 2)):
        labels = dict(deployment=dep, instance="10.60.38.201:8080", job="kube-state-metrics", namespace=ns)
        pts = []
        for t in samples():
            v = n
            if dep == "docsum-api" and epoch("2026-10-14T09:14:22Z") <= t < epoch("2026-10-14T09:16:27Z"):
                v = 3
            pts.append((t, v))
        om.series("kube_deployment_status_replicas_available", labels, pts)
    return om.text()


def main():
    files = {"metrics/istio-gateway.om": istio_om(), "metrics/istio-docsum-sidecars.om": istio_inbound_om(), "metrics/vllm.om": vllm_om(),
             "metrics/kube-state-metrics.om": ksm_om()}
    files.update(gw_logs())
    files.update(api_logs())
    files.update(vllm_logs())
    files.update(portal_logs())
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
