//! `service-no-endpoints` — a Service (not behind a gateway route) selects no ready pods, so its
//! callers get connection refused / 503.
//!
//! Detects: a Service with a selector whose EndpointSlices hold no ready endpoint, while some
//! caller's log names the Service (connection refused, no such host, 503). Evidence: the Service
//! line, its EndpointSlice line, the caller's error. Known false positives: a Service whose
//! backend is scaled to zero on purpose (no caller errors → not reported).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static CALL_ERR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)connection refused|Failed to establish a new connection|NewConnectionError|Max retries exceeded|ConnectionError|ECONNRESET|upstream connect error|ECONNREFUSED|no (healthy )?(upstream|endpoints)|503|Service Unavailable|no route to host|connect: connection|dial tcp|Connection reset|failed to connect|could not connect|Name or service not known|no such host",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out = Vec::new();
    let (Some(svcs), Some(slices)) = (
        facts.objects.get("Service"),
        facts.objects.get("EndpointSlice"),
    ) else {
        return out;
    };
    let routed: Vec<&str> = facts
        .routes
        .iter()
        .flat_map(|r| r.backends.iter().map(|b| b.service.as_str()))
        .collect();
    for s in svcs {
        if s.summary.contains("selector {}")
            || s.summary.contains("type ExternalName")
            || routed.contains(&s.object.as_str())
        {
            continue;
        }
        let (ns, name) = s.object.split_once('/').unwrap_or(("", s.object.as_str()));
        let mine: Vec<_> = slices
            .iter()
            .filter(|e| {
                e.object.starts_with(&format!("{ns}/"))
                    && e.summary.starts_with(&format!("service {name} "))
            })
            .collect();
        let ready: usize = mine
            .iter()
            .filter_map(|e| e.summary.split("endpoints ready ").nth(1))
            .filter_map(|x| x.split('/').next()?.parse::<usize>().ok())
            .sum();
        if ready > 0 {
            continue;
        }
        let callers: Vec<_> = log_lines(facts, &CALL_ERR)
            .into_iter()
            .filter(|(_, l)| l.contains(name))
            .collect();
        if callers.is_empty() {
            continue;
        }
        let mut evidence = vec![store.add(
            "list_objects Service",
            format!("{ns}/Service/{name}"),
            None,
            format!("{} {}", s.object, s.summary),
        )];
        for e in mine.iter().take(1) {
            evidence.push(store.add(
                "list_objects EndpointSlice",
                format!(
                    "{ns}/EndpointSlice/{}",
                    e.object.rsplit('/').next().unwrap_or("")
                ),
                None,
                format!("{} {}", e.object, e.summary),
            ));
        }
        if mine.is_empty() {
            evidence.push(store.add(
                "list_objects EndpointSlice",
                format!("{ns}/Service/{name}"),
                None,
                format!("no EndpointSlice with a ready endpoint for Service {name}"),
            ));
        }
        for (log, line) in callers.iter().take(2) {
            evidence.push(ev_log(store, log, line));
        }
        // Pods that look like the intended backend but are not selected.
        let similar: Vec<_> = facts
            .pods
            .iter()
            .filter(|p| p.namespace == ns && p.name.starts_with(name) && p.status == "Running")
            .collect();
        let why = if similar.is_empty() {
            "no running pod matches its selector".to_string()
        } else {
            format!(
                "its selector matches none of the running pods (e.g. {}) — a selector/label mismatch",
                similar[0].name
            )
        };
        out.push(Candidate {
            category: "service-no-endpoints",
            resource: format!("{ns}/Service/{name}"),
            statement: format!("Service {ns}/{name} has no ready endpoints: {why}, so its callers' requests fail."),
            confidence: if similar.is_empty() { 0.7 } else { 0.82 },
            evidence,
            analyzer: "service-no-endpoints",
            workload: None,
            depends_on: Vec::new(),
            next_steps: vec![
                step("Compare the Service selector with the pod labels", Some(format!("{} get svc {name} -o jsonpath='{{.spec.selector}}'; {} get pods --show-labels", kns(ns), kns(ns)))),
                step("Fix the selector (or the pod labels) so the Service selects the intended pods", None),
            ],
        });
    }
    out
}
