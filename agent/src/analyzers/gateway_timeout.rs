//! `gateway-timeout` — the gateway answers 504: its (or the route's) timeout is shorter than the
//! backend's latency, typically long LLM generations.
//!
//! Detects: 504s in the access log with Envoy `UT` / `upstream request timeout`, NGINX `upstream
//! timed out (110: Connection timed out) while reading response header`. Evidence: the lines,
//! their durations, the route's timeout from its rules. Known false positives: a backend that is
//! hung rather than slow (its own logs would show no completions).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static TIMEOUT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)upstream request timeout|upstream timed out|Gateway Time-?out|stream timeout|response timeout|context deadline exceeded .*upstream|proxy_read_timeout",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let hits = access_lines(facts, |s| s == 504);
    let text: Vec<_> = log_lines(facts, &TIMEOUT_TEXT)
        .into_iter()
        .filter(|(l, _)| crate::investigate::is_gateway_pod(&l.pod))
        .collect();
    if hits.len() < 2 && text.is_empty() {
        return Vec::new();
    }
    let route = top_route(&hits);
    let mut evidence = Vec::new();
    if let Some(a) = hits
        .iter()
        .find(|a| a.flags.contains("UT"))
        .or(hits.first())
    {
        evidence.push(ev_access(store, a, hits.len()));
    }
    for (log, line) in text.iter().take(2) {
        evidence.push(ev_log(store, log, line));
    }
    let mut timeout_rule = None;
    for r in &facts.routes {
        if route.as_deref().is_none_or(|x| x == r.route)
            && let Some(rule) = r
                .rules
                .iter()
                .find(|x| x.to_lowercase().contains("timeout"))
        {
            evidence.push(store.add(
                "gateway_routes",
                format!("{}/{}", r.kind, r.route),
                None,
                format!("{}: {rule}", r.route),
            ));
            timeout_rule = Some(rule.clone());
            break;
        }
    }
    // Istio: the route timeout lives in a VirtualService. Prefer one in a namespace the
    // question is about.
    let mut virtual_service = None;
    if timeout_rule.is_none()
        && let Some(vss) = facts.objects.get("VirtualService")
    {
        let with_timeout: Vec<_> = vss
            .iter()
            .filter(|o| o.summary.contains(" timeout "))
            .collect();
        let about = |o: &&&tools::tool::list_objects::ObjectLine| {
            let ns = o.object.split('/').next().unwrap_or("");
            facts.focus.iter().any(|w| w == ns) || facts.namespaces.iter().any(|n| n == ns)
        };
        if let Some(vs) = with_timeout.iter().find(about).or(with_timeout.first()) {
            evidence.push(store.add(
                "list_objects VirtualService",
                object_resource("VirtualService", vs),
                None,
                format!("{} {}", vs.object, vs.summary),
            ));
            // "api (prefix /v1/) -> host:8000 timeout 40s" → "timeout 40s on route api".
            timeout_rule = vs
                .summary
                .split("http routes: ")
                .nth(1)
                .unwrap_or(&vs.summary)
                .split("; ")
                .find_map(|r| {
                    let t = r.split(" timeout ").nth(1)?.split_whitespace().next()?;
                    let name = r.split_whitespace().next().unwrap_or("");
                    Some(format!("timeout {t} on route {name}"))
                });
            virtual_service = Some(object_resource("VirtualService", vs));
        }
    }
    let resource = if let Some(vs) = virtual_service {
        vs
    } else if let Some(r) = &route {
        let (ns, name) = r.split_once('/').unwrap_or(("", r));
        format!("{ns}/HTTPRoute/{name}")
    } else if let Some(i) = object_in(facts, "Ingress", None, None) {
        evidence.push(store.add(
            "list_objects Ingress",
            object_resource("Ingress", i),
            None,
            format!("{} {}", i.object, i.summary),
        ));
        object_resource("Ingress", i)
    } else {
        hits.first()
            .map(|a| resource_of_pod(facts, &a.log.namespace, &a.log.pod))
            .or_else(|| {
                text.first()
                    .map(|(l, _)| resource_of_pod(facts, &l.namespace, &l.pod))
            })
            .unwrap_or_default()
    };
    let (ns, kind, name) = split_resource(&resource);
    // The backends behind the route: when one of them has its own failure (its calls to a
    // dependency are dropped), the gateway's timeouts are that failure's symptom.
    let depends_on = route_backend_workloads(facts, &kind, &format!("{ns}/{name}"));
    vec![Candidate {
        category: "gateway-timeout",
        resource,
        statement: format!(
            "The gateway answers 504 Gateway Timeout: the timeout on {kind} {name}{} is shorter than the backend's response time for long generations, so slow requests are cut off ({} timed-out requests in the log read).",
            timeout_rule
                .map(|t| format!(" ({})", tools::budget::clip(&t, 80)))
                .unwrap_or_default(),
            hits.len()
        ),
        confidence: if hits.iter().any(|a| a.flags.contains("UT")) || !text.is_empty() {
            0.84
        } else {
            0.6
        },
        evidence,
        analyzer: "gateway-timeout",
        workload: None,
        depends_on,
        next_steps: vec![
            step(
                "Compare the configured request timeout with the backend's p99 latency for long completions",
                Some(format!(
                    "{} get {} {name} -o yaml",
                    kns(&ns),
                    kind.to_lowercase()
                )),
            ),
            step(
                "Raise the route/proxy timeout above the longest expected generation, or stream responses so the first byte arrives in time",
                None,
            ),
        ],
    }]
}
