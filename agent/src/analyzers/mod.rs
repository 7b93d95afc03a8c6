//! The analyzers: deterministic rules, one per root-cause category of the taxonomy in
//! SCENARIOS.md, one file each. Each reads the [`Facts`] and proposes [`Candidate`] causes with
//! the evidence that supports them; [`crate::rank`] orders them across analyzers.
//!
//! Each file's doc comment says what the rule detects, the evidence it needs and its known
//! false positives.

mod application_error;
mod crash_config_error;
mod dependency_failure;
mod gateway_auth;
mod gateway_no_upstream;
mod gateway_rate_limit;
mod gateway_route_misconfig;
mod gateway_timeout;
mod gateway_tls;
mod gpu_node_fault;
mod gpu_unschedulable;
mod image_pull;
mod inference_autoscaling_limit;
mod inference_gpu_oom;
mod inference_kv_cache_saturation;
mod inference_model_load_failure;
mod inference_startup_probe;
mod missing_config_ref;
mod network_policy_block;
mod node_pressure_eviction;
mod oom_killed;
mod probe_misconfig;
mod pvc_pending;
mod resource_quota_exceeded;
mod service_no_endpoints;

use std::sync::LazyLock;

use regex::Regex;
use tools::tool::events::EventGroup;
use tools::tool::pod_facts::PodSummary;

use crate::diagnosis::{EvidenceStore, NextStep};
use crate::investigate::{Facts, PodLog};

/// A cause proposed by one analyzer.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub category: &'static str,
    /// `namespace/Kind/name`, or `Kind/name` when cluster-scoped.
    pub resource: String,
    pub statement: String,
    pub confidence: f64,
    pub evidence: Vec<String>,
    pub analyzer: &'static str,
    /// `namespace/name` of the workload this cause is about, for linking causes.
    pub workload: Option<String>,
    /// For a symptom (a gateway with no upstream): the workloads whose failure would explain it.
    pub depends_on: Vec<String>,
    pub next_steps: Vec<NextStep>,
}

type Analyzer = fn(&Facts, &mut EvidenceStore) -> Vec<Candidate>;

/// Every analyzer, in taxonomy order.
pub const ALL: &[(&str, Analyzer)] = &[
    ("gateway-rate-limit", gateway_rate_limit::analyze),
    ("gateway-auth", gateway_auth::analyze),
    ("gateway-tls", gateway_tls::analyze),
    ("gateway-no-upstream", gateway_no_upstream::analyze),
    ("gateway-timeout", gateway_timeout::analyze),
    ("gateway-route-misconfig", gateway_route_misconfig::analyze),
    ("inference-gpu-oom", inference_gpu_oom::analyze),
    (
        "inference-kv-cache-saturation",
        inference_kv_cache_saturation::analyze,
    ),
    (
        "inference-model-load-failure",
        inference_model_load_failure::analyze,
    ),
    ("inference-startup-probe", inference_startup_probe::analyze),
    ("gpu-unschedulable", gpu_unschedulable::analyze),
    ("gpu-node-fault", gpu_node_fault::analyze),
    (
        "inference-autoscaling-limit",
        inference_autoscaling_limit::analyze,
    ),
    ("oom-killed", oom_killed::analyze),
    ("crash-config-error", crash_config_error::analyze),
    ("image-pull", image_pull::analyze),
    ("missing-config-ref", missing_config_ref::analyze),
    ("probe-misconfig", probe_misconfig::analyze),
    ("service-no-endpoints", service_no_endpoints::analyze),
    ("network-policy-block", network_policy_block::analyze),
    ("resource-quota-exceeded", resource_quota_exceeded::analyze),
    ("pvc-pending", pvc_pending::analyze),
    ("node-pressure-eviction", node_pressure_eviction::analyze),
    ("dependency-failure", dependency_failure::analyze),
    ("application-error", application_error::analyze),
];

/// Run every analyzer.
pub fn run_all(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    ALL.iter().flat_map(|(_, a)| a(facts, store)).collect()
}

// ---- helpers shared by the analyzers -------------------------------------------------------

pub(crate) fn re(pattern: &str) -> Regex {
    // Patterns are compile-time constants of this crate; a bad one is a bug caught by the tests
    // (every analyzer runs in them), so fall back to a regex that matches nothing.
    Regex::new(pattern).unwrap_or_else(|e| {
        tracing::error!(pattern, error = %e, "analyzer regex does not compile");
        #[allow(clippy::unwrap_used)]
        Regex::new("$^").unwrap()
    })
}

