//! `prom_query`: a PromQL query, answered as a summary per series (first, last, min, max, mean,
//! trend, change points with times) plus a few downsampled points — never the raw matrix.

use jiff::{SignedDuration, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::prom::{SeriesSummary, series_lines, summarize};
use crate::{Clock, Error, Result};

const MAX_SERIES: usize = 50;
const MAX_POINTS: usize = 60;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// PromQL, e.g. `sum by (pod) (rate(x_total[5m]))`.
    pub query: String,
    /// Window ending now (default 60); 0: instant query.
    #[serde(default)]
    pub minutes: Option<u32>,
    /// Default window/120, min 15.
    #[serde(default)]
    pub step_seconds: Option<u32>,
    /// Series kept (default 8, max 50).
    #[serde(default)]
    pub top: Option<usize>,
    /// `change` (default: sudden changes first), `max`, `last`, `mean`.
    #[serde(default)]
    pub sort_by: Option<String>,
    /// Per series (default 10, max 60).
    #[serde(default)]
    pub points: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub query: String,
    /// `instant at T` or `range START..END step Ns`.
    pub window: String,
    pub series: Vec<SeriesSummary>,
    pub total_series: usize,
    pub omitted: usize,
    /// Omitted series that had change points (the default order shows them first).
    #[serde(default)]
    pub omitted_with_changes: usize,
}

pub struct PromQuery;

impl Tool for PromQuery {
    const NAME: &'static str = "prom_query";
    const DESCRIPTION: &'static str = "PromQL over a window ending now, summarised per series: last/min/max/mean, trend, change points. Top series only; narrow with label filters or sum by ().";
    const SOURCE: super::Source = super::Source::Prometheus;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let prom = ctx.prom()?;
        if let Some(other) = p
            .sort_by
            .as_deref()
            .filter(|s| !matches!(*s, "max" | "last" | "mean" | "change"))
        {
            return Err(Error::InvalidInput(format!(
                "sort_by `{other}`: use max, last, mean or change"
            )));
        }
        let query = p.query.trim();
        if query.is_empty() {
            return Err(Error::InvalidInput("query is empty".into()));
        }
        let top = p.top.unwrap_or(8).clamp(1, MAX_SERIES);
        let points = p.points.unwrap_or(10).clamp(1, MAX_POINTS);
        let now: Timestamp = ctx.clock().now();
        let minutes = p.minutes.unwrap_or(60);
        let (raw, window) = if minutes == 0 {
            (prom.instant(query, now).await?, format!("instant at {now}"))
        } else {
            if minutes > 7 * 24 * 60 {
                return Err(Error::InvalidInput(format!(
                    "minutes={minutes} is more than a week; ask for a shorter window"
                )));
            }
            let start = now
                .checked_sub(SignedDuration::from_secs(i64::from(minutes) * 60))
                .map_err(|e| Error::InvalidInput(format!("window: {e}")))?;
            let step = p
                .step_seconds
                .unwrap_or_else(|| (minutes * 60 / 120).max(15))
                .max(1);
            if u64::from(minutes) * 60 / u64::from(step) > 11_000 {
                return Err(Error::InvalidInput(format!(
                    "step_seconds={step} over {minutes} minutes is more than 11,000 points per series; use a larger step"
                )));
            }
            (
                prom.range(query, start, now, step).await?,
                format!("range {start}..{now} step {step}s"),
            )
        };
        let mut series: Vec<SeriesSummary> = raw.iter().map(|s| summarize(s, points)).collect();
        let key = |s: &SeriesSummary| match p.sort_by.as_deref() {
            Some("last") => s.last,
            Some("mean") => s.mean,
            Some("max") => s.max,
            _ => s.change_size,
        };
        series.sort_by(|a, b| key(b).total_cmp(&key(a)).then(b.max.total_cmp(&a.max)));
        let total_series = series.len();
        let omitted = total_series.saturating_sub(top);
        // Nothing sudden is dropped silently: the cut series that had change points are counted.
        let omitted_with_changes = series
            .iter()
            .skip(top)
            .filter(|s| !s.changes.is_empty())
            .count();
        series.truncate(top);
        Ok(Output {
            query: query.to_string(),
            window,
            series,
            total_series,
            omitted,
            omitted_with_changes,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "{} — {} series, {}",
            clip(&o.query, 200),
            o.total_series,
            o.window
        ));
        if o.series.is_empty() {
            w.line("no data: the metric or labels may not exist (check the name, or list metrics by prefix)");
        }
        w.section("series");
        for s in &o.series {
            for l in series_lines(s) {
                w.line(l);
            }
        }
        if o.omitted > 0 {
            let changed = if o.omitted_with_changes > 0 {
                format!("; {} of them changed suddenly", o.omitted_with_changes)
            } else {
                "; none of them changed suddenly".to_string()
            };
            w.line(format!(
                "... {} more series not shown (top= for more, or aggregate with sum by (...)){changed}",
                o.omitted
            ));
        }
        w.finish("filter by labels, aggregate with sum by (...), or raise top=")
    }
}
