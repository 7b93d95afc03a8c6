#!/usr/bin/env python3
"""Regenerate metrics/*.om (and the Envoy access log) for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  The incident timeline below must stay consistent
with cluster/*.yaml and the vLLM logs: the Deployment was rolled (strategy
Recreate) at 14:08:12Z from revision 6 (--max-model-len=8192) to revision 7
(--max-model-len=32768); both new pods crash with CUDA OOM during vLLM's
memory-profiling pass and sit in CrashLoopBackOff; Envoy answers 503 UH.

Samples every STEP seconds from 2026-11-20T13:30:00Z (1795181400) to
2026-11-20T14:30:00Z (1795185000) inclusive.  OpenMetrics rules followed:
one "# TYPE" per family, families not interleaved, samples of a series in
increasing time order, counter samples end in _total while the family name
does not, "# EOF" last.  Envoy counters are exposed without _total
(envoy_cluster_upstream_rq_xx ...), so those families are typed "unknown".
"""
import datetime as dt
import json
import os
import random
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15
T0 = 1795181400  # 2026-11-20T13:30:00Z
T1 = 1795185000  # 2026-11-20T14:30:00Z (scenario "now")


def epoch(s):
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def iso(t, frac=0):
    """RFC 3339 UTC; frac = number of fractional digits."""
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    if frac == 0:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    return d.strftime("%Y-%m-%dT%H:%M:%S.%f")[: 20 + frac] + "Z"


