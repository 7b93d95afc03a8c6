//! The invariants of the tools crate, tested end to end against the replay server:
//! every request is a read, no planted credential leaks, bad input gets an actionable error.

mod common;

use serde_json::{Value, json};
use tools::Error;
use tools::registry::call;

/// Every tool with argument sets that exercise its code paths on the `leaky` fixture.
fn leaky_calls() -> Vec<(&'static str, Value)> {
    let crash = "api-7d9f8b6c5d-q8wzt";
    let ok = "api-7d9f8b6c5d-x2k9q";
    vec![
        ("cluster_overview", json!({})),
        ("cluster_overview", json!({"namespace": "payments"})),
        ("list_pods", json!({})),
        (
            "list_pods",
            json!({"namespace": "payments", "problems_only": true}),
        ),
        (
            "list_pods",
            json!({"selector": "app.kubernetes.io/name in (api)", "phase": "running"}),
        ),
        ("list_pods", json!({"node": "node-a"})),
        (
            "describe",
            json!({"kind": "Pod", "name": crash, "namespace": "payments"}),
        ),
        (
            "describe",
            json!({"kind": "po", "name": ok, "namespace": "payments"}),
        ),
        (
            "describe",
            json!({"kind": "deploy", "name": "api", "namespace": "payments"}),
        ),
        (
            "describe",
            json!({"kind": "ReplicaSet", "name": "api-7d9f8b6c5d", "namespace": "payments"}),
        ),
        (
            "describe",
            json!({"kind": "configmap", "name": "api-config", "namespace": "payments"}),
        ),
        (
            "describe",
            json!({"kind": "svc", "name": "api", "namespace": "payments"}),
        ),
        ("describe", json!({"kind": "node", "name": "node-a"})),
        ("events", json!({})),
        (
            "events",
            json!({"namespace": "payments", "type": "Warning"}),
        ),
        (
            "events",
            json!({"namespace": "payments", "object": crash, "since_minutes": 30}),
        ),
        ("pod_logs", json!({"namespace": "payments", "pod": crash})),
        (
            "pod_logs",
            json!({"namespace": "payments", "pod": crash, "previous": true, "tail": 5000}),
        ),
        (
            "pod_logs",
            json!({"namespace": "payments", "pod": ok, "errors_only": true}),
        ),
        (
            "pod_logs",
            json!({"namespace": "payments", "pod": ok, "grep": "token|password|key|secret|bearer|BEGIN"}),
        ),
        (
            "rollout_history",
            json!({"namespace": "payments", "name": "api"}),
        ),
        ("gateway_routes", json!({})),
        ("nodes", json!({})),
        ("workload_health", json!({})),
        (
            "workload_health",
            json!({"namespace": "payments", "problems_only": true}),
        ),
        ("list_objects", json!({"kind": "deploy"})),
        (
            "list_objects",
            json!({"kind": "configmap", "namespace": "payments"}),
        ),
        ("list_objects", json!({"kind": "svc"})),
        ("list_objects", json!({"kind": "node"})),
    ]
}

#[tokio::test]
async fn every_request_every_tool_makes_is_a_read() {
    let env = common::start(&common::leaky()).await;
    for (tool, args) in leaky_calls() {
        call(&env.ctx, tool, args.clone())
            .await
            .unwrap_or_else(|e| panic!("{tool} {args}: {e}"));
    }
    let requests = env.server.requests();
    assert!(
        requests.len() > 40,
        "the calls above make many requests, saw {}",
        requests.len()
    );
    for r in &requests {
        assert_eq!(
            r.method, "GET",
            "non-read request {} {}?{}",
            r.method, r.path, r.query
        );
    }
    assert_eq!(env.server.mutating_requests(), 0);
}

#[tokio::test]
async fn the_replay_refuses_and_counts_mutations() {
    let env = common::start(&common::leaky()).await;
    let client = env.server.client().expect("client");
    let api: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "payments");
    // The test drives a write on purpose to prove the replay refuses it; tools cannot.
    #[allow(clippy::disallowed_methods)]
    let err = api
        .delete("api-7d9f8b6c5d-q8wzt", &Default::default())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(env.server.mutating_requests(), 1);
}