/// `(kind, name)` of the workload that owns a pod: the Deployment behind a ReplicaSet, a
/// StatefulSet, DaemonSet or Job, else the pod itself.
pub(crate) fn workload_of(p: &PodSummary) -> (String, String) {
    match p.owner.as_deref().and_then(|o| o.split_once('/')) {
        Some(("ReplicaSet", rs)) => match rs.rsplit_once('-') {
            Some((deploy, hash))
                if hash.len() >= 5 && hash.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                ("Deployment".into(), deploy.into())
            }
            _ => ("ReplicaSet".into(), rs.into()),
        },
        Some((kind, name)) => (kind.into(), name.into()),
        None => ("Pod".into(), p.name.clone()),
    }
}

/// `namespace/Kind/name` of a pod's workload.
pub(crate) fn resource_of(p: &PodSummary) -> String {
    let (k, n) = workload_of(p);
    format!("{}/{k}/{n}", p.namespace)
}

/// `namespace/Kind/name` of the workload of pod `ns/name` (the pod itself if unknown).
pub(crate) fn resource_of_pod(facts: &Facts, ns: &str, name: &str) -> String {
    pod(facts, ns, name).map_or_else(|| format!("{ns}/Pod/{name}"), resource_of)
}

/// `namespace/name` of a pod's workload (for linking).
pub(crate) fn workload_key(p: &PodSummary) -> String {
    format!("{}/{}", p.namespace, workload_of(p).1)
}

pub(crate) fn pod<'a>(facts: &'a Facts, namespace: &str, name: &str) -> Option<&'a PodSummary> {
    facts
        .pods
        .iter()
        .find(|p| p.namespace == namespace && p.name == name)
}

/// The pod a log belongs to.
pub(crate) fn pod_of<'a>(facts: &'a Facts, log: &PodLog) -> Option<&'a PodSummary> {
    pod(facts, &log.namespace, &log.pod)
}

/// Log lines matching `re`, with their log.
pub(crate) fn log_lines<'a>(facts: &'a Facts, re: &Regex) -> Vec<(&'a PodLog, &'a str)> {
    let mut out = Vec::new();
    for l in &facts.logs {
        for line in &l.lines {
            if re.is_match(line) {
                out.push((l, line.as_str()));
            }
        }
    }
    out
}

/// Event groups whose reason matches `reason` and message matches `message`.
pub(crate) fn events<'a>(facts: &'a Facts, reason: &Regex, message: &Regex) -> Vec<&'a EventGroup> {
    facts
        .events
        .iter()
        .filter(|e| reason.is_match(&e.reason) && message.is_match(&e.message))
        .collect()
}

/// `(namespace, kind, name)` of an event's object (`Pod/ns/name` or `Kind/name` forms).
pub(crate) fn event_object(e: &EventGroup) -> (String, String, String) {
    let parts: Vec<&str> = e.object.split('/').collect();
    match parts.as_slice() {
        [kind, ns, name] => (ns.to_string(), kind.to_string(), name.to_string()),
        [ns, kind, name, ..] if kind.chars().next().is_some_and(char::is_uppercase) => {
            (ns.to_string(), kind.to_string(), name.to_string())
        }
        [kind, name] => (String::new(), kind.to_string(), name.to_string()),
        _ => (String::new(), String::new(), e.object.clone()),
    }
}

