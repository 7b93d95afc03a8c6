#!/usr/bin/env python3
"""MCP benchmark for issue #3: `ktriage mcp` versus the peer kubernetes-mcp-server, both over
streamable HTTP, both reading the same replayed snapshot through the same kubeconfig.

    python3 bench/mcp_peer.py [--pods 2000] [--events 10000] [--namespaces 20] [--rounds 3]
        [--duration 6] [--concurrency 1,16] [--soak-sessions 200] [--soak-seconds 30]
        [--soak-mix ns_pods,all_pods,get_pod,logs,events] [--soak-only]
        [--calls ns_pods,all_pods,get_pod,logs,events]
        [--peer-version 0.0.67] [--ktriage target/release/ktriage] [--build] [--quickack]
        [--json OUT.json] [--keep]

What it does:
 1. generates a snapshot with bench/gen_snapshot.py (--seed 1) and starts `ktriage replay` on it
    (KTRIAGE_LOG=debug, so every API request the servers make is logged with its status);
 2. fetches the peer with `npm pack kubernetes-mcp-server-linux-amd64@VERSION` into
    ~/.cache/ktriage-bench (or $KTRIAGE_BENCH_CACHE) once, and starts it twice with --read-only
    --disable-destructive --disable-multi-cluster --port on the replay's kubeconfig (its default
    toolsets and list output): `peer` as shipped, and `peer_nothrottle` with
    KUBE_CLIENT_QPS/KUBE_CLIENT_BURST=10000, which lifts client-go's default client-side rate
    limit (5 requests/s, burst 10) that otherwise caps the peer's throughput;
 3. starts `ktriage mcp --listen` on the same kubeconfig;
 4. with one raw JSON-RPC client (http.client with TCP_NODELAY like curl, one MCP session per
    worker process): probes every call once on each server (answer size in tokens = text content
    chars / 4, wire bytes, the API requests it caused and whether any failed), then for each
    round, call and concurrency runs every server for --duration seconds, rotating which goes
    first, and records calls/s and p50/p99 latency; medians over rounds, ratios ktriage/peer;
 5. reads each server's peak RSS (VmHWM) after every cell and at the end;
 6. soaks a fresh `ktriage mcp` with --soak-sessions concurrent sessions (threads) for
    --soak-seconds, rotating over --soak-mix, and counts errors (only rate-limit answers are
    allowed; there is no rate limit by default) and memory. --soak-only runs just this.

--quickack sets TCP_QUICKACK on the client socket before each response is read, which hides a
server that writes a response in several small segments without TCP_NODELAY (Nagle waiting for
the client's delayed ACK, ~40 ms per call); a normal client does not do this.

Equivalent calls (ktriage tool <-> peer tool):
  ns_pods   list_pods {namespace}                 <-> pods_list_in_namespace {namespace}
  all_pods  list_pods {}                          <-> pods_list {}
  get_pod   describe {kind: pod, namespace, name} <-> pods_get {namespace, name}
  logs      pod_logs {namespace, pod, container, tail: 100} <-> pods_log {..., tail: 100}
  events    events {namespace}                    <-> events_list {namespace}

Standard library only. Linux x86_64 only (the peer binary and /proc). Nothing is written to the
checkout; the peer binary stays in the cache directory.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing as mp
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("KTRIAGE_BENCH_CACHE",
                       os.path.join(os.path.expanduser("~"), ".cache", "ktriage-bench"))
PEER_PKG = "kubernetes-mcp-server-linux-amd64"
PROTOCOL = "2025-06-18"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
REQ_LINE = re.compile(r"replay request method=(\S+) path=(\S+) query=(\S*) status=(\d+)")


# --------------------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, proc: subprocess.Popen, what: str, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode} before answering {path}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            if r.status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"{what} did not answer {path} on port {port} within {timeout:.0f}s")


def proc_status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0]) / 1024.0  # MiB
    return out


def fetch_peer(version: str) -> tuple[str, str]:
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        sys.exit("the peer binary fetched here is linux-amd64 only")
    if shutil.which("npm") is None:
        sys.exit("npm is needed to fetch the peer (npm pack " + PEER_PKG + ")")
    if version == "latest":
        version = subprocess.run(["npm", "view", PEER_PKG, "version"], check=True,
                                 capture_output=True, text=True).stdout.strip()
    d = os.path.join(CACHE, f"{PEER_PKG}-{version}")
    binary = os.path.join(d, "package", "bin", PEER_PKG)
    if not os.path.exists(binary):
        os.makedirs(d, exist_ok=True)
        print(f"fetching {PEER_PKG}@{version} into {d}", file=sys.stderr)
        out = subprocess.run(["npm", "pack", f"{PEER_PKG}@{version}", "--pack-destination", d],
                             check=True, capture_output=True, text=True).stdout.split()
        tgz = os.path.join(d, out[-1])
        subprocess.run(["tar", "xzf", tgz, "-C", d], check=True)
        os.chmod(binary, 0o755)
    got = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    return binary, got or version


# --------------------------------------------------------------------------- MCP client

QUICKACK = False  # set by --quickack before workers fork


class Conn(http.client.HTTPConnection):
    """http.client writes headers and body in two send()s; TCP_NODELAY as curl, Go and Node
    clients set it, so the client's own Nagle never delays a request."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Session:
    """One streamable-HTTP MCP session on one keep-alive connection."""

    def __init__(self, port: int, timeout: float = 120.0):
        self.port, self.timeout = port, timeout
        self.conn = Conn("127.0.0.1", port, timeout=timeout)
        self.sid = None
        self.next_id = 1

    def post(self, body: dict) -> tuple[int, str, bytes]:
        h = {"Content-Type": "application/json",
             "Accept": "application/json, text/event-stream"}
        if self.sid:
            h["Mcp-Session-Id"] = self.sid
            h["Mcp-Protocol-Version"] = PROTOCOL
        data = json.dumps(body, separators=(",", ":"))
        try:
            self.conn.request("POST", "/mcp", data, h)
            self._quickack()
            r = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            # a server may close an idle keep-alive connection; reconnect once
            self.conn.close()
            self.conn = Conn("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request("POST", "/mcp", data, h)
            self._quickack()
            r = self.conn.getresponse()
        payload = r.read()
        if r.getheader("Mcp-Session-Id"):
            self.sid = r.getheader("Mcp-Session-Id")
        return r.status, r.getheader("Content-Type", ""), payload

    def _quickack(self):
        if QUICKACK and self.conn.sock is not None:
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def rpc_raw(self, method: str, params: dict) -> tuple[int, bytes, int]:
        i = self.next_id
        self.next_id += 1
        status, _, payload = self.post({"jsonrpc": "2.0", "id": i, "method": method,
                                        "params": params})
        return status, payload, i

    def rpc(self, method: str, params: dict) -> dict:
        status, payload, i = self.rpc_raw(method, params)
        if status != 200:
            raise RuntimeError(f"{method}: HTTP {status}: {payload[:300]!r}")
        return parse_reply(payload, i)

    def initialize(self):
        self.rpc("initialize", {"protocolVersion": PROTOCOL, "capabilities": {},
                                "clientInfo": {"name": "ktriage-bench", "version": "1"}})
        status, _, payload = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        if status not in (200, 202, 204):
            raise RuntimeError(f"notifications/initialized: HTTP {status}: {payload[:200]!r}")
        return self

    def close(self):
        if self.sid:
            try:
                self.conn.request("DELETE", "/mcp", headers={"Mcp-Session-Id": self.sid})
                self.conn.getresponse().read()
            except (http.client.HTTPException, OSError):
                pass
        self.conn.close()


def parse_reply(payload: bytes, want_id: int) -> dict:
    text = payload.decode("utf-8", "replace")
    if text.lstrip().startswith("{"):
        return json.loads(text)
    for line in text.splitlines():  # text/event-stream: the data line that carries our id
        if line.startswith("data:") and line[5:].strip():  # rmcp primes with an empty event
            msg = json.loads(line[5:])
            if msg.get("id") == want_id:
                return msg
    raise RuntimeError(f"no JSON-RPC reply with id {want_id} in {text[:300]!r}")


def result_text(msg: dict) -> str:
    res = msg.get("result") or {}
    return "".join(c.get("text", "") for c in res.get("content", []) if c.get("type") == "text")


def classify(status: int, payload: bytes) -> str:
    """'ok', 'rate_limited' or an error kind, cheaply (no JSON parse on the hot path)."""
    if status == 429:
        return "rate_limited"
    if status != 200:
        return f"http_{status}"
    if b'"result"' not in payload:
        return "jsonrpc_error"
    if b'"isError":true' in payload:
        if b"rate limit" in payload:
            return "rate_limited"
        return "tool_timeout" if b"did not answer within" in payload else "tool_error"
    return "ok"


def tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


KT_ROW = {  # how a shown item looks in ktriage's text answers
    "ns_pods": re.compile(r"  ready \d+/\d+  "), "all_pods": re.compile(r"  ready \d+/\d+  "),
    "events": re.compile(r"^\S+ ago  "), "logs": re.compile(r"^\d{4}-\d\d-\d\d[ T]"),
}


def items_shown(server: str, key: str, text: str):
    """Pods, events or log lines an answer shows (None for a single object): ktriage cuts its
    answers to a token budget, the peer returns everything, so tokens per item is the fairer
    size comparison."""
    if key not in KT_ROW or not text.strip():
        return None
    lines = text.splitlines()
    if server == "ktriage":
        return sum(1 for ln in lines if KT_ROW[key].search(ln))
    if key in ("ns_pods", "all_pods"):  # a table with one header line
        return max(0, len(lines) - 1)
    if key == "events":  # a YAML list
        return sum(1 for ln in lines if ln.startswith("- "))
    return len(lines)  # raw log lines


# --------------------------------------------------------------------------- load

def load_worker(port, tool, args, start_at, duration, q):
    lat, errors, sample = [], {}, None
    try:
        s = Session(port).initialize()
    except Exception as e:  # noqa: BLE001 - report, never hang the parent
        q.put(([], {"session": 1}, repr(e)[:300], start_at))
        return
    params = {"name": tool, "arguments": args}
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + duration
    last = start_at
    while time.time() < end:
        t = time.perf_counter()
        try:
            status, payload, _ = s.rpc_raw("tools/call", params)
            kind = classify(status, payload)
        except Exception as e:  # noqa: BLE001
            kind, payload = "exception", repr(e).encode()
        dt = time.perf_counter() - t
        last = time.time()
        if kind == "ok":
            lat.append(dt)
        else:
            errors[kind] = errors.get(kind, 0) + 1
            sample = sample or payload[:300].decode("utf-8", "replace")
    s.close()
    q.put((lat, errors, sample, last))


def percentile(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(p / 100 * len(xs)) - 1))]


