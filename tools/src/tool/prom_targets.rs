//! `prom_targets`: scrape health per job, and every target that is down with its last error —
//! a down target explains missing metrics before any query is blamed.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Result};

const MAX_DOWN: usize = 200;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Regex on the `job` label.
    #[serde(default)]
    pub job: Option<String>,
    /// Down targets listed (default 30, max 200).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct JobHealth {
    pub job: String,
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DownTarget {
    pub job: String,
    pub instance: String,
    pub scrape_url: String,
    pub last_error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scrape: Option<String>,
    /// `namespace/pod` when service discovery says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub jobs: Vec<JobHealth>,
    pub down: Vec<DownTarget>,
    pub total_down: usize,
}

pub struct PromTargets;

impl Tool for PromTargets {
    const NAME: &'static str = "prom_targets";
    const DESCRIPTION: &'static str = "Scrape health per job, and each down target with its last error (why metrics are missing).";
    const SOURCE: super::Source = super::Source::Prometheus;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let prom = ctx.prom()?;
        let job_re = match p.job.as_deref().map(str::trim).filter(|j| !j.is_empty()) {
            Some(j) => Some(regex::Regex::new(&format!("^(?:{j})$")).map_err(|e| {
                crate::Error::InvalidInput(format!("job `{j}` is not a valid regex: {e}"))
            })?),
            None => None,
        };
        let limit = p.limit.unwrap_or(30).clamp(1, MAX_DOWN);
        let data = prom.targets().await?;
        let mut jobs: BTreeMap<String, JobHealth> = BTreeMap::new();
        let mut down = Vec::new();
        for t in data["activeTargets"].as_array().into_iter().flatten() {
            let labels = &t["labels"];
            let job = labels["job"]
                .as_str()
                .or_else(|| t["scrapePool"].as_str())
                .unwrap_or("")
                .to_string();
            if job_re.as_ref().is_some_and(|re| !re.is_match(&job)) {
                continue;
            }
            let entry = jobs.entry(job.clone()).or_insert_with(|| JobHealth {
                job: job.clone(),
                up: 0,
                down: 0,
                unknown: 0,
            });
            match t["health"].as_str() {
                Some("up") => entry.up += 1,
                Some("down") => {
                    entry.down += 1;
                    let d = &t["discoveredLabels"];
                    let pod = match (
                        d["__meta_kubernetes_namespace"].as_str(),
                        d["__meta_kubernetes_pod_name"].as_str(),
                    ) {
                        (Some(ns), Some(pod)) => Some(format!("{ns}/{pod}")),
                        _ => None,
                    };
                    down.push(DownTarget {
                        job,
                        instance: labels["instance"].as_str().unwrap_or("").to_string(),
                        scrape_url: t["scrapeUrl"].as_str().unwrap_or("").to_string(),
                        last_error: t["lastError"].as_str().unwrap_or("").to_string(),
                        last_scrape: t["lastScrape"].as_str().map(str::to_string),
                        pod,
                    });
                }
                _ => entry.unknown += 1,
            }
        }
        let total_down = down.len();
        down.truncate(limit);
        let mut jobs: Vec<JobHealth> = jobs.into_values().collect();
        // Jobs with down targets first.
        jobs.sort_by(|a, b| b.down.cmp(&a.down).then(a.job.cmp(&b.job)));
        Ok(Output {
            jobs,
            down,
            total_down,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        if o.jobs.is_empty() {
            w.line("no active scrape targets (none configured, or the job filter matches none)");
        }
        w.section("jobs");
        for j in &o.jobs {
            w.line(format!(
                "{}  {} up  {} down{}",
                j.job,
                j.up,
                j.down,
                if j.unknown > 0 {
                    format!("  {} unknown", j.unknown)
                } else {
                    String::new()
                }
            ));
        }
        w.section("down targets");
        for d in &o.down {
            w.line(format!(
                "DOWN {} {}{}  {}  error: {}",
                d.job,
                d.instance,
                d.pod
                    .as_deref()
                    .map(|p| format!(" (pod {p})"))
                    .unwrap_or_default(),
                clip(&d.scrape_url, 160),
                clip(&d.last_error, 240)
            ));
        }
        if o.total_down > o.down.len() {
            w.line(format!(
                "... {} more down targets (job= to narrow, or raise limit=)",
                o.total_down - o.down.len()
            ));
        }
        w.finish("job= to narrow")
    }
}
