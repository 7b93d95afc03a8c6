//! The verifier: a model may re-rank, add a cause or explain, but a cause whose evidence ids do
//! not exist (or that cites none, or names a category outside the taxonomy) is marked
//! unconfirmed and ranked after every confirmed cause — never presented as established.

use crate::diagnosis::{Cause, Diagnosis};

/// The categories of the taxonomy (SCENARIOS.md).
pub const CATEGORIES: &[&str] = &[
    "gateway-rate-limit",
    "gateway-auth",
    "gateway-tls",
    "gateway-no-upstream",
    "gateway-timeout",
    "gateway-route-misconfig",
    "inference-gpu-oom",
    "inference-kv-cache-saturation",
    "inference-model-load-failure",
    "inference-startup-probe",
    "gpu-unschedulable",
    "gpu-node-fault",
    "inference-autoscaling-limit",
    "oom-killed",
    "crash-config-error",
    "image-pull",
    "missing-config-ref",
    "probe-misconfig",
    "service-no-endpoints",
    "network-policy-block",
    "resource-quota-exceeded",
    "pvc-pending",
    "node-pressure-eviction",
    "dependency-failure",
    "application-error",
];

/// Check every cause against the evidence list; returns the number of causes marked
/// unconfirmed. Unconfirmed causes keep their text (so a human can see what the model claimed)
/// but drop their invalid ids and sink below every confirmed cause.
pub fn verify(d: &mut Diagnosis) -> usize {
    let ids: Vec<String> = d.evidence.iter().map(|e| e.id.clone()).collect();
    let mut unconfirmed = 0;
    for c in &mut d.causes {
        let valid: Vec<String> = c
            .evidence
            .iter()
            .filter(|e| ids.contains(e))
            .cloned()
            .collect();
        let ok = !valid.is_empty()
            && valid.len() == c.evidence.len()
            && CATEGORIES.contains(&c.category.as_str());
        c.evidence = valid;
        if !ok {
            c.confirmed = false;
            c.confidence = c.confidence.min(0.3);
            unconfirmed += 1;
        }
    }
    // Stable: confirmed first, in their order.
    let (mut good, bad): (Vec<Cause>, Vec<Cause>) = d.causes.drain(..).partition(|c| c.confirmed);
    good.extend(bad);
    d.causes = good;
    if d.causes.first().is_some_and(|c| !c.confirmed) {
        d.summary = format!(
            "No confirmed root cause. Unconfirmed claim: {}",
            d.causes[0].statement
        );
    }
    unconfirmed
}
