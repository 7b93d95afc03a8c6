//! `gpu-unschedulable` — pods stay Pending because no node can give them the GPUs they ask for
//! (not enough `nvidia.com/gpu`, an untolerated GPU taint, a node selector/affinity for a GPU
//! product no node has).
//!
//! Detects: `FailedScheduling` events naming `nvidia.com/gpu` (or another GPU resource), or a
//! GPU workload's FailedScheduling on taints/affinity; cluster-autoscaler `NotTriggerScaleUp`.
//! Evidence: the scheduler's message, the pending pod, the nodes' GPU allocatable. Known false
//! positives: a quota refusing the pod (`resource-quota-exceeded` ranks higher when present);
//! a pod that scheduled seconds later.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static GPU_SCHED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)Insufficient (nvidia\.com/gpu|amd\.com/gpu|gpu)|nvidia\.com/gpu|untolerated taint.*(gpu|nvidia)|didn't match Pod's node affinity/selector|didn't match node selector|node\(s\) had untolerated taint",
    )
});
static SCHED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(FailedScheduling|NotTriggerScaleUp|FailedScaleUp)$"));

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for e in events(facts, &SCHED, &GPU_SCHED) {
        let (ns, kind, name) = event_object(e);
        if kind != "Pod" {
            continue;
        }
        let Some(p) = pod(facts, &ns, &name) else {
            continue;
        };
        if p.status != "Pending" {
            continue;
        }
        let gpu_named = e.message.contains("gpu") || e.message.contains("nvidia");
        if !gpu_named && !is_model_server(facts, &ns, &name) {
            continue;
        }
        let key = workload_key(p);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            if c.evidence.len() < 4 {
                c.evidence.push(ev_event(store, e));
            }
            continue;
        }
        let mut evidence = vec![ev_event(store, e), ev_pod(store, p)];
        for sc in facts
            .events
            .iter()
            .filter(|x| x.reason == "NotTriggerScaleUp" && x.object.ends_with(&format!("/{name}")))
            .take(1)
        {
            evidence.push(ev_event(store, sc));
        }
        let gpus: Vec<String> = facts
            .nodes
            .iter()
            .filter(|n| !n.gpus.is_empty())
            .map(|n| {
                format!(
                    "{} {}",
                    n.name,
                    n.gpus
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            })
            .collect();
        if !gpus.is_empty() {
            evidence.push(store.add(
                "nodes",
                "nodes",
                None,
                format!(
                    "GPU nodes (capacity/allocatable/requested): {}",
                    gpus.join("; ")
                ),
            ));
        }
        let why = if e.message.contains("Insufficient") {
            "not enough free GPUs on any node"
        } else if e.message.contains("taint") {
            "the GPU nodes carry a taint the pod does not tolerate"
        } else {
            "its node selector/affinity matches no GPU node"
        };
        let (wns, wkind, wname) = split_resource(&resource_of(p));
        let mut statement = format!(
            "Pods of {wname} stay Pending: the scheduler cannot place them on a GPU node ({why})."
        );
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
        }
        out.push(Candidate {
            category: "gpu-unschedulable",
            resource: resource_of(p),
            statement,
            confidence: if gpu_named { 0.86 } else { 0.7 },
            evidence,
            analyzer: "gpu-unschedulable",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step("See why the scheduler refuses the pod", Some(format!("{} describe pod {name}", kns(&wns)))),
                step(
                    "Compare the GPUs requested (and tolerations/node selector) with what the GPU nodes offer",
                    Some("kubectl describe nodes -l nvidia.com/gpu.present=true".into()),
                ),
                step(
                    "Reduce the GPUs per replica or the replica count, fix the toleration/selector, or add GPU nodes",
                    Some(format!("{} get {}/{wname} -o yaml", kns(&wns), wkind.to_lowercase())),
                ),
            ],
        });
    }
    out
}
