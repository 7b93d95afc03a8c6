//! The MCP contract through the in-process transport: the tool listing (a snapshot, kept small),
//! every tool answering through MCP, namespace scoping that no tool can get around, audit lines.

mod common;

use mcp_server::{Caller, KtriageMcp, McpClient};
use serde_json::json;

async fn client(env: &common::Env, profile: &str) -> McpClient {
    McpClient::in_process(KtriageMcp::new(
        env.shared.clone(),
        Some(Caller::local(profile)),
    ))
    .await
    .expect("in-process session")
}

/// Prometheus and Grafana configured (listing contacts neither, so nothing needs to listen).
fn with_sources() -> mcp_server::Options {
    mcp_server::Options {
        prom: Some(
            tools::prom::PromClient::new(&tools::prom::PromConfig::new("http://127.0.0.1:9"))
                .expect("prom client"),
        ),
        grafana: Some(
            tools::grafana::GrafanaClient::new(&tools::grafana::GrafanaConfig::new(
                "http://127.0.0.1:9",
            ))
            .expect("grafana client"),
        ),
        ..Default::default()
    }
}

async fn listing(options: mcp_server::Options) -> (Vec<rmcp::model::Tool>, usize) {
    let env = common::start_with(vec![rbac::Profile::local()], None, options).await;
    let c = client(&env, "local").await;
    let tools = c.list_tools().await.expect("tools/list");
    c.close().await;
    let text = serde_json::to_string(&tools).expect("json");
    let tokens = tools::budget::estimate_tokens(&text);
    eprintln!(
        "tools/list: {} tools, {} bytes, ~{tokens} tokens",
        tools.len(),
        text.len()
    );
    (tools, tokens)
}

#[tokio::test]
async fn tools_list_is_small_read_only_and_stable() {
    let (tools, tokens) = listing(with_sources()).await;
    assert_eq!(tools.len(), tools::registry::tools().len());
    // What a client puts in the model's context: each tool's name, description and input
    // schema (annotations and output schemas are for the client, not the model).
    let visible: Vec<_> = tools
        .iter()
        .map(|t| json!({"name": t.name, "description": t.description, "inputSchema": t.input_schema}))
        .collect();
    let visible = tools::budget::estimate_tokens(&serde_json::to_string(&visible).expect("json"));
    eprintln!("tools/list: ~{visible} tokens in the model's context");
    assert!(
        visible < 3_000,
        "the model reads ~{visible} tokens of tools/list; the goal is under 3,000 for all tools"
    );
    assert!(
        tokens < 3_300,
        "tools/list is ~{tokens} tokens in all; kept under 3,300 for all 20 tools (mcp-grafana: ~29k, 79 tools)"
    );
    for t in &tools {
        let a = t.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{}", t.name);
        assert_eq!(a.open_world_hint, Some(true), "{}", t.name);
        assert!(t.output_schema.is_some(), "{}", t.name);
    }
    insta::assert_json_snapshot!("mcp_tools_list", tools);
}

#[tokio::test]
async fn tools_without_their_source_are_not_listed() {
    let (tools, tokens) = listing(mcp_server::Options::default()).await;
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with("prom_") && *n != "signals" && *n != "grafana_search"),
        "{names:?}"
    );
    assert!(names.contains(&"cluster_overview") && names.contains(&"grafana_draft_dashboard"));
    assert!(
        tokens < 2_500,
        "Kubernetes tools are ~{tokens} tokens; the goal is under 3,000"
    );
}

#[tokio::test]
async fn every_tool_answers_through_mcp_with_structured_content() {
    let env = common::start(vec![rbac::Profile::local()], None).await;
    let c = client(&env, "local").await;
    let calls = [
        ("cluster_overview", json!({})),
        ("list_pods", json!({"namespace": "llm-serving"})),
        (
            "describe",
            json!({"kind": "Pod", "namespace": "llm-serving", "name": "vllm-llama-5d7b9c4f68-x7k2p"}),
        ),
        ("events", json!({"namespace": "llm-serving"})),
        (
            "pod_logs",
            json!({"namespace": "llm-serving", "pod": "vllm-llama-5d7b9c4f68-x7k2p", "previous": true}),
        ),
        (
            "rollout_history",
            json!({"namespace": "llm-serving", "name": "vllm-llama"}),
        ),
        ("gateway_routes", json!({})),
        ("nodes", json!({})),
        ("workload_health", json!({"namespace": "llm-serving"})),
    ];
    for (tool, args) in calls {
        let r = c.call(tool, args).await.expect("tools/call");
        assert!(!r.is_error, "{tool}: {}", r.text);
        assert!(r.structured.is_some(), "{tool}: no structuredContent");
        assert!(!r.text.is_empty(), "{tool}: empty text");
    }
    let logs = c
        .call(
            "pod_logs",
            json!({"namespace": "llm-serving", "pod": "vllm-llama-5d7b9c4f68-x7k2p", "previous": true}),
        )
        .await
        .expect("pod_logs");
    assert!(logs.text.contains("OutOfMemoryError"), "{}", logs.text);
    assert!(
        !logs.text.contains("hf_"),
        "the planted HF token leaked: {}",
        logs.text
    );

    // Audit: one line per call, with the caller and outcome.
    let lines = env.audit_lines();
    assert_eq!(lines.len(), 10);
    assert!(
        lines
            .iter()
            .all(|l| l["identity"] == "local" && l["outcome"] == "ok")
    );
    assert!(lines.iter().all(|l| l["bytes"].as_u64().unwrap_or(0) > 0));
    c.close().await;
}

