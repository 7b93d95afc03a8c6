//! `grafana_search`: dashboards by title words and tags, with their uids and links — the way in
//! to `grafana_dashboard` and `grafana_panel_data`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::grafana::SearchHit;
use crate::{Clock, Result};

const MAX_HITS: usize = 100;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Title words; omit to list all.
    #[serde(default)]
    pub query: Option<String>,
    /// Tags the dashboard must all carry.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Default 20, max 100.
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub dashboards: Vec<SearchHit>,
    /// True when `limit` stopped the list.
    pub more: bool,
}

pub struct GrafanaSearch;

impl Tool for GrafanaSearch {
    const NAME: &'static str = "grafana_search";
    const DESCRIPTION: &'static str =
        "Grafana dashboards by title words and tags: uid, title, folder, tags, link.";
    const SOURCE: super::Source = super::Source::Grafana;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let grafana = ctx.grafana()?;
        let limit = p.limit.unwrap_or(20).clamp(1, MAX_HITS);
        // One more than asked says whether the list was cut.
        let mut dashboards: Vec<SearchHit> = grafana
            .search(p.query.as_deref().map(str::trim), &p.tags, limit + 1)
            .await?
            .into_iter()
            .filter(|h| h.kind.is_empty() || h.kind == "dash-db")
            .collect();
        let more = dashboards.len() > limit;
        dashboards.truncate(limit);
        for d in &mut dashboards {
            if d.url.starts_with('/') {
                d.url = format!("{}{}", grafana.url(), d.url);
            }
        }
        Ok(Output { dashboards, more })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        if o.dashboards.is_empty() {
            w.line("no dashboard matches (try fewer words, or no tags)");
        }
        w.section("dashboards");
        for d in &o.dashboards {
            w.line(format!(
                "{}  \"{}\"{}{}  {}",
                d.uid,
                clip(&d.title, 120),
                d.folder
                    .as_deref()
                    .map(|f| format!("  folder {}", clip(f, 60)))
                    .unwrap_or_default(),
                if d.tags.is_empty() {
                    String::new()
                } else {
                    format!("  tags {}", clip(&d.tags.join(","), 120))
                },
                d.url
            ));
        }
        if o.more {
            w.line("... more dashboards match (add words or tags, or raise limit=)");
        }
        w.finish("add title words or tags")
    }
}
