//! TLS and authentication of the Prometheus and Grafana clients, against an HTTPS server with a
//! certificate from a throwaway CA (made here with the `openssl` CLI; the server is Python's
//! `ssl` module). It answers a Prometheus-shaped JSON and echoes the Authorization header back
//! in it, so the test sees what was sent.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use tools::http::{Auth, Tls};
use tools::prom::{PromClient, PromConfig};

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs (apt-get install openssl)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a server certificate for 127.0.0.1 signed by it.
fn certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=ktriage test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    );
}

const SERVER: &str = r#"
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"auth": self.headers.get("Authorization", "")}, "value": [1, "1"]}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

fn serve(dir: &Path) -> Server {
    let mut child = Command::new("python3")
        .args(["-c", SERVER])
        .arg(dir.join("server.pem"))
        .arg(dir.join("server.key"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("port");
    Server {
        child,
        url: format!("https://127.0.0.1:{}", line.trim()),
    }
}

async fn auth_seen(client: &PromClient) -> Result<String, tools::Error> {
    let now = jiff::Timestamp::now();
    let s = client.instant("up", now).await?;
    Ok(s.first()
        .and_then(|s| s.labels.get("auth").cloned())
        .unwrap_or_default())
}

#[tokio::test]
async fn a_private_ca_is_trusted_when_given_and_refused_otherwise() {
    let dir = tempfile::tempdir().expect("tempdir");
    certificates(dir.path());
    let server = serve(dir.path());
    let ca = std::fs::read(dir.path().join("ca.pem")).expect("ca");

    // The platform's roots do not know this CA: a clear error, not a hang or a panic.
    let plain = PromClient::new(&PromConfig::new(server.url.clone())).expect("client");
    let e = auth_seen(&plain).await.expect_err("untrusted certificate");
    assert!(e.to_string().contains("unreachable"), "{e}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");

    let trusted = PromClient::new(&PromConfig {
        tls: Tls {
            ca_pem: Some(ca),
            insecure_skip_verify: false,
        },
        auth: Auth::basic_from_line("reader:s3cr:et\n").expect("basic"),
        ..PromConfig::new(server.url.clone())
    })
    .expect("client");
    // `reader:s3cr:et` in base64: the password keeps its colon.
    assert_eq!(
        auth_seen(&trusted).await.expect("trusted"),
        "Basic cmVhZGVyOnMzY3I6ZXQ="
    );

    let insecure = PromClient::new(&PromConfig {
        tls: Tls {
            ca_pem: None,
            insecure_skip_verify: true,
        },
        auth: Auth::Bearer("tok".into()),
        ..PromConfig::new(server.url.clone())
    })
    .expect("client");
    assert_eq!(auth_seen(&insecure).await.expect("insecure"), "Bearer tok");

    let e = PromClient::new(&PromConfig {
        tls: Tls {
            ca_pem: Some(b"not a certificate".to_vec()),
            insecure_skip_verify: false,
        },
        ..PromConfig::new(server.url.clone())
    })
    .expect_err("not PEM");
    assert!(e.to_string().contains("PEM"), "{e}");
    assert!(Auth::basic_from_line(":nouser").is_err());
    assert_eq!(format!("{:?}", Auth::Bearer("secret".into())), "Bearer(..)");
}