#[tokio::test]
async fn no_planted_credential_leaks_from_any_tool() {
    let env = common::start(&common::leaky()).await;
    let planted = common::list_file(&common::leaky().join("planted.txt"));
    let kept = common::list_file(&common::leaky().join("kept.txt"));
    assert!(planted.len() >= 20, "the corpus is in place");
    let mut everything = String::new();
    let mut leaks = Vec::new();
    for (tool, args) in leaky_calls() {
        let a = call(&env.ctx, tool, args.clone())
            .await
            .unwrap_or_else(|e| panic!("{tool} {args}: {e}"));
        let structured = a.structured.to_string();
        for secret in &planted {
            if a.text.contains(secret.as_str()) || structured.contains(secret.as_str()) {
                leaks.push(format!("{tool} {args} leaks {secret}"));
            }
        }
        everything.push_str(&a.text);
        everything.push_str(&structured);
    }
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
    let over: Vec<_> = kept
        .iter()
        .filter(|k| !everything.contains(k.as_str()))
        .collect();
    assert!(over.is_empty(), "over-redacted, never shown: {over:?}");
}

#[tokio::test]
async fn secrets_are_denied_by_name_and_alias() {
    let env = common::start(&common::leaky()).await;
    for kind in ["Secret", "secrets", "secret"] {
        let e = call(
            &env.ctx,
            "describe",
            json!({"kind": kind, "name": "api-secrets", "namespace": "payments"}),
        )
        .await
        .expect_err("denied");
        assert!(matches!(e, Error::Denied(_)), "{e}");
        assert!(e.to_string().contains("Secret"), "{e}");
        let e = call(&env.ctx, "list_objects", json!({"kind": kind}))
            .await
            .expect_err("denied");
        assert!(matches!(e, Error::Denied(_)), "list_objects {kind}: {e}");
    }
    assert!(
        env.server
            .requests()
            .iter()
            .all(|r| !r.path.contains("secrets")),
        "no request for secrets was even made"
    );
}

async fn err(env: &common::Env, tool: &str, args: Value) -> String {
    call(&env.ctx, tool, args)
        .await
        .expect_err("an error")
        .to_string()
}

#[tokio::test]
async fn bad_input_gets_an_actionable_error() {
    let env = common::start(&common::leaky()).await;
    let e = err(&env, "list_pods", json!({"namespace": "paymnts"})).await;
    assert_eq!(e, "namespace `paymnts` not found; did you mean `payments`?");
    let e = err(
        &env,
        "list_pods",
        json!({"namespace": "payments", "selector": "app in (api"}),
    )
    .await;
    assert!(e.contains("selector") && e.contains("unbalanced"), "{e}");
    let e = err(&env, "list_pods", json!({"phase": "Crashing"})).await;
    assert!(e.contains("Pending, Running"), "{e}");
    let e = err(
        &env,
        "pod_logs",
        json!({"namespace": "payments", "pod": "api-7d9f8b6c5d-q8wzt", "tail": 1000000}),
    )
    .await;
    assert!(e.contains("out of range") && e.contains("grep="), "{e}");
    let e = err(
        &env,
        "pod_logs",
        json!({"namespace": "payments", "pod": "api-7d9f8b6c5d-q8wz"}),
    )
    .await;
    assert!(e.contains("did you mean `api-7d9f8b6c5d-q8wzt`"), "{e}");
    let e = err(
        &env,
        "pod_logs",
        json!({"namespace": "payments", "pod": "api-7d9f8b6c5d-x2k9q", "grep": "("}),
    )
    .await;
    assert!(e.contains("not a valid regex"), "{e}");
    let e = err(
        &env,
        "pod_logs",
        json!({"namespace": "payments", "pod": "api-7d9f8b6c5d-x2k9q", "container": "nope"}),
    )
    .await;
    assert!(e.contains("its containers: api"), "{e}");
    // A named container is read without reading the pod first; its errors stay as clear.
    let e = err(
        &env,
        "pod_logs",
        json!({"namespace": "payments", "pod": "api-7d9f8b6c5d-q8wz", "container": "api"}),
    )
    .await;
    assert!(e.contains("did you mean `api-7d9f8b6c5d-q8wzt`"), "{e}");
    let e = err(
        &env,
        "pod_logs",
        json!({"namespace": "payments", "pod": "api-7d9f8b6c5d-x2k9q", "container": "api", "previous": true}),
    )
    .await;
    assert!(e.contains("no log for container `api`"), "{e}");
    let e = err(
        &env,
        "describe",
        json!({"kind": "Widget", "name": "x", "namespace": "payments"}),
    )
    .await;
    assert!(
        e.contains("unknown kind `Widget`") && e.contains("pods"),
        "{e}"
    );
    let e = err(
        &env,
        "describe",
        json!({"kind": "deploy", "name": "apii", "namespace": "payments"}),
    )
    .await;
    assert!(e.contains("did you mean `api`"), "{e}");
    let e = err(&env, "list_pods", json!({"namespace": 7})).await;
    assert!(e.contains("invalid arguments for list_pods"), "{e}");
    let e = err(&env, "list_pods", json!({"namespaces": "x"})).await;
    assert!(e.contains("unknown field `namespaces`"), "{e}");
    let e = err(&env, "drop_tables", json!({})).await;
    assert!(e.contains("unknown tool") && e.contains("list_pods"), "{e}");
}

