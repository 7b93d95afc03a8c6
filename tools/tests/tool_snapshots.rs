//! Snapshot tests (insta) of every tool's text on the demo incident. The replay's frozen clock
//! makes ages stable; uids are filtered.

mod common;

use serde_json::json;
use tools::registry::call;

#[tokio::test]
async fn tool_text_on_the_demo_incident() {
    let env = common::start(&common::demo()).await;
    let calls = [
        ("cluster_overview", json!({})),
        ("list_pods", json!({"namespace": "llm-serving"})),
        (
            "describe",
            json!({"kind": "pod", "namespace": "llm-serving", "name": "vllm-llama-5d7b9c4f68-x7k2p"}),
        ),
        (
            "events",
            json!({"namespace": "llm-serving", "type": "Warning"}),
        ),
        (
            "pod_logs",
            json!({"namespace": "llm-serving", "pod": "vllm-llama-5d7b9c4f68-x7k2p", "previous": true, "errors_only": true}),
        ),
        (
            "rollout_history",
            json!({"namespace": "llm-serving", "name": "vllm-llama"}),
        ),
        ("gateway_routes", json!({"namespace": "llm-serving"})),
        ("nodes", json!({})),
        ("workload_health", json!({"problems_only": true})),
        ("list_objects", json!({"kind": "svc"})),
    ];
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uid]",
    );
    settings.set_prepend_module_to_snapshot(false);
    for (tool, args) in calls {
        let a = call(&env.ctx, tool, args.clone())
            .await
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            a.tokens <= tools::budget::DEFAULT_TOKENS + 100,
            "{tool} is over budget: {}",
            a.tokens
        );
        settings.bind(|| insta::assert_snapshot!(tool, a.text, &args.to_string()));
    }
}

#[test]
fn tools_list_contract() {
    let list: Vec<_> = tools::registry::tools()
        .iter()
        .map(|t| json!({"name": t.name, "description": t.description, "inputSchema": t.input_schema}))
        .collect();
    let text = serde_json::to_string(&list).expect("json");
    let tokens = tools::budget::estimate_tokens(&text);
    assert!(
        tokens < 3_000,
        "the tools' names, descriptions and input schemas are {tokens} tokens; keep them under 3,000 (peers: 16k-29k)"
    );
    eprintln!("tools/list: {} tools, {tokens} tokens", list.len());
    // Every schema stands alone: the agent embeds input schemas in its reply grammar, where a
    // `$ref` to a root `$defs` would dangle.
    for t in tools::registry::tools() {
        let both = format!("{}{}", t.input_schema, t.output_schema);
        assert!(!both.contains("$ref"), "{} has a $ref", t.name);
    }
    insta::assert_json_snapshot!("tools_list", list);
}

/// A cluster (or a snapshot) without EndpointSlices: `gateway_routes` counts the pods each
/// backend's selector matches, so it gives the verdict the slices gave, not "no upstream".
#[tokio::test]
async fn gateway_routes_without_endpoint_slices_counts_the_selected_pods() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&common::demo(), dir.path());
    let file = dir.path().join("cluster/llm-serving.yaml");
    let mut list: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&file).expect("read")).expect("yaml");
    let items = list["items"].as_sequence_mut().expect("a List");
    let before = items.len();
    items.retain(|o| o["kind"].as_str() != Some("EndpointSlice"));
    assert!(
        items.len() < before,
        "the demo has an EndpointSlice to remove"
    );
    std::fs::write(&file, serde_yaml::to_string(&list).expect("yaml")).expect("write");

    let with = common::start(&common::demo()).await;
    let without = common::start(dir.path()).await;
    let args = json!({"namespace": "llm-serving"});
    let a = call(&with.ctx, "gateway_routes", args.clone())
        .await
        .expect("with slices");
    let b = call(&without.ctx, "gateway_routes", args)
        .await
        .expect("without slices");
    // The backend line, its not-ready pods in a stable order (slices and pod lists order
    // them differently).
    let backend = |text: &str| -> String {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("backend "))
            .expect("a backend line");
        let (head, pods) = line.split_once(" [").unwrap_or((line, ""));
        let mut pods: Vec<&str> = pods.trim_end_matches(']').split(", ").collect();
        pods.sort_unstable();
        format!("{head} {pods:?}")
    };
    assert!(
        backend(&a.text).contains("endpoints ready 0 not ready 2"),
        "{}",
        a.text
    );
    assert_eq!(backend(&a.text), backend(&b.text), "{}", b.text);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}
