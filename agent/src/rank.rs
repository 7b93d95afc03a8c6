//! Ranking causes across analyzers, with cross-signal reasoning: the upstream cause outranks its
//! symptoms (an OOMing model server outranks the gateway's 503s it causes), the most specific
//! mechanism per workload wins, causes tied to what the question or alert names rank higher, and
//! problems elsewhere that do not explain the question are set aside (ruled out), not asserted.

use std::collections::BTreeSet;

use crate::analyzers::{Candidate, split_resource};
use crate::diagnosis::EvidenceStore;
use crate::investigate::{Facts, IncidentKind};

/// A ranked cause with its score and the symptoms it explains.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub cand: Candidate,
    pub score: f64,
}

/// Words too common in questions and names to tie a cause to the question.
const GENERIC: &[&str] = &[
    "gateway",
    "gateways",
    "service",
    "services",
    "server",
    "model",
    "models",
    "api",
    "apis",
    "pods",
    "pod",
    "deployment",
    "cluster",
    "node",
    "nodes",
    "what",
    "why",
    "when",
    "where",
    "with",
    "from",
    "that",
    "this",
    "there",
    "since",
    "after",
    "returning",
    "errors",
    "error",
    "failing",
    "users",
    "report",
    "requests",
    "request",
    "slow",
    "down",
    "broke",
    "broken",
    "inference",
    "serving",
    "route",
    "routes",
    "traffic",
    "latency",
    "timeouts",
    "about",
    "minutes",
    "still",
    "working",
    "through",
    "same",
    "have",
    "been",
    "root",
    "cause",
    "firing",
    "alert",
    "prod",
    "production",
    "staging",
    "team",
    "http",
    "https",
    "chat",
    "llm",
];

/// Causes below this score are not asserted.
const FLOOR: f64 = 0.5;
/// At most this many causes are asserted.
const MAX_CAUSES: usize = 3;

/// How much a cause is about what the question or alert names (a workload, a namespace), and
/// whether it is tied to it at all.
fn relevance(facts: &Facts, store: &EvidenceStore, c: &Candidate) -> (f64, bool) {
    let (ns, _, name) = split_resource(&c.resource);
    let mut names: Vec<String> = vec![name.to_lowercase()];
    if let Some(w) = &c.workload {
        names.push(w.rsplit('/').next().unwrap_or("").to_lowercase());
    }
    // What the evidence is about counts too: a NetworkPolicy cause whose evidence is the
    // errors of the service the question names is about that service.
    for id in &c.evidence {
        if let Some(e) = store.get(id) {
            names.push(e.object.rsplit('/').next().unwrap_or("").to_lowercase());
        }
    }
    let mut score: f64 = 0.0;
    for w in &facts.focus {
        if w.len() < 4 || GENERIC.contains(&w.as_str()) {
            continue;
        }
        if names
            .iter()
            .any(|n| n.len() > 3 && (n == w || n.contains(w.as_str()) || w.contains(n.as_str())))
        {
            score = score.max(0.14);
        } else if !ns.is_empty() && w == &ns.to_lowercase() {
            score = score.max(0.08);
        }
    }
    if let Some(a) = &facts.alert
        && a.namespaces().contains(&ns)
    {
        score += 0.06;
    }
    let tied = score > 0.0;
    let family = match facts.kind {
        IncidentKind::Gateway => c.category.starts_with("gateway-"),
        IncidentKind::Inference => {
            c.category.starts_with("inference-") || c.category.starts_with("gpu-")
        }
        IncidentKind::General => false,
    };
    if family {
        score += 0.04;
    }
    (score, tied)
}

/// Taken from a cause that nothing ties to the question when others are: a loud failure in a
/// namespace the question never names (a notebook OOMKilled, a batch job failed hours ago) is
/// not why the named service misbehaves.
const UNTIED_PENALTY: f64 = 0.2;

