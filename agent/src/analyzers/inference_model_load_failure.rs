//! `inference-model-load-failure` — a model server cannot load its model: weights missing or
//! unreadable, wrong path, volume not mounted, unsupported architecture, or no credentials for
//! a gated model store.
//!
//! Detects: a model server's log with `does not appear to have a file named config.json`, `is
//! not a valid model identifier`, `GatedRepoError` / `401 Client Error` / `Access to model ... is
//! restricted`, `No such file or directory` under the model path, `unsupported architecture`,
//! Triton's `failed to load` / `UNAVAILABLE`, KServe `Failed to load model`, a storage
//! initializer's `Failed to fetch model. No model found in ...` / `NoSuchKey` (the pod's logs
//! then come from that init container: `pod_logs` reads it for a pod stuck initializing). Evidence: the log
//! line, the pod status, the model flags from describe. Known false positives: a transient hub
//! outage (would show network errors instead).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static LOAD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)does not appear to have a file named|is not a valid model identifier|not a local folder and is not a valid model|GatedRepoError|RepositoryNotFoundError|Access to model .* is restricted|401 Client Error|403 Client Error.*huggingface|Cannot access gated repo|(model|weights|checkpoint|safetensors|config\.json).*(No such file or directory|not found|does not exist)|No such file or directory.*(model|weights|\.safetensors|\.bin|\.gguf|config\.json)|unsupported (model )?architecture|architectures? .* (are|is) not supported|Model architectures .* not supported|not supported for now|failed to load( model)?|failed to load '|UNAVAILABLE: (Invalid argument|Not found|Internal)|Failed to load model|Error loading model|could not load model|unable to load (model|weights)|model .* (not found|is not available)|HFValidationError|Invalid repository ID|local directory specified|no config file found|Could not detect config format|EntryNotFoundError|Incorrect path_or_model_id|Unable to load weights|safetensors_rust.SafetensorError|invalid load key|gguf.*(invalid|failed)|model repository .* (not found|empty)|poll failed for model directory|Failed to fetch model|No model found in|Failed to download (the )?model|Unable to (fetch|download) (the )?model|NoSuchBucket|NoSuchKey|BlobNotFound|bucket .* (not found|does not exist)",
    )
});
static MOUNT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*mount .*(model|weight|cache|hf|data|subPath)"));
static MODEL_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)--model|model[-_]id|MODEL_(ID|NAME|PATH)|storageUri|model-repository|model_repository|HF_TOKEN|HUGGING_FACE",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for (log, line) in log_lines(facts, &LOAD) {
        let Some(p) = pod_of(facts, log) else {
            continue;
        };
        if !is_model_server(facts, &p.namespace, &p.name) {
            continue;
        }
        let key = workload_key(p);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            if c.evidence.len() < 4 {
                let id = ev_log(store, log, line);
                if !c.evidence.contains(&id) {
                    c.evidence.push(id);
                }
            }
            continue;
        }
        let mut evidence = vec![ev_log(store, log, line), ev_pod(store, p)];
        for l in described_lines(facts, &p.namespace, &p.name, &MODEL_FLAG)
            .into_iter()
            .take(3)
        {
            evidence.push(store.add(
                "describe",
                format!("{}/Pod/{}", p.namespace, p.name),
                None,
                l,
            ));
        }
        let lower = line.to_lowercase();
        let why = if lower.contains("gated")
            || lower.contains("401")
            || lower.contains("restricted")
            || lower.contains("403")
        {
            "the model store refuses access (missing or invalid credentials for a gated model)"
        } else if lower.contains("architecture") || lower.contains("not supported") {
            "the model's architecture is not supported by this server version"
        } else if lower.contains("no model found")
            || lower.contains("failed to fetch model")
            || lower.contains("nosuchkey")
            || lower.contains("nosuchbucket")
            || lower.contains("blobnotfound")
        {
            "the model store has nothing at the model's URI (a wrong or renamed bucket path: check storageUri)"
        } else if lower.contains("no such file")
            || lower.contains("not found")
            || lower.contains("does not appear")
            || lower.contains("does not exist")
            || lower.contains("valid model identifier")
            || lower.contains("path")
            || lower.contains("invalid repository")
            || lower.contains("local directory")
            || lower.contains("no config file")
        {
            "the model path or id points at nothing (wrong path, or the volume holding the weights is not mounted)"
        } else {
            "the weights cannot be loaded"
        };
        if why.contains("path") {
            for l in described_lines(facts, &p.namespace, &p.name, &MOUNT)
                .into_iter()
                .take(3)
            {
                evidence.push(store.add(
                    "describe",
                    format!("{}/Pod/{}", p.namespace, p.name),
                    None,
                    l,
                ));
            }
        }
        let (ns, kind, name) = split_resource(&resource_of(p));
        let crashing = p.problem || p.restarts > 0;
        // A pod stuck initializing was read through the init container it is blocked on (a
        // storage initializer that downloads the weights): say which.
        let init = if p.status.starts_with("Init:") {
            format!(
                " (its init container {} fails, so the server never starts)",
                log.container
            )
        } else {
            String::new()
        };
        let mut statement = format!(
            "The model server {name} cannot load its model{init}: {why}{}.",
            if crashing {
                format!("; it never becomes ready ({} restarts)", p.restarts)
            } else {
                String::new()
            }
        );
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
        }
        out.push(Candidate {
            category: "inference-model-load-failure",
            resource: resource_of(p),
            statement,
            confidence: if crashing { 0.88 } else { 0.6 },
            evidence,
            analyzer: "inference-model-load-failure",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Read the load error in full",
                    Some(format!("{} logs {} --previous", kns(&ns), p.name)),
                ),
                step(
                    "Check the model id/path, the volume that should hold the weights and the model-store credentials in the spec",
                    Some(format!("{} get {}/{name} -o yaml", kns(&ns), kind.to_lowercase())),
                ),
            ],
        });
    }
    out
}
