//! `inference-autoscaling-limit` — demand is above what the autoscaler may add: the HPA (or
//! KEDA ScaledObject) sits at its maximum with `ScalingLimited=True (TooManyReplicas)`, queues
//! grow, latency rises, every pod is healthy.
//!
//! Detects: an HPA whose current and desired replicas are at `maxReplicas`, or whose
//! ScalingLimited condition is True with TooManyReplicas. Evidence: the HPA line. Known false
//! positives: an HPA at max during a short, already-absorbed peak.

use super::*;

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out = Vec::new();
    let Some(hpas) = facts.objects.get("HorizontalPodAutoscaler") else {
        return out;
    };
    let num = |s: &str, key: &str| -> Option<i64> {
        let i = s.find(key)? + key.len();
        s[i..]
            .split(|c: char| !c.is_ascii_digit())
            .find(|x| !x.is_empty())?
            .parse()
            .ok()
    };
    for h in hpas {
        let s = &h.summary;
        let current = num(s, "current ");
        let desired = num(s, "desired ");
        let max = num(s, "max ");
        let limited = s.contains("ScalingLimited=True")
            && (s.contains("TooManyReplicas") || s.contains("maximum"));
        let at_max = matches!((current, max), (Some(c), Some(m)) if c >= m)
            && matches!((desired, max), (Some(d), Some(m)) if d >= m);
        if !(limited || at_max) {
            continue;
        }
        let (ns, name) = h.object.split_once('/').unwrap_or(("", h.object.as_str()));
        let (target_kind, target) = s
            .split_whitespace()
            .nth(1)
            .and_then(|t| t.split_once('/'))
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .unwrap_or_else(|| ("Deployment".into(), name.to_string()));
        let ev = store.add(
            "list_objects HorizontalPodAutoscaler",
            format!("{ns}/HorizontalPodAutoscaler/{name}"),
            None,
            format!("{} {}", h.object, s),
        );
        let model = facts.pods.iter().any(|p| {
            p.namespace == ns && p.name.starts_with(&target) && is_model_server(facts, ns, &p.name)
        });
        out.push(Candidate {
            category: "inference-autoscaling-limit",
            // The workload whose capacity is capped is what a human scales; the HPA is evidence.
            resource: format!("{ns}/{target_kind}/{target}"),
            statement: format!(
                "The autoscaler {name} is pinned at its maximum of {} replicas (ScalingLimited): demand on {target} is above the capacity it may add, so requests queue and latency rises.",
                max.map_or("?".into(), |m| m.to_string())
            ),
            confidence: match (limited, model) {
                (true, true) => 0.84,
                (true, false) | (false, true) => 0.72,
                (false, false) => 0.55,
            },
            evidence: vec![ev],
            analyzer: "inference-autoscaling-limit",
            workload: Some(format!("{ns}/{target}")),
            depends_on: Vec::new(),
            next_steps: vec![
                step("Read the autoscaler's conditions and metrics", Some(format!("{} describe hpa {name}", kns(ns)))),
                step(
                    "Raise maxReplicas if the GPU capacity exists (check GPU allocatable first), or add GPU nodes",
                    Some(format!("{} patch hpa {name} -p '{{\"spec\":{{\"maxReplicas\":<N>}}}}'", kns(ns))),
                ),
            ],
        });
    }
    out
}