/// Rank candidates. Returns the asserted causes (best first) and the ruled-out notes.
pub fn rank(
    facts: &Facts,
    store: &EvidenceStore,
    cands: Vec<Candidate>,
) -> (Vec<Ranked>, Vec<String>) {
    let mut ruled_out = Vec::new();
    let scored: Vec<(Candidate, f64, bool)> = cands
        .into_iter()
        .map(|c| {
            let (rel, tied) = relevance(facts, store, &c);
            let score = c.confidence + rel;
            (c, score, tied)
        })
        .collect();
    // Namespaces of the causes tied to the question: a cause there, or one a tied cause
    // depends on, stays in the running.
    let tied_places: BTreeSet<String> = scored
        .iter()
        .filter(|(_, _, t)| *t)
        .flat_map(|(c, _, _)| {
            let (ns, _, _) = split_resource(&c.resource);
            std::iter::once(ns.to_string()).chain(
                c.depends_on
                    .iter()
                    .map(|w| w.split('/').next().unwrap_or("").to_string()),
            )
        })
        .collect();
    let mut ranked: Vec<Ranked> = scored
        .into_iter()
        .map(|(c, mut score, tied)| {
            let (ns, _, _) = split_resource(&c.resource);
            if !tied && !ns.is_empty() && !tied_places.is_empty() && !tied_places.contains(&ns) {
                score -= UNTIED_PENALTY;
            }
            Ranked { cand: c, score }
        })
        .collect();

    // Symptoms: a candidate whose failure is explained by another candidate's workload.
    let mechanisms: Vec<(String, String)> = ranked
        .iter()
        .filter_map(|r| {
            r.cand
                .workload
                .clone()
                .map(|w| (w, r.cand.category.to_string()))
        })
        .collect();
    for r in &mut ranked {
        if r.cand.depends_on.is_empty() {
            continue;
        }
        if let Some((w, cat)) = mechanisms
            .iter()
            .find(|(w, cat)| r.cand.depends_on.contains(w) && cat.as_str() != r.cand.category)
        {
            r.score -= 0.35;
            r.cand.statement.push_str(&format!(
                " This is a consequence of the failure of {w} ({cat}), not a separate cause."
            ));
        }
    }

    // Between two mechanisms on one workload, the one that explains the other wins: a capped
    // autoscaler explains a saturated KV cache; a model that cannot load explains a crash at
    // start; an OOM explains the traceback around it.
    const EXPLAINS: &[(&str, &str)] = &[
        (
            "inference-autoscaling-limit",
            "inference-kv-cache-saturation",
        ),
        ("inference-model-load-failure", "crash-config-error"),
        ("inference-model-load-failure", "application-error"),
        ("inference-gpu-oom", "application-error"),
        ("inference-gpu-oom", "inference-startup-probe"),
        ("crash-config-error", "application-error"),
        ("oom-killed", "application-error"),
        ("dependency-failure", "application-error"),
        ("inference-startup-probe", "probe-misconfig"),
        ("dependency-failure", "probe-misconfig"),
        ("crash-config-error", "probe-misconfig"),
    ];
    for (winner, loser) in EXPLAINS {
        let pairs: Vec<(usize, f64)> = ranked
            .iter()
            .enumerate()
            .filter(|(_, r)| r.cand.category == *winner)
            .filter_map(|(i, r)| {
                let w = r.cand.workload.as_ref()?;
                let best_loser = ranked
                    .iter()
                    .filter(|x| x.cand.category == *loser && x.cand.workload.as_ref() == Some(w))
                    .map(|x| x.score)
                    .fold(f64::MIN, f64::max);
                (best_loser > r.score).then_some((i, best_loser + 0.01))
            })
            .collect();
        for (i, s) in pairs {
            ranked[i].score = s;
        }
    }

    // One mechanism per workload: the most specific (highest score) wins.
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut seen_workloads = BTreeSet::new();
    let mut kept = Vec::new();
    for r in ranked {
        if let Some(w) = &r.cand.workload
            && !seen_workloads.insert(w.clone())
        {
            ruled_out.push(format!(
                "{} on {}: less specific than the cause ranked above for the same workload",
                r.cand.category, r.cand.resource
            ));
            continue;
        }
        kept.push(r);
    }

    let Some(top) = kept.first().cloned() else {
        return (Vec::new(), ruled_out);
    };
    let (top_ns, _, _) = split_resource(&top.cand.resource);
    let top_workload = top.cand.workload.clone();
    let mut asserted = vec![top];
    for r in kept.into_iter().skip(1) {
        let (ns, _, _) = split_resource(&r.cand.resource);
        // A symptom the top cause explains is shown with it, whatever its own score.
        let symptom = top_workload
            .as_ref()
            .is_some_and(|w| r.cand.depends_on.contains(w));
        let same_place = !ns.is_empty() && ns == top_ns && r.score >= 0.7;
        if (symptom || (r.score >= FLOOR && same_place)) && asserted.len() < MAX_CAUSES {
            asserted.push(r);
        } else {
            ruled_out.push(format!(
                "{} on {} (score {:.2}): {}",
                r.cand.category,
                r.cand.resource,
                r.score,
                if r.score < FLOOR {
                    "weak evidence"
                } else {
                    "a separate problem that does not explain the question"
                }
            ));
        }
    }
    (asserted, ruled_out)
}
