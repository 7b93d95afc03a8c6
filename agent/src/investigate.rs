//! Gathering the facts of an incident, only through MCP tools: the overview, then the
//! namespaces in scope (pods, workloads, events), then the problem pods (describe, logs of the
//! crashed and the current instance), rollouts, routes, nodes and the objects analyzers need,
//! and the Deployments created in the last 90 minutes outside the scope (a new client of a
//! shared server lives in another team's namespace). Every tool error becomes a gap in the diagnosis, never a crash.

use std::collections::{BTreeMap, BTreeSet};

use mcp_server::McpClient;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tools::tool::events::EventGroup;
use tools::tool::gateway_routes::Route;
use tools::tool::list_objects::ObjectLine;
use tools::tool::nodes::NodeInfo;
use tools::tool::pod_facts::PodSummary;
use tools::tool::workload_health::Workload;
use tools::tool::{cluster_overview, describe, events, gateway_routes, list_objects, list_pods};
use tools::tool::{
    grafana_dashboard, grafana_search, nodes, pod_logs, rollout_history, workload_health,
};

use crate::alert::Payload;

const MAX_NAMESPACES: usize = 8;
const MAX_PROBLEM_PODS: usize = 10;
const MAX_OTHER_POD_LOGS: usize = 24;
const MAX_ROLLOUTS: usize = 10;
/// How recent a Deployment outside the scope must be to be read as a possible new client.
const NEW_WORKLOAD_MINUTES: u64 = 90;
const MAX_NEW_WORKLOADS: usize = 3;

/// What kind of incident the question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    Gateway,
    Inference,
    General,
}

/// One container log as read.
#[derive(Debug, Clone)]
pub struct PodLog {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub previous: bool,
    pub lines: Vec<String>,
}

impl PodLog {
    pub fn source(&self) -> String {
        format!(
            "pod_logs {}/{}{}",
            self.namespace,
            self.pod,
            if self.previous { " (previous)" } else { "" }
        )
    }
}

/// A curated signal's answer (the catalogue is `tools/signals.yaml`, read by the `signals` tool).
#[derive(Debug, Clone)]
pub struct MetricFact {
    pub signal: tools::tool::signals::Signal,
    pub series: Vec<tools::prom::SeriesSummary>,
}

/// Everything the analyzers look at.
#[derive(Debug, Clone)]
pub struct Facts {
    pub question: String,
    pub alert: Option<Payload>,
    /// Lowercased words of the question and the alert's labels.
    pub focus: Vec<String>,
    pub kind: IncidentKind,
    pub namespaces: Vec<String>,
    /// The latest time the cluster reported (the newest event's last sighting): the
    /// investigation's "now", at or just before the snapshot's or the live cluster's clock.
    pub now: Option<String>,
    pub overview: Option<cluster_overview::Output>,
    pub pods: Vec<PodSummary>,
    pub workloads: Vec<Workload>,
    pub events: Vec<EventGroup>,
    pub described: BTreeMap<String, describe::Output>,
    pub logs: Vec<PodLog>,
    pub routes: Vec<Route>,
    pub nodes: Vec<NodeInfo>,
    pub rollouts: BTreeMap<String, rollout_history::Output>,
    /// Deployments created in the last [`NEW_WORKLOAD_MINUTES`] outside the namespaces in scope,
    /// described, by `namespace/name`: a new client of a shared server (a batch job pointed at
    /// the chat model) often lives in another team's namespace.
    pub new_workloads: BTreeMap<String, describe::Output>,
    /// `list_objects` answers by kind (HorizontalPodAutoscaler, PersistentVolumeClaim, ...).
    pub objects: BTreeMap<String, Vec<ObjectLine>>,
    /// Curated metric signals that returned data (empty without Prometheus).
    pub metrics: Vec<MetricFact>,
    /// Whether Prometheus could be read at all.
    pub metrics_read: bool,
    /// Grafana dashboards most related to the question (at most 3), summarised; empty without
    /// Grafana.
    pub dashboards: Vec<grafana_dashboard::Output>,
    pub gaps: Vec<String>,
    pub tool_calls: usize,
    pub tool_tokens: usize,
}

