//! A read-only Grafana HTTP API client, and what the Grafana tools make of a dashboard model:
//! its panels (rows flattened), their queries with variables filled in, units and links.
//!
//! Read-only by construction: the client has GETs and one POST, to `/api/ds/query` (Grafana's
//! query endpoint, which only reads). There is no way to send anything else.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::prom::RawSeries;
use crate::{Error, Result};

/// Where Grafana is and how to reach it.
#[derive(Debug, Clone)]
pub struct GrafanaConfig {
    /// Base URL, e.g. `https://grafana.example.com` (with any sub-path Grafana is served under).
    pub url: String,
    /// A service-account token (`Auth::Bearer`), or basic auth.
    pub auth: crate::http::Auth,
    /// `X-Grafana-Org-Id`, when not the token's default org.
    pub org_id: Option<u64>,
    pub tls: crate::http::Tls,
    pub timeout: Duration,
}

impl GrafanaConfig {
    /// `url` without authentication, platform TLS roots, a 30 s timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: crate::http::Auth::None,
            org_id: None,
            tls: crate::http::Tls::default(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A Grafana client: GETs, plus POST `/api/ds/query` which runs datasource queries.
#[derive(Clone)]
pub struct GrafanaClient {
    http: reqwest::Client,
    base: String,
    auth: crate::http::Auth,
    org_id: Option<u64>,
}

impl std::fmt::Debug for GrafanaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrafanaClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// One `/api/search` hit.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SearchHit {
    pub uid: String,
    pub title: String,
    /// `dash-db` or `dash-folder`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(
        rename = "folderTitle",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub folder: Option<String>,
    /// Path on the Grafana server, e.g. `/d/uid/slug`.
    #[serde(default)]
    pub url: String,
}

impl GrafanaClient {
    pub fn new(cfg: &GrafanaConfig) -> Result<Self> {
        let base = cfg.url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::InvalidInput(format!(
                "Grafana URL `{}` must start with http:// or https://",
                cfg.url
            )));
        }
        Ok(Self {
            http: crate::http::client("Grafana", &cfg.tls, cfg.timeout)?,
            base,
            auth: cfg.auth.clone(),
            org_id: cfg.org_id,
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut req = self.auth.apply(req);
        if let Some(o) = self.org_id {
            req = req.header("X-Grafana-Org-Id", o.to_string());
        }
        req.header("Accept", "application/json")
    }

    /// Send; the status and the body (JSON, or `Null` when it is not JSON) and its text.
    async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Value, String)> {
        let resp = req.send().await.map_err(|e| {
            Error::Metrics(format!(
                "Grafana at {} is unreachable: {}; check --grafana-url and that the server is up",
                self.base,
                crate::error::chain(&e)
            ))
        })?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| Error::Metrics(format!("reading Grafana's answer: {e}")))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok((status, body, text))
    }

    fn error(&self, what: &str, status: reqwest::StatusCode, body: &Value, text: &str) -> Error {
        let msg = body["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| crate::budget::clip(text.trim(), 200));
        match status.as_u16() {
            401 | 403 => Error::Denied(format!(
                "Grafana refused {what} ({status}): {msg}; check --grafana-token-file (a service-account token with the Viewer role)"
            )),
            404 => Error::NotFound(format!("Grafana: {what}: {msg}")),
            400 | 422 => Error::InvalidInput(format!("Grafana rejected {what}: {msg}")),
            _ => Error::Metrics(format!("Grafana error on {what} ({status}): {msg}")),
        }
    }

    async fn answer(&self, what: &str, req: reqwest::RequestBuilder) -> Result<Value> {
        let (status, body, text) = self.send(req).await?;
        if !status.is_success() {
            return Err(self.error(what, status, &body, &text));
        }
        if body.is_null() {
            return Err(Error::Metrics(format!(
                "Grafana at {} answered {what} with a body that is not JSON (is the URL Grafana's?)",
                self.base
            )));
        }
        Ok(body)
    }

    async fn get(&self, what: &str, path: &str, params: &[(&str, String)]) -> Result<Value> {
        let req = self
            .auth(self.http.get(format!("{}{path}", self.base)))
            .query(params);
        self.answer(what, req).await
    }

    /// Dashboards (and folders) matching a free-text query and all of `tags`.
    pub async fn search(
        &self,
        query: Option<&str>,
        tags: &[String],
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let mut params: Vec<(&str, String)> = vec![("limit", limit.to_string())];
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            params.push(("query", q.to_string()));
        }
        for t in tags {
            params.push(("tag", t.clone()));
        }
        let v = self.get("search", "/api/search", &params).await?;
        serde_json::from_value(v)
            .map_err(|e| Error::Metrics(format!("Grafana's search answer is not a hit list: {e}")))
    }

    /// The dashboard model and its meta, as `GET /api/dashboards/uid/:uid` returns them.
    pub async fn dashboard(&self, uid: &str) -> Result<(Value, Value)> {
        // Grafana uids are letters, digits, `-` and `_`; anything else would change the path.
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if uid.is_empty() || uid.len() > 128 || !uid.chars().all(plain) {
            return Err(Error::InvalidInput(format!(
                "`{uid}` is not a dashboard uid (find uids with grafana_search)"
            )));
        }
        let mut v = self
            .get(
                &format!("dashboard {uid}"),
                &format!("/api/dashboards/uid/{uid}"),
                &[],
            )
            .await?;
        Ok((v["dashboard"].take(), v["meta"].take()))
    }

    /// The datasources (uid, name, type, default).
    pub async fn datasources(&self) -> Result<Vec<Value>> {
        let v = self.get("datasources", "/api/datasources", &[]).await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// Run Prometheus queries through Grafana (`POST /api/ds/query`) over `[from, to]`.
    /// Returns, per refId, the series or the error Grafana reported for that query.
    pub async fn query_range(
        &self,
        queries: &[PanelQuery],
        datasource_uid: &str,
        from: Timestamp,
        to: Timestamp,
        step_secs: u32,
    ) -> Result<BTreeMap<String, std::result::Result<Vec<RawSeries>, String>>> {
        let qs: Vec<Value> = queries
            .iter()
            .map(|q| {
                json!({
                    "refId": q.ref_id,
                    "datasource": {"type": "prometheus", "uid": datasource_uid},
                    "expr": q.expr,
                    "range": true,
                    "instant": false,
                    "intervalMs": u64::from(step_secs) * 1000,
                    "maxDataPoints": 1000,
                })
            })
            .collect();
        let body = json!({
            "queries": qs,
            "from": from.as_millisecond().to_string(),
            "to": to.as_millisecond().to_string(),
        });
        let req = self
            .auth(self.http.post(format!("{}/api/ds/query", self.base)))
            .json(&body);
        // A failing query answers 400 with the per-query errors in `results`; keep them.
        let (status, v, text) = self.send(req).await?;
        if v["results"].is_object() {
            return Ok(parse_frames(&v));
        }
        if !status.is_success() {
            return Err(self.error("a panel query", status, &v, &text));
        }
        Err(Error::Metrics(format!(
            "Grafana at {} answered a panel query without `results` (is the URL Grafana's?)",
            self.base
        )))
    }
}

