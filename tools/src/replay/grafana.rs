//! The Grafana replay: a snapshot's `grafana/*.json` served through the subset of Grafana's HTTP
//! API that ktriage's Grafana tools and `mcp-grafana` use:
//!
//! - `GET /api/health`, `/api/frontend/settings`, `/api/user`, `/api/folders`;
//! - `GET /api/search` (`query`, `tag`, `type`, `dashboardUIDs`, `limit`);
//! - `GET /api/dashboards/uid/:uid` (the `{dashboard, meta}` envelope);
//! - `GET /api/datasources`, `/api/datasources/uid/:uid`, `/api/datasources/name/:name`,
//!   `/api/datasources/:id`: every Prometheus datasource a panel names (and `prometheus`, the
//!   default) maps to the scenario's Prometheus (SCENARIOS.md);
//! - `POST /api/ds/query`: Prometheus queries answered as Grafana data frames;
//! - `GET|POST /api/datasources/proxy/uid/:uid/api/v1/...` and
//!   `/api/datasources/uid/:uid/resources/api/v1/...`: Prometheus' read API, proxied.
//!
//! Relative times (`now-1h`) and instant queries without a time use the snapshot's frozen
//! `now`. Every other method or path answers 405 or 404 and writes are counted, as in the
//! Kubernetes replay.

#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::prom::{PromClient, PromConfig, RawSeries};
use crate::{Error, Result};

/// The Grafana version the replay reports (the API subset matches Grafana 11).
pub const VERSION: &str = "11.3.0";

/// One dashboard of the snapshot.
#[derive(Debug, Clone)]
struct Dashboard {
    uid: String,
    title: String,
    tags: Vec<String>,
    model: Value,
    folder: Option<String>,
}

impl Dashboard {
    fn slug(&self) -> String {
        let mut s = String::new();
        for c in self.title.chars() {
            if c.is_ascii_alphanumeric() {
                s.push(c.to_ascii_lowercase());
            } else if !s.ends_with('-') && !s.is_empty() {
                s.push('-');
            }
        }
        s.trim_end_matches('-').to_string()
    }

    fn url(&self) -> String {
        format!("/d/{}/{}", self.uid, self.slug())
    }
}

/// A request the Grafana replay served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrafanaRequest {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Whether it could change anything (every method but GET/HEAD, except Grafana's query
    /// endpoints, which only read).
    pub mutating: bool,
}

struct GrafanaState {
    dashboards: Vec<Dashboard>,
    /// Datasource uids the dashboards name; all map to the one Prometheus.
    datasources: Vec<String>,
    prom: Option<PromClient>,
    proxy: reqwest::Client,
    clock: Clock,
    log: Mutex<Vec<GrafanaRequest>>,
}

/// A running Grafana replay. Dropping it stops the server.
pub struct GrafanaReplay {
    addr: SocketAddr,
    state: Arc<GrafanaState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for GrafanaReplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrafanaReplay")
            .field("addr", &self.addr)
            .field("dashboards", &self.state.dashboards.len())
            .finish()
    }
}

/// Load `dir/*.json`: each the dashboard model or the `{dashboard, meta}` envelope.
fn load(dir: &Path) -> Result<Vec<Dashboard>> {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    files.sort();
    let mut out: Vec<Dashboard> = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)
            .map_err(|e| Error::Snapshot(format!("reading {}: {e}", f.display())))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| Error::Snapshot(format!("{} is not JSON: {e}", f.display())))?;
        let (model, folder) = if v["dashboard"].is_object() {
            (
                v["dashboard"].clone(),
                v["meta"]["folderTitle"].as_str().map(str::to_string),
            )
        } else {
            (v, None)
        };
        let (Some(uid), Some(title)) = (model["uid"].as_str(), model["title"].as_str()) else {
            return Err(Error::Snapshot(format!(
                "{}: a dashboard needs `uid` and `title` (SCENARIOS.md)",
                f.display()
            )));
        };
        if out.iter().any(|d| d.uid == uid) {
            return Err(Error::Snapshot(format!(
                "{}: dashboard uid `{uid}` appears twice",
                f.display()
            )));
        }
        out.push(Dashboard {
            uid: uid.to_string(),
            title: title.to_string(),
            tags: model["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
            folder,
            model,
        });
    }
    Ok(out)
}

