//! `gpu-node-fault` — a GPU node is unhealthy: Xid errors, a GPU fallen off the bus, ECC
//! errors, the device plugin marking devices unhealthy, or the node going NotReady.
//!
//! Detects: `Xid`, `fallen off the bus`, `ECC`, `unhealthy` device lines in dcgm-exporter,
//! device-plugin or driver logs; inference pods failing with `CUDA error: unspecified launch
//! failure` / `illegal memory access` on that node; a GPU node NotReady. Evidence: the lines,
//! the node's conditions and allocatable GPUs. The resource is the node. Known false positives:
//! an application bug producing illegal memory access on healthy GPUs (no Xid on the node).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static XID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bXid\b|fallen off the bus|GPU has fallen|double[- ]bit ECC|uncorrectable ECC|ECC error|marking (device|GPU) .*unhealthy|device .* (is )?unhealthy|Unhealthy device|NVRM:|GPU is lost|nvidia-smi has failed|Unable to determine the device handle|row remapping failure",
    )
});
static CUDA_FAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)CUDA error: (unspecified launch failure|an illegal memory access|uncorrectable ECC|device-side assert|unknown error)|cudaErrorLaunchFailure|CUDA_ERROR_ECC_UNCORRECTABLE|no CUDA-capable device is detected|CUDA driver version is insufficient",
    )
});
static NODE_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"[a-z0-9][a-z0-9.-]*[a-z0-9]"));

fn node_of<'a>(facts: &'a Facts, ns: &str, pod_name: &str, line: &str) -> Option<&'a str> {
    // A line naming a node wins (exporter logs often carry the hostname); else the pod's node.
    for n in &facts.nodes {
        if line.contains(n.name.as_str()) {
            return Some(n.name.as_str());
        }
    }
    let _ = &NODE_NAME;
    pod(facts, ns, pod_name).and_then(|p| p.node.as_deref())
}

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let add = |node: &str, ev: String, strong: bool, out: &mut Vec<Candidate>| {
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.resource == format!("Node/{node}"))
        {
            if !c.evidence.contains(&ev) && c.evidence.len() < 6 {
                c.evidence.push(ev);
                c.confidence = (c.confidence + 0.03).min(0.92);
            }
            return;
        }
        out.push(Candidate {
            category: "gpu-node-fault",
            resource: format!("Node/{node}"),
            statement: format!(
                "GPU node {node} is faulty (GPU errors such as Xid / ECC / a GPU lost from the bus, or the node went NotReady): workloads on it fail until the GPU or node is replaced or reset."
            ),
            confidence: if strong { 0.85 } else { 0.6 },
            evidence: vec![ev],
            analyzer: "gpu-node-fault",
            workload: None,
            depends_on: Vec::new(),
            next_steps: vec![
                step("Keep new pods off the node while it is examined", Some(format!("kubectl cordon {node}"))),
                step("Check the node's conditions, GPU allocatable and the device plugin", Some(format!("kubectl describe node {node}"))),
                step("Have the GPU and driver checked (nvidia-smi -q; the kernel log for Xid) and the node repaired or replaced once its workloads have moved", None),
            ],
        });
    };
    for (log, line) in log_lines(facts, &XID) {
        if let Some(node) = node_of(facts, &log.namespace, &log.pod, line) {
            let ev = ev_log(store, log, line);
            add(node, ev, true, &mut out);
        }
    }
    for (log, line) in log_lines(facts, &CUDA_FAIL) {
        if let Some(node) = node_of(facts, &log.namespace, &log.pod, line) {
            let ev = ev_log(store, log, line);
            let known = out.iter().any(|c| c.resource == format!("Node/{node}"));
            add(node, ev, known, &mut out);
        }
    }
    // DCGM's last Xid per GPU: a non-zero code that appeared within the hour.
    for (m, s) in metric_series(facts, "gpu_xid") {
        if s.last <= 0.0 || s.changes.is_empty() {
            continue;
        }
        if let Some(node) =
            label(s, "Hostname").filter(|h| facts.nodes.iter().any(|n| n.name == *h))
        {
            let ev = ev_metric(store, m, s);
            add(node, ev, true, &mut out);
        }
    }
    for n in &facts.nodes {
        let gpu_node = !n.gpus.is_empty()
            || n.labels_of_note
                .iter()
                .any(|l| l.contains("gpu") || l.contains("nvidia"));
        if !gpu_node {
            continue;
        }
        let not_ready = n.ready != "Ready";
        let bad_gpu = n.gpus.values().any(|v| {
            // capacity/allocatable/requested: allocatable below capacity means unhealthy devices.
            let parts: Vec<i64> = v.split('/').filter_map(|x| x.parse().ok()).collect();
            parts.len() >= 2 && parts[1] < parts[0]
        });
        if not_ready || bad_gpu {
            let ev = store.add(
                "nodes",
                format!("Node/{}", n.name),
                None,
                format!(
                    "Ready={} {} gpus {} taints {}",
                    n.ready,
                    n.bad_conditions.join(", "),
                    n.gpus
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    n.taints.join(", ")
                ),
            );
            add(&n.name, ev, true, &mut out);
        }
    }
    out
}
