//! `rollout_history`: a Deployment's revisions (its ReplicaSets), when each rolled, and what
//! changed in the pod template between consecutive revisions.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use kube::api::ListParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Tool, ToolContext};
use crate::budget::{Budget, Writer, clip};
use crate::k8s::not_found_in;
use crate::redact::redact_env;
use crate::{Clock, Error, Result};

const MAX_REVISIONS: usize = 10;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Revision {
    pub revision: i64,
    pub replicaset: String,
    /// When this revision's ReplicaSet was created (the rollout start).
    #[schemars(with = "Option<String>")]
    pub created: Option<jiff::Timestamp>,
    pub created_ago: String,
    pub replicas: i32,
    pub ready: i32,
    pub images: Vec<String>,
    /// Differences from the previous revision's pod template (image, args, env, resources, probes).
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Output {
    pub deployment: String,
    /// Newest first.
    pub revisions: Vec<Revision>,
    pub omitted: usize,
}

/// Flatten a pod template into comparable `key = value` facts.
pub fn template_facts(t: &PodTemplateSpec) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(spec) = &t.spec else { return out };
    for c in &spec.containers {
        let k = |what: &str| format!("{}.{what}", c.name);
        out.push((k("image"), c.image.clone().unwrap_or_default()));
        if let Some(cmd) = &c.command {
            out.push((k("command"), cmd.join(" ")));
        }
        for (i, a) in c.args.iter().flatten().enumerate() {
            // Flags compare by name so `--max-model-len=8192` → `=32768` reads as one change.
            let (name, _) = a.split_once('=').unwrap_or((a.as_str(), ""));
            let key = if name.starts_with("--") {
                format!("{}.arg {name}", c.name)
            } else {
                format!("{}.arg[{i}]", c.name)
            };
            out.push((key, crate::redact::redact_text(a).into_owned()));
        }
        for e in c.env.iter().flatten() {
            let v = match (&e.value, &e.value_from) {
                (Some(v), _) => redact_env(&e.name, v),
                (None, Some(vf)) => {
                    if let Some(s) = &vf.secret_key_ref {
                        format!("<secret {}/{}>", s.name, s.key)
                    } else if let Some(cm) = &vf.config_map_key_ref {
                        format!("<configmap {}/{}>", cm.name, cm.key)
                    } else {
                        "<from field>".into()
                    }
                }
                _ => String::new(),
            };
            out.push((format!("{}.env {}", c.name, e.name), v));
        }
        if let Some(r) = &c.resources {
            for (kind, m) in [("requests", &r.requests), ("limits", &r.limits)] {
                for (res, q) in m.iter().flatten() {
                    out.push((format!("{}.{kind}.{res}", c.name), q.0.clone()));
                }
            }
        }
        for (kind, p) in [
            ("livenessProbe", &c.liveness_probe),
            ("readinessProbe", &c.readiness_probe),
            ("startupProbe", &c.startup_probe),
        ] {
            if let Some(p) = p {
                out.push((format!("{}.{kind}", c.name), probe_text(p)));
            }
        }
    }
    // Where each volume comes from: a cache moved from a claim to an emptyDir (re-downloaded
    // at every start) or a renamed Secret is a change like any other.
    for v in spec.volumes.iter().flatten() {
        out.push((format!("volume {}", v.name), volume_source(v)));
    }
    if let Some(ns) = &spec.node_selector {
        for (k, v) in ns {
            out.push((format!("nodeSelector.{k}"), v.clone()));
        }
    }
    out
}

/// A volume's source in a few words: `persistentVolumeClaim hf-cache`, `emptyDir`,
/// `emptyDir medium=Memory sizeLimit=20Gi`, `secret tls-cert`, `configMap app-config`.
fn volume_source(v: &k8s_openapi::api::core::v1::Volume) -> String {
    if let Some(c) = &v.persistent_volume_claim {
        format!("persistentVolumeClaim {}", c.claim_name)
    } else if let Some(e) = &v.empty_dir {
        let mut s = "emptyDir".to_string();
        if let Some(m) = e.medium.as_deref().filter(|m| !m.is_empty()) {
            s.push_str(&format!(" medium={m}"));
        }
        if let Some(l) = &e.size_limit {
            s.push_str(&format!(" sizeLimit={}", l.0));
        }
        s
    } else if let Some(x) = &v.secret {
        format!("secret {}", x.secret_name.as_deref().unwrap_or("?"))
    } else if let Some(x) = &v.config_map {
        format!("configMap {}", x.name)
    } else if let Some(x) = &v.host_path {
        format!("hostPath {}", x.path)
    } else if let Some(x) = &v.nfs {
        format!("nfs {}:{}", x.server, x.path)
    } else if let Some(x) = &v.csi {
        format!("csi {}", x.driver)
    } else if v.ephemeral.is_some() {
        "ephemeral".into()
    } else if v.projected.is_some() {
        "projected".into()
    } else if v.downward_api.is_some() {
        "downwardAPI".into()
    } else {
        "other".into()
    }
}

