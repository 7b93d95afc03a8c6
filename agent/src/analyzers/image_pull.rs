//! `image-pull` — a container cannot start because its image cannot be pulled.
//!
//! Detects: containers waiting in `ErrImagePull`, `ImagePullBackOff` or `InvalidImageName`, and
//! `Failed to pull image` events. Evidence: the pod's waiting reason and the kubelet's event
//! (which says whether the tag is unknown, access is denied or the registry is unreachable).
//! Known false positives: a transient registry outage already recovered (pods now running).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static WAITING: LazyLock<Regex> =
    LazyLock::new(|| re(r"ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull"));
static PULL_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)Failed to pull image|pull access denied|manifest unknown|not found: manifest|unauthorized|Back-off pulling image",
    )
});

/// The registry's HTTP answer as the kubelet quotes it ("401 Unauthorized", "403 Forbidden").
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(40[13] (?:Unauthorized|Forbidden)|404 Not Found|429 Too Many Requests|5\d\d [A-Z][a-z]+(?: [A-Z][a-z]+)*)\b",
    )
});
/// The registry host of the image the kubelet failed to pull.
static IMAGE_HOST: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)pull(?:ing)? image "([a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)/"#));

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for p in &facts.pods {
        if !p.waiting.as_deref().is_some_and(|w| WAITING.is_match(w)) {
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
        let mut detail = String::new();
        for e in facts
            .events
            .iter()
            .filter(|e| {
                e.object.ends_with(&format!("/{}", p.name)) && PULL_EVENT.is_match(&e.message)
            })
            .take(2)
        {
            evidence.push(ev_event(store, e));
            if detail.is_empty() {
                let m = e.message.to_lowercase();
                detail = if m.contains("manifest unknown")
                    || m.contains("not found")
                    || m.contains("notfound")
                {
                    " The tag does not exist in the registry.".into()
                } else if m.contains("denied")
                    || m.contains("unauthorized")
                    || m.contains("forbidden")
                {
                    let status = STATUS
                        .captures(&e.message)
                        .map(|c| format!(" with {}", &c[1]))
                        .unwrap_or_default();
                    let host = IMAGE_HOST
                        .captures(&e.message)
                        .map(|c| format!(" {}", &c[1]))
                        .unwrap_or_default();
                    format!(
                        " The registry{host} refuses access{status}: the pull credentials (imagePullSecrets) are missing, expired or lack permission."
                    )
                } else {
                    String::new()
                };
            }
        }
        let (ns, _, name) = split_resource(&resource_of(p));
        let mut statement =
            format!("{name} cannot start: its image cannot be pulled (ImagePullBackOff).{detail}");
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
        }
        out.push(Candidate {
            category: "image-pull",
            resource: resource_of(p),
            statement,
            confidence: 0.9,
            evidence,
            analyzer: "image-pull",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Read the kubelet's pull error",
                    Some(format!("{} describe pod {}", kns(&ns), p.name)),
                ),
                step(
                    "Fix the image reference (tag/digest) or the pull secret, or roll back",
                    Some(format!("{} rollout undo deployment/{name}", kns(&ns))),
                ),
            ],
        });
    }
    out
}