/// Datasource uids (or names) the dashboards' panels and targets name, `prometheus` first.
fn datasource_uids(dashboards: &[Dashboard]) -> Vec<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(o) => {
                match o.get("datasource") {
                    Some(Value::Object(ds)) => {
                        if let Some(uid) = ds.get("uid").and_then(Value::as_str)
                            && !uid.starts_with('$')
                            && !uid.starts_with("-- ")
                            && ds
                                .get("type")
                                .and_then(Value::as_str)
                                .unwrap_or("prometheus")
                                == "prometheus"
                        {
                            out.insert(uid.to_string());
                        }
                    }
                    Some(Value::String(s)) if !s.starts_with('$') && !s.starts_with("-- ") => {
                        out.insert(s.clone());
                    }
                    _ => {}
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut set = BTreeSet::new();
    for d in dashboards {
        walk(&d.model["panels"], &mut set);
    }
    set.remove("prometheus");
    let mut out = vec!["prometheus".to_string()];
    out.extend(set);
    out
}

impl GrafanaReplay {
    /// Serve `snapshot_root/grafana/*.json` on `listen`, answering datasource queries from the
    /// Prometheus at `prometheus_url` (when there is one). Must run inside a tokio runtime.
    pub async fn start(
        snapshot_root: &Path,
        clock: Clock,
        prometheus_url: Option<String>,
        listen: SocketAddr,
    ) -> Result<Self> {
        let dashboards = load(&snapshot_root.join("grafana"))?;
        let datasources = datasource_uids(&dashboards);
        let prom = match &prometheus_url {
            Some(url) => Some(PromClient::new(&PromConfig::new(url.clone()))?),
            None => None,
        };
        let state = Arc::new(GrafanaState {
            dashboards,
            datasources,
            prom,
            proxy: crate::http::client(
                "the Grafana replay's datasource proxy",
                &crate::http::Tls::default(),
                std::time::Duration::from_secs(30),
            )?,
            clock,
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (addr, tx) = super::serve(listen, app, "grafana replay").await?;
        tracing::info!(%addr, dashboards = state.dashboards.len(), "grafana replay listening");
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Number of dashboards served.
    pub fn dashboards(&self) -> usize {
        self.state.dashboards.len()
    }

    /// Requests served so far (the first 100,000).
    pub fn requests(&self) -> Vec<GrafanaRequest> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for GrafanaReplay {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn json_response(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

fn message(status: u16, msg: &str) -> Response {
    json_response(status, &json!({ "message": msg }))
}

/// Prometheus read endpoints the datasource proxy forwards (POST is how Prometheus clients
/// send long queries; it reads all the same).
fn proxied_read(rest: &str) -> bool {
    matches!(
        rest,
        "api/v1/query"
            | "api/v1/query_range"
            | "api/v1/series"
            | "api/v1/labels"
            | "api/v1/metadata"
            | "api/v1/targets"
            | "api/v1/rules"
            | "api/v1/alerts"
            | "api/v1/query_exemplars"
            | "api/v1/status/buildinfo"
    ) || (rest.starts_with("api/v1/label/") && rest.ends_with("/values"))
}

async fn handle(
    State(state): State<Arc<GrafanaState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("");
    let read = matches!(method, Method::GET | Method::HEAD);
    // The datasource proxy, and the resource API newer clients (mcp-grafana) use instead.
    let proxy_rest = path
        .strip_prefix("/api/datasources/proxy/uid/")
        .and_then(|r| r.split_once('/'))
        .or_else(|| {
            let (uid, rest) = path
                .strip_prefix("/api/datasources/uid/")?
                .split_once('/')?;
            Some((uid, rest.strip_prefix("resources/")?))
        })
        .map(|(uid, rest)| (uid.to_string(), rest.to_string()));
    let query_endpoint = method == Method::POST
        && (path == "/api/ds/query" || proxy_rest.as_ref().is_some_and(|(_, r)| proxied_read(r)));
    let response = if !read && !query_endpoint {
        message(
            405,
            &format!("the ktriage Grafana replay is read-only: {method} {path} is not allowed"),
        )
    } else if let Some((uid, rest)) = proxy_rest {
        proxy(&state, &method, &uid, &rest, query, &headers, body).await
    } else if path == "/api/ds/query" {
        if method == Method::POST {
            ds_query(&state, &body).await
        } else {
            message(405, "use POST for /api/ds/query")
        }
    } else {
        route(&state, &path, query)
    };
    tracing::debug!(%method, %path, status = response.status().as_u16(), "grafana replay request");
    if let Ok(mut log) = state.log.lock()
        && log.len() < 100_000
    {
        log.push(GrafanaRequest {
            method: method.to_string(),
            path,
            status: response.status().as_u16(),
            mutating: !read && !query_endpoint,
        });
    }
    response
}

fn params(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (pct_decode(k), pct_decode(v))
        })
        .collect()
}

fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn datasource_json(state: &GrafanaState, uid: &str) -> Value {
    let id = state
        .datasources
        .iter()
        .position(|d| d == uid)
        .map_or(1, |i| i + 1);
    json!({
        "id": id,
        "uid": uid,
        "orgId": 1,
        "name": if uid == "prometheus" { "Prometheus".to_string() } else { uid.to_string() },
        "type": "prometheus",
        "typeName": "Prometheus",
        "access": "proxy",
        "url": state.prom.as_ref().map(PromClient::url).unwrap_or_default(),
        "basicAuth": false,
        "isDefault": uid == "prometheus",
        "jsonData": {"httpMethod": "POST", "timeInterval": "15s"},
        "readOnly": true,
    })
}

fn route(state: &GrafanaState, path: &str, query: &str) -> Response {
    match path {
        "/api/health" => json_response(
            200,
            &json!({"commit": "ktriage-replay", "database": "ok", "version": VERSION}),
        ),
        "/api/frontend/settings" => json_response(
            200,
            &json!({"buildInfo": {"version": VERSION, "commit": "ktriage-replay", "edition": "Open Source"}}),
        ),
        "/api/user" => json_response(
            200,
            &json!({"id": 1, "uid": "replay", "login": "replay", "name": "ktriage replay", "orgId": 1, "isGrafanaAdmin": false}),
        ),
        "/api/folders" => json_response(200, &json!([])),
        "/api/search" => search(state, query),
        "/api/datasources" => json_response(
            200,
            &Value::Array(
                state
                    .datasources
                    .iter()
                    .map(|d| datasource_json(state, d))
                    .collect(),
            ),
        ),
        _ => {
            if let Some(uid) = path.strip_prefix("/api/dashboards/uid/") {
                return match state.dashboards.iter().find(|d| d.uid == uid) {
                    Some(d) => json_response(
                        200,
                        &json!({
                            "dashboard": d.model,
                            "meta": {
                                "type": "db", "canSave": false, "canEdit": false, "canAdmin": false,
                                "canStar": false, "canDelete": false, "slug": d.slug(), "url": d.url(),
                                "expires": "0001-01-01T00:00:00Z", "created": "2026-01-01T00:00:00Z",
                                "updated": "2026-01-01T00:00:00Z", "updatedBy": "replay", "createdBy": "replay",
                                "version": d.model["version"].as_u64().unwrap_or(1), "hasAcl": false,
                                "isFolder": false, "folderId": 0, "folderUid": "",
                                "folderTitle": d.folder.clone().unwrap_or_else(|| "General".into()),
                                "folderUrl": "", "provisioned": true, "provisionedExternalId": "",
                            }
                        }),
                    ),
                    None => message(404, "Dashboard not found"),
                };
            }
            // By uid, by name (each is named after its uid, but the default `Prometheus`), or by
            // id (its place in the list, from 1).
            let by_name = path
                .strip_prefix("/api/datasources/name/")
                .map(|n| if n == "Prometheus" { "prometheus" } else { n });
            let ds = path
                .strip_prefix("/api/datasources/uid/")
                .or(by_name)
                .map(str::to_string)
                .or_else(|| {
                    let id: usize = path.strip_prefix("/api/datasources/")?.parse().ok()?;
                    state.datasources.get(id.checked_sub(1)?).cloned()
                });
            match ds {
                Some(uid) if state.datasources.contains(&uid) => {
                    json_response(200, &datasource_json(state, &uid))
                }
                Some(_) => message(404, "Data source not found"),
                None => message(404, "Not found"),
            }
        }
    }
}

fn search(state: &GrafanaState, query: &str) -> Response {
    let mut text: Option<String> = None;
    let mut tags: Vec<String> = Vec::new();
    let mut uids: Vec<String> = Vec::new();
    let mut kind: Option<String> = None;
    let mut limit = 1000usize;
    for (k, v) in params(query) {
        match k.as_str() {
            "query" => text = Some(v.to_lowercase()),
            "tag" => tags.push(v),
            "type" => kind = Some(v),
            "dashboardUIDs" | "dashboardUID" => uids.extend(v.split(',').map(str::to_string)),
            "limit" => limit = v.parse().unwrap_or(1000).clamp(1, 5000),
            _ => {}
        }
    }
    if kind.as_deref() == Some("dash-folder") {
        return json_response(200, &json!([]));
    }
    let mut hits: Vec<&Dashboard> = state
        .dashboards
        .iter()
        .filter(|d| {
            text.as_deref()
                .is_none_or(|q| d.title.to_lowercase().contains(q))
                && tags.iter().all(|t| d.tags.contains(t))
                && (uids.is_empty() || uids.contains(&d.uid))
        })
        .collect();
    hits.sort_by_key(|d| d.title.to_lowercase());
    hits.truncate(limit);
    let body: Vec<Value> = hits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "id": i + 1, "uid": d.uid, "orgId": 1, "title": d.title,
                "uri": format!("db/{}", d.slug()), "url": d.url(), "slug": "",
                "type": "dash-db", "tags": d.tags, "isStarred": false, "sortMeta": 0,
                "folderTitle": d.folder.clone().unwrap_or_else(|| "General".into()),
            })
        })
        .collect();
    json_response(200, &Value::Array(body))
}

/// `now`, `now-1h`, `now-30m`, or epoch milliseconds.
fn parse_time(s: &str, now: Timestamp) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Timestamp::from_millisecond(ms).ok();
    }
    let rest = s.strip_prefix("now")?;
    if rest.is_empty() {
        return Some(now);
    }
    let (sign, amount) = match rest.as_bytes().first()? {
        b'-' => (-1i64, &rest[1..]),
        b'+' => (1i64, &rest[1..]),
        _ => return None,
    };
    let unit = amount.chars().last()?;
    let n: i64 = amount[..amount.len() - unit.len_utf8()].parse().ok()?;
    let secs = n * match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    now.checked_add(SignedDuration::from_secs(sign * secs)).ok()
}