/// The workloads (`ns/name`) behind a route's backend Services (pods matched by
/// [`crate::investigate::fronted_by`]).
pub(crate) fn route_backend_workloads(facts: &Facts, kind: &str, route: &str) -> Vec<String> {
    let mut out: Vec<String> = facts
        .routes
        .iter()
        .filter(|r| r.kind == kind && r.route == route)
        .flat_map(|r| r.backends.iter())
        .filter_map(crate::investigate::backend_service)
        .flat_map(|(ns, svc)| {
            facts
                .pods
                .iter()
                .filter(move |p| crate::investigate::fronted_by(p, ns, svc))
        })
        .map(workload_key)
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn ev_log(store: &mut EvidenceStore, log: &PodLog, line: &str) -> String {
    let time = line
        .split_whitespace()
        .next()
        .filter(|t| t.len() >= 20 && t.as_bytes().get(4) == Some(&b'-') && t.contains('T'))
        .map(str::to_string);
    store.add(
        log.source(),
        format!("{}/Pod/{}", log.namespace, log.pod),
        time,
        line,
    )
}

pub(crate) fn ev_event(store: &mut EvidenceStore, e: &EventGroup) -> String {
    store.add(
        "events",
        e.object.clone(),
        e.last_seen.map(|t| t.to_string()),
        format!("{} {} (x{}): {}", e.type_, e.reason, e.count, e.message),
    )
}

pub(crate) fn ev_pod(store: &mut EvidenceStore, p: &PodSummary) -> String {
    let mut s = format!("{} ready {} restarts {}", p.status, p.ready, p.restarts);
    if let Some(w) = &p.waiting {
        s.push_str(&format!("; waiting {w}"));
    }
    if let Some(t) = &p.last_termination {
        s.push_str(&format!("; last exit {t}"));
    }
    store.add(
        "list_pods",
        format!("{}/Pod/{}", p.namespace, p.name),
        None,
        s,
    )
}

/// The newest rollout of a Deployment when it changed something, as `(revision, created,
/// changes)`.
pub(crate) fn latest_change(facts: &Facts, workload: &str) -> Option<(i64, String, String)> {
    let r = facts.rollouts.get(workload)?;
    if r.revisions.len() < 2 {
        return None;
    }
    let newest = r.revisions.iter().max_by_key(|v| v.revision)?;
    if newest.changes.is_empty() {
        return None;
    }
    Some((
        newest.revision,
        newest
            .created
            .map(|t| t.to_string())
            .unwrap_or_else(|| newest.created_ago.clone()),
        newest.changes.join("; "),
    ))
}

/// Cite the newest rollout of `workload` when it changed something: `(evidence id, sentence)`.
pub(crate) fn cite_rollout(
    facts: &Facts,
    store: &mut EvidenceStore,
    workload: &str,
) -> Option<(String, String)> {
    let (rev, created, changes) = latest_change(facts, workload)?;
    let id = store.add(
        format!("rollout_history {workload}"),
        workload.replacen('/', "/Deployment/", 1),
        Some(created.clone()),
        format!("revision {rev} ({created}): {changes}"),
    );
    // Name what changed (fields), not the values: the values are in the evidence, and a
    // statement should assert only what ktriage concluded.
    let mut fields: Vec<&str> = changes
        .split("; ")
        .map(|c| c.split(':').next().unwrap_or(c).trim())
        .collect();
    fields.dedup();
    Some((
        id,
        format!(
            "It began with revision {rev} of the Deployment, rolled out {created}, which changed {}",
            tools::budget::clip(&fields.join(", "), 160)
        ),
    ))
}

/// Lines of a pod's description (describe) matching `re`.
pub(crate) fn described_lines<'a>(
    facts: &'a Facts,
    ns: &str,
    pod: &str,
    re: &Regex,
) -> Vec<&'a str> {
    facts
        .described
        .get(&format!("{ns}/{pod}"))
        .map(|d| {
            d.lines
                .iter()
                .filter(|l| re.is_match(l))
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a pod runs a model server (by its name, image, args or logs).
pub(crate) fn is_model_server(facts: &Facts, ns: &str, pod: &str) -> bool {
    static NAME: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)vllm|tgi|text-generation|triton|tritonserver|llama|sglang|kserve|predictor|ollama|lmdeploy|tensorrt|inference|model|qwen|mistral|gemma|mixtral|phi-|deepseek|llm",
        )
    });
    if NAME.is_match(pod) {
        return true;
    }
    if !described_lines(facts, ns, pod, &NAME).is_empty() {
        return true;
    }
    facts
        .logs
        .iter()
        .filter(|l| l.namespace == ns && l.pod == pod)
        .any(|l| l.lines.iter().take(200).any(|x| NAME.is_match(x)))
}

pub(crate) fn step(action: impl Into<String>, command: Option<String>) -> NextStep {
    NextStep {
        action: action.into(),
        command,
    }
}

/// `kubectl -n NS` prefix.
pub(crate) fn kns(ns: &str) -> String {
    format!("kubectl -n {ns}")
}

/// Split `ns/Kind/name` into parts.
pub(crate) fn split_resource(r: &str) -> (String, String, String) {
    let p: Vec<&str> = r.splitn(3, '/').collect();
    match p.as_slice() {
        [ns, kind, name] => (ns.to_string(), kind.to_string(), name.to_string()),
        [kind, name] => (String::new(), kind.to_string(), name.to_string()),
        _ => (String::new(), String::new(), r.to_string()),
    }
}

// ---- metrics ---------------------------------------------------------------------------------

/// The series of a curated signal (`tools/signals.yaml`), with the signal.
pub(crate) fn metric_series<'a>(
    facts: &'a Facts,
    name: &str,
) -> Vec<(
    &'a crate::investigate::MetricFact,
    &'a tools::prom::SeriesSummary,
)> {
    facts
        .metrics
        .iter()
        .filter(|m| m.signal.name == name)
        .flat_map(|m| m.series.iter().map(move |s| (m, s)))
        .collect()
}

/// A label's value in a series' `name{k="v",...}` text.
pub(crate) fn label<'a>(s: &'a tools::prom::SeriesSummary, key: &str) -> Option<&'a str> {
    let pat = format!("{key}=\"");
    let start = s.labels.find(&pat)? + pat.len();
    let end = s.labels[start..].find('"')? + start;
    Some(&s.labels[start..end])
}

