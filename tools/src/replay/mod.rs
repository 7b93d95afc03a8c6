//! The replay server: a snapshot served as a read-only Kubernetes REST API that kube-rs and
//! kubectl talk to as they would to a live cluster. Its `grafana/` is served by [`grafana`].
//!
//! It serves discovery (`/version`, `/api`, `/apis`, group versions), get and list of every kind
//! present, namespaced and cluster-wide, label and field selectors, `limit`/`continue`,
//! server-side Tables for `kubectl get`, a one-shot `watch`, and `pods/{name}/log`. Every other
//! verb answers 405 and is counted: the read-only tests assert that count stays zero.

// Request helpers return a finished error `Response` as their `Err`: it is built once per
// failing request and handed straight back, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod faults;
pub mod grafana;
pub mod logs;
pub mod selector;
pub mod table;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

pub use faults::Fault;

use crate::clock::Clock;
use crate::snapshot::{Snapshot, StoredObject, TypeStore};
use crate::{Error, Result};
use selector::{FieldSelector, LabelSelector};

/// One request the replay served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// `Impersonate-User` of the request, when present (so tests can see whose RBAC a live API
    /// server would apply).
    pub impersonate_user: Option<String>,
}

/// The most requests kept in the log; later ones are only counted.
const REQUEST_LOG_CAP: usize = 200_000;

#[derive(Debug, Default)]
struct RequestLog {
    records: Vec<RequestRecord>,
    total: u64,
    mutating: u64,
}

struct ReplayState {
    snapshot: Snapshot,
    clock: Clock,
    log: Mutex<RequestLog>,
    faults: Mutex<Vec<Fault>>,
}

/// A running replay server. Dropping it stops the server.
pub struct ReplayServer {
    addr: SocketAddr,
    state: Arc<ReplayState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for ReplayServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl ReplayServer {
    /// Serve `snapshot` on `listen` (use port 0 for any free port). Must run inside a tokio runtime.
    pub async fn start(snapshot: Snapshot, listen: SocketAddr) -> Result<Self> {
        let clock = match snapshot.now {
            Some(t) => Clock::frozen(t),
            None => Clock::system(),
        };
        let state = Arc::new(ReplayState {
            snapshot,
            clock,
            log: Mutex::new(RequestLog::default()),
            faults: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let (addr, tx) = serve(listen, app, "replay server").await?;
        tracing::info!(%addr, objects = state.snapshot.object_count(), "replay server listening");
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The clock the replay answers with (the snapshot's frozen `now`, else the system clock).
    pub fn clock(&self) -> Clock {
        self.state.clock
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.state.snapshot
    }

    /// Requests served so far (the first 200,000).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state
            .log
            .lock()
            .map(|l| l.records.clone())
            .unwrap_or_default()
    }

    /// Number of requests with a mutating verb (each answered 405).
    pub fn mutating_requests(&self) -> u64 {
        self.state
            .log
            .lock()
            .map(|l| l.mutating)
            .unwrap_or(u64::MAX)
    }

    pub fn total_requests(&self) -> u64 {
        self.state.log.lock().map(|l| l.total).unwrap_or(0)
    }

    pub fn clear_requests(&self) {
        if let Ok(mut l) = self.state.log.lock() {
            *l = RequestLog::default();
        }
    }

    /// Replace the fault rules.
    pub fn set_faults(&self, faults: Vec<Fault>) {
        if let Ok(mut f) = self.state.faults.lock() {
            *f = faults;
        }
    }

    /// A kubeconfig with one context, `replay`, pointing at this server.
    pub fn kubeconfig_yaml(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: replay\n  cluster:\n    server: {url}\ncontexts:\n- name: replay\n  context:\n    cluster: replay\n    user: replay\n    namespace: default\ncurrent-context: replay\nusers:\n- name: replay\n  user: {{}}\npreferences: {{}}\n",
            url = self.url()
        )
    }

    pub fn write_kubeconfig(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.kubeconfig_yaml())
            .map_err(|e| Error::Replay(format!("cannot write kubeconfig {}: {e}", path.display())))
    }

    /// A kube-rs client for this server.
    pub fn client(&self) -> Result<kube::Client> {
        crate::k8s::client_for(self.config()?)
    }

    /// A kube-rs config pointing at this replay (plain HTTP, no credentials).
    pub fn config(&self) -> Result<kube::Config> {
        let uri: axum::http::Uri = self
            .url()
            .parse()
            .map_err(|e| Error::Replay(format!("replay url: {e}")))?;
        Ok(kube::Config::new(uri))
    }
}

/// Bind `listen` and serve `app` on a task until the returned sender is used or dropped.
pub(crate) async fn serve(
    listen: SocketAddr,
    app: Router,
    what: &'static str,
) -> Result<(SocketAddr, tokio::sync::oneshot::Sender<()>)> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Error::Replay(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Replay(format!("listener address: {e}")))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "{what} stopped");
        }
    });
    Ok((addr, tx))
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn status_body(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut v = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(d) = details {
        v["details"] = d;
    }
    v
}

