//! The tools: one file each, each with typed parameters (their doc comments are the text a model
//! reads), a typed output, and a compact text rendering within a [`Budget`].

/// `kube::Resource` for a slim view of a core/v1 kind (`ListedPod`, `ListedEvent`): the same
/// GET as the full `k8s-openapi` type, decoded into fewer fields.
macro_rules! core_v1_resource {
    ($ty:ty, $kind:literal, $plural:literal) => {
        impl kube::Resource for $ty {
            type DynamicType = ();
            type Scope = k8s_openapi::NamespaceResourceScope;

            fn kind(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed($kind)
            }

            fn group(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed("")
            }

            fn version(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed("v1")
            }

            fn plural(_: &()) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed($plural)
            }

            fn meta(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }

            fn meta_mut(
                &mut self,
            ) -> &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

pub mod cluster_overview;
pub mod describe;
pub mod events;
pub mod gateway_routes;
pub mod grafana_dashboard;
pub mod grafana_draft_dashboard;
pub mod grafana_panel_data;
pub mod grafana_search;
pub mod list_objects;
pub mod list_pods;
pub mod nodes;
pub mod pod_facts;
pub mod pod_logs;
pub mod prom_alerts;
pub mod prom_labels;
pub mod prom_metrics;
pub mod prom_query;
pub mod prom_targets;
pub mod rollout_history;
pub mod signals;
pub mod workload_health;

use std::future::Future;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::budget::Budget;
use crate::k8s::KubeReader;
use crate::{Clock, Result};

/// What a tool call runs with.
#[derive(Debug, Clone)]
pub struct ToolContext {
    pub kube: KubeReader,
    pub budget: Budget,
    /// Prometheus, when configured.
    pub prom: Option<crate::prom::PromClient>,
    /// Grafana, when configured.
    pub grafana: Option<crate::grafana::GrafanaClient>,
}

impl ToolContext {
    pub fn new(kube: KubeReader, budget: Budget) -> Self {
        Self {
            kube,
            budget,
            prom: None,
            grafana: None,
        }
    }

    pub fn with_grafana(mut self, grafana: Option<crate::grafana::GrafanaClient>) -> Self {
        self.grafana = grafana;
        self
    }

    /// Grafana, or the error every Grafana tool answers when it is not configured.
    pub fn grafana(&self) -> crate::Result<&crate::grafana::GrafanaClient> {
        self.grafana.as_ref().ok_or_else(|| {
            crate::Error::Metrics(
                "Grafana is not configured: pass --grafana-url URL (or KTRIAGE_GRAFANA_URL) and a service-account token file"
                    .into(),
            )
        })
    }

    pub fn with_prom(mut self, prom: Option<crate::prom::PromClient>) -> Self {
        self.prom = prom;
        self
    }

    /// Prometheus, or the error every metrics tool answers when it is not configured.
    pub fn prom(&self) -> crate::Result<&crate::prom::PromClient> {
        self.prom.as_ref().ok_or_else(|| {
            crate::Error::Metrics(
                "Prometheus is not configured: pass --prometheus-url URL (or KTRIAGE_PROMETHEUS_URL)"
                    .into(),
            )
        })
    }

    pub fn clock(&self) -> Clock {
        self.kube.clock()
    }
}

/// What a tool reads besides its own arguments. A surface lists only the tools whose source is
/// configured: a Prometheus tool offered without a Prometheus costs every caller tokens and can
/// only answer an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The Kubernetes API (every cluster read).
    Kubernetes,
    Prometheus,
    Grafana,
    /// Nothing outside the call (drafting).
    None,
}

/// A read-only tool.
pub trait Tool {
    /// The tool's name on every surface (MCP, agent, CLI).
    const NAME: &'static str;
    /// What the tool does, for the model: short, exact, with its limits stated.
    const DESCRIPTION: &'static str;
    /// What it reads.
    const SOURCE: Source = Source::Kubernetes;
    type Params: DeserializeOwned + JsonSchema + Send;
    type Output: Serialize + JsonSchema + Send + Sync;

    fn run(
        ctx: &ToolContext,
        params: Self::Params,
    ) -> impl Future<Output = Result<Self::Output>> + Send;

    /// The compact text form, within `budget`, saying what was cut. `clock` dates the "ago"s.
    fn render(output: &Self::Output, budget: Budget, clock: Clock) -> String;
}

/// Parse an optional RFC 3339 time from the API's string form.
pub(crate) fn age_of(
    clock: Clock,
    t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
) -> String {
    t.map_or_else(|| "?".into(), |t| clock.age(t.0))
}

/// Kubelet names a pod `name_namespace(uid)` in its messages ("Back-off restarting failed
/// container vllm in pod vllm-0_llm-serving(3f2c...)"). The namespace and uid tell a reader
/// nothing the line does not already say and cost ~25 tokens each time: keep the name.
pub(crate) fn drop_pod_uids(msg: &str) -> std::borrow::Cow<'_, str> {
    static POD_REF: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)_[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)",
        )
        .expect("pod reference pattern")
    });
    POD_REF.replace_all(msg, "$1")
}

/// `namespace/name`
pub(crate) fn nsname(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pod_uids_are_dropped_from_kubelet_messages() {
        assert_eq!(
            super::drop_pod_uids(
                "back-off 5m0s restarting failed container=vllm pod=vllm-llama-5d7b9c4f68-x7k2p_llm-serving(32fe4fdf-55eb-5950-b57c-a00854b6e1a8)"
            ),
            "back-off 5m0s restarting failed container=vllm pod=vllm-llama-5d7b9c4f68-x7k2p"
        );
        assert_eq!(super::drop_pod_uids("snake_case(word)"), "snake_case(word)");
    }
}
