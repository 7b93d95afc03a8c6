//! `gateway_routes`: the request path through the gateway — Gateway → HTTPRoute (status,
//! rules, timeouts, filters) → backend Service → EndpointSlices (ready or not) → pods; Ingress too.

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Error, Result};

const MAX_ROUTES: usize = 100;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Omit for all namespaces.
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Backend {
    /// `namespace/service:port`
    pub service: String,
    pub exists: bool,
    /// Whether the Service declares the port the route uses.
    pub port_ok: bool,
    pub selector: String,
    pub ready_endpoints: usize,
    pub not_ready_endpoints: usize,
    /// Pods behind not-ready endpoints.
    pub not_ready_pods: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Route {
    /// HTTPRoute, GRPCRoute or Ingress.
    pub kind: String,
    pub route: String,
    /// Parent gateways (or ingress class) with their listener state.
    pub parents: Vec<String>,
    /// Route status conditions per parent, `Type=Status (Reason): message`.
    pub conditions: Vec<String>,
    /// Rules: matches, filters, timeouts.
    pub rules: Vec<String>,
    pub backends: Vec<Backend>,
    /// A one-line verdict: ok, or what is wrong first.
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub routes: Vec<Route>,
    pub omitted: usize,
    /// Route kinds this cluster does not serve (Gateway API not installed...).
    pub not_served: Vec<String>,
}

fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn conditions(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    format!(
                        "{}={} ({}): {}",
                        s(c, "/type"),
                        s(c, "/status"),
                        s(c, "/reason"),
                        clip(s(c, "/message"), 160)
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn backend(
    ctx: &ToolContext,
    ns: &str,
    name: &str,
    port: Option<i64>,
    slices: Option<&[EndpointSlice]>,
) -> Result<Backend> {
    let svc = ctx.kube.get::<Service>(ns, name).await?;
    let mut b = Backend {
        service: format!(
            "{ns}/{name}{}",
            port.map(|p| format!(":{p}")).unwrap_or_default()
        ),
        exists: svc.is_some(),
        port_ok: false,
        selector: String::new(),
        ready_endpoints: 0,
        not_ready_endpoints: 0,
        not_ready_pods: Vec::new(),
    };
    let Some(svc) = svc else { return Ok(b) };
    let spec = svc.spec.clone().unwrap_or_default();
    b.port_ok = port.is_none_or(|p| {
        spec.ports
            .iter()
            .flatten()
            .any(|sp| i64::from(sp.port) == p)
    });
    b.selector = spec
        .selector
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut found = false;
    for sl in slices.into_iter().flatten().filter(|sl| {
        sl.metadata.namespace.as_deref() == Some(ns)
            && sl
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("kubernetes.io/service-name"))
                .map(String::as_str)
                == Some(name)
    }) {
        found = true;
        for e in &sl.endpoints {
            let ready = e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
            if ready {
                b.ready_endpoints += 1;
            } else {
                b.not_ready_endpoints += 1;
                if let Some(t) = &e.target_ref {
                    b.not_ready_pods.push(t.name.clone().unwrap_or_default());
                }
            }
        }
    }
    // The EndpointSlice controller gives every Service with a selector a slice, even an empty
    // one. None at all (a snapshot taken without them, or slices we could not list): count the
    // pods the selector matches instead, so a missing listing is not read as "no upstream".
    if !found && !b.selector.is_empty() {
        let lp = ListParams::default().labels(&b.selector);
        let (pods, _) = ctx.kube.list::<Pod>(Some(ns), &lp, 1_000).await?;
        for p in pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
        {
            let ready = p
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
            if ready {
                b.ready_endpoints += 1;
            } else {
                b.not_ready_endpoints += 1;
                b.not_ready_pods
                    .push(p.metadata.name.clone().unwrap_or_default());
            }
        }
    }
    Ok(b)
}

fn backend_refs(rule: &Value) -> Vec<(String, Option<String>, Option<i64>)> {
    rule.get("backendRefs")
        .and_then(Value::as_array)
        .map(|refs| {
            refs.iter()
                .filter(|r| matches!(s(r, "/kind"), "" | "Service"))
                .map(|r| {
                    (
                        s(r, "/name").to_string(),
                        r.get("namespace")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        r.get("port").and_then(Value::as_i64),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn verdict(r: &Route) -> String {
    if let Some(c) = r.conditions.iter().find(|c| {
        (c.starts_with("Accepted=") || c.starts_with("ResolvedRefs=")) && !c.contains("=True")
    }) {
        return format!("route not working: {c}");
    }
    if r.backends.is_empty() {
        return "no backend".into();
    }
    for b in &r.backends {
        if !b.exists {
            return format!("backend service {} does not exist", b.service);
        }
        if !b.port_ok {
            return format!("backend {} port not declared by the Service", b.service);
        }
        if b.ready_endpoints == 0 {
            return format!(
                "backend {} has no ready endpoints ({} not ready{}); the gateway will answer 503",
                b.service,
                b.not_ready_endpoints,
                if b.selector.is_empty() {
                    String::new()
                } else {
                    format!(", selector {}", b.selector)
                }
            );
        }
    }
    "ok".into()
}

pub struct GatewayRoutes;

impl Tool for GatewayRoutes {
    const NAME: &'static str = "gateway_routes";
    const DESCRIPTION: &'static str = "Trace traffic: HTTPRoutes, GRPCRoutes and Ingresses with gateways, rules, timeouts, backends and their ready endpoints, a verdict per route.";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let ns = p.namespace.as_deref();
        if let Some(ns) = ns {
            ctx.kube.ensure_namespace(ns).await?;
        }
        let lp = match &p.name {
            Some(n) => ListParams::default().fields(&format!("metadata.name={n}")),
            None => ListParams::default(),
        };
        let mut not_served = Vec::new();
        let mut routes = Vec::new();
        // Without slices each backend counts its pods instead (see `backend`).
        let slices = match ctx
            .kube
            .list::<EndpointSlice>(ns, &ListParams::default(), 50_000)
            .await
        {
            Ok((s, _)) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "EndpointSlices could not be listed; counting pods per backend instead");
                None
            }
        };
        let gateways: Vec<DynamicObject> = match ctx
            .kube
            .list_dynamic(
                &ar("gateway.networking.k8s.io", "v1", "Gateway", "gateways"),
                true,
                None,
                &ListParams::default(),
                1_000,
            )
            .await
        {
            Ok((g, _)) => g,
            Err(Error::Api { code: 404, .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        for (kind, plural) in [("HTTPRoute", "httproutes"), ("GRPCRoute", "grpcroutes")] {
            let items = match ctx
                .kube
                .list_dynamic(
                    &ar("gateway.networking.k8s.io", "v1", kind, plural),
                    true,
                    ns,
                    &lp,
                    5_000,
                )
                .await
            {
                Ok((items, _)) => items,
                Err(Error::Api { code: 404, .. }) => {
                    not_served.push(format!("{kind} (gateway.networking.k8s.io/v1)"));
                    continue;
                }
                Err(e) => return Err(e),
            };
            for r in items {
                let rns = r.metadata.namespace.clone().unwrap_or_default();
                let name = r.metadata.name.clone().unwrap_or_default();
                let mut parents = Vec::new();
                for pr in r
                    .data
                    .pointer("/spec/parentRefs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let gns = pr
                        .get("namespace")
                        .and_then(Value::as_str)
                        .unwrap_or(&rns)
                        .to_string();
                    let gname = s(pr, "/name");
                    let gw = gateways.iter().find(|g| {
                        g.metadata.name.as_deref() == Some(gname)
                            && g.metadata.namespace.as_deref() == Some(gns.as_str())
                    });
                    let state = match gw {
                        None => "gateway not found".to_string(),
                        Some(g) => {
                            let programmed = g
                                .data
                                .pointer("/status/conditions")
                                .and_then(Value::as_array)
                                .and_then(|cs| cs.iter().find(|c| s(c, "/type") == "Programmed"))
                                .map(|c| s(c, "/status").to_string())
                                .unwrap_or_else(|| "?".into());
                            format!(
                                "class {} programmed={programmed}",
                                s(&g.data, "/spec/gatewayClassName")
                            )
                        }
                    };
                    let section = pr
                        .get("sectionName")
                        .and_then(Value::as_str)
                        .map(|x| format!(" listener {x}"))
                        .unwrap_or_default();
                    parents.push(format!("Gateway {gns}/{gname}{section} ({state})"));
                }
                let mut conds = Vec::new();
                for ps in r
                    .data
                    .pointer("/status/parents")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    conds.extend(conditions(ps.get("conditions").unwrap_or(&Value::Null)));
                }
                let hostnames = r
                    .data
                    .pointer("/spec/hostnames")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                let mut rules = Vec::new();
                let mut backends = Vec::new();
                for (i, rule) in r
                    .data
                    .pointer("/spec/rules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let matches: Vec<String> = rule
                        .get("matches")
                        .and_then(Value::as_array)
                        .map(|ms| {
                            ms.iter()
                                .map(|m| {
                                    let path = m
                                        .get("path")
                                        .map(|p| format!("{} {}", s(p, "/type"), s(p, "/value")))
                                        .unwrap_or_default();
                                    let method = m
                                        .get("method")
                                        .and_then(Value::as_str)
                                        .map(|x| format!(" {x}"))
                                        .unwrap_or_default();
                                    format!("{path}{method}")
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let timeouts = rule
                        .get("timeouts")
                        .map(|t| format!(" timeouts {t}"))
                        .unwrap_or_default();
                    let filters = rule
                        .get("filters")
                        .and_then(Value::as_array)
                        .map(|fs| {
                            format!(
                                " filters [{}]",
                                fs.iter()
                                    .map(|f| s(f, "/type").to_string())
                                    .collect::<Vec<_>>()
                                    .join(",")
                            )
                        })
                        .unwrap_or_default();
                    let refs = backend_refs(rule);
                    rules.push(format!(
                        "rule {i}: {}{}{}{} -> {}",
                        if hostnames.is_empty() {
                            String::new()
                        } else {
                            format!("hosts {hostnames} ")
                        },
                        if matches.is_empty() {
                            "all".to_string()
                        } else {
                            matches.join(" | ")
                        },
                        timeouts,
                        filters,
                        refs.iter()
                            .map(|(n, ns2, port)| format!(
                                "{}{}{}",
                                ns2.as_deref().map(|x| format!("{x}/")).unwrap_or_default(),
                                n,
                                port.map(|p| format!(":{p}")).unwrap_or_default()
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    for (bname, bns, port) in refs {
                        let bns = bns.unwrap_or_else(|| rns.clone());
                        backends.push(backend(ctx, &bns, &bname, port, slices.as_deref()).await?);
                    }
                }
                let mut route = Route {
                    kind: kind.into(),
                    route: format!("{rns}/{name}"),
                    parents,
                    conditions: conds,
                    rules,
                    backends,
                    verdict: String::new(),
                };
                route.verdict = verdict(&route);
                routes.push(route);
            }
        }
        let (ingresses, _) = ctx.kube.list::<Ingress>(ns, &lp, 5_000).await?;
        for ing in ingresses {
            let ins = ing.metadata.namespace.clone().unwrap_or_default();
            let spec = ing.spec.clone().unwrap_or_default();
            let mut rules = Vec::new();
            let mut backends = Vec::new();
            for r in spec.rules.iter().flatten() {
                for path in r.http.iter().flat_map(|h| h.paths.iter()) {
                    let svc = path.backend.service.as_ref();
                    let port = svc
                        .and_then(|s| s.port.as_ref())
                        .and_then(|p| p.number)
                        .map(i64::from);
                    rules.push(format!(
                        "host {} {} {} -> {}",
                        r.host.as_deref().unwrap_or("*"),
                        path.path_type,
                        path.path.as_deref().unwrap_or("/"),
                        svc.map(|s| s.name.clone()).unwrap_or_default()
                    ));
                    if let Some(svc) = svc {
                        backends
                            .push(backend(ctx, &ins, &svc.name, port, slices.as_deref()).await?);
                    }
                }
            }
            let mut route = Route {
                kind: "Ingress".into(),
                route: format!("{ins}/{}", ing.metadata.name.clone().unwrap_or_default()),
                parents: vec![format!(
                    "ingressClass {}",
                    spec.ingress_class_name.as_deref().unwrap_or("<default>")
                )],
                conditions: Vec::new(),
                rules,
                backends,
                verdict: String::new(),
            };
            route.verdict = verdict(&route);
            routes.push(route);
        }
        if routes.is_empty()
            && let Some(n) = &p.name
        {
            return Err(Error::NotFound(format!(
                "no HTTPRoute, GRPCRoute or Ingress named `{n}`{}",
                ns.map(|x| format!(" in namespace `{x}`"))
                    .unwrap_or_default()
            )));
        }
        routes.sort_by(|a, b| {
            (a.verdict == "ok")
                .cmp(&(b.verdict == "ok"))
                .then(a.route.cmp(&b.route))
        });
        let omitted = routes.len().saturating_sub(MAX_ROUTES);
        routes.truncate(MAX_ROUTES);
        Ok(Output {
            routes,
            omitted,
            not_served,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        if o.routes.is_empty() {
            w.line("no routes found");
        }
        w.section("route lines");
        for r in &o.routes {
            w.line(format!("{} {}: {}", r.kind, r.route, r.verdict));
            for p in &r.parents {
                w.line(format!("  parent {p}"));
            }
            for c in &r.conditions {
                w.line(format!("  status {c}"));
            }
            for rule in &r.rules {
                w.line(format!("  {rule}"));
            }
            for b in &r.backends {
                w.line(format!(
                    "  backend {}{}  selector {}  endpoints ready {} not ready {}{}",
                    b.service,
                    if !b.exists {
                        " (MISSING)"
                    } else if !b.port_ok {
                        " (PORT NOT ON SERVICE)"
                    } else {
                        ""
                    },
                    if b.selector.is_empty() {
                        "<none>"
                    } else {
                        &b.selector
                    },
                    b.ready_endpoints,
                    b.not_ready_endpoints,
                    if b.not_ready_pods.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", b.not_ready_pods.join(", "))
                    }
                ));
            }
        }
        if !o.not_served.is_empty() {
            w.line(format!(
                "not served by this cluster: {}",
                o.not_served.join(", ")
            ));
        }
        w.drop_lines(o.omitted);
        w.finish("pass namespace= or name= for one route")
    }
}
