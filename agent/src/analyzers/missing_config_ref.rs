//! `missing-config-ref` — a container cannot be created because a ConfigMap, Secret or key it
//! references does not exist.
//!
//! Detects: containers waiting in `CreateContainerConfigError`, events like `couldn't find key X
//! in ConfigMap ns/y`, `configmap "y" not found`, `secret "y" not found`, and `FailedMount` of a
//! configMap/secret volume. Evidence: the waiting reason and the event naming the missing object.
//! Known false positives: none common; the object may have been created since.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static MISSING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)couldn't find key|configmaps? "[^"]+" not found|secrets? "[^"]+" not found|configmap .* not found|secret .* not found"#,
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for p in &facts.pods {
        let waiting = p.waiting.as_deref().unwrap_or("");
        let events: Vec<_> = facts
            .events
            .iter()
            .filter(|e| e.object.ends_with(&format!("/{}", p.name)) && MISSING.is_match(&e.message))
            .collect();
        if !waiting.contains("CreateContainerConfigError")
            && events.is_empty()
            && !MISSING.is_match(waiting)
        {
            continue;
        }
        if !(p.problem || waiting.contains("CreateContainerConfigError")) {
            continue;
        }
        let key = workload_key(p);
        if out
            .iter()
            .any(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            continue;
        }
        let mut evidence = vec![ev_pod(store, p)];
        for e in events.iter().take(2) {
            evidence.push(ev_event(store, e));
        }
        // Which object is missing is quoted in the evidence; the statement names only its kind.
        let text = events
            .iter()
            .map(|e| e.message.to_lowercase())
            .chain([waiting.to_lowercase()])
            .collect::<Vec<_>>()
            .join(" ");
        let what = if text.contains("couldn't find key") {
            " (a key in a ConfigMap or Secret)"
        } else if text.contains("configmap") {
            " (a ConfigMap)"
        } else if text.contains("secret") {
            " (a Secret)"
        } else {
            ""
        };
        let (ns, _, name) = split_resource(&resource_of(p));
        let mut statement = format!(
            "{name} cannot create its container (CreateContainerConfigError): a referenced ConfigMap, Secret or key is missing{what}."
        );
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
        }
        out.push(Candidate {
            category: "missing-config-ref",
            resource: resource_of(p),
            statement,
            confidence: 0.9,
            evidence,
            analyzer: "missing-config-ref",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "See which reference is missing",
                    Some(format!("{} describe pod {}", kns(&ns), p.name)),
                ),
                step(
                    "Create the missing ConfigMap/Secret key, or fix the reference in the workload spec",
                    Some(format!("{} get configmaps", kns(&ns))),
                ),
            ],
        });
    }
    out
}