pub(crate) fn ev_metric(
    store: &mut EvidenceStore,
    m: &crate::investigate::MetricFact,
    s: &tools::prom::SeriesSummary,
) -> String {
    store.add(
        format!("prom_query {}", m.signal.query),
        s.labels.clone(),
        None,
        format!(
            "{}: {} last {} max {} mean {}, {}{} over the last hour",
            m.signal.what,
            s.labels,
            s.last,
            s.max,
            s.mean,
            s.trend,
            if s.changes.is_empty() {
                String::new()
            } else {
                format!(" (changes {})", s.changes.join("; "))
            }
        ),
    )
}

// ---- gateway access logs --------------------------------------------------------------------

/// A parsed access-log line of a gateway (Envoy JSON or text format, NGINX, Kong).
#[derive(Debug, Clone)]
pub(crate) struct Access<'a> {
    pub log: &'a PodLog,
    pub line: &'a str,
    pub status: u16,
    pub flags: String,
    /// `namespace/name` of the route (Envoy `route_name`/`upstream_cluster`) or the NGINX
    /// upstream `[ns-svc-port]`, when the line names one.
    pub route: Option<String>,
}

static JSON_STATUS: LazyLock<Regex> =
    LazyLock::new(|| re(r#""(?:response_code|status|code|status_code)"\s*:\s*"?(\d{3})\b"#));
static TEXT_STATUS: LazyLock<Regex> =
    LazyLock::new(|| re(r#"HTTP/[0-9.]+"\s+(\d{3})\s+(?:([A-Z]{2,3}(?:,[A-Z]{2,3})*|-)\s)?"#));
static JSON_FLAGS: LazyLock<Regex> =
    LazyLock::new(|| re(r#""response_flags"\s*:\s*"([A-Z,\-]+)""#));
static ROUTE_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?:httproute|grpcroute|tlsroute)/([a-z0-9-]+)/([a-z0-9-]+)/rule"#));

/// Access-log lines of gateway pods with a status matching `pred`.
pub(crate) fn access_lines<'a>(facts: &'a Facts, pred: impl Fn(u16) -> bool) -> Vec<Access<'a>> {
    let mut out = Vec::new();
    for log in &facts.logs {
        for line in &log.lines {
            let (status, mut flags) = if let Some(c) = JSON_STATUS.captures(line) {
                (c[1].parse().unwrap_or(0), String::new())
            } else if let Some(c) = TEXT_STATUS.captures(line) {
                (
                    c[1].parse().unwrap_or(0),
                    c.get(2).map_or(String::new(), |m| m.as_str().to_string()),
                )
            } else {
                continue;
            };
            if !pred(status) {
                continue;
            }
            if let Some(c) = JSON_FLAGS.captures(line) {
                flags = c[1].to_string();
            }
            let route = ROUTE_NAME
                .captures(line)
                .map(|c| format!("{}/{}", &c[1], &c[2]));
            out.push(Access {
                log,
                line,
                status,
                flags,
                route,
            });
        }
    }
    out
}

/// The most frequent route among access lines.
pub(crate) fn top_route(lines: &[Access<'_>]) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for a in lines {
        if let Some(r) = &a.route {
            *counts.entry(r.as_str()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(r, _)| r.to_string())
}

/// An object of `kind` (from list_objects) in `namespace`, preferring one whose name or summary
/// mentions `hint`.
pub(crate) fn object_in<'a>(
    facts: &'a Facts,
    kind: &str,
    namespace: Option<&str>,
    hint: Option<&str>,
) -> Option<&'a tools::tool::list_objects::ObjectLine> {
    let objs = facts.objects.get(kind)?;
    let in_ns: Vec<_> = objs
        .iter()
        .filter(|o| namespace.is_none_or(|ns| o.object.starts_with(&format!("{ns}/"))))
        .collect();
    if let Some(h) = hint
        && let Some(o) = in_ns
            .iter()
            .find(|o| o.object.contains(h) || o.summary.contains(h))
    {
        return Some(o);
    }
    in_ns.first().copied()
}

/// `ns/Kind/name` for a list_objects line of `kind`.
pub(crate) fn object_resource(kind: &str, o: &tools::tool::list_objects::ObjectLine) -> String {
    match o.object.split_once('/') {
        Some((ns, name)) => format!("{ns}/{kind}/{name}"),
        None => format!("{kind}/{}", o.object),
    }
}

pub(crate) fn ev_access(store: &mut EvidenceStore, a: &Access<'_>, count: usize) -> String {
    let id = ev_log(store, a.log, a.line);
    if count > 1 {
        // Note the volume once, as its own item.
        let _ = store.add(
            a.log.source(),
            format!("{}/Pod/{}", a.log.namespace, a.log.pod),
            None,
            format!(
                "{count} access-log lines with status {} in the log read",
                a.status
            ),
        );
    }
    id
}
