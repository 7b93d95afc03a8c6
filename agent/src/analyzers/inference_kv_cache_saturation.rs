//! `inference-kv-cache-saturation` — the model server's KV cache is full: requests are
//! preempted and queue, latency climbs, nothing crashes.
//!
//! Detects: vLLM `is preempted by PreemptionMode.RECOMPUTE/SWAP ... not enough KV cache space`,
//! periodic stats with `GPU KV cache usage: 9x%` and a growing `Pending`/`Waiting` count, TGI
//! `Cannot allocate KV cache` / queue-full warnings. Evidence: those lines on a running server.
//! Known false positives: a brief spike that drained (usage back to normal at the end of the log).
//!
//! The trigger: a saturated server is usually fine until a client changes. When another
//! Deployment rolled out in the 90 minutes before the snapshot, in the server's namespace or
//! with a change to a request-size knob (tokens, top-k, context, prompt, batch, workers,
//! concurrency), the cause names it and its change, with the rollout as evidence. Known false
//! positive: an unrelated rollout in the server's namespace in that window.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static PREEMPT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)preempted by PreemptionMode|not enough KV cache space|KV cache (is )?(full|exhausted)|Cannot allocate KV cache|no free (KV )?blocks|waiting for free blocks|max_total_tokens.*(exceeded|reached)|Model is overloaded|queue is full|Request queue full|too many pending requests",
    )
});
static USAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(GPU )?KV cache usage: (9[0-9](\.[0-9]+)?|100(\.0+)?)%"));

static QUEUE_TIME: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)"?queue_time"?\s*[:=]\s*"?([0-9]+(\.[0-9]+)?)\s*s"#));

/// Requests that waited in the server's queue for 10 s or more (TGI logs `queue_time` per
/// request): the server is full, not slow at computing.
fn long_queue(facts: &Facts) -> Vec<(&crate::investigate::PodLog, &str)> {
    log_lines(facts, &QUEUE_TIME)
        .into_iter()
        .filter(|(_, l)| {
            QUEUE_TIME
                .captures(l)
                .and_then(|c| c[1].parse::<f64>().ok())
                .is_some_and(|s| s >= 10.0)
        })
        .collect()
}

/// Changes that alter how much a client asks of a model server.
static KNOB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)token|top_?k|context|prompt|batch|worker|concurren|parallel|max_?new|chunk|thread|replicas",
    )
});

/// How far before the snapshot a client's rollout may have started the saturation.
const TRIGGER_WINDOW_SECS: i64 = 90 * 60;

/// The client rollout that most plausibly started the saturation of `server` (`ns/name`):
/// another Deployment's newest revision, in the window, in the server's namespace or changing
/// a request-size knob; knob changes in the same namespace first, then the most recent.
fn trigger<'a>(
    facts: &'a Facts,
    server: &str,
) -> Option<(
    &'a str,
    &'a tools::tool::rollout_history::Revision,
    Vec<&'a str>,
)> {
    let now: jiff::Timestamp = facts.now.as_deref()?.parse().ok()?;
    let server_ns = server.split('/').next().unwrap_or_default();
    facts
        .rollouts
        .iter()
        .filter(|(key, _)| key.as_str() != server)
        .filter_map(|(key, o)| {
            let rev = o.revisions.first()?;
            let age = now.duration_since(rev.created?).as_secs();
            if !(0..=TRIGGER_WINDOW_SECS).contains(&age) || o.revisions.len() < 2 {
                return None;
            }
            let knobs: Vec<&str> = rev
                .changes
                .iter()
                .map(String::as_str)
                .filter(|c| KNOB.is_match(c))
                .collect();
            let same_ns = key.split('/').next() == Some(server_ns);
            (same_ns || !knobs.is_empty()).then_some((key.as_str(), rev, knobs, same_ns))
        })
        .max_by_key(|(_, rev, knobs, same_ns)| (!knobs.is_empty(), *same_ns, rev.created))
        .map(|(key, rev, knobs, _)| (key, rev, knobs))
}