/// Series per refId from a `/api/ds/query` answer (Grafana data frames: a time field and one
/// number field per series, its labels on the field).
pub fn parse_frames(v: &Value) -> BTreeMap<String, std::result::Result<Vec<RawSeries>, String>> {
    let mut out = BTreeMap::new();
    let Some(results) = v["results"].as_object() else {
        return out;
    };
    for (ref_id, r) in results {
        if let Some(err) = r["error"].as_str().filter(|e| !e.is_empty()) {
            out.insert(ref_id.clone(), Err(err.to_string()));
            continue;
        }
        let mut series = Vec::new();
        for frame in r["frames"].as_array().into_iter().flatten() {
            let fields = frame["schema"]["fields"].as_array();
            let values = frame["data"]["values"].as_array();
            let (Some(fields), Some(values)) = (fields, values) else {
                continue;
            };
            let Some(ti) = fields.iter().position(|f| f["type"] == "time") else {
                continue;
            };
            let times: Vec<Option<f64>> = values
                .get(ti)
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|t| t.as_f64().map(|ms| ms / 1000.0)).collect())
                .unwrap_or_default();
            for (i, f) in fields.iter().enumerate() {
                if f["type"] != "number" {
                    continue;
                }
                let labels: BTreeMap<String, String> = f["labels"]
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let points = values
                    .get(i)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .zip(&times)
                            .filter_map(|(v, t)| Some(((*t)?, v.as_f64()?)))
                            .collect()
                    })
                    .unwrap_or_default();
                series.push(RawSeries { labels, points });
            }
        }
        out.insert(ref_id.clone(), Ok(series));
    }
    out
}

/// One query of a panel, variables filled in.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PanelQuery {
    #[serde(rename = "ref_id")]
    pub ref_id: String,
    pub expr: String,
    /// The legend format, when the panel sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legend: Option<String>,
}

