//! `grafana_draft_dashboard`: a dashboard JSON built from curated signals and PromQL (e.g. the
//! gateway's 5xx beside vLLM's KV-cache usage and GPU power), for a human to import. It writes
//! nothing and calls nothing: the answer is the JSON.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::signals::CATALOGUE;
use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Error, Result};

const MAX_PANELS: usize = 24;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftQuery {
    pub title: String,
    /// PromQL.
    pub expr: String,
    /// Grafana unit, e.g. `reqps`, `s`.
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub title: String,
    /// Signal names or kinds (gateway, inference, gpu, kubernetes).
    #[serde(default)]
    pub signals: Vec<String>,
    /// More panels from PromQL.
    #[serde(default)]
    pub queries: Vec<DraftQuery>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    /// Panel titles, in order.
    pub panels: Vec<String>,
    /// The dashboard model, for Dashboards → New → Import.
    pub dashboard: Value,
}

pub struct GrafanaDraftDashboard;

fn panel(id: usize, title: &str, expr: &str, unit: Option<&str>, description: &str) -> Value {
    // Two panels per row, 12 wide and 8 high.
    let (x, y) = ((id - 1) % 2 * 12, (id - 1) / 2 * 8);
    let mut p = json!({
        "id": id,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [{"refId": "A", "expr": expr, "datasource": {"type": "prometheus", "uid": "${datasource}"}}],
    });
    if let Some(u) = unit {
        p["fieldConfig"]["defaults"]["unit"] = json!(u);
    }
    if !description.is_empty() {
        p["description"] = json!(description);
    }
    p
}

impl Tool for GrafanaDraftDashboard {
    const NAME: &'static str = "grafana_draft_dashboard";
    const DESCRIPTION: &'static str = "Draft a Grafana dashboard JSON from signal names/kinds and PromQL, for a human to import. Writes nothing.";
    const SOURCE: super::Source = super::Source::None;
    type Params = Params;
    type Output = Output;

    async fn run(_ctx: &ToolContext, p: Params) -> Result<Output> {
        let title = p.title.trim();
        if title.is_empty() {
            return Err(Error::InvalidInput("give the dashboard a title".into()));
        }
        let mut panels: Vec<Value> = Vec::new();
        for name in &p.signals {
            let name = name.trim();
            let picked: Vec<_> = CATALOGUE
                .iter()
                .filter(|s| s.name == name || s.kind == name)
                .collect();
            if picked.is_empty() {
                let names: Vec<&str> = CATALOGUE.iter().map(|s| s.name.as_str()).collect();
                return Err(Error::InvalidInput(format!(
                    "no signal or kind `{name}`; kinds: gateway, inference, gpu, kubernetes; signals: {}",
                    names.join(", ")
                )));
            }
            for s in picked {
                panels.push(panel(
                    panels.len() + 1,
                    &s.what,
                    &s.query,
                    s.unit.as_deref(),
                    &format!("ktriage signal `{}`", s.name),
                ));
            }
        }
        for q in &p.queries {
            if q.expr.trim().is_empty() {
                return Err(Error::InvalidInput(format!(
                    "query `{}` has an empty expr",
                    q.title
                )));
            }
            panels.push(panel(
                panels.len() + 1,
                &q.title,
                q.expr.trim(),
                q.unit.as_deref(),
                "",
            ));
        }
        if panels.is_empty() {
            return Err(Error::InvalidInput(
                "give signals (e.g. [\"upstream_5xx\", \"kv_cache_usage\", \"gpu\"]) or queries"
                    .into(),
            ));
        }
        if panels.len() > MAX_PANELS {
            return Err(Error::InvalidInput(format!(
                "{} panels is more than {MAX_PANELS}; pick fewer signals or kinds",
                panels.len()
            )));
        }
        let titles = panels
            .iter()
            .map(|p| p["title"].as_str().unwrap_or("").to_string())
            .collect();
        let dashboard = json!({
            "title": title,
            "uid": null,
            "tags": ["ktriage-draft"],
            "editable": true,
            "schemaVersion": 39,
            "time": {"from": "now-1h", "to": "now"},
            "refresh": "30s",
            "templating": {"list": [{
                "name": "datasource", "label": "Prometheus", "type": "datasource",
                "query": "prometheus", "current": {}, "hide": 0,
            }]},
            "panels": panels,
        });
        Ok(Output {
            panels: titles,
            dashboard,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        let json = serde_json::to_string(&o.dashboard).unwrap_or_default();
        w.line(format!(
            "draft \"{}\" with {} panels: {}",
            clip(o.dashboard["title"].as_str().unwrap_or(""), 100),
            o.panels.len(),
            clip(&o.panels.join("; "), 600)
        ));
        w.line("import it in Grafana (Dashboards → New → Import) and pick the Prometheus datasource; nothing was created");
        if !w.line(&json) {
            w.line(format!(
                "(the JSON, {} bytes, is in the structured result; it does not fit this text budget)",
                json.len()
            ));
        }
        w.finish("fewer signals, or read the structured result")
    }
}
