//! The investigation engine of ktriage: gather the facts through MCP tools, run the analyzers,
//! rank the causes, and assemble a [`Diagnosis`] whose every cause cites evidence. It gives a
//! correct diagnosis with no model at all; a model (see [`model`]) may only re-rank, add or
//! explain, and the [`verify`] step keeps it honest.

pub mod alert;
pub mod analyzers;
pub mod diagnosis;
pub mod investigate;
pub mod llm;
pub mod model;
pub mod rank;
pub mod render;
pub mod verify;

use std::time::Instant;

use mcp_server::McpClient;

pub use diagnosis::Diagnosis;
use diagnosis::{EvidenceStore, NextStep, SCHEMA_VERSION, TimelineEntry, Usage};

/// What to diagnose.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The engineer's question; derived from the alert when absent.
    pub question: Option<String>,
    pub alert: Option<alert::Payload>,
    /// Namespaces to look at first (the investigation still looks where the cluster hurts).
    pub namespaces: Vec<String>,
}

impl Request {
    pub fn question(&self) -> String {
        match (&self.question, &self.alert) {
            (Some(q), _) if !q.trim().is_empty() => q.trim().to_string(),
            (_, Some(a)) => a.question(),
            _ => "What is wrong in the cluster?".into(),
        }
    }
}

/// Diagnose with rules only (no model): facts, analyzers, ranking, diagnosis.
pub async fn diagnose(
    client: &McpClient,
    req: &Request,
    progress: &(dyn Fn(&str) + Sync),
) -> Diagnosis {
    let started = Instant::now();
    let question = req.question();
    let facts = investigate::gather(
        client,
        &question,
        req.alert.clone(),
        &req.namespaces,
        progress,
    )
    .await;
    let mut d = from_facts(&facts);
    d.usage.wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    d
}