def run_cell(port, tool, args, conc, duration) -> dict:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    start_at = time.time() + 0.5 + 0.05 * conc  # sessions are opened before the clock starts
    procs = [ctx.Process(target=load_worker, args=(port, tool, args, start_at, duration, q))
             for _ in range(conc)]
    for p in procs:
        p.start()
    results = [q.get(timeout=duration + 300) for _ in procs]
    for p in procs:
        p.join()
    lat = [x for r in results for x in r[0]]
    errors: dict = {}
    for r in results:
        for k, v in r[1].items():
            errors[k] = errors.get(k, 0) + v
    elapsed = max(r[3] for r in results) - start_at
    return {"calls": len(lat), "rps": len(lat) / max(elapsed, 1e-9),
            "p50_ms": percentile(lat, 50) * 1000, "p99_ms": percentile(lat, 99) * 1000,
            "errors": errors, "error_sample": next((r[2] for r in results if r[2]), None)}


def soak(port, calls, sessions, seconds, pid) -> dict:
    stop = time.time() + seconds
    lock = threading.Lock()
    agg = {"ok": 0, "lat": [], "errors": {}, "sample": None, "by_tool": {},
           "errors_by_tool": {}}

    def one(i):
        try:
            s = Session(port, timeout=seconds + 60).initialize()
        except Exception as e:  # noqa: BLE001
            with lock:
                agg["errors"]["session"] = agg["errors"].get("session", 0) + 1
                agg["sample"] = agg["sample"] or repr(e)[:300]
            return
        k = i
        while time.time() < stop:
            name, args = calls[k % len(calls)]
            k += 1
            t = time.perf_counter()
            try:
                status, payload, _ = s.rpc_raw("tools/call", {"name": name, "arguments": args})
                kind = classify(status, payload)
            except Exception as e:  # noqa: BLE001
                kind, payload = "exception", repr(e).encode()
            dt = time.perf_counter() - t
            with lock:
                if kind == "ok":
                    agg["ok"] += 1
                    agg["lat"].append(dt)
                    agg["by_tool"][name] = agg["by_tool"].get(name, 0) + 1
                else:
                    agg["errors"][kind] = agg["errors"].get(kind, 0) + 1
                    agg["errors_by_tool"][f"{name} {kind}"] = (
                        agg["errors_by_tool"].get(f"{name} {kind}", 0) + 1)
                    agg["sample"] = agg["sample"] or payload[:300].decode("utf-8", "replace")
        s.close()

    rss = [proc_status(pid)["VmRSS"]]
    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(sessions)]
    t0 = time.time()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        rss.append(proc_status(pid)["VmRSS"])
        time.sleep(0.5)
    elapsed = time.time() - t0
    st = proc_status(pid)
    time.sleep(5)
    later = proc_status(pid)["VmRSS"]
    return {"sessions": sessions, "seconds": seconds, "calls": agg["ok"],
            "ok_by_tool": agg["by_tool"], "errors_by_tool": agg["errors_by_tool"],
            "wall_s": elapsed, "rss_5s_after_mib": later,
            "rps": agg["ok"] / elapsed, "p50_ms": percentile(agg["lat"], 50) * 1000,
            "p99_ms": percentile(agg["lat"], 99) * 1000, "errors": agg["errors"],
            "error_sample": agg["sample"], "rss_start_mib": rss[0], "rss_max_mib": max(rss),
            "rss_end_mib": st["VmRSS"], "hwm_mib": st["VmHWM"]}


