//! `crash-config-error` — the process exits at start because of a bad flag or invalid or
//! missing configuration.
//!
//! Detects: a crash-looping pod whose crashed instance logs a configuration error (`flag
//! provided but not defined`, `unrecognized arguments`, `ImproperlyConfigured`, `must be set`,
//! `invalid value`, `KeyError: 'SOME_ENV'`, `failed to parse config`...). Evidence: the log line,
//! the pod status, the rollout that changed the flags or env. Known false positives: a model
//! server that cannot load its model also exits at start — `inference-model-load-failure` is
//! more specific and ranks higher.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static CONFIG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)flag provided but not defined|unknown (flag|option|shorthand flag)|unrecognized arguments?|no such option|invalid (value|argument|configuration|config)|ImproperlyConfigured|must be (set|provided|specified)|is required but|required (env|environment|variable|setting|configuration)|environment variable .* (is )?(not set|missing|required)|missing (required )?(env|environment|config|setting)|KeyError: '[A-Z][A-Z0-9_]+'|failed to (parse|load|read) (config|configuration|settings)|error (parsing|loading|reading) (config|configuration)|cannot parse|could not parse|invalid (port|url|dsn|duration)|ValidationError|ConfigError|configuration error|Error: Cannot find module|Unknown command|usage:",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for (log, line) in log_lines(facts, &CONFIG) {
        let Some(p) = pod_of(facts, log) else {
            continue;
        };
        if !(p.restarts > 0 || p.problem) {
            continue;
        }
        let key = workload_key(p);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            if c.evidence.len() < 4 {
                let id = ev_log(store, log, line);
                if !c.evidence.contains(&id) {
                    c.evidence.push(id);
                }
            }
            continue;
        }
        let mut evidence = vec![ev_log(store, log, line), ev_pod(store, p)];
        let (ns, _, name) = split_resource(&resource_of(p));
        let mut statement = format!(
            "{name} exits at start on a configuration error (a bad flag or a missing/invalid setting) and crash-loops ({} restarts).",
            p.restarts
        );
        let mut confidence = 0.75;
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
            confidence += 0.05;
        }
        out.push(Candidate {
            category: "crash-config-error",
            resource: resource_of(p),
            statement,
            confidence,
            evidence,
            analyzer: "crash-config-error",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Read the start-up error of the crashed instance",
                    Some(format!("{} logs {} --previous", kns(&ns), p.name)),
                ),
                step(
                    "Fix the flag or setting it names (or roll back the change that introduced it)",
                    Some(format!("{} rollout undo deployment/{name}", kns(&ns))),
                ),
            ],
        });
    }
    out
}
