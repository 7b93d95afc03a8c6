//! `signals`: the curated PromQL of `tools/signals.yaml` for an incident kind (gateway,
//! inference, gpu, kubernetes), each answered as `prom_query` would, plus which signals have no
//! data (their exporter is absent). One call instead of a model guessing metric names.

use std::sync::LazyLock;

use jiff::SignedDuration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer};
use crate::prom::{SeriesSummary, summarize};
use crate::{Clock, Error, Result};

/// One curated signal, as `tools/signals.yaml` defines it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Signal {
    pub name: String,
    pub kind: String,
    pub query: String,
    pub what: String,
    /// Grafana unit for a drafted panel (`percentunit`, `reqps`, `s`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// The catalogue, parsed once. A malformed file is a build-time bug caught by the tests; it
/// yields an empty catalogue rather than a panic.
pub static CATALOGUE: LazyLock<Vec<Signal>> = LazyLock::new(|| {
    serde_yaml::from_str(include_str!("../../signals.yaml")).unwrap_or_else(|e| {
        tracing::error!(error = %e, "tools/signals.yaml does not parse");
        Vec::new()
    })
});

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `gateway`, `inference`, `gpu`, `kubernetes`; omit for all.
    #[serde(default)]
    pub kind: Option<String>,
    /// Window ending now, in minutes (default 60).
    #[serde(default)]
    pub minutes: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SignalAnswer {
    pub signal: Signal,
    pub series: Vec<SeriesSummary>,
    pub total_series: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub answers: Vec<SignalAnswer>,
    /// Signals with no data (exporter absent or nothing happening).
    pub no_data: Vec<String>,
}

pub struct Signals;

impl Tool for Signals {
    const NAME: &'static str = "signals";
    const DESCRIPTION: &'static str = "Curated metrics for an incident kind (gateway 5xx/429, vLLM/TGI KV cache and queues, DCGM GPU Xid/memory, restarts, HPA), summarised; says which have no data.";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let prom = ctx.prom()?;
        let kinds = ["gateway", "inference", "gpu", "kubernetes"];
        if let Some(k) = p.kind.as_deref().filter(|k| !kinds.contains(k)) {
            return Err(Error::InvalidInput(format!(
                "kind `{k}`: use one of {}",
                kinds.join(", ")
            )));
        }
        let minutes = p.minutes.unwrap_or(60).clamp(5, 24 * 60);
        let now = ctx.clock().now();
        let start = now
            .checked_sub(SignedDuration::from_secs(i64::from(minutes) * 60))
            .map_err(|e| Error::InvalidInput(format!("window: {e}")))?;
        let step = (minutes * 60 / 120).max(15);
        let mut answers = Vec::new();
        let mut no_data = Vec::new();
        for s in CATALOGUE
            .iter()
            .filter(|s| p.kind.as_deref().is_none_or(|k| s.kind == k))
        {
            let raw = prom.range(&s.query, start, now, step).await?;
            if raw.is_empty() {
                no_data.push(s.name.clone());
                continue;
            }
            let mut series: Vec<SeriesSummary> = raw.iter().map(|r| summarize(r, 8)).collect();
            series.sort_by(|a, b| b.max.total_cmp(&a.max));
            let total_series = series.len();
            series.truncate(6);
            answers.push(SignalAnswer {
                signal: s.clone(),
                series,
                total_series,
            });
        }
        Ok(Output { answers, no_data })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.section("signals");
        for a in &o.answers {
            w.line(format!(
                "{} ({}): {} series",
                a.signal.name, a.signal.what, a.total_series
            ));
            for s in &a.series {
                w.line(format!(
                    "  {}  last {}  max {}  mean {}  {}{}",
                    s.labels,
                    s.last,
                    s.max,
                    s.mean,
                    s.trend,
                    if s.changes.is_empty() {
                        String::new()
                    } else {
                        format!("  changes {}", s.changes.join("; "))
                    }
                ));
            }
        }
        if !o.no_data.is_empty() {
            w.line(format!("no data: {}", o.no_data.join(", ")));
        }
        w.finish("ask for one kind=, or prom_query one signal's query")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_covers_every_kind() {
        assert!(CATALOGUE.len() >= 10);
        for k in ["gateway", "inference", "gpu", "kubernetes"] {
            assert!(CATALOGUE.iter().any(|s| s.kind == k), "{k}");
        }
        let mut names: Vec<_> = CATALOGUE.iter().map(|s| &s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "names are unique");
    }
}