#[tokio::test]
async fn bad_calls_are_tool_errors_and_unknown_tools_protocol_errors() {
    let env = common::start(vec![rbac::Profile::local()], None).await;
    let c = client(&env, "local").await;
    let r = c
        .call("list_pods", json!({"namespace": "no-such-ns"}))
        .await
        .expect("tool error, not a session error");
    assert!(r.is_error && r.text.contains("no-such-ns"), "{}", r.text);
    let r = c
        .call("list_pods", json!({"namespace": ["x"]}))
        .await
        .expect("tool error");
    assert!(
        r.is_error && r.text.contains("invalid arguments"),
        "{}",
        r.text
    );
    let r = c
        .call(
            "describe",
            json!({"kind": "Secret", "namespace": "llm-serving", "name": "hf-token"}),
        )
        .await
        .expect("tool error");
    assert!(r.is_error && r.text.contains("Secret"), "{}", r.text);
    let err = c
        .call("delete_pod", json!({}))
        .await
        .expect_err("unknown tool is a protocol error");
    assert!(err.to_string().contains("unknown tool"), "{err}");
    // The session survives all of that.
    let r = c.call("nodes", json!({})).await.expect("still serving");
    assert!(!r.is_error);
    let audit = env.audit_lines();
    assert!(audit.iter().any(|l| l["outcome"] == "denied"), "{audit:?}");
    c.close().await;
}

/// A caller scoped to `chat-frontend` cannot see `llm-serving` through any tool; cluster-wide
/// listings are filtered, not refused.
#[tokio::test]
async fn a_namespace_scoped_profile_cannot_read_other_namespaces_through_any_tool() {
    let scoped = rbac::Profile::namespaced("team-chat", ["chat-frontend"]);
    let env = common::start(vec![rbac::Profile::local(), scoped], None).await;
    let c = client(&env, "team-chat").await;
    let listed: Vec<_> = c
        .list_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    let forbidden = ["vllm", "llm-serving", "embeddings-tei", "llama-route"];
    let mut filtered_ok = 0;
    for tool in &listed {
        for args in [
            json!({}),
            json!({"namespace": "llm-serving"}),
            json!({"namespace": "llm-serving", "name": "vllm-llama"}),
            json!({"kind": "Pod", "namespace": "llm-serving", "name": "vllm-llama-5d7b9c4f68-x7k2p"}),
            json!({"namespace": "llm-serving", "pod": "vllm-llama-5d7b9c4f68-x7k2p"}),
        ] {
            let r = c.call(tool, args.clone()).await.expect("tools/call");
            if r.is_error {
                continue;
            }
            for f in forbidden {
                assert!(
                    !r.text.contains(f),
                    "{tool} {args} leaked `{f}` to a chat-frontend-only caller:\n{}",
                    r.text
                );
                assert!(
                    !r.structured
                        .as_ref()
                        .is_some_and(|s| s.to_string().contains(f)),
                    "{tool} {args} leaked `{f}` in structuredContent"
                );
            }
            filtered_ok += 1;
        }
    }
    // Cluster-wide listings still answer, filtered to what the profile may see.
    let r = c.call("list_pods", json!({})).await.expect("list_pods");
    assert!(
        !r.is_error && r.text.contains("chat-frontend"),
        "{}",
        r.text
    );
    assert!(filtered_ok >= 3, "too few calls answered at all");
    let r = c
        .call("list_pods", json!({"namespace": "llm-serving"}))
        .await
        .expect("list_pods");
    assert!(r.is_error && r.text.contains("team-chat"), "{}", r.text);
    c.close().await;
}
