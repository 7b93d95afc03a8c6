//! `signals`: the curated PromQL of `tools/signals.yaml` for an incident kind (gateway,
//! inference, gpu, kubernetes), each answered as `prom_query` would. Which exporters are scraped
//! is detected first, in one query; only their signals run, and the absent ones are named. One
//! call instead of a model guessing metric names.

use std::sync::LazyLock;

use jiff::SignedDuration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer};
use crate::prom::{SeriesSummary, series_lines, summarize};
use crate::{Clock, Error, Result};

/// One curated signal, as `tools/signals.yaml` defines it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Signal {
    pub name: String,
    pub kind: String,
    /// The exporter whose metrics it reads (`vllm`, `dcgm`, ...).
    #[serde(default)]
    pub exporter: String,
    pub query: String,
    pub what: String,
    /// Grafana unit for a drafted panel (`percentunit`, `reqps`, `s`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// An exporter, detected by any metric name matching `probe` (a regex).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Exporter {
    pub name: String,
    pub probe: String,
}

#[derive(Debug, Default, Deserialize)]
struct File {
    exporters: Vec<Exporter>,
    signals: Vec<Signal>,
}

static FILE: LazyLock<File> = LazyLock::new(|| {
    serde_yaml::from_str(include_str!("../../signals.yaml")).unwrap_or_else(|e| {
        tracing::error!(error = %e, "tools/signals.yaml does not parse");
        File::default()
    })
});

/// The signals, parsed once. A malformed file is a build-time bug caught by the tests; it
/// yields an empty catalogue rather than a panic.
pub static CATALOGUE: LazyLock<&'static [Signal]> = LazyLock::new(|| FILE.signals.as_slice());

/// The exporters the signals read.
pub fn exporters() -> &'static [Exporter] {
    &FILE.exporters
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `gateway`, `inference`, `gpu`, `kubernetes`; omit for all.
    #[serde(default)]
    pub kind: Option<String>,
    /// Window ending now (default 60).
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
    /// Exporters with series in the last hour.
    #[serde(default)]
    pub exporters: Vec<String>,
    /// Exporters of the asked kinds with none (their signals were not run).
    #[serde(default)]
    pub absent: Vec<String>,
    /// Signals of present exporters that returned no series (nothing happening, or a metric
    /// this exporter version does not have).
    pub no_data: Vec<String>,
}

pub struct Signals;

impl Tool for Signals {
    const NAME: &'static str = "signals";
    const DESCRIPTION: &'static str = "Curated metrics for an incident kind from the exporters present (Envoy, ingress-nginx, Kong, vLLM, TGI, Triton, DCGM, kube-state-metrics): 5xx, latency, KV cache, queues, TTFT, GPU Xid, OOM. Names absent exporters.";
    const SOURCE: super::Source = super::Source::Prometheus;
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
        let wanted: Vec<&Signal> = CATALOGUE
            .iter()
            .filter(|s| p.kind.as_deref().is_none_or(|k| s.kind == k))
            .collect();
        let asked: Vec<&Exporter> = exporters()
            .iter()
            .filter(|e| wanted.iter().any(|s| s.exporter == e.name))
            .collect();
        // One query names every metric of the asked exporters seen in the last hour.
        let probe = asked
            .iter()
            .map(|e| e.probe.as_str())
            .collect::<Vec<_>>()
            .join("|");
        let names: Vec<String> = prom
            .instant(
                &format!("count by (__name__) (last_over_time({{__name__=~\"{probe}\"}}[1h]))"),
                now,
            )
            .await?
            .into_iter()
            .filter_map(|s| s.labels.get("__name__").cloned())
            .collect();
        let (present, absent): (Vec<&Exporter>, Vec<&Exporter>) =
            asked.into_iter().partition(|e| {
                regex::Regex::new(&format!("^(?:{})$", e.probe))
                    .is_ok_and(|re| names.iter().any(|n| re.is_match(n)))
            });
        let mut answers = Vec::new();
        let mut no_data = Vec::new();
        for s in wanted
            .into_iter()
            .filter(|s| present.iter().any(|e| e.name == s.exporter))
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
        Ok(Output {
            answers,
            exporters: present.iter().map(|e| e.name.clone()).collect(),
            absent: absent.iter().map(|e| e.name.clone()).collect(),
            no_data,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "exporters: {}{}",
            if o.exporters.is_empty() {
                "none found".to_string()
            } else {
                o.exporters.join(", ")
            },
            if o.absent.is_empty() {
                String::new()
            } else {
                format!("; absent: {}", o.absent.join(", "))
            }
        ));
        // Signals flat at zero take one line together; the rest a line each plus their series.
        let (zero, moving): (Vec<&SignalAnswer>, Vec<&SignalAnswer>) = o
            .answers
            .iter()
            .partition(|a| a.series.iter().all(|s| s.max == 0.0 && s.min == 0.0));
        w.section("signals");
        for a in moving {
            w.line(format!(
                "{} ({}): {} series",
                a.signal.name, a.signal.what, a.total_series
            ));
            for s in a.series.iter().take(4) {
                // The summary line only; the points stay in the structured answer.
                if let Some(summary) = series_lines(s).into_iter().next() {
                    w.line(format!("  {summary}"));
                }
            }
        }
        if !zero.is_empty() {
            let names: Vec<&str> = zero.iter().map(|a| a.signal.name.as_str()).collect();
            w.line(format!("zero throughout: {}", names.join(", ")));
        }
        if !o.no_data.is_empty() {
            w.line(format!("no series: {}", o.no_data.join(", ")));
        }
        w.finish("ask for one kind=, or prom_query one signal's query")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_covers_every_kind() {
        assert!(CATALOGUE.len() >= 30);
        for s in CATALOGUE.iter() {
            assert!(
                exporters().iter().any(|e| e.name == s.exporter),
                "{} names an unknown exporter",
                s.name
            );
            assert!(s.unit.is_some(), "{} has no unit", s.name);
        }
        for e in exporters() {
            assert!(regex::Regex::new(&e.probe).is_ok(), "{}", e.name);
        }
        for k in ["gateway", "inference", "gpu", "kubernetes"] {
            assert!(CATALOGUE.iter().any(|s| s.kind == k), "{k}");
        }
        let mut names: Vec<_> = CATALOGUE.iter().map(|s| &s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "names are unique");
    }
}
