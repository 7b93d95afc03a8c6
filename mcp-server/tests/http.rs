//! The streamable HTTP transport as a network client sees it: bearer tokens, allowed hosts,
//! body limits, malformed and fuzzed JSON-RPC, rate limits, concurrent sessions, metrics.

mod common;

use std::net::SocketAddr;

use mcp_server::http::{HttpOptions, HttpServer};
use proptest::prelude::*;
use serde_json::json;

const ALICE: &str = "alice-token-0123456789";
const BOT: &str = "bot-token-9876543210";

fn policy() -> rbac::Policy {
    rbac::Policy::from_yaml(&format!(
        "profiles:
  - name: team-chat
    namespaces: {{allow: [chat-frontend]}}
    cluster_scoped: false
  - name: bot
    calls_per_minute: 3
identities:
  - name: alice
    token_sha256: {}
    profile: team-chat
  - name: incident-bot
    token_sha256: {}
    profile: bot
",
        rbac::hash_token(ALICE),
        rbac::hash_token(BOT)
    ))
    .expect("policy")
}

async fn start_with_tokens() -> (common::Env, HttpServer) {
    let p = policy();
    let env = common::start(p.profiles.clone(), Some(p)).await;
    let server = HttpServer::start(
        env.shared.clone(),
        HttpOptions::new("127.0.0.1:0".parse().expect("addr")),
    )
    .await
    .expect("http server");
    (env, server)
}

