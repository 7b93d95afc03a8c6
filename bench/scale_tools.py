#!/usr/bin/env python3
"""Scale benchmark for issue #2: every tool's latency and the replay server's memory on a
generated snapshot (default 10,000 pods, 50,000 events).

    python3 bench/scale_tools.py [--pods 10000] [--events 50000] [--runs 5] [--release]

It generates the snapshot with bench/gen_snapshot.py, starts `ktriage replay` on it, runs each
tool through `ktriage tool --kubeconfig` several times, and prints the median wall time per
tool (including the CLI's ~process start) and the replay's peak RSS (VmHWM) after all calls.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--release", action="store_true", help="build and time the release binary")
    a = ap.parse_args()
    profile = "release" if a.release else "debug"
    build = ["cargo", "build", "-q", "-p", "agent"] + (["--release"] if a.release else [])
    subprocess.run(build, cwd=ROOT, check=True)
    ktriage = os.path.join(ROOT, "target", profile, "ktriage")
    work = tempfile.mkdtemp(prefix="ktriage-scale-")
    snap = os.path.join(work, "snap")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_snapshot.py"), snap,
                    "--pods", str(a.pods), "--events", str(a.events)], check=True)
    kc = os.path.join(work, "kubeconfig")
    t0 = time.time()
    replay = subprocess.Popen([ktriage, "replay", snap, "--kubeconfig-out", kc],
                              stderr=subprocess.PIPE, text=True)
    while not os.path.exists(kc):
        if replay.poll() is not None:
            sys.exit("replay failed: " + replay.stderr.read())
        time.sleep(0.05)
    load_s = time.time() - t0
    ns = "checkout"
    calls = [
        ("cluster_overview", {}),
        ("list_pods", {}),
        ("list_pods", {"problems_only": True}),
        ("list_pods", {"namespace": ns}),
        ("describe", {"kind": "deploy", "namespace": ns, "name": "checkout-api"}),
        ("events", {}),
        ("events", {"namespace": ns, "type": "Warning"}),
        ("workload_health", {"problems_only": True}),
        ("rollout_history", {"namespace": ns, "name": "checkout-api"}),
        ("gateway_routes", {}),
        ("nodes", {}),
    ]
    # pod_logs on a pod that has a log file
    logs = os.path.join(snap, "logs", ns)
    if os.path.isdir(logs):
        pod = sorted(os.listdir(logs))[0]
        calls.append(("pod_logs", {"namespace": ns, "pod": pod, "errors_only": True}))
    rows = []
    for tool, args in calls:
        times, tokens = [], 0
        for _ in range(a.runs):
            t = time.perf_counter()
            out = subprocess.run([ktriage, "tool", tool, json.dumps(args), "--kubeconfig", kc],
                                 capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            if out.returncode != 0:
                sys.exit(f"{tool} {args} failed: {out.stderr[-2000:]}")
            tokens = len(out.stdout) // 4
        rows.append((tool, json.dumps(args), statistics.median(times) * 1000, tokens))
    with open(f"/proc/{replay.pid}/status") as f:
        hwm = next(l for l in f if l.startswith("VmHWM")).split()[1]
    replay.terminate()
    print(f"snapshot: {a.pods} pods, {a.events} events; replay load {load_s:.1f}s; "
          f"replay peak RSS {int(hwm)/1024:.0f} MiB; binary {profile}; median of {a.runs} runs")
    print("| tool | arguments | median ms | output tokens |")
    print("|---|---|---|---|")
    for tool, args, ms, tok in rows:
        print(f"| {tool} | `{args}` | {ms:.0f} | {tok} |")

if __name__ == "__main__":
    main()