/// Reads the cluster through an MCP client, counting calls and keeping gaps.
struct Reader<'a> {
    client: &'a McpClient,
    calls: usize,
    tokens: usize,
    gaps: Vec<String>,
    progress: &'a (dyn Fn(&str) + Sync),
}

impl Reader<'_> {
    async fn call<T: DeserializeOwned>(&mut self, tool: &str, args: Value) -> Option<T> {
        self.call_or_absent(tool, args, false).await
    }

    /// A source that may not be configured (Prometheus, Grafana): its failure is one gap,
    /// `"{what} not read: ..."`. `None` when it failed, `Some(None)` when it answered but the
    /// answer could not be read.
    async fn call_source<T: DeserializeOwned>(
        &mut self,
        tool: &str,
        args: Value,
        what: &str,
    ) -> Option<Option<T>> {
        (self.progress)(tool);
        self.calls += 1;
        match self.client.call(tool, args).await {
            Ok(reply) if !reply.is_error => {
                self.tokens += tools::budget::estimate_tokens(&reply.text);
                Some(
                    reply
                        .structured
                        .and_then(|v| serde_json::from_value(v).ok()),
                )
            }
            Ok(reply) => {
                self.gaps
                    .push(format!("{what} not read: {}", first_line(&reply.text)));
                None
            }
            Err(e) => {
                self.gaps.push(format!("{what} not read: {e}"));
                None
            }
        }
    }

    /// `list_objects` for a kind that may not be installed (a CRD): an unknown kind is a fact
    /// about the cluster ("no cert-manager here"), not a gap in the investigation.
    async fn list_optional(&mut self, kind: &str) -> Option<list_objects::Output> {
        self.call_or_absent("list_objects", json!({ "kind": kind }), true)
            .await
    }

    async fn call_or_absent<T: DeserializeOwned>(
        &mut self,
        tool: &str,
        args: Value,
        unknown_kind_is_absent: bool,
    ) -> Option<T> {
        (self.progress)(&format!("{tool} {args}"));
        self.calls += 1;
        match self.client.call(tool, args.clone()).await {
            Ok(r) if r.is_error && unknown_kind_is_absent && r.text.contains("unknown kind") => {
                None
            }
            Ok(r) if r.is_error => {
                self.tokens += tools::budget::estimate_tokens(&r.text);
                self.gaps
                    .push(format!("{tool} {args}: {}", first_line(&r.text)));
                None
            }
            Ok(r) => {
                self.tokens += tools::budget::estimate_tokens(&r.text);
                let v = r.structured?;
                match serde_json::from_value(v) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        self.gaps
                            .push(format!("{tool}: answer could not be read ({e})"));
                        None
                    }
                }
            }
            Err(e) => {
                self.gaps.push(format!("{tool} {args}: {e}"));
                None
            }
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

const GATEWAY_WORDS: &[&str] = &[
    "gateway",
    "5xx",
    "500",
    "502",
    "503",
    "504",
    "429",
    "401",
    "403",
    "route",
    "ingress",
    "envoy",
    "nginx",
    "kong",
    "tls",
    "certificate",
    "cert",
    "upstream",
    "proxy",
    "timeout",
    "timeouts",
    "rate",
    "throttled",
    "unauthorized",
    "forbidden",
    "https",
    "api",
];
static SVC_DNS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\b([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)\.svc\b").unwrap_or_else(|_| {
        #[allow(clippy::unwrap_used)]
        regex::Regex::new("$^").unwrap()
    })
});