# --------------------------------------------------------------------------- main

def pick_target(snap: str, ns_hint: str) -> tuple[str, str, str]:
    """A namespace, and a pod in it with a current container log of at least 200 lines."""
    logs = os.path.join(snap, "logs")
    namespaces = [ns_hint] + sorted(os.listdir(logs))
    for ns in namespaces:
        d = os.path.join(logs, ns)
        if not os.path.isdir(d):
            continue
        for pod in sorted(os.listdir(d)):
            for f in sorted(os.listdir(os.path.join(d, pod))):
                if f.endswith(".log") and not f.endswith(".previous.log"):
                    with open(os.path.join(d, pod, f), errors="replace") as fh:
                        if sum(1 for _ in fh) >= 200:
                            return ns, pod, f[:-4]
    sys.exit("no pod with a 200-line log in the snapshot")


def replay_requests(log_path: str, offset: int) -> tuple[int, list]:
    with open(log_path, "rb") as f:
        f.seek(offset)
        data = f.read()
    reqs = []
    for line in ANSI.sub("", data.decode("utf-8", "replace")).splitlines():
        m = REQ_LINE.search(line)
        if m:
            reqs.append((m.group(1), m.group(2), m.group(3), int(m.group(4))))
    return offset + len(data), reqs


SERVERS = ("ktriage", "peer", "peer_nothrottle")


