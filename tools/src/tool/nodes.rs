//! `nodes`: node conditions, taints, pressure and GPU capacity, allocatable and requested.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::pod_facts::ListedPod;
use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Result};

pub const GPU_RESOURCES: &[&str] = &["nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915"];
const MAX_NODES: usize = 500;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// One node; omit for all.
    #[serde(default)]
    pub name: Option<String>,
    /// Only nodes NotReady, under pressure, cordoned, or missing GPUs.
    #[serde(default)]
    pub problems_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct NodeInfo {
    pub name: String,
    pub ready: String,
    /// Conditions in a bad state (MemoryPressure=True, Ready=False, ...) with reason and message.
    pub bad_conditions: Vec<String>,
    pub taints: Vec<String>,
    pub unschedulable: bool,
    /// GPU resource → "capacity/allocatable/requested".
    pub gpus: BTreeMap<String, String>,
    pub cpu: String,
    pub memory: String,
    pub pods: usize,
    pub version: String,
    pub age: String,
    pub labels_of_note: Vec<String>,
    pub problem: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub nodes: Vec<NodeInfo>,
    pub not_ready: usize,
    pub omitted: usize,
}

/// Parse a count quantity (`8`, `2k`) as an integer; GPUs are whole numbers.
pub fn count(q: Option<&Quantity>) -> i64 {
    q.and_then(|q| q.0.trim().parse::<f64>().ok())
        .map_or(0, |f| f as i64)
}

/// The GPUs one scheduled, unfinished pod holds: `((node, resource), count)`, counting requests
/// or limits (GPUs default one to the other).
pub fn pod_gpu_requests(p: &Pod) -> Vec<((String, String), i64)> {
    let mut out = Vec::new();
    let phase = p
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("");
    if matches!(phase, "Succeeded" | "Failed") {
        return out;
    }
    let Some(spec) = &p.spec else { return out };
    let Some(node) = &spec.node_name else {
        return out;
    };
    for c in &spec.containers {
        let r = c.resources.as_ref();
        for g in GPU_RESOURCES {
            let n = count(r.and_then(|r| r.requests.as_ref()).and_then(|m| m.get(*g))).max(count(
                r.and_then(|r| r.limits.as_ref()).and_then(|m| m.get(*g)),
            ));
            if n > 0 {
                out.push(((node.clone(), g.to_string()), n));
            }
        }
    }
    out
}

