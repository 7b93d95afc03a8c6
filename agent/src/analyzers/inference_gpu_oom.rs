//! `inference-gpu-oom` — a model server dies with CUDA out of memory.
//!
//! Detects: log lines such as `torch.OutOfMemoryError: CUDA out of memory`, `CUDA error: out of
//! memory`, `cudaErrorMemoryAllocation`, `CUBLAS_STATUS_ALLOC_FAILED` in a pod's (previous) log.
//! Evidence: the log line, the pod's restarts and last exit, and the newest rollout of its
//! Deployment when it changed something (the usual trigger: a larger context length, batch size
//! or memory fraction). Known false positives: a one-off OOM on a single oversized request that
//! the server survived (it logs the error but keeps running) — confidence is lower when the pod
//! is healthy.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static OOM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)CUDA out of memory|OutOfMemoryError|CUDA error: out of memory|cudaErrorMemoryAllocation|CUBLAS_STATUS_ALLOC_FAILED|out of memory on (device|GPU)|Not enough (GPU )?memory|insufficient GPU memory|KV cache.*(larger than|exceeds) the (available|max)|No available memory for the cache blocks",
    )
});
static GPU_CONTEXT: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)cuda|gpu|cublas|torch|device"));
static FLAGS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)max[-_]model[-_]len|max[-_]num[-_](seqs|batched[-_]tokens)|gpu[-_]memory[-_]utilization|max[-_](batch[-_])?(total|input)[-_]tokens|max[-_]batch[-_]prefill[-_]tokens|tensor[-_]parallel|quantiz|dtype|cuda[-_]memory[-_]fraction|max[-_]batch[-_]size",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for (log, line) in log_lines(facts, &OOM) {
        let Some(p) = pod_of(facts, log) else {
            continue;
        };
        if !GPU_CONTEXT.is_match(line) && !is_model_server(facts, &p.namespace, &p.name) {
            continue;
        }
        let key = workload_key(p);
        if out
            .iter()
            .any(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            if let Some(c) = out
                .iter_mut()
                .find(|c| c.workload.as_deref() == Some(key.as_str()))
                && c.evidence.len() < 4
            {
                let id = ev_log(store, log, line);
                if !c.evidence.contains(&id) {
                    c.evidence.push(id);
                }
            }
            continue;
        }
        let mut evidence = vec![ev_log(store, log, line), ev_pod(store, p)];
        let crashing = p.problem || p.restarts > 0;
        let mut statement = format!(
            "The model server {} runs out of GPU memory (CUDA out of memory){}.",
            workload_of(p).1,
            if crashing {
                format!(" and crash-loops ({} restarts)", p.restarts)
            } else {
                String::new()
            }
        );
        let mut confidence = if crashing { 0.9 } else { 0.55 };
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}; that raised its GPU memory needs."));
            confidence += 0.04;
        } else if let Some(l) = described_lines(facts, &p.namespace, &p.name, &FLAGS).first() {
            evidence.push(store.add(
                "describe",
                format!("{}/Pod/{}", p.namespace, p.name),
                None,
                l,
            ));
        }
        let (ns, _, name) = split_resource(&resource_of(p));
        out.push(Candidate {
            category: "inference-gpu-oom",
            resource: resource_of(p),
            statement,
            confidence,
            evidence,
            analyzer: "inference-gpu-oom",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Roll back to the last revision that fit in GPU memory",
                    Some(format!("{} rollout undo deployment/{name}", kns(&ns))),
                ),
                step(
                    "Or lower what sizes GPU memory (max-model-len / max_model_len, batch tokens, gpu-memory-utilization) to fit the GPU, then roll out again",
                    Some(format!("{} get deployment/{name} -o yaml", kns(&ns))),
                ),
                step(
                    "Confirm the out-of-memory error in the crashed instance's log",
                    Some(format!("{} logs {} --previous", kns(&ns), p.name)),
                ),
            ],
        });
    }
    out
}
