//! The tool registry: every tool's name, description and schemas, and one entry point to call a
//! tool by name with JSON arguments. The MCP server and the agent both go through here, so both
//! see the same tools under the same policy, and every answer is redacted on the way out.

use schemars::JsonSchema;
use serde_json::Value;

use crate::budget::estimate_tokens;
use crate::redact::{redact_json, redact_text};
use crate::tool::{Tool, ToolContext};
use crate::tool::{
    cluster_overview::ClusterOverview, describe::Describe, events::Events,
    gateway_routes::GatewayRoutes, grafana_dashboard::GrafanaDashboard,
    grafana_draft_dashboard::GrafanaDraftDashboard, grafana_panel_data::GrafanaPanelData,
    grafana_search::GrafanaSearch, list_objects::ListObjects, list_pods::ListPods, nodes::Nodes,
    pod_logs::PodLogs, prom_alerts::PromAlerts, prom_labels::PromLabels, prom_metrics::PromMetrics,
    prom_query::PromQuery, prom_targets::PromTargets, rollout_history::RolloutHistory,
    signals::Signals, workload_health::WorkloadHealth,
};
use crate::{Error, Result};

/// A tool as a client sees it.
#[derive(Debug, Clone)]
pub struct ToolInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
    pub output_schema: Value,
    /// What it reads: surfaces list a tool only when its source is configured.
    pub source: crate::tool::Source,
}

/// A tool's answer: the compact text, and the same facts as JSON.
#[derive(Debug, Clone)]
pub struct ToolAnswer {
    pub text: String,
    pub structured: Value,
    /// Estimated tokens of `text`.
    pub tokens: usize,
}

fn schema<T: JsonSchema>() -> Value {
    let mut v = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        m.remove("$schema");
        m.remove("title");
    }
    inline_refs(&mut v);
    trim_schema(&mut v);
    v
}

/// Replace every `{"$ref": "#/$defs/X"}` by X itself and drop `$defs`, so each schema stands
/// alone: clients and grammar compilers that embed a tool's schema inside a larger one (the
/// agent's reply schema does) cannot follow a reference to the root it no longer has.
fn inline_refs(v: &mut Value) {
    let defs = v
        .as_object_mut()
        .and_then(|m| m.remove("$defs"))
        .and_then(|d| d.as_object().cloned())
        .unwrap_or_default();
    fn walk(v: &mut Value, defs: &serde_json::Map<String, Value>, depth: usize) {
        if let Some(name) = v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            && let Some(def) = defs.get(name)
            && depth < 8
        {
            let mut def = def.clone();
            // Keep what sat beside the `$ref` (a description).
            if let (Some(m), Some(d)) = (v.as_object(), def.as_object_mut()) {
                for (k, x) in m.iter().filter(|(k, _)| *k != "$ref") {
                    d.entry(k.clone()).or_insert_with(|| x.clone());
                }
            }
            *v = def;
            walk(v, defs, depth + 1);
            return;
        }
        match v {
            Value::Object(m) => m.values_mut().for_each(|x| walk(x, defs, depth)),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, defs, depth)),
            _ => {}
        }
    }
    walk(v, &defs, 0);
}

/// Drop what costs a model tokens and tells it nothing: `"default": null` on optional fields,
/// and Rust's integer `format`s (`uint32`); the `minimum` they come with stays.
fn trim_schema(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.get("default").is_some_and(Value::is_null) {
                m.remove("default");
            }
            if m.get("format").and_then(Value::as_str).is_some_and(|f| {
                f.starts_with("uint") || f.starts_with("int") || f == "double" || f == "float"
            }) {
                m.remove("format");
            }
            m.values_mut().for_each(trim_schema);
        }
        Value::Array(a) => a.iter_mut().for_each(trim_schema),
        _ => {}
    }
}

fn info<T: Tool>() -> ToolInfo {
    ToolInfo {
        name: T::NAME,
        description: T::DESCRIPTION,
        input_schema: schema::<T::Params>(),
        output_schema: schema::<T::Output>(),
        source: T::SOURCE,
    }
}

