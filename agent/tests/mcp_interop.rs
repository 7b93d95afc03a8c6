//! ktriage's MCP server driven by clients this project did not write: the Python `mcp` SDK
//! (PyPI) over stdio and streamable HTTP, and the MCP Inspector CLI (npm). Both are installed
//! into target/interop by `.ci/install-test-deps`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn demo() -> PathBuf {
    root().join("evals/scenarios/vllm-oom-after-max-model-len-bump")
}

fn require(path: PathBuf, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} is not installed at {}; run .ci/install-test-deps (it installs the interop clients into target/interop)",
        path.display()
    );
    path
}

fn python() -> PathBuf {
    require(
        root().join("target/interop/venv/bin/python"),
        "the Python MCP SDK venv",
    )
}

fn inspector() -> PathBuf {
    require(
        root().join("target/interop/node_modules/.bin/mcp-inspector"),
        "the MCP Inspector CLI",
    )
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("client runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn script() -> PathBuf {
    root().join("mcp-server/tests/interop/python_client.py")
}

/// A `ktriage mcp --listen` child on a free port, killed on drop.
struct HttpChild {
    child: std::process::Child,
    url: String,
}

impl HttpChild {
    fn start(extra: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_ktriage"))
            .args([
                "mcp",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--snapshot",
            ])
            .arg(demo())
            .args(extra)
            .env("KTRIAGE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ktriage mcp starts");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/mcp"),
        }
    }
}

impl Drop for HttpChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn summary(text: &str) -> serde_json::Value {
    text.lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON summary from the Python client:\n{text}"))
}

#[test]
fn python_sdk_over_stdio() {
    let (ok, text) = run(Command::new(python())
        .arg(script())
        .arg("stdio")
        .arg(env!("CARGO_BIN_EXE_ktriage"))
        .arg(demo()));
    assert!(ok, "{text}");
    let s = summary(&text);
    assert_eq!(s["failures"], serde_json::json!([]), "{text}");
    assert_eq!(
        s["tools"].as_array().map(Vec::len),
        Some(tools::registry::tools().len())
    );
}

#[test]
fn python_sdk_over_streamable_http_with_a_token() {
    let token = "interop-token-5f1c";
    let dir = tempfile::tempdir().expect("tmp");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "profiles:\n  - name: ide\nidentities:\n  - name: python-sdk\n    token_sha256: {}\n    profile: ide\n",
            rbac_hash(token)
        ),
    )
    .expect("policy");
    let audit = dir.path().join("audit.jsonl");
    let server = HttpChild::start(&[
        "--policy",
        policy.to_str().expect("utf8"),
        "--audit-log",
        audit.to_str().expect("utf8"),
    ]);
    let (ok, text) = run(Command::new(python())
        .arg(script())
        .args(["http", &server.url, token]));
    assert!(ok, "{text}");
    let s = summary(&text);
    assert_eq!(s["failures"], serde_json::json!([]), "{text}");
    let audit = std::fs::read_to_string(&audit).expect("audit log written");
    assert!(audit.lines().count() >= 12, "{audit}");
    assert!(audit.contains("\"identity\":\"python-sdk\""), "{audit}");

    // Without the token the SDK cannot even initialize.
    let (ok, text) = run(Command::new(python())
        .arg(script())
        .args(["http", &server.url]));
    assert!(!ok, "an unauthenticated client got in:\n{text}");
}

fn rbac_hash(token: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .arg("token-hash")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().expect("stdin").write_all(token.as_bytes())?;
            c.wait_with_output()
        })
        .expect("token-hash runs");
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string()
}

#[test]
fn mcp_inspector_cli_lists_and_calls_tools() {
    let bin = env!("CARGO_BIN_EXE_ktriage");
    let snap = demo();
    let base = |c: &mut Command| {
        c.arg("--cli")
            .arg(bin)
            .args(["mcp", "--snapshot"])
            .arg(&snap)
            .env("KTRIAGE_LOG", "warn");
    };
    let mut list = Command::new(inspector());
    base(&mut list);
    let (ok, text) = run(list.args(["--method", "tools/list"]));
    assert!(ok, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text[text.find('{').unwrap_or(0)..])
        .unwrap_or_else(|e| panic!("inspector output is not JSON ({e}):\n{text}"));
    assert_eq!(
        v["tools"].as_array().map(Vec::len),
        Some(tools::registry::tools().len()),
        "{text}"
    );

    let mut call = Command::new(inspector());
    base(&mut call);
    let (ok, text) = run(call.args([
        "--method",
        "tools/call",
        "--tool-name",
        "workload_health",
        "--tool-arg",
        "namespace=llm-serving",
    ]));
    assert!(ok, "{text}");
    assert!(
        text.contains("vllm-llama") && text.contains("MinimumReplicasUnavailable"),
        "{text}"
    );

    // And over streamable HTTP.
    let server = HttpChild::start(&[]);
    let (ok, text) = run(Command::new(inspector()).args([
        "--cli",
        &server.url,
        "--transport",
        "http",
        "--method",
        "tools/call",
        "--tool-name",
        "nodes",
    ]));
    assert!(ok, "{text}");
    assert!(text.contains("gpu-node-1"), "{text}");
}
