//! Server-side printing: the `meta.k8s.io/v1` Table that `kubectl get` asks for, with the columns
//! the real API server prints for the common kinds, and ages measured from the replay's clock.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::snapshot::ResourceType;

/// kubectl's `HumanDuration` (k8s.io/apimachinery/pkg/util/duration).
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let s = secs.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        return if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        };
    }
    if m < 180 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 8 {
        return if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        };
    }
    if h < 48 {
        return format!("{h}h");
    }
    if h < 24 * 8 {
        return if h % 24 == 0 {
            format!("{}d", h / 24)
        } else {
            format!("{}d{}h", h / 24, h % 24)
        };
    }
    if h < 24 * 365 * 2 {
        return format!("{}d", h / 24);
    }
    let y = h / (24 * 365);
    if h < 24 * 365 * 8 {
        return format!("{y}y{}d", (h / 24) % 365);
    }
    format!("{y}y")
}

fn ts(v: &Value, ptr: &str) -> Option<Timestamp> {
    v.pointer(ptr)?.as_str()?.parse().ok()
}

fn age(v: &Value, ptr: &str, now: Timestamp) -> String {
    match ts(v, ptr) {
        Some(t) => human_duration(now.duration_since(t).as_secs()),
        None => "<unknown>".into(),
    }
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn n(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

fn col(name: &str, ty: &str, priority: i64) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": ty, "format": format, "description": "", "priority": priority})
}

/// The STATUS column, from the one implementation of kubectl's printer logic.
fn pod_status(p: &Value) -> String {
    serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(p.clone())
        .map(|pod| crate::tool::pod_facts::pod_status(&pod))
        .unwrap_or_else(|_| "Unknown".into())
}

fn pod_row(p: &Value, now: Timestamp) -> Vec<Value> {
    let empty = Vec::new();
    let cs = p
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let total = p
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(cs.len(), Vec::len);
    let ready = cs
        .iter()
        .filter(|c| c.get("ready") == Some(&Value::Bool(true)))
        .count();
    let restarts: i64 = cs.iter().map(|c| n(c, "/restartCount")).sum();
    let last = cs
        .iter()
        .filter_map(|c| ts(c, "/lastState/terminated/finishedAt"))
        .max();
    let restarts = match last {
        Some(t) if restarts > 0 => format!(
            "{restarts} ({} ago)",
            human_duration(now.duration_since(t).as_secs())
        ),
        _ => restarts.to_string(),
    };
    let ip = s(p, "/status/podIP");
    let node = s(p, "/spec/nodeName");
    vec![
        json!(s(p, "/metadata/name")),
        json!(format!("{ready}/{total}")),
        json!(pod_status(p)),
        json!(restarts),
        json!(age(p, "/metadata/creationTimestamp", now)),
        json!(if ip.is_empty() { "<none>" } else { ip }),
        json!(if node.is_empty() { "<none>" } else { node }),
    ]
}

/// Computes one row's cells from an object.
type RowFn = Box<dyn Fn(&Value) -> Vec<Value>>;

/// Build the Table for these objects (full JSON values) of one type.
pub fn table(
    rtype: &ResourceType,
    objects: &[Value],
    now: Timestamp,
    resource_version: u64,
    include_object: bool,
) -> Value {
    let (columns, row): (Vec<Value>, RowFn) = match (rtype.group.as_str(), rtype.kind.as_str()) {
        ("", "Pod") => (
            vec![
                col("Name", "string", 0),
                col("Ready", "string", 0),
                col("Status", "string", 0),
                col("Restarts", "string", 0),
                col("Age", "string", 0),
                col("IP", "string", 1),
                col("Node", "string", 1),
            ],
            Box::new(move |p| pod_row(p, now)),
        ),
        (_, "Event") => (
            vec![
                col("Last Seen", "string", 0),
                col("Type", "string", 0),
                col("Reason", "string", 0),
                col("Object", "string", 0),
                col("Message", "string", 0),
            ],
            Box::new(move |e| {
                let last = ts(e, "/lastTimestamp")
                    .or_else(|| ts(e, "/series/lastObservedTime"))
                    .or_else(|| ts(e, "/eventTime"));
                let last = last.map_or("<unknown>".into(), |t| {
                    human_duration(now.duration_since(t).as_secs())
                });
                let obj = format!(
                    "{}/{}",
                    s(e, "/involvedObject/kind").to_ascii_lowercase(),
                    s(e, "/involvedObject/name")
                );
                vec![
                    json!(last),
                    json!(s(e, "/type")),
                    json!(s(e, "/reason")),
                    json!(obj),
                    json!(s(e, "/message").trim()),
                ]
            }),
        ),
        ("apps", "Deployment") => (
            vec![
                col("Name", "string", 0),
                col("Ready", "string", 0),
                col("Up-to-date", "integer", 0),
                col("Available", "integer", 0),
                col("Age", "string", 0),
            ],
            Box::new(move |d| {
                vec![
                    json!(s(d, "/metadata/name")),
                    json!(format!(
                        "{}/{}",
                        n(d, "/status/readyReplicas"),
                        n(d, "/spec/replicas")
                    )),
                    json!(n(d, "/status/updatedReplicas")),
                    json!(n(d, "/status/availableReplicas")),
                    json!(age(d, "/metadata/creationTimestamp", now)),
                ]
            }),
        ),
        ("apps", "ReplicaSet") => (
            vec![
                col("Name", "string", 0),
                col("Desired", "integer", 0),
                col("Current", "integer", 0),
                col("Ready", "integer", 0),
                col("Age", "string", 0),
            ],
            Box::new(move |d| {
                vec![
                    json!(s(d, "/metadata/name")),
                    json!(n(d, "/spec/replicas")),
                    json!(n(d, "/status/replicas")),
                    json!(n(d, "/status/readyReplicas")),
                    json!(age(d, "/metadata/creationTimestamp", now)),
                ]
            }),
        ),
        ("", "Service") => (
            vec![
                col("Name", "string", 0),
                col("Type", "string", 0),
                col("Cluster-IP", "string", 0),
                col("External-IP", "string", 0),
                col("Port(s)", "string", 0),
                col("Age", "string", 0),
            ],
            Box::new(move |v| {
                let ports: Vec<String> = v
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                format!(
                                    "{}/{}",
                                    n(p, "/port"),
                                    p.get("protocol").and_then(Value::as_str).unwrap_or("TCP")
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let ext = v
                    .pointer("/status/loadBalancer/ingress/0/ip")
                    .and_then(Value::as_str)
                    .unwrap_or("<none>");
                vec![
                    json!(s(v, "/metadata/name")),
                    json!(s(v, "/spec/type")),
                    json!(s(v, "/spec/clusterIP")),
                    json!(ext),
                    json!(ports.join(",")),
                    json!(age(v, "/metadata/creationTimestamp", now)),
                ]
            }),
        ),
        ("", "Node") => (
            vec![
                col("Name", "string", 0),
                col("Status", "string", 0),
                col("Roles", "string", 0),
                col("Age", "string", 0),
                col("Version", "string", 0),
            ],
            Box::new(move |v| {
                let ready = v
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .and_then(|cs| cs.iter().find(|c| s(c, "/type") == "Ready"))
                    .map(|c| s(c, "/status"));
                let mut status = if ready == Some("True") {
                    "Ready".to_string()
                } else {
                    "NotReady".to_string()
                };
                if v.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
                    status.push_str(",SchedulingDisabled");
                }
                let roles: Vec<&str> = v
                    .pointer("/metadata/labels")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.keys()
                            .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                            .collect()
                    })
                    .unwrap_or_default();
                let roles = if roles.is_empty() {
                    "<none>".to_string()
                } else {
                    roles.join(",")
                };
                vec![
                    json!(s(v, "/metadata/name")),
                    json!(status),
                    json!(roles),
                    json!(age(v, "/metadata/creationTimestamp", now)),
                    json!(s(v, "/status/nodeInfo/kubeletVersion")),
                ]
            }),
        ),
        ("", "Namespace") => (
            vec![
                col("Name", "string", 0),
                col("Status", "string", 0),
                col("Age", "string", 0),
            ],
            Box::new(move |v| {
                vec![
                    json!(s(v, "/metadata/name")),
                    json!(s(v, "/status/phase")),
                    json!(age(v, "/metadata/creationTimestamp", now)),
                ]
            }),
        ),
        ("gateway.networking.k8s.io", "HTTPRoute") | ("gateway.networking.k8s.io", "GRPCRoute") => {
            (
                vec![
                    col("Name", "string", 0),
                    col("Hostnames", "string", 0),
                    col("Age", "date", 0),
                ],
                Box::new(move |v| {
                    let hosts = v
                        .pointer("/spec/hostnames")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default();
                    vec![
                        json!(s(v, "/metadata/name")),
                        json!(hosts),
                        json!(age(v, "/metadata/creationTimestamp", now)),
                    ]
                }),
            )
        }
        ("gateway.networking.k8s.io", "Gateway") => (
            vec![
                col("Name", "string", 0),
                col("Class", "string", 0),
                col("Address", "string", 0),
                col("Programmed", "string", 0),
                col("Age", "date", 0),
            ],
            Box::new(move |v| {
                let programmed = v
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .and_then(|cs| cs.iter().find(|c| s(c, "/type") == "Programmed"))
                    .map(|c| s(c, "/status").to_string())
                    .unwrap_or_default();
                vec![
                    json!(s(v, "/metadata/name")),
                    json!(s(v, "/spec/gatewayClassName")),
                    json!(s(v, "/status/addresses/0/value")),
                    json!(programmed),
                    json!(age(v, "/metadata/creationTimestamp", now)),
                ]
            }),
        ),
        _ => (
            vec![col("Name", "string", 0), col("Age", "date", 0)],
            Box::new(move |v| {
                vec![
                    json!(s(v, "/metadata/name")),
                    json!(age(v, "/metadata/creationTimestamp", now)),
                ]
            }),
        ),
    };
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let object = if include_object {
                o.clone()
            } else {
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o.get("metadata").cloned().unwrap_or(Value::Null)})
            };
            json!({"cells": row(o), "object": object})
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": columns,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(100 * 86400), "100d");
    }
}
