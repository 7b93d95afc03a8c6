//! `prom_alerts`: what Prometheus is alerting on — firing and pending alerts with their labels,
//! annotations and since when — plus rules that fail to evaluate (a broken rule is an alert that
//! can never fire). With `rules=true`, every rule with its query and health.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Error, Result};

const MAX_ITEMS: usize = 200;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `firing` or `pending`; omit for both.
    #[serde(default)]
    pub state: Option<String>,
    /// Also every rule with its query and health.
    #[serde(default)]
    pub rules: bool,
    /// Default 30, max 200.
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Alert {
    pub name: String,
    pub state: String,
    /// `{k="v", ...}` without `alertname`.
    pub labels: String,
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Rule {
    pub group: String,
    pub name: String,
    /// `alerting` or `recording`.
    pub kind: String,
    pub query: String,
    /// `ok`, `err` or `unknown`.
    pub health: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// For alerting rules: `inactive`, `pending` or `firing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub alerts: Vec<Alert>,
    pub firing: usize,
    pub pending: usize,
    /// Rules whose last evaluation failed.
    pub unhealthy: Vec<Rule>,
    /// Every rule, when asked for.
    pub rules: Vec<Rule>,
    pub total_rules: usize,
    /// Alerts or rules left out by `limit`.
    pub omitted: usize,
}

pub struct PromAlerts;

fn labels_text(v: &Value) -> String {
    let parts: Vec<String> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "alertname")
        .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or("")))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

impl Tool for PromAlerts {
    const NAME: &'static str = "prom_alerts";
    const DESCRIPTION: &'static str =
        "Alerts firing or pending, and rules failing to evaluate; rules=true lists every rule.";
    const SOURCE: super::Source = super::Source::Prometheus;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let prom = ctx.prom()?;
        if let Some(s) = p
            .state
            .as_deref()
            .filter(|s| !matches!(*s, "firing" | "pending"))
        {
            return Err(Error::InvalidInput(format!(
                "state `{s}`: use firing or pending, or omit it"
            )));
        }
        let limit = p.limit.unwrap_or(30).clamp(1, MAX_ITEMS);
        let data = prom.rules().await?;
        let mut alerts = Vec::new();
        let mut rules = Vec::new();
        for g in data["groups"].as_array().into_iter().flatten() {
            let group = g["name"].as_str().unwrap_or("").to_string();
            for r in g["rules"].as_array().into_iter().flatten() {
                let name = r["name"].as_str().unwrap_or("").to_string();
                rules.push(Rule {
                    group: group.clone(),
                    name: name.clone(),
                    kind: r["type"].as_str().unwrap_or("").to_string(),
                    query: r["query"].as_str().unwrap_or("").to_string(),
                    health: r["health"].as_str().unwrap_or("unknown").to_string(),
                    last_error: r["lastError"]
                        .as_str()
                        .filter(|e| !e.is_empty())
                        .map(str::to_string),
                    state: r["state"].as_str().map(str::to_string),
                });
                for a in r["alerts"].as_array().into_iter().flatten() {
                    let state = a["state"].as_str().unwrap_or("").to_string();
                    if p.state.as_deref().is_some_and(|s| s != state) {
                        continue;
                    }
                    alerts.push(Alert {
                        name: name.clone(),
                        state,
                        labels: labels_text(&a["labels"]),
                        annotations: a["annotations"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect(),
                        active_at: a["activeAt"].as_str().map(str::to_string),
                        value: a["value"].as_str().map(str::to_string),
                    });
                }
            }
        }
        // Firing first, then the longest active.
        alerts.sort_by(|a, b| {
            (a.state != "firing", &a.active_at, &a.name).cmp(&(
                b.state != "firing",
                &b.active_at,
                &b.name,
            ))
        });
        let firing = alerts.iter().filter(|a| a.state == "firing").count();
        let pending = alerts.iter().filter(|a| a.state == "pending").count();
        let unhealthy: Vec<Rule> = rules
            .iter()
            .filter(|r| r.health == "err")
            .cloned()
            .collect();
        let total_rules = rules.len();
        let mut omitted = alerts.len().saturating_sub(limit);
        alerts.truncate(limit);
        if p.rules {
            omitted += rules.len().saturating_sub(limit);
            rules.truncate(limit);
        } else {
            rules.clear();
        }
        Ok(Output {
            alerts,
            firing,
            pending,
            unhealthy,
            rules,
            total_rules,
            omitted,
        })
    }

    fn render(o: &Output, budget: Budget, clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "{} firing, {} pending, {} rules ({} failing)",
            o.firing,
            o.pending,
            o.total_rules,
            o.unhealthy.len()
        ));
        if o.total_rules == 0 {
            w.line("no rules are loaded on this Prometheus (alerts may be evaluated elsewhere, e.g. by a ruler)");
        }
        w.section("alerts");
        for a in &o.alerts {
            let since = a
                .active_at
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|t| {
                    let t = t.round(jiff::Unit::Second).unwrap_or(t);
                    // A replay's frozen clock can stand before a live server's alerts.
                    if t <= clock.now() {
                        format!("  since {t} ({} ago)", clock.age(t))
                    } else {
                        format!("  since {t}")
                    }
                })
                .unwrap_or_default();
            w.line(format!(
                "{} {} {}{}{}",
                a.state.to_uppercase(),
                a.name,
                clip(&a.labels, 200),
                since,
                a.value
                    .as_deref()
                    .map(|v| format!("  value {v}"))
                    .unwrap_or_default()
            ));
            for key in ["summary", "description", "message", "runbook_url"] {
                if let Some(v) = a.annotations.get(key).filter(|v| !v.is_empty()) {
                    w.line(format!("    {key}: {}", clip(v, 240)));
                }
            }
        }
        w.section("failing rules");
        for r in &o.unhealthy {
            w.line(format!(
                "FAILING {} ({}/{}): {}",
                r.name,
                r.group,
                r.kind,
                clip(r.last_error.as_deref().unwrap_or("?"), 240)
            ));
        }
        w.section("rules");
        for r in &o.rules {
            w.line(format!(
                "{} {} [{}{}] {}",
                r.kind,
                r.name,
                r.health,
                r.state
                    .as_deref()
                    .map(|s| format!(", {s}"))
                    .unwrap_or_default(),
                clip(&r.query, 200)
            ));
        }
        if o.omitted > 0 {
            w.line(format!("... {} more not shown (raise limit=)", o.omitted));
        }
        w.finish("state=firing, or raise limit=")
    }
}
