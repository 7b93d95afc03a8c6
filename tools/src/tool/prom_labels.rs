//! `prom_labels`: the values one label takes (which namespaces, pods, jobs, GPUs have series),
//! optionally only on series matching a selector — so a query filters on values that exist.

use jiff::SignedDuration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Error, Result};

const MAX_VALUES: usize = 500;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// e.g. `namespace`, `job`, `__name__`.
    pub label: String,
    /// Series selector, e.g. `up{job="vllm"}`.
    #[serde(default)]
    pub selector: Option<String>,
    /// Default 50, max 500.
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    pub values: Vec<String>,
    pub total: usize,
}

pub struct PromLabels;

fn valid_label(l: &str) -> bool {
    let mut chars = l.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Tool for PromLabels {
    const NAME: &'static str = "prom_labels";
    const DESCRIPTION: &'static str = "Values of one Prometheus label over the last hour, optionally on series matching a selector.";
    const SOURCE: super::Source = super::Source::Prometheus;
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let prom = ctx.prom()?;
        let label = p.label.trim();
        if !valid_label(label) {
            return Err(Error::InvalidInput(format!(
                "`{label}` is not a label name (letters, digits and _, not starting with a digit)"
            )));
        }
        let selector = p
            .selector
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let limit = p.limit.unwrap_or(50).clamp(1, MAX_VALUES);
        let now = ctx.clock().now();
        let start = now
            .checked_sub(SignedDuration::from_hours(1))
            .map_err(|e| Error::InvalidInput(format!("window: {e}")))?;
        let mut values = prom.label_values(label, selector, start, now).await?;
        values.sort();
        let total = values.len();
        values.truncate(limit);
        Ok(Output {
            label: label.to_string(),
            selector: selector.map(str::to_string),
            values,
            total,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "{}{}: {} values",
            o.label,
            o.selector
                .as_deref()
                .map(|s| format!(" on {}", clip(s, 200)))
                .unwrap_or_default(),
            o.total
        ));
        w.section("values");
        for v in &o.values {
            w.line(clip(v, 200));
        }
        if o.total > o.values.len() {
            w.line(format!(
                "... {} more (narrow with selector=, or raise limit=)",
                o.total - o.values.len()
            ));
        }
        w.finish("narrow with selector=")
    }
}
