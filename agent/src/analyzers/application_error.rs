//! `application-error` — the program itself fails on valid input after a code change: an
//! exception, panic or wrong result introduced by a release, with config and infrastructure
//! sound.
//!
//! Detects: panics (`panic:`, `runtime error: invalid memory address or nil pointer
//! dereference`), uncaught exceptions and tracebacks (`NullPointerException`, `Traceback`,
//! `TypeError`...), 500s logged by the service, especially when its Deployment rolled a new
//! image shortly before. Evidence: the first error line, the rollout's image change. Known false
//! positives: exceptions caused by a failing dependency (`dependency-failure` names those) or by
//! configuration (`crash-config-error`), which are checked first and rank higher.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static APP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)^.{0,60}panic: |runtime error: |nil pointer dereference|NullPointerException|Traceback \(most recent call last\)|Unhandled (exception|rejection)|uncaught exception|TypeError: |AttributeError: |IndexError: |KeyError: '[a-z]|ZeroDivisionError|IllegalStateException|IllegalArgumentException|ClassCastException|ArrayIndexOutOfBounds|Exception in thread|SIGSEGV|segmentation fault|FATAL ERROR|500 Internal Server Error|\b500\b.*(Internal|error)|status=500|"status":\s?500"#,
    )
});
static NOT_APP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)OutOfMemoryError|CUDA|connection (refused|reset)|timed? ?out|ImproperlyConfigured|flag provided|config|pool|No such file|certificate|x509|OOMKilled",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut by: std::collections::BTreeMap<String, Vec<(&crate::investigate::PodLog, &str)>> =
        Default::default();
    for (log, line) in log_lines(facts, &APP) {
        if NOT_APP.is_match(line) || crate::investigate::is_gateway_pod(&log.pod) {
            continue;
        }
        let Some(p) = pod_of(facts, log) else {
            continue;
        };
        by.entry(workload_key(p)).or_default().push((log, line));
    }
    for (key, lines) in by {
        let Some((log, _)) = lines.first() else {
            continue;
        };
        let Some(p) = pod_of(facts, log) else {
            continue;
        };
        let mut evidence: Vec<String> = lines
            .iter()
            .take(3)
            .map(|(l, x)| ev_log(store, l, x))
            .collect();
        let rollout = cite_rollout(facts, store, &key);
        let image_change =
            latest_change(facts, &key).is_some_and(|(_, _, c)| c.to_lowercase().contains("image"));
        let mut confidence: f64 = 0.45 + 0.03 * lines.len().min(5) as f64;
        let (ns, _, name) = split_resource(&resource_of(p));
        let mut statement = format!(
            "{name} fails in its own code: it raises errors/panics on requests ({} error lines in the logs read)",
            lines.len()
        );
        if let Some((id, sentence)) = rollout {
            evidence.push(id);
            statement.push_str(&format!(
                ". {sentence}; the failures come from the new release"
            ));
            confidence += if image_change { 0.28 } else { 0.12 };
        }
        statement.push('.');
        out.push(Candidate {
            category: "application-error",
            resource: resource_of(p),
            statement,
            confidence: confidence.min(0.86),
            evidence,
            analyzer: "application-error",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Roll back to the previous release while the bug is fixed",
                    Some(format!("{} rollout undo deployment/{name}", kns(&ns))),
                ),
                step(
                    "Read the stack trace and the diff of the release that introduced it",
                    Some(format!("{} rollout history deployment/{name}", kns(&ns))),
                ),
            ],
        });
    }
    out
}
