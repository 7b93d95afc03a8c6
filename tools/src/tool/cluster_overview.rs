//! `cluster_overview`: the first call of any investigation — where the trouble is.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Node;
use kube::api::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::events::{EventGroup, group_line, list_grouped};
use super::nodes::{GPU_RESOURCES, count, pod_gpu_requests};
use super::pod_facts::{ListedPod, PodSummary};
use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer};
use crate::{Clock, Result};

const MAX_PROBLEM_PODS_PER_NS: usize = 8;
const MAX_WARNINGS: usize = 25;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Omit for all namespaces.
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NamespaceHealth {
    pub namespace: String,
    pub pods: usize,
    pub problem_pods: usize,
    /// Deployments with fewer available replicas than desired, `name available/desired`.
    pub degraded_deployments: Vec<String>,
    /// The worst pods (at most 8).
    pub examples: Vec<PodSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub nodes: usize,
    pub nodes_not_ready: Vec<String>,
    /// Per GPU resource: "capacity/allocatable/requested" summed over nodes.
    pub gpus: BTreeMap<String, String>,
    pub namespaces: usize,
    pub pods: usize,
    /// Namespaces with problems, worst first.
    pub unhealthy: Vec<NamespaceHealth>,
    /// Healthy namespaces, by name.
    pub healthy: Vec<String>,
    /// Recent warning events, merged, newest first (at most 25).
    pub warnings: Vec<EventGroup>,
    /// Parts that could not be read (permission, API errors), with why.
    pub gaps: Vec<String>,
}

pub struct ClusterOverview;

