//! `list_pods`: pods by namespace, selector, node or phase, with their problems up front.

use kube::api::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::pod_facts::{ListedPod, PodSummary};
use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer};
use crate::{Error, Result};

/// The most pods a call returns in structured form.
const MAX_PODS: usize = 500;
/// The most pods read from the API in one call.
const MAX_SCAN: usize = 20_000;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Omit for all namespaces.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Label selector, e.g. `app=vllm`.
    #[serde(default)]
    pub selector: Option<String>,
    /// Only pods on this node.
    #[serde(default)]
    pub node: Option<String>,
    /// Pending, Running, Succeeded, Failed or Unknown.
    #[serde(default)]
    pub phase: Option<String>,
    /// Only pods not ready, restarting, pending or failed.
    #[serde(default)]
    pub problems_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub pods: Vec<PodSummary>,
    /// Pods that matched in total (before `problems_only` and the cap).
    pub matched: usize,
    /// Pods with problems among those matched.
    pub with_problems: usize,
    /// Pods matched but not returned (cap of 500 per call).
    pub omitted: usize,
}

pub struct ListPods;

impl Tool for ListPods {
    const NAME: &'static str = "list_pods";
    const DESCRIPTION: &'static str = "Pods with status, readiness, restarts, last exit, node, age; problem pods first. At most 500.";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let mut fields = Vec::new();
        if let Some(node) = &p.node {
            fields.push(format!("spec.nodeName={node}"));
        }
        if let Some(phase) = &p.phase {
            let ok = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
            let Some(phase) = ok.iter().find(|x| x.eq_ignore_ascii_case(phase)) else {
                return Err(Error::InvalidInput(format!(
                    "phase `{phase}` is not a pod phase; use one of {}",
                    ok.join(", ")
                )));
            };
            fields.push(format!("status.phase={phase}"));
        }
        let mut lp = ListParams::default();
        if let Some(s) = p.selector.as_deref().filter(|s| !s.trim().is_empty()) {
            lp = lp.labels(s);
        }
        if !fields.is_empty() {
            lp = lp.fields(&fields.join(","));
        }
        let clock = ctx.clock();
        // Summarised page by page: never every full Pod object at once.
        let (mut all, _) = ctx
            .kube
            .list_map::<ListedPod, _>(p.namespace.as_deref(), &lp, MAX_SCAN, |pod| {
                PodSummary::of(&pod.into_pod(), clock)
            })
            .await?;
        if all.is_empty()
            && let Some(ns) = &p.namespace
        {
            ctx.kube.ensure_namespace(ns).await?;
        }
        let matched = all.len();
        let with_problems = all.iter().filter(|s| s.problem).count();
        if p.problems_only {
            all.retain(|s| s.problem);
        }
        // Problems first, then by restarts, then by name.
        all.sort_by(|a, b| {
            b.problem
                .cmp(&a.problem)
                .then(b.restarts.cmp(&a.restarts))
                .then((&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
        });
        let omitted = all.len().saturating_sub(MAX_PODS);
        all.truncate(MAX_PODS);
        Ok(Output {
            pods: all,
            matched,
            with_problems,
            omitted,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: crate::Clock) -> String {
        let mut w = Writer::new(budget);
        let namespaces: std::collections::BTreeSet<_> =
            o.pods.iter().map(|p| &p.namespace).collect();
        let multi = namespaces.len() > 1;
        w.line(format!(
            "{} pods matched, {} with problems{}",
            o.matched,
            o.with_problems,
            if o.pods.len() < o.matched {
                format!(", {} shown", o.pods.len())
            } else {
                String::new()
            }
        ));
        w.section("pods");
        for p in &o.pods {
            w.line(p.line(multi));
        }
        w.drop_lines(o.omitted);
        w.finish("narrow with namespace=, selector=, node= or problems_only=true")
    }
}