fn respond(code: u16, content_type: &str, body: String) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn json_response(code: u16, v: &Value) -> Response {
    respond(code, "application/json", v.to_string())
}

fn status_response(code: u16, reason: &str, message: &str, details: Option<Value>) -> Response {
    json_response(code, &status_body(code, reason, message, details))
}

fn not_found(kind_plural: &str, name: &str) -> Response {
    status_response(
        404,
        "NotFound",
        &format!("{kind_plural} \"{name}\" not found"),
        Some(json!({"name": name, "kind": kind_plural})),
    )
}

fn bad_request(message: &str) -> Response {
    status_response(400, "BadRequest", message, None)
}

/// A parsed query string.
#[derive(Debug, Default)]
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(q: Option<&str>) -> Self {
        let mut out = Vec::new();
        for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            out.push((percent_decode(k), percent_decode(v)));
        }
        Self(out)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("true" | "1"))
    }

    fn int(&self, k: &str) -> std::result::Result<Option<i64>, Response> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                bad_request(&format!("invalid value for {k}: {v:?} is not an integer"))
            }),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(
    State(state): State<Arc<ReplayState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let query_str = uri.query().unwrap_or("").to_string();
    let fault = state
        .faults
        .lock()
        .ok()
        .and_then(|f| f.iter().find(|r| path.starts_with(&r.path_prefix)).cloned());
    if let Some(latency) = fault.as_ref().and_then(|f| f.latency) {
        tokio::time::sleep(latency).await;
    }
    let read = matches!(method, Method::GET | Method::HEAD);
    let mut response = if !read {
        status_response(
            405,
            "MethodNotAllowed",
            &format!("the ktriage replay server is read-only: {method} {path} is not allowed"),
            None,
        )
    } else if let Some(code) = fault.as_ref().and_then(|f| f.status) {
        let reason = match code {
            403 => "Forbidden",
            401 => "Unauthorized",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            c if c >= 500 => "InternalError",
            _ => "BadRequest",
        };
        status_response(code, reason, &format!("injected fault for {path}"), None)
    } else {
        route(&state, &path, Query::parse(uri.query()), &headers)
    };
    if let Some(cut) = fault.as_ref().and_then(|f| f.truncate) {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let cut = cut.min(bytes.len());
        response = Response::from_parts(parts, Body::from(bytes.slice(..cut)));
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    let status = response.status().as_u16();
    tracing::debug!(%method, %path, query = %query_str, status, "replay request");
    if let Ok(mut log) = state.log.lock() {
        log.total += 1;
        if !read {
            log.mutating += 1;
        }
        if log.records.len() < REQUEST_LOG_CAP {
            log.records.push(RequestRecord {
                method: method.to_string(),
                path,
                query: query_str,
                status,
                impersonate_user: headers
                    .get("impersonate-user")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            });
        }
    }
    response
}

fn route(state: &ReplayState, path: &str, q: Query, headers: &HeaderMap) -> Response {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segs.as_slice() {
        ["version"] => json_response(
            200,
            &json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-ktriage-replay", "gitCommit": "replay", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"}),
        ),
        ["healthz"] | ["readyz"] | ["livez"] => respond(200, "text/plain", "ok".into()),
        ["api"] => json_response(
            200,
            &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        ["apis"] => json_response(200, &group_list(&state.snapshot)),
        ["api", "v1"] => json_response(200, &resource_list(&state.snapshot, "", "v1")),
        ["apis", g] => match group(&state.snapshot, g) {
            Some(v) => json_response(200, &v),
            None => status_response(
                404,
                "NotFound",
                "the server could not find the requested resource",
                None,
            ),
        },
        ["apis", g, v] if has_group_version(&state.snapshot, g, v) => {
            json_response(200, &resource_list(&state.snapshot, g, v))
        }
        ["api", "v1", rest @ ..] => resource(state, "", "v1", rest, &q, headers),
        ["apis", g, v, rest @ ..] if has_group_version(&state.snapshot, g, v) => {
            resource(state, g, v, rest, &q, headers)
        }
        _ => status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
    }
}

