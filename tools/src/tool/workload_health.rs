//! `workload_health`: Deployments, StatefulSets, DaemonSets and HPAs with replicas and conditions.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::api::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Result};

const MAX_SCAN: usize = 20_000;
const MAX_ITEMS: usize = 300;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Omit for all namespaces.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Only workloads with this name.
    #[serde(default)]
    pub name: Option<String>,
    /// Only workloads not fully available, or HPAs at max.
    #[serde(default)]
    pub problems_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Workload {
    /// Deployment, StatefulSet, DaemonSet or HorizontalPodAutoscaler.
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub desired: i32,
    pub ready: i32,
    pub updated: i32,
    pub available: i32,
    /// Conditions that are not in their healthy state, `Type=Status: reason: message`.
    pub conditions: Vec<String>,
    /// For HPAs: target, current/min/max replicas, current metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub problem: bool,
    pub age: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub workloads: Vec<Workload>,
    pub with_problems: usize,
    pub omitted: usize,
}

fn cond_lines<'a>(
    conds: impl Iterator<Item = (&'a str, &'a str, Option<&'a str>, Option<&'a str>)>,
) -> Vec<String> {
    conds
        .filter(|(t, s, _, _)| {
            let healthy = matches!(
                (*t, *s),
                (
                    "Available" | "Progressing" | "AbleToScale" | "ScalingActive",
                    "True"
                ) | ("ReplicaFailure" | "ScalingLimited", "False")
            );
            !healthy
        })
        .map(|(t, s, r, m)| {
            format!(
                "{t}={s}: {}: {}",
                r.unwrap_or(""),
                clip(m.unwrap_or(""), 200)
            )
        })
        .collect()
}

pub struct WorkloadHealth;

