//! `network-policy-block` — a NetworkPolicy drops traffic between pods that should talk.
//!
//! Detects: callers timing out (`i/o timeout`, `context deadline exceeded`, `connection timed
//! out` — drops, not refusals) toward a destination in a namespace that has NetworkPolicies,
//! with the pods themselves healthy. Evidence: the timeouts, the policies (selectors, rule
//! counts), the newest policy. Known false positives: a destination that is down (its pods
//! would be unready) or a slow dependency (latency, not total timeouts).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static DROPPED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)i/o timeout|connection timed out|context deadline exceeded|timed out (while )?connecting|connect timeout|Connection timeout|ETIMEDOUT|timeout expired|could not connect to server: Connection timed out|Read timed out|No route to host|ConnectTimeout|Connect Timeout Error|UND_ERR_CONNECT_TIMEOUT",
    )
});

fn age_seconds(age: &str) -> u64 {
    // "5m", "2d", "3h", "40s", "2d3h"...
    let mut total = 0u64;
    let mut n = 0u64;
    for c in age.chars() {
        if let Some(d) = c.to_digit(10) {
            n = n * 10 + u64::from(d);
        } else {
            total += n * match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'y' => 31_536_000,
                _ => 0,
            };
            n = 0;
        }
    }
    total
}

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let Some(policies) = facts.objects.get("NetworkPolicy").filter(|p| !p.is_empty()) else {
        return Vec::new();
    };
    let drops = log_lines(facts, &DROPPED);
    if drops.is_empty() {
        return Vec::new();
    }
    // The newest policy is the usual suspect. An egress policy in the callers' own namespace
    // comes first (it drops their connections before they leave); then a policy in the
    // destination's namespace (named in the lines), then any in the callers' namespace.
    let caller_ns: Vec<&str> = drops.iter().map(|(l, _)| l.namespace.as_str()).collect();
    let mut ordered: Vec<_> = policies.iter().collect();
    ordered.sort_by_key(|p| age_seconds(&p.age));
    let in_callers = |p: &&&tools::tool::list_objects::ObjectLine| {
        caller_ns
            .iter()
            .any(|ns| p.object.starts_with(&format!("{ns}/")))
    };
    let newest = ordered
        .iter()
        .find(|p| in_callers(p) && p.summary.contains("Egress"))
        .or_else(|| {
            ordered.iter().find(|p| {
                drops.iter().any(|(_, line)| {
                    p.object
                        .split('/')
                        .next()
                        .is_some_and(|ns| line.contains(ns))
                })
            })
        })
        .or_else(|| ordered.iter().find(in_callers))
        .or(ordered.first())
        .copied();
    let Some(policy) = newest else {
        return Vec::new();
    };
    let mut evidence = Vec::new();
    for (log, line) in drops.iter().take(3) {
        evidence.push(ev_log(store, log, line));
    }
    evidence.push(store.add(
        "list_objects NetworkPolicy",
        object_resource("NetworkPolicy", policy),
        None,
        format!("{} age {} {}", policy.object, policy.age, policy.summary),
    ));
    let (ns, name) = policy
        .object
        .split_once('/')
        .unwrap_or(("", policy.object.as_str()));
    let recent = age_seconds(&policy.age) < 6 * 3600;
    vec![Candidate {
        category: "network-policy-block",
        resource: object_resource("NetworkPolicy", policy),
        statement: format!(
            "NetworkPolicy {ns}/{name}{} drops the traffic: callers time out (packets dropped, not refused) while the pods on both sides are healthy; its selectors do not admit the callers.",
            if recent {
                format!(", created {} ago,", policy.age)
            } else {
                String::new()
            }
        ),
        confidence: if recent { 0.78 } else { 0.58 },
        evidence,
        analyzer: "network-policy-block",
        // The callers whose connections are dropped: a gateway in front of them only relays
        // their failure.
        workload: drops
            .first()
            .and_then(|(log, _)| pod_of(facts, log))
            .map(workload_key),
        depends_on: Vec::new(),
        next_steps: vec![
            step(
                "Read the policy's podSelector and ingress/egress rules against the callers' labels and namespace",
                Some(format!("{} get networkpolicy {name} -o yaml", kns(ns))),
            ),
            step(
                "Add an ingress rule admitting the callers' pod/namespace labels (or fix the labels), then retry a call",
                None,
            ),
        ],
    }]
}