impl Tool for ClusterOverview {
    const NAME: &'static str = "cluster_overview";
    const DESCRIPTION: &'static str = "Start here: nodes not ready, GPU capacity and use, namespaces with unhealthy pods or deployments (worst pods, exit reasons), recent warnings.";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        if let Some(ns) = &p.namespace {
            ctx.kube.ensure_namespace(ns).await?;
        }
        let ns = p.namespace.as_deref();
        let clock = ctx.clock();
        let mut gaps = Vec::new();
        // The four listings run concurrently, so the API server serves one while another's
        // page decodes. Each pod is summarised and each warning grouped as its page arrives:
        // a cluster-wide list never holds every full object at once.
        let all = ListParams::default();
        let warnings = ListParams::default().fields("type=Warning");
        let (pods, nodes, deployments, events) = tokio::join!(
            ctx.kube.list_map::<ListedPod, _>(ns, &all, 100_000, |p| {
                let p = p.into_pod();
                (PodSummary::of(&p, clock), pod_gpu_requests(&p))
            }),
            ctx.kube.list_cluster::<Node>(&all, 10_000),
            ctx.kube.list::<Deployment>(ns, &all, 20_000),
            list_grouped(ctx, ns, &warnings, 100_000, |_| true),
        );
        let (pods, _) = pods?;
        let nodes = nodes.map(|(n, _)| n).unwrap_or_else(|e| {
            gaps.push(format!("nodes: {e}"));
            Vec::new()
        });
        let deployments = deployments.map(|(d, _)| d).unwrap_or_else(|e| {
            gaps.push(format!("deployments: {e}"));
            Vec::new()
        });
        let warnings = match events {
            Ok((grouper, _)) => grouper.finish(MAX_WARNINGS).0,
            Err(e) => {
                gaps.push(format!("events: {e}"));
                Vec::new()
            }
        };

        let nodes_not_ready = nodes
            .iter()
            .filter(|n| {
                !n.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
            })
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        let mut requested: BTreeMap<(String, String), i64> = BTreeMap::new();
        for (k, n) in pods.iter().flat_map(|p| p.1.iter()) {
            *requested.entry(k.clone()).or_default() += n;
        }
        let mut gpus = BTreeMap::new();
        for g in GPU_RESOURCES {
            let cap: i64 = nodes
                .iter()
                .map(|n| {
                    count(
                        n.status
                            .as_ref()
                            .and_then(|s| s.capacity.as_ref())
                            .and_then(|m| m.get(*g)),
                    )
                })
                .sum();
            let alloc: i64 = nodes
                .iter()
                .map(|n| {
                    count(
                        n.status
                            .as_ref()
                            .and_then(|s| s.allocatable.as_ref())
                            .and_then(|m| m.get(*g)),
                    )
                })
                .sum();
            let req: i64 = requested
                .iter()
                .filter(|((_, r), _)| r == g)
                .map(|(_, n)| n)
                .sum();
            if cap + alloc + req > 0 {
                gpus.insert(g.to_string(), format!("{cap}/{alloc}/{req}"));
            }
        }

        let mut by_ns: BTreeMap<String, (usize, Vec<PodSummary>)> = BTreeMap::new();
        let pod_count = pods.len();
        for (s, _) in pods {
            let e = by_ns.entry(s.namespace.clone()).or_default();
            e.0 += 1;
            if s.problem {
                e.1.push(s);
            }
        }
        let mut degraded: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for d in &deployments {
            let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let avail = d
                .status
                .as_ref()
                .and_then(|s| s.available_replicas)
                .unwrap_or(0);
            if avail < desired {
                degraded
                    .entry(d.metadata.namespace.clone().unwrap_or_default())
                    .or_default()
                    .push(format!(
                        "{} {avail}/{desired}",
                        d.metadata.name.clone().unwrap_or_default()
                    ));
                by_ns
                    .entry(d.metadata.namespace.clone().unwrap_or_default())
                    .or_default();
            }
        }
        let mut unhealthy = Vec::new();
        let mut healthy = Vec::new();
        for (name, (count, mut problems)) in by_ns {
            let deg = degraded.remove(&name).unwrap_or_default();
            if problems.is_empty() && deg.is_empty() {
                healthy.push(name);
                continue;
            }
            problems.sort_by(|a, b| b.restarts.cmp(&a.restarts).then(a.name.cmp(&b.name)));
            let problem_pods = problems.len();
            problems.truncate(MAX_PROBLEM_PODS_PER_NS);
            unhealthy.push(NamespaceHealth {
                namespace: name,
                pods: count,
                problem_pods,
                degraded_deployments: deg,
                examples: problems,
            });
        }
        unhealthy.sort_by(|a, b| {
            (b.problem_pods + b.degraded_deployments.len())
                .cmp(&(a.problem_pods + a.degraded_deployments.len()))
                .then(a.namespace.cmp(&b.namespace))
        });
        let namespaces = unhealthy.len() + healthy.len();
        Ok(Output {
            nodes: nodes.len(),
            nodes_not_ready,
            gpus,
            namespaces,
            pods: pod_count,
            unhealthy,
            healthy,
            warnings,
            gaps,
        })
    }

    fn render(o: &Output, budget: Budget, clock: Clock) -> String {
        let mut w = Writer::new(budget);
        let gpus: Vec<String> = o.gpus.iter().map(|(k, v)| format!("{k} {v}")).collect();
        w.line(format!(
            "nodes {} ({} not ready{}){}; namespaces {}; pods {}",
            o.nodes,
            o.nodes_not_ready.len(),
            if o.nodes_not_ready.is_empty() {
                String::new()
            } else {
                format!(": {}", o.nodes_not_ready.join(", "))
            },
            if gpus.is_empty() {
                String::new()
            } else {
                format!("; gpu capacity/allocatable/requested {}", gpus.join(", "))
            },
            o.namespaces,
            o.pods
        ));
        if o.unhealthy.is_empty() {
            w.line("no unhealthy pods or degraded deployments");
        }
        w.section("problem pod lines");
        for ns in &o.unhealthy {
            w.line(format!(
                "namespace {}: {} of {} pods with problems{}",
                ns.namespace,
                ns.problem_pods,
                ns.pods,
                if ns.degraded_deployments.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; degraded deployments: {}",
                        ns.degraded_deployments.join(", ")
                    )
                }
            ));
            for p in &ns.examples {
                w.line(format!("  {}", p.line(false)));
            }
            if ns.problem_pods > ns.examples.len() {
                w.line(format!(
                    "  ... {} more problem pods (list_pods namespace={} problems_only=true)",
                    ns.problem_pods - ns.examples.len(),
                    ns.namespace
                ));
            }
        }
        if !o.healthy.is_empty() {
            w.line(format!("healthy namespaces: {}", o.healthy.join(", ")));
        }
        w.section("warning event groups");
        if !o.warnings.is_empty() {
            w.line("recent warnings (newest first):");
        }
        for g in &o.warnings {
            w.line(format!("  {}", group_line(g, clock)));
        }
        for g in &o.gaps {
            w.line(format!("could not read {g}"));
        }
        w.finish("pass namespace= for one namespace, or use list_pods / events to drill down")
    }
}
