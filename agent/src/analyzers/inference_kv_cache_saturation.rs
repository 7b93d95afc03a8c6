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
//! positive: an unrelated rollout in the server's namespace in that window. A Deployment
//! created in that window anywhere in the cluster whose spec names the server's Service
//! (`svc.namespace`) is a new client and is named first, with the knobs it sets (workers,
//! prompt and output token caps); a new client that sends little load is its false positive.

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

/// A client rollout that may have started the saturation.
struct Trigger<'a> {
    /// `namespace/name` of the client Deployment.
    client: &'a str,
    rev: &'a tools::tool::rollout_history::Revision,
    /// The request-size knobs it changed (or, for a new client, set).
    knobs: Vec<String>,
    /// The Deployment is new and its spec names the server's Service.
    new_client: bool,
}

/// The Services a workload's clients would name: the workload's own name and the Services in
/// its namespace that front its pods.
fn services_of(facts: &Facts, server: &str) -> Vec<String> {
    let (ns, name) = server.split_once('/').unwrap_or(("", server));
    let mut out = vec![name.to_string()];
    for o in facts.objects.get("Service").into_iter().flatten() {
        let Some((sns, svc)) = o.object.split_once('/') else {
            continue;
        };
        if sns == ns
            && !out.iter().any(|s| s == svc)
            && facts
                .pods
                .iter()
                .filter(|p| workload_key(p) == server)
                .any(|p| crate::investigate::fronted_by(p, ns, svc))
        {
            out.push(svc.to_string());
        }
    }
    out
}

/// Whether a description names one of `services` of namespace `ns` as a URL or host: by its
/// cluster DNS name (`svc.ns`, needed from another namespace) or, from the same namespace, as
/// `//svc:` / `//svc/`.
fn names_service(lines: &[String], ns: &str, services: &[String], same_ns: bool) -> bool {
    lines.iter().any(|l| {
        services.iter().any(|svc| {
            l.contains(&format!("{svc}.{ns}"))
                || (same_ns
                    && (l.contains(&format!("//{svc}:")) || l.contains(&format!("//{svc}/"))))
        })
    })
}

/// `NAME=value` for each env entry of a description whose name is a request-size knob.
fn env_knobs(lines: &[String]) -> Vec<String> {
    lines
        .windows(2)
        .filter_map(|w| {
            let name = w[0]
                .trim()
                .trim_start_matches("- ")
                .strip_prefix("name: ")?;
            let value = w[1].trim().strip_prefix("value: ")?;
            KNOB.is_match(name).then(|| format!("{name}={value}"))
        })
        .collect()
}

/// The client rollout that most plausibly started the saturation of `server` (`ns/name`): a
/// Deployment created in the window whose spec names the server's Service, or another
/// Deployment's newest revision in the window, in the server's namespace or changing a
/// request-size knob. New clients first, then knob changes, then the same namespace, then the
/// most recent.
fn trigger<'a>(facts: &'a Facts, server: &str) -> Option<Trigger<'a>> {
    let now: jiff::Timestamp = facts.now.as_deref()?.parse().ok()?;
    let server_ns = server.split('/').next().unwrap_or_default();
    let services = services_of(facts, server);
    facts
        .rollouts
        .iter()
        .filter(|(key, _)| key.as_str() != server)
        .filter_map(|(key, o)| {
            let rev = o.revisions.first()?;
            let age = now.duration_since(rev.created?).as_secs();
            if !(0..=TRIGGER_WINDOW_SECS).contains(&age) {
                return None;
            }
            let same_ns = key.split('/').next() == Some(server_ns);
            let described = facts.new_workloads.get(key.as_str());
            let new_client = o.revisions.len() == 1
                && o.omitted == 0
                && described
                    .is_some_and(|d| names_service(&d.lines, server_ns, &services, same_ns));
            if o.revisions.len() < 2 && !new_client {
                return None;
            }
            let knobs: Vec<String> = if new_client {
                described.map(|d| env_knobs(&d.lines)).unwrap_or_default()
            } else {
                rev.changes
                    .iter()
                    .filter(|c| KNOB.is_match(c))
                    .cloned()
                    .collect()
            };
            let t = Trigger {
                client: key.as_str(),
                rev,
                knobs,
                new_client,
            };
            (new_client || same_ns || !t.knobs.is_empty()).then_some((t, same_ns))
        })
        .max_by_key(|(t, same_ns)| (t.new_client, !t.knobs.is_empty(), *same_ns, t.rev.created))
        .map(|(t, _)| t)
}

/// Name the client rollout that preceded the saturation in each candidate, as evidence and a
/// next step.
fn with_trigger(facts: &Facts, store: &mut EvidenceStore, c: &mut Candidate) {
    let Some(server) = c.workload.clone() else {
        return;
    };
    let Some(t) = trigger(facts, &server) else {
        return;
    };
    let client = t.client;
    let rev = t.rev;
    let (ns, name) = client.split_once('/').unwrap_or(("", client));
    let changed = if t.knobs.is_empty() {
        rev.changes
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        t.knobs.join("; ")
    };
    let changed = tools::budget::clip(&changed, 200);
    let id = store.add(
        "rollout_history",
        format!("{ns}/Deployment/{name}"),
        rev.created.map(|t| t.to_string()),
        if t.new_client {
            format!(
                "created {} ago, calls {server}'s Service: {changed}",
                rev.created_ago
            )
        } else {
            format!("revision {} ({}): {changed}", rev.revision, rev.created_ago)
        },
    );
    if !c.evidence.contains(&id) {
        c.evidence.push(id);
    }
    if t.new_client {
        c.statement.push_str(&format!(
            " It began after Deployment {client} was created ({} ago), a new client of this server ({changed}) whose requests now take the KV cache.",
            rev.created_ago
        ));
        c.next_steps.insert(
            0,
            step(
                format!(
                    "Throttle or move the new client {client}: fewer workers, a cap on its prompt size and max_tokens, off-peak scheduling or its own replica; or add KV capacity"
                ),
                Some(format!("{} get deployment/{name} -o yaml", kns(ns))),
            ),
        );
        return;
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