#[tokio::test]
async fn tokens_are_required_and_map_to_profiles() {
    let (env, server) = start_with_tokens().await;
    let mut anon = common::Session::new(&server.url(), None);
    assert_eq!(anon.initialize().await, 401);
    let mut wrong = common::Session::new(&server.url(), Some("not-a-token"));
    assert_eq!(wrong.initialize().await, 401);

    let mut alice = common::Session::new(&server.url(), Some(ALICE));
    assert_eq!(alice.initialize().await, 200);
    let (err, text) = alice
        .call("list_pods", json!({"namespace": "llm-serving"}))
        .await;
    assert!(err && text.contains("team-chat"), "{text}");
    let (err, text) = alice.call("list_pods", json!({})).await;
    assert!(
        !err && text.contains("chat-frontend") && !text.contains("vllm"),
        "{text}"
    );
    let audit = env.audit_lines();
    assert!(
        audit
            .iter()
            .all(|l| l["identity"] == "alice" && l["profile"] == "team-chat")
    );
    let metrics = reqwest::get(format!("http://{}/metrics", server.addr()))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("ktriage_mcp_http_refused_total{status=\"401\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("ktriage_mcp_tool_calls_total{tool=\"list_pods\",outcome=\"ok\"} 1"));
    assert!(
        metrics.contains("ktriage_mcp_active_sessions 1"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test]
async fn rate_limit_answers_a_tool_error_with_a_retry_time() {
    let (env, server) = start_with_tokens().await;
    let mut bot = common::Session::new(&server.url(), Some(BOT));
    assert_eq!(bot.initialize().await, 200);
    for _ in 0..3 {
        let (err, text) = bot.call("nodes", json!({})).await;
        assert!(!err, "{text}");
    }
    let (err, text) = bot.call("nodes", json!({})).await;
    assert!(
        err && text.contains("3 tool calls per minute") && text.contains("retry in"),
        "{text}"
    );
    assert_eq!(
        env.audit_lines()
            .iter()
            .filter(|l| l["outcome"] == "rate_limited")
            .count(),
        1
    );
    server.stop().await;
}

#[tokio::test]
async fn unauthenticated_http_is_refused_off_loopback() {
    let env = common::start(vec![rbac::Profile::local()], None).await;
    let open: SocketAddr = "0.0.0.0:0".parse().expect("addr");
    let err = HttpServer::start(env.shared.clone(), HttpOptions::new(open))
        .await
        .expect_err("must refuse");
    assert!(err.to_string().contains("--insecure-no-auth"), "{err}");
}

#[tokio::test]
async fn hosts_bodies_and_malformed_json_rpc_get_clear_answers() {
    let env = common::start(vec![rbac::Profile::local()], None).await;
    let mut opts = HttpOptions::new("127.0.0.1:0".parse().expect("addr"));
    opts.max_body_bytes = 64 * 1024;
    let server = HttpServer::start(env.shared.clone(), opts)
        .await
        .expect("server");
    let http = reqwest::Client::new();

    // A Host that is not allowed (DNS rebinding) is refused.
    let r = http
        .post(server.url())
        .header("host", "attacker.example")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 403);

    let mut s = common::Session::new(&server.url(), None);
    assert_eq!(s.initialize().await, 200);
    // Oversized body.
    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{{\"name\":\"nodes\",\"arguments\":{{\"pad\":\"{}\"}}}}}}",
        "x".repeat(100_000)
    );
    assert_eq!(s.post_raw(big).await.status, 413);
    // Not JSON at all.
    let r = s.post_raw("{not json").await;
    assert!(
        (400..500).contains(&r.status) || r.json.as_ref().is_some_and(|v| v.get("error").is_some()),
        "{} {}",
        r.status,
        r.body
    );
    // Unknown method: a JSON-RPC error.
    let r = s.request("tools/explode", json!({})).await;
    let v = r.json.expect("reply");
    assert_eq!(v["error"]["code"], -32601, "{v}");
    // Wrong argument types: a tool error, not a crash.
    let (err, text) = s
        .call("pod_logs", json!({"namespace": 1, "pod": false}))
        .await;
    assert!(err && text.contains("invalid arguments"), "{text}");
    // Still serving.
    let (err, _) = s.call("nodes", json!({})).await;
    assert!(!err);
    server.stop().await;
}

/// Random bodies — truncated, mutated and junk JSON-RPC — never crash the server or hang the
/// session: every one gets an HTTP answer below 500, and the session still serves afterwards.
#[test]
fn fuzzed_json_rpc_never_breaks_the_server() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (env, server, session) = rt.block_on(async {
        let env = common::start(vec![rbac::Profile::local()], None).await;
        let server = HttpServer::start(
            env.shared.clone(),
            HttpOptions::new("127.0.0.1:0".parse().expect("addr")),
        )
        .await
        .expect("server");
        let mut s = common::Session::new(&server.url(), None);
        assert_eq!(s.initialize().await, 200);
        (env, server, s)
    });
    let valid = r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_pods","arguments":{"namespace":"llm-serving","label_selector":"app=vllm-llama"}}}"#;
    let config = ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(cut in 0usize..valid.len(), flip in 0usize..valid.len(), byte in any::<u8>(), junk in "\\PC{0,64}")| {
        let mut bytes = valid.as_bytes().to_vec();
        bytes[flip] = byte;
        for body in [valid[..cut].to_string(), String::from_utf8_lossy(&bytes).into_owned(), junk.clone(),
                     format!(r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{junk:?}}}"#)] {
            let r = rt.block_on(session.post_raw(body.clone()));
            prop_assert!(r.status < 500, "status {} for {:?}: {}", r.status, body, r.body);
        }
    });
    rt.block_on(async {
        let mut s = session;
        let (err, text) = s.call("nodes", json!({})).await;
        assert!(!err, "{text}");
        server.stop().await;
    });
    drop(env);
}

/// Many sessions at once: every call answers, none errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_sessions_all_answer() {
    let env = common::start(vec![rbac::Profile::local()], None).await;
    let server = HttpServer::start(
        env.shared.clone(),
        HttpOptions::new("127.0.0.1:0".parse().expect("addr")),
    )
    .await
    .expect("server");
    let url = server.url();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut s = common::Session::new(&url, None);
                assert_eq!(s.initialize().await, 200);
                for tool in ["list_pods", "events", "nodes"] {
                    let args = if tool == "nodes" {
                        json!({})
                    } else {
                        json!({"namespace": if i % 2 == 0 { "llm-serving" } else { "chat-frontend" }})
                    };
                    let (err, text) = s.call(tool, args).await;
                    assert!(!err, "{tool}: {text}");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("session task");
    }
    assert_eq!(env.shared.metrics.total_calls(), 150);
    server.stop().await;
}