/// A probe in one line: `http GET :8000/health delay=0s period=10s timeout=1s failures=3`.
pub fn probe_text(p: &k8s_openapi::api::core::v1::Probe) -> String {
    let how = if let Some(h) = &p.http_get {
        format!(
            "http GET :{}{}",
            port_text(&h.port),
            h.path.as_deref().unwrap_or("/")
        )
    } else if let Some(t) = &p.tcp_socket {
        format!("tcp :{}", port_text(&t.port))
    } else if let Some(e) = &p.exec {
        format!(
            "exec {}",
            e.command.as_ref().map(|c| c.join(" ")).unwrap_or_default()
        )
    } else if let Some(g) = &p.grpc {
        format!("grpc :{}", g.port)
    } else {
        "?".into()
    };
    format!(
        "{how} delay={}s period={}s timeout={}s failures={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.period_seconds.unwrap_or(10),
        p.timeout_seconds.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    )
}

fn port_text(p: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> String {
    match p {
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(i) => i.to_string(),
        k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
    }
}

/// What changed from `old` to `new`, one line per fact.
pub fn diff(old: &[(String, String)], new: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in new {
        match old.iter().find(|(ok, _)| ok == k) {
            Some((_, ov)) if ov != v => {
                out.push(format!("{k}: {} -> {}", clip(ov, 120), clip(v, 120)))
            }
            None => out.push(format!("{k}: added {}", clip(v, 120))),
            _ => {}
        }
    }
    for (k, v) in old {
        if !new.iter().any(|(nk, _)| nk == k) {
            out.push(format!("{k}: removed (was {})", clip(v, 120)));
        }
    }
    out
}

pub fn revision_of(rs: &ReplicaSet) -> i64 {
    rs.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision"))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

pub struct RolloutHistory;

impl Tool for RolloutHistory {
    const NAME: &'static str = "rollout_history";
    const DESCRIPTION: &'static str = "A Deployment's revisions, newest first: when each rolled out and what changed (image, args, env, resources, probes).";
    type Params = Params;
    type Output = Output;

    async fn run(ctx: &ToolContext, p: Params) -> Result<Output> {
        let Some(deploy) = ctx.kube.get::<Deployment>(&p.namespace, &p.name).await? else {
            ctx.kube.ensure_namespace(&p.namespace).await?;
            let (ds, _) = ctx
                .kube
                .list::<Deployment>(Some(&p.namespace), &ListParams::default(), 5_000)
                .await?;
            let names: Vec<String> = ds.into_iter().filter_map(|d| d.metadata.name).collect();
            return Err(Error::NotFound(not_found_in(
                "deployment",
                &p.name,
                Some(&p.namespace),
                &names,
            )));
        };
        let uid = deploy.metadata.uid.clone().unwrap_or_default();
        let (rss, _) = ctx
            .kube
            .list::<ReplicaSet>(Some(&p.namespace), &ListParams::default(), 20_000)
            .await?;
        let mut owned: Vec<ReplicaSet> = rss
            .into_iter()
            .filter(|rs| {
                rs.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == uid || (o.kind == "Deployment" && o.name == p.name))
            })
            .collect();
        owned.sort_by_key(revision_of);
        let clock = ctx.clock();
        let mut revisions = Vec::new();
        let mut prev: Option<Vec<(String, String)>> = None;
        for rs in &owned {
            let facts = rs
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .map(template_facts)
                .unwrap_or_default();
            let changes = prev
                .as_ref()
                .map(|old| diff(old, &facts))
                .unwrap_or_default();
            let images = facts
                .iter()
                .filter(|(k, _)| k.ends_with(".image"))
                .map(|(_, v)| v.clone())
                .collect();
            revisions.push(Revision {
                revision: revision_of(rs),
                replicaset: rs.metadata.name.clone().unwrap_or_default(),
                created: rs.metadata.creation_timestamp.as_ref().map(|t| t.0),
                created_ago: super::age_of(clock, rs.metadata.creation_timestamp.as_ref()),
                replicas: rs.status.as_ref().map_or(0, |s| s.replicas),
                ready: rs
                    .status
                    .as_ref()
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0),
                images,
                changes,
            });
            prev = Some(facts);
        }
        revisions.reverse();
        let omitted = revisions.len().saturating_sub(MAX_REVISIONS);
        revisions.truncate(MAX_REVISIONS);
        Ok(Output {
            deployment: format!("{}/{}", p.namespace, p.name),
            revisions,
            omitted,
        })
    }

    fn render(o: &Output, budget: Budget, _clock: Clock) -> String {
        let mut w = Writer::new(budget);
        w.line(format!(
            "rollout history of deployment {} ({} revisions, newest first):",
            o.deployment,
            o.revisions.len() + o.omitted
        ));
        w.section("revision lines");
        for r in &o.revisions {
            w.line(format!(
                "revision {}  {}  rolled {} ago ({})  replicas {} ready {}  image {}",
                r.revision,
                r.replicaset,
                r.created_ago,
                r.created.map(|t| t.to_string()).unwrap_or_default(),
                r.replicas,
                r.ready,
                r.images.join(", ")
            ));
            if !r.changes.is_empty() {
                for c in &r.changes {
                    w.line(format!("    changed {c}"));
                }
            }
        }
        w.drop_lines(o.omitted);
        w.finish("older revisions are omitted")
    }
}