const GATEWAY_NAMESPACE_WORDS: &[&str] = &[
    "gateway", "envoy", "ingress", "nginx", "kong", "istio", "traefik", "contour", "apisix",
];
const INFERENCE_WORDS: &[&str] = &[
    "inference",
    "model",
    "vllm",
    "tgi",
    "triton",
    "gpu",
    "gpus",
    "llm",
    "tokens",
    "latency",
    "slow",
    "generation",
    "completions",
    "kserve",
    "cuda",
    "serving",
    "llama",
    "qwen",
    "mistral",
    "gemma",
    "embedding",
    "embeddings",
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .map(|w| w.trim_matches(|c| c == '.' || c == '-').to_string())
        .filter(|w| w.len() >= 3)
        .collect()
}

fn incident_kind(focus: &[String]) -> IncidentKind {
    let g = focus
        .iter()
        .filter(|w| GATEWAY_WORDS.contains(&w.as_str()))
        .count();
    let i = focus
        .iter()
        .filter(|w| INFERENCE_WORDS.contains(&w.as_str()))
        .count();
    match (g, i) {
        (0, 0) => IncidentKind::General,
        (g, i) if g > i => IncidentKind::Gateway,
        _ => IncidentKind::Inference,
    }
}

/// Whether a pod is a GPU node agent whose log reports device health.
pub fn is_node_agent(name: &str) -> bool {
    let n = name.to_lowercase();
    [
        "dcgm",
        "device-plugin",
        "nvidia",
        "gpu-feature",
        "node-problem-detector",
        "gpu-operator",
        "driver",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// The namespace and Service a route backend names (`ns/svc:port`).
pub(crate) fn backend_service(b: &tools::tool::gateway_routes::Backend) -> Option<(&str, &str)> {
    let (ns, svc) = b.service.split_once('/')?;
    Some((ns, svc.split(':').next().unwrap_or(svc)))
}

/// Whether `p` is one of the pods Service `ns/svc` fronts, by the usual naming (a Service `x`
/// fronts pods `x-<hash>-<id>` of Deployment `x`).
pub(crate) fn fronted_by(p: &PodSummary, ns: &str, svc: &str) -> bool {
    p.namespace == ns
        && p.name
            .strip_prefix(svc)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// Whether a pod looks like a gateway/proxy (its logs carry the access log).
pub fn is_gateway_pod(name: &str) -> bool {
    let n = name.to_lowercase();
    [
        "envoy", "nginx", "ingress", "kong", "gateway", "proxy", "traefik", "haproxy",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// Investigate: gather the facts for `question` (and the alert, if any).
pub async fn gather(
    client: &McpClient,
    question: &str,
    alert: Option<Payload>,
    namespaces: &[String],
    progress: &(dyn Fn(&str) + Sync),
) -> Facts {
    let mut r = Reader {
        client,
        calls: 0,
        tokens: 0,
        gaps: Vec::new(),
        progress,
    };
    let mut focus = words(question);
    if let Some(a) = &alert {
        for v in a.label_values() {
            focus.extend(words(&v));
            focus.push(v.to_lowercase());
        }
        for al in a.firing() {
            for v in al.annotations.values() {
                focus.extend(words(v));
            }
            if let Some(n) = al.labels.get("alertname") {
                focus.extend(words(&split_camel(n)));
            }
        }
    }
    focus.sort();
    focus.dedup();
    let kind = incident_kind(&focus);

    let overview: Option<cluster_overview::Output> = r.call("cluster_overview", json!({})).await;
    let routes = r
        .call::<gateway_routes::Output>("gateway_routes", json!({}))
        .await
        .map(|o| o.routes)
        .unwrap_or_default();
    let nodes = r
        .call::<nodes::Output>("nodes", json!({}))
        .await
        .map(|o| o.nodes)
        .unwrap_or_default();

    // Namespaces in scope: asked for, named by the alert or the question, unhealthy, and the
    // namespaces of the routes (gateway) when the question is about the gateway.
    let mut all_ns: Vec<String> = overview
        .as_ref()
        .map(|o| {
            o.unhealthy
                .iter()
                .map(|n| n.namespace.clone())
                .chain(o.healthy.iter().cloned())
                .collect()
        })
        .unwrap_or_default();
    all_ns.sort();
    let mut scope: Vec<String> = namespaces.to_vec();
    if let Some(a) = &alert {
        scope.extend(a.namespaces());
    }
    for ns in &all_ns {
        if focus
            .iter()
            .any(|w| w == ns || (ns.len() >= 3 && w.starts_with(&format!("{ns}-"))))
        {
            scope.push(ns.clone());
        }
    }
    // The gateway's own namespace: its proxies log every request (Envoy Gateway runs them in its
    // controller's namespace, not the Gateway's).
    if kind == IncidentKind::Gateway || !routes.is_empty() {
        let before = scope.len();
        for ns in &all_ns {
            if GATEWAY_NAMESPACE_WORDS.iter().any(|w| ns.contains(w)) {
                scope.push(ns.clone());
            }
        }
        // No gateway namespace: distributions that bundle the ingress controller run it in
        // kube-system (RKE2's ingress-nginx, k3s's Traefik).
        if scope.len() == before && all_ns.iter().any(|n| n == "kube-system") {
            scope.push("kube-system".to_string());
        }
    }
    if let Some(o) = &overview {
        scope.extend(o.unhealthy.iter().map(|n| n.namespace.clone()));
    }
    for route in &routes {
        if let Some((ns, _)) = route.route.split_once('/') {
            scope.push(ns.to_string());
        }
        for b in &route.backends {
            if let Some((ns, _)) = b.service.split_once('/') {
                scope.push(ns.to_string());
            }
        }
        for p in &route.parents {
            if let Some((ns, _)) = p.split_once('/') {
                scope.push(ns.to_string());
            }
        }
    }
    let mut seen = BTreeSet::new();
    scope.retain(|n| !n.is_empty() && all_ns.contains(n) && seen.insert(n.clone()));
    if scope.is_empty() {
        scope = all_ns.iter().take(MAX_NAMESPACES).cloned().collect();
    }
    scope.truncate(MAX_NAMESPACES);

    let mut pods = Vec::new();
    let mut workloads = Vec::new();
    let mut events = Vec::new();
    for ns in &scope {
        if let Some(o) = r
            .call::<list_pods::Output>("list_pods", json!({"namespace": ns}))
            .await
        {
            pods.extend(o.pods);
        }
        if let Some(o) = r
            .call::<workload_health::Output>("workload_health", json!({"namespace": ns}))
            .await
        {
            workloads.extend(o.workloads);
        }
        if let Some(o) = r
            .call::<events::Output>("events", json!({"namespace": ns}))
            .await
        {
            events.extend(o.groups);
        }
    }
    if let Some(o) = &overview {
        for w in &o.warnings {
            if !events.iter().any(|e: &EventGroup| e == w) {
                events.push(w.clone());
            }
        }
    }

    let mut objects = BTreeMap::new();
    for kind in [
        "HorizontalPodAutoscaler",
        "PersistentVolumeClaim",
        "NetworkPolicy",
        "ResourceQuota",
        "Service",
        "EndpointSlice",
    ] {
        let mut lines = Vec::new();
        for ns in &scope {
            if let Some(o) = r
                .call::<list_objects::Output>(
                    "list_objects",
                    json!({"kind": kind, "namespace": ns}),
                )
                .await
            {
                lines.extend(o.objects);
            }
        }
        objects.insert(kind.to_string(), lines);
    }
    // Gateway, TLS and autoscaling custom resources, cluster-wide, where installed.
    for kind in [
        "Gateway",
        "Ingress",
        "BackendTrafficPolicy",
        "KongPlugin",
        "KongClusterPlugin",
        "SecurityPolicy",
        "BackendTLSPolicy",
        "VirtualService",
        "Certificate",
        "ScaledObject",
        "InferenceService",
        "Challenge",
        "Order",
        "CertificateRequest",
    ] {
        if let Some(o) = r.list_optional(kind).await {
            objects.insert(kind.to_string(), o.objects);
        }
    }

    // Problem pods first (most restarts first), then the rest of the pods in scope for logs.
    let mut problem: Vec<&PodSummary> = pods.iter().filter(|p| p.problem).collect();
    problem.sort_by(|a, b| b.restarts.cmp(&a.restarts).then(a.name.cmp(&b.name)));
    problem.truncate(MAX_PROBLEM_PODS);
    let mut described = BTreeMap::new();
    let mut logs = Vec::new();
    for p in &problem {
        if let Some(d) = r
            .call::<describe::Output>(
                "describe",
                json!({"kind": "Pod", "namespace": p.namespace, "name": p.name}),
            )
            .await
        {
            described.insert(format!("{}/{}", p.namespace, p.name), d);
        }
        if (p.restarts > 0 || p.last_termination.is_some())
            && let Some(l) = read_log(&mut r, p, true, 150).await
        {
            logs.push(l);
        }
        let waiting = p.waiting.as_deref().unwrap_or("");
        if !waiting.contains("ContainerCreating")
            && !waiting.contains("ImagePull")
            && !waiting.contains("CreateContainerConfigError")
            && p.status != "Pending"
            && let Some(l) = read_log(&mut r, p, false, 80).await
        {
            logs.push(l);
        }
    }
    let mut others: Vec<&PodSummary> = pods
        .iter()
        .filter(|p| !p.problem && p.status == "Running")
        .collect();
    // Gateways, then the routes' backends (the next hop: their logs say what they wait on),
    // then pods named in the question: their logs carry the symptom.
    let backends: Vec<(&str, &str)> = routes
        .iter()
        .flat_map(|r| r.backends.iter())
        .filter_map(backend_service)
        .collect();
    others.sort_by_key(|p| {
        let named = focus
            .iter()
            .any(|w| p.name.contains(w.as_str()) && w.len() > 3);
        let backs = backends.iter().any(|(ns, svc)| fronted_by(p, ns, svc));
        (
            !is_gateway_pod(&p.name),
            !backs,
            !named,
            p.namespace.clone(),
            p.name.clone(),
        )
    });
    // One pod per owner is enough to see what a replica set logs.
    let mut owners = BTreeSet::new();
    others.retain(|p| owners.insert(p.owner.clone().unwrap_or_else(|| p.name.clone())));
    for p in others.into_iter().take(MAX_OTHER_POD_LOGS) {
        let tail = 300;
        if let Some(l) = read_log(&mut r, p, false, tail).await {
            logs.push(l);
        }
    }

    // Follow the dependencies the logs name (`db.data.svc.cluster.local`) into their
    // namespaces: the cause of a caller's errors often lives there (its pods, its policies).
    let mut follow: Vec<String> = Vec::new();
    for l in &logs {
        for line in &l.lines {
            for c in SVC_DNS.captures_iter(line) {
                let ns = c[2].to_string();
                if all_ns.contains(&ns) && !scope.contains(&ns) && !follow.contains(&ns) {
                    follow.push(ns);
                }
            }
        }
    }
    for ns in follow.into_iter().take(2) {
        if let Some(o) = r
            .call::<list_pods::Output>("list_pods", json!({"namespace": ns}))
            .await
        {
            pods.extend(o.pods);
        }
        if let Some(o) = r
            .call::<workload_health::Output>("workload_health", json!({"namespace": ns}))
            .await
        {
            workloads.extend(o.workloads);
        }
        if let Some(o) = r
            .call::<events::Output>("events", json!({"namespace": ns}))
            .await
        {
            events.extend(o.groups);
        }
        for kind in ["NetworkPolicy", "Service", "EndpointSlice"] {
            if let Some(o) = r
                .call::<list_objects::Output>(
                    "list_objects",
                    json!({"kind": kind, "namespace": ns}),
                )
                .await
            {
                objects
                    .entry(kind.to_string())
                    .or_default()
                    .extend(o.objects);
            }
        }
        scope.push(ns);
    }

    // On a GPU node with problems, the node agents' logs (device plugin, DCGM exporter, node
    // problem detector) say what the GPU did.
    for n in nodes
        .iter()
        .filter(|n| {
            n.problem && (!n.gpus.is_empty() || n.labels_of_note.iter().any(|l| l.contains("gpu")))
        })
        .take(3)
    {
        if let Some(o) = r
            .call::<list_pods::Output>("list_pods", json!({"node": n.name}))
            .await
        {
            for p in o.pods.iter().filter(|p| is_node_agent(&p.name)).take(4) {
                if !pods
                    .iter()
                    .any(|x: &PodSummary| x.namespace == p.namespace && x.name == p.name)
                {
                    pods.push(p.clone());
                }
                let health = r"(?i)xid|ecc|unhealthy|fallen off|lost|error|fail|nvrm";
                if let Some(l) = read_log_grep(&mut r, p, false, 5_000, Some(health)).await {
                    logs.push(l);
                }
            }
        }
    }

    // Rollouts of the Deployments in scope, problem ones first.
    let mut deploys: Vec<&Workload> = workloads
        .iter()
        .filter(|w| w.kind == "Deployment")
        .collect();
    deploys.sort_by_key(|w| (!w.problem, w.namespace.clone(), w.name.clone()));
    let mut rollouts = BTreeMap::new();
    for w in deploys.into_iter().take(MAX_ROLLOUTS) {
        if let Some(o) = r
            .call::<rollout_history::Output>(
                "rollout_history",
                json!({"namespace": w.namespace, "name": w.name}),
            )
            .await
        {
            rollouts.insert(format!("{}/{}", w.namespace, w.name), o);
        }
    }

    // Deployments created recently anywhere else: one cluster-wide listing, then the newest
    // few described, with their rollout.
    let mut new_workloads = BTreeMap::new();
    if let Some(o) = r
        .call::<workload_health::Output>("workload_health", json!({}))
        .await
    {
        let mut young: Vec<(u64, Workload)> = o
            .workloads
            .into_iter()
            .filter(|w| w.kind == "Deployment" && !scope.contains(&w.namespace))
            .filter_map(|w| Some((age_minutes(&w.age)?, w)))
            .filter(|(m, _)| *m <= NEW_WORKLOAD_MINUTES)
            .collect();
        young.sort_by_key(|(m, _)| *m);
        for (_, w) in young.into_iter().take(MAX_NEW_WORKLOADS) {
            let key = format!("{}/{}", w.namespace, w.name);
            if let Some(d) = r
                .call::<describe::Output>(
                    "describe",
                    json!({"kind": "Deployment", "namespace": w.namespace, "name": w.name}),
                )
                .await
            {
                new_workloads.insert(key.clone(), d);
            }
            if let Some(o) = r
                .call::<rollout_history::Output>(
                    "rollout_history",
                    json!({"namespace": w.namespace, "name": w.name}),
                )
                .await
            {
                rollouts.insert(key, o);
            }
        }
    }

    // Metrics: the curated signals in one call, when Prometheus is configured. Not configured
    // or unreachable is said once, as a gap.
    let mut metrics = Vec::new();
    let mut metrics_read = false;
    if let Some(answer) = r
        .call_source::<tools::tool::signals::Output>("signals", json!({"minutes": 60}), "metrics")
        .await
    {
        metrics_read = true;
        if let Some(o) = answer {
            metrics = o
                .answers
                .into_iter()
                .map(|a| MetricFact {
                    signal: a.signal,
                    series: a.series,
                })
                .collect();
        }
    }

    let dashboards = read_dashboards(&mut r, &focus).await;

    Facts {
        question: question.to_string(),
        alert,
        focus,
        kind,
        namespaces: scope,
        now: events
            .iter()
            .filter_map(|e| e.last_seen)
            .max()
            .map(|t| t.to_string()),
        overview,
        pods,
        workloads,
        events,
        described,
        logs,
        routes,
        nodes,
        rollouts,
        new_workloads,
        objects,
        metrics,
        metrics_read,
        dashboards,
        gaps: r.gaps,
        tool_calls: r.calls,
        tool_tokens: r.tokens,
    }
}

/// The dashboards whose titles and tags share the most words with the question and the alert
/// (the first three when there are no more than three), each summarised. A next step then points
/// the human at their panels.
async fn read_dashboards(r: &mut Reader<'_>, focus: &[String]) -> Vec<grafana_dashboard::Output> {
    let Some(Some(found)) = r
        .call_source::<grafana_search::Output>("grafana_search", json!({"limit": 50}), "dashboards")
        .await
    else {
        return Vec::new();
    };
    let score = |h: &tools::grafana::SearchHit| -> usize {
        let mut words: Vec<String> = h
            .title
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2)
            .map(str::to_string)
            .collect();
        words.extend(h.tags.iter().map(|t| t.to_lowercase()));
        words.iter().filter(|w| focus.contains(w)).count()
    };
    let mut hits: Vec<(usize, &tools::grafana::SearchHit)> =
        found.dashboards.iter().map(|h| (score(h), h)).collect();
    hits.sort_by_key(|h| std::cmp::Reverse(h.0));
    let few = hits.len() <= 3;
    let mut out = Vec::new();
    for (_, h) in hits.into_iter().filter(|(s, _)| few || *s > 0).take(3) {
        if let Some(d) = r
            .call::<grafana_dashboard::Output>("grafana_dashboard", json!({"uid": h.uid}))
            .await
        {
            out.push(d);
        }
    }
    out
}

async fn read_log(r: &mut Reader<'_>, p: &PodSummary, previous: bool, tail: u32) -> Option<PodLog> {
    read_log_grep(r, p, previous, tail, None).await
}

async fn read_log_grep(
    r: &mut Reader<'_>,
    p: &PodSummary,
    previous: bool,
    tail: u32,
    grep: Option<&str>,
) -> Option<PodLog> {
    let mut args =
        json!({"namespace": p.namespace, "pod": p.name, "previous": previous, "tail": tail});
    if let Some(g) = grep {
        args["grep"] = json!(g);
    }
    let o: pod_logs::Output = r.call("pod_logs", args).await?;
    Some(PodLog {
        namespace: p.namespace.clone(),
        pod: p.name.clone(),
        container: o.container,
        previous,
        lines: o
            .lines
            .into_iter()
            .chain(o.top_errors)
            .map(|l| l.text)
            .collect(),
    })
}

/// Minutes in a kubectl-style age below three hours (`45s`, `7m30s`, `26m`); `None` for
/// anything older (`3h1m`, `2d`) or unreadable.
fn age_minutes(age: &str) -> Option<u64> {
    let digits = age.find(|c: char| !c.is_ascii_digit())?;
    let n: u64 = age[..digits].parse().ok()?;
    match &age[digits..] {
        "s" => Some(n / 60),
        u if u.starts_with('m') => Some(n),
        _ => None,
    }
}

fn split_camel(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && c.is_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::age_minutes;

    #[test]
    fn ages_under_three_hours_read_as_minutes() {
        assert_eq!(age_minutes("45s"), Some(0));
        assert_eq!(age_minutes("150s"), Some(2));
        assert_eq!(age_minutes("7m30s"), Some(7));
        assert_eq!(age_minutes("26m"), Some(26));
        assert_eq!(age_minutes("179m"), Some(179));
        assert_eq!(age_minutes("3h1m"), None);
        assert_eq!(age_minutes("2d"), None);
        assert_eq!(age_minutes(""), None);
        assert_eq!(age_minutes("<invalid>"), None);
    }
}
