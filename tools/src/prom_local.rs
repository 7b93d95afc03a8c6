//! A real Prometheus for a snapshot's `metrics/*.om`: the files are backfilled into a fresh TSDB
//! with `promtool tsdb create-blocks-from openmetrics`, and the Debian `prometheus` binary serves
//! it on a loopback port until this value is dropped. Used by `--snapshot` (demo, diagnose,
//! evals, tests) so metric tools read real PromQL answers, not a mock.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::prom::{PromClient, PromConfig};
use crate::{Error, Result};

/// A Prometheus child process serving a snapshot's metrics.
#[derive(Debug)]
pub struct LocalPrometheus {
    child: Child,
    url: String,
    _dir: TempDir,
}

/// A temporary folder removed on drop (no extra dependency for one folder).
#[derive(Debug)]
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn find(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(bin))
        .find(|p| p.is_file())
}

/// Whether `prometheus` and `promtool` are on PATH.
pub fn installed() -> bool {
    find("promtool").is_some() && find("prometheus").is_some()
}

/// What a local Prometheus runs besides the backfilled TSDB (tests use it: rules and scrape
/// targets make the alerts, rules and targets APIs answer as a live server's do).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// A rule file (YAML `groups:`), loaded with `rule_files`.
    pub rules: Option<String>,
    /// The `scrape_configs:` list, YAML. `{self}` stands for this Prometheus' own address.
    pub scrape_configs: Option<String>,
    /// `global.scrape_interval` and `evaluation_interval` (default 15s).
    pub interval: Option<String>,
}

impl LocalPrometheus {
    /// Start Prometheus on the snapshot's metrics. `Ok(None)` when the snapshot has none.
    pub fn start(snapshot: &Path) -> Result<Option<Self>> {
        Self::start_with(snapshot, &Extras::default())
    }

    /// [`start`](Self::start), with rules and scrape targets.
    pub fn start_with(snapshot: &Path, extras: &Extras) -> Result<Option<Self>> {
        let dir = snapshot.join("metrics");
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "om"))
                .collect(),
            Err(_) => return Ok(None),
        };
        if files.is_empty() {
            return Ok(None);
        }
        files.sort();
        let (Some(promtool), Some(prometheus)) = (find("promtool"), find("prometheus")) else {
            return Err(Error::Metrics(
                "the snapshot has metrics, but `prometheus`/`promtool` are not installed: apt-get install prometheus (metric evidence is skipped until then)".into(),
            ));
        };
        let tmp = std::env::temp_dir().join(format!(
            "ktriage-prom-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let data = tmp.join("data");
        std::fs::create_dir_all(&data)
            .map_err(|e| Error::Metrics(format!("cannot create {}: {e}", data.display())))?;
        let guard = TempDir(tmp.clone());
        for f in &files {
            let out = Command::new(&promtool)
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(f)
                .arg(&data)
                .output()
                .map_err(|e| Error::Metrics(format!("running promtool: {e}")))?;
            if !out.status.success() {
                return Err(Error::Metrics(format!(
                    "promtool could not load {}: {}",
                    f.display(),
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .last()
                        .unwrap_or("")
                )));
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| Error::Metrics(format!("no free port for Prometheus: {e}")))?
            .port();
        let interval = extras.interval.as_deref().unwrap_or("15s");
        let mut yaml =
            format!("global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n");
        if let Some(rules) = &extras.rules {
            let file = tmp.join("rules.yml");
            std::fs::write(&file, rules)
                .map_err(|e| Error::Metrics(format!("writing {}: {e}", file.display())))?;
            yaml.push_str(&format!("rule_files:\n  - {}\n", file.display()));
        }
        match &extras.scrape_configs {
            Some(sc) => yaml.push_str(&format!(
                "scrape_configs:\n{}\n",
                sc.replace("{self}", &format!("127.0.0.1:{port}"))
            )),
            None => yaml.push_str("scrape_configs: []\n"),
        }
        let config = tmp.join("prometheus.yml");
        std::fs::write(&config, yaml)
            .map_err(|e| Error::Metrics(format!("writing {}: {e}", config.display())))?;
        let child = Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--storage.tsdb.retention.time=100y")
            .arg("--log.level=error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error::Metrics(format!("starting prometheus: {e}")))?;
        let mut me = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: guard,
        };
        me.wait_ready()?;
        Ok(Some(me))
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = self.url.rsplit(':').next().unwrap_or("0").to_string();
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Error::Metrics(format!(
                    "prometheus exited at start ({status})"
                )));
            }
            if let Ok(mut s) = std::net::TcpStream::connect(format!("127.0.0.1:{port}")) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
                let _ = s.write_all(b"GET /-/ready HTTP/1.0\r\nHost: localhost\r\n\r\n");
                let mut buf = [0u8; 64];
                if let Ok(n) = s.read(&mut buf)
                    && buf[..n].windows(3).any(|w| w == b"200")
                {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(Error::Metrics(
            "prometheus did not become ready in 20 s".into(),
        ))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A client for this Prometheus.
    pub fn client(&self) -> Result<PromClient> {
        PromClient::new(&PromConfig::new(self.url.clone()))
    }
}

impl Drop for LocalPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
