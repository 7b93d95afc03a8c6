//! `grafana_dashboard`: what one dashboard shows — its rows, panels, their PromQL and units, its
//! variables and links — never the whole JSON model.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::grafana::{PanelInfo, Variable, panels, variables};
use crate::{Clock, Result};

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Dashboard uid (from grafana_search).
    pub uid: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub uid: String,
    pub title: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub variables: Vec<Variable>,
    pub panels: Vec<PanelInfo>,
    pub links: Vec<Link>,
}

pub struct GrafanaDashboard;

impl Tool for GrafanaDashboard {
    const NAME: &'static str = "grafana_dashboard";
    const DESCRIPTION: &'static str = "One Grafana dashboard: panels by row with id, unit and PromQL, variables, links. Run a panel with grafana_panel_data.";
    const SOURCE: super::Source = super::Source::Grafana;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let grafana = ctx.grafana()?;
        let (d, meta) = grafana.dashboard(p.uid.trim()).await?;
        let url = meta["url"]
            .as_str()
            .map(|u| format!("{}{u}", grafana.url()))
            .unwrap_or_else(|| format!("{}/d/{}", grafana.url(), p.uid.trim()));
        let links = d["links"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| {
                let url = l["url"].as_str().filter(|u| !u.is_empty())?;
                Some(Link {
                    title: l["title"].as_str().unwrap_or("").to_string(),
                    url: url.to_string(),
                })
            })
            .collect();
        Ok(Output {
            uid: d["uid"].as_str().unwrap_or(p.uid.trim()).to_string(),
            title: d["title"].as_str().unwrap_or("").to_string(),
            url,
            folder: meta["folderTitle"].as_str().map(str::to_string),
            tags: d["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
            description: d["description"]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            variables: variables(&d),
            panels: panels(&d),
            links,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "{} \"{}\"{}  {} panels  {}",
            o.uid,
            clip(&o.title, 120),
            o.folder
                .as_deref()
                .map(|f| format!("  folder {}", clip(f, 60)))
                .unwrap_or_default(),
            o.panels.len(),
            o.url
        ));
        if let Some(d) = &o.description {
            w.line(format!("about: {}", clip(d, 300)));
        }
        if !o.variables.is_empty() {
            let vars: Vec<String> = o
                .variables
                .iter()
                .map(|v| format!("${}={}", v.name, clip(&v.current.join("|"), 60)))
                .collect();
            w.line(format!("variables: {}", vars.join("  ")));
        }
        // Panels grouped by row, in order; queries shortened, every panel id kept.
        let mut rows: Vec<(Option<&str>, Vec<&PanelInfo>)> = Vec::new();
        for p in &o.panels {
            match rows.last_mut() {
                Some((r, list)) if *r == p.row.as_deref() => list.push(p),
                _ => rows.push((p.row.as_deref(), vec![p])),
            }
        }
        let mut seen_ds: BTreeMap<&str, ()> = BTreeMap::new();
        for (row, list) in rows {
            if let Some(r) = row {
                w.line(format!("row \"{}\"", clip(r, 80)));
            }
            w.section("panels");
            for p in list {
                let ds = p.datasource.as_deref().unwrap_or("default");
                let ds_note = if seen_ds.insert(ds, ()).is_none() {
                    format!("  ds {ds}")
                } else {
                    String::new()
                };
                let queries: Vec<String> = p
                    .queries
                    .iter()
                    .map(|q| format!("{}: {}", q.ref_id, clip(&q.expr, 220)))
                    .collect();
                w.line(format!(
                    "#{} {} [{}{}]{}  {}",
                    p.id,
                    clip(&p.title, 80),
                    p.kind,
                    p.unit
                        .as_deref()
                        .map(|u| format!(", {u}"))
                        .unwrap_or_default(),
                    ds_note,
                    if queries.is_empty() {
                        "(no queries)".to_string()
                    } else {
                        queries.join(" | ")
                    }
                ));
            }
        }
        if !o.links.is_empty() {
            let links: Vec<String> = o
                .links
                .iter()
                .map(|l| format!("{} {}", clip(&l.title, 60), clip(&l.url, 160)))
                .collect();
            w.line(format!("links: {}", links.join("; ")));
        }
        w.finish("run one panel with grafana_panel_data uid= panel_id=")
    }
}