/// Name the client rollout that preceded the saturation in each candidate, as evidence and a
/// next step.
fn with_trigger(facts: &Facts, store: &mut EvidenceStore, c: &mut Candidate) {
    let Some(server) = c.workload.clone() else {
        return;
    };
    let Some((client, rev, knobs)) = trigger(facts, &server) else {
        return;
    };
    let (ns, name) = client.split_once('/').unwrap_or(("", client));
    let changed = if knobs.is_empty() {
        rev.changes
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        knobs.join("; ")
    };
    let changed = tools::budget::clip(&changed, 200);
    let id = store.add(
        "rollout_history",
        format!("{ns}/Deployment/{name}"),
        rev.created.map(|t| t.to_string()),
        format!("revision {} ({}): {changed}", rev.revision, rev.created_ago),
    );
    if !c.evidence.contains(&id) {
        c.evidence.push(id);
    }
    c.statement.push_str(&format!(
        " It began after Deployment {client} rolled to revision {} ({} ago: {changed}): a client now sending more or longer requests.",
        rev.revision, rev.created_ago
    ));
    c.next_steps.insert(
        0,
        step(
            format!(
                "Review the client change that preceded it ({client} revision {}); consider rolling it back or capping its prompt size, max_tokens and concurrency",
                rev.revision
            ),
            Some(format!(
                "{} rollout history deployment/{name} --revision={}",
                kns(ns),
                rev.revision
            )),
        ),
    );
}

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out = analyze_servers(facts, store);
    for c in &mut out {
        with_trigger(facts, store, c);
    }
    out
}

fn analyze_servers(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut hits = log_lines(facts, &PREEMPT);
    hits.extend(log_lines(facts, &USAGE));
    let queued = long_queue(facts);
    if queued.len() >= 3 {
        hits.extend(queued);
    }
    // The metrics say it first: KV-cache usage at the ceiling on a running server.
    for (m, s) in metric_series(facts, "kv_cache_usage") {
        if s.max < 0.95 {
            continue;
        }
        let (Some(ns), Some(podname)) = (label(s, "namespace"), label(s, "pod")) else {
            continue;
        };
        let Some(p) = pod(facts, ns, podname) else {
            continue;
        };
        let key = workload_key(p);
        let id = ev_metric(store, m, s);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            if !c.evidence.contains(&id) {
                c.evidence.push(id);
            }
            continue;
        }
        let mut evidence = vec![id];
        for (m2, s2) in metric_series(facts, "requests_waiting")
            .into_iter()
            .chain(metric_series(facts, "preemptions"))
            .filter(|(_, s2)| label(s2, "pod") == Some(podname) && s2.max > 0.0)
            .take(2)
        {
            evidence.push(ev_metric(store, m2, s2));
        }
        let (ns2, kind, name) = split_resource(&resource_of(p));
        out.push(Candidate {
            category: "inference-kv-cache-saturation",
            resource: resource_of(p),
            statement: format!(
                "The model server {name} is saturated: its GPU KV cache (token budget) is full, so requests wait in the queue or are preempted and latency rises while the pods stay up."
            ),
            confidence: if evidence.len() > 1 { 0.82 } else { 0.74 },
            evidence,
            analyzer: "inference-kv-cache-saturation",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Add capacity (replicas) or cap concurrency per replica (max-num-seqs / max_num_seqs, max batch tokens) so the KV cache stops preempting",
                    Some(format!("{} get {}/{name} -o yaml", kns(&ns2), kind.to_lowercase())),
                ),
                step(
                    "Find which clients send the longest prompts or no max_tokens (request logs or per-client metrics)",
                    None,
                ),
            ],
        });
    }
    for (log, line) in hits {
        let Some(p) = pod_of(facts, log) else {
            continue;
        };
        let key = workload_key(p);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            if c.evidence.len() < 4 {
                let id = ev_log(store, log, line);
                if !c.evidence.contains(&id) {
                    c.evidence.push(id);
                    c.confidence = (c.confidence + 0.04).min(0.88);
                }
            }
            continue;
        }
        let (ns, kind, name) = split_resource(&resource_of(p));
        out.push(Candidate {
            category: "inference-kv-cache-saturation",
            resource: resource_of(p),
            statement: format!(
                "The model server {name} is saturated: its GPU KV cache (token budget) is full, so requests wait in the queue or are preempted and latency rises while the pods stay up."
            ),
            confidence: if p.problem { 0.6 } else { 0.76 },
            evidence: vec![ev_log(store, log, line)],
            analyzer: "inference-kv-cache-saturation",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Add capacity (replicas) or cap concurrency per replica (max-num-seqs / max_num_seqs, max batch tokens) so the KV cache stops preempting",
                    Some(format!("{} get {}/{name} -o yaml", kns(&ns), kind.to_lowercase())),
                ),
                step(
                    "Watch KV-cache usage and the waiting queue (vllm:gpu_cache_usage_perc, vllm:num_requests_waiting)",
                    Some(format!("{} logs deploy/{name} --since=15m | grep -i 'KV cache'", kns(&ns))),
                ),
            ],
        });
    }
    out
}