/// A panel, flattened out of its row.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PanelInfo {
    pub id: u64,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The row it sits under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Datasource uid (or name, or `${var}`); `None` means the default datasource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasource: Option<String>,
    /// `prometheus`, `loki`, ... when the panel says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasource_type: Option<String>,
    pub queries: Vec<PanelQuery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A dashboard variable and its current value.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Variable {
    pub name: String,
    /// `query`, `custom`, `datasource`, `constant`, `interval`, `textbox`...
    #[serde(rename = "type")]
    pub kind: String,
    /// The current value(s).
    pub current: Vec<String>,
    /// The query that lists its values (for `query` variables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

fn datasource_ref(v: &Value) -> (Option<String>, Option<String>) {
    match v {
        Value::String(s) => (Some(s.clone()), None),
        Value::Object(o) => (
            o.get("uid").and_then(Value::as_str).map(str::to_string),
            o.get("type").and_then(Value::as_str).map(str::to_string),
        ),
        _ => (None, None),
    }
}

/// Every panel of a dashboard model in reading order; panels inside collapsed rows included.
pub fn panels(dashboard: &Value) -> Vec<PanelInfo> {
    fn walk(list: &Value, row: Option<&str>, out: &mut Vec<PanelInfo>) {
        let mut row_now = row.map(str::to_string);
        for p in list.as_array().into_iter().flatten() {
            let kind = p["type"].as_str().unwrap_or("").to_string();
            let title = p["title"].as_str().unwrap_or("").to_string();
            if kind == "row" {
                row_now = Some(title.clone());
                // A collapsed row keeps its panels inside it.
                walk(&p["panels"], Some(&title), out);
                continue;
            }
            let (ds, ds_type) = datasource_ref(&p["datasource"]);
            let queries = p["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|t| t["hide"] != true)
                .filter_map(|t| {
                    // Prometheus targets carry `expr`; others (Loki too) `expr` or `query`.
                    let expr = t["expr"].as_str().or_else(|| t["query"].as_str())?;
                    Some(PanelQuery {
                        ref_id: t["refId"].as_str().unwrap_or("A").to_string(),
                        expr: expr.to_string(),
                        legend: t["legendFormat"]
                            .as_str()
                            .filter(|l| !l.is_empty() && *l != "__auto")
                            .map(str::to_string),
                    })
                })
                .collect();
            // Target-level datasources count when the panel names none (or "-- Mixed --").
            let (ds, ds_type) = match ds.as_deref() {
                None | Some("-- Mixed --") => {
                    let t = datasource_ref(&p["targets"][0]["datasource"]);
                    if t.0.is_some() { t } else { (ds, ds_type) }
                }
                _ => (ds, ds_type),
            };
            out.push(PanelInfo {
                id: p["id"].as_u64().unwrap_or(0),
                title,
                kind,
                row: row_now.clone(),
                unit: p["fieldConfig"]["defaults"]["unit"]
                    .as_str()
                    .filter(|u| !u.is_empty())
                    .map(str::to_string),
                datasource: ds,
                datasource_type: ds_type,
                queries,
                description: p["description"]
                    .as_str()
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
            });
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], None, &mut out);
    // Dashboards from before schema 16 keep panels under `rows`.
    for r in dashboard["rows"].as_array().into_iter().flatten() {
        walk(&r["panels"], r["title"].as_str(), &mut out);
    }
    out
}

/// The dashboard's variables with their current values.
pub fn variables(dashboard: &Value) -> Vec<Variable> {
    dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let name = v["name"].as_str()?.to_string();
            let current = match &v["current"]["value"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                _ => match &v["query"] {
                    // constants and textboxes keep their value in `query`.
                    Value::String(s)
                        if matches!(v["type"].as_str(), Some("constant" | "textbox")) =>
                    {
                        vec![s.clone()]
                    }
                    _ => Vec::new(),
                },
            };
            let query = match &v["query"] {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Object(o) => o.get("query").and_then(Value::as_str).map(str::to_string),
                _ => None,
            };
            Some(Variable {
                name,
                kind: v["type"].as_str().unwrap_or("query").to_string(),
                current,
                query: query.filter(|_| v["type"] == "query"),
            })
        })
        .collect()
}