fn has_group_version(s: &Snapshot, g: &str, v: &str) -> bool {
    s.types
        .values()
        .any(|t| t.rtype.group == g && t.rtype.version == v)
}

/// Every version served per group, preferred (Kubernetes version priority: GA, then beta, then
/// alpha; higher numbers first) first. A group may serve several versions at once (Gateway API:
/// HTTPRoute in v1, BackendTLSPolicy in v1alpha3).
fn group_versions(s: &Snapshot) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for t in s.types.values().filter(|t| !t.rtype.group.is_empty()) {
        let vs = out.entry(t.rtype.group.clone()).or_default();
        if !vs.contains(&t.rtype.version) {
            vs.push(t.rtype.version.clone());
        }
    }
    for vs in out.values_mut() {
        vs.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
    }
    out
}

/// Kubernetes version priority: `v2` > `v1` > `v1beta2` > `v1beta1` > `v1alpha1`.
fn version_priority(v: &str) -> (u8, u32, u32) {
    let rest = v.strip_prefix('v').unwrap_or(v);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let major = digits.parse().unwrap_or(0);
    let tail = &rest[digits.len()..];
    let (stage, minor) = if tail.is_empty() {
        (3, 0)
    } else if let Some(n) = tail.strip_prefix("beta") {
        (2, n.parse().unwrap_or(0))
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (1, n.parse().unwrap_or(0))
    } else {
        (0, 0)
    };
    (stage, major, minor)
}

fn group_json(g: &str, versions: &[String]) -> Value {
    let gvs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
        .collect();
    let preferred = gvs.first().cloned().unwrap_or(Value::Null);
    json!({"name": g, "versions": gvs, "preferredVersion": preferred})
}

