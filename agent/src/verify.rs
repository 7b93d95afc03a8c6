//! The verifier: a model may re-rank, add a cause or explain, but a cause whose evidence ids do
//! not exist (or that cites none, or names a category outside the taxonomy) is marked
//! unconfirmed and ranked after every confirmed cause — never presented as established. A
//! cause only the model names must also cite evidence about the resource it names; one whose
//! evidence is all about other objects is dropped and listed as ruled out.

use crate::diagnosis::{Cause, Diagnosis, Evidence};

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
    // The model's own causes: drop those whose evidence is about something else.
    let evidence = &d.evidence;
    let mut dropped = Vec::new();
    d.causes.retain(|c| {
        let cited: Vec<&Evidence> = evidence
            .iter()
            .filter(|e| c.evidence.contains(&e.id))
            .collect();
        if c.source != "model" || cited.is_empty() || cited.iter().any(|e| about(e, &c.resource)) {
            return true;
        }
        dropped.push(format!(
            "{} on {} (the model's claim): dropped, its evidence ({}) is about other objects",
            c.category,
            c.resource,
            c.evidence.join(", ")
        ));
        false
    });
    unconfirmed += dropped.len();
    d.ruled_out.extend(dropped);
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

/// Whether an evidence item is about `resource` (`Kind/ns/name`, `ns/Kind/name` or a bare
/// name): its object or excerpt names the resource, or, for a pod, the workload that owns it
/// (the pod name without its one or two generated suffixes).
fn about(e: &Evidence, resource: &str) -> bool {
    let name = resource.rsplit('/').next().unwrap_or(resource);
    if name.is_empty() {
        return false;
    }
    let mut names = vec![name.to_string()];
    if resource.starts_with("Pod/") || resource.contains("/Pod/") {
        let mut base = name;
        for _ in 0..2 {
            match base.rsplit_once('-') {
                Some((b, _)) if b.len() >= 3 => {
                    base = b;
                    names.push(b.to_string());
                }
                _ => break,
            }
        }
    }
    names
        .iter()
        .any(|n| e.object.contains(n.as_str()) || e.excerpt.contains(n.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, object: &str, excerpt: &str) -> Evidence {
        Evidence {
            id: id.into(),
            source: "test".into(),
            object: object.into(),
            time: None,
            excerpt: excerpt.into(),
        }
    }

    fn cause(resource: &str, evidence: &[&str], source: &str) -> Cause {
        Cause {
            category: "inference-kv-cache-saturation".into(),
            resource: resource.into(),
            statement: format!("claim about {resource}"),
            confidence: 0.6,
            evidence: evidence.iter().map(|s| s.to_string()).collect(),
            confirmed: true,
            source: source.into(),
        }
    }

    #[test]
    fn a_model_cause_citing_another_object_s_evidence_is_dropped() {
        let mut d = Diagnosis {
            evidence: vec![
                ev(
                    "ev-1",
                    r#"{namespace="support-bot",pod="tgi-llama31-8b-6f9c7d8b5c-x2x9q"}"#,
                    "KV cache usage max 0.99",
                ),
                ev(
                    "ev-2",
                    "Pod/analytics/clickstream-exporter-84d7c6b59f-t4wmc",
                    "Failed to pull image",
                ),
            ],
            causes: vec![
                cause(
                    "support-bot/Deployment/tgi-llama31-8b",
                    &["ev-1"],
                    "inference-kv-cache-saturation",
                ),
                // The model's: the pod of another workload, citing the server's metric.
                cause(
                    "Pod/analytics/clickstream-exporter-84d7c6b59f-t4wmc",
                    &["ev-1"],
                    "model",
                ),
                // The model's, citing evidence about its own pod's workload: kept.
                cause(
                    "analytics/Deployment/clickstream-exporter",
                    &["ev-2"],
                    "model",
                ),
            ],
            ..Default::default()
        };
        assert_eq!(verify(&mut d), 1);
        let kept: Vec<&str> = d.causes.iter().map(|c| c.resource.as_str()).collect();
        assert_eq!(
            kept,
            [
                "support-bot/Deployment/tgi-llama31-8b",
                "analytics/Deployment/clickstream-exporter"
            ]
        );
        assert!(d.ruled_out[0].contains("Pod/analytics/clickstream-exporter-84d7c6b59f-t4wmc"));
        assert!(d.ruled_out[0].contains("dropped"));
    }
}
