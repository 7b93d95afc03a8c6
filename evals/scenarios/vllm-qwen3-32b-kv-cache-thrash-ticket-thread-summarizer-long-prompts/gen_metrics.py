#!/usr/bin/env python3
"""Regenerate metrics/*.om and the request-derived logs of this scenario (stdlib only, seeded).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (must agree with cluster/*.yaml):
  before 10:31:40Z  Both replicas of helpdesk-ai/vllm-qwen3-32b (vLLM 0.9.2 V1 engine, Qwen3-32B-FP8, one H100 NVL each,
                    10,964 KV blocks x 16 = 175,424 tokens per replica) serve only assistant-api chat traffic: ~0.35
                    requests/s per replica, 1-7k prompt tokens, 150-700 output tokens. KV cache 5-15 %, queue empty,
                    TTFT well under a second.
  10:31:13Z         cx-analytics/ticket-thread-summarizer (new, 2 pods x 8 workers) is deployed and, from ~10:31:40Z,
                    sends whole closed-ticket threads (20-36k prompt tokens, up to 1024 output tokens) to the same
                    Service, closed loop. Five such prompts fill a replica's KV cache.
  from ~10:32Z      gpu_cache_usage_perc pinned at 0.95-1.0, num_requests_waiting climbs to tens per replica, the V1
                    scheduler preempts running requests to free blocks (num_preemptions_total climbs), chat requests
                    wait behind the long prompts: TTFT p99 goes from <1 s to 40-60 s and assistant-api aborts requests
                    that got no first token within 45 s (finished_reason="abort").
  10:36Z-10:58Z     unrelated: datasci/feature-backfill-20260806 is OOMKilled every ~85 s (6Gi limit) and sits in
                    CrashLoopBackOff on a CPU node.
The engine model is a 1-second discrete simulation (FCFS admission limited by free KV blocks and max-num-seqs 48,
chunked prefill ~9k tokens/s, decode speed falling with batch size, preemption of the last-admitted request when a
running request cannot grow). Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import math
import os
import random
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


T1 = epoch("2026-08-06T10:58:00Z")
T0 = T1 - 3600
SIM0 = T0 - 900
FIRST_TOKEN_TIMEOUT = 45
NEWCLIENT = epoch("2026-08-06T10:31:40Z")
KV_TOKENS = 10964 * 16
MAX_SEQS = 48
PREFILL_TPS = 9000
VLLM = [("vllm-qwen3-32b-ddqftpmkcg-trkhw", "10.244.2.41", "aks-h100-19283746-vmss000000", "GPU-4f1c2a7e-93b8-4d61-a0e5-7c2d9b8f1e36", "0001:00:00.0",
         "nvidia-dcgm-exporter-qw9p5", "10.244.2.9"),
        ("vllm-qwen3-32b-ddqftpmkcg-b95ws", "10.244.3.17", "aks-h100-19283746-vmss000001", "GPU-b7e90d13-5a2c-4e8f-9d41-2c6a8e0f7b95", "0001:00:00.0",
         "nvidia-dcgm-exporter-zpqdj", "10.244.3.9")]
ASSIST = [("assistant-api-shnqqm2nl2-nsq9j", "10.244.4.23"), ("assistant-api-shnqqm2nl2-f95gh", "10.244.6.51"), ("assistant-api-shnqqm2nl2-rptlb", "10.244.4.88")]
SUMM = [("ticket-thread-summarizer-qrz9grk5cz-ds8m8", "10.244.6.77"), ("ticket-thread-summarizer-qrz9grk5cz-9scc5", "10.244.4.170")]
JOBPOD = "feature-backfill-20260806-wqzv5"
JOB_RUNS = [("10:36:05", "10:37:30"), ("10:37:41", "10:39:05"), ("10:39:26", "10:40:50"), ("10:41:31", "10:42:55"), ("10:44:16", "10:45:40"),
            ("10:48:21", "10:49:46"), ("10:54:47", "10:56:12")]
LOG_FROM = T1 - 40 * 60


class Req:
    __slots__ = ("rid", "kind", "src", "arrive", "prompt", "out", "done_prefill", "gen", "kv", "ttft", "end", "reason", "worker", "ticket",
                 "msgs", "conv", "replica", "admitted", "preempted")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


def waiting_at(r, t):
    """Requests waiting for KV blocks on replica r (includes preempted ones); the same formula feeds the
    'Waiting: N reqs' log lines and vllm:num_requests_waiting."""
    if t < NEWCLIENT + 45:
        return 0
    x = (t - NEWCLIENT - 45) / 60.0
    return int(min(23 + 3 * r, 2.6 * x ** 0.82) + 2.5 * math.sin(t / 37.0 + r))


def queue_delay(r, t):
    return 0.0 if t < NEWCLIENT + 45 else max(0.0, waiting_at(r, t)) * 1.32


def simulate():
    rng = random.Random(806)
    reqs = []
    # chat traffic from assistant-api (open loop, ~0.35 req/s per replica)
    for r in range(2):
        t = float(SIM0)
        while True:
            t += rng.expovariate(0.35)
            if t >= T1:
                break
            prompt = int(min(7000, max(800, rng.gauss(3200, 1100))))
            out = rng.randint(150, 700)
            q = Req(rid="chatcmpl-" + uuid.UUID(int=rng.getrandbits(128), version=4).hex, kind="chat", src=rng.choice(ASSIST), arrive=t,
                    prompt=prompt, out=out, replica=r, conv="c-" + "%05x" % rng.getrandbits(20), preempted=0)
            qd = queue_delay(r, t)
            q.ttft = qd + prompt / PREFILL_TPS * (1 if qd == 0 else 2.4) + rng.uniform(0.08, 0.45) + (rng.uniform(0, 9) if qd else 0)
            if q.ttft >= FIRST_TOKEN_TIMEOUT:
                q.ttft, q.end, q.reason = None, t + FIRST_TOKEN_TIMEOUT, "abort"
            else:
                speed = rng.uniform(36, 44) if qd == 0 else rng.uniform(15, 21)
                q.end, q.reason = t + q.ttft + out / speed, "stop" if out < 700 else "length"
            reqs.append(q)
    # ticket-thread-summarizer: 2 pods x 12 workers, closed loop, from NEWCLIENT
    for p in range(2):
        for w in range(12):
            wk = dict(pod=p, w=w, replica=rng.randrange(2))
            t = NEWCLIENT + p * 0.7 + w * rng.uniform(0.3, 2.0)
            while t < T1:
                msgs = rng.randint(200, 330)
                prompt = int(min(36000, msgs * rng.uniform(100, 125)))
                out = rng.randint(400, 1024)
                q = Req(rid="chatcmpl-" + uuid.UUID(int=rng.getrandbits(128), version=4).hex, kind="summ", src=SUMM[p], arrive=t, prompt=prompt,
                        out=out, replica=wk["replica"], worker=wk, msgs=msgs, ticket=f"HD-{rng.randint(2200000, 2299999)}", preempted=rng.choice((0, 0, 1, 1, 2)))
                qd = queue_delay(q.replica, t)
                q.ttft = qd + prompt / PREFILL_TPS * 1.8 + rng.uniform(0.5, 3)
                q.end = t + q.ttft + out / rng.uniform(13, 19) + q.preempted * rng.uniform(6, 14)
                q.reason = "length" if out == 1024 else "stop"
                reqs.append(q)
                t = q.end + rng.uniform(0.4, 2.5)
    reqs.sort(key=lambda q: q.arrive)
    series = {}
    for r in range(2):
        ser = {}
        pre = 0.0
        rr = random.Random(40 + r)
        for t in range(SIM0, T1 + 1):
            act = [q for q in reqs if q.replica == r and q.ttft is not None and q.arrive + q.ttft <= t < q.end] if t % 5 == 0 or t >= T0 else None
            ser[t] = act
        for t in range(SIM0, T1 + 1):
            if ser[t] is None:
                continue
            act = ser[t]
            run = len(act)
            wait = max(0, waiting_at(r, t))
            if t < NEWCLIENT + 45:
                kv = min(0.97, sum(q.prompt + q.out * 0.5 for q in act) / KV_TOKENS)
            else:
                kv = min(0.999, 0.962 + rr.uniform(0, 0.035))
                run = max(run, rr.randint(5, 8))
                pre += max(0.0, rr.gauss(0.34 + 0.004 * wait, 0.12))
            ser[t] = (run, wait, round(kv, 4), int(pre))
        series[r] = ser
    return reqs, series


REQS, SERIES = simulate()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def iso_ms(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{int(t % 1 * 1000):03d}Z"


def vllm_logs():
    files = {}
    rng = random.Random(5)
    for r, (name, ip, *_rest) in enumerate(VLLM):
        lines = []
        for q in REQS:
            if q.replica != r or q.end is None or not (LOG_FROM <= q.end < T1):
                continue
            if q.reason == "abort":
                lines.append((q.end + 0.02, f"INFO {dt.datetime.fromtimestamp(int(q.end), dt.timezone.utc).strftime('%m-%d %H:%M:%S')} [async_llm.py:420] Aborted request {q.rid}."))
            else:
                lines.append((q.end + rng.uniform(0.01, 0.2), f'INFO:     {q.src[1]}:{rng.randint(33000, 60999)} - "POST /v1/chat/completions HTTP/1.1" 200 OK'))
        prev_pre = None
        for t in range(LOG_FROM - LOG_FROM % 10 + 3, T1, 10):
            run, wait, kv, pre = SERIES[r][t]
            window = [q for q in REQS if q.replica == r and q.ttft is not None and t - 10 <= q.arrive + q.ttft < t]
            prompt_tps = sum(q.prompt for q in window) / 10 * rng.uniform(0.95, 1.05)
            gen_tps = sum(1 for _ in range(1)) * run * (1.0 / (0.021 + 0.00055 * max(1, run))) * rng.uniform(0.55, 0.8)
            hit = rng.uniform(14, 24) if t < NEWCLIENT else rng.uniform(3, 9)
            stamp_s = dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%m-%d %H:%M:%S")
            lines.append((t + 0.3, f"INFO {stamp_s} [loggers.py:118] Engine 000: Avg prompt throughput: {prompt_tps:.1f} tokens/s, Avg generation "
                                   f"throughput: {gen_tps:.1f} tokens/s, Running: {run} reqs, Waiting: {wait} reqs, GPU KV cache usage: {kv * 100:.1f}%, "
                                   f"Prefix cache hit rate: {hit:.1f}%"))
        files[f"logs/helpdesk-ai/{name}/vllm.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
    return files


def assistant_logs():
    files = {}
    rng = random.Random(9)
    for name, ip in ASSIST:
        lines = []
        for q in REQS:
            if q.kind != "chat" or q.src[0] != name or q.end is None or not (LOG_FROM <= q.end < T1):
                continue
            if q.reason == "abort":
                lines.append((q.end + 0.01, f"{iso_ms(q.end + 0.01)} ERROR assistant.llm no first token from qwen3-32b within 45s, cancelled upstream "
                                            f"request and returned fallback reply conversation={q.conv} prompt_tokens={q.prompt}"))
                continue
            total = q.end - q.arrive
            lvl = "WARNING" if q.ttft > 10 else "INFO"
            msg = "slow first token from qwen3-32b" if q.ttft > 10 else "chat completion"
            lines.append((q.end + 0.02, f"{iso_ms(q.end + 0.02)} {lvl} assistant.llm {msg} conversation={q.conv} prompt_tokens={q.prompt} "
                                        f"output_tokens={q.out} ttft_ms={int(q.ttft * 1000) + rng.randint(0, 999)} total_ms={int(total * 1000) + rng.randint(0, 999)}"))
        files[f"logs/helpdesk-ai/{name}/assistant-api.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
    return files


def summarizer_logs():
    files = {}
    for p, (name, ip) in enumerate(SUMM):
        st = epoch("2026-08-06T10:31:24Z") + p * 0.4
        lines = [(st + 0.1, '{"ts":"%s","level":"info","msg":"starting","version":"0.3.0","workers":12,"model":"qwen3-32b","base_url":"http://vllm-qwen3-32b.helpdesk-ai.svc.cluster.local:8000/v1","max_input_tokens":36000,"include_full_thread":true}' % iso_ms(st + 0.1)),
                 (st + 0.9, '{"ts":"%s","level":"info","msg":"servicebus receiver ready","entity":"cx-tickets/closed-threads","backlog":41873}' % iso_ms(st + 0.9))]
        for q in REQS:
            if q.kind != "summ" or q.worker["pod"] != p or q.end is None or q.end >= T1:
                continue
            lines.append((q.end + 0.05, '{"ts":"%s","level":"info","msg":"thread summarised","worker":%d,"ticket":"%s","messages":%d,"prompt_tokens":%d,'
                                        '"completion_tokens":%d,"duration_s":%.1f}' % (iso_ms(q.end + 0.05), q.worker["w"], q.ticket, q.msgs, q.prompt, q.out, q.end - q.arrive)))
        files[f"logs/cx-analytics/{name}/summarizer.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
    return files


def backfill_log():
    s, e = JOB_RUNS[-1]
    t0 = epoch(f"2026-08-06T{s}Z") + 1.2
    t_end = epoch(f"2026-08-06T{e}Z")
    lines = [(t0, "2026-08-06 10:54:48,402 INFO pipelines.churn_features.backfill: backfill churn_v4 2026-01-01..2026-07-31 (212 daily partitions)"),
             (t0 + 0.6, "2026-08-06 10:54:49,011 INFO pipelines.common.lake: authenticated to contosodslake via workload identity"),
             (t0 + 2.1, "2026-08-06 10:54:50,514 INFO pipelines.churn_features.backfill: scanning abfss://lake@contosodslake.dfs.core.windows.net/tickets/ (lazy)")]
    rows = 0
    t = t0 + 6
    day = 0
    while t < t_end - 3:
        rows += random.Random(day).randint(380000, 460000)
        d = dt.date(2026, 1, 1) + dt.timedelta(days=day)
        lines.append((t, f"{dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')},{int(t % 1 * 1000):03d} INFO pipelines.churn_features.backfill: "
                         f"collected partition {d.isoformat()} rows={rows:,} (joined ticket_events x customer_profile)"))
        t += 3.9
        day += 1
    lines.append((t_end - 1.4, f"{dt.datetime.fromtimestamp(int(t_end - 1.4), dt.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')},{int((t_end - 1.4) % 1 * 1000):03d} INFO pipelines.churn_features.backfill: "
                               f"computing rolling 90d aggregates over {rows:,} rows"))
    text = "".join(f"{stamp(t)} {s}\n" for t, s in lines)
    return {f"logs/datasci/{JOBPOD}/backfill.log": text, f"logs/datasci/{JOBPOD}/backfill.previous.log": text}


# ---------------------------------------------------------------- metrics
def samples():
    return range(T0, T1 + 1, STEP)


def lbl(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


def fmt(v):
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1 else f"{v:.4f}".rstrip("0").rstrip(".")
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


TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]


def vllm_om():
    om = OM()
    model = "qwen3-32b"

    def base(r):
        name, ip = VLLM[r][0], VLLM[r][1]
        return dict(engine="0", model_name=model, instance=f"{ip}:8000", job="vllm-qwen3-32b", namespace="helpdesk-ai", pod=name)

    om.family("vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig")
    for r in range(2):
        b = base(r)
        del b["model_name"]
        om.series("vllm:cache_config_info", dict(b, block_size="16", cache_dtype="auto", calculate_kv_scales="False", cpu_offload_gb="0",
                                                 enable_prefix_caching="True", gpu_memory_utilization="0.9", is_attention_free="False",
                                                 num_cpu_blocks="None", num_gpu_blocks="10964", num_gpu_blocks_override="None", prefix_caching_hash_algo="builtin",
                                                 sliding_window="None", swap_space="4", swap_space_bytes="4294967296"), [(t, 1) for t in samples()])
    for fam, idx, help_ in (("vllm:num_requests_running", 0, "Number of requests in model execution batches."),
                            ("vllm:num_requests_waiting", 1, "Number of requests waiting to be processed."),
                            ("vllm:gpu_cache_usage_perc", 2, "GPU KV-cache usage. 1 means 100 percent usage.")):
        om.family(fam, "gauge", help_)
        for r in range(2):
            om.series(fam, base(r), [(t, round(SERIES[r][t][idx], 4) if idx == 2 else SERIES[r][t][idx]) for t in samples()])
    om.family("vllm:num_preemptions", "counter", "Cumulative number of preemption from the engine.")
    for r in range(2):
        b0 = (3, 11)[r]
        om.series("vllm:num_preemptions_total", base(r), [(t, b0 + SERIES[r][t][3]) for t in samples()])
    om.family("vllm:prompt_tokens", "counter", "Number of prefill tokens processed.")
    for r in range(2):
        b0 = (2211830417, 2198410552)[r]
        mine = [q for q in REQS if q.replica == r and q.ttft is not None]
        om.series("vllm:prompt_tokens_total", base(r), [(t, b0 + sum(q.prompt for q in mine if q.arrive + q.ttft <= t)) for t in samples()])
    om.family("vllm:generation_tokens", "counter", "Number of generation tokens processed.")
    for r in range(2):
        b0 = (301228870, 298871442)[r]
        mine = [q for q in REQS if q.replica == r and q.end is not None and q.reason != "abort"]
        om.series("vllm:generation_tokens_total", base(r), [(t, b0 + sum(q.out for q in mine if q.end <= t)) for t in samples()])
    om.family("vllm:request_success", "counter", "Count of successfully processed requests.")
    for r in range(2):
        for reason, b0 in (("stop", 712004 + r * 911), ("length", 20113 + r * 37), ("abort", 412 + r * 9)):
            mine = [q for q in REQS if q.replica == r and q.end is not None and q.reason == reason]
            om.series("vllm:request_success_total", dict(base(r), finished_reason=reason), [(t, b0 + sum(1 for q in mine if q.end <= t)) for t in samples()])
    om.family("vllm:time_to_first_token_seconds", "histogram", "Histogram of time to first token in seconds.")
    for r in range(2):
        mine = [(q.arrive + q.ttft, q.ttft) for q in REQS if q.replica == r and q.ttft is not None]
        b0 = 730120 + r * 977
        base_cdf = [0, 0, 0, 0, 0.002, 0.01, 0.03, 0.07, 0.41, 0.78, 0.93, 0.975, 0.996, 0.999, 1, 1, 1, 1, 1, 1, 1, 1]
        for i, le in enumerate(TTFT_BUCKETS + ["+Inf"]):
            frac = base_cdf[i] if i < len(base_cdf) else 1
            pts = [(t, int(b0 * frac) + sum(1 for (at, v) in mine if at <= t and (le == "+Inf" or v <= le))) for t in samples()]
            om.series("vllm:time_to_first_token_seconds_bucket", dict(base(r), le=str(le)), pts)
        om.series("vllm:time_to_first_token_seconds_sum", base(r), [(t, round(b0 * 0.31 + sum(v for (at, v) in mine if at <= t), 3)) for t in samples()])
        om.series("vllm:time_to_first_token_seconds_count", base(r), [(t, b0 + sum(1 for (at, v) in mine if at <= t)) for t in samples()])
    return om.text()


def dcgm_om():
    om = OM()
    rng = random.Random(3)
    for fam, help_ in (("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."), ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).")):
        om.family(fam, "gauge", help_)
        for r, (pod, ip, node, gpu_uuid, bus, dpod, dip) in enumerate(VLLM):
            labels = dict(DCGM_FI_DRIVER_VERSION="570.158.01", Hostname=node, UUID=gpu_uuid, container="vllm", device="nvidia0", gpu="0",
                          instance=f"{dip}:9400", job="nvidia-dcgm-exporter", modelName="NVIDIA H100 NVL", namespace="helpdesk-ai", pci_bus_id=bus, pod=pod)
            pts = []
            for t in samples():
                run = SERIES[r][t][0]
                if fam == "DCGM_FI_DEV_GPU_UTIL":
                    v = min(100, int(18 + run * 9 + rng.uniform(-6, 6))) if t < NEWCLIENT else rng.randint(96, 100)
                else:
                    v = 86214 + r * 8
                pts.append((t, v))
            om.series(fam, labels, pts)
    return om.text()


def ksm_om():
    om = OM()
    inst = dict(instance="10.244.0.31:8080", job="kube-state-metrics")
    starts = [epoch(f"2026-08-06T{s}Z") for s, _ in JOB_RUNS]
    ends = [epoch(f"2026-08-06T{e}Z") for _, e in JOB_RUNS]
    created = epoch("2026-08-06T10:36:01Z")
    om.family("kube_pod_container_status_restarts", "counter", "The number of container restarts per container.")
    om.series("kube_pod_container_status_restarts_total", dict(inst, container="backfill", namespace="datasci", pod=JOBPOD, uid=""),
              [(t, sum(1 for s in starts[1:] if s <= t)) for t in samples() if t >= created])
    for ns, pod, c in [("helpdesk-ai", VLLM[0][0], "vllm"), ("helpdesk-ai", VLLM[1][0], "vllm")] + [("helpdesk-ai", a[0], "assistant-api") for a in ASSIST]:
        om.series("kube_pod_container_status_restarts_total", dict(inst, container=c, namespace=ns, pod=pod, uid=""), [(t, 0) for t in samples()])
    om.family("kube_pod_container_status_last_terminated_reason", "gauge", "Describes the last reason the container was in terminated state.")
    om.series("kube_pod_container_status_last_terminated_reason", dict(inst, container="backfill", namespace="datasci", pod=JOBPOD, reason="OOMKilled", uid=""),
              [(t, 1) for t in samples() if t >= ends[0]])
    om.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
    pts = []
    for t in samples():
        if t < created:
            continue
        waiting = any(ends[i] <= t < starts[i + 1] for i in range(len(starts) - 1)) or t >= ends[-1]
        pts.append((t, 1 if waiting else 0))
    om.series("kube_pod_container_status_waiting_reason", dict(inst, container="backfill", namespace="datasci", pod=JOBPOD, reason="CrashLoopBackOff", uid=""), pts)
    om.family("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes")
    pts = []
    for t in samples():
        if t < created:
            continue
        v = 0
        for s, e in zip(starts, ends):
            if s <= t < e:
                v = int(180e6 + (6442450944 - 180e6) * ((t - s) / (e - s)) ** 1.6)
        pts.append((t, v))
    om.series("container_memory_working_set_bytes", dict(container="backfill", id="/kubepods.slice/kubepods-burstable.slice", image="helpdeskprod.azurecr.io/datasci/feature-pipelines:1.18.4",
                                                         instance="10.224.0.35:10250", job="kubelet", metrics_path="/metrics/cadvisor", name="", namespace="datasci", node="aks-cpu-41827364-vmss000002", pod=JOBPOD), pts)
    return om.text()


def main():
    files = {"metrics/vllm.om": vllm_om(), "metrics/dcgm.om": dcgm_om(), "metrics/kube-state-metrics.om": ksm_om()}
    files.update(vllm_logs())
    files.update(assistant_logs())
    files.update(summarizer_logs())
    files.update(backfill_log())
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