fn group_list(s: &Snapshot) -> Value {
    let groups: Vec<Value> = group_versions(s)
        .iter()
        .map(|(g, v)| group_json(g, v))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn group(s: &Snapshot, g: &str) -> Option<Value> {
    let v = group_versions(s).get(g)?.clone();
    let mut out = group_json(g, &v);
    out["kind"] = json!("APIGroup");
    out["apiVersion"] = json!("v1");
    Some(out)
}

fn resource_list(s: &Snapshot, g: &str, v: &str) -> Value {
    let mut resources = Vec::new();
    for t in s
        .types
        .values()
        .filter(|t| t.rtype.group == g && t.rtype.version == v)
    {
        let r = &t.rtype;
        resources.push(json!({
            "name": r.plural,
            "singularName": r.kind.to_ascii_lowercase(),
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": ["get", "list", "watch"],
            "shortNames": r.short_names,
        }));
        if g.is_empty() && r.kind == "Pod" {
            resources.push(json!({"name": "pods/log", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}));
        }
    }
    let gv = if g.is_empty() {
        v.to_string()
    } else {
        format!("{g}/{v}")
    };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
}

fn resource(
    state: &ReplayState,
    g: &str,
    v: &str,
    rest: &[&str],
    q: &Query,
    headers: &HeaderMap,
) -> Response {
    // namespaces/{ns}/{plural}[/{name}[/{sub}]] | {plural}[/{name}[/{sub}]]
    let (namespace, rest) = match rest {
        ["namespaces", ns, plural, tail @ ..] => (Some(*ns), {
            let mut r = vec![*plural];
            r.extend_from_slice(tail);
            r
        }),
        other => (None, other.to_vec()),
    };
    let Some((plural, tail)) = rest.split_first() else {
        return status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        );
    };
    let Some(store) = state.snapshot.store(g, plural) else {
        return status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        );
    };
    if store.rtype.version != v {
        return status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        );
    }
    if namespace.is_some() && !store.rtype.namespaced {
        return status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        );
    }
    match tail {
        [] => list(state, store, namespace, q, headers),
        [name] => get(state, store, namespace, name, q, headers),
        [name, "log"] if g.is_empty() && *plural == "pods" => {
            pod_log(state, store, namespace, name, q)
        }
        [_name, _sub] => status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
        _ => status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
    }
}

fn wants_table(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("as=Table"))
}

fn get(
    state: &ReplayState,
    store: &TypeStore,
    namespace: Option<&str>,
    name: &str,
    q: &Query,
    headers: &HeaderMap,
) -> Response {
    let Some(obj) = store.find(namespace, name) else {
        return not_found(&store.rtype.plural, name);
    };
    if wants_table(headers) {
        let Ok(v) = serde_json::from_str::<Value>(&obj.full_json(&store.rtype)) else {
            return status_response(500, "InternalError", "stored object is not JSON", None);
        };
        let include = q.get("includeObject") == Some("Object");
        return json_response(
            200,
            &table::table(
                &store.rtype,
                &[v],
                state.clock.now(),
                state.snapshot.resource_version,
                include,
            ),
        );
    }
    respond(200, "application/json", obj.full_json(&store.rtype))
}

const CONTINUE_PREFIX: &str = "replay-offset-";

fn list(
    state: &ReplayState,
    store: &TypeStore,
    namespace: Option<&str>,
    q: &Query,
    headers: &HeaderMap,
) -> Response {
    let labels = match LabelSelector::parse(q.get("labelSelector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return bad_request(&e),
    };
    let fields = match FieldSelector::parse(
        q.get("fieldSelector").unwrap_or(""),
        store.rtype.field_labels(),
    ) {
        Ok(s) => s,
        Err(e) => return bad_request(&e),
    };
    let limit = match q.int("limit") {
        Ok(l) => l.filter(|l| *l > 0).map(|l| l as usize),
        Err(r) => return r,
    };
    let offset = match q.get("continue").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => match c
            .strip_prefix(CONTINUE_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => n,
            None => {
                return bad_request("continue key is not valid: it was not issued by this server");
            }
        },
    };
    let matching: Vec<&StoredObject> = store
        .in_namespace(namespace)
        .iter()
        .filter(|o| labels.matches(&o.labels))
        .filter(|o| fields.matches(&o.name, o.namespace.as_deref(), &o.fields))
        .collect();
    let end = limit.map_or(matching.len(), |l| (offset + l).min(matching.len()));
    let page = matching.get(offset.min(matching.len())..end).unwrap_or(&[]);
    let rv = state.snapshot.resource_version.to_string();

    if q.flag("watch") {
        // One-shot watch: the current state as ADDED events, then the stream ends.
        let mut body = String::new();
        for o in page {
            body.push_str(&format!(
                "{{\"type\":\"ADDED\",\"object\":{}}}\n",
                o.full_json(&store.rtype)
            ));
        }
        return respond(200, "application/json", body);
    }
    let mut meta = json!({"resourceVersion": rv});
    if end < matching.len() {
        meta["continue"] = json!(format!("{CONTINUE_PREFIX}{end}"));
        meta["remainingItemCount"] = json!(matching.len() - end);
    }
    if wants_table(headers) {
        let values: Vec<Value> = page
            .iter()
            .filter_map(|o| serde_json::from_str(&o.full_json(&store.rtype)).ok())
            .collect();
        let include = q.get("includeObject") == Some("Object");
        let mut t = table::table(
            &store.rtype,
            &values,
            state.clock.now(),
            state.snapshot.resource_version,
            include,
        );
        t["metadata"] = meta;
        return json_response(200, &t);
    }
    let mut body =
        String::with_capacity(page.iter().map(|o| o.body.len() + 1).sum::<usize>() + 256);
    body.push_str(&format!(
        "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{},\"items\":[",
        json!(format!("{}List", store.rtype.kind)),
        json!(store.rtype.api_version()),
        meta
    ));
    for (i, o) in page.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&o.body);
    }
    body.push_str("]}");
    respond(200, "application/json", body)
}

