#!/usr/bin/env python3
"""Regenerate metrics/*.om and the request-derived logs of this scenario (stdlib only, seeded).

Usage:  python3 gen_metrics.py            (writes next to this file)

Timeline (must agree with cluster/*.yaml):
  12:38Z      web/storefront HPA reaches maxReplicas 8 (lunch traffic, 81 % CPU) - unrelated to the question.
  12:49Z      ml-serving/feature-api rolls to 1.12.3; its image is pulled from registry.helixlabs.internal with the
              gitlab-deploy-feature-api pull secret in ~3 s (registry and GitLab token endpoint are healthy).
  12:58:04Z   Argo CD bumps ml-serving/embedder to 2.4.1 (maxSurge 1, maxUnavailable 0). The new pod's pulls use the
              gitlab-deploy-embedder secret, whose GitLab deploy token expired today: GitLab's /jwt/auth answers
              401 Unauthorized, containerd reports "failed to fetch oauth token ... 401 Unauthorized", and the pod
              alternates ErrImagePull / ImagePullBackOff (12 pulls under back-off). The three 2.4.0 pods keep serving,
              so traffic is fine but the rollout is stuck (ProgressDeadlineExceeded at 13:08:05Z).
Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


T1 = int(epoch("2026-11-05T13:37:00Z"))
T0 = T1 - 3600
ROLL = epoch("2026-11-05T12:58:04Z")
NEWPOD = "embedder-bfs7l54lxd-2wwvv"
OLD = [("embedder-7pnndb6mrz-mpc5b", "10.80.3.17"), ("embedder-7pnndb6mrz-j4pl2", "10.80.4.22"), ("embedder-7pnndb6mrz-vtvnp", "10.80.1.45")]
PULLS = [epoch(s) for s in ["2026-11-05T12:58:05Z", "2026-11-05T12:58:16Z", "2026-11-05T12:58:37Z", "2026-11-05T12:59:18Z", "2026-11-05T13:00:39Z",
                            "2026-11-05T13:03:20Z", "2026-11-05T13:08:21Z", "2026-11-05T13:13:22Z", "2026-11-05T13:18:24Z", "2026-11-05T13:23:25Z",
                            "2026-11-05T13:28:26Z", "2026-11-05T13:33:27Z"]]
CLIENTS = ["10.80.3.58", "10.80.4.71", "10.80.2.44", "10.80.0.91"]
HPA_STEPS = [(epoch("2026-11-05T12:31:40Z"), 4), (epoch("2026-11-05T12:33:15Z"), 5), (epoch("2026-11-05T12:34:50Z"), 6), (epoch("2026-11-05T12:36:25Z"), 7), (epoch("2026-11-05T12:38:00Z"), 8)]


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


def requests():
    rng = random.Random(1105)
    out = []
    t = T0 - 120.0
    while True:
        t += rng.expovariate(6.5)
        if t >= T1:
            break
        n = rng.choice((1, 1, 2, 4, 8, 16, 32))
        out.append(dict(t=t, pod=rng.choice(OLD), src=rng.choice(CLIENTS), n=n, ms=int(22 + n * rng.uniform(9, 14)), port=rng.randint(33000, 60999)))
    return out


REQS = requests()


def app_om():
    om = OM()
    om.family("http_requests", "counter", "Total number of requests by method, status and handler.")
    for i, (pod, ip) in enumerate(OLD):
        mine = [r for r in REQS if r["pod"][0] == pod]
        om.series("http_requests_total", dict(handler="/v1/embeddings", instance=f"{ip}:8080", job="embedder", method="POST", namespace="ml-serving", pod=pod, status="2xx"),
                  [(t, 1184220 + i * 3371 + sum(1 for r in mine if r["t"] <= t)) for t in samples()])
    return om.text()


def ksm_om():
    om = OM()
    inst = dict(instance="10.80.1.9:8080", job="kube-state-metrics")
    om.family("kube_pod_container_status_waiting_reason", "gauge", "Describes the reason the container is currently in waiting state.")
    pts_e, pts_b = [], []
    for t in samples():
        if t < ROLL + 1:
            continue
        last_pull = max([p for p in PULLS if p <= t], default=None)
        err = last_pull is not None and t - last_pull < 2
        pts_e.append((t, 1 if err else 0))
        pts_b.append((t, 0 if err or t < PULLS[0] + 2 else 1))
    om.series("kube_pod_container_status_waiting_reason", dict(inst, container="embedder", namespace="ml-serving", pod=NEWPOD, reason="ErrImagePull", uid=""), pts_e)
    om.series("kube_pod_container_status_waiting_reason", dict(inst, container="embedder", namespace="ml-serving", pod=NEWPOD, reason="ImagePullBackOff", uid=""), pts_b)
    om.family("kube_deployment_status_replicas_updated", "gauge", "The number of updated replicas per deployment.")
    om.series("kube_deployment_status_replicas_updated", dict(inst, deployment="embedder", namespace="ml-serving"), [(t, 3 if t < ROLL else 1) for t in samples()])
    om.family("kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.")
    om.series("kube_deployment_status_replicas_available", dict(inst, deployment="embedder", namespace="ml-serving"), [(t, 3) for t in samples()])
    om.series("kube_deployment_status_replicas_available", dict(inst, deployment="feature-api", namespace="ml-serving"), [(t, 2) for t in samples()])
    om.family("kube_deployment_status_replicas_unavailable", "gauge", "The number of unavailable replicas per deployment.")
    om.series("kube_deployment_status_replicas_unavailable", dict(inst, deployment="embedder", namespace="ml-serving"), [(t, 0 if t < ROLL else 1) for t in samples()])
    om.family("kube_horizontalpodautoscaler_spec_max_replicas", "gauge", "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.")
    om.series("kube_horizontalpodautoscaler_spec_max_replicas", dict(inst, horizontalpodautoscaler="storefront", namespace="web"), [(t, 8) for t in samples()])
    om.family("kube_horizontalpodautoscaler_status_current_replicas", "gauge", "Current number of replicas of pods managed by this autoscaler.")
    om.series("kube_horizontalpodautoscaler_status_current_replicas", dict(inst, horizontalpodautoscaler="storefront", namespace="web"),
              [(t, max([c for s, c in HPA_STEPS if s <= t], default=3)) for t in samples()])
    return om.text()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def emb_logs():
    files = {}
    for pod, ip in OLD:
        lines = []
        for r in REQS:
            if r["pod"][0] != pod or r["t"] < T1 - 12 * 60:
                continue
            lines.append((r["t"] + r["ms"] / 1000, f'INFO:     {r["src"]}:{r["port"]} - "POST /v1/embeddings HTTP/1.1" 200 OK'))
        files[f"logs/ml-serving/{pod}/embedder.log"] = "".join(f"{stamp(t)} {s}\n" for t, s in sorted(lines))
    return files


def main():
    files = {"metrics/embedder.om": app_om(), "metrics/kube-state-metrics.om": ksm_om()}
    files.update(emb_logs())
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