fn frames(ref_id: &str, series: &[RawSeries], step_ms: u64) -> Vec<Value> {
    series
        .iter()
        .map(|s| {
            json!({
                "schema": {
                    "refId": ref_id,
                    "meta": {"type": "timeseries-multi", "typeVersion": [0, 1]},
                    "fields": [
                        {"name": "Time", "type": "time", "typeInfo": {"frame": "time.Time"}, "config": {"interval": step_ms}},
                        {"name": "Value", "type": "number", "typeInfo": {"frame": "float64"}, "labels": s.labels, "config": {}},
                    ]
                },
                "data": {"values": [
                    s.points.iter().map(|p| (p.0 * 1000.0).round() as i64).collect::<Vec<_>>(),
                    s.points.iter().map(|p| if p.1.is_finite() { json!(p.1) } else { Value::Null }).collect::<Vec<_>>(),
                ]}
            })
        })
        .collect()
}

async fn ds_query(state: &GrafanaState, body: &[u8]) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(body) else {
        return message(400, "bad request data: the body is not JSON");
    };
    let now = state.clock.now();
    let time = |v: &Value, default: Option<Timestamp>| -> Option<Timestamp> {
        match v {
            Value::Null => default,
            Value::String(s) => parse_time(s, now),
            Value::Number(n) => parse_time(&n.to_string(), now),
            _ => None,
        }
    };
    let six_hours_ago = now.checked_sub(SignedDuration::from_hours(6)).ok();
    let (Some(from), Some(to)) = (
        time(&req["from"], six_hours_ago),
        time(&req["to"], Some(now)),
    ) else {
        return message(
            400,
            "bad request data: `from`/`to` must be epoch milliseconds or now-<n><s|m|h|d|w>",
        );
    };
    let Some(queries) = req["queries"].as_array().filter(|q| !q.is_empty()) else {
        return message(400, "bad request data: no queries");
    };
    let Some(prom) = &state.prom else {
        return message(
            500,
            "the snapshot has no metrics/ (or Prometheus is not installed), so the datasource cannot answer",
        );
    };
    let mut results = serde_json::Map::new();
    let mut any_error = false;
    let span = (to.as_second() - from.as_second()).max(1) as u64;
    for q in queries {
        let ref_id = q["refId"].as_str().unwrap_or("A").to_string();
        let Some(expr) = q["expr"].as_str().filter(|e| !e.trim().is_empty()) else {
            any_error = true;
            results.insert(ref_id, json!({"status": 400, "error": "query has no expr"}));
            continue;
        };
        let interval = q["intervalMs"].as_u64().unwrap_or(15_000) / 1000;
        let step = interval.max(15).max(span / 11_000 + 1) as u32;
        let answer = if q["instant"] == true && q["range"] != true {
            prom.instant(expr, to).await
        } else {
            prom.range(expr, from, to, step).await
        };
        match answer {
            Ok(series) => {
                results.insert(
                    ref_id.clone(),
                    json!({"status": 200, "frames": frames(&ref_id, &series, u64::from(step) * 1000)}),
                );
            }
            Err(e) => {
                any_error = true;
                results.insert(ref_id, json!({"status": 400, "error": e.to_string()}));
            }
        }
    }
    json_response(
        if any_error { 400 } else { 200 },
        &json!({ "results": results }),
    )
}