fn pod_log(
    state: &ReplayState,
    store: &TypeStore,
    namespace: Option<&str>,
    name: &str,
    q: &Query,
) -> Response {
    let Some(ns) = namespace else {
        return status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        );
    };
    let Some(obj) = store.find(Some(ns), name) else {
        return not_found("pods", name);
    };
    let Ok(pod) = obj.value() else {
        return status_response(500, "InternalError", "stored pod is not JSON", None);
    };
    let containers: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let init: Vec<String> = pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let container = match q.get("container").filter(|c| !c.is_empty()) {
        Some(c) => {
            if !containers.iter().chain(init.iter()).any(|x| x == c) {
                return bad_request(&format!("container {c} is not valid for pod {name}"));
            }
            c.to_string()
        }
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return bad_request(&format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            ));
        }
    };
    let lq = match parse_log_query(q, &container) {
        Ok(lq) => lq,
        Err(r) => return r,
    };
    let key = (
        ns.to_string(),
        name.to_string(),
        container.clone(),
        lq.previous,
    );
    let Some(path) = state.snapshot.logs.get(&key) else {
        if lq.previous {
            return bad_request(&format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            ));
        }
        let waiting = pod
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some(&container))
            })
            .and_then(|c| c.pointer("/state/waiting/reason"))
            .and_then(Value::as_str)
            .unwrap_or("ContainerCreating");
        return bad_request(&format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: {waiting}"
        ));
    };
    match std::fs::read_to_string(path) {
        Ok(text) => respond(
            200,
            "text/plain",
            logs::render(&text, &lq, state.clock.now()),
        ),
        Err(e) => status_response(500, "InternalError", &format!("cannot read log: {e}"), None),
    }
}

fn parse_log_query(q: &Query, container: &str) -> std::result::Result<logs::LogQuery, Response> {
    let since_time = match q.get("sinceTime").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<Timestamp>()
                .map_err(|e| bad_request(&format!("sinceTime {s:?}: {e}")))?,
        ),
    };
    let lq = logs::LogQuery {
        container: Some(container.to_string()),
        previous: q.flag("previous"),
        tail_lines: q.int("tailLines")?,
        limit_bytes: q.int("limitBytes")?,
        since_seconds: q.int("sinceSeconds")?,
        since_time,
        timestamps: q.flag("timestamps"),
    };
    if lq.tail_lines.is_some_and(|n| n < 0)
        || lq.limit_bytes.is_some_and(|n| n < 1)
        || lq.since_seconds.is_some_and(|n| n < 1)
    {
        return Err(status_response(
            422,
            "Invalid",
            "PodLogOptions is invalid: tailLines must be >= 0, limitBytes and sinceSeconds must be > 0",
            None,
        ));
    }
    Ok(lq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(
            percent_decode("app%3Dvllm%2Ctier+in+%28a%29"),
            "app=vllm,tier in (a)"
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}
