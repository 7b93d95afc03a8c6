//! Real kubectl against the replay server: it must answer as a live cluster would.
//! Needs `kubectl` on PATH (`.ci/run` installs it).

mod common;

use std::path::Path;
use std::process::Command;

fn kubectl(kubeconfig: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("kubectl")
        .env("KUBECONFIG", kubeconfig)
        .env_remove("KUBECTL_EXTERNAL_DIFF")
        .args(args)
        .output()
        .expect("kubectl is installed (.ci/run installs it)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reads_the_replay_like_a_cluster() {
    let env = common::start(&common::demo()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    env.server.write_kubeconfig(&kc).expect("kubeconfig");
    let run = |args: &'static [&'static str]| {
        let kc = kc.clone();
        tokio::task::spawn_blocking(move || kubectl(&kc, args))
    };

    // get pods -A: server-side table with the columns and ages (from the snapshot's clock).
    let (ok, out, err) = run(&["get", "pods", "-A"]).await.expect("join");
    assert!(ok, "{err}");
    let header = out.lines().next().unwrap_or_default();
    for col in ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"] {
        assert!(header.contains(col), "{header}");
    }
    let crash = out
        .lines()
        .find(|l| l.contains("vllm-llama-5d7b9c4f68-x7k2p"))
        .expect("the crashing pod is listed");
    assert!(
        crash.contains("0/1")
            && crash.contains("CrashLoopBackOff")
            && crash.contains("7 (89s ago)"),
        "{crash}"
    );

    // Events of one object through a field selector.
    let (ok, out, err) = run(&[
        "get",
        "events",
        "-n",
        "llm-serving",
        "--field-selector",
        "involvedObject.name=vllm-llama-5d7b9c4f68-x7k2p",
    ])
    .await
    .expect("join");
    assert!(ok, "{err}");
    assert!(
        out.contains("BackOff") && out.contains("pod/vllm-llama-5d7b9c4f68-x7k2p"),
        "{out}"
    );
    assert!(
        !out.contains("embeddings-tei"),
        "only the selected object's events: {out}"
    );

    // describe pod: the object plus its events, as kubectl assembles them.
    let (ok, out, err) = run(&[
        "describe",
        "pod",
        "-n",
        "llm-serving",
        "vllm-llama-5d7b9c4f68-x7k2p",
    ])
    .await
    .expect("join");
    assert!(ok, "{err}");
    for want in [
        "Name:",
        "vllm-llama-5d7b9c4f68-x7k2p",
        "CrashLoopBackOff",
        "--max-model-len=32768",
        "Events:",
        "Back-off restarting failed container",
    ] {
        assert!(out.contains(want), "describe lacks {want}:\n{out}");
    }

    // logs --previous: the crashed instance, timestamps stripped.
    let (ok, out, err) = run(&[
        "logs",
        "-n",
        "llm-serving",
        "vllm-llama-5d7b9c4f68-x7k2p",
        "--previous",
        "--tail",
        "40",
    ])
    .await
    .expect("join");
    assert!(ok, "{err}");
    assert!(out.contains("CUDA out of memory"), "{out}");
    assert!(
        !out.starts_with("2026-"),
        "timestamps are stripped unless asked"
    );
    let (ok, out, _) = run(&[
        "logs",
        "-n",
        "llm-serving",
        "vllm-llama-5d7b9c4f68-x7k2p",
        "--timestamps",
        "--tail",
        "1",
    ])
    .await
    .expect("join");
    assert!(ok && out.starts_with("2026-11-20T"), "{out}");

    // get deploy -o yaml: the object as stored, kind and apiVersion restored.
    let (ok, out, err) = run(&[
        "get",
        "deploy",
        "vllm-llama",
        "-n",
        "llm-serving",
        "-o",
        "yaml",
    ])
    .await
    .expect("join");
    assert!(ok, "{err}");
    assert!(
        out.starts_with("apiVersion: apps/v1\nkind: Deployment\n"),
        "{out}"
    );
    assert!(out.contains("--max-model-len=32768"));

    // Custom resources through discovery: HTTPRoutes and their printer columns.
    let (ok, out, err) = run(&["get", "httproutes", "-A"]).await.expect("join");
    assert!(ok, "{err}");
    assert!(
        out.contains("llama-route") && out.contains("HOSTNAMES"),
        "{out}"
    );

    // Label selectors (set-based), -o name, and pagination with a small --chunk-size.
    let (ok, out, err) = run(&[
        "get",
        "pods",
        "-A",
        "-l",
        "app in (vllm-llama)",
        "-o",
        "name",
        "--chunk-size",
        "1",
    ])
    .await
    .expect("join");
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");

    // Not found and read-only answers.
    let (ok, _, err) = run(&["get", "pod", "nope", "-n", "llm-serving"])
        .await
        .expect("join");
    assert!(!ok && err.contains("pods \"nope\" not found"), "{err}");
    let (ok, _, err) = run(&[
        "delete",
        "pod",
        "vllm-llama-5d7b9c4f68-x7k2p",
        "-n",
        "llm-serving",
    ])
    .await
    .expect("join");
    assert!(!ok && err.contains("MethodNotAllowed"), "{err}");
    let (ok, _, err) = run(&[
        "scale",
        "deploy",
        "vllm-llama",
        "-n",
        "llm-serving",
        "--replicas",
        "0",
    ])
    .await
    .expect("join");
    assert!(!ok, "{err}");
    assert!(env.server.mutating_requests() >= 2, "mutations are counted");
}
