//! `describe`: one object, like `kubectl describe` but compact — essentials of the spec, status,
//! conditions, the owner chain and related events. Secrets are refused; credentials redacted.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::events::{EventGroup, ListedEvent, event_line, group};
use super::rollout_history::probe_text;
use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::redact::{redact_env, redact_json, redact_text};
use crate::snapshot::kinds::plural_of;
use crate::{Clock, Error, Result};

const MAX_LINES: usize = 400;
const MAX_EVENTS: usize = 20;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Kind, plural or short name: Pod, deploy, HTTPRoute, svc...
    pub kind: String,
    pub name: String,
    /// Omit for cluster-scoped kinds.
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub kind: String,
    /// `namespace/name`, or `name` when cluster-scoped.
    pub object: String,
    /// `Kind/name` of each owner, nearest first (ReplicaSet/x, Deployment/y).
    pub owners: Vec<String>,
    /// The description, line by line (at most 400 lines).
    pub lines: Vec<String>,
    pub omitted_lines: usize,
    /// Events about this object, merged, newest first (at most 20).
    pub events: Vec<EventGroup>,
}

pub struct Describe;

fn push_yaml(lines: &mut Vec<String>, v: &Value, indent: usize, key: &str) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(m) if m.is_empty() => {}
        Value::Object(m) => {
            if !key.is_empty() {
                lines.push(format!("{pad}{key}:"));
            }
            let inner = if key.is_empty() { indent } else { indent + 1 };
            for (k, v) in m {
                push_yaml(lines, v, inner, k);
            }
        }
        Value::Array(a) if a.is_empty() => {}
        Value::Array(a) => {
            let scalars = a.iter().all(|x| !x.is_object() && !x.is_array());
            if scalars {
                let items: Vec<String> = a.iter().map(scalar).collect();
                lines.push(format!("{pad}{key}: [{}]", clip(&items.join(", "), 300)));
            } else {
                lines.push(format!("{pad}{key}:"));
                for (i, x) in a.iter().enumerate() {
                    push_yaml(lines, x, indent + 1, &format!("- [{i}]"));
                }
            }
        }
        other => lines.push(format!("{pad}{key}: {}", clip(&scalar(other), 300))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.replace('\n', "\\n"),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn pod_lines(pod: &Pod, clock: Clock) -> Vec<String> {
    let mut l = Vec::new();
    let status = pod.status.clone().unwrap_or_default();
    let spec = pod.spec.clone().unwrap_or_default();
    l.push(format!(
        "status: {} (phase {})  node: {}  ip: {}  qos: {}",
        super::pod_facts::pod_status(pod),
        status.phase.as_deref().unwrap_or("?"),
        spec.node_name.as_deref().unwrap_or("<none>"),
        status.pod_ip.as_deref().unwrap_or("<none>"),
        status.qos_class.as_deref().unwrap_or("?")
    ));
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|sa| *sa != "default")
    {
        l.push(format!("serviceAccount: {sa}"));
    }
    if let Some(ns) = &spec.node_selector {
        l.push(format!(
            "nodeSelector: {}",
            ns.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for t in spec
        .tolerations
        .iter()
        .flatten()
        .filter(|t| !is_default_toleration(t))
    {
        l.push(format!(
            "toleration: {}={}:{}",
            t.key.as_deref().unwrap_or("*"),
            t.value.as_deref().unwrap_or(""),
            t.effect.as_deref().unwrap_or("*")
        ));
    }
    let statuses = status.container_statuses.clone().unwrap_or_default();
    for c in spec
        .init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
    {
        l.push(format!(
            "container {}: image {}",
            c.name,
            c.image.as_deref().unwrap_or("?")
        ));
        if let Some(cmd) = &c.command {
            l.push(format!(
                "  command: {}",
                clip(&redact_text(&cmd.join(" ")), 300)
            ));
        }
        if let Some(args) = &c.args {
            l.push(format!(
                "  args: {}",
                clip(&redact_text(&args.join(" ")), 400)
            ));
        }
        let ports: Vec<String> = c
            .ports
            .iter()
            .flatten()
            .map(|p| {
                format!(
                    "{}{}",
                    p.container_port,
                    p.name
                        .as_deref()
                        .map(|n| format!("({n})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        if !ports.is_empty() {
            l.push(format!("  ports: {}", ports.join(", ")));
        }
        if let Some(r) = &c.resources {
            let f = |m: &Option<
                std::collections::BTreeMap<
                    String,
                    k8s_openapi::apimachinery::pkg::api::resource::Quantity,
                >,
            >| {
                m.iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={}", v.0))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            l.push(format!(
                "  requests: {}  limits: {}",
                f(&r.requests),
                f(&r.limits)
            ));
        }
        for (kind, p) in [
            ("liveness", &c.liveness_probe),
            ("readiness", &c.readiness_probe),
            ("startup", &c.startup_probe),
        ] {
            if let Some(p) = p {
                l.push(format!("  {kind}: {}", probe_text(p)));
            }
        }
        for e in c.env.iter().flatten() {
            let v = match (&e.value, &e.value_from) {
                (Some(v), _) => redact_env(&e.name, v),
                (None, Some(vf)) => match (
                    &vf.secret_key_ref,
                    &vf.config_map_key_ref,
                    &vf.field_ref,
                    &vf.resource_field_ref,
                ) {
                    (Some(s), ..) => format!("<secret {} key {}>", s.name, s.key),
                    (_, Some(c), ..) => format!("<configmap {} key {}>", c.name, c.key),
                    (_, _, Some(f), _) => format!("<field {}>", f.field_path),
                    (_, _, _, Some(r)) => format!("<resource {}>", r.resource),
                    _ => "<from>".into(),
                },
                _ => String::new(),
            };
            l.push(format!("  env {}={}", e.name, clip(&v, 200)));
        }
        for ef in c.env_from.iter().flatten() {
            if let Some(s) = &ef.secret_ref {
                l.push(format!("  envFrom secret {} (values not shown)", s.name));
            }
            if let Some(cm) = &ef.config_map_ref {
                l.push(format!("  envFrom configmap {}", cm.name));
            }
        }
        for m in c
            .volume_mounts
            .iter()
            .flatten()
            .filter(|m| !is_service_account_token(&m.name))
        {
            l.push(format!(
                "  mount {}{} -> {}{}",
                m.name,
                m.sub_path
                    .as_deref()
                    .or(m.sub_path_expr.as_deref())
                    .map(|p| format!(" subPath {p}"))
                    .unwrap_or_default(),
                m.mount_path,
                if m.read_only == Some(true) {
                    " (ro)"
                } else {
                    ""
                }
            ));
        }
        if let Some(s) = statuses.iter().find(|s| s.name == c.name) {
            let state = s.state.as_ref().map(|st| {
                if let Some(w) = &st.waiting {
                    format!(
                        "Waiting {}: {}",
                        w.reason.as_deref().unwrap_or(""),
                        clip(&redact_text(w.message.as_deref().unwrap_or("")), 240)
                    )
                } else if let Some(t) = &st.terminated {
                    format!(
                        "Terminated {} exit {}",
                        t.reason.as_deref().unwrap_or(""),
                        t.exit_code
                    )
                } else if let Some(r) = &st.running {
                    format!(
                        "Running since {}",
                        super::age_of(clock, r.started_at.as_ref())
                    )
                } else {
                    "?".into()
                }
            });
            l.push(format!(
                "  state: {}  ready: {}  restarts: {}",
                state.unwrap_or_default(),
                s.ready,
                s.restart_count
            ));
            if let Some(t) = s.last_state.as_ref().and_then(|ls| ls.terminated.as_ref()) {
                l.push(format!(
                    "  last terminated: {} exit {} finished {} ago{}",
                    t.reason.as_deref().unwrap_or(""),
                    t.exit_code,
                    super::age_of(clock, t.finished_at.as_ref()),
                    t.message
                        .as_deref()
                        .map(|m| format!(": {}", clip(&redact_text(m), 300)))
                        .unwrap_or_default()
                ));
            }
        }
    }
    for v in spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| !(is_service_account_token(&v.name) && v.projected.is_some()))
    {
        let src = if let Some(c) = &v.config_map {
            format!("configmap {}", c.name)
        } else if let Some(s) = &v.secret {
            format!("secret {}", s.secret_name.as_deref().unwrap_or("?"))
        } else if let Some(p) = &v.persistent_volume_claim {
            format!("pvc {}", p.claim_name)
        } else if v.empty_dir.is_some() {
            "emptyDir".into()
        } else if let Some(h) = &v.host_path {
            format!("hostPath {}", h.path)
        } else if v.projected.is_some() {
            "projected".into()
        } else {
            "other".into()
        };
        l.push(format!("volume {}: {src}", v.name));
    }
    // True conditions share a line; the others say why.
    let conditions = status.conditions.unwrap_or_default();
    let fine: Vec<&str> = conditions
        .iter()
        .filter(|c| c.status == "True")
        .map(|c| c.type_.as_str())
        .collect();
    if !fine.is_empty() {
        l.push(format!("conditions True: {}", fine.join(", ")));
    }
    for c in conditions.iter().filter(|c| c.status != "True") {
        l.push(format!(
            "condition {}={}{}",
            c.type_,
            c.status,
            c.reason
                .as_deref()
                .map(|r| format!(
                    " ({r}{})",
                    c.message
                        .as_deref()
                        .map(|m| format!(": {}", clip(m, 200)))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
        ));
    }
    l
}

/// A typed Pod from a dynamic object's (redacted) spec and status, decoded in place.
fn pod_of(
    metadata: kube::api::ObjectMeta,
    data: &Value,
) -> std::result::Result<Pod, serde_json::Error> {
    let part = |key: &str| data.get(key).filter(|v| !v.is_null());
    Ok(Pod {
        metadata,
        spec: part("spec").map(Deserialize::deserialize).transpose()?,
        status: part("status").map(Deserialize::deserialize).transpose()?,
    })
}

/// The tolerations admission adds to every pod (`DefaultTolerationSeconds`): the same in every
/// pod, so not shown. A changed grace period is shown.
fn is_default_toleration(t: &k8s_openapi::api::core::v1::Toleration) -> bool {
    matches!(
        t.key.as_deref(),
        Some("node.kubernetes.io/not-ready" | "node.kubernetes.io/unreachable")
    ) && t.effect.as_deref() == Some("NoExecute")
        && t.operator.as_deref().is_none_or(|o| o == "Exists")
        && t.toleration_seconds.is_none_or(|s| s == 300)
}

/// The service-account token volume every pod mounts (`kube-api-access-*`): not shown.
fn is_service_account_token(volume: &str) -> bool {
    volume.starts_with("kube-api-access-")
}

/// Owner chain from an object's ownerReferences, following controllers up to 3 hops.
async fn owners(ctx: &ToolContext, ns: Option<&str>, obj: &DynamicObject) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = obj.metadata.owner_references.clone();
    for _ in 0..3 {
        let Some(o) = cur
            .as_ref()
            .and_then(|os| {
                os.iter()
                    .find(|o| o.controller == Some(true))
                    .or(os.first())
            })
            .cloned()
        else {
            break;
        };
        out.push(format!("{}/{}", o.kind, o.name));
        let (group, version) = o
            .api_version
            .split_once('/')
            .unwrap_or(("", o.api_version.as_str()));
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(group, version, &o.kind),
            &plural_of(&o.kind),
        );
        match ctx
            .kube
            .get_dynamic(&ar, ns.is_some(), ns.unwrap_or(""), &o.name)
            .await
        {
            Ok(Some(parent)) => cur = parent.metadata.owner_references.clone(),
            _ => break,
        }
    }
    out
}

impl Tool for Describe {
    const NAME: &'static str = "describe";
    const DESCRIPTION: &'static str = "Compact kubectl describe of one object, any kind but Secret: spec essentials (pods: images, args, env, resources, probes, mounts, last exit), status, conditions, owners, events.";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let (ar, namespaced) = ctx.kube.resolve(&p.kind).await?;
        let ns = if namespaced {
            Some(p.namespace.clone().ok_or_else(|| {
                Error::InvalidInput(format!("{} is namespaced: pass namespace=", ar.kind))
            })?)
        } else {
            None
        };
        let Some(obj) = ctx
            .kube
            .get_dynamic(&ar, namespaced, ns.as_deref().unwrap_or(""), &p.name)
            .await?
        else {
            if let Some(ns) = &ns {
                ctx.kube.ensure_namespace(ns).await?;
            }
            let (all, _) = ctx
                .kube
                .list_dynamic(
                    &ar,
                    namespaced,
                    ns.as_deref(),
                    &ListParams::default(),
                    5_000,
                )
                .await?;
            let names: Vec<String> = all.into_iter().filter_map(|o| o.metadata.name).collect();
            return Err(Error::NotFound(crate::k8s::not_found_in(
                &ar.kind.to_ascii_lowercase(),
                &p.name,
                ns.as_deref(),
                &names,
            )));
        };
        let clock = ctx.clock();
        // The owner chain and the object's events are read concurrently.
        let related_events = async {
            let Some(ns) = &ns else {
                return Ok(Vec::new());
            };
            let lp = ListParams::default().fields(&format!("involvedObject.name={}", p.name));
            let (evs, _) = ctx.kube.list::<ListedEvent>(Some(ns), &lp, 10_000).await?;
            let evs: Vec<ListedEvent> = evs
                .into_iter()
                .filter(|e| e.involved_object.kind.as_deref() == Some(ar.kind.as_str()))
                .collect();
            Ok::<_, Error>(group(&evs, MAX_EVENTS))
        };
        let (owners, events) = tokio::join!(owners(ctx, ns.as_deref(), &obj), related_events);
        let mut lines = Vec::new();
        lines.push(format!(
            "{} {}  age {}",
            ar.kind,
            crate::tool::nsname(ns.as_deref(), &p.name),
            super::age_of(clock, obj.metadata.creation_timestamp.as_ref())
        ));
        if let Some(l) = &obj.metadata.labels {
            lines.push(format!(
                "labels: {}",
                clip(
                    &l.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    400
                )
            ));
        }
        if let Some(a) = &obj.metadata.annotations {
            for (k, v) in a {
                if crate::redact::DROPPED_ANNOTATIONS.contains(&k.as_str()) {
                    continue;
                }
                let v = if crate::redact::is_secret_name(k) {
                    crate::redact::REDACTED.to_string()
                } else {
                    redact_text(v).into_owned()
                };
                lines.push(format!("annotation {k}: {}", clip(&v, 240)));
            }
        }
        if !owners.is_empty() {
            lines.push(format!("owned by: {}", owners.join(" <- ")));
        }
        if ar.kind == "Pod" && ar.group.is_empty() {
            let mut data = obj.data.clone();
            redact_json(&mut data);
            match pod_of(obj.metadata.clone(), &data) {
                Ok(pod) => lines.extend(pod_lines(&pod, clock)),
                Err(e) => lines.push(format!("(pod could not be decoded: {e})")),
            }
        } else {
            let mut data = obj.data.clone();
            redact_json(&mut data);
            for (k, v) in data.as_object().into_iter().flatten() {
                if k != "metadata" {
                    push_yaml(&mut lines, v, 0, k);
                }
            }
        }
        let omitted_lines = lines.len().saturating_sub(MAX_LINES);
        lines.truncate(MAX_LINES);
        // The description stands without its events; say why they are missing.
        let events = events.unwrap_or_else(|e| {
            lines.push(format!("(events could not be read: {e})"));
            Vec::new()
        });
        Ok(Output {
            kind: ar.kind.clone(),
            object: crate::tool::nsname(ns.as_deref(), &p.name),
            owners,
            lines,
            omitted_lines,
            events,
        })
    }

    fn render(o: &Output, budget: Budget, clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.section("description lines");
        for l in &o.lines {
            w.line(l);
        }
        w.drop_lines(o.omitted_lines);
        w.section("event lines");
        if o.events.is_empty() {
            w.line("events: none");
        } else {
            // The events are about this object: its name is not repeated on each line.
            let this = format!("{}/{}", o.kind, o.object);
            w.line("events (newest first):");
            for g in &o.events {
                w.line(format!("  {}", event_line(g, clock, g.object != this)));
            }
        }
        w.finish("use events, pod_logs or a narrower kind to see the rest")
    }
}