/// Point the human at the Grafana panels whose queries name the top cause's namespace or
/// resource (the dashboard with most such panels), with a link to the first. Dashboards are
/// named by uid and panels by id, never by their titles: titles are free text read from
/// Grafana, and next steps carry no text read from outside (ARCHITECTURE.md).
fn dashboard_step(facts: &investigate::Facts, top: Option<&diagnosis::Cause>) -> Option<NextStep> {
    let top = top?;
    let mut parts = top.resource.split('/');
    let (ns, name) = match (parts.next(), parts.next(), parts.next()) {
        (Some(ns), Some(_), Some(name)) => (ns, name),
        (Some(_), Some(name), None) => ("", name),
        _ => return None,
    };
    let mentions = |expr: &str| {
        (!ns.is_empty() && expr.contains(&format!("\"{ns}\"")))
            || (!name.is_empty() && expr.contains(name))
    };
    facts
        .dashboards
        .iter()
        // A uid is an identifier; one that is not is not repeated.
        .filter(|d| {
            !d.uid.is_empty()
                && d.uid.len() <= 64
                && d.uid
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(|d| {
            let panels: Vec<&tools::grafana::PanelInfo> = d
                .panels
                .iter()
                .filter(|p| p.queries.iter().any(|q| mentions(&q.expr)))
                .collect();
            (d, panels)
        })
        .filter(|(_, p)| !p.is_empty())
        .max_by_key(|(_, p)| p.len())
        .map(|(d, panels)| {
            let ids: Vec<String> = panels
                .iter()
                .take(6)
                .map(|p| format!("#{}", p.id))
                .collect();
            NextStep {
                action: format!(
                    "Look at Grafana dashboard {}, panel{} {}, over the incident window",
                    d.uid,
                    if ids.len() > 1 { "s" } else { "" },
                    ids.join(", ")
                ),
                // A link only when it is one: no spaces or control characters.
                command: (d.url.starts_with("http") && d.url.chars().all(|c| c.is_ascii_graphic()))
                    .then(|| {
                        format!(
                            "{}{}viewPanel={}&from=now-1h&to=now",
                            d.url,
                            if d.url.contains('?') { "&" } else { "?" },
                            panels[0].id
                        )
                    }),
            }
        })
}

/// The rules-only diagnosis of gathered facts.
pub fn from_facts(facts: &investigate::Facts) -> Diagnosis {
    let mut store = EvidenceStore::default();
    let candidates = analyzers::run_all(facts, &mut store);
    let (mut ranked, ruled_out) = rank::rank(facts, &store, candidates);
    for r in &mut ranked {
        r.cand.resource = top_owner(facts, &r.cand.resource);
    }
    let causes: Vec<diagnosis::Cause> = ranked
        .iter()
        .map(|r| diagnosis::Cause {
            category: r.cand.category.to_string(),
            resource: r.cand.resource.clone(),
            statement: r.cand.statement.clone(),
            confidence: (r.score.clamp(0.0, 0.99) * 100.0).round() / 100.0,
            evidence: r.cand.evidence.clone(),
            confirmed: true,
            source: r.cand.analyzer.to_string(),
        })
        .collect();
    let mut next_steps: Vec<NextStep> = Vec::new();
    for (i, r) in ranked.iter().enumerate() {
        let take = if i == 0 { usize::MAX } else { 1 };
        for s in r.cand.next_steps.iter().take(take) {
            if !next_steps.iter().any(|x| x.action == s.action) {
                next_steps.push(s.clone());
            }
        }
    }
    let summary = match causes.first() {
        Some(top) => {
            let mut s = top.statement.clone();
            if let Some(second) = causes.get(1) {
                s.push_str(&format!(" Also seen: {}", second.statement));
            }
            s
        }
        None => {
            next_steps.push(NextStep {
                action: "No rule matched the facts read; look at the warnings and problem pods in the overview".into(),
                command: Some("ktriage tool cluster_overview".into()),
            });
            "No root cause could be established from the cluster state, events and logs read."
                .into()
        }
    };
    let mut gaps: Vec<String> = facts.gaps.iter().take(12).cloned().collect();
    if facts.gaps.len() > 12 {
        gaps.push(format!("... {} more gaps", facts.gaps.len() - 12));
    }
    if let Some(step) = dashboard_step(facts, causes.first()) {
        next_steps.push(step);
    }
    let timeline = timeline(facts, &store);
    let (evidence, causes, timeline) = keep_cited(store, causes, timeline);
    Diagnosis {
        schema_version: SCHEMA_VERSION,
        question: facts.question.clone(),
        summary,
        causes,
        timeline,
        evidence,
        next_steps,
        ruled_out,
        gaps,
        usage: Usage {
            tool_calls: facts.tool_calls,
            tool_tokens: facts.tool_tokens,
            model: "none (rules only)".into(),
            ..Usage::default()
        },
    }
}

/// The object a human manages for a generated Deployment: the KServe InferenceService behind
/// `<name>-predictor`, when one exists.
fn top_owner(facts: &investigate::Facts, resource: &str) -> String {
    let (ns, kind, name) = analyzers::split_resource(resource);
    if kind == "Deployment"
        && let Some(isvcs) = facts.objects.get("InferenceService")
        && let Some(isvc) = isvcs.iter().find(|o| {
            o.object.split_once('/').is_some_and(|(n, x)| {
                n == ns
                    && (name == format!("{x}-predictor")
                        || name.starts_with(&format!("{x}-predictor-")))
            })
        })
    {
        return analyzers::object_resource("InferenceService", isvc);
    }
    resource.to_string()
}

/// Keep only the evidence the causes and the timeline cite, renumbered `ev-1..` in order of
/// first citation, and rewrite the references.
fn keep_cited(
    store: EvidenceStore,
    mut causes: Vec<diagnosis::Cause>,
    mut timeline: Vec<TimelineEntry>,
) -> (
    Vec<diagnosis::Evidence>,
    Vec<diagnosis::Cause>,
    Vec<TimelineEntry>,
) {
    let mut order: Vec<String> = Vec::new();
    for id in causes
        .iter()
        .flat_map(|c| c.evidence.iter())
        .chain(timeline.iter().filter_map(|t| t.evidence.as_ref()))
    {
        if !order.contains(id) {
            order.push(id.clone());
        }
    }
    let new_id = |old: &str| {
        order
            .iter()
            .position(|x| x == old)
            .map(|i| format!("ev-{}", i + 1))
    };
    let mut evidence = Vec::new();
    for (i, old) in order.iter().enumerate() {
        if let Some(e) = store.get(old) {
            let mut e = e.clone();
            e.id = format!("ev-{}", i + 1);
            evidence.push(e);
        }
    }
    for c in &mut causes {
        c.evidence = c.evidence.iter().filter_map(|id| new_id(id)).collect();
    }
    for t in &mut timeline {
        t.evidence = t.evidence.as_deref().and_then(new_id);
    }
    (evidence, causes, timeline)
}

/// Rollouts, warning bursts and the alert's start, in time order (at most 15 entries).
fn timeline(facts: &investigate::Facts, store: &EvidenceStore) -> Vec<TimelineEntry> {
    let mut t: Vec<TimelineEntry> = Vec::new();
    for (w, r) in &facts.rollouts {
        if r.revisions.len() < 2 {
            continue;
        }
        if let Some(newest) = r.revisions.iter().max_by_key(|v| v.revision)
            && let Some(created) = newest.created
        {
            let ev = store
                .items()
                .iter()
                .find(|e| e.source == format!("rollout_history {w}"))
                .map(|e| e.id.clone());
            t.push(TimelineEntry {
                time: created.to_string(),
                what: format!(
                    "Deployment {w} rolled to revision {}{}",
                    newest.revision,
                    if newest.changes.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", tools::budget::clip(&newest.changes.join("; "), 160))
                    }
                ),
                evidence: ev,
            });
        }
    }
    for e in facts.events.iter().filter(|e| e.type_ == "Warning") {
        let Some(first) = e.first_seen.or(e.last_seen) else {
            continue;
        };
        let ev = store
            .items()
            .iter()
            .find(|x| x.object == e.object && x.excerpt.contains(&e.reason))
            .map(|x| x.id.clone());
        t.push(TimelineEntry {
            time: first.to_string(),
            what: format!("{} {} on {} (x{})", e.type_, e.reason, e.object, e.count),
            evidence: ev,
        });
    }
    if let Some(a) = &facts.alert {
        for al in a.firing() {
            if let Some(s) = &al.starts_at {
                t.push(TimelineEntry {
                    time: s.clone(),
                    what: format!(
                        "alert {} started firing",
                        al.labels.get("alertname").map_or("?", String::as_str)
                    ),
                    evidence: None,
                });
            }
        }
    }
    t.sort_by(|a, b| a.time.cmp(&b.time));
    // Keep the entries with evidence first when there are too many, then restore time order.
    if t.len() > 15 {
        let mut keep: Vec<TimelineEntry> = t
            .iter()
            .filter(|x| {
                x.evidence.is_some() || x.what.contains("rolled") || x.what.contains("alert")
            })
            .cloned()
            .collect();
        for x in t.iter().rev() {
            if keep.len() >= 15 {
                break;
            }
            if !keep.contains(x) {
                keep.push(x.clone());
            }
        }
        keep.truncate(15);
        keep.sort_by(|a, b| a.time.cmp(&b.time));
        t = keep;
    }
    t
}
