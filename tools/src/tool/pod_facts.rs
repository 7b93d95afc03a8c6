//! The facts about a pod that every tool reports the same way: status as kubectl prints it,
//! readiness, restarts, the last termination and the current waiting reason.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, Pod, PodCondition, PodSpec, PodStatus,
    ResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::Clock;
use crate::budget::clip;
use crate::redact::redact_text;

/// A pod in one line's worth of facts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct PodSummary {
    pub namespace: String,
    pub name: String,
    /// Status as `kubectl get pods` prints it (Running, CrashLoopBackOff, OOMKilled, Pending...).
    pub status: String,
    /// Ready containers / all containers.
    pub ready: String,
    pub restarts: i32,
    pub age: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Why the last container instance ended (reason, exit code, when), if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_termination: Option<String>,
    /// Why a container is waiting now (reason: message), if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
    /// Owning controller, `Kind/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Whether the pod looks unhealthy (not ready while it should be, restarting, failed, pending).
    pub problem: bool,
}

/// A Pod as the listing tools read it: the fields [`PodSummary`] and GPU accounting use, and
/// nothing else. A page of 500 pods then decodes without every container's env, volumes,
/// probes and mounts, or the metadata's managed fields and annotations, which is most of the
/// work (and of the allocations) of a cluster-wide listing. The request is the same GET of
/// `pods` as for [`Pod`].
#[derive(Debug, Clone, Deserialize)]
pub struct ListedPod {
    #[serde(deserialize_with = "listed_meta")]
    metadata: ObjectMeta,
    #[serde(default)]
    spec: Option<ListedSpec>,
    #[serde(default, deserialize_with = "listed_status")]
    status: Option<PodStatus>,
}

/// The status fields [`PodSummary`] reads: phase, reason, conditions, and per container its
/// name, readiness, restarts and states (not images, ids, mounts or resources).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedStatus {
    phase: Option<String>,
    reason: Option<String>,
    conditions: Option<Vec<PodCondition>>,
    container_statuses: Option<Vec<ListedContainerStatus>>,
    init_container_statuses: Option<Vec<ListedContainerStatus>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedContainerStatus {
    name: String,
    #[serde(default)]
    ready: bool,
    #[serde(default)]
    restart_count: i32,
    state: Option<ContainerState>,
    last_state: Option<ContainerState>,
}

fn listed_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PodStatus>, D::Error> {
    let statuses = |v: Option<Vec<ListedContainerStatus>>| {
        v.map(|v| {
            v.into_iter()
                .map(|c| ContainerStatus {
                    name: c.name,
                    ready: c.ready,
                    restart_count: c.restart_count,
                    state: c.state,
                    last_state: c.last_state,
                    ..ContainerStatus::default()
                })
                .collect()
        })
    };
    Ok(Option::<ListedStatus>::deserialize(d)?.map(|s| PodStatus {
        phase: s.phase,
        reason: s.reason,
        conditions: s.conditions,
        container_statuses: statuses(s.container_statuses),
        init_container_statuses: statuses(s.init_container_statuses),
        ..PodStatus::default()
    }))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedSpec {
    #[serde(default)]
    node_name: Option<String>,
    #[serde(default)]
    containers: Vec<ListedContainer>,
}

#[derive(Debug, Clone, Deserialize)]
struct ListedContainer {
    name: String,
    #[serde(default)]
    resources: Option<ResourceRequirements>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedMeta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
    labels: Option<BTreeMap<String, String>>,
    owner_references: Option<Vec<OwnerReference>>,
}

fn listed_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let m = ListedMeta::deserialize(d)?;
    Ok(ObjectMeta {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resource_version: m.resource_version,
        creation_timestamp: m.creation_timestamp,
        deletion_timestamp: m.deletion_timestamp,
        labels: m.labels,
        owner_references: m.owner_references,
        ..ObjectMeta::default()
    })
}

impl ListedPod {
    /// The typed Pod with only the listed fields set.
    pub fn into_pod(self) -> Pod {
        Pod {
            metadata: self.metadata,
            spec: self.spec.map(|s| PodSpec {
                node_name: s.node_name,
                containers: s
                    .containers
                    .into_iter()
                    .map(|c| Container {
                        name: c.name,
                        resources: c.resources,
                        ..Container::default()
                    })
                    .collect(),
                ..PodSpec::default()
            }),
            status: self.status,
        }
    }
}

core_v1_resource!(ListedPod, "Pod", "pods");

fn statuses(pod: &Pod) -> &[ContainerStatus] {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or(&[])
}

/// The STATUS column of `kubectl get pods`, computed from the typed pod (the replay's Table
/// printer computes the same from JSON; both follow kubectl's printer).
pub fn pod_status(pod: &Pod) -> String {
    if pod.metadata.deletion_timestamp.is_some() {
        return "Terminating".into();
    }
    let status = pod.status.as_ref();
    let mut reason = status
        .and_then(|s| s.reason.clone())
        .or_else(|| status.and_then(|s| s.phase.clone()))
        .unwrap_or_default();
    let inits = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or(&[]);
    for (i, c) in inits.iter().enumerate() {
        let state = c.state.as_ref();
        match state.and_then(|s| s.terminated.as_ref()) {
            Some(t) if t.exit_code == 0 => continue,
            Some(t) => {
                return match &t.reason {
                    Some(r) if !r.is_empty() => format!("Init:{r}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                };
            }
            None => {}
        }
        if let Some(w) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            && !w.is_empty()
            && w != "PodInitializing"
        {
            return format!("Init:{w}");
        }
        return format!("Init:{i}/{}", inits.len());
    }
    let mut has_running = false;
    for c in statuses(pod).iter().rev() {
        let state = c.state.as_ref();
        let waiting = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.clone())
            .filter(|r| !r.is_empty());
        let terminated = state.and_then(|s| s.terminated.as_ref());
        if let Some(w) = waiting {
            reason = w;
        } else if let Some(t) = terminated {
            reason = t
                .reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("ExitCode:{}", t.exit_code));
        } else if state.is_some_and(|s| s.running.is_some()) && c.ready {
            has_running = true;
        }
    }
    if reason == "Completed" && has_running {
        reason = "Running".into();
    }
    reason
}

