//! Shared setup: the bundled demo snapshot replayed, an MCP server over it, and a minimal
//! JSON-RPC-over-streamable-HTTP session for the tests that need to see raw HTTP.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use mcp_server::audit::Audit;
use mcp_server::{Options, Shared};
use serde_json::{Value, json};
use tools::k8s::KubeReader;
use tools::replay::ReplayServer;
use tools::snapshot::Snapshot;

pub fn demo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../evals/scenarios/vllm-oom-after-max-model-len-bump")
}

pub struct Env {
    pub replay: ReplayServer,
    pub shared: Arc<Shared>,
    pub audit: Arc<Mutex<Vec<u8>>>,
}

/// A writer that appends to a shared buffer, to read the audit log back.
struct Buf(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("audit buffer").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub async fn start(profiles: Vec<rbac::Profile>, policy: Option<rbac::Policy>) -> Env {
    start_with(profiles, policy, Options::default()).await
}

pub async fn start_with(
    profiles: Vec<rbac::Profile>,
    policy: Option<rbac::Policy>,
    options: Options,
) -> Env {
    let snapshot = Snapshot::load(&demo()).expect("demo snapshot loads");
    let replay = ReplayServer::start(snapshot, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("replay starts");
    let readers = profiles
        .into_iter()
        .map(|p| {
            KubeReader::new(
                replay.client().expect("client"),
                replay.clock(),
                Arc::new(p),
            )
        })
        .collect();
    let buf = Arc::new(Mutex::new(Vec::new()));
    let shared = Shared::new(
        readers,
        policy,
        Audit::writer(Box::new(Buf(buf.clone()))),
        options,
    )
    .expect("server config");
    Env {
        replay,
        shared,
        audit: buf,
    }
}

impl Env {
    pub fn audit_lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.audit.lock().expect("audit").clone()).expect("utf8");
        text.lines()
            .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
            .collect()
    }
}

/// A raw streamable-HTTP MCP session.
pub struct Session {
    pub http: reqwest::Client,
    pub url: String,
    pub token: Option<String>,
    pub id: Option<String>,
    next: u64,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub json: Option<Value>,
}

impl Session {
    pub fn new(url: &str, token: Option<&str>) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url.to_string(),
            token: token.map(str::to_string),
            id: None,
            next: 1,
        }
    }

    pub async fn post_raw(&self, body: impl Into<reqwest::Body>) -> Reply {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18");
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some(id) = &self.id {
            req = req.header("mcp-session-id", id);
        }
        let resp = req.body(body).send().await.expect("HTTP request");
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        let json = parse_body(&body);
        Reply { status, body, json }
    }

    /// initialize + notifications/initialized. Returns the HTTP status of initialize.
    pub async fn initialize(&mut self) -> u16 {
        let mut req = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = req
            .json(
                &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
                "protocolVersion":"2025-06-18","capabilities":{},
                "clientInfo":{"name":"ktriage-test","version":"0"}}}),
            )
            .send()
            .await
            .expect("initialize");
        let status = resp.status().as_u16();
        self.id = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let _ = resp.text().await;
        if status == 200 {
            let r = self
                .post_raw(json!({"jsonrpc":"2.0","method":"notifications/initialized"}).to_string())
                .await;
            assert!(r.status < 300, "initialized notification: {}", r.status);
        }
        status
    }

    pub async fn request(&mut self, method: &str, params: Value) -> Reply {
        let id = self.next;
        self.next += 1;
        self.post_raw(json!({"jsonrpc":"2.0","id":id,"method":method,"params":params}).to_string())
            .await
    }

    /// tools/call → (is_error, text).
    pub async fn call(&mut self, tool: &str, args: Value) -> (bool, String) {
        let r = self
            .request("tools/call", json!({"name": tool, "arguments": args}))
            .await;
        assert_eq!(r.status, 200, "tools/call {tool}: {}", r.body);
        let v = r
            .json
            .unwrap_or_else(|| panic!("no JSON-RPC reply: {}", r.body));
        let result = &v["result"];
        let text = result["content"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|b| b["text"].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        (result["isError"].as_bool().unwrap_or(false), text)
    }
}

/// The JSON-RPC reply in a body that is plain JSON or an SSE stream.
fn parse_body(body: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return Some(v);
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|v| v.get("id").is_some())
}
