//! Several clusters behind one server (a `context` argument on every tool), and Kubernetes
//! impersonation per profile (the API server sees the profile's user on every request).

use std::path::PathBuf;
use std::sync::Arc;

use mcp_server::audit::Audit;
use mcp_server::{Caller, KtriageMcp, McpClient, Options, Shared};
use serde_json::json;
use tools::k8s::KubeReader;
use tools::replay::ReplayServer;
use tools::snapshot::Snapshot;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn replay(dir: &str) -> ReplayServer {
    ReplayServer::start(
        Snapshot::load(&root().join(dir)).expect("snapshot"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("replay")
}

fn reader(r: &ReplayServer, profile: rbac::Profile) -> KubeReader {
    let client =
        tools::k8s::client_for_profile(&r.config().expect("config"), &profile).expect("client");
    KubeReader::new(client, r.clock(), Arc::new(profile))
}

#[tokio::test]
async fn each_tool_takes_a_context_when_several_clusters_are_served() {
    let prod = replay("evals/scenarios/vllm-oom-after-max-model-len-bump").await;
    let staging = replay("tools/tests/fixtures/leaky").await;
    let shared = Shared::multi(
        vec![
            ("prod".into(), vec![reader(&prod, rbac::Profile::local())]),
            (
                "staging".into(),
                vec![reader(&staging, rbac::Profile::local())],
            ),
        ],
        None,
        Audit::off(),
        Options::default(),
    )
    .expect("server");
    let c = McpClient::in_process(KtriageMcp::new(shared, Some(Caller::local("local"))))
        .await
        .expect("client");
    let tools = c.list_tools().await.expect("tools/list");
    for t in &tools {
        assert_eq!(
            t.input_schema["properties"]["context"]["enum"],
            json!(["prod", "staging"]),
            "{}",
            t.name
        );
    }
    let r = c
        .call(
            "list_pods",
            json!({"namespace": "payments", "context": "staging"}),
        )
        .await
        .expect("call");
    assert!(
        !r.is_error && r.text.contains("api-7d9f8b6c5d"),
        "{}",
        r.text
    );
    let r = c
        .call("list_pods", json!({"namespace": "payments"}))
        .await
        .expect("call");
    assert!(
        r.is_error,
        "the default cluster (prod) has no payments namespace: {}",
        r.text
    );
    let r = c
        .call("nodes", json!({"context": "dev"}))
        .await
        .expect("call");
    assert!(r.is_error && r.text.contains("prod, staging"), "{}", r.text);
    c.close().await;
}

#[tokio::test]
async fn a_profile_with_impersonation_reads_as_its_user() {
    let r = replay("evals/scenarios/vllm-oom-after-max-model-len-bump").await;
    let mut profile = rbac::Profile::namespaced("oncall", ["llm-serving"]);
    profile.impersonate = Some(rbac::Impersonate {
        user: "oncall-bot".into(),
        groups: vec!["sre".into()],
    });
    let shared = Shared::new(
        vec![reader(&r, profile)],
        None,
        Audit::off(),
        Options::default(),
    )
    .expect("server");
    let c = McpClient::in_process(KtriageMcp::new(shared, Some(Caller::local("oncall"))))
        .await
        .expect("client");
    let res = c
        .call("list_pods", json!({"namespace": "llm-serving"}))
        .await
        .expect("call");
    assert!(!res.is_error, "{}", res.text);
    let requests = r.requests();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|q| q.impersonate_user.as_deref() == Some("oncall-bot")),
        "{requests:?}"
    );
    // A single-cluster server refuses a context argument rather than ignoring it.
    let res = c
        .call("nodes", json!({"context": "prod"}))
        .await
        .expect("call");
    assert!(
        res.is_error && res.text.contains("one cluster"),
        "{}",
        res.text
    );
    c.close().await;
}

#[tokio::test]
async fn a_slow_cluster_gets_a_timeout_answer_not_a_hung_call() {
    let r = replay("evals/scenarios/vllm-oom-after-max-model-len-bump").await;
    r.set_faults(vec![
        tools::replay::Fault::parse("path=/api/v1/nodes,latency=5s").expect("fault"),
    ]);
    let shared = Shared::new(
        vec![reader(&r, rbac::Profile::local())],
        None,
        Audit::off(),
        Options {
            tool_timeout: std::time::Duration::from_secs(1),
            ..Options::default()
        },
    )
    .expect("server");
    let c = McpClient::in_process(KtriageMcp::new(
        shared.clone(),
        Some(Caller::local("local")),
    ))
    .await
    .expect("client");
    let started = std::time::Instant::now();
    let res = c.call("nodes", json!({})).await.expect("call");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    assert!(
        res.is_error && res.text.contains("did not answer within 1 s"),
        "{}",
        res.text
    );
    assert!(shared.metrics.render(0).contains("outcome=\"timeout\"} 1"));
    // Other tools still answer.
    let res = c
        .call("list_pods", json!({"namespace": "llm-serving"}))
        .await
        .expect("call");
    assert!(!res.is_error, "{}", res.text);
    c.close().await;
}
