//! `ktriage snapshot`: capture a live cluster (or a replay) into the snapshot folder format,
//! redacted, so an incident can be shared and replayed. Reads only through [`KubeReader`].

use std::collections::BTreeSet;
use std::path::Path;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{ApiResource, GroupVersionKind, ListParams, LogParams};
use serde_json::Value;

use crate::k8s::KubeReader;
use crate::redact::{redact_json, redact_text};
use crate::{Error, Result};

/// Kinds captured, as (group, version, kind, plural, namespaced).
const CAPTURED: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "Namespace", "namespaces", false),
    ("", "v1", "Node", "nodes", false),
    ("", "v1", "Pod", "pods", true),
    ("", "v1", "Event", "events", true),
    ("", "v1", "Service", "services", true),
    ("", "v1", "ConfigMap", "configmaps", true),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
    ),
    ("", "v1", "ResourceQuota", "resourcequotas", true),
    ("", "v1", "LimitRange", "limitranges", true),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "ReplicaSet", "replicasets", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("batch", "v1", "Job", "jobs", true),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    (
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        true,
    ),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    (
        "gateway.networking.k8s.io",
        "v1",
        "GatewayClass",
        "gatewayclasses",
        false,
    ),
    (
        "gateway.networking.k8s.io",
        "v1",
        "Gateway",
        "gateways",
        true,
    ),
    (
        "gateway.networking.k8s.io",
        "v1",
        "HTTPRoute",
        "httproutes",
        true,
    ),
];

/// What a capture wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CaptureReport {
    pub objects: usize,
    pub log_files: usize,
    /// Kinds the cluster does not serve or the profile may not read, with why.
    pub skipped: Vec<String>,
}

/// Capture `namespaces` (all readable when empty) into `out`, with up to `log_tail` lines of
/// each container's current and previous log.
pub async fn capture(
    kube: &KubeReader,
    namespaces: &[String],
    out: &Path,
    log_tail: i64,
) -> Result<CaptureReport> {
    let cluster = out.join("cluster");
    std::fs::create_dir_all(&cluster)
        .map_err(|e| Error::Capture(format!("cannot create {}: {e}", cluster.display())))?;
    let mut report = CaptureReport::default();
    let wanted: BTreeSet<&str> = namespaces.iter().map(String::as_str).collect();
    let in_scope = |ns: Option<&str>| wanted.is_empty() || ns.is_some_and(|n| wanted.contains(n));
    for (g, v, kind, plural, namespaced) in CAPTURED {
        let ar = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(g, v, kind), plural);
        let items = match kube
            .list_dynamic(&ar, *namespaced, None, &ListParams::default(), 200_000)
            .await
        {
            Ok((items, _)) => items,
            Err(e) => {
                report.skipped.push(format!("{kind}: {e}"));
                continue;
            }
        };
        let mut docs = Vec::new();
        for mut o in items {
            let keep = if *namespaced {
                in_scope(o.metadata.namespace.as_deref())
            } else if *kind == "Namespace" {
                in_scope(o.metadata.name.as_deref())
            } else {
                true
            };
            if !keep {
                continue;
            }
            o.metadata.managed_fields = None;
            let mut v =
                serde_json::to_value(&o).map_err(|e| Error::Capture(format!("{kind}: {e}")))?;
            if let Some(m) = v.as_object_mut() {
                m.insert("apiVersion".into(), Value::String(ar.api_version.clone()));
                m.insert("kind".into(), Value::String(kind.to_string()));
            }
            redact_json(&mut v);
            docs.push(v);
        }
        if docs.is_empty() {
            continue;
        }
        report.objects += docs.len();
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": docs});
        let text =
            serde_yaml::to_string(&list).map_err(|e| Error::Capture(format!("{kind}: {e}")))?;
        let file = cluster.join(format!("{}.yaml", plural));
        std::fs::write(&file, text)
            .map_err(|e| Error::Capture(format!("cannot write {}: {e}", file.display())))?;
    }
    // Logs: current and previous instance of every container, redacted.
    let (pods, _) = kube
        .list::<Pod>(None, &ListParams::default(), 200_000)
        .await?;
    for pod in pods
        .iter()
        .filter(|p| in_scope(p.metadata.namespace.as_deref()))
    {
        let (Some(ns), Some(name)) = (
            pod.metadata.namespace.as_deref(),
            pod.metadata.name.as_deref(),
        ) else {
            continue;
        };
        let statuses = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.clone())
            .unwrap_or_default();
        for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
            let restarted = statuses
                .iter()
                .any(|s| s.name == c.name && s.restart_count > 0);
            for previous in [false, true] {
                if previous && !restarted {
                    continue;
                }
                let lp = LogParams {
                    container: Some(c.name.clone()),
                    previous,
                    tail_lines: Some(log_tail),
                    timestamps: true,
                    limit_bytes: Some(8 << 20),
                    ..Default::default()
                };
                let Ok(text) = kube.logs(ns, name, &lp).await else {
                    continue;
                };
                let dir = out.join("logs").join(ns).join(name);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| Error::Capture(format!("cannot create {}: {e}", dir.display())))?;
                let file = dir.join(format!(
                    "{}{}.log",
                    c.name,
                    if previous { ".previous" } else { "" }
                ));
                std::fs::write(&file, redact_text(&text).as_bytes())
                    .map_err(|e| Error::Capture(format!("cannot write {}: {e}", file.display())))?;
                report.log_files += 1;
            }
        }
    }
    Ok(report)
}
