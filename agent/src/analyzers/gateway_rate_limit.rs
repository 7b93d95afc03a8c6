//! `gateway-rate-limit` — the gateway rejects requests with 429 because a rate limit is too
//! low, was just lowered, or is exhausted by one client.
//!
//! Detects: 429 answers in the gateway's access log (Envoy flag `RL`, NGINX `limiting requests`,
//! Kong `API rate limit exceeded`). Evidence: the access lines and their count, the rate-limit
//! policy object when one exists (Envoy Gateway's BackendTrafficPolicy, or a Kong
//! rate-limiting KongPlugin, whose `minute`/`second` is quoted), its last change. Known false positives:
//! 429s passed through from the backend itself (`via_upstream` without `RL`) — lower confidence.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static LIMIT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)limiting requests, excess|API rate limit exceeded|rate[_ ]limit(ed)?|x-envoy-ratelimited|too many requests|local_rate_limited|request_rate_limited",
    )
});

static USER_AGENT: LazyLock<Regex> = LazyLock::new(|| {
    re(r#""user[-_]agent"\s*:\s*"([^"]+)"|HTTP/[0-9.]+" \d{3} \S+ "[^"]*" "([^"]+)""#)
});

/// The client (user agent) behind most of the rejected requests, when one dominates.
fn top_client(hits: &[Access<'_>]) -> Option<(String, usize)> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for a in hits {
        if let Some(c) = USER_AGENT.captures(a.line) {
            let ua = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            *counts.entry(tools::budget::clip(ua, 80)).or_default() += 1;
        }
    }
    let (ua, n) = counts.into_iter().max_by_key(|(_, n)| *n)?;
    (n * 2 >= hits.len() && n >= 3).then_some((ua, n))
}

/// A Kong rate-limiting plugin (`rate-limiting`, `rate-limiting-advanced`,
/// `response-ratelimiting`), in the route's namespace first.
fn kong_limit<'a>(
    facts: &'a Facts,
    route_ns: Option<&str>,
) -> Option<(&'static str, &'a tools::tool::list_objects::ObjectLine)> {
    let limits = |kind: &'static str| {
        facts
            .objects
            .get(kind)
            .into_iter()
            .flatten()
            .filter(|o| {
                o.summary.starts_with("plugin rate-limiting")
                    || o.summary.starts_with("plugin response-ratelimiting")
            })
            .map(move |o| (kind, o))
    };
    let mut all: Vec<_> = limits("KongPlugin")
        .chain(limits("KongClusterPlugin"))
        .collect();
    all.sort_by_key(|(_, o)| !route_ns.is_some_and(|ns| o.object.starts_with(&format!("{ns}/"))));
    all.into_iter().next()
}

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let text = log_lines(facts, &LIMIT_TEXT);
    // NGINX's limit_req answers 503 unless limit-req-status-code says otherwise.
    let nginx_limit = text.iter().any(|(_, l)| l.contains("limiting requests"));
    let hits = access_lines(facts, |s| s == 429 || (nginx_limit && s == 503));
    if hits.len() < 3 && text.is_empty() {
        return Vec::new();
    }
    let by_gateway = hits
        .iter()
        .filter(|a| a.flags.contains("RL") || !a.line.contains("via_upstream"))
        .count();
    let route = top_route(&hits);
    let route_ns = route
        .as_deref()
        .and_then(|r| r.split_once('/'))
        .map(|(ns, _)| ns.to_string());
    let mut evidence = Vec::new();
    if let Some(a) = hits
        .iter()
        .find(|a| a.flags.contains("RL"))
        .or(hits.first())
    {
        evidence.push(ev_access(store, a, hits.len()));
    }
    for (log, line) in text.iter().take(2) {
        evidence.push(ev_log(store, log, line));
    }
    if let Some((ua, n)) = top_client(&hits) {
        let a = &hits[0];
        evidence.push(store.add(
            a.log.source(),
            format!("{}/Pod/{}", a.log.namespace, a.log.pod),
            None,
            format!(
                "{n} of {} rejected requests came from one client, user-agent \"{ua}\"",
                hits.len()
            ),
        ));
    }
    let policy = object_in(
        facts,
        "BackendTrafficPolicy",
        route_ns.as_deref(),
        route
            .as_deref()
            .and_then(|r| r.split_once('/'))
            .map(|(_, n)| n),
    )
    .or_else(|| object_in(facts, "BackendTrafficPolicy", None, None))
    .map(|p| ("BackendTrafficPolicy", p))
    .or_else(|| kong_limit(facts, route_ns.as_deref()));
    let resource = if let Some((kind, p)) = policy {
        evidence.push(store.add(
            format!("list_objects {kind}"),
            object_resource(kind, p),
            None,
            format!("{} {}", p.object, p.summary),
        ));
        object_resource(kind, p)
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
            .unwrap_or_default()
    };
    let (ns, kind, name) = split_resource(&resource);
    vec![Candidate {
        category: "gateway-rate-limit",
        resource: resource.clone(),
        statement: format!(
            "The gateway rejects requests with 429 Too Many Requests: a rate limit ({kind} {name}) is lower than the traffic it now receives ({} rate-limited answers in the access log read).",
            hits.len()
        ),
        confidence: if by_gateway > 0 || !text.is_empty() {
            0.82
        } else {
            0.55
        },
        evidence,
        analyzer: "gateway-rate-limit",
        workload: None,
        depends_on: Vec::new(),
        next_steps: vec![
            step(
                "Read the rate-limit rule and when it last changed",
                Some(format!(
                    "{} get {} {name} -o yaml",
                    kns(&ns),
                    kind.to_lowercase()
                )),
            ),
            step(
                "Find which clients take the budget (top callers by x-forwarded-for / API key in the access log) and raise the limit or give that client its own bucket",
                None,
            ),
        ],
    }]
}
