//! `grafana_panel_data`: run one panel's Prometheus queries through Grafana for a window ending
//! now — variables filled in as the dashboard sets them — and answer as `prom_query` does: a
//! summary per series, with a deep link to the panel for the human.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::grafana::{deep_link, interpolate, panels, variables};
use crate::prom::{SeriesSummary, series_lines, summarize};
use crate::{Clock, Error, Result};

const MAX_SERIES: usize = 50;
const MAX_POINTS: usize = 60;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub uid: String,
    /// Panel id (the `#N` of grafana_dashboard).
    pub panel_id: u64,
    /// Window ending now (default 60).
    #[serde(default)]
    pub minutes: Option<u32>,
    /// Variables to override, e.g. {"namespace": "x"}.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Series kept per query (default 8, max 50).
    #[serde(default)]
    pub top: Option<usize>,
    /// Per series (default 10, max 60).
    #[serde(default)]
    pub points: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct QueryAnswer {
    pub ref_id: String,
    /// The PromQL as run, variables filled in.
    pub expr: String,
    pub series: Vec<SeriesSummary>,
    pub total_series: usize,
    pub omitted: usize,
    /// What Grafana said when the query failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub dashboard: String,
    pub panel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `START..END step Ns`.
    pub window: String,
    /// The datasource uid the queries ran on.
    pub datasource: String,
    pub queries: Vec<QueryAnswer>,
    /// The panel in Grafana, over the same window.
    pub link: String,
}

pub struct GrafanaPanelData;

/// The uid to query: the panel's own when Grafana knows it (by uid or by name), the value of a
/// datasource variable, else the default Prometheus.
fn resolve_datasource(
    panel_ds: Option<&str>,
    vars: &BTreeMap<String, Vec<String>>,
    sources: &[Value],
) -> Result<String> {
    let find = |want: &str| {
        sources.iter().find_map(|s| {
            (s["uid"] == want || s["name"] == want)
                .then(|| s["uid"].as_str().map(str::to_string))
                .flatten()
        })
    };
    let named = panel_ds.and_then(|d| {
        let var = d
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .or_else(|| d.strip_prefix('$'));
        match var {
            Some(v) => vars
                .get(v)
                .and_then(|vals| vals.first())
                .and_then(|v| find(v)),
            None => find(d),
        }
    });
    if let Some(uid) = named {
        return Ok(uid);
    }
    let proms: Vec<&Value> = sources
        .iter()
        .filter(|s| s["type"] == "prometheus")
        .collect();
    proms
        .iter()
        .find(|s| s["isDefault"] == true)
        .or_else(|| proms.first())
        .and_then(|s| s["uid"].as_str().map(str::to_string))
        .ok_or_else(|| {
            Error::NotFound(format!(
                "the panel's datasource `{}` is unknown and Grafana has no Prometheus datasource",
                panel_ds.unwrap_or("default")
            ))
        })
}

impl Tool for GrafanaPanelData {
    const NAME: &'static str = "grafana_panel_data";
    const DESCRIPTION: &'static str = "Run one Grafana panel's queries over a window ending now, variables filled in; summarised like prom_query, with a link.";
    const SOURCE: super::Source = super::Source::Grafana;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let grafana = ctx.grafana()?;
        let (d, meta) = grafana.dashboard(p.uid.trim()).await?;
        let all = panels(&d);
        let Some(panel) = all.iter().find(|x| x.id == p.panel_id) else {
            let ids: Vec<String> = all
                .iter()
                .take(40)
                .map(|x| format!("#{} {}", x.id, clip(&x.title, 40)))
                .collect();
            return Err(Error::NotFound(format!(
                "dashboard {} has no panel {}; panels: {}",
                p.uid.trim(),
                p.panel_id,
                ids.join(", ")
            )));
        };
        if let Some(t) = panel
            .datasource_type
            .as_deref()
            .filter(|t| *t != "prometheus")
        {
            return Err(Error::InvalidInput(format!(
                "panel {} queries a `{t}` datasource; only Prometheus panels can be run",
                panel.id
            )));
        }
        if panel.queries.is_empty() {
            return Err(Error::InvalidInput(format!(
                "panel {} (\"{}\") has no queries (a text or row panel?)",
                panel.id, panel.title
            )));
        }
        let minutes = p.minutes.unwrap_or(60).clamp(1, 7 * 24 * 60);
        let top = p.top.unwrap_or(8).clamp(1, MAX_SERIES);
        let points = p.points.unwrap_or(10).clamp(1, MAX_POINTS);
        let now = ctx.clock().now();
        let from = now
            .checked_sub(SignedDuration::from_secs(i64::from(minutes) * 60))
            .map_err(|e| Error::InvalidInput(format!("window: {e}")))?;
        let step = (minutes * 60 / 240).max(15);
        let mut values: BTreeMap<String, Vec<String>> = variables(&d)
            .into_iter()
            .map(|v| (v.name, v.current))
            .collect();
        for (k, v) in p.vars {
            values.insert(k, vec![v]);
        }
        let sources = grafana.datasources().await?;
        let uid = resolve_datasource(panel.datasource.as_deref(), &values, &sources)?;
        let queries: Vec<_> = panel
            .queries
            .iter()
            .map(|q| crate::grafana::PanelQuery {
                expr: interpolate(&q.expr, &values, step, u64::from(minutes) * 60),
                ..q.clone()
            })
            .collect();
        let mut results = grafana.query_range(&queries, &uid, from, now, step).await?;
        let answers = queries
            .iter()
            .map(|q| {
                let (mut series, error) = match results.remove(&q.ref_id) {
                    Some(Ok(raw)) => (
                        raw.iter().map(|s| summarize(s, points)).collect::<Vec<_>>(),
                        None,
                    ),
                    Some(Err(e)) => (Vec::new(), Some(e)),
                    None => (Vec::new(), None),
                };
                series.sort_by(|a, b| b.max.total_cmp(&a.max));
                let total_series = series.len();
                series.truncate(top);
                QueryAnswer {
                    ref_id: q.ref_id.clone(),
                    expr: q.expr.clone(),
                    omitted: total_series - series.len(),
                    series,
                    total_series,
                    error,
                }
            })
            .collect();
        Ok(Output {
            dashboard: d["title"].as_str().unwrap_or("").to_string(),
            panel: panel.title.clone(),
            unit: panel.unit.clone(),
            window: format!("{from}..{now} step {step}s"),
            datasource: uid,
            queries: answers,
            link: deep_link(
                grafana.url(),
                meta["url"].as_str().unwrap_or(""),
                p.uid.trim(),
                Some(panel.id),
                from,
                now,
            ),
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "\"{}\" / \"{}\"{} — {}",
            clip(&o.dashboard, 80),
            clip(&o.panel, 80),
            o.unit
                .as_deref()
                .map(|u| format!(" ({u})"))
                .unwrap_or_default(),
            o.window
        ));
        w.line(format!("link: {}", o.link));
        for q in &o.queries {
            w.section(&format!("{}: {}", q.ref_id, clip(&q.expr, 200)));
            if let Some(e) = &q.error {
                w.line(format!("error: {}", clip(e, 300)));
                continue;
            }
            if q.series.is_empty() {
                w.line("no data (the metric or labels may not exist in this window)");
            }
            for s in &q.series {
                for l in series_lines(s) {
                    w.line(l);
                }
            }
            if q.omitted > 0 {
                w.line(format!(
                    "... {} more series not shown (top= for more)",
                    q.omitted
                ));
            }
        }
        w.finish("narrow with vars=, fewer minutes, or top=")
    }
}