def print_soak(s: dict, mix_keys: list):
    allowed = s["errors"].get("rate_limited", 0)
    bad = sum(v for k, v in s["errors"].items() if k != "rate_limited")
    print()
    print(f"soak (ktriage alone, fresh process): {s['sessions']} concurrent sessions for "
          f"{s['seconds']:.0f}s ({s['wall_s']:.0f}s until the last call returned), calls "
          f"rotating over {', '.join(mix_keys)}: {s['calls']} calls ({s['rps']:.1f}/s), "
          f"p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms; errors {bad} (rate-limited "
          f"{allowed}) {s['errors'] or ''}; RSS {s['rss_start_mib']:.0f} MiB before, max "
          f"{s['rss_max_mib']:.0f} MiB during, {s['rss_end_mib']:.0f} MiB at the end, "
          f"{s['rss_5s_after_mib']:.0f} MiB 5 s later; VmHWM {s['hwm_mib']:.0f} MiB")
    print(f"soak answers by tool: {s['ok_by_tool']}; errors by tool: "
          f"{s['errors_by_tool'] or 'none'}")
    if s["error_sample"]:
        print("soak error sample: " + " ".join(s["error_sample"].split())[:300])


def fmt_ratio(a, b):
    return f"{a / b:.2f}x" if b and not math.isnan(a) and not math.isnan(b) else "n/a"