async fn proxy(
    state: &GrafanaState,
    method: &Method,
    uid: &str,
    rest: &str,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    if !state.datasources.iter().any(|d| d == uid) {
        return message(404, "Data source not found");
    }
    if !proxied_read(rest) {
        return message(
            403,
            &format!("the replay proxies only Prometheus' read API; /{rest} is not one"),
        );
    }
    let Some(base) = state.prom.as_ref().map(PromClient::url) else {
        return message(
            502,
            "the snapshot has no metrics/, so the datasource has no Prometheus",
        );
    };
    // Instant queries without a time are answered at the snapshot's frozen now.
    let frozen = format!("{:.3}", state.clock.now().as_millisecond() as f64 / 1000.0);
    let mut query = query.to_string();
    let body_has_time = String::from_utf8_lossy(&body)
        .split('&')
        .any(|kv| kv.starts_with("time="));
    if rest == "api/v1/query"
        && !query.split('&').any(|kv| kv.starts_with("time="))
        && !body_has_time
    {
        query = if query.is_empty() {
            format!("time={frozen}")
        } else {
            format!("{query}&time={frozen}")
        };
    }
    let url = format!("{}/{rest}?{query}", base.trim_end_matches('/'));
    let mut req = if *method == Method::POST {
        state.proxy.post(&url).body(body)
    } else {
        state.proxy.get(&url)
    };
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        req = req.header(header::CONTENT_TYPE, ct.as_bytes());
    }
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.unwrap_or_default();
            Response::builder()
                .status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(bytes))
                .unwrap_or_default()
        }
        Err(e) => message(502, &format!("Prometheus did not answer: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_absolute_times() {
        let now: Timestamp = "2026-11-20T14:30:00Z".parse().expect("ts");
        assert_eq!(parse_time("now", now), Some(now));
        assert_eq!(
            parse_time("now-1h", now),
            Some("2026-11-20T13:30:00Z".parse().expect("ts"))
        );
        assert_eq!(
            parse_time("1763649000000", now),
            Some(Timestamp::from_millisecond(1_763_649_000_000).expect("ts"))
        );
        assert_eq!(parse_time("yesterday", now), None);
        assert_eq!(parse_time("now-1y", now), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(pct_decode("a%20b+c%2"), "a b c%2");
        assert_eq!(pct_decode("%E2%9C%93"), "✓");
    }
}
