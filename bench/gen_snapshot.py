#!/usr/bin/env python3
"""Generate a large synthetic ktriage snapshot folder for scale tests and benchmarks.

    python3 bench/gen_snapshot.py OUT_DIR [--pods 10000] [--events 50000] [--namespaces 20]
        [--nodes 50] [--seed 1] [--now 2026-11-20T14:30:00Z] [--log-pods 200] [--log-lines 200]
        [--unhealthy 0.05] [--indent N] [--force]

Writes the folder format of /work/shared/design/SCENARIOS.md:

    OUT_DIR/scenario.yaml
    OUT_DIR/cluster/namespaces.json      kind: List of Namespaces
    OUT_DIR/cluster/nodes.json           kind: List of Nodes (10% GPU nodes, nvidia.com/gpu: 8)
    OUT_DIR/cluster/ns-<namespace>.json  Deployments, ReplicaSets, Pods, Services, EndpointSlices
    OUT_DIR/cluster/events.json          core/v1 Events, legacy and events.k8s.io-style
    OUT_DIR/logs/<ns>/<pod>/<container>[.previous].log

Objects are shaped as `kubectl get -o json` prints them (sorted keys, full metadata, status).
About --unhealthy of the pods fail (CrashLoopBackOff, OOMKilled, ImagePullBackOff, Pending),
whole deployments at a time, with matching events and logs. One planted deployment,
checkout/checkout-api, crash-loops after a release (a TypeError at startup while its database and
cache connect fine): that is what scenario.yaml asks about (category application-error).

Standard library only; output is a pure function of the arguments (the seed included).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
import uuid
from datetime import datetime, timezone

SAFE = "bcdfghjklmnpqrstvwxz2456789"  # k8s rand.SafeEncodeString alphabet

APP_NAMESPACES = [
    "checkout", "payments", "inference", "orders", "inventory", "search", "identity",
    "notifications", "catalog", "shipping", "analytics", "ml-platform", "media", "billing",
    "gateway", "reporting", "fraud", "pricing", "messaging", "recommendations", "loyalty",
    "support", "warehouse", "partners", "data-pipeline",
]
SYSTEM_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"]

PREFIXES = [
    "orders", "cart", "payment", "user", "catalog", "search", "auth", "profile", "inventory",
    "pricing", "shipping", "notification", "email", "sms", "report", "ledger", "invoice", "review",
    "rating", "session", "media", "thumbnail", "feed", "recommend", "fraud", "risk", "quote", "tax",
    "coupon", "loyalty", "geo", "address", "audit", "config", "feature-flag", "webhook", "export",
    "import", "ingest", "index",
]
SUFFIXES = [
    "api", "worker", "service", "gateway", "consumer", "scheduler", "sync", "cache", "processor",
    "frontend", "backend", "cron-runner", "indexer", "router", "adapter",
]
GPU_MODELS = [
    ("vllm-llama-3-1-8b", "vllm/vllm-openai:v0.6.4.post1", 1),
    ("vllm-qwen2-5-7b", "vllm/vllm-openai:v0.6.4.post1", 1),
    ("tgi-mistral-7b", "ghcr.io/huggingface/text-generation-inference:2.4.0", 1),
    ("triton-embeddings", "nvcr.io/nvidia/tritonserver:24.10-py3", 1),
    ("vllm-llama-3-1-70b", "vllm/vllm-openai:v0.6.4.post1", 4),
    ("whisper-large-v3", "registry.example.com/inference/whisper-server:v0.9.2", 1),
    ("reranker-bge-m3", "registry.example.com/inference/reranker:v1.3.0", 1),
    ("vllm-mixtral-8x7b", "vllm/vllm-openai:v0.6.4.post1", 2),
]
LANGS = ["go", "go", "python", "java", "node"]
ZONES = ["us-east-2a", "us-east-2b", "us-east-2c"]
CONTROL_PLANE_HOST = "ip-172-16-3-21.us-east-2.compute.internal"
KUBELET_VERSION = "v1.31.4-eks-aeac579"

CULPRIT_NS = "checkout"
CULPRIT = "checkout-api"

# events.k8s.io "action" for a reason, for events in the new shape
ACTIONS = {
    "Scheduled": "Binding", "FailedScheduling": "Scheduling", "Pulling": "Pulling",
    "Pulled": "Pulling", "Created": "Creating", "Started": "Starting", "BackOff": "Restarting",
    "Unhealthy": "Probing", "Failed": "Pulling", "Killing": "Killing",
    "SuccessfulCreate": "Create", "SuccessfulDelete": "Delete", "ScalingReplicaSet": "Scaling",
}

_gmtime = time.gmtime
_strftime = time.strftime


def ts(sec: float) -> str:
    return _strftime("%Y-%m-%dT%H:%M:%SZ", _gmtime(int(sec)))


def ts_micro(sec: float) -> str:
    s, us = divmod(int(sec * 1_000_000), 1_000_000)
    return f"{_strftime('%Y-%m-%dT%H:%M:%S', _gmtime(s))}.{us:06d}Z"


def ts_nano(ns: int) -> str:
    s, frac = divmod(ns, 1_000_000_000)
    return f"{_strftime('%Y-%m-%dT%H:%M:%S', _gmtime(s))}.{frac:09d}Z"


def parse_now(text: str) -> float:
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    dt = datetime.fromisoformat(t)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def cond(ctype: str, status: str, when: float, reason: str | None = None,
         message: str | None = None) -> dict:
    c = {"lastProbeTime": None, "lastTransitionTime": ts(when), "status": status, "type": ctype}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def probe(path: str, port: str, delay: int = 10, period: int = 10, failure: int = 3) -> dict:
    return {
        "failureThreshold": failure,
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": delay, "periodSeconds": period, "successThreshold": 1,
        "timeoutSeconds": 1,
    }


KUBE_API_SOURCES = [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
    {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace"}]}},
]
DEFAULT_TOLERATIONS = [
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
     "tolerationSeconds": 300},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
     "tolerationSeconds": 300},
]
GPU_TOLERATION = {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


class Node:
    __slots__ = ("name", "ip", "zone", "gpu", "index", "pod_base", "next_ip", "gpu_free")

    def __init__(self, name, ip, zone, gpu, index):
        self.name, self.ip, self.zone, self.gpu, self.index = name, ip, zone, gpu, index
        self.pod_base = (128 + index // 64, (index % 64) * 4)
        self.next_ip = 2
        self.gpu_free = 8 if gpu else 0

    def pod_ip(self) -> str:
        k = self.next_ip
        self.next_ip += 1
        if self.next_ip >= 1022:  # a /22 per node; wrap rather than fail at absurd densities
            self.next_ip = 2
        a, b = self.pod_base
        return f"10.{a}.{b + k // 256}.{k % 256}"


class Pod:
    __slots__ = ("ns", "name", "uid", "dep", "rs", "node", "ip", "state", "created", "restarts",
                 "last_finish", "last_start", "ref", "recent", "logs", "vol")


class RS:
    __slots__ = ("name", "hash", "uid", "created", "revision", "image", "pods", "rv", "old")


class Deploy:
    __slots__ = ("ns", "name", "uid", "created", "generation", "failure", "lang", "gpu",
                 "containers", "sidecar", "rss", "port", "rv", "svc_ip", "svc_uid", "pending_msg",
                 "bad_image", "oom_crash")


class Gen:
    def __init__(self, a: argparse.Namespace):
        self.a = a
        self.rng = random.Random(a.seed)
        self.now = parse_now(a.now)
        self.rv = 48_000_000 + self.rng.randrange(1_000_000)
        self.bytes = 0
        self.files = 0
        self.events: list[tuple] = []
        self.stats: dict[str, int] = {}

    # ---------------------------------------------------------------- small helpers
    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def rver(self) -> str:
        self.rv += self.rng.randrange(1, 50)
        return str(self.rv)

    def safe(self, n: int) -> str:
        return "".join(self.rng.choices(SAFE, k=n))

    def hex64(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def write_json(self, path: str, obj) -> None:
        if self.a.indent:
            text = json.dumps(obj, indent=self.a.indent, sort_keys=True)
        else:
            text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
        with open(path, "w", encoding="ascii") as f:
            f.write(text)
            f.write("\n")
        self.bytes += len(text) + 1  # ensure_ascii: characters == bytes
        self.files += 1

    def write_text(self, path: str, text: str) -> None:
        data = text.encode()
        with open(path, "wb") as f:
            f.write(data)
        self.bytes += len(data)
        self.files += 1

    @staticmethod
    def as_list(items: list) -> dict:
        return {"apiVersion": "v1", "items": items, "kind": "List",
                "metadata": {"resourceVersion": ""}}

    # ---------------------------------------------------------------- topology
    def build_nodes(self) -> None:
        rng, n = self.rng, self.a.nodes
        n_gpu = round(n * 0.10)
        if n >= 2 and n_gpu == 0:
            n_gpu = 1
        n_gpu = min(n_gpu, n - 1) if n > 1 else 0
        self.nodes: list[Node] = []
        for i in range(n):
            gpu = i >= n - n_gpu
            third = 64 + i // 250 if gpu else 16 + i // 250
            ip = f"10.0.{third}.{4 + i % 250}"
            name = f"ip-{ip.replace('.', '-')}.us-east-2.compute.internal"
            self.nodes.append(Node(name, ip, ZONES[i % len(ZONES)], gpu, i))
        self.cpu_nodes = [x for x in self.nodes if not x.gpu] or self.nodes
        self.gpu_nodes = [x for x in self.nodes if x.gpu]

    def render_nodes(self) -> list:
        rng, out = self.rng, []
        for nd in self.nodes:
            created = self.now - rng.uniform(3, 60) * 86400
            if nd.gpu:
                itype, cpu, mem_ki, alloc_cpu, alloc_mem = "p5.48xlarge", "192", 2097152000, "191450m", 2074318848
            else:
                itype, cpu, mem_ki, alloc_cpu, alloc_mem = "m6i.4xlarge", "16", 65023184, "15890m", 64006352
            labels = {
                "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/instance-type": itype,
                "beta.kubernetes.io/os": "linux", "eks.amazonaws.com/capacityType": "ON_DEMAND",
                "eks.amazonaws.com/nodegroup": "gpu-h100" if nd.gpu else "general",
                "failure-domain.beta.kubernetes.io/region": "us-east-2",
                "failure-domain.beta.kubernetes.io/zone": nd.zone, "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": nd.name, "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": itype,
                "topology.kubernetes.io/region": "us-east-2", "topology.kubernetes.io/zone": nd.zone,
            }
            capacity = {"cpu": cpu, "ephemeral-storage": "104845292Ki", "hugepages-1Gi": "0",
                        "hugepages-2Mi": "0", "memory": f"{mem_ki}Ki", "pods": "250"}
            alloc = {"cpu": alloc_cpu, "ephemeral-storage": "95551679124", "hugepages-1Gi": "0",
                     "hugepages-2Mi": "0", "memory": f"{alloc_mem}Ki", "pods": "250"}
            spec = {"providerID": f"aws:///{nd.zone}/i-0{rng.getrandbits(64):016x}"}
            a, b = nd.pod_base
            spec["podCIDR"] = f"10.{a}.{b}.0/22"
            spec["podCIDRs"] = [spec["podCIDR"]]
            if nd.gpu:
                labels.update({"nvidia.com/gpu.count": "8", "nvidia.com/gpu.present": "true",
                               "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
                               "nvidia.com/gpu.memory": "81559", "nvidia.com/cuda.driver.major": "550"})
                capacity["nvidia.com/gpu"] = "8"
                alloc["nvidia.com/gpu"] = "8"
                spec["taints"] = [{"effect": "NoSchedule", "key": "nvidia.com/gpu", "value": "present"}]
            hb = self.now - rng.uniform(5, 40)
            up = created + 60
            conds = [
                cond("MemoryPressure", "False", up, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", up, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", up, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", up + 20, "KubeletReady", "kubelet is posting ready status"),
            ]
            for c in conds:
                del c["lastProbeTime"]
                c["lastHeartbeatTime"] = ts(hb)
            out.append({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {
                    "annotations": {"alpha.kubernetes.io/provided-node-ip": nd.ip,
                                    "node.alpha.kubernetes.io/ttl": "0",
                                    "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
                    "creationTimestamp": ts(created), "labels": labels, "name": nd.name,
                    "resourceVersion": self.rver(), "uid": self.uid(),
                },
                "spec": spec,
                "status": {
                    "addresses": [{"address": nd.ip, "type": "InternalIP"},
                                  {"address": nd.name, "type": "InternalDNS"},
                                  {"address": nd.name, "type": "Hostname"}],
                    "allocatable": alloc, "capacity": capacity, "conditions": conds,
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                    "nodeInfo": {
                        "architecture": "amd64", "bootID": self.uid(),
                        "containerRuntimeVersion": "containerd://1.7.23",
                        "kernelVersion": "6.1.115-126.197.amzn2023.x86_64",
                        "kubeProxyVersion": KUBELET_VERSION, "kubeletVersion": KUBELET_VERSION,
                        "machineID": f"{rng.getrandbits(128):032x}", "operatingSystem": "linux",
                        "osImage": "Amazon Linux 2023.6.20241121", "systemUUID": self.uid().upper(),
                    },
                },
            })
        return out

    def render_namespaces(self) -> list:
        out = []
        for ns in SYSTEM_NAMESPACES + self.namespaces:
            created = self.now - (90 if ns in SYSTEM_NAMESPACES else self.rng.uniform(20, 80)) * 86400
            labels = {"kubernetes.io/metadata.name": ns}
            if ns not in SYSTEM_NAMESPACES:
                labels["team"] = ns
            out.append({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"creationTimestamp": ts(created), "labels": labels, "name": ns,
                             "resourceVersion": self.rver(), "uid": self.uid()},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
            })
        return out

    # ---------------------------------------------------------------- workload plan
    def container_template(self, d: Deploy, image: str) -> list:
        rng = self.rng
        if d.gpu:
            gpus = d.gpu
            main = {
                "args": ["--model", f"/models/{d.name}", "--port", "8000",
                         "--gpu-memory-utilization", "0.90", "--max-model-len", "8192",
                         "--tensor-parallel-size", str(gpus)],
                "env": [{"name": "HF_HOME", "value": "/models/.cache"}],
                "image": image, "imagePullPolicy": "IfNotPresent", "name": "server",
                "ports": [{"containerPort": 8000, "name": "http", "protocol": "TCP"}],
                "readinessProbe": probe("/health", "http", 0, 10),
                "livenessProbe": probe("/health", "http", 0, 15),
                "startupProbe": probe("/health", "http", 30, 10, 60),
                "resources": {"limits": {"memory": f"{64 * gpus}Gi", "nvidia.com/gpu": str(gpus)},
                              "requests": {"cpu": str(4 * gpus), "memory": f"{48 * gpus}Gi",
                                           "nvidia.com/gpu": str(gpus)}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
            return [main]
        if d.failure == "pending":
            req = rng.choice([{"cpu": "24", "memory": "8Gi"}, {"cpu": "2", "memory": "96Gi"}])
            lim = {"memory": req["memory"]}
        elif d.failure == "oom":
            req = {"cpu": "100m", "memory": "128Mi"}
            lim = {"memory": rng.choice(["192Mi", "256Mi"])}
        else:
            tier = rng.randrange(4)
            req = [{"cpu": "50m", "memory": "64Mi"}, {"cpu": "100m", "memory": "128Mi"},
                   {"cpu": "250m", "memory": "256Mi"}, {"cpu": "500m", "memory": "1Gi"}][tier]
            lim = [{"memory": "128Mi"}, {"cpu": "500m", "memory": "256Mi"},
                   {"cpu": "1", "memory": "512Mi"}, {"cpu": "500m", "memory": "1Gi"}][tier]
        ports = [{"containerPort": d.port, "name": "http", "protocol": "TCP"}]
        if rng.random() < 0.5:
            ports.append({"containerPort": 9090, "name": "metrics", "protocol": "TCP"})
        main = {
            "env": [
                {"name": "LOG_LEVEL", "value": "info"},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.observability:4317"},
            ],
            "image": image, "imagePullPolicy": "IfNotPresent", "name": d.name, "ports": ports,
            "livenessProbe": probe("/healthz", "http", 10, 10),
            "readinessProbe": probe("/readyz", "http", 5, 5),
            "resources": {"limits": lim, "requests": req},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        }
        out = [main]
        if d.sidecar == "envoy":
            out.append({
                "args": ["-c", "/etc/envoy/envoy.yaml", "--log-level", "info"],
                "image": "envoyproxy/envoy:v1.31.2", "imagePullPolicy": "IfNotPresent", "name": "envoy",
                "ports": [{"containerPort": 15001, "name": "proxy", "protocol": "TCP"},
                          {"containerPort": 15000, "name": "admin", "protocol": "TCP"}],
                "resources": {"limits": {"memory": "256Mi"}, "requests": {"cpu": "50m", "memory": "64Mi"}},
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            })
        elif d.sidecar == "fluent-bit":
            out.append({
                "image": "cr.fluentbit.io/fluent/fluent-bit:3.1.9", "imagePullPolicy": "IfNotPresent",
                "name": "fluent-bit",
                "resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "20m", "memory": "32Mi"}},
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            })
        return out

    def new_deploy(self, ns: str, name: str, failure: str | None, gpu: int = 0) -> Deploy:
        rng = self.rng
        d = Deploy()
        d.ns, d.name, d.uid, d.failure, d.gpu = ns, name, self.uid(), failure, gpu
        d.lang = "python" if gpu else rng.choice(LANGS)
        d.port = 8000 if gpu else rng.choice([8080, 8080, 8080, 3000, 5000, 9000])
        d.sidecar = None if gpu else rng.choices([None, "envoy", "fluent-bit"], [80, 12, 8])[0]
        d.rss, d.pending_msg, d.bad_image, d.oom_crash = [], None, None, False
        d.svc_uid, d.rv = self.uid(), None
        d.svc_ip = f"172.20.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}"
        return d

    def new_rs(self, d: Deploy, created: float, revision: int, image: str, old: bool) -> RS:
        r = RS()
        r.hash = self.safe(10)
        r.name = f"{d.name}-{r.hash}"
        r.uid, r.created, r.revision, r.image, r.pods, r.old = self.uid(), created, revision, image, [], old
        d.rss.append(r)
        return r

    def image_for(self, d: Deploy, rev: int) -> str:
        return f"registry.example.com/{d.ns}/{d.name}:v{1 + rev // 10}.{rev % 10}.{self.rng.randrange(8)}"

    def plan(self) -> None:
        a, rng, now = self.a, self.rng, self.now
        n_ns = a.namespaces
        self.namespaces = (APP_NAMESPACES + [f"team-{i:03d}" for i in range(n_ns)])[:n_ns]
        self.deploys: list[Deploy] = []
        self.pods: list[Pod] = []
        total = a.pods
        used_names = {ns: set() for ns in self.namespaces}

        # (1) inference deployments on the GPU nodes
        gpu_pods: list[tuple[Deploy, int]] = []
        if self.gpu_nodes and total > 0:
            gpu_ns = "inference" if "inference" in used_names else self.namespaces[-1]
            budget = int(len(self.gpu_nodes) * 8 * 0.75)
            room = max(1, total // 10)
            for i, (name, image, g) in enumerate(GPU_MODELS * 8):
                if budget < g or room <= 0:
                    break
                if i >= len(GPU_MODELS):
                    name = f"{name}-{i // len(GPU_MODELS)}"
                d = self.new_deploy(gpu_ns, name, None, gpu=g)
                d.created = now - rng.uniform(3, 30) * 86400
                reps = max(1, min(rng.randint(1, 4), budget // g, room))
                budget -= reps * g
                room -= reps
                rs = self.new_rs(d, now - rng.uniform(1, 10) * 86400, 3, image, False)
                d.containers = self.container_template(d, image)
                self.deploys.append(d)
                used_names[gpu_ns].add(name)
                gpu_pods.append((d, reps))
                for _ in range(reps):
                    self.add_pod(d, rs, None)
        # (2) the planted culprit: a rollout whose new pods crash-loop
        culprit = None
        if CULPRIT_NS in used_names and total - len(self.pods) >= 5:
            d = self.new_deploy(CULPRIT_NS, CULPRIT, "culprit")
            d.lang, d.sidecar, d.port = "python", None, 8080
            d.created = now - 140 * 86400
            for rev in (11, 12):
                self.new_rs(d, now - (60 - rev * 3) * 86400, rev, f"registry.example.com/checkout/checkout-api:v2.{rev}.{rev % 5}", True)
            old = self.new_rs(d, now - 12 * 86400, 13, "registry.example.com/checkout/checkout-api:v2.13.4", False)
            new = self.new_rs(d, now - 35 * 60, 14, "registry.example.com/checkout/checkout-api:v2.14.0", False)
            d.containers = self.container_template(d, new.image)
            self.deploys.append(d)
            used_names[CULPRIT_NS].add(CULPRIT)
            for _ in range(3):
                self.add_pod(d, old, "ok")
            for _ in range(2):
                self.add_pod(d, new, "culprit")
            culprit = d
        self.culprit = culprit

        # (3) ordinary deployments, round-robin over the namespaces
        ns_cycle = self.namespaces[:]
        rng.shuffle(ns_cycle)
        k = 0
        plain: list[Deploy] = []
        planned = len(self.pods)
        while planned < total:
            ns = ns_cycle[k % len(ns_cycle)]
            k += 1
            reps = min(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8, 12, 20]), total - planned)
            planned += reps
            names = used_names[ns]
            for _ in range(20):
                name = f"{rng.choice(PREFIXES)}-{rng.choice(SUFFIXES)}"
                if name not in names:
                    break
            else:
                base, j = name, 2
                while f"{base}-{j}" in names:
                    j += 1
                name = f"{base}-{j}"
            names.add(name)
            d = self.new_deploy(ns, name, None)
            d.created = now - rng.uniform(5, 200) * 86400
            d.containers = None
            plain.append(d)
            self.deploys.append(d)
            d.rv = reps  # stash replica count until the failure plan is known

        # (4) failures: whole deployments until --unhealthy of all pods is reached
        target = round(total * a.unhealthy)
        bad = 2 if culprit else 0
        order = plain[:]
        rng.shuffle(order)
        kinds = ["crash", "oom", "imagepull", "pending"]
        weights = [30, 25, 25, 20]
        # GPU capacity shortfall shows as pending inference pods when there is room for it
        if gpu_pods and target - bad >= 2 and planned - len(plain) >= 2:
            d, _ = gpu_pods[0]
            rs = d.rss[-1]
            for _ in range(2):
                p = self.add_pod(d, rs, "pending")
            d.pending_msg = (f"0/{len(self.nodes)} nodes are available: {len(self.nodes)} Insufficient nvidia.com/gpu. "
                             f"preemption: 0/{len(self.nodes)} nodes are available: {len(self.gpu_nodes)} No preemption "
                             f"victims found for incoming pod, {len(self.nodes) - len(self.gpu_nodes)} Preemption is not "
                             f"helpful for scheduling.")
            bad += 2
            # keep the total: drop two replicas from the last plain deployment that can spare them
            self.trim_plain(plain, 2)
        for d in order:
            reps = d.rv
            if bad >= target or reps == 0:
                d.failure = None
            else:
                d.failure = rng.choices(kinds, weights)[0]
                bad += reps  # every replica of a failing deployment fails
            self.materialize(d, reps)
        self.stats["unhealthy"] = sum(1 for p in self.pods if p.state not in ("ok", "recent-ok"))

    def trim_plain(self, plain: list[Deploy], n: int) -> None:
        for d in reversed(plain):
            while n and d.rv > 1:
                d.rv -= 1
                n -= 1
            if not n:
                return

    def materialize(self, d: Deploy, reps: int) -> None:
        rng, now = self.rng, self.now
        d.rv = None
        f = d.failure
        if f in ("imagepull", "pending"):
            d.created = now - rng.uniform(15, 55) * 60
            rs = self.new_rs(d, d.created + 1, 1, self.image_for(d, 1), False)
            if f == "imagepull":
                good = rs.image
                rs.image = good.rsplit(":", 1)[0] + ":" + rng.choice(
                    ["v2.0.0-rc1", "latest-fix", good.rsplit(":", 1)[1] + "-hotfix", "v3.1.0"])
                d.bad_image = rs.image
        else:
            rev = rng.randint(1, 30)
            for r in range(max(1, rev - 2), rev):
                if rng.random() < 0.6:
                    self.new_rs(d, now - rng.uniform(20, 40) * 86400 - (rev - r) * 86400, r,
                                self.image_for(d, r), True)
            rs = self.new_rs(d, now - rng.uniform(2 / 24, 19), rev, self.image_for(d, rev), False)
        d.containers = self.container_template(d, rs.image)
        if f == "pending":
            n = len(self.nodes)
            ng = len(self.gpu_nodes)
            res = "cpu" if d.containers[0]["resources"]["requests"]["cpu"] == "24" else "memory"
            parts = []
            if ng:
                parts.append(f"{ng} node(s) had untolerated taint {{nvidia.com/gpu: present}}")
            parts.append(f"{n - ng} Insufficient {res}")
            d.pending_msg = (f"0/{n} nodes are available: {', '.join(parts)}. preemption: 0/{n} nodes are "
                             f"available: {n - ng} No preemption victims found for incoming pod"
                             + (f", {ng} Preemption is not helpful for scheduling." if ng else "."))
        if f == "oom":
            d.oom_crash = rng.random() < 0.5
        state = {None: "ok", "crash": "crash", "oom": "oom-crash" if d.oom_crash else "oom-run",
                 "imagepull": "imagepull", "pending": "pending"}[f]
        for _ in range(reps):
            self.add_pod(d, rs, state)

    def add_pod(self, d: Deploy, rs: RS, state: str | None) -> Pod:
        rng, now = self.rng, self.now
        p = Pod()
        p.ns, p.dep, p.rs = d.ns, d, rs
        p.name = f"{rs.name}-{self.safe(5)}"
        p.uid = self.uid()
        p.state = state or "ok"
        p.recent = False
        p.logs = False
        p.vol = f"kube-api-access-{self.safe(5)}"
        p.restarts, p.last_finish, p.last_start = 0, None, None
        if p.state == "pending":
            p.node, p.ip = None, None
        else:
            if d.gpu:
                cands = [x for x in self.gpu_nodes if x.gpu_free >= d.gpu] or self.gpu_nodes
                p.node = cands[0] if cands else rng.choice(self.cpu_nodes)
                p.node.gpu_free -= d.gpu
            else:
                p.node = rng.choice(self.cpu_nodes)
            p.ip = p.node.pod_ip()
        if p.state in ("pending", "imagepull"):
            p.created = max(rs.created, now - 3500) + rng.uniform(1, 30)
        elif p.state == "culprit":
            p.created = rs.created + rng.uniform(1, 90)
        elif p.state in ("crash", "oom-crash"):
            p.created = now - rng.uniform(25 * 60, 3 * 3600)
        else:
            lo = rs.created + 5
            hi = max(lo + 1, now - 3600 - 60)
            p.created = rng.uniform(lo, hi)
        if p.state in ("crash", "oom-crash", "culprit"):
            elapsed = now - p.created
            # kubelet back-off: 10s, 20s, ... capped at 5m, plus run time
            p.restarts = max(2, 5 + int((elapsed - 600) // 320)) if elapsed > 600 else max(2, int(elapsed // 90))
            p.last_finish = now - rng.uniform(5, 290)
            p.last_start = p.last_finish - (rng.uniform(2, 12) if p.state != "oom-crash" else rng.uniform(20, 120))
        elif p.state == "oom-run":
            p.restarts = rng.randint(1, 6)
            p.last_finish = now - rng.uniform(3 * 60, 50 * 60)
            p.last_start = max(p.created + 30, p.last_finish - rng.uniform(600, 6 * 3600))
        elif p.state == "ok" and rng.random() < 0.02:
            p.restarts = rng.randint(1, 2)
            p.last_finish = now - rng.uniform(2, 20) * 3600
            p.last_start = max(p.created + 5, p.last_finish - rng.uniform(3600, 86400))
        p.ref = ("v1", "Pod", p.ns, p.name, p.uid, None)
        rs.pods.append(p)
        self.pods.append(p)
        return p

    # ---------------------------------------------------------------- events
    def ev(self, ref, fp, reason, msg, etype, comp, host, first, last, count, new=False):
        self.events.append((ref, fp, reason, msg, etype, comp, host, first, last, count, new))

    def main_c(self, p: Pod) -> str:
        return p.dep.containers[0]["name"]

    def lifecycle(self, p: Pod, start: float) -> None:
        """Scheduled, Pull*, Created, Started for every container, starting at `start`."""
        rng = self.rng
        host = p.node.name
        self.ev(p.ref, None, "Scheduled", f"Successfully assigned {p.ns}/{p.name} to {host}", "Normal",
                "default-scheduler", f"default-scheduler-{CONTROL_PLANE_HOST}", start, start, 1, True)
        t = start + rng.uniform(0.5, 2)
        for c in p.dep.containers:
            fp = f"spec.containers{{{c['name']}}}"
            img = c["image"]
            if rng.random() < 0.55:
                self.ev(p.ref, fp, "Pulled", f'Container image "{img}" already present on machine',
                        "Normal", "kubelet", host, t, t, 1)
            else:
                self.ev(p.ref, fp, "Pulling", f'Pulling image "{img}"', "Normal", "kubelet", host, t, t, 1)
                dur = rng.uniform(0.8, 25)
                t += dur
                self.ev(p.ref, fp, "Pulled",
                        f'Successfully pulled image "{img}" in {dur:.3f}s ({dur:.3f}s including waiting). '
                        f"Image size: {rng.randrange(20_000_000, 900_000_000)} bytes.",
                        "Normal", "kubelet", host, t, t, 1)
            t += rng.uniform(0.05, 0.6)
            self.ev(p.ref, fp, "Created", f"Created container {c['name']}", "Normal", "kubelet", host, t, t, 1)
            t += rng.uniform(0.05, 0.4)
            self.ev(p.ref, fp, "Started", f"Started container {c['name']}", "Normal", "kubelet", host, t, t, 1)

    def failure_events(self, p: Pod) -> None:
        rng, now = self.rng, self.now
        s = p.state
        if s == "pending":
            first = p.created + 0.2
            n = max(1, int((now - first) // 300) + rng.randint(0, 3))
            self.ev(p.ref, None, "FailedScheduling", p.dep.pending_msg, "Warning", "default-scheduler",
                    f"default-scheduler-{CONTROL_PLANE_HOST}", first, now - rng.uniform(5, 280), n, True)
            return
        host = p.node.name
        c = self.main_c(p)
        fp = f"spec.containers{{{c}}}"
        if p.created > now - 3600:
            self.ev(p.ref, None, "Scheduled", f"Successfully assigned {p.ns}/{p.name} to {host}", "Normal",
                    "default-scheduler", f"default-scheduler-{CONTROL_PLANE_HOST}", p.created, p.created, 1, True)
        if s == "imagepull":
            img = p.dep.bad_image
            first = p.created + 1.5
            n = max(2, int((now - first) // 300) + 2)
            last = now - rng.uniform(10, 280)
            self.ev(p.ref, fp, "Pulling", f'Pulling image "{img}"', "Normal", "kubelet", host, first, last, n)
            err = rng.choice([
                f'rpc error: code = NotFound desc = failed to pull and unpack image "{img}": failed to resolve '
                f'reference "{img}": {img}: not found',
                f'rpc error: code = Unknown desc = failed to pull and unpack image "{img}": failed to resolve '
                f'reference "{img}": pull access denied, repository does not exist or may require authorization: '
                f'authorization failed: no basic auth credentials',
            ])
            self.ev(p.ref, fp, "Failed", f'Failed to pull image "{img}": {err}', "Warning", "kubelet", host,
                    first + 0.8, last + 0.8, n)
            self.ev(p.ref, fp, "Failed", "Error: ErrImagePull", "Warning", "kubelet", host, first + 0.8, last + 0.8, n)
            bo = n * 6 + rng.randint(0, 9)
            self.ev(p.ref, fp, "BackOff", f'Back-off pulling image "{img}"', "Normal", "kubelet", host,
                    first + 2, now - rng.uniform(1, 9), bo)
            self.ev(p.ref, fp, "Failed", "Error: ImagePullBackOff", "Warning", "kubelet", host, first + 2,
                    now - rng.uniform(1, 9), bo)
            return
        img = p.rs.image
        n = p.restarts + 1
        first = max(p.created + 2, now - 23 * 3600)
        # the latest (re)start: the running instance's start, or the crashed instance's
        last = p.last_finish + 10 * 2 ** min(p.restarts - 1, 5) if s == "oom-run" else p.last_start
        last = max(last, first + 0.5)
        self.ev(p.ref, fp, "Pulled", f'Container image "{img}" already present on machine', "Normal", "kubelet",
                host, first, last - 0.3, n)
        self.ev(p.ref, fp, "Created", f"Created container {c}", "Normal", "kubelet", host, first + 0.2,
                last - 0.1, n)
        self.ev(p.ref, fp, "Started", f"Started container {c}", "Normal", "kubelet", host, first + 0.4,
                last, n)
        if s == "oom-run":
            if p.last_finish > now - 3500:
                self.ev(p.ref, fp, "BackOff", f"Back-off restarting failed container {c} in pod {p.name}_{p.ns}({p.uid})",
                        "Warning", "kubelet", host, p.last_finish + 1, p.last_finish + 1, 1)
            return
        self.ev(p.ref, fp, "BackOff", f"Back-off restarting failed container {c} in pod {p.name}_{p.ns}({p.uid})",
                "Warning", "kubelet", host, first + 20, now - rng.uniform(2, 25), n * 4 + rng.randint(0, 20))
        if s == "culprit" or rng.random() < 0.5:
            port = p.dep.port
            self.ev(p.ref, fp, "Unhealthy",
                    f'Readiness probe failed: Get "http://{p.ip}:{port}/readyz": dial tcp {p.ip}:{port}: connect: connection refused',
                    "Warning", "kubelet", host, first + 6, p.last_start + 4, max(1, n // 2))

    def controller_events(self, d: Deploy) -> None:
        rng, now = self.rng, self.now
        dref = ("apps/v1", "Deployment", d.ns, d.name, d.uid, None)
        cur = d.rss[-1]
        if cur.created > now - 3600:
            olds = [r for r in d.rss[:-1] if r.pods]
            if olds:  # a rolling update in progress
                self.ev(dref, None, "ScalingReplicaSet", f"Scaled up replica set {cur.name} from 0 to 1",
                        "Normal", "deployment-controller", None, cur.created, cur.created, 1)
                o = olds[-1]
                self.ev(dref, None, "ScalingReplicaSet",
                        f"Scaled down replica set {o.name} from {len(o.pods) + 1} to {len(o.pods)}",
                        "Normal", "deployment-controller", None, cur.created + 40, cur.created + 40, 1)
                if len(cur.pods) > 1:
                    self.ev(dref, None, "ScalingReplicaSet", f"Scaled up replica set {cur.name} from 1 to {len(cur.pods)}",
                            "Normal", "deployment-controller", None, cur.created + 41, cur.created + 41, 1)
            else:
                self.ev(dref, None, "ScalingReplicaSet", f"Scaled up replica set {cur.name} from 0 to {len(cur.pods)}",
                        "Normal", "deployment-controller", None, cur.created, cur.created, 1)
            rref = ("apps/v1", "ReplicaSet", d.ns, cur.name, cur.uid, None)
            for p in cur.pods:
                self.ev(rref, None, "SuccessfulCreate", f"Created pod: {p.name}", "Normal",
                        "replicaset-controller", None, p.created, p.created, 1)

    def build_events(self) -> None:
        rng, now, E = self.rng, self.now, self.a.events
        # mandatory: the failures and their controllers (culprit first)
        failing = [p for p in self.pods if p.state not in ("ok",)]
        failing.sort(key=lambda p: p.dep is not self.culprit)
        seen_dep: set[int] = set()
        for p in failing:
            self.failure_events(p)
            if p.dep.failure and id(p.dep) not in seen_dep:
                seen_dep.add(id(p.dep))
                self.controller_events(p.dep)
        if self.culprit:
            old = self.culprit.rss[-2]
            rref = ("apps/v1", "ReplicaSet", self.culprit.ns, old.name, old.uid, None)
            gone = f"{old.name}-{self.safe(5)}"
            t = self.culprit.rss[-1].created + 40
            self.ev(rref, None, "SuccessfulDelete", f"Deleted pod: {gone}", "Normal", "replicaset-controller",
                    None, t, t, 1)
            self.ev(("v1", "Pod", self.culprit.ns, gone, self.uid(), None), f"spec.containers{{{CULPRIT}}}",
                    "Killing", f"Stopping container {CULPRIT}", "Normal", "kubelet",
                    rng.choice(self.cpu_nodes).name, t + 0.5, t + 0.5, 1)
        del self.events[E:]

        healthy = [p for p in self.pods if p.state == "ok" and p.node is not None]
        rng.shuffle(healthy)
        # noise: transient readiness failures on healthy pods (~2% of the events)
        noise = min(len(healthy), max(0, E - len(self.events)), int(E * 0.02))
        for p in healthy[:noise]:
            c = self.main_c(p)
            port = p.dep.port
            first = now - rng.uniform(300, 3500)
            msg = rng.choice([
                f'Readiness probe failed: Get "http://{p.ip}:{port}/readyz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
                f'Liveness probe failed: Get "http://{p.ip}:{port}/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
            ])
            self.ev(p.ref, f"spec.containers{{{c}}}", "Unhealthy", msg, "Warning", "kubelet", p.node.name,
                    first, min(now - 1, first + rng.uniform(0, 120)), rng.randint(1, 4))
        # fill: recently (re)started healthy pods with their whole lifecycle
        for p in healthy[noise:]:
            if len(self.events) >= E:
                break
            if p.dep is self.culprit:
                continue
            p.recent = True
            p.created = now - rng.uniform(90, 3300)
            p.restarts, p.last_finish, p.last_start = 0, None, None
            self.lifecycle(p, p.created + 0.3)
            rref = ("apps/v1", "ReplicaSet", p.ns, p.rs.name, p.rs.uid, None)
            self.ev(rref, None, "SuccessfulCreate", f"Created pod: {p.name}", "Normal", "replicaset-controller",
                    None, p.created, p.created, 1)
            # the pod it replaced no longer exists
            if rng.random() < 0.3 and len(self.events) < E:
                gone = f"{p.rs.name}-{self.safe(5)}"
                self.ev(("v1", "Pod", p.ns, gone, self.uid(), None), f"spec.containers{{{self.main_c(p)}}}",
                        "Killing", f"Stopping container {self.main_c(p)}", "Normal", "kubelet",
                        rng.choice(self.cpu_nodes).name, p.created - 1, p.created - 1, 1)
        # still short: churn of pods that have since been deleted
        rss = [(d, r) for d in self.deploys for r in d.rss if not r.old and r.pods and not d.failure]
        while len(self.events) < E and rss:
            d, r = rng.choice(rss)
            ghost = Pod()
            ghost.ns, ghost.dep, ghost.rs = d.ns, d, r
            ghost.name, ghost.uid = f"{r.name}-{self.safe(5)}", self.uid()
            ghost.node = rng.choice(self.gpu_nodes if d.gpu else self.cpu_nodes)
            ghost.ref = ("v1", "Pod", d.ns, ghost.name, ghost.uid, None)
            t0 = now - rng.uniform(600, 3500)
            self.lifecycle(ghost, t0)
            t1 = t0 + rng.uniform(60, 500)
            c = self.main_c(ghost)
            self.ev(ghost.ref, f"spec.containers{{{c}}}", "Killing", f"Stopping container {c}", "Normal",
                    "kubelet", ghost.node.name, t1, t1, 1)
            rref = ("apps/v1", "ReplicaSet", d.ns, r.name, r.uid, None)
            self.ev(rref, None, "SuccessfulDelete", f"Deleted pod: {ghost.name}", "Normal",
                    "replicaset-controller", None, t1 - 0.2, t1 - 0.2, 1)
        del self.events[E:]
        # about 20% in the events.k8s.io shape: the scheduler's, plus a random share of the rest
        n_new = sum(1 for e in self.events if e[10])
        want = int(len(self.events) * 0.20)
        if n_new < want:
            idx = [i for i, e in enumerate(self.events) if not e[10]]
            for i in rng.sample(idx, min(len(idx), want - n_new)):
                self.events[i] = self.events[i][:10] + (True,)

    def render_events(self) -> list:
        rng, out = self.rng, []
        rv_of = self.obj_rv
        for ref, fp, reason, msg, etype, comp, host, first, last, count, new in self.events:
            api, kind, ns, oname, ouid, _ = ref
            io = {"apiVersion": api, "kind": kind, "name": oname, "namespace": ns, "uid": ouid}
            orv = rv_of.get(ouid)
            if orv:
                io["resourceVersion"] = orv
            if fp:
                io["fieldPath"] = fp
            nano = int(first * 1e9) + rng.randrange(1000)
            meta = {"creationTimestamp": ts(first), "name": f"{oname}.{nano:x}", "namespace": ns,
                    "resourceVersion": self.rver(), "uid": self.uid()}
            if new:
                e = {"action": ACTIONS.get(reason, reason), "apiVersion": "v1", "eventTime": ts_micro(first),
                     "firstTimestamp": None, "involvedObject": io, "kind": "Event", "lastTimestamp": None,
                     "message": msg, "metadata": meta, "reason": reason, "reportingComponent": comp,
                     "reportingInstance": host or f"{comp}-{CONTROL_PLANE_HOST}", "source": {}, "type": etype}
                if count > 1:
                    e["series"] = {"count": count, "lastObservedTime": ts_micro(last)}
            else:
                src = {"component": comp, "host": host} if host else {"component": comp}
                e = {"apiVersion": "v1", "count": count, "eventTime": None, "firstTimestamp": ts(first),
                     "involvedObject": io, "kind": "Event", "lastTimestamp": ts(last), "message": msg,
                     "metadata": meta, "reason": reason, "reportingComponent": comp,
                     "reportingInstance": host or "", "source": src, "type": etype}
            out.append(e)
        out.sort(key=lambda e: (e["metadata"]["namespace"], e["metadata"]["name"]))
        return out

    # ---------------------------------------------------------------- objects
    def render_pod(self, p: Pod) -> dict:
        rng, now = self.rng, self.now
        d, rs = p.dep, p.rs
        s = p.state
        mount = [{"mountPath": SA_MOUNT, "name": p.vol, "readOnly": True}]
        containers = []
        for c in d.containers:
            cc = dict(c)
            cc["volumeMounts"] = mount
            if c is d.containers[0]:
                cc["image"] = rs.image
            containers.append(cc)
        spec = {
            "containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0, "restartPolicy": "Always",
            "schedulerName": "default-scheduler", "securityContext": {}, "serviceAccount": "default",
            "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": DEFAULT_TOLERATIONS + [GPU_TOLERATION] if d.gpu else DEFAULT_TOLERATIONS,
            "volumes": [{"name": p.vol, "projected": {"defaultMode": 420, "sources": KUBE_API_SOURCES}}],
        }
        if d.gpu:
            spec["nodeSelector"] = {"nvidia.com/gpu.present": "true"}
        if p.node:
            spec["nodeName"] = p.node.name
        labels = {"app": d.name, "app.kubernetes.io/name": d.name, "app.kubernetes.io/part-of": d.ns,
                  "pod-template-hash": rs.hash}
        meta = {
            "creationTimestamp": ts(p.created), "generateName": f"{rs.name}-", "labels": labels,
            "name": p.name, "namespace": p.ns,
            "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                                 "kind": "ReplicaSet", "name": rs.name, "uid": rs.uid}],
            "resourceVersion": self.obj_rv[p.uid], "uid": p.uid,
        }
        created = p.created
        req0 = d.containers[0]["resources"]
        qos = "Guaranteed" if req0["requests"] == req0["limits"] else "Burstable"
        if s == "pending":
            status = {
                "conditions": [cond("PodScheduled", "False", created + 0.2, "Unschedulable", d.pending_msg)],
                "phase": "Pending", "qosClass": qos,
            }
            return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}
        sched = created + 0.3
        started = created + rng.uniform(1.5, 4)
        statuses = []
        all_ready = True
        for i, c in enumerate(d.containers):
            name = c["name"]
            image = rs.image if i == 0 else c["image"]
            repo = image.rsplit(":", 1)[0]
            cs = {"image": image, "name": name, "restartCount": 0, "lastState": {},
                  "volumeMounts": [{"mountPath": SA_MOUNT, "name": p.vol, "readOnly": True,
                                    "recursiveReadOnly": "Disabled"}]}
            main = i == 0
            if main and s == "imagepull":
                cs.update({"imageID": "", "ready": False, "started": False,
                           "state": {"waiting": {"message": f'Back-off pulling image "{image}"',
                                                 "reason": "ImagePullBackOff"}}})
                all_ready = False
                statuses.append(cs)
                continue
            cs["containerID"] = f"containerd://{self.hex64()}"
            cs["imageID"] = f"{repo}@sha256:{self.hex64()}"
            if main and s in ("crash", "oom-crash", "culprit"):
                oom = s == "oom-crash"
                cs.update({
                    "ready": False, "restartCount": p.restarts, "started": False,
                    "state": {"waiting": {
                        "message": f"back-off 5m0s restarting failed container={name} pod={p.name}_{p.ns}({p.uid})",
                        "reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {
                        "containerID": f"containerd://{self.hex64()}", "exitCode": 137 if oom else (1 if s == "culprit" else rng.choice([1, 2])),
                        "finishedAt": ts(p.last_finish), "reason": "OOMKilled" if oom else "Error",
                        "startedAt": ts(p.last_start)}},
                })
                all_ready = False
            else:
                ready = True
                if main and p.restarts:
                    oom = s == "oom-run"
                    cs["lastState"] = {"terminated": {
                        "containerID": f"containerd://{self.hex64()}",
                        "exitCode": 137 if oom else rng.choice([143, 2, 1]),
                        "finishedAt": ts(p.last_finish),
                        "reason": "OOMKilled" if oom else "Error", "startedAt": ts(p.last_start)}}
                    cs["restartCount"] = p.restarts
                    run_since = p.last_finish + (10 * 2 ** min(p.restarts - 1, 5) if oom else 10)
                else:
                    run_since = started + i * 0.3
                cs.update({"ready": ready, "started": True, "state": {"running": {"startedAt": ts(run_since)}}})
            statuses.append(cs)
        ready_t = (p.last_finish + 40) if (s == "oom-run" and p.last_finish) else started + 8
        if all_ready:
            conds = [cond("PodReadyToStartContainers", "True", started - 1), cond("Initialized", "True", sched),
                     cond("Ready", "True", ready_t), cond("ContainersReady", "True", ready_t),
                     cond("PodScheduled", "True", sched)]
        else:
            bad = [c["name"] for c in statuses if not c["ready"]]
            msg = f"containers with unready status: [{' '.join(bad)}]"
            t = p.last_finish if p.last_finish else sched
            conds = [cond("PodReadyToStartContainers", "True", started - 1), cond("Initialized", "True", sched),
                     cond("Ready", "False", t, "ContainersNotReady", msg),
                     cond("ContainersReady", "False", t, "ContainersNotReady", msg),
                     cond("PodScheduled", "True", sched)]
        status = {
            "conditions": conds, "containerStatuses": statuses, "hostIP": p.node.ip,
            "hostIPs": [{"ip": p.node.ip}], "phase": "Pending" if s == "imagepull" else "Running",
            "podIP": p.ip, "podIPs": [{"ip": p.ip}], "qosClass": qos, "startTime": ts(sched),
        }
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}

    def pod_template(self, d: Deploy, rs: RS | None) -> dict:
        labels = {"app": d.name, "app.kubernetes.io/name": d.name, "app.kubernetes.io/part-of": d.ns}
        if rs is not None:
            labels["pod-template-hash"] = rs.hash
        containers = d.containers
        if rs is not None and rs.image != containers[0]["image"]:
            containers = [dict(containers[0], image=rs.image)] + containers[1:]
        spec = {"containers": containers, "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                "schedulerName": "default-scheduler", "securityContext": {},
                "terminationGracePeriodSeconds": 30}
        if d.gpu:
            spec["nodeSelector"] = {"nvidia.com/gpu.present": "true"}
            spec["tolerations"] = [GPU_TOLERATION]
        return {"metadata": {"creationTimestamp": None, "labels": labels}, "spec": spec}

    def render_workloads(self, d: Deploy) -> tuple[dict, list, list, dict, list]:
        rng, now = self.rng, self.now
        cur = d.rss[-1]
        live = [p for r in d.rss for p in r.pods]
        replicas = len(live) if d is not self.culprit else len(cur.pods) + len(d.rss[-2].pods) - 1
        ready = sum(1 for p in live if p.state == "ok" or p.state == "oom-run")
        updated = len(cur.pods)
        sel = {"matchLabels": {"app": d.name}}
        labels = {"app": d.name, "app.kubernetes.io/name": d.name, "app.kubernetes.io/part-of": d.ns,
                  "app.kubernetes.io/managed-by": "argocd"}
        dep_conds = []
        max_unavail = replicas // 4
        if ready >= replicas - max_unavail:
            dep_conds.append(dict(cond("Available", "True", cur.created + 30, "MinimumReplicasAvailable",
                                       "Deployment has minimum availability."), lastUpdateTime=ts(cur.created + 30)))
        else:
            t = cur.created + 20
            dep_conds.append(dict(cond("Available", "False", t, "MinimumReplicasUnavailable",
                                       "Deployment does not have minimum availability."), lastUpdateTime=ts(t)))
        for c in dep_conds:
            del c["lastProbeTime"]
        if cur.created > now - 3600 and d.failure in ("culprit", "imagepull", "pending"):
            if now - cur.created > 600:
                t = cur.created + 600
                pc = {"lastTransitionTime": ts(t), "lastUpdateTime": ts(t), "message":
                      f'ReplicaSet "{cur.name}" has timed out progressing.', "reason": "ProgressDeadlineExceeded",
                      "status": "False", "type": "Progressing"}
            else:
                pc = {"lastTransitionTime": ts(cur.created), "lastUpdateTime": ts(cur.created + 2), "message":
                      f'ReplicaSet "{cur.name}" is progressing.', "reason": "ReplicaSetUpdated",
                      "status": "True", "type": "Progressing"}
        else:
            pc = {"lastTransitionTime": ts(d.created + 5), "lastUpdateTime": ts(cur.created + 40), "message":
                  f'ReplicaSet "{cur.name}" has successfully progressed.', "reason": "NewReplicaSetAvailable",
                  "status": "True", "type": "Progressing"}
        dep_conds.append(pc)
        gen = cur.revision + rng.randint(0, 3)
        dstatus = {"availableReplicas": ready, "conditions": dep_conds, "observedGeneration": gen,
                   "readyReplicas": ready, "replicas": len(live), "updatedReplicas": updated}
        if len(live) - ready:
            dstatus["unavailableReplicas"] = len(live) - ready
        if not ready:
            del dstatus["availableReplicas"], dstatus["readyReplicas"]
        deployment = {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {
                "annotations": {"deployment.kubernetes.io/revision": str(cur.revision)},
                "creationTimestamp": ts(d.created), "generation": gen, "labels": labels, "name": d.name,
                "namespace": d.ns, "resourceVersion": self.rver(), "uid": d.uid,
            },
            "spec": {
                "progressDeadlineSeconds": 600, "replicas": replicas, "revisionHistoryLimit": 10,
                "selector": sel,
                "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                "template": self.pod_template(d, None),
            },
            "status": dstatus,
        }
        owner = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                  "kind": "Deployment", "name": d.name, "uid": d.uid}]
        rss_out = []
        for r in d.rss:
            n = len(r.pods)
            rlabels = {"app": d.name, "app.kubernetes.io/name": d.name, "app.kubernetes.io/part-of": d.ns,
                       "pod-template-hash": r.hash}
            rready = sum(1 for p in r.pods if p.state in ("ok", "oom-run"))
            rstatus = {"observedGeneration": rng.randint(1, 4), "replicas": n}
            if n:
                rstatus["fullyLabeledReplicas"] = n
            if rready:
                rstatus["availableReplicas"] = rready
                rstatus["readyReplicas"] = rready
            rss_out.append({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {
                    "annotations": {"deployment.kubernetes.io/desired-replicas": str(replicas),
                                    "deployment.kubernetes.io/max-replicas": str(replicas + math.ceil(replicas / 4)),
                                    "deployment.kubernetes.io/revision": str(r.revision)},
                    "creationTimestamp": ts(r.created), "generation": rstatus["observedGeneration"],
                    "labels": rlabels, "name": r.name, "namespace": d.ns, "ownerReferences": owner,
                    "resourceVersion": self.rver(), "uid": r.uid,
                },
                "spec": {"replicas": n, "selector": {"matchLabels": {"app": d.name, "pod-template-hash": r.hash}},
                         "template": self.pod_template(d, r)},
                "status": rstatus,
            })
        pods_out = [self.render_pod(p) for p in live]
        port = d.containers[0]["ports"][0]
        svc = {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"creationTimestamp": ts(d.created), "labels": labels, "name": d.name,
                         "namespace": d.ns, "resourceVersion": self.rver(), "uid": d.svc_uid},
            "spec": {
                "clusterIP": d.svc_ip, "clusterIPs": [d.svc_ip], "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
                "selector": {"app": d.name}, "sessionAffinity": "None", "type": "ClusterIP",
            },
            "status": {"loadBalancer": {}},
        }
        eps = []
        for p in live:
            if not p.ip:
                continue
            ok = p.state in ("ok", "oom-run")
            eps.append({"addresses": [p.ip], "conditions": {"ready": ok, "serving": ok, "terminating": False},
                        "nodeName": p.node.name,
                        "targetRef": {"kind": "Pod", "name": p.name, "namespace": d.ns, "uid": p.uid},
                        "zone": p.node.zone})
        slices = []
        chunks = [eps[i:i + 100] for i in range(0, len(eps), 100)] or [[]]
        for chunk in chunks:
            slices.append({
                "addressType": "IPv4", "apiVersion": "discovery.k8s.io/v1", "endpoints": chunk or None,
                "kind": "EndpointSlice",
                "metadata": {
                    "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": ts(max([p.created for p in live] + [d.created]))},
                    "creationTimestamp": ts(d.created), "generateName": f"{d.name}-",
                    "generation": rng.randint(1, 60),
                    "labels": {"app": d.name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                               "kubernetes.io/service-name": d.name},
                    "name": f"{d.name}-{self.safe(5)}", "namespace": d.ns,
                    "ownerReferences": [{"apiVersion": "v1", "blockOwnerDeletion": True, "controller": True,
                                         "kind": "Service", "name": d.name, "uid": d.svc_uid}],
                    "resourceVersion": self.rver(), "uid": self.uid(),
                },
                "ports": [{"name": "http", "port": port["containerPort"], "protocol": "TCP"}],
            })
        return deployment, rss_out, pods_out, svc, slices

    # ---------------------------------------------------------------- logs
    def log_lines(self, p: Pod, cname: str, kind: str, start: float, end: float, n: int) -> str:
        """`n` lines between start and end; kind: ok | crash | oom | culprit."""
        rng = self.rng
        lang = p.dep.lang if cname == self.main_c(p) else cname
        ns_start = int(start * 1e9)
        span = max(1, int((end - start) * 1e9))
        stamps = sorted(ns_start + rng.randrange(span) for _ in range(n))
        out = []
        add = out.append
        if kind == "culprit":
            base = ns_start + 350_000_000  # the instance ran from `start` to `end`
            tb = [
                "INFO:     Started server process [1]",
                "INFO:     Waiting for application startup.",
                '{"level": "info", "logger": "checkout.main", "msg": "checkout-api v2.14.0 starting", "commit": "9f3c2ab"}',
                '{"level": "info", "logger": "checkout.db", "msg": "connected to postgres", "host": "checkout-db.checkout.svc:5432", "pool_size": 20}',
                '{"level": "info", "logger": "checkout.cache", "msg": "connected to redis", "host": "checkout-cache.checkout.svc:6379"}',
                '{"level": "info", "logger": "checkout.pricing", "msg": "warming price cache", "items": 18234}',
                "ERROR:    Traceback (most recent call last):",
                '  File "/usr/local/lib/python3.12/site-packages/starlette/routing.py", line 732, in lifespan',
                "    async with self.lifespan_context(app) as maybe_state:",
                '  File "/app/checkout/main.py", line 61, in lifespan',
                "    await warm_price_cache(app.state.db)",
                '  File "/app/checkout/pricing.py", line 148, in warm_price_cache',
                "    total = apply_discount(item.price, promo.rate)",
                '  File "/app/checkout/pricing.py", line 97, in apply_discount',
                "    return price * (1 - rate)",
                "TypeError: unsupported operand type(s) for *: 'decimal.Decimal' and 'float'",
                "",
                "ERROR:    Application startup failed. Exiting.",
            ]
            for i, line in enumerate(tb):
                stamp = ts_nano(base + i * 37_000_000 + (2_100_000_000 if i >= 5 else 0))
                add(f"{stamp} {line}")
            return "\n".join(out) + "\n"
        for i, t in enumerate(stamps):
            s = ts_nano(t)
            if kind == "oom" and i >= n // 3:
                rss = 80 + (i * 170) // max(1, n)
                add(f"{s} " + self._oom_line(lang, rss, i))
                continue
            add(f"{s} " + self._ok_line(p, lang, t))
        if kind == "crash":  # kubectl logs --timestamps stamps every line of a multi-line write
            s = ts_nano(stamps[-1] + 1000 if stamps else ns_start)
            for line in self._crash_tail(lang).split("\n"):
                add(f"{s} {line}")
        return "\n".join(out) + "\n"

    def _ok_line(self, p: Pod, lang: str, t: int) -> str:
        rng = self.rng
        path = rng.choice(["/api/v1/items", "/api/v1/orders", "/api/v1/users/me", "/healthz", "/readyz",
                           "/api/v1/search", "/metrics", "/api/v1/cart", "/api/v2/quotes"])
        method = "GET" if rng.random() < 0.8 else rng.choice(["POST", "PUT", "DELETE"])
        status = rng.choices([200, 201, 204, 304, 400, 404, 500], [70, 5, 5, 5, 5, 8, 2])[0]
        dur = rng.expovariate(1 / 25)
        rid = f"{rng.getrandbits(64):016x}"
        if lang == "go":
            lvl = "error" if status >= 500 else "info"
            return (f'{{"level":"{lvl}","ts":{t / 1e9:.6f},"caller":"server/http.go:{rng.randrange(80, 300)}",'
                    f'"msg":"request completed","method":"{method}","path":"{path}","status":{status},'
                    f'"duration_ms":{dur:.2f},"request_id":"{rid}"}}')
        if lang == "python":
            if p.dep.gpu:
                return (f"INFO {_strftime('%m-%d %H:%M:%S', _gmtime(int(t // 1e9)))} metrics.py:351] Avg prompt throughput: "
                        f"{rng.uniform(200, 4000):.1f} tokens/s, Avg generation throughput: {rng.uniform(50, 900):.1f} tokens/s, "
                        f"Running: {rng.randrange(0, 48)} reqs, Swapped: 0 reqs, Pending: {rng.randrange(0, 4)} reqs, "
                        f"GPU KV cache usage: {rng.uniform(5, 80):.1f}%, CPU KV cache usage: 0.0%.")
            return f'INFO:     10.{rng.randrange(128, 140)}.{rng.randrange(256)}.{rng.randrange(256)}:{rng.randrange(30000, 60000)} - "{method} {path} HTTP/1.1" {status}'
        if lang == "java":
            lvl = "ERROR" if status >= 500 else " INFO"
            cls = rng.choice(["c.e.api.OrderController", "c.e.api.ItemController", "o.s.web.servlet.DispatcherServlet",
                              "c.e.persistence.Repository"])
            return (f"{_strftime('%Y-%m-%d %H:%M:%S', _gmtime(int(t // 1e9)))}.{int(t // 1e6) % 1000:03d} {lvl} 1 --- "
                    f"[nio-8080-exec-{rng.randrange(1, 11)}] {cls:<40} : {method} {path} -> {status} in {dur:.0f}ms")
        if lang == "node":
            return (f'{{"level":{50 if status >= 500 else 30},"time":{t // 1_000_000},"pid":1,"hostname":"{p.name}",'
                    f'"req":{{"method":"{method}","url":"{path}"}},"res":{{"statusCode":{status}}},'
                    f'"responseTime":{dur:.1f},"msg":"request completed"}}')
        if lang == "envoy":
            return (f'[{ts_micro(t / 1e9)[:-4]}Z] "{method} {path} HTTP/1.1" {status} - 0 {rng.randrange(40, 9000)} '
                    f'{int(dur)} {max(0, int(dur) - 1)} "-" "Go-http-client/1.1" "{uuid.UUID(int=rng.getrandbits(128), version=4)}" '
                    f'"{p.dep.name}" "127.0.0.1:{p.dep.port}"')
        # fluent-bit
        return (f"[{_strftime('%Y/%m/%d %H:%M:%S', _gmtime(int(t // 1e9)))}] [ info] [output:forward:forward.0] "
                f"flushed {rng.randrange(1, 400)} records to fluentd.logging.svc:24224")

    def _oom_line(self, lang: str, rss: int, i: int) -> str:
        if lang == "java":
            return f"WARN  c.e.batch.Loader : loaded batch {i}, heap used {rss}MB, caching {i * 1000} entries"
        return f'{{"level":"info","msg":"processing batch","batch":{i},"cache_entries":{i * 1024},"rss_mb":{rss}}}'

    def _crash_tail(self, lang: str) -> str:
        if lang == "go":
            return ("panic: runtime error: invalid memory address or nil pointer dereference\n"
                    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x9f3c2a]\n\n"
                    "goroutine 1 [running]:\n"
                    "main.(*Server).registerRoutes(0x0)\n\t/src/cmd/server/routes.go:57 +0x2a\n"
                    "main.main()\n\t/src/cmd/server/main.go:112 +0x3f5")
        if lang == "java":
            return ("Exception in thread \"main\" java.lang.NullPointerException: Cannot invoke "
                    "\"com.example.api.Registry.lookup(String)\" because \"this.registry\" is null\n"
                    "\tat com.example.api.Application.start(Application.java:88)\n"
                    "\tat com.example.api.Application.main(Application.java:41)")
        if lang == "node":
            return ("/app/dist/server.js:214\n    const region = config.regions[0].name;\n"
                    "                                      ^\n\n"
                    "TypeError: Cannot read properties of undefined (reading 'name')\n"
                    "    at startServer (/app/dist/server.js:214:39)\n"
                    "    at Object.<anonymous> (/app/dist/server.js:402:1)\n\nNode.js v20.18.0")
        return ("Traceback (most recent call last):\n  File \"/app/main.py\", line 23, in <module>\n"
                "    app = create_app()\n  File \"/app/app/factory.py\", line 71, in create_app\n"
                "    handlers[route.name] = route.handler\nAttributeError: 'NoneType' object has no attribute 'name'")

    def write_logs(self, root: str) -> int:
        rng, now, L = self.rng, self.now, self.a.log_lines
        # failing pods that have logs first (up to half), then healthy ones
        limit = self.a.log_pods
        culprit = [p for p in self.pods if p.state == "culprit"]
        others = [p for p in self.pods if p.state in ("crash", "oom-crash", "oom-run")]
        chosen = (culprit + others)[:max(limit // 2, min(limit, len(culprit)))]
        healthy = [p for p in self.pods if p.state == "ok"]
        rng.shuffle(healthy)
        chosen += healthy[:max(0, limit - len(chosen))]
        nfiles = 0
        for p in chosen:
            pdir = os.path.join(root, p.ns, p.name)
            os.makedirs(pdir, exist_ok=True)
            for i, c in enumerate(p.dep.containers):
                cname = c["name"]
                main = i == 0
                base = os.path.join(pdir, cname)
                if main and p.state in ("culprit", "crash", "oom-crash"):
                    kind = {"culprit": "culprit", "crash": "crash", "oom-crash": "oom"}[p.state]
                    n = L if kind == "oom" else max(3, L // 20)
                    text = self.log_lines(p, cname, kind, p.last_start, p.last_finish, n)
                    self.write_text(base + ".log", text)           # CrashLoopBackOff: both hold the
                    self.write_text(base + ".previous.log", text)  # last terminated instance
                    nfiles += 2
                    continue
                begin = max(p.created + 3, now - 6 * 3600)
                if main and p.restarts:
                    begin = p.last_finish + 10
                    prev_kind = "oom" if p.state == "oom-run" else "ok"
                    self.write_text(base + ".previous.log",
                                    self.log_lines(p, cname, prev_kind, max(p.last_start, p.last_finish - 6 * 3600),
                                                   p.last_finish, L))
                    nfiles += 1
                self.write_text(base + ".log", self.log_lines(p, cname, "ok", begin, now - 0.5, L))
                nfiles += 1
        return nfiles

    # ---------------------------------------------------------------- driver
    def run(self, out: str) -> None:
        t0 = time.perf_counter()
        a = self.a
        self.build_nodes()
        self.plan()
        self.build_events()
        # resourceVersions for objects, so that events can name them
        self.obj_rv = {p.uid: self.rver() for p in self.pods}
        cdir = os.path.join(out, "cluster")
        os.makedirs(cdir, exist_ok=True)
        self.write_json(os.path.join(cdir, "namespaces.json"), self.as_list(self.render_namespaces()))
        self.write_json(os.path.join(cdir, "nodes.json"), self.as_list(self.render_nodes()))
        by_ns: dict[str, list[Deploy]] = {ns: [] for ns in self.namespaces}
        for d in self.deploys:
            by_ns[d.ns].append(d)
        counts = dict(deployments=0, replicasets=0, pods=0, services=0, endpointslices=0)
        for ns in self.namespaces:
            deps, rss, pods, svcs, slices = [], [], [], [], []
            for d in by_ns[ns]:
                dep, r, p, s, sl = self.render_workloads(d)
                deps.append(dep)
                rss += r
                pods += p
                svcs.append(s)
                slices += sl
            counts["deployments"] += len(deps)
            counts["replicasets"] += len(rss)
            counts["pods"] += len(pods)
            counts["services"] += len(svcs)
            counts["endpointslices"] += len(slices)
            self.write_json(os.path.join(cdir, f"ns-{ns}.json"), self.as_list(deps + rss + pods + svcs + slices))
        events = self.render_events()
        n_new = sum(1 for e in events if e["firstTimestamp"] is None)
        n_warn = sum(1 for e in events if e["type"] == "Warning")
        self.write_json(os.path.join(cdir, "events.json"), self.as_list(events))
        nlogs = self.write_logs(os.path.join(out, "logs")) if a.log_pods > 0 and a.log_lines > 0 else 0
        self.write_scenario(out)
        dt = time.perf_counter() - t0
        print(f"gen_snapshot: {out}: {len(self.namespaces)} namespaces, {len(self.nodes)} nodes "
              f"({len(self.gpu_nodes)} GPU), {counts['deployments']} deployments, {counts['replicasets']} replicasets, "
              f"{counts['pods']} pods ({self.stats['unhealthy']} unhealthy), {counts['services']} services, "
              f"{counts['endpointslices']} endpointslices, {len(events)} events ({n_warn} warning, "
              f"{n_new} events.k8s.io-style), {nlogs} log files; {self.files} files, {self.bytes} bytes "
              f"({self.bytes / 1e6:.1f} MB) in {dt:.1f}s")

    def write_scenario(self, out: str) -> None:
        q = lambda s: json.dumps(s)  # a JSON string is a valid YAML double-quoted scalar
        lines = []
        if self.culprit:
            lines.append(f"question: {q(f'Why is {CULPRIT} in the {CULPRIT_NS} namespace crash-looping since the last rollout?')}")
        else:
            lines.append(f"question: {q('Why are pods in this cluster failing?')}")
        lines.append(f"now: {q(ts(self.now))}")
        lines.append("expect:")
        lines.append("  category: application-error")
        if self.culprit:
            lines.append(f"  resource: {q(f'{CULPRIT_NS}/{CULPRIT}')}")
        lines.append("tags: [synthetic, scale]")
        lines.append(f"description: {q(f'synthetic scale snapshot (bench/gen_snapshot.py --seed {self.a.seed} --pods {self.a.pods} --events {self.a.events} --namespaces {self.a.namespaces} --nodes {self.a.nodes})')}")
        self.write_text(os.path.join(out, "scenario.yaml"), "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--namespaces", type=int, default=20)
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", default="2026-11-20T14:30:00Z", help="frozen clock, RFC 3339 UTC")
    ap.add_argument("--log-pods", type=int, default=200, help="pods that get log files")
    ap.add_argument("--log-lines", type=int, default=200, help="lines per log file")
    ap.add_argument("--unhealthy", type=float, default=0.05, help="fraction of pods that fail")
    ap.add_argument("--indent", type=int, default=0, help="pretty-print JSON (slower, ~2x bigger)")
    ap.add_argument("--force", action="store_true", help="replace OUT_DIR's cluster/, logs/ and scenario.yaml")
    a = ap.parse_args(argv)
    if a.pods < 0 or a.events < 0 or a.namespaces < 1 or a.nodes < 1 or not 0 <= a.unhealthy <= 1:
        ap.error("need --pods >= 0, --events >= 0, --namespaces >= 1, --nodes >= 1, 0 <= --unhealthy <= 1")
    out = a.out_dir
    if os.path.isdir(out) and os.listdir(out):
        if not a.force:
            ap.error(f"{out} is not empty (use --force to replace its snapshot)")
        for sub in ("cluster", "logs"):
            shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    Gen(a).run(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
