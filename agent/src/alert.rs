//! Alertmanager webhook payloads (version "4"): what fired, where, since when.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub alerts: Vec<Alert>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub starts_at: Option<String>,
}

impl Payload {
    pub fn parse(text: &str) -> Result<Self, String> {
        let p: Payload = serde_json::from_str(text)
            .map_err(|e| format!("not an Alertmanager webhook payload: {e}"))?;
        if !p.version.is_empty() && p.version != "4" {
            return Err(format!(
                "Alertmanager payload version {:?}; ktriage reads version \"4\"",
                p.version
            ));
        }
        Ok(p)
    }

    /// Firing alerts (all alerts when none is marked firing).
    pub fn firing(&self) -> Vec<&Alert> {
        let f: Vec<_> = self
            .alerts
            .iter()
            .filter(|a| a.status.is_empty() || a.status == "firing")
            .collect();
        if f.is_empty() {
            self.alerts.iter().collect()
        } else {
            f
        }
    }

    /// A question derived from the alert, when the engineer asked none.
    pub fn question(&self) -> String {
        let Some(a) = self.firing().first().copied() else {
            return "What is wrong in the cluster?".into();
        };
        let name = a.labels.get("alertname").map_or("An alert", String::as_str);
        let summary = a
            .annotations
            .get("summary")
            .or_else(|| a.annotations.get("description"))
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        format!("{name} is firing{summary}. What is the root cause?")
    }

    /// Label values that name places and things (namespace, service, pod, ...), for scoping.
    pub fn label_values(&self) -> Vec<String> {
        let mut v = Vec::new();
        for a in self.firing() {
            for (k, val) in a.labels.iter().chain(self.common_labels.iter()) {
                if matches!(
                    k.as_str(),
                    "namespace"
                        | "exported_namespace"
                        | "service"
                        | "pod"
                        | "deployment"
                        | "job_name"
                        | "route"
                        | "model_name"
                        | "node"
                        | "instance"
                        | "gateway"
                        | "app"
                        | "container"
                ) {
                    v.push(val.clone());
                }
            }
        }
        v.sort();
        v.dedup();
        v
    }

    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .firing()
            .iter()
            .filter_map(|a| a.labels.get("namespace").cloned())
            .chain(self.common_labels.get("namespace").cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}
