//! `prom_metrics`: which metrics exist (by name pattern), with their series counts and, where
//! Prometheus knows them, type and help — so a query can be written against real names.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Error, Result};

const MAX_METRICS: usize = 200;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Regex on names, e.g. `vllm:.*`.
    pub pattern: String,
    /// Default 50, max 200.
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MetricInfo {
    pub name: String,
    /// Series with a sample in the last hour.
    pub series: u64,
    pub kind: Option<String>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub pattern: String,
    pub metrics: Vec<MetricInfo>,
    pub omitted: usize,
}

pub struct PromMetrics;

impl Tool for PromMetrics {
    const NAME: &'static str = "prom_metrics";
    const DESCRIPTION: &'static str = "Metric names matching a regex, with series counts, type and help. Use before prom_query to find real names.";
    const SOURCE: super::Source = super::Source::Prometheus;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let prom = ctx.prom()?;
        let pattern = p.pattern.trim();
        if pattern.is_empty() || pattern == ".*" || pattern == ".+" {
            return Err(Error::InvalidInput(
                "give a pattern that narrows the names, e.g. `vllm:.*` or `.*_errors_total`".into(),
            ));
        }
        if pattern.contains('"') {
            return Err(Error::InvalidInput("pattern may not contain `\"`".into()));
        }
        let limit = p.limit.unwrap_or(50).clamp(1, MAX_METRICS);
        let series = prom
            .instant(
                // Over the last hour, so series that stopped (a crashed pod) still count.
                &format!("count by (__name__) (last_over_time({{__name__=~\"{pattern}\"}}[1h]))"),
                ctx.clock().now(),
            )
            .await?;
        let meta = prom.metadata().await.unwrap_or_default();
        let mut metrics: Vec<MetricInfo> = series
            .iter()
            .filter_map(|s| {
                let name = s.labels.get("__name__")?.clone();
                let count = s.points.first().map_or(0.0, |p| p.1) as u64;
                let (kind, help) = meta
                    .get(&name)
                    .map(|(k, h)| (Some(k.clone()), Some(h.clone())))
                    .unwrap_or((None, None));
                Some(MetricInfo {
                    name,
                    series: count,
                    kind,
                    help,
                })
            })
            .collect();
        metrics.sort_by(|a, b| a.name.cmp(&b.name));
        let omitted = metrics.len().saturating_sub(limit);
        metrics.truncate(limit);
        Ok(Output {
            pattern: pattern.to_string(),
            metrics,
            omitted,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        if o.metrics.is_empty() {
            w.line(format!(
                "no metric matches `{}` (names are case-sensitive; try a shorter prefix)",
                o.pattern
            ));
        }
        w.section("metrics");
        for m in &o.metrics {
            w.line(format!(
                "{}  {} series{}{}",
                m.name,
                m.series,
                m.kind
                    .as_deref()
                    .map(|k| format!("  {k}"))
                    .unwrap_or_default(),
                m.help
                    .as_deref()
                    .filter(|h| !h.is_empty())
                    .map(|h| format!("  {}", clip(h, 120)))
                    .unwrap_or_default()
            ));
        }
        if o.omitted > 0 {
            w.line(format!("... {} more names (narrow the pattern)", o.omitted));
        }
        w.finish("narrow the pattern")
    }
}