/// Fill `$var`, `${var}`, `${var:fmt}` and `[[var]]` from `values`, and Grafana's built-in
/// `$__rate_interval`, `$__interval`, `$__range` from the window. Multi-values become a regex
/// alternation, `$__all` becomes `.*`. Unknown variables are left as they are.
pub fn interpolate(
    expr: &str,
    values: &BTreeMap<String, Vec<String>>,
    step_secs: u32,
    range_secs: u64,
) -> String {
    let builtin = |name: &str| -> Option<String> {
        Some(match name {
            // Grafana: max(4 × scrape interval, interval + scrape interval); 15 s scrapes.
            "__rate_interval" => format!("{}s", (step_secs + 15).max(60)),
            "__interval" => format!("{step_secs}s"),
            "__interval_ms" => (u64::from(step_secs) * 1000).to_string(),
            "__range" => format!("{range_secs}s"),
            "__range_s" => range_secs.to_string(),
            "__range_ms" => (range_secs * 1000).to_string(),
            _ => return None,
        })
    };
    let value = |name: &str| -> Option<String> {
        if let Some(b) = builtin(name) {
            return Some(b);
        }
        let vs = values.get(name)?;
        Some(match vs.as_slice() {
            [] => String::new(),
            [one] if one == "$__all" => ".*".into(),
            [one] => one.clone(),
            many => format!("({})", many.join("|")),
        })
    };
    let ident = |s: &str| -> usize {
        s.char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(s.len(), |(i, _)| i)
    };
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(i) = rest.find(['$', '[']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (name, used) = if let Some(t) = tail.strip_prefix("${") {
            match t.find('}') {
                Some(end) => {
                    let inner = &t[..end];
                    (inner.split(':').next().unwrap_or(""), end + 3)
                }
                None => ("", 0),
            }
        } else if let Some(t) = tail.strip_prefix("[[") {
            match t.find("]]") {
                Some(end) => (t[..end].split(':').next().unwrap_or(""), end + 4),
                None => ("", 0),
            }
        } else if let Some(t) = tail.strip_prefix('$') {
            let n = ident(t);
            (&t[..n], n + 1)
        } else {
            ("", 0)
        };
        match (used, value(name)) {
            (u, Some(v)) if u > 0 && !name.is_empty() => {
                out.push_str(&v);
                rest = &tail[u..];
            }
            _ => {
                let c = tail.chars().next().map_or(1, char::len_utf8);
                out.push_str(&tail[..c]);
                rest = &tail[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A deep link to a dashboard (or one panel of it) over `[from, to]`, for the human.
pub fn deep_link(
    base: &str,
    dashboard_url: &str,
    uid: &str,
    panel: Option<u64>,
    from: Timestamp,
    to: Timestamp,
) -> String {
    let path = if dashboard_url.starts_with('/') {
        dashboard_url.to_string()
    } else {
        format!("/d/{uid}")
    };
    let mut link = format!(
        "{base}{path}?from={}&to={}",
        from.as_millisecond(),
        to.as_millisecond()
    );
    if let Some(id) = panel {
        link.push_str(&format!("&viewPanel={id}"));
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_in_every_syntax() {
        let mut v = BTreeMap::new();
        v.insert("namespace".to_string(), vec!["llm-serving".to_string()]);
        v.insert("pod".to_string(), vec!["a".to_string(), "b".to_string()]);
        v.insert("all".to_string(), vec!["$__all".to_string()]);
        let got = interpolate(
            r#"sum(rate(x{namespace="$namespace",pod=~"${pod:regex}",job=~"[[all]]",y="$unknown"}[$__rate_interval])) by (le) [5m]"#,
            &v,
            30,
            3600,
        );
        assert_eq!(
            got,
            r#"sum(rate(x{namespace="llm-serving",pod=~"(a|b)",job=~".*",y="$unknown"}[60s])) by (le) [5m]"#
        );
    }

    #[test]
    fn rows_are_flattened_and_collapsed_rows_kept() {
        let d = json!({"panels": [
            {"type": "row", "title": "Gateway", "id": 1, "panels": []},
            {"type": "timeseries", "title": "5xx", "id": 2,
             "datasource": {"type": "prometheus", "uid": "prom"},
             "fieldConfig": {"defaults": {"unit": "reqps"}},
             "targets": [{"refId": "A", "expr": "up"}, {"refId": "B", "expr": "x", "hide": true}]},
            {"type": "row", "title": "GPU", "id": 3, "collapsed": true, "panels": [
                {"type": "stat", "title": "Power", "id": 4, "targets": [{"refId": "A", "expr": "p"}]}
            ]}
        ]});
        let p = panels(&d);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].row.as_deref(), Some("Gateway"));
        assert_eq!(p[0].queries.len(), 1, "hidden queries are skipped");
        assert_eq!(p[0].unit.as_deref(), Some("reqps"));
        assert_eq!(p[1].row.as_deref(), Some("GPU"));
        assert_eq!(p[1].datasource, None);
    }

    #[test]
    fn frames_become_series() {
        let v = json!({"results": {
            "A": {"status": 200, "frames": [{"schema": {"fields": [
                {"name": "Time", "type": "time"},
                {"name": "Value", "type": "number", "labels": {"pod": "p1"}}]},
                "data": {"values": [[1000, 2000], [1.5, null]]}}]},
            "B": {"status": 400, "error": "parse error"}
        }});
        let got = parse_frames(&v);
        let a = got["A"].as_ref().expect("A");
        assert_eq!(a[0].labels["pod"], "p1");
        assert_eq!(a[0].points, vec![(1.0, 1.5)]);
        assert_eq!(got["B"].as_ref().expect_err("B"), "parse error");
    }
}
