//! `pvc-pending` — a PersistentVolumeClaim cannot bind, so its pod stays Pending.
//!
//! Detects: PVCs in phase Pending, events `ProvisioningFailed` (`storageclass "x" not found`,
//! no capacity), `FailedBinding`, pods with `unbound immediate PersistentVolumeClaims`.
//! Evidence: the PVC line, the events. Known false positives: a `WaitForFirstConsumer` PVC whose
//! pod is simply not scheduled yet for another reason (that reason ranks instead).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static PVC_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)unbound immediate PersistentVolumeClaims|storageclass.* not found|ProvisioningFailed|FailedBinding|no persistent volumes available|waiting for a volume to be created|failed to provision volume|pod has unbound|didn't find available persistent volumes|node\(s\) had volume node affinity conflict|exceeded .* volume",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let pending: Vec<_> = facts
        .objects
        .get("PersistentVolumeClaim")
        .map(|v| {
            v.iter()
                .filter(|p| p.summary.contains("phase Pending"))
                .collect()
        })
        .unwrap_or_default();
    let evs: Vec<_> = facts
        .events
        .iter()
        .filter(|e| PVC_EVENT.is_match(&e.message) || PVC_EVENT.is_match(&e.reason))
        .collect();
    if pending.is_empty() && evs.is_empty() {
        return out;
    }
    for pvc in &pending {
        let (ns, name) = pvc
            .object
            .split_once('/')
            .unwrap_or(("", pvc.object.as_str()));
        let mut evidence = vec![store.add(
            "list_objects PersistentVolumeClaim",
            format!("{ns}/PersistentVolumeClaim/{name}"),
            None,
            format!("{} {}", pvc.object, pvc.summary),
        )];
        let mine: Vec<_> = evs
            .iter()
            .filter(|e| e.object.contains(name) || e.message.contains(name))
            .collect();
        for e in mine.iter().take(2) {
            evidence.push(ev_event(store, e));
        }
        for e in evs
            .iter()
            .filter(|e| e.object.starts_with("Pod/") && e.object.contains(&format!("/{ns}/")))
            .take(1)
        {
            evidence.push(ev_event(store, e));
        }
        let text = mine
            .iter()
            .map(|e| e.message.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        let why = if text.contains("storageclass") && text.contains("not found") {
            " (its StorageClass does not exist)"
        } else if text.contains("waiting for first consumer")
            || text.contains("waitforfirstconsumer")
        {
            " (it waits for a pod that cannot be scheduled)"
        } else if text.contains("provision") {
            " (the provisioner fails to create a volume)"
        } else {
            ""
        };
        out.push(Candidate {
            category: "pvc-pending",
            resource: format!("{ns}/PersistentVolumeClaim/{name}"),
            statement: format!("PersistentVolumeClaim {ns}/{name} stays Pending and cannot bind a volume{why}, so the pod that mounts it cannot start."),
            confidence: if mine.is_empty() { 0.72 } else { 0.88 },
            evidence,
            analyzer: "pvc-pending",
            workload: None,
            depends_on: Vec::new(),
            next_steps: vec![
                step("Read why the claim does not bind", Some(format!("{} describe pvc {name}", kns(ns)))),
                step("Check that the StorageClass it names exists and can provision in the pod's zone", Some("kubectl get storageclass".into())),
            ],
        });
    }
    out
}
