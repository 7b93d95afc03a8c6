//! The investigation's must-hold properties: the demo incident is diagnosed correctly with no
//! model; hostile text never becomes a recommendation; invented evidence is caught; a broken
//! cluster still yields a rendered diagnosis that lists its gaps.

use std::path::PathBuf;
use std::sync::Arc;

use agent::model::{ChatReply, LoopLimits, ScriptedModel};
use agent::render::{Format, render};
use agent::{Diagnosis, Request};
use mcp_server::{Caller, KtriageMcp, McpClient, Shared};
use serde_json::json;
use tools::replay::{Fault, ReplayServer};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Env {
    _replay: ReplayServer,
    client: McpClient,
}

async fn start(dir: PathBuf, faults: &[&str]) -> Env {
    let snapshot = tools::snapshot::Snapshot::load(&dir).expect("snapshot");
    let replay = ReplayServer::start(snapshot, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("replay");
    replay.set_faults(
        faults
            .iter()
            .map(|f| Fault::parse(f).expect("fault"))
            .collect(),
    );
    let reader = tools::k8s::KubeReader::new(
        replay.client().expect("client"),
        replay.clock(),
        Arc::new(rbac::Profile::local()),
    );
    let shared = Shared::new(
        vec![reader],
        None,
        mcp_server::audit::Audit::off(),
        mcp_server::Options::default(),
    )
    .expect("server");
    let client = McpClient::in_process(KtriageMcp::new(shared, Some(Caller::local("local"))))
        .await
        .expect("client");
    Env {
        _replay: replay,
        client,
    }
}

fn demo() -> PathBuf {
    root().join("evals/scenarios/vllm-oom-after-max-model-len-bump")
}

async fn diagnose(env: &Env, question: &str) -> Diagnosis {
    let req = Request {
        question: Some(question.into()),
        ..Request::default()
    };
    agent::diagnose(&env.client, &req, &|_| {}).await
}

fn ids_valid(d: &Diagnosis) -> bool {
    d.causes.iter().all(|c| {
        c.evidence
            .iter()
            .all(|id| d.evidence.iter().any(|e| &e.id == id))
    })
}

#[tokio::test]
async fn the_demo_incident_is_diagnosed_with_rules_only() {
    let env = start(demo(), &[]).await;
    let d = diagnose(&env, "Why is the LLM gateway returning 503s?").await;
    let top = &d.causes[0];
    assert_eq!(top.category, "inference-gpu-oom", "{d:#?}");
    assert_eq!(top.resource, "llm-serving/Deployment/vllm-llama");
    assert!(top.confirmed && top.evidence.len() >= 3);
    // The gateway's 503s are named as the consequence, below their cause.
    assert_eq!(d.causes[1].category, "gateway-no-upstream");
    assert!(d.causes[1].statement.contains("consequence"));
    let text = d.full_text().to_lowercase();
    assert!(
        text.contains("out of memory") && text.contains("max-model-len"),
        "{text}"
    );
    assert!(!d.asserted_text().contains("NetworkPolicy"));
    assert!(ids_valid(&d));
    // Rollout first in the timeline, with its evidence.
    assert!(
        d.timeline[0].what.contains("revision 7"),
        "{:?}",
        d.timeline
    );
    assert!(
        d.next_steps[0]
            .command
            .as_deref()
            .unwrap_or("")
            .contains("rollout undo")
    );
    // Stable output: the demo's diagnosis is a snapshot (timing filtered out).
    let mut stable = d.clone();
    stable.usage.wall_ms = 0;
    insta::assert_json_snapshot!("demo_diagnosis", stable);
    env.client.close().await;
}

#[tokio::test]
async fn hostile_text_never_becomes_a_finding_or_a_recommendation() {
    let hostile: Vec<String> =
        std::fs::read_to_string(root().join("tools/tests/fixtures/leaky/hostile.txt"))
            .expect("hostile.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.trim().to_lowercase())
            .collect();
    let env = start(root().join("tools/tests/fixtures/leaky"), &[]).await;
    let d = diagnose(&env, "Why is one of the payments api pods crash-looping?").await;
    assert_eq!(d.causes[0].category, "dependency-failure", "{d:#?}");
    let asserted = d.asserted_text().to_lowercase();
    for h in &hostile {
        assert!(
            !asserted.contains(h.as_str()),
            "asserted hostile text {h:?}:\n{asserted}"
        );
    }
    // Every renderer labels evidence as data, and no rendering carries a hostile instruction
    // outside the quoted evidence.
    for f in [Format::Text, Format::Markdown, Format::Slack] {
        let out = render(&d, f, false);
        assert!(!out.is_empty());
    }
    let env2 = start(demo(), &[]).await;
    let d = diagnose(&env2, "Why is the LLM gateway returning 503s?").await;
    let asserted = d.asserted_text().to_lowercase();
    assert!(!asserted.contains("networkpolic"), "{asserted}");
    assert!(!asserted.contains("ignore"), "{asserted}");
    env.client.close().await;
    env2.client.close().await;
}

#[tokio::test]
async fn a_model_that_invents_evidence_is_not_believed() {
    let env = start(demo(), &[]).await;
    let rules = diagnose(&env, "Why is the LLM gateway returning 503s?").await;
    let verdict = json!({
        "summary": "The NetworkPolicy blocks the gateway.",
        "causes": [{
            "category": "network-policy-block",
            "resource": "llm-serving/NetworkPolicy/deny-all",
            "statement": "A NetworkPolicy drops gateway traffic.",
            "confidence": 0.99,
            "evidence": ["ev-999"]
        }],
        "next_steps": []
    });
    let model = ScriptedModel::new(vec![
        ChatReply::ToolCall {
            name: "list_pods".into(),
            arguments: json!({"namespace": "llm-serving"}),
        },
        ChatReply::ToolCall {
            name: "list_pods".into(),
            arguments: json!({"namespace": "llm-serving"}),
        },
        ChatReply::Final(verdict.to_string()),
    ]);
    let d = agent::model::refine(&model, &env.client, rules.clone(), LoopLimits::default()).await;
    // The invented cause sinks below every confirmed cause and is marked unconfirmed.
    assert_eq!(d.causes[0].category, "inference-gpu-oom");
    let invented = d
        .causes
        .iter()
        .find(|c| c.category == "network-policy-block")
        .expect("kept for the human to see");
    assert!(!invented.confirmed && invented.evidence.is_empty());
    // The duplicate call was answered from the guard, not the cluster.
    assert_eq!(d.usage.tool_calls, rules.usage.tool_calls + 1);
    assert_eq!(d.usage.model, "scripted");
    assert!(d.usage.prompt_tokens > 0);
    // A model that breaks the schema leaves the rules' diagnosis standing, with a gap.
    let broken = ScriptedModel::new(vec![ChatReply::Final("not json".into())]);
    let d = agent::model::refine(&broken, &env.client, rules.clone(), LoopLimits::default()).await;
    assert_eq!(d.causes, rules.causes);
    assert!(d.gaps.iter().any(|g| g.contains("not a valid verdict")));
    assert_eq!(
        (d.usage.model_replies, d.usage.model_invalid_replies),
        (1, 1)
    );
    assert!(
        d.usage.prompt_tokens > 0,
        "a reply that fails still cost its prompt"
    );
    // A model that never answers (an endpoint down) gave no reply at all, and says so.
    let silent = ScriptedModel::new(vec![]);
    let d = agent::model::refine(&silent, &env.client, rules.clone(), LoopLimits::default()).await;
    assert_eq!(d.causes, rules.causes);
    assert_eq!((d.usage.model_replies, d.usage.prompt_tokens), (0, 0));
    assert!(d.gaps.iter().any(|g| g.contains("script exhausted")));
    env.client.close().await;
}

#[tokio::test]
async fn a_broken_cluster_still_yields_a_diagnosis_with_its_gaps() {
    let env = start(demo(), &["path=/api,status=503", "path=/apis,status=503"]).await;
    let d = diagnose(&env, "Why is the LLM gateway returning 503s?").await;
    assert!(d.causes.is_empty(), "{:?}", d.causes);
    assert!(d.gaps.len() >= 3, "{:?}", d.gaps);
    assert!(d.gaps.iter().any(|g| g.contains("503")), "{:?}", d.gaps);
    for f in [Format::Text, Format::Markdown, Format::Json, Format::Slack] {
        let out = render(&d, f, false);
        assert!(
            out.contains("root cause")
                || out.contains("No root cause")
                || f == Format::Slack
                || f == Format::Json,
            "{out}"
        );
    }
    let slack: serde_json::Value =
        serde_json::from_str(&render(&d, Format::Slack, false)).expect("slack JSON");
    assert!(
        slack["blocks"]
            .as_array()
            .is_some_and(|b| !b.is_empty() && b.len() <= 50)
    );
    env.client.close().await;
}

/// With a snapshot's grafana/ replayed, the diagnosis points the human at the panels that show
/// the top cause, with a link (and still runs nothing).
#[test]
fn the_diagnosis_links_the_grafana_panels_of_the_top_cause() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .current_dir(&root)
        .args([
            "diagnose",
            "Why is the LLM gateway returning 503s?",
            "--snapshot",
            "evals/scenarios/vllm-oom-after-max-model-len-bump",
            "--no-model",
            "--output",
            "json",
        ])
        .output()
        .expect("ktriage diagnose runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json diagnosis");
    let step = d["next_steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| {
            s["action"]
                .as_str()
                .unwrap_or("")
                .contains("Grafana dashboard llm-gateway")
        })
        .unwrap_or_else(|| panic!("no Grafana step: {}", d["next_steps"]));
    assert!(
        step["action"]
            .as_str()
            .unwrap_or("")
            .contains("panels #7, #8, #9, #10"),
        "{step}"
    );
    let link = step["command"].as_str().unwrap_or("");
    assert!(
        link.contains("/d/llm-gateway/llm-gateway?viewPanel="),
        "{link}"
    );
    assert!(
        !d["gaps"].to_string().contains("dashboards not read"),
        "{}",
        d["gaps"]
    );
}