impl PodSummary {
    pub fn of(pod: &Pod, clock: Clock) -> Self {
        let cs = statuses(pod);
        let total = pod.spec.as_ref().map_or(cs.len(), |s| s.containers.len());
        let ready = cs.iter().filter(|c| c.ready).count();
        let restarts = cs.iter().map(|c| c.restart_count).sum();
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default();
        let last_termination = cs
            .iter()
            .filter_map(|c| {
                let t = c.last_state.as_ref()?.terminated.as_ref()?;
                let when = t
                    .finished_at
                    .as_ref()
                    .map(|f| format!(", {} ago", clock.age(f.0)))
                    .unwrap_or_default();
                Some(format!(
                    "{}: {} (exit {}{when})",
                    c.name,
                    t.reason.as_deref().unwrap_or("Terminated"),
                    t.exit_code
                ))
            })
            .next();
        let waiting = cs
            .iter()
            .filter_map(|c| {
                let w = c.state.as_ref()?.waiting.as_ref()?;
                let msg = w
                    .message
                    .as_deref()
                    .map(|m| {
                        let m = super::drop_pod_uids(m);
                        format!(
                            ": {}",
                            crate::budget::clip_middle(&redact_text(&m).replace('\n', " | "), 160)
                        )
                    })
                    .unwrap_or_default();
                Some(format!(
                    "{}: {}{msg}",
                    c.name,
                    w.reason.as_deref().unwrap_or("Waiting")
                ))
            })
            .next();
        let owner = pod
            .metadata
            .owner_references
            .as_ref()
            .and_then(|o| o.iter().find(|o| o.controller == Some(true)).or(o.first()))
            .map(|o| format!("{}/{}", o.kind, o.name));
        let status = pod_status(pod);
        let problem = match phase.as_str() {
            "Succeeded" => false,
            "Running" => ready < total || waiting.is_some(),
            _ => true,
        };
        let scheduling = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.type_ == "PodScheduled" && c.status == "False")
            })
            .and_then(|c| c.message.clone());
        Self {
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            status,
            ready: format!("{ready}/{total}"),
            restarts,
            age: super::age_of(clock, pod.metadata.creation_timestamp.as_ref()),
            node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
            last_termination,
            waiting: waiting
                .or_else(|| scheduling.map(|m| format!("unscheduled: {}", clip(&m, 200)))),
            owner,
            problem,
        }
    }

    /// One line: `ns/name  Status  ready  restarts  age  node  [details]`.
    pub fn line(&self, with_namespace: bool) -> String {
        let name = if with_namespace {
            format!("{}/{}", self.namespace, self.name)
        } else {
            self.name.clone()
        };
        let mut s = format!(
            "{name}  {}  ready {}  restarts {}  age {}",
            self.status, self.ready, self.restarts, self.age
        );
        if let Some(n) = &self.node {
            s.push_str(&format!("  node {n}"));
        }
        if let Some(w) = &self.waiting {
            s.push_str(&format!("  | waiting {w}"));
        }
        if let Some(t) = &self.last_termination {
            s.push_str(&format!("  | last exit {t}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(statuses: serde_json::Value) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Running", "containerStatuses": statuses}
        }))
        .expect("pod")
    }

    #[test]
    fn a_listed_pod_keeps_what_the_summary_reads() {
        let full = serde_json::json!({
            "metadata": {"name": "vllm-0", "namespace": "llm", "creationTimestamp": "2026-01-01T00:00:00Z",
                "annotations": {"big": "x"}, "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "vllm-7d9", "uid": "u", "controller": true}]},
            "spec": {"nodeName": "gpu-1", "containers": [{"name": "vllm", "image": "vllm:0.6",
                "env": [{"name": "A", "value": "b"}],
                "resources": {"limits": {"nvidia.com/gpu": "2"}}}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "vllm", "image": "i", "imageID": "",
                "ready": false, "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}
        });
        let typed: Pod = serde_json::from_value(full.clone()).expect("pod");
        let listed: ListedPod = serde_json::from_value(full).expect("listed pod");
        let clock = Clock::frozen(jiff::Timestamp::from_second(1_767_300_000).expect("time"));
        let listed = listed.into_pod();
        assert_eq!(
            PodSummary::of(&listed, clock),
            PodSummary::of(&typed, clock)
        );
        assert_eq!(
            crate::tool::nodes::pod_gpu_requests(&listed),
            crate::tool::nodes::pod_gpu_requests(&typed)
        );
        assert!(listed.metadata.managed_fields.is_none() && listed.metadata.annotations.is_none());
    }

    #[test]
    fn status_column_follows_kubectl() {
        let crash = pod(
            serde_json::json!([{"name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]),
        );
        assert_eq!(pod_status(&crash), "CrashLoopBackOff");
        let oom = pod(
            serde_json::json!([{"name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 1,
            "state": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]),
        );
        assert_eq!(pod_status(&oom), "OOMKilled");
        let ok = pod(
            serde_json::json!([{"name": "c", "image": "i", "imageID": "", "ready": true, "restartCount": 0,
            "state": {"running": {}}}]),
        );
        assert_eq!(pod_status(&ok), "Running");
    }
}
