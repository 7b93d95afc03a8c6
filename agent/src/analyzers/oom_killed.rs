//! `oom-killed` — a container exceeded its memory limit and the kernel killed it.
//!
//! Detects: a pod whose last termination is `OOMKilled` (exit 137), or `OOMKilling` events.
//! Evidence: the pod's last exit and restarts, the event. Known false positives: an OOM kill
//! long ago on a pod that has been healthy since (a distractor) — confidence is low when the pod
//! is healthy now.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static OOMKILLED: LazyLock<Regex> = LazyLock::new(|| re(r"OOMKilled"));

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for p in &facts.pods {
        let last = p.last_termination.as_deref().unwrap_or("");
        if !OOMKILLED.is_match(last) {
            continue;
        }
        let key = workload_key(p);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            c.evidence.push(ev_pod(store, p));
            if p.problem {
                c.confidence = c.confidence.max(0.85);
            }
            continue;
        }
        let mut evidence = vec![ev_pod(store, p)];
        for e in facts.events.iter().filter(|e| {
            e.object.ends_with(&format!("/{}", p.name))
                && (e.reason.contains("OOM") || e.message.contains("OOM"))
        }) {
            evidence.push(ev_event(store, e));
        }
        let memory_limit = described_lines(
            facts,
            &p.namespace,
            &p.name,
            &re(r"(?i)limits?:.*memory|memory.*limit"),
        )
        .first()
        .map(|l| {
            evidence.push(store.add(
                "describe",
                format!("{}/Pod/{}", p.namespace, p.name),
                None,
                l,
            ));
            " its memory limit".to_string()
        })
        .unwrap_or_else(|| " its memory limit".into());
        let (ns, kind, name) = split_resource(&resource_of(p));
        let mut statement = format!(
            "Containers of {name} are OOMKilled (exit 137): the process uses more memory than{memory_limit} allows ({} restarts).",
            p.restarts
        );
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
        }
        out.push(Candidate {
            category: "oom-killed",
            resource: resource_of(p),
            statement,
            confidence: if p.problem { 0.85 } else { 0.35 },
            evidence,
            analyzer: "oom-killed",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Compare the container's memory use with its limit, then raise the limit or reduce the heap/cache size the process is configured for",
                    Some(format!("{} describe pod {}", kns(&ns), p.name)),
                ),
                step(
                    "Check the memory limit and requests in the workload spec",
                    Some(format!("{} get {}/{name} -o yaml", kns(&ns), kind.to_lowercase())),
                ),
            ],
        });
    }
    out
}
