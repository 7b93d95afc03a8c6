//! Shared test setup: a replay server over a fixture snapshot and a tool context on it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tools::budget::Budget;
use tools::k8s::KubeReader;
use tools::replay::ReplayServer;
use tools::snapshot::Snapshot;
use tools::tool::ToolContext;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn leaky() -> PathBuf {
    repo_root().join("tools/tests/fixtures/leaky")
}

pub fn demo() -> PathBuf {
    repo_root().join("evals/scenarios/vllm-oom-after-max-model-len-bump")
}

pub struct Env {
    pub server: ReplayServer,
    pub ctx: ToolContext,
}

pub async fn start(dir: &Path) -> Env {
    start_with(dir, rbac::Profile::local()).await
}

pub async fn start_with(dir: &Path, profile: rbac::Profile) -> Env {
    let snapshot = Snapshot::load(dir).expect("fixture loads");
    let server = ReplayServer::start(snapshot, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("replay starts");
    let reader = KubeReader::new(
        server.client().expect("client"),
        server.clock(),
        Arc::new(profile),
    );
    let ctx = ToolContext::new(reader, Budget::default());
    Env { server, ctx }
}

/// Lines of a fixture list file, without comments and blanks.
pub fn list_file(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("list file")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}
