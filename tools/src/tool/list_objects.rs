//! `list_objects`: every object of one kind — any kind the cluster serves, custom resources
//! included — one line each with the status that matters for that kind (PVC phase, HPA replicas
//! against its maximum, quota used against hard, NetworkPolicy selectors, Service selector and
//! ports, conditions for everything else). Secrets are refused.

use kube::api::{DynamicObject, ListParams};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::{Clock, Error, Result};

const MAX_OBJECTS: usize = 300;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Kind, plural or short name: pvc, networkpolicy, resourcequota, svc...
    pub kind: String,
    /// Omit for all namespaces or a cluster-scoped kind.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Label selector, e.g. `app=vllm`.
    #[serde(default)]
    pub selector: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ObjectLine {
    /// `namespace/name`, or `name` when cluster-scoped.
    pub object: String,
    pub age: String,
    /// The status that matters for this kind, compact.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub kind: String,
    pub objects: Vec<ObjectLine>,
    pub omitted: usize,
}

pub struct ListObjects;

impl Tool for ListObjects {
    const NAME: &'static str = "list_objects";
    const DESCRIPTION: &'static str = "Objects of one kind (CRDs too), a line each with the status that matters (PVC phase, quota used/hard, selectors, conditions).";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let (ar, namespaced) = ctx.kube.resolve(&p.kind).await?;
        if let Some(ns) = p.namespace.as_deref().filter(|_| namespaced) {
            ctx.kube.ensure_namespace(ns).await?;
        }
        let mut lp = ListParams::default();
        if let Some(s) = &p.selector {
            if s.trim().is_empty() {
                return Err(Error::InvalidInput("selector is empty".into()));
            }
            lp = lp.labels(s);
        }
        let ns = if namespaced {
            p.namespace.as_deref()
        } else {
            None
        };
        let (items, _) = ctx
            .kube
            .list_dynamic(&ar, namespaced, ns, &lp, 20_000)
            .await?;
        let clock = ctx.clock();
        let mut objects: Vec<ObjectLine> = items
            .iter()
            .map(|o| ObjectLine {
                object: super::nsname(
                    o.metadata.namespace.as_deref(),
                    o.metadata.name.as_deref().unwrap_or(""),
                ),
                age: super::age_of(clock, o.metadata.creation_timestamp.as_ref()),
                summary: summary(&ar.kind, o),
            })
            .collect();
        objects.sort_by(|a, b| a.object.cmp(&b.object));
        let omitted = objects.len().saturating_sub(MAX_OBJECTS);
        objects.truncate(MAX_OBJECTS);
        Ok(Output {
            kind: ar.kind,
            objects,
            omitted,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        if o.objects.is_empty() {
            w.line(format!("no {} found", o.kind));
        }
        w.section("objects");
        for x in &o.objects {
            w.line(format!(
                "{} {}  age {}  {}",
                o.kind, x.object, x.age, x.summary
            ));
        }
        if o.omitted > 0 {
            w.line(format!("... {} more not listed", o.omitted));
        }
        w.finish("pass namespace= or selector=, or describe one object")
    }
}

fn s(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    match cur {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn conditions(status: &Value) -> String {
    status["conditions"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let reason = s(c, &["reason"]);
                    let msg = s(c, &["message"]);
                    let mut t = format!("{}={}", s(c, &["type"]), s(c, &["status"]));
                    if !reason.is_empty() {
                        t.push_str(&format!(" ({reason})"));
                    }
                    if s(c, &["status"]) != "True" && !msg.is_empty() {
                        t.push_str(&format!(": {}", clip(&msg, 160)));
                    }
                    t
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

fn map_pairs(v: &Value) -> String {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_string)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn summary(kind: &str, o: &DynamicObject) -> String {
    let d = &o.data;
    let spec = &d["spec"];
    let status = &d["status"];
    let text = match kind {
        "PersistentVolumeClaim" => format!(
            "phase {}  class {}  request {}  volume {}",
            s(status, &["phase"]),
            s(spec, &["storageClassName"]),
            s(spec, &["resources", "requests", "storage"]),
            s(spec, &["volumeName"])
        ),
        "HorizontalPodAutoscaler" => format!(
            "target {}/{}  replicas current {} desired {} (min {} max {})  {}",
            s(spec, &["scaleTargetRef", "kind"]),
            s(spec, &["scaleTargetRef", "name"]),
            s(status, &["currentReplicas"]),
            s(status, &["desiredReplicas"]),
            s(spec, &["minReplicas"]),
            s(spec, &["maxReplicas"]),
            conditions(status)
        ),
        "ResourceQuota" => {
            let hard = status["hard"].as_object().cloned().unwrap_or_default();
            let used = &status["used"];
            let pairs: Vec<String> = hard
                .iter()
                .map(|(k, h)| {
                    format!(
                        "{k} {}/{}",
                        used[k].as_str().unwrap_or("0"),
                        h.as_str().unwrap_or("?")
                    )
                })
                .collect();
            format!("used/hard {}", pairs.join(", "))
        }
        "NetworkPolicy" => {
            let sel = map_pairs(&spec["podSelector"]["matchLabels"]);
            let rules = |k: &str| spec[k].as_array().map_or(0, Vec::len);
            let peers = |k: &str, dir: &str| {
                spec[k]
                    .as_array()
                    .map(|rs| {
                        rs.iter()
                            .flat_map(|r| r[dir].as_array().cloned().unwrap_or_default())
                            .map(|p| clip(&p.to_string(), 120))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default()
            };
            format!(
                "podSelector {{{}}}  policyTypes {}  ingress rules {} from {}  egress rules {} to {}",
                sel,
                spec["policyTypes"],
                rules("ingress"),
                peers("ingress", "from"),
                rules("egress"),
                peers("egress", "to")
            )
        }
        // Istio: what each HTTP route matches, where it sends traffic, and the timeout and
        // retries it imposes (the usual reason a mesh answers 504 on slow backends).
        "VirtualService" => {
            let list = |v: &Value| {
                v.as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default()
            };
            let routes: Vec<String> = spec["http"]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .map(|r| {
                            let matches: Vec<String> = r["match"]
                                .as_array()
                                .map(|ms| {
                                    ms.iter()
                                        .filter_map(|m| {
                                            let uri = m["uri"].as_object()?;
                                            let (how, v) = uri.iter().next()?;
                                            Some(format!("{how} {}", v.as_str().unwrap_or("")))
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            let dests: Vec<String> = r["route"]
                                .as_array()
                                .map(|ds| {
                                    ds.iter()
                                        .map(|d| {
                                            let port = s(&d["destination"], &["port", "number"]);
                                            format!(
                                                "{}{}",
                                                s(&d["destination"], &["host"]),
                                                if port.is_empty() {
                                                    String::new()
                                                } else {
                                                    format!(":{port}")
                                                }
                                            )
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            let mut t = format!(
                                "{}{} -> {}",
                                s(r, &["name"]),
                                if matches.is_empty() {
                                    String::new()
                                } else {
                                    format!(" ({})", matches.join(" | "))
                                },
                                dests.join(",")
                            );
                            let timeout = s(r, &["timeout"]);
                            if !timeout.is_empty() {
                                t.push_str(&format!(" timeout {timeout}"));
                            }
                            let attempts = s(&r["retries"], &["attempts"]);
                            if !attempts.is_empty() {
                                t.push_str(&format!(
                                    " retries {attempts} perTryTimeout {}",
                                    s(&r["retries"], &["perTryTimeout"])
                                ));
                            }
                            t
                        })
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "hosts {}  gateways {}  http routes: {}",
                list(&spec["hosts"]),
                list(&spec["gateways"]),
                routes.join("; ")
            )
        }
        // Kong: which plugin and its settings, credentials redacted (a rate-limiting plugin's
        // `minute`/`second` is where a gateway's 429s come from).
        "KongPlugin" | "KongClusterPlugin" => {
            let mut config = d["config"].clone();
            crate::redact::redact_json(&mut config);
            format!(
                "plugin {}  config {}  {}",
                s(d, &["plugin"]),
                clip(&config.to_string(), 300),
                conditions(status)
            )
        }
        "Service" => {
            let ports: Vec<String> = spec["ports"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| format!("{}->{}", s(p, &["port"]), s(p, &["targetPort"])))
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "type {}  selector {{{}}}  ports {}",
                s(spec, &["type"]),
                map_pairs(&spec["selector"]),
                ports.join(",")
            )
        }
        "BackendTLSPolicy" | "BackendTrafficPolicy" | "SecurityPolicy" | "ClientTrafficPolicy" => {
            // Targets, the policy's own settings (compact), and its status per ancestor.
            let targets: Vec<String> = spec["targetRefs"]
                .as_array()
                .cloned()
                .or_else(|| spec.get("targetRef").map(|t| vec![t.clone()]))
                .unwrap_or_default()
                .iter()
                .map(|t| format!("{}/{}", s(t, &["kind"]), s(t, &["name"])))
                .collect();
            let mut settings = spec.clone();
            if let Some(m) = settings.as_object_mut() {
                m.remove("targetRefs");
                m.remove("targetRef");
            }
            let conds: Vec<String> = status["ancestors"]
                .as_array()
                .map(|a| a.iter().map(conditions).filter(|c| !c.is_empty()).collect())
                .unwrap_or_default();
            format!(
                "targets {}  spec {}  {}",
                targets.join(","),
                clip(&settings.to_string(), 360),
                conds.join("; ")
            )
        }
        "Ingress" => {
            let rules: Vec<String> = spec["rules"]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .map(|r| {
                            let backends: Vec<String> = r["http"]["paths"]
                                .as_array()
                                .map(|ps| {
                                    ps.iter()
                                        .map(|p| {
                                            let svc = &p["backend"]["service"];
                                            format!(
                                                "{}->{}:{}",
                                                s(p, &["path"]),
                                                s(svc, &["name"]),
                                                svc["port"]["number"]
                                                    .as_i64()
                                                    .map(|n| n.to_string())
                                                    .unwrap_or_else(|| s(svc, &["port", "name"]))
                                            )
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            format!("{} {}", s(r, &["host"]), backends.join(","))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let notes: Vec<String> = o
                .metadata
                .annotations
                .iter()
                .flatten()
                .filter(|(k, _)| k.contains("ingress.kubernetes.io/") || k.contains("konghq.com/"))
                .map(|(k, v)| format!("{}={}", k.rsplit('/').next().unwrap_or(k), clip(v, 80)))
                .collect();
            format!(
                "class {}  rules {}  tls {}  annotations {}",
                s(spec, &["ingressClassName"]),
                rules.join("; "),
                spec["tls"].as_array().map_or(0, Vec::len),
                notes.join(" ")
            )
        }
        "EndpointSlice" => {
            let eps = d["endpoints"].as_array().cloned().unwrap_or_default();
            let ready = eps
                .iter()
                .filter(|e| e["conditions"]["ready"].as_bool().unwrap_or(true))
                .count();
            format!(
                "service {}  endpoints ready {ready}/{}",
                o.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("kubernetes.io/service-name"))
                    .map_or("?", String::as_str),
                eps.len()
            )
        }
        _ => {
            let phase = s(status, &["phase"]);
            let conds = conditions(status);
            let mut parts = Vec::new();
            if !phase.is_empty() {
                parts.push(format!("phase {phase}"));
            }
            for key in [
                "state",
                "reason",
                "notAfter",
                "renewalTime",
                "replicas",
                "readyReplicas",
            ] {
                let v = s(status, &[key]);
                if !v.is_empty() {
                    parts.push(format!("{key} {v}"));
                }
            }
            if !conds.is_empty() {
                parts.push(conds);
            }
            parts.join("  ")
        }
    };
    clip(text.trim(), 600)
}
