#!/usr/bin/env python3
"""Regenerate metrics/*.om and the request-derived logs of this scenario (stdlib only, seeded).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (must agree with cluster/*.yaml):
  until 16:03:41Z  search/reranker (TEI 1.7.2, BAAI/bge-reranker-v2-m3, chart tei-0.9.3) listens on 8080; its two pods
                   are the members of Contour's Envoy cluster search/reranker/80/da39a3ee5e. search-api calls
                   https://rerank.internal.northwind.io/rerank for every query (~1.2 queries/s): 200 in 20-140 ms.
  16:03:40Z        `helm upgrade reranker` to chart tei-1.0.0: TEI now listens on 8000 (--port 8000, container port
                   "http" 8000, Service targetPort http), but the release values still override readinessProbe with
                   httpGet port 8080. Strategy Recreate: both old pods are deleted at 16:03:41Z, new pods start at
                   16:03:54Z and log "Starting HTTP server: 0.0.0.0:8000" / "Ready" ~25 s later.
  from 16:03:41Z   the readiness probe gets "connection refused" on :8080 forever, the pods stay 0/1 Ready, the
                   EndpointSlice has no ready endpoint, Envoy's cluster has 0 members and every rerank call is
                   answered 503 UH "no healthy upstream" (19 bytes, 0 ms); search-api falls back to BM25 order.
                   embed.internal.northwind.io (embedder, chart 0.9.3, port 8080) keeps working.
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


T1 = int(epoch("2026-04-23T16:20:00Z"))
T0 = T1 - 3600
DOWN = epoch("2026-04-23T16:03:41.2Z")
OLD = [("reranker-llpkfd6t6c-sjdq5", "10.42.5.19"), ("reranker-llpkfd6t6c-kkgf7", "10.42.6.88")]
NEW = [("reranker-4wqwc5jqfl-pcbx7", "10.42.5.23", epoch("2026-04-23T16:03:54Z")), ("reranker-4wqwc5jqfl-kgmpt", "10.42.6.141", epoch("2026-04-23T16:03:54Z"))]
EMB = [("embedder-m76kgzwhjg-98k9q", "10.42.5.87"), ("embedder-m76kgzwhjg-xlgx4", "10.42.6.52")]
SEARCH = [("search-api-9bk46qzdg9-sh9nv", "10.42.3.41"), ("search-api-9bk46qzdg9-v5lws", "10.42.4.19"), ("search-api-9bk46qzdg9-qgqb7", "10.42.7.66")]
ENVOY = [("envoy-blv22", "10.42.3.77"), ("envoy-bs4xz", "10.42.4.31"), ("envoy-7pp4m", "10.42.7.25")]
RR_HOST = "rerank.internal.northwind.io"
EM_HOST = "embed.internal.northwind.io"
RR_CLUSTER = "search/reranker/80/da39a3ee5e"
EM_CLUSTER = "search/embedder/80/da39a3ee5e"
LOG_FROM = T1 - 25 * 60


def simulate():
    rng = random.Random(4231)
    q = []
    t = T0 - 300.0
    while True:
        t += rng.expovariate(1.2)
        if t >= T1:
            break
        s = rng.choice(SEARCH)
        e = ENVOY[SEARCH.index(s)] if rng.random() < 0.8 else rng.choice(ENVOY)
        docs = rng.randint(20, 50)
        r = dict(t=t, src=s, envoy=e, qid="q-" + uuid.UUID(int=rng.getrandbits(128), version=4).hex[:16], docs=docs,
                 rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), sport=rng.randint(32768, 60999), kind="rerank",
                 emb=rng.choice(EMB), emb_ms=rng.uniform(6, 19), rx=600 + docs * rng.randint(180, 260))
        if t < DOWN:
            up = rng.choice(OLD)
            r.update(code=200, flags="-", dur=int(18 + docs * rng.uniform(1.1, 2.6)), tx=40 + docs * 38, up=f"{up[1]}:8080", pod=up[0])
        else:
            r.update(code=503, flags="UH", dur=0, tx=19, up="-", pod=None)
        q.append(r)
    # other gateway traffic: kb-chat (outside the cluster) embedding through embed.internal.northwind.io
    t = T0 - 300.0
    while True:
        t += rng.expovariate(0.25)
        if t >= T1:
            break
        up = rng.choice(EMB)
        q.append(dict(t=t, src=("kb-chat", f"10.30.{rng.randint(1, 9)}.{rng.randint(2, 250)}"), envoy=rng.choice(ENVOY), kind="embed",
                      rid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), code=200, flags="-", dur=rng.randint(9, 41), rx=rng.randint(700, 4200),
                      tx=rng.randint(8300, 8600), up=f"{up[1]}:8080", pod=up[0], sport=rng.randint(32768, 60999)))
    q.sort(key=lambda r: r["t"])
    return q


REQS = simulate()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def iso_ms(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{int(t % 1 * 1000):03d}Z"


def tei_ts(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{int(t % 1 * 1e6):06d}Z"


def envoy_logs():
    out = {n: [] for n, _ in ENVOY}
    for r in REQS:
        end = r["t"] + r["dur"] / 1000
        if not (LOG_FROM <= end < T1):
            continue
        host = RR_HOST if r["kind"] == "rerank" else EM_HOST
        path = "/rerank" if r["kind"] == "rerank" else "/embed"
        ua = "search-api/5.3.1 Go-http-client/2.0" if r["kind"] == "rerank" else "python-httpx/0.28.1"
        ust = "-" if r["code"] != 200 else str(max(1, r["dur"] - 1))
        line = (f'[{iso_ms(r["t"])}] "POST {path} HTTP/2" {r["code"]} {r["flags"]} {r["rx"]} {r["tx"]} {r["dur"]} {ust} '
                f'"{r["src"][1]}" "{ua}" "{r["rid"]}" "{host}" "{r["up"]}"')
        out[r["envoy"][0]].append((end + 0.0004, line))
    return {f"logs/projectcontour/{n}/envoy.log": "".join(f"{stamp(t)} {s}\n" for t, s in sorted(v)) for n, v in out.items()}


def search_logs():
    files = {}
    rng = random.Random(77)
    for name, ip in SEARCH:
        lines = [(epoch("2026-04-21T13:02:12Z") + i * 0.01, s) for i, s in enumerate([
            '{"time":"2026-04-21T13:02:12.004Z","level":"INFO","msg":"starting search-api","version":"5.3.1","commit":"a41f09c"}',
            '{"time":"2026-04-21T13:02:12.031Z","level":"INFO","msg":"opensearch connected","cluster":"intranet-search","version":"2.19.1"}',
            '{"time":"2026-04-21T13:02:12.044Z","level":"INFO","msg":"reranker configured","url":"https://rerank.internal.northwind.io/rerank","timeout":"800ms","top_n":50}',
            '{"time":"2026-04-21T13:02:12.051Z","level":"INFO","msg":"listening","addr":":8080"}'])]
        for r in REQS:
            if r["kind"] != "rerank" or r["src"][0] != name:
                continue
            t = r["t"] + r["dur"] / 1000 + 0.002
            if not (LOG_FROM <= t < T1):
                continue
            if r["code"] == 200:
                if rng.random() < 0.15:
                    lines.append((t, '{"time":"%s","level":"INFO","msg":"query served","query_id":"%s","candidates":%d,"reranked":true,"latency_ms":%d}'
                                  % (iso_ms(t), r["qid"], r["docs"], r["dur"] + int(r["emb_ms"]) + rng.randint(8, 30))))
            else:
                lines.append((t, '{"time":"%s","level":"WARN","msg":"rerank failed, serving BM25 order","query_id":"%s","candidates":%d,"status":503,"body":"no healthy upstream"}'
                              % (iso_ms(t), r["qid"], r["docs"])))
        files[f"logs/search/{name}/search-api.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
    return files


def tei_startup(t0, host, port, model, extra):
    l = []
    def add(dt_, lvl, target, loc, msg):
        l.append((t0 + dt_, f"{tei_ts(t0 + dt_)}  {lvl} {target}: {loc}: {msg}"))
    add(0.0, "INFO", "text_embeddings_router", "router/src/main.rs:189",
        'Args { model_id: "%s", revision: None, tokenization_workers: Some(4), dtype: None, pooling: %s, max_concurrent_requests: 512, '
        'max_batch_tokens: %d, max_batch_requests: None, max_client_batch_size: %d, auto_truncate: %s, default_prompt_name: None, default_prompt: None, '
        'hf_api_token: None, hf_token: None, hostname: "%s", port: %d, uds_path: "/tmp/text-embeddings-inference-server", huggingface_hub_cache: Some("/data"), '
        'payload_limit: 2000000, api_key: None, json_output: false, disable_spans: false, otlp_endpoint: None, otlp_service_name: "text-embeddings-inference.server", '
        'prometheus_port: 9000, cors_allow_origin: None }' % (model, extra["pooling"], extra["mbt"], extra["mcbs"], extra["trunc"], host, port))
    add(0.43, "INFO", "download_artifacts", "core/src/download.rs:20", "Starting download")
    add(0.47, "INFO", "download_artifacts", "core/src/download.rs:57", "Model artifacts downloaded in 38.112ms")
    add(0.98, "INFO", "text_embeddings_router", "router/src/lib.rs:188", "Maximum number of tokens per request: 8192")
    add(0.99, "INFO", "text_embeddings_core::tokenization", "core/src/tokenization.rs:38", "Starting 4 tokenization workers")
    add(1.61, "INFO", "text_embeddings_router", "router/src/lib.rs:230", "Starting model backend")
    add(1.62, "INFO", "text_embeddings_backend", "backends/src/lib.rs:493", "Downloading `model.safetensors`")
    add(1.63, "INFO", "text_embeddings_backend", "backends/src/lib.rs:377", "Model weights downloaded in 9.871ms")
    add(4.87, "INFO", "text_embeddings_backend_candle", "backends/candle/src/lib.rs:427", "Starting FlashBert model on Cuda(CudaDevice(DeviceId(1)))")
    add(21.3, "INFO", "text_embeddings_router", "router/src/lib.rs:248", "Warming up model")
    add(24.6, "INFO", "text_embeddings_router::http::server", "router/src/http/server.rs:1852", f"Starting HTTP server: 0.0.0.0:{port}")
    add(24.61, "INFO", "text_embeddings_router::http::server", "router/src/http/server.rs:1853", "Ready")
    return l


def tei_logs():
    files = {}
    for name, ip, started in NEW:
        l = tei_startup(started + 0.6, name, 8000, "BAAI/bge-reranker-v2-m3", dict(pooling="None", mbt=16384, mcbs=64, trunc="true"))
        files[f"logs/search/{name}/tei.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in l)
    rng = random.Random(12)
    for name, ip in EMB:
        l = tei_startup(epoch("2026-03-30T09:20:13Z"), name, 8080, "BAAI/bge-m3", dict(pooling="Some(Cls)", mbt=32768, mcbs=32, trunc="false"))
        for r in REQS:
            t = None
            if r["kind"] == "rerank" and r["emb"][0] == name:
                t = r["t"] - 0.03
                ms = r["emb_ms"]
            elif r["kind"] == "embed" and r["pod"] == name:
                t = r["t"] + r["dur"] / 1000 - 0.001
                ms = r["dur"] - 1.3
            if t is None or not (T1 - 15 * 60 <= t < T1):
                continue
            tok = ms * 0.08
            inf = ms * 0.62
            que = max(0.05, ms - tok - inf)
            l.append((t, f'{tei_ts(t)}  INFO embed{{total_time="{ms:.6f}ms" tokenization_time="{tok:.6f}ms" queue_time="{que:.6f}ms" inference_time="{inf:.6f}ms"}}: '
                         f'text_embeddings_router::http::server: router/src/http/server.rs:714: Success'))
        files[f"logs/search/{name}/tei.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(l))
    return files


# ---------------------------------------------------------------- metrics
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
            self.out.append(f"{sample_name}{lbl(labels)} {v} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def envoy_om():
    om = OM()
    base = lambda n, ip: dict(instance=f"{ip}:8002", job="envoy", namespace="projectcontour", pod=n)
    om.family("envoy_cluster_membership_healthy", "gauge")
    for n, ip in ENVOY:
        for c in (RR_CLUSTER, EM_CLUSTER):
            om.series("envoy_cluster_membership_healthy", dict(base(n, ip), envoy_cluster_name=c),
                      [(t, 0 if (c == RR_CLUSTER and t >= DOWN) else 2) for t in samples()])
    om.family("envoy_cluster_membership_total", "gauge")
    for n, ip in ENVOY:
        for c in (RR_CLUSTER, EM_CLUSTER):
            om.series("envoy_cluster_membership_total", dict(base(n, ip), envoy_cluster_name=c),
                      [(t, 0 if (c == RR_CLUSTER and t >= DOWN) else 2) for t in samples()])
    om.family("envoy_cluster_upstream_cx_none_healthy", "unknown")
    for i, (n, ip) in enumerate(ENVOY):
        om.series("envoy_cluster_upstream_cx_none_healthy", dict(base(n, ip), envoy_cluster_name=RR_CLUSTER),
                  [(t, 4 + i + sum(1 for r in REQS if r["envoy"][0] == n and r["code"] == 503 and r["t"] <= t)) for t in samples()])
    om.family("envoy_cluster_upstream_rq_xx", "unknown")
    for i, (n, ip) in enumerate(ENVOY):
        for c, kind in ((RR_CLUSTER, "rerank"), (EM_CLUSTER, "embed")):
            om.series("envoy_cluster_upstream_rq_xx", dict(base(n, ip), envoy_cluster_name=c, envoy_response_code_class="2"),
                      [(t, (813402 if kind == "rerank" else 170233) + i * 1733 + sum(1 for r in REQS if r["envoy"][0] == n and r["kind"] == kind and r["code"] == 200 and r["t"] <= t)) for t in samples()])
    om.family("envoy_http_downstream_rq_xx", "unknown")
    for i, (n, ip) in enumerate(ENVOY):
        for cls in ("2", "5"):
            b = (983911 + i * 2113) if cls == "2" else (61 + i * 3)
            om.series("envoy_http_downstream_rq_xx", dict(base(n, ip), envoy_http_conn_manager_prefix="ingress_https", envoy_response_code_class=cls),
                      [(t, b + sum(1 for r in REQS if r["envoy"][0] == n and str(r["code"])[0] == cls and r["t"] <= t)) for t in samples()])
    return om.text()


def tei_om():
    om = OM()
    om.family("te_request_count", "counter")
    for n, ip in OLD:
        om.series("te_request_count_total", dict(instance=f"{ip}:9000", job="reranker", method="rerank", namespace="search", pod=n),
                  [(t, 402118 + len(n) + sum(1 for r in REQS if r.get("pod") == n and r["t"] <= t)) for t in samples() if t < DOWN])
    for n, ip, st in NEW:
        om.series("te_request_count_total", dict(instance=f"{ip}:9000", job="reranker", method="rerank", namespace="search", pod=n),
                  [(t, 0) for t in samples() if t >= st + 30])
    for n, ip in EMB:
        om.series("te_request_count_total", dict(instance=f"{ip}:9000", job="embedder", method="embed", namespace="search", pod=n),
                  [(t, 3310542 + len(n) * 7 + sum(1 for r in REQS if ((r["kind"] == "rerank" and r["emb"][0] == n) or r.get("pod") == n) and r["t"] <= t)) for t in samples()])
    return om.text()


def ksm_om():
    om = OM()
    inst = dict(instance="10.42.7.40:8080", job="kube-state-metrics")
    om.family("kube_deployment_status_replicas_available", "gauge")
    for dep, v in (("reranker", None), ("embedder", 2), ("search-api", 3)):
        om.series("kube_deployment_status_replicas_available", dict(inst, deployment=dep, namespace="search"),
                  [(t, (2 if t < DOWN else 0) if v is None else v) for t in samples()])
    om.family("kube_pod_status_ready", "gauge")
    for n, ip, st in NEW:
        for c in ("true", "false", "unknown"):
            om.series("kube_pod_status_ready", dict(inst, condition=c, namespace="search", pod=n, uid=""),
                      [(t, 1 if c == "false" else 0) for t in samples() if t >= st])
    om.family("kube_pod_container_status_restarts", "counter")
    for n, ip, st in NEW:
        om.series("kube_pod_container_status_restarts_total", dict(inst, container="tei", namespace="search", pod=n, uid=""), [(t, 0) for t in samples() if t >= st])
    return om.text()


def main():
    files = {"metrics/envoy.om": envoy_om(), "metrics/tei.om": tei_om(), "metrics/kube-state-metrics.om": ksm_om()}
    files.update(envoy_logs())
    files.update(search_logs())
    files.update(tei_logs())
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