#[tokio::test]
async fn a_failing_or_slow_api_is_an_error_not_a_panic() {
    use tools::replay::Fault;
    let env = common::start(&common::leaky()).await;
    env.server.set_faults(vec![
        Fault::parse("path=/api/v1/namespaces/payments/pods,status=503").expect("fault"),
    ]);
    let e = err(&env, "list_pods", json!({"namespace": "payments"})).await;
    assert!(e.contains("503"), "{e}");
    env.server.set_faults(vec![
        Fault::parse("path=/api/v1/namespaces/payments/pods,status=403").expect("fault"),
    ]);
    let e = err(&env, "list_pods", json!({"namespace": "payments"})).await;
    assert!(e.contains("403") && e.contains("Forbidden"), "{e}");
    env.server.set_faults(vec![
        Fault::parse("path=/api/v1/namespaces/payments/pods,truncate=50").expect("fault"),
    ]);
    let e = err(&env, "list_pods", json!({"namespace": "payments"})).await;
    assert!(
        e.contains("cannot reach the Kubernetes API") || e.contains("Kubernetes"),
        "{e}"
    );
    // Latency: the call still succeeds, just later.
    env.server.set_faults(vec![
        Fault::parse("path=/api/v1/nodes,latency=150ms").expect("fault"),
    ]);
    let t = std::time::Instant::now();
    call(&env.ctx, "nodes", json!({}))
        .await
        .expect("slow but fine");
    assert!(t.elapsed() >= std::time::Duration::from_millis(150));
    // Warnings are gaps, not failures, in the overview.
    env.server.set_faults(vec![
        Fault::parse("path=/api/v1/nodes,status=500").expect("fault"),
    ]);
    let a = call(&env.ctx, "cluster_overview", json!({}))
        .await
        .expect("overview still answers");
    assert!(a.text.contains("could not read nodes"), "{}", a.text);
}

#[tokio::test]
async fn a_namespace_scoped_profile_never_sees_other_namespaces() {
    let env = common::start_with(
        &common::leaky(),
        rbac::Profile::namespaced("team-default", ["default"]),
    )
    .await;
    let e = err(&env, "list_pods", json!({"namespace": "payments"})).await;
    assert_eq!(
        e,
        "profile `team-default` does not allow namespace `payments`"
    );
    for (tool, args) in [
        ("list_pods", json!({})),
        ("events", json!({})),
        ("workload_health", json!({})),
        ("cluster_overview", json!({})),
    ] {
        let a = call(&env.ctx, tool, args)
            .await
            .expect("filtered, not refused");
        assert!(
            !a.text.contains("payments/") && !a.structured.to_string().contains("\"payments\""),
            "{tool}: {}",
            a.text
        );
    }
    let e = err(&env, "nodes", json!({})).await;
    assert!(e.contains("cluster-scoped"), "{e}");
}

#[tokio::test]
async fn outputs_respect_the_budget_and_say_how_they_were_cut() {
    let mut env = common::start(&common::leaky()).await;
    env.ctx.budget = tools::budget::Budget::tokens(150);
    for (tool, args) in leaky_calls() {
        let a = call(&env.ctx, tool, args.clone()).await.expect("answers");
        assert!(
            a.tokens <= 150 + 80,
            "{tool} {args}: {} tokens\n{}",
            a.tokens,
            a.text
        );
        if a.text.contains("[cut") {
            assert!(
                a.text.contains("not shown") || a.text.contains("dropped"),
                "{tool}: {}",
                a.text
            );
        }
    }
    let a = call(
        &env.ctx,
        "pod_logs",
        json!({"namespace": "payments", "pod": "api-7d9f8b6c5d-x2k9q", "tail": 5000}),
    )
    .await
    .expect("logs");
    assert!(
        a.text.contains("[cut"),
        "a long log under a small budget says it was cut:\n{}",
        a.text
    );
}