/// Every tool, in the order clients list them. The schemas are generated once per process:
/// building them costs more than a typical call, and every call checks its tool's name here.
pub fn tools() -> &'static [ToolInfo] {
    static TOOLS: std::sync::LazyLock<Vec<ToolInfo>> = std::sync::LazyLock::new(all_tools);
    &TOOLS
}

fn all_tools() -> Vec<ToolInfo> {
    vec![
        info::<ClusterOverview>(),
        info::<ListPods>(),
        info::<Describe>(),
        info::<Events>(),
        info::<PodLogs>(),
        info::<RolloutHistory>(),
        info::<GatewayRoutes>(),
        info::<Nodes>(),
        info::<WorkloadHealth>(),
        info::<ListObjects>(),
        info::<PromQuery>(),
        info::<PromMetrics>(),
        info::<PromLabels>(),
        info::<PromAlerts>(),
        info::<PromTargets>(),
        info::<Signals>(),
        info::<GrafanaSearch>(),
        info::<GrafanaDashboard>(),
        info::<GrafanaPanelData>(),
        info::<GrafanaDraftDashboard>(),
    ]
}

async fn run<T: Tool>(ctx: &ToolContext, args: Value) -> Result<ToolAnswer> {
    let profile = ctx.kube.profile();
    if !profile.allows_tool(T::NAME) {
        return Err(Error::Denied(format!(
            "profile `{}` does not allow the tool `{}`",
            profile.name,
            T::NAME
        )));
    }
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    let params: T::Params = serde_json::from_value(args)
        .map_err(|e| Error::InvalidInput(format!("invalid arguments for {}: {e}", T::NAME)))?;
    let output = T::run(ctx, params).await?;
    let mut structured = serde_json::to_value(&output).map_err(|e| {
        Error::InvalidInput(format!("{} output could not be encoded: {e}", T::NAME))
    })?;
    redact_json(&mut structured);
    let text = redact_text(&T::render(&output, ctx.budget, ctx.clock())).into_owned();
    let tokens = estimate_tokens(&text);
    Ok(ToolAnswer {
        text,
        structured,
        tokens,
    })
}

/// Call a tool by name. Errors are written for the caller to act on.
pub async fn call(ctx: &ToolContext, name: &str, args: Value) -> Result<ToolAnswer> {
    match name {
        ClusterOverview::NAME => run::<ClusterOverview>(ctx, args).await,
        ListPods::NAME => run::<ListPods>(ctx, args).await,
        Describe::NAME => run::<Describe>(ctx, args).await,
        Events::NAME => run::<Events>(ctx, args).await,
        PodLogs::NAME => run::<PodLogs>(ctx, args).await,
        RolloutHistory::NAME => run::<RolloutHistory>(ctx, args).await,
        GatewayRoutes::NAME => run::<GatewayRoutes>(ctx, args).await,
        Nodes::NAME => run::<Nodes>(ctx, args).await,
        WorkloadHealth::NAME => run::<WorkloadHealth>(ctx, args).await,
        ListObjects::NAME => run::<ListObjects>(ctx, args).await,
        PromQuery::NAME => run::<PromQuery>(ctx, args).await,
        PromMetrics::NAME => run::<PromMetrics>(ctx, args).await,
        PromLabels::NAME => run::<PromLabels>(ctx, args).await,
        PromAlerts::NAME => run::<PromAlerts>(ctx, args).await,
        PromTargets::NAME => run::<PromTargets>(ctx, args).await,
        Signals::NAME => run::<Signals>(ctx, args).await,
        GrafanaSearch::NAME => run::<GrafanaSearch>(ctx, args).await,
        GrafanaDashboard::NAME => run::<GrafanaDashboard>(ctx, args).await,
        GrafanaPanelData::NAME => run::<GrafanaPanelData>(ctx, args).await,
        GrafanaDraftDashboard::NAME => run::<GrafanaDraftDashboard>(ctx, args).await,
        other => {
            let names: Vec<&str> = tools().iter().map(|t| t.name).collect();
            Err(Error::InvalidInput(format!(
                "unknown tool `{other}`; tools: {}",
                names.join(", ")
            )))
        }
    }
}