impl Tool for WorkloadHealth {
    const NAME: &'static str = "workload_health";
    const DESCRIPTION: &'static str = "Deployments, StatefulSets, DaemonSets and HPAs: replicas desired/ready/updated/available, bad conditions, HPAs at max.";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let ns = p.namespace.as_deref();
        let lp = match &p.name {
            Some(n) => ListParams::default().fields(&format!("metadata.name={n}")),
            None => ListParams::default(),
        };
        let clock = ctx.clock();
        let mut out = Vec::new();
        let (deps, _) = ctx.kube.list::<Deployment>(ns, &lp, MAX_SCAN).await?;
        for d in deps {
            let s = d.status.clone().unwrap_or_default();
            let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let conditions = cond_lines(s.conditions.iter().flatten().map(|c| {
                (
                    c.type_.as_str(),
                    c.status.as_str(),
                    c.reason.as_deref(),
                    c.message.as_deref(),
                )
            }));
            let available = s.available_replicas.unwrap_or(0);
            out.push(Workload {
                kind: "Deployment".into(),
                namespace: d.metadata.namespace.clone().unwrap_or_default(),
                name: d.metadata.name.clone().unwrap_or_default(),
                desired,
                ready: s.ready_replicas.unwrap_or(0),
                updated: s.updated_replicas.unwrap_or(0),
                available,
                problem: available < desired || !conditions.is_empty(),
                conditions,
                detail: None,
                age: super::age_of(clock, d.metadata.creation_timestamp.as_ref()),
            });
        }
        let (sts, _) = ctx.kube.list::<StatefulSet>(ns, &lp, MAX_SCAN).await?;
        for d in sts {
            let s = d.status.clone().unwrap_or_default();
            let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = s.ready_replicas.unwrap_or(0);
            out.push(Workload {
                kind: "StatefulSet".into(),
                namespace: d.metadata.namespace.clone().unwrap_or_default(),
                name: d.metadata.name.clone().unwrap_or_default(),
                desired,
                ready,
                updated: s.updated_replicas.unwrap_or(0),
                available: s.available_replicas.unwrap_or(0),
                conditions: cond_lines(s.conditions.iter().flatten().map(|c| {
                    (
                        c.type_.as_str(),
                        c.status.as_str(),
                        c.reason.as_deref(),
                        c.message.as_deref(),
                    )
                })),
                detail: None,
                problem: ready < desired,
                age: super::age_of(clock, d.metadata.creation_timestamp.as_ref()),
            });
        }
        let (dss, _) = ctx.kube.list::<DaemonSet>(ns, &lp, MAX_SCAN).await?;
        for d in dss {
            let s = d.status.clone().unwrap_or_default();
            out.push(Workload {
                kind: "DaemonSet".into(),
                namespace: d.metadata.namespace.clone().unwrap_or_default(),
                name: d.metadata.name.clone().unwrap_or_default(),
                desired: s.desired_number_scheduled,
                ready: s.number_ready,
                updated: s.updated_number_scheduled.unwrap_or(0),
                available: s.number_available.unwrap_or(0),
                conditions: Vec::new(),
                detail: (s.number_unavailable.unwrap_or(0) > 0)
                    .then(|| format!("{} unavailable", s.number_unavailable.unwrap_or(0))),
                problem: s.number_ready < s.desired_number_scheduled,
                age: super::age_of(clock, d.metadata.creation_timestamp.as_ref()),
            });
        }
        let (hpas, _) = ctx
            .kube
            .list::<HorizontalPodAutoscaler>(ns, &lp, MAX_SCAN)
            .await?;
        for h in hpas {
            let spec = h.spec.clone().unwrap_or_default();
            let s = h.status.clone().unwrap_or_default();
            let at_max = s.current_replicas.unwrap_or(0) >= spec.max_replicas
                && s.desired_replicas >= spec.max_replicas;
            let metrics: Vec<String> = s
                .current_metrics
                .iter()
                .flatten()
                .filter_map(|m| {
                    let r = m.resource.as_ref()?;
                    Some(format!("{} {}%", r.name, r.current.average_utilization?))
                })
                .collect();
            out.push(Workload {
                kind: "HorizontalPodAutoscaler".into(),
                namespace: h.metadata.namespace.clone().unwrap_or_default(),
                name: h.metadata.name.clone().unwrap_or_default(),
                desired: s.desired_replicas,
                ready: s.current_replicas.unwrap_or(0),
                updated: 0,
                available: 0,
                conditions: cond_lines(s.conditions.iter().flatten().map(|c| {
                    (
                        c.type_.as_str(),
                        c.status.as_str(),
                        c.reason.as_deref(),
                        c.message.as_deref(),
                    )
                })),
                detail: Some(format!(
                    "target {}/{} replicas {} (min {} max {}){}{}",
                    spec.scale_target_ref.kind,
                    spec.scale_target_ref.name,
                    s.current_replicas.unwrap_or(0),
                    spec.min_replicas.unwrap_or(1),
                    spec.max_replicas,
                    if metrics.is_empty() {
                        String::new()
                    } else {
                        format!(" current {}", metrics.join(", "))
                    },
                    if at_max { " AT MAX" } else { "" }
                )),
                problem: at_max,
                age: super::age_of(clock, h.metadata.creation_timestamp.as_ref()),
            });
        }
        if out.is_empty()
            && let Some(ns) = ns
        {
            ctx.kube.ensure_namespace(ns).await?;
        }
        let with_problems = out.iter().filter(|w| w.problem).count();
        if p.problems_only {
            out.retain(|w| w.problem);
        }
        out.sort_by(|a, b| {
            b.problem
                .cmp(&a.problem)
                .then((&a.namespace, &a.kind, &a.name).cmp(&(&b.namespace, &b.kind, &b.name)))
        });
        let omitted = out.len().saturating_sub(MAX_ITEMS);
        out.truncate(MAX_ITEMS);
        Ok(Output {
            workloads: out,
            with_problems,
            omitted,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "{} workloads, {} with problems",
            o.workloads.len() + o.omitted,
            o.with_problems
        ));
        w.section("workloads");
        for x in &o.workloads {
            let mut line = if x.kind == "HorizontalPodAutoscaler" {
                format!(
                    "HPA {}/{}  {}",
                    x.namespace,
                    x.name,
                    x.detail.as_deref().unwrap_or("")
                )
            } else {
                format!(
                    "{} {}/{}  ready {}/{}  updated {}  available {}  age {}",
                    x.kind, x.namespace, x.name, x.ready, x.desired, x.updated, x.available, x.age
                )
            };
            if x.kind != "HorizontalPodAutoscaler"
                && let Some(d) = &x.detail
            {
                line.push_str(&format!("  ({d})"));
            }
            w.line(line);
            for c in &x.conditions {
                w.line(format!("    {c}"));
            }
        }
        w.drop_lines(o.omitted);
        w.finish("narrow with namespace=, name= or problems_only=true")
    }
}
