//! What the replay knows about resource types: plural names, scope, short names and the field
//! labels the real API server accepts in `fieldSelector`. Kinds the table does not know (custom
//! resources) are derived from the objects present: plural by English rules, scope from whether
//! the objects carry a namespace.

/// One resource type as discovery advertises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
}

impl ResourceType {
    /// `v1` for the core group, `apps/v1` otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Field labels accepted in `fieldSelector` for this kind, besides `metadata.name` and
    /// `metadata.namespace` (which every kind accepts).
    pub fn field_labels(&self) -> &'static [&'static str] {
        field_labels(&self.group, &self.kind)
    }
}

/// Field labels accepted in `fieldSelector` for a kind, besides `metadata.name` and
/// `metadata.namespace`.
pub fn field_labels(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("", "Pod") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ("", "Event") | ("events.k8s.io", "Event") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "Node") => &["spec.unschedulable"],
        ("", "Namespace") => &["status.phase"],
        ("apps", "ReplicaSet") => &["status.replicas"],
        ("batch", "Job") => &["status.successful"],
        _ => &[],
    }
}

/// (group, version, kind, plural, namespaced, short names)
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
);

/// Built-in types every cluster serves, advertised even when the snapshot holds none of them so
/// that `kubectl get pods -n empty` answers "No resources found" as a live cluster would.
pub const BUILTIN: &[Builtin] = &[
    ("", "v1", "Pod", "pods", true, &["po"]),
    ("", "v1", "Event", "events", true, &["ev"]),
    ("", "v1", "Namespace", "namespaces", false, &["ns"]),
    ("", "v1", "Node", "nodes", false, &["no"]),
    ("", "v1", "Service", "services", true, &["svc"]),
    ("", "v1", "Endpoints", "endpoints", true, &["ep"]),
    ("", "v1", "ConfigMap", "configmaps", true, &["cm"]),
    ("", "v1", "Secret", "secrets", true, &[]),
    ("", "v1", "ServiceAccount", "serviceaccounts", true, &["sa"]),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
    ),
    (
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        true,
        &["quota"],
    ),
    ("", "v1", "LimitRange", "limitranges", true, &["limits"]),
    (
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
        &["rc"],
    ),
    ("apps", "v1", "Deployment", "deployments", true, &["deploy"]),
    ("apps", "v1", "ReplicaSet", "replicasets", true, &["rs"]),
    ("apps", "v1", "StatefulSet", "statefulsets", true, &["sts"]),
    ("apps", "v1", "DaemonSet", "daemonsets", true, &["ds"]),
    (
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
        &[],
    ),
    ("batch", "v1", "Job", "jobs", true, &[]),
    ("batch", "v1", "CronJob", "cronjobs", true, &["cj"]),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
    ),
    (
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        true,
        &[],
    ),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
    ),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
        &[],
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
    ),
    ("events.k8s.io", "v1", "Event", "events", true, &["ev"]),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        false,
        &["pc"],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
    ),
];

/// Kinds that are cluster-scoped although not built in (well-known custom resources).
const CLUSTER_SCOPED_CUSTOM: &[&str] = &["GatewayClass", "ClusterIssuer", "ClusterPolicy"];

/// Short names of well-known custom resources, as their CRDs declare them.
fn custom_short_names(kind: &str) -> &'static [&'static str] {
    match kind {
        "Gateway" => &["gtw"],
        "GatewayClass" => &["gc"],
        "Certificate" => &["cert", "certs"],
        "InferencePool" => &["infpool"],
        _ => &[],
    }
}

pub fn builtin_types() -> impl Iterator<Item = ResourceType> {
    BUILTIN.iter().map(|(g, v, k, p, n, s)| ResourceType {
        group: g.to_string(),
        version: v.to_string(),
        kind: k.to_string(),
        plural: p.to_string(),
        namespaced: *n,
        short_names: s.iter().map(|s| s.to_string()).collect(),
    })
}

/// The plural resource name of a kind, by the rules the API machinery uses for CRDs without an
/// explicit plural (lower-case; `y` → `ies`; `s`, `x`, `ch`, `sh` → `es`).
pub fn plural_of(kind: &str) -> String {
    let k = kind.to_ascii_lowercase();
    if let Some(stem) = k.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if k.ends_with('s') || k.ends_with('x') || k.ends_with("ch") || k.ends_with("sh") {
        return format!("{k}es");
    }
    format!("{k}s")
}

/// A type for a kind found in the snapshot but not in [`BUILTIN`].
pub fn derived_type(group: &str, version: &str, kind: &str, any_namespaced: bool) -> ResourceType {
    ResourceType {
        group: group.to_string(),
        version: version.to_string(),
        kind: kind.to_string(),
        plural: plural_of(kind),
        namespaced: any_namespaced && !CLUSTER_SCOPED_CUSTOM.contains(&kind),
        short_names: custom_short_names(kind)
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_api_machinery() {
        assert_eq!(plural_of("HTTPRoute"), "httproutes");
        assert_eq!(plural_of("GatewayClass"), "gatewayclasses");
        assert_eq!(plural_of("Gateway"), "gateways");
        assert_eq!(plural_of("NetworkPolicy"), "networkpolicies");
        assert_eq!(plural_of("InferencePool"), "inferencepools");
    }
}