def uid(kind, ns, name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ktriage-demo/{kind}/{ns}/{name}"))


assert epoch("2026-11-20T13:30:00Z") == T0 and epoch("2026-11-20T14:30:00Z") == T1

NS = "llm-serving"
ROLL = epoch("2026-11-20T14:08:12Z")         # Deployment updated, old RS scaled to 0
OLD_GONE = epoch("2026-11-20T14:08:15Z")     # old pods terminated
NEW_CREATED = epoch("2026-11-20T14:08:16Z")  # new RS scaled to 2, pods created
RS_OLD = "vllm-llama-6b8f9c7d54"
RS_NEW = "vllm-llama-5d7b9c4f68"
OLD_PODS = {  # revision 6, healthy until the rollout
    f"{RS_OLD}-h4rjn": dict(node="gpu-node-1", ip="10.244.1.23"),
    f"{RS_OLD}-m2vxs": dict(node="gpu-node-2", ip="10.244.2.11"),
}
# revision 7 pods; phase offsets (s) inside one container run:
# cuda = CUDA context created, load0/load1 = weight loading, oom = OOM raised, dur = exit
NEW_PODS = {
    f"{RS_NEW}-x7k2p": dict(node="gpu-node-1", ip="10.244.1.37", first="2026-11-20T14:08:18Z",
                           cuda=16, load0=17, load1=28, oom=35, dur=37),
    f"{RS_NEW}-q9wzt": dict(node="gpu-node-2", ip="10.244.2.18", first="2026-11-20T14:08:19Z",
                           cuda=22, load0=24, load1=46, oom=54, dur=56),
}
GPUS = {
    "gpu-node-1": dict(uuid="GPU-3f6c2a9e-8b1d-4c7e-a2f5-9d0b6e4c1a87", dcgm="10.244.1.5:9400"),
    "gpu-node-2": dict(uuid="GPU-b81e47d2-05c9-4f3a-9e6d-27a4c8f1e350", dcgm="10.244.2.5:9400"),
}


def crash_runs(first, dur, now=T1):
    """Container runs [(start, exit)] under kubelet back-off 10s doubling to 300s (+1s sync lag)."""
    runs, t, n = [], epoch(first), 0
    while t + dur <= now:
        runs.append((t, t + dur))
        nxt = t + dur + min(10 * 2 ** n, 300) + 1
        n += 1
        if nxt > now:
            break
        t = nxt
    return runs, nxt


for _p, _c in NEW_PODS.items():
    _c["runs"], _c["next_start"] = crash_runs(_c["first"], _c["dur"])
    _c["restarts"] = len(_c["runs"]) - 1

# ---------------------------------------------------------------- requests
ENVOY_POD = "envoy-gateway-system-llm-gateway-740c0907-7c9d5b8f6d-k2x9q"
ENVOY_IP = "10.244.0.31"
CLUSTER = "httproute/llm-serving/llama-route/rule/0"
ROUTE = "httproute/llm-serving/llama-route/rule/0/match/0/*"
FRONTENDS = ["10.244.0.41", "10.244.0.42", "10.244.0.43"]
LOG_START = epoch("2026-11-20T13:58:00Z")  # envoy container log was rotated here


def requests():
    rng = random.Random(20261120)
    out, t = [], float(T0)
    while True:
        rate = 3 / 60 if t < ROLL else 4 / 60
        t += rng.expovariate(rate)
        if t >= T1:
            break
        out.append(dict(start=t))
    out.append(dict(start=ROLL - 2.7, forced=True))  # in flight when the old pods were killed
    out.sort(key=lambda r: r["start"])
    old = list(OLD_PODS.values())
    for r in out:
        r["models"] = (not r.get("forced")) and rng.random() < 0.08
        if rng.random() < 0.8:
            r["src"] = rng.choice(FRONTENDS)
            r["xff"] = r["src"]
            r["ua"] = "OpenAI/JS 4.67.3"
            r["auth"] = "envoy-gateway-system-llm-gateway-740c0907.gateway-system.svc.cluster.local"
            r["stream"] = True
        else:
            r["src"] = "198.51.100.77"
            r["xff"] = "198.51.100.77"
            r["ua"] = "OpenAI/Python 1.54.4"
            r["auth"] = "llm.internal.example.com"
            r["stream"] = False
        r["sport"] = rng.randint(32768, 60999)
        r["rid"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        r["prompt"] = rng.randint(280, 2600)
        r["gen"] = rng.randint(40, 620)
        up = rng.choice(old)
        r["upstream"] = up["ip"] + ":8000"
        r["uport"] = rng.randint(33000, 60999)
        if r["models"]:
            r.update(method="GET", path="/v1/models", rx=0, dur_ms=rng.randint(2, 6))
        else:
            r.update(method="POST", path="/v1/chat/completions", rx=420 + r["prompt"] * 4)
            r["dur_ms"] = int(r["prompt"] / 3 + r["gen"] * 31 + rng.randint(60, 240))
        if r.get("forced"):
            r["dur_ms"] = 12000
        if r["start"] < ROLL and r["start"] + r["dur_ms"] / 1000 <= ROLL:
            r["code"], r["flags"], r["details"] = 200, "-", "via_upstream"
            r["tx"] = (512 if r["models"] else (r["gen"] * 187 + 140 if r["stream"] else 640 + r["gen"] * 4))
            r["ust"] = str(r["dur_ms"] - 1) if not r["stream"] else str(int(r["prompt"] / 3) + 40)
        elif r["start"] < ROLL:  # cut by the old pod's shutdown
            r["code"], r["flags"] = 503, "UC"
            r["details"] = "upstream_reset_before_response_started{connection_termination}"
            r["tx"], r["ust"] = 95, "-"
            r["dur_ms"] = int((ROLL + 1.2 - r["start"]) * 1000)
        else:
            r["code"], r["flags"], r["details"] = 503, "UH", "no_healthy_upstream"
            r["tx"], r["ust"], r["dur_ms"] = 19, "-", 0
            r["upstream"] = None
        r["end"] = r["start"] + r["dur_ms"] / 1000
    return out


REQS = requests()


def envoy_log():
    lines = []
    for r in REQS:
        if r["end"] < LOG_START:
            continue
        ms = int(r["start"] * 1000) % 1000
        st = iso(int(r["start"])) [:-1] + f".{ms:03d}Z"
        rec = {
            "start_time": st, "method": r["method"], "x-envoy-origin-path": r["path"],
            "protocol": "HTTP/1.1", "response_code": str(r["code"]), "response_flags": r["flags"],
            "response_code_details": r["details"], "connection_termination_details": "-",
            "upstream_transport_failure_reason": "-", "bytes_received": str(r["rx"]),
            "bytes_sent": str(r["tx"]), "duration": str(r["dur_ms"]),
            "x-envoy-upstream-service-time": r["ust"], "x-forwarded-for": r["xff"],
            "user-agent": r["ua"], "x-request-id": r["rid"], ":authority": r["auth"],
            "upstream_host": r["upstream"] or "-",
            "upstream_cluster": CLUSTER,
            "upstream_local_address": f"{ENVOY_IP}:{r['uport']}" if r["upstream"] else "-",
            "downstream_local_address": f"{ENVOY_IP}:10080",
            "downstream_remote_address": f"{r['src']}:{r['sport']}",
            "requested_server_name": "-", "route_name": ROUTE,
        }
        logged = r["end"] + 0.000412 + (r["sport"] % 97) / 1e6
        lines.append((logged, json.dumps(rec, separators=(",", ":"))))
    lines.sort()
    out = []
    for t, s in lines:
        frac = f"{t - int(t):.9f}"[2:]
        out.append(f"{iso(int(t))[:-1]}.{frac}Z {s}")
    return "\n".join(out) + "\n"


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
            if isinstance(v, float):
                v = f"{v:.6g}" if abs(v) < 1 else f"{v:.3f}".rstrip("0").rstrip(".")
            self.out.append(f"{sample_name}{lbl(labels)} {v} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def gateway_om():
    om = OM()
    base = dict(envoy_cluster_name=CLUSTER, instance=f"{ENVOY_IP}:19001", job="envoy-proxy",
                namespace="gateway-system", pod=ENVOY_POD)
    def cnt(pred, when, b):
        return [(t, b + sum(1 for r in REQS if pred(r) and r[when] <= t)) for t in samples()]
    om.family("envoy_cluster_membership_healthy", "gauge")
    om.series("envoy_cluster_membership_healthy", base,
              [(t, 2 if t < ROLL else 0) for t in samples()])
    om.family("envoy_cluster_upstream_cx_none_healthy", "unknown")
    om.series("envoy_cluster_upstream_cx_none_healthy", base, cnt(lambda r: r["flags"] == "UH", "end", 9))
    om.family("envoy_cluster_upstream_rq", "counter")
    om.series("envoy_cluster_upstream_rq_total", base, cnt(lambda r: r["flags"] != "UH", "start", 18533))
    om.family("envoy_cluster_upstream_rq_xx", "unknown")
    om.series("envoy_cluster_upstream_rq_xx", dict(base, envoy_response_code_class="2"),
              cnt(lambda r: r["code"] == 200, "end", 18442))
    om.series("envoy_cluster_upstream_rq_xx", dict(base, envoy_response_code_class="5"),
              cnt(lambda r: r["code"] == 503, "end", 57))
    return om.text()


def active(pod_ip, t):
    return [r for r in REQS if r["upstream"] == pod_ip + ":8000" and r["start"] <= t < r["end"]]


def vllm_om():
    om = OM()
    old_ts = [t for t in samples() if t < ROLL]
    def base(pod, c):
        return dict(instance=c["ip"] + ":8000", job="vllm-llama", model_name="llama-3.1-8b-instruct",
                    namespace=NS, pod=pod)
    om.family("up", "gauge")
    for pod, c in OLD_PODS.items():
        b = base(pod, c); b.pop("model_name")
        om.series("up", b, [(t, 1) for t in old_ts])
    for pod, c in NEW_PODS.items():
        b = base(pod, c); b.pop("model_name")
        om.series("up", b, [(t, 0) for t in samples() if t > NEW_CREATED + 5])
    om.family("vllm:num_requests_running", "gauge", "Number of requests currently running on GPU.")
    for pod, c in OLD_PODS.items():
        om.series("vllm:num_requests_running", base(pod, c),
                  [(t, float(len(active(c["ip"], t)))) for t in old_ts])
    om.family("vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.")
    for pod, c in OLD_PODS.items():
        om.series("vllm:num_requests_waiting", base(pod, c), [(t, 0.0) for t in old_ts])
    om.family("vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.")
    cap = 1664 * 16  # KV blocks x block size at --max-model-len=8192 / 0.90 utilisation
    for pod, c in OLD_PODS.items():
        pts = []
        for t in old_ts:
            toks = 0
            for r in active(c["ip"], t):
                frac = min(1.0, (t - r["start"]) / max(0.001, r["end"] - r["start"]))
                toks += r["prompt"] + int(r["gen"] * frac)
            blocks = -(-toks // 16)
            pts.append((t, round(blocks * 16 / cap, 6)))
        om.series("vllm:gpu_cache_usage_perc", base(pod, c), pts)
    om.family("vllm:generation_tokens", "counter", "Number of generation tokens processed.")
    for (pod, c), b0 in zip(OLD_PODS.items(), (6912334, 6874120)):
        om.series("vllm:generation_tokens_total", base(pod, c),
                  [(t, b0 + sum(r["gen"] for r in REQS if r["upstream"] == c["ip"] + ":8000"
                                and not r["models"] and r["code"] == 200 and r["end"] <= t)) for t in old_ts])
    return om.text()


def crash_phase(c, t):
    """(fb_mib, util, power) of a GPU whose revision-7 pod crash-loops."""
    for s, e in c["runs"] + [(c["next_start"], c["next_start"] + c["dur"])]:
        if s <= t < e:
            x = t - s
            if x < c["cuda"]:
                return 0, 0, 16.9
            if x < c["load0"]:
                return 424, 0, 24.8
            if x < c["load1"]:
                f = (x - c["load0"]) / (c["load1"] - c["load0"])
                return int(424 + f * (15773 - 424)), 3, 27.4
            if x < c["oom"]:
                return 20994, 100, 68.6
            return 20994, 0, 31.2
    return 0, 0, 16.4


def gpu_om():
    om = OM()
    rng = random.Random(4)
    fams = [("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB)."),
            ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."),
            ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).")]
    data = {f: [] for f, _ in fams}  # family -> [(labels, pts)]
    for node, g in GPUS.items():
        old = next(p for p, c in OLD_PODS.items() if c["node"] == node)
        oc = OLD_PODS[old]
        new = next(p for p, c in NEW_PODS.items() if c["node"] == node)
        nc = NEW_PODS[new]
        base = dict(Hostname=node, UUID=g["uuid"], device="nvidia0", gpu="0", instance=g["dcgm"],
                    job="dcgm-exporter", modelName="NVIDIA L4")
        segs = {"old": [], "none": [], "new": []}
        for t in samples():
            if t < ROLL:
                busy = len(active(oc["ip"], t)) > 0
                util = rng.randint(62, 97) if busy else rng.randint(0, 2)
                segs["old"].append((t, 21415 + (0 if node == "gpu-node-1" else 2), util,
                                    round(17.2 + util * 0.53 + rng.random(), 3)))
            elif t < NEW_CREATED:
                segs["none"].append((t, 0, 0, 16.4))
            else:
                fb, util, pw = crash_phase(nc, t)
                segs["new"].append((t, fb, util, round(pw + rng.random() * 0.6, 3)))
        for key, pod in (("old", old), ("none", None), ("new", new)):
            lb = dict(base)
            if pod:
                lb.update(container="vllm", namespace=NS, pod=pod)
            for i, (f, _) in enumerate(fams):
                data[f].append((lb, [(p[0], p[1 + i]) for p in segs[key]]))
    for f, h in fams:
        om.family(f, "gauge", h)
        for lb, pts in data[f]:
            om.series(f, lb, [(t, float(v) if f.endswith("POWER_USAGE") else v) for t, v in pts])
    return om.text()


def ksm_om():
    om = OM()
    base = dict(instance="10.244.0.12:8080", job="kube-state-metrics", namespace=NS)
    dep = dict(base, deployment="vllm-llama")
    om.family("kube_deployment_status_replicas_available", "gauge",
              "The number of available replicas per deployment.")
    om.series("kube_deployment_status_replicas_available", dep,
              [(t, 2 if t < ROLL else 0) for t in samples()])
    om.family("kube_pod_container_status_restarts", "counter",
              "The number of container restarts per container.")
    for pod, c in NEW_PODS.items():
        om.series("kube_pod_container_status_restarts_total",
                  dict(base, container="vllm", pod=pod, uid=uid("Pod", NS, pod)),
                  [(t, max(0, sum(1 for s, _ in c["runs"] if s <= t) - 1))
                   for t in samples() if t > NEW_CREATED])
    om.family("kube_pod_container_status_waiting_reason", "gauge",
              "Describes the reason the container is currently in waiting state.")
    for pod, c in NEW_PODS.items():
        pts = []
        for t in samples():
            if t <= NEW_CREATED:
                continue
            in_run = any(s <= t < e for s, e in c["runs"])
            started = t >= c["runs"][0][0]
            if started and not in_run:
                pts.append((t, 1))
        om.series("kube_pod_container_status_waiting_reason",
                  dict(base, container="vllm", pod=pod, reason="CrashLoopBackOff", uid=uid("Pod", NS, pod)), pts)
    return om.text()


def main():
    files = {
        "metrics/gateway.om": gateway_om(),
        "metrics/vllm.om": vllm_om(),
        "metrics/gpu.om": gpu_om(),
        "metrics/kube-state-metrics.om": ksm_om(),
        f"logs/gateway-system/{ENVOY_POD}/envoy.log": envoy_log(),
    }
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes")


if __name__ == "__main__":
    main()