pub fn node_info(
    n: &Node,
    requested: &BTreeMap<(String, String), i64>,
    pods: usize,
    clock: Clock,
) -> NodeInfo {
    let name = n.metadata.name.clone().unwrap_or_default();
    let status = n.status.clone().unwrap_or_default();
    let mut ready = "Unknown".to_string();
    let mut bad = Vec::new();
    for c in status.conditions.iter().flatten() {
        if c.type_ == "Ready" {
            ready = if c.status == "True" {
                "Ready".into()
            } else {
                "NotReady".into()
            };
        }
        let is_bad = if c.type_ == "Ready" {
            c.status != "True"
        } else {
            c.status == "True"
        };
        if is_bad {
            bad.push(format!(
                "{}={}: {}: {}",
                c.type_,
                c.status,
                c.reason.as_deref().unwrap_or(""),
                clip(c.message.as_deref().unwrap_or(""), 160)
            ));
        }
    }
    let spec = n.spec.clone().unwrap_or_default();
    let taints = spec
        .taints
        .iter()
        .flatten()
        .map(|t| {
            format!(
                "{}={}:{}",
                t.key,
                t.value.as_deref().unwrap_or(""),
                t.effect
            )
        })
        .collect();
    let mut gpus = BTreeMap::new();
    for g in GPU_RESOURCES {
        let cap = count(status.capacity.as_ref().and_then(|m| m.get(*g)));
        let alloc = count(status.allocatable.as_ref().and_then(|m| m.get(*g)));
        let req = requested
            .get(&(name.clone(), g.to_string()))
            .copied()
            .unwrap_or(0);
        if cap > 0 || alloc > 0 || req > 0 {
            gpus.insert(g.to_string(), format!("{cap}/{alloc}/{req}"));
        }
    }
    let alloc = |k: &str| {
        status
            .allocatable
            .as_ref()
            .and_then(|m| m.get(k))
            .map(|q| q.0.clone())
            .unwrap_or_default()
    };
    let labels_of_note = n
        .metadata
        .labels
        .iter()
        .flatten()
        .filter(|(k, _)| {
            k.starts_with("nvidia.com/gpu.product")
                || k.as_str() == "node.kubernetes.io/instance-type"
                || k.starts_with("node-role.kubernetes.io/")
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let gpu_short = status.capacity.as_ref().is_some_and(|c| {
        GPU_RESOURCES
            .iter()
            .any(|g| count(c.get(*g)) > count(status.allocatable.as_ref().and_then(|a| a.get(*g))))
    });
    let unschedulable = spec.unschedulable.unwrap_or(false);
    NodeInfo {
        problem: ready != "Ready" || !bad.is_empty() || unschedulable || gpu_short,
        name,
        ready,
        bad_conditions: bad,
        taints,
        unschedulable,
        gpus,
        cpu: alloc("cpu"),
        memory: alloc("memory"),
        pods,
        version: status
            .node_info
            .as_ref()
            .map(|i| i.kubelet_version.clone())
            .unwrap_or_default(),
        age: super::age_of(clock, n.metadata.creation_timestamp.as_ref()),
        labels_of_note,
    }
}

pub struct Nodes;

impl Tool for Nodes {
    const NAME: &'static str = "nodes";
    const DESCRIPTION: &'static str = "Nodes: Ready, pressure, taints, cordon, allocatable CPU/memory, pods, GPUs (allocatable < capacity: unhealthy GPUs).";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let lp = match &p.name {
            Some(n) => ListParams::default().fields(&format!("metadata.name={n}")),
            None => ListParams::default(),
        };
        let (nodes, _) = ctx.kube.list_cluster::<Node>(&lp, 10_000).await?;
        if nodes.is_empty()
            && let Some(n) = &p.name
        {
            let (all, _) = ctx
                .kube
                .list_cluster::<Node>(&ListParams::default(), 10_000)
                .await?;
            let names: Vec<String> = all.into_iter().filter_map(|n| n.metadata.name).collect();
            return Err(crate::Error::NotFound(crate::k8s::not_found_message(
                "node", n, &names,
            )));
        }
        // Pods per node, for GPU requests and counts; only the asked node's pods when one is named.
        let pods_lp = match &p.name {
            Some(n) => ListParams::default().fields(&format!("spec.nodeName={n}")),
            None => ListParams::default(),
        };
        // Each pod reduced to its node and GPU requests as its page arrives.
        let pods = match ctx
            .kube
            .list_map::<ListedPod, _>(None, &pods_lp, 100_000, |p| {
                let p = p.into_pod();
                let node = p.spec.as_ref().and_then(|s| s.node_name.clone());
                (node, pod_gpu_requests(&p))
            })
            .await
        {
            Ok((pods, _)) => pods,
            Err(e) => {
                tracing::warn!(error = %e, "nodes: cannot list pods; GPU requests unknown");
                Vec::new()
            }
        };
        let mut requested: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
        for (node, gpus) in &pods {
            for (k, n) in gpus {
                *requested.entry(k.clone()).or_default() += n;
            }
            if let Some(n) = node {
                *per_node.entry(n).or_default() += 1;
            }
        }
        let clock = ctx.clock();
        let mut out: Vec<NodeInfo> = nodes
            .iter()
            .map(|n| {
                node_info(
                    n,
                    &requested,
                    per_node
                        .get(n.metadata.name.as_deref().unwrap_or(""))
                        .copied()
                        .unwrap_or(0),
                    clock,
                )
            })
            .collect();
        let not_ready = out.iter().filter(|n| n.ready != "Ready").count();
        if p.problems_only {
            out.retain(|n| n.problem);
        }
        out.sort_by(|a, b| b.problem.cmp(&a.problem).then(a.name.cmp(&b.name)));
        let omitted = out.len().saturating_sub(MAX_NODES);
        out.truncate(MAX_NODES);
        Ok(Output {
            nodes: out,
            not_ready,
            omitted,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "{} nodes, {} not ready (gpu as capacity/allocatable/requested)",
            o.nodes.len() + o.omitted,
            o.not_ready
        ));
        w.section("nodes");
        for n in &o.nodes {
            let gpus: Vec<String> = n.gpus.iter().map(|(k, v)| format!("{k} {v}")).collect();
            w.line(format!(
                "{}  {}{}  pods {}  cpu {} mem {}{}  {}  age {}{}",
                n.name,
                n.ready,
                if n.unschedulable {
                    ",SchedulingDisabled"
                } else {
                    ""
                },
                n.pods,
                n.cpu,
                n.memory,
                if gpus.is_empty() {
                    String::new()
                } else {
                    format!("  gpu {}", gpus.join(", "))
                },
                n.version,
                n.age,
                if n.labels_of_note.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", n.labels_of_note.join(" "))
                },
            ));
            for c in &n.bad_conditions {
                w.line(format!("    condition {c}"));
            }
            if !n.taints.is_empty() {
                w.line(format!("    taints {}", n.taints.join(", ")));
            }
        }
        w.drop_lines(o.omitted);
        w.finish("ask for one node with name= or use problems_only=true")
    }
}
