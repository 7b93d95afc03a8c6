//! The OpenAI-compatible backend against a server this project did not write: llama.cpp's
//! server from PyPI `llama-cpp-python[server]` (installed by .ci/install-test-deps into
//! target/interop/llama-venv), serving the same SmolLM2 GGUF.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agent::llm::openai::{OpenAiConfig, OpenAiModel};
use agent::model::{ChatModel, ChatReply, ChatRequest, Message, Role, ToolDef};
use serde_json::json;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn start() -> (Server, String) {
    let python = root().join("target/interop/llama-venv/bin/python");
    assert!(
        python.exists(),
        "llama-cpp-python is not installed at {}; run .ci/install-test-deps",
        python.display()
    );
    let model = root().join("target/interop/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        model.exists(),
        "run .ci/install-test-deps (the model is missing)"
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(python)
        .args(["-m", "llama_cpp.server", "--model"])
        .arg(&model)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--n_threads",
            "2",
            "--n_ctx",
            "4096",
            "--model_alias",
            "smollm2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts llama_cpp.server");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "llama_cpp.server did not listen");
        std::thread::sleep(Duration::from_millis(200));
    }
    (server, format!("http://127.0.0.1:{port}/v1"))
}

fn config(url: String) -> OpenAiConfig {
    OpenAiConfig {
        url,
        model: "smollm2".into(),
        api_key_file: None,
        timeout: Duration::from_secs(120),
        attempts: 3,
        json_schema: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_from_llama_cpp_server_parse_under_the_schema() {
    let (_server, url) = start();
    let model = OpenAiModel::new(config(url)).expect("client");
    let tools = vec![ToolDef {
        name: "list_pods".into(),
        description: "List pods.".into(),
        input_schema: json!({"type": "object", "properties": {"namespace": {"type": "string"}}}),
    }];
    let evidence = vec!["ev-1".to_string(), "ev-2".to_string()];
    let resources = vec!["llm-serving/Deployment/vllm-llama".to_string()];
    for answer_only in [false, true] {
        let pieces = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let req = ChatRequest {
            messages: vec![
                Message {
                    role: Role::System,
                    content: "You are ktriage. Reply in JSON.".into(),
                },
                Message {
                    role: Role::User,
                    content: "ev-1: CUDA out of memory in llm-serving/Deployment/vllm-llama. Why the 503s?".into(),
                },
            ],
            tools: tools.clone(),
            response_schema: Some(agent::model::verdict_schema_for(&evidence, &resources, true)),
            max_tokens: 400,
            answer_only,
            on_event: Some(agent::model::OnEvent(std::sync::Arc::new({
                let pieces = pieces.clone();
                move |e| {
                    if let agent::model::ModelEvent::Token(_) = e {
                        pieces.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }))),
        };
        let (reply, usage) = model.chat(&req).await.expect("a reply");
        assert!(usage.completion_tokens > 0, "{usage:?}");
        assert!(
            pieces.load(std::sync::atomic::Ordering::Relaxed) > 0,
            "the reply was streamed"
        );
        match reply {
            ChatReply::ToolCall { name, .. } => {
                assert!(!answer_only);
                assert_eq!(name, "list_pods");
            }
            ChatReply::Final(text) => {
                let v: agent::model::Verdict =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
                assert!(v.causes.iter().all(|c| resources.contains(&c.resource)));
            }
        }
    }
}

#[tokio::test]
async fn a_down_endpoint_is_a_clear_error_after_retries() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut cfg = config(format!("http://127.0.0.1:{port}/v1"));
    cfg.attempts = 2;
    let model = OpenAiModel::new(cfg).expect("client");
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::User,
            content: "hi".into(),
        }],
        tools: Vec::new(),
        response_schema: None,
        max_tokens: 8,
        answer_only: false,
        on_event: None,
    };
    let e = model.chat(&req).await.expect_err("nothing listens");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    let bad = OpenAiModel::new(config("localhost:8000".into())).expect_err("no scheme");
    assert!(bad.to_string().contains("http(s)://"), "{bad}");
}
