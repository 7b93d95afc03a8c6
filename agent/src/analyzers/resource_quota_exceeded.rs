//! `resource-quota-exceeded` — a ResourceQuota or LimitRange refuses new pods.
//!
//! Detects: `FailedCreate` events with `exceeded quota: NAME, requested: ..., used: ...,
//! limited: ...`, `must specify limits`, or LimitRange `maximum ... usage per Container`.
//! Evidence: the event, the quota's used/hard. Known false positives: a quota refusal already
//! resolved (ReplicaSet at its desired count now).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static QUOTA: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)exceeded quota|forbidden: .*quota|must specify (limits|requests)|maximum .* usage per (Container|Pod)|minimum .* usage per (Container|Pod)|LimitRange",
    )
});
static QUOTA_NAME: LazyLock<Regex> = LazyLock::new(|| re(r"exceeded quota: ([a-z0-9.-]+)"));

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for e in facts.events.iter().filter(|e| QUOTA.is_match(&e.message)) {
        let (ns, kind, name) = event_object(e);
        let quota = QUOTA_NAME.captures(&e.message).map(|c| c[1].to_string());
        let resource = match &quota {
            Some(q) => format!("{ns}/ResourceQuota/{q}"),
            None => format!("{ns}/{kind}/{name}"),
        };
        if let Some(c) = out.iter_mut().find(|c| c.resource == resource) {
            if c.evidence.len() < 4 {
                c.evidence.push(ev_event(store, e));
            }
            continue;
        }
        let mut evidence = vec![ev_event(store, e)];
        if let Some(q) = &quota
            && let Some(o) = facts
                .objects
                .get("ResourceQuota")
                .and_then(|qs| qs.iter().find(|o| o.object == format!("{ns}/{q}")))
        {
            evidence.push(store.add(
                "list_objects ResourceQuota",
                resource.clone(),
                None,
                format!("{} {}", o.object, o.summary),
            ));
        }
        let workload = name.rsplit_once('-').map(|(d, _)| format!("{ns}/{d}"));
        out.push(Candidate {
            category: "resource-quota-exceeded",
            resource: resource.clone(),
            statement: format!(
                "{} refuses new pods in namespace {ns}: {} cannot create them because the pods' requests would exceed what it allows (exceeded quota).",
                quota.as_ref().map_or("A ResourceQuota/LimitRange".to_string(), |q| format!("ResourceQuota {q}")),
                name,
            ),
            confidence: 0.9,
            evidence,
            analyzer: "resource-quota-exceeded",
            workload,
            depends_on: Vec::new(),
            next_steps: vec![
                step("Compare the quota's used and hard values with what the new pods request", Some(format!("{} describe resourcequota{}", kns(&ns), quota.as_ref().map(|q| format!(" {q}")).unwrap_or_default()))),
                step("Raise the quota, lower the pods' requests/limits, or free capacity in the namespace", None),
            ],
        });
    }
    out
}