def main():
    global QUICKACK
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pods", type=int, default=2000)
    ap.add_argument("--events", type=int, default=10000)
    ap.add_argument("--namespaces", type=int, default=20)
    ap.add_argument("--namespace", default="checkout", help="namespace of the namespaced calls")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=6.0,
                    help="seconds per server, call, concurrency and round")
    ap.add_argument("--concurrency", default="1,16")
    ap.add_argument("--soak-sessions", type=int, default=200)
    ap.add_argument("--soak-seconds", type=float, default=30.0)
    ap.add_argument("--soak-mix", default="ns_pods,all_pods,get_pod,logs,events",
                    help="calls the soak rotates over")
    ap.add_argument("--calls", default="ns_pods,all_pods,get_pod,logs,events",
                    help="the calls measured in the load rounds (all by default)")
    ap.add_argument("--soak-only", action="store_true",
                    help="skip the peer and the comparison; only the ktriage soak")
    ap.add_argument("--peer-version", default="0.0.67", help="npm version, or 'latest'")
    ap.add_argument("--ktriage", default=os.path.join(ROOT, "target", "release", "ktriage"))
    ap.add_argument("--build", action="store_true", help="cargo build --release -p agent first")
    ap.add_argument("--quickack", action="store_true",
                    help="TCP_QUICKACK on the client (hides servers' Nagle stalls; not normal)")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    QUICKACK = a.quickack
    conc_levels = [int(c) for c in a.concurrency.split(",")]

    if a.build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "agent"], cwd=ROOT, check=True)
    if not os.path.exists(a.ktriage):
        sys.exit(f"{a.ktriage} is missing; build it (cargo build --release -p agent) or --build")
    peer_bin, peer_version = (None, "n/a") if a.soak_only else fetch_peer(a.peer_version)

    work = tempfile.mkdtemp(prefix="ktriage-mcp-peer-")
    procs: list[subprocess.Popen] = []
    try:
        snap = os.path.join(work, "snap")
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_snapshot.py"), snap,
                        "--pods", str(a.pods), "--events", str(a.events),
                        "--namespaces", str(a.namespaces), "--seed", "1"], check=True)
        ns, pod, container = pick_target(snap, a.namespace)

        kc = os.path.join(work, "kubeconfig")
        replay_log = os.path.join(work, "replay.log")
        replay = subprocess.Popen([a.ktriage, "replay", snap, "--kubeconfig-out", kc],
                                  stdout=subprocess.DEVNULL, stderr=open(replay_log, "wb"),
                                  env=dict(os.environ, KTRIAGE_LOG="debug", NO_COLOR="1"))
        procs.append(replay)
        deadline = time.time() + 120
        while not os.path.exists(kc):
            if replay.poll() is not None or time.time() > deadline:
                sys.exit("replay failed: " + open(replay_log, errors="replace").read()[-2000:])
            time.sleep(0.05)
        time.sleep(0.2)

        def start_peer(tag, extra_env):
            port = free_port()
            p = subprocess.Popen(
                [peer_bin, "--port", str(port), "--bind-address", "127.0.0.1", "--read-only",
                 "--disable-destructive", "--disable-multi-cluster", "--kubeconfig", kc,
                 "--log-level", "0", "--log-file", os.path.join(work, f"{tag}.log")],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"{tag}.err"), "wb"),
                env=dict(os.environ, **extra_env))
            procs.append(p)
            wait_http(port, "/healthz", p, f"kubernetes-mcp-server ({tag})")
            return port, p

        def start_ktriage():
            port = free_port()
            p = subprocess.Popen([a.ktriage, "mcp", "--listen", f"127.0.0.1:{port}",
                                  "--kubeconfig", kc],
                                 stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(work, f"ktriage-{port}.err"), "wb"),
                                 env=dict(os.environ, NO_COLOR="1"))
            procs.append(p)
            wait_http(port, "/healthz", p, "ktriage mcp")
            return port, p

        calls = {
            "ns_pods": (("list_pods", {"namespace": ns}),
                        ("pods_list_in_namespace", {"namespace": ns})),
            "all_pods": (("list_pods", {}), ("pods_list", {})),
            "get_pod": (("describe", {"kind": "pod", "namespace": ns, "name": pod}),
                        ("pods_get", {"namespace": ns, "name": pod})),
            "logs": (("pod_logs", {"namespace": ns, "pod": pod, "container": container,
                                   "tail": 100}),
                     ("pods_log", {"namespace": ns, "name": pod, "container": container,
                                   "tail": 100})),
            "events": (("events", {"namespace": ns}), ("events_list", {"namespace": ns})),
        }
        labels = {
            "ns_pods": f"pods in `{ns}`", "all_pods": "pods, all namespaces",
            "get_pod": "one pod", "logs": "pod logs, tail 100", "events": f"events in `{ns}`",
        }

        def call_for(name, key):
            return calls[key][0] if name == "ktriage" else calls[key][1]

        mix_keys = [k for k in a.soak_mix.split(",") if k]
        unknown = [k for k in mix_keys if k not in calls]
        if unknown:
            sys.exit(f"--soak-mix: unknown calls {unknown}; known: {', '.join(calls)}")
        mix = [calls[k][0] for k in mix_keys]
        load_keys = [k for k in a.calls.split(",") if k]
        unknown = [k for k in load_keys if k not in calls]
        if unknown:
            sys.exit(f"--calls: unknown calls {unknown}; known: {', '.join(calls)}")
        rv = subprocess.run([a.ktriage, "--version"], capture_output=True, text=True).stdout
        cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                    if ln.startswith("model name")), "?")
        if a.soak_only:
            port2, kt2 = start_ktriage()
            print(f"soak: {a.soak_sessions} sessions for {a.soak_seconds:.0f}s", file=sys.stderr)
            soak_res = soak(port2, mix, a.soak_sessions, a.soak_seconds, kt2.pid)
            load = open("/proc/loadavg").read().split()[:3]
            print(f"snapshot: {a.pods} pods, {a.events} events, {a.namespaces} namespaces; "
                  f"machine: {os.cpu_count()} CPUs ({cpu}), load average at the end "
                  f"{' '.join(load)}; {rv.strip()}")
            print_soak(soak_res, mix_keys)
            if a.json:
                with open(a.json, "w") as f:
                    json.dump({"args": vars(a), "soak": soak_res}, f, indent=1)
            return

        servers = {
            "ktriage": start_ktriage(),
            "peer": start_peer("peer", {}),
            "peer_nothrottle": start_peer("peer_nothrottle", {"KUBE_CLIENT_QPS": "10000",
                                                              "KUBE_CLIENT_BURST": "10000"}),
        }
        time.sleep(1.0)
        idle = {name: proc_status(p.pid)["VmRSS"] for name, (_, p) in servers.items()}

        # ---- probe: tools/list size, each answer once, the API requests behind it
        probe: dict = {}
        log_off = 0
        answers = os.path.join(work, "answers")
        os.makedirs(answers)
        for name, (port, _) in servers.items():
            s = Session(port).initialize()
            tl = s.rpc("tools/list", {})["result"]["tools"]
            tl_json = json.dumps(tl, separators=(",", ":"), ensure_ascii=False)
            probe[name] = {"tools": len(tl), "tools_list_tokens": tokens(tl_json)}
            for key in calls:
                tool, args = call_for(name, key)
                log_off, _ = replay_requests(replay_log, log_off)
                status, payload, i = s.rpc_raw("tools/call", {"name": tool, "arguments": args})
                time.sleep(0.3)
                log_off, reqs = replay_requests(replay_log, log_off)
                msg = parse_reply(payload, i) if status == 200 else {}
                text = result_text(msg)
                res = msg.get("result") or {}
                with open(os.path.join(answers, f"{name}-{key}.txt"), "w") as f:
                    f.write(text)
                probe[name][key] = {
                    "tool": tool, "args": args, "http": status,
                    "is_error": bool(res.get("isError")), "error": msg.get("error"),
                    "text_tokens": tokens(text), "wire_bytes": len(payload),
                    "items": items_shown(name, key, text),
                    "structured": "structuredContent" in res,
                    "api_requests": [f"{m} {p}{'?' + q if q else ''} -> {st}"
                                     for m, p, q, st in reqs],
                    "head": text[:240],
                }
            s.close()

        print(f"\n# probe (answers in {answers} with --keep)", file=sys.stderr)
        for name in servers:
            for key in calls:
                p = probe[name][key]
                bad = [r for r in p["api_requests"] if not r.endswith("-> 200")]
                print(f"{name:15} {key:9} {p['tool']:23} http={p['http']} "
                      f"error={p['is_error'] or p['error']} tokens={p['text_tokens']} "
                      f"api={len(p['api_requests'])} "
                      f"{'FAILED API: ' + '; '.join(bad) if bad else ''}", file=sys.stderr)
                print("      " + ", ".join(p["api_requests"][:5])
                      + (" ..." if len(p["api_requests"]) > 5 else ""), file=sys.stderr)

        # ---- load rounds
        cells: dict = {}
        hwm_after: dict = {}  # (server, key, c) -> VmHWM after its first-round cell
        names = list(servers)
        for r in range(a.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for key in load_keys:
                for c in conc_levels:
                    for name in order:
                        tool, args = call_for(name, key)
                        res = run_cell(servers[name][0], tool, args, c, a.duration)
                        cells.setdefault((name, key, c), []).append(res)
                        hwm_after.setdefault((name, key, c),
                                             proc_status(servers[name][1].pid)["VmHWM"])
                        print(f"round {r + 1}/{a.rounds} {name:15} {key:9} c={c:<3} "
                              f"{res['rps']:8.1f}/s p50={res['p50_ms']:.1f}ms "
                              f"p99={res['p99_ms']:.1f}ms errors={res['errors'] or 0}",
                              file=sys.stderr)
        hwm = {name: proc_status(p.pid)["VmHWM"] for name, (_, p) in servers.items()}
        end_rss = {name: proc_status(p.pid)["VmRSS"] for name, (_, p) in servers.items()}

        def med(name, key, c, field):
            return statistics.median(x[field] for x in cells[(name, key, c)])

        def errs(name, key, c):
            return sum(sum(x["errors"].values()) for x in cells[(name, key, c)])

        # ---- soak: a fresh ktriage, many sessions
        soak_res = None
        if a.soak_sessions > 0:
            for name in ("peer", "peer_nothrottle"):  # give the CPUs to the soak
                servers[name][1].terminate()
            kt = servers["ktriage"][1]
            kt.terminate()
            kt.wait()
            port2, kt2 = start_ktriage()
            print(f"soak: {a.soak_sessions} sessions for {a.soak_seconds:.0f}s", file=sys.stderr)
            soak_res = soak(port2, mix, a.soak_sessions, a.soak_seconds, kt2.pid)

        # ---- report
        load = open("/proc/loadavg").read().split()[:3]
        print()
        print(f"snapshot: {a.pods} pods, {a.events} events, {a.namespaces} namespaces "
              f"(gen_snapshot --seed 1); namespace `{ns}`, pod `{pod}` container `{container}`")
        print(f"machine: {os.cpu_count()} CPUs ({cpu}), load average at the end {' '.join(load)}; "
              f"{rv.strip() or 'ktriage ?'}; peer kubernetes-mcp-server {peer_version}; "
              f"{a.rounds} rounds x {a.duration:.0f}s per server and cell, medians"
              + ("; client TCP_QUICKACK" if a.quickack else ""))
        print("peer = as shipped (client-go QPS 5, burst 10); peer_nothrottle = "
              "KUBE_CLIENT_QPS=KUBE_CLIENT_BURST=10000")
        print()
        print("Throughput (calls/s) and ratios ktriage/peer:")
        print()
        print("| call | conc | ktriage | peer | peer_nothrottle | vs peer | vs nothrottle "
              "| errors k/p/pn |")
        print("|---|---|---|---|---|---|---|---|")
        for key in load_keys:
            for c in conc_levels:
                k, p, pn = (med(n, key, c, "rps") for n in SERVERS)
                print(f"| {labels[key]} | {c} | {k:.1f} | {p:.1f} | {pn:.1f} | "
                      f"{fmt_ratio(k, p)} | {fmt_ratio(k, pn)} | "
                      f"{'/'.join(str(errs(n, key, c)) for n in SERVERS)} |")
        print()
        print("Latency p50 / p99 (ms) and p99 ratios ktriage/peer:")
        print()
        print("| call | conc | ktriage p50 / p99 | peer p50 / p99 | peer_nothrottle p50 / p99 "
              "| p99 vs peer | p99 vs nothrottle |")
        print("|---|---|---|---|---|---|---|")
        for key in load_keys:
            for c in conc_levels:
                cols = [f"{med(n, key, c, 'p50_ms'):.1f} / {med(n, key, c, 'p99_ms'):.1f}"
                        for n in SERVERS]
                k99, p99, pn99 = (med(n, key, c, "p99_ms") for n in SERVERS)
                print(f"| {labels[key]} | {c} | {' | '.join(cols)} | {fmt_ratio(k99, p99)} | "
                      f"{fmt_ratio(k99, pn99)} |")
        print()
        print("Answer size (text content, tokens = chars/4; wire = the whole HTTP body):")
        print()
        print("| call | ktriage tool | peer tool | ktriage tokens | peer tokens | ratio "
              "| items shown k/p | tokens per item k/p | ratio per item "
              "| ktriage wire KiB | peer wire KiB | API requests k/p |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for key in calls:
            k, p = probe["ktriage"][key], probe["peer"][key]
            if k["items"] and p["items"]:
                kpi, ppi = k["text_tokens"] / k["items"], p["text_tokens"] / p["items"]
                per_item = (f"{k['items']}/{p['items']} | {kpi:.0f}/{ppi:.0f} | "
                            f"{fmt_ratio(kpi, ppi)}")
            else:
                per_item = f"{k['items'] or '-'}/{p['items'] or '-'} | - | -"
            print(f"| {labels[key]} | {k['tool']} | {p['tool']} | {k['text_tokens']} | "
                  f"{p['text_tokens']} | {fmt_ratio(k['text_tokens'], p['text_tokens'])} | "
                  f"{per_item} | {k['wire_bytes'] / 1024:.1f} | {p['wire_bytes'] / 1024:.1f} | "
                  f"{len(k['api_requests'])}/{len(p['api_requests'])} |")
        print()
        print("| | ktriage | peer | peer_nothrottle | ktriage/peer |")
        print("|---|---|---|---|---|")
        tl = [probe[n]["tools_list_tokens"] for n in SERVERS]
        print(f"| tools/list tokens | {tl[0]} ({probe['ktriage']['tools']} tools) | {tl[1]} "
              f"({probe['peer']['tools']} tools) | {tl[2]} | {fmt_ratio(tl[0], tl[1])} |")
        for title, d in (("RSS idle after start, MiB", idle),
                         ("peak RSS over all rounds (VmHWM), MiB", hwm),
                         ("RSS after all rounds, MiB", end_rss)):
            print(f"| {title} | {d['ktriage']:.0f} | {d['peer']:.0f} | "
                  f"{d['peer_nothrottle']:.0f} | {fmt_ratio(d['ktriage'], d['peer'])} |")
        print()
        print("VmHWM (MiB) after each first-round cell, in run order:")
        for name in SERVERS:
            steps = [f"{key}/c{c} {hwm_after[(name, key, c)]:.0f}"
                     for key in load_keys for c in conc_levels]
            print(f"  {name}: idle {idle[name]:.0f}, " + ", ".join(steps))
        if soak_res:
            print_soak(soak_res, mix_keys)
        print()
        for name in SERVERS:
            for key in calls:
                p = probe[name][key]
                bad = [r for r in p["api_requests"] if not r.endswith("-> 200")]
                if bad or p["is_error"] or p["error"] or p["http"] != 200 or not p["text_tokens"]:
                    print(f"note: {name} {p['tool']} {json.dumps(p['args'])}: http {p['http']}, "
                          f"tool error {p['is_error']}, {p['text_tokens']} tokens; failed API "
                          f"requests: {bad or 'none'}; API requests: {p['api_requests']}")
        for (name, key, c), rs in cells.items():
            e = [x for x in rs if x["errors"]]
            if e:
                print(f"errors: {name} {key} c={c}: {e[0]['errors']} {e[0]['error_sample']}")

        if a.json:
            out = {"args": vars(a), "peer_version": peer_version, "ktriage_version": rv.strip(),
                   "cpu": cpu, "nproc": os.cpu_count(), "probe": probe,
                   "cells": {f"{n}/{k}/{c}": v for (n, k, c), v in cells.items()},
                   "idle_rss_mib": idle, "hwm_mib": hwm, "end_rss_mib": end_rss,
                   "hwm_after_cell": {f"{n}/{k}/{c}": v for (n, k, c), v in hwm_after.items()},
                   "soak": soak_res}
            with open(a.json, "w") as f:
                json.dump(out, f, indent=1)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if a.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
