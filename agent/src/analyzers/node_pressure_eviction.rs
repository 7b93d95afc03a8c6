//! `node-pressure-eviction` — the kubelet evicts pods because its node is low on memory, disk
//! (ephemeral storage) or PIDs.
//!
//! Detects: `Evicted` events / pods (`The node was low on resource: ephemeral-storage`), node
//! conditions MemoryPressure/DiskPressure/PIDPressure True, pressure taints. Evidence: the
//! eviction messages (which name the greedy container), the node's conditions. The resource is
//! the node. Known false positives: API-initiated evictions (drain) — those say so.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static EVICT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)The node was low on resource|node had condition: \[(Disk|Memory|PID)Pressure\]|Evicted",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut by_node: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for e in facts.events.iter().filter(|e| {
        (e.reason == "Evicted"
            || e.reason == "EvictionThresholdMet"
            || e.reason.contains("Pressure"))
            || EVICT.is_match(&e.message)
    }) {
        if !(e.reason == "Evicted"
            || e.message.contains("low on resource")
            || e.reason.contains("Pressure")
            || e.reason == "EvictionThresholdMet")
        {
            continue;
        }
        let (ns, kind, name) = event_object(e);
        let node = if kind == "Node" {
            Some(name.clone())
        } else {
            pod(facts, &ns, &name).and_then(|p| p.node.clone())
        };
        let id = ev_event(store, e);
        by_node
            .entry(node.unwrap_or_default())
            .or_default()
            .push(id);
    }
    for p in facts
        .pods
        .iter()
        .filter(|p| p.status == "Evicted" || p.status.contains("Evicted"))
    {
        let id = ev_pod(store, p);
        by_node
            .entry(p.node.clone().unwrap_or_default())
            .or_default()
            .push(id);
    }
    for n in facts
        .nodes
        .iter()
        .filter(|n| n.bad_conditions.iter().any(|c| c.contains("Pressure")))
    {
        let id = store.add(
            "nodes",
            format!("Node/{}", n.name),
            None,
            format!(
                "{} conditions {} taints {}",
                n.name,
                n.bad_conditions.join(", "),
                n.taints.join(", ")
            ),
        );
        by_node.entry(n.name.clone()).or_default().insert(0, id);
    }
    let named: Vec<_> = by_node.keys().filter(|k| !k.is_empty()).cloned().collect();
    if let Some(orphans) = by_node.remove("") {
        if let Some(first) = named.first() {
            by_node.entry(first.clone()).or_default().extend(orphans);
        } else {
            by_node.insert(String::new(), orphans);
        }
    }
    for (node, mut evidence) in by_node {
        evidence.dedup();
        evidence.truncate(6);
        let resource = if node.is_empty() {
            String::new()
        } else {
            format!("Node/{node}")
        };
        let pressure = facts
            .nodes
            .iter()
            .find(|n| n.name == node)
            .map(|n| {
                n.bad_conditions
                    .iter()
                    .filter(|c| c.contains("Pressure"))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        out.push(Candidate {
            category: "node-pressure-eviction",
            resource,
            statement: format!(
                "The kubelet on node {} evicts pods because the node is under resource pressure{}: the evicted pods' containers used the resource (memory, disk/ephemeral storage or PIDs) the node ran low on.",
                if node.is_empty() { "?" } else { &node },
                if pressure.is_empty() { String::new() } else { format!(" ({pressure})") }
            ),
            confidence: if evidence.len() >= 2 { 0.86 } else { 0.65 },
            evidence,
            analyzer: "node-pressure-eviction",
            workload: None,
            depends_on: Vec::new(),
            next_steps: vec![
                step("See the node's pressure conditions and which pods were evicted and why", Some(format!("kubectl describe node {node}"))),
                step("Give the greedy containers ephemeral-storage/memory requests and limits (or move their scratch data to a volume), and free space on the node", Some("kubectl get pods -A --field-selector status.phase=Failed".into())),
            ],
        });
    }
    out
}
