//! `gateway-route-misconfig` — the route itself is wrong: not accepted by its Gateway (no
//! matching listener, hostname or section), a backendRef to a Service or port that does not
//! exist, or the wrong class.
//!
//! Detects: route status `Accepted=False` / `ResolvedRefs=False`, a backend Service missing or
//! a port it does not declare (gateway_routes), Envoy `NR` (no route) 404s and 500s for
//! unresolved backends. Evidence: the route's conditions and verdict, the access lines. Known
//! false positives: a route being created (status not yet written).

use super::*;

/// Services in the same namespace whose names share a long stretch with `wanted`
/// (`ns/name[:port]`): the likely rename target.
fn similar_services<'a>(
    facts: &'a Facts,
    wanted: &str,
) -> Vec<&'a tools::tool::list_objects::ObjectLine> {
    let (ns, name) = wanted.split_once('/').unwrap_or(("", wanted));
    let name = name.split(':').next().unwrap_or(name);
    let parts: Vec<&str> = name.split('-').filter(|p| p.len() >= 3).collect();
    let mut out: Vec<(usize, &tools::tool::list_objects::ObjectLine)> = facts
        .objects
        .get("Service")
        .into_iter()
        .flatten()
        .filter(|s| s.object.starts_with(&format!("{ns}/")))
        .filter_map(|s| {
            let other = s.object.split_once('/').map_or("", |(_, n)| n);
            let shared = parts.iter().filter(|p| other.contains(*p)).count();
            (other != name && shared > 0).then_some((shared, s))
        })
        .collect();
    out.sort_by_key(|x| std::cmp::Reverse(x.0));
    out.into_iter().map(|(_, s)| s).take(2).collect()
}

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out = Vec::new();
    let nr = access_lines(facts, |s| s == 404 || s == 500);
    for r in &facts.routes {
        let bad_cond = r.conditions.iter().find(|c| {
            (c.starts_with("Accepted=") || c.starts_with("ResolvedRefs=")) && !c.contains("=True")
        });
        let bad_backend = r.backends.iter().find(|b| !b.exists || !b.port_ok);
        let redirect_only = r.backends.is_empty()
            && r.rules.iter().any(|x| {
                let x = x.to_lowercase();
                x.contains("redirect") || x.contains("urlrewrite") || x.contains("directresponse")
            });
        if bad_cond.is_none() && bad_backend.is_none() && (!r.backends.is_empty() || redirect_only)
        {
            continue;
        }
        let mut evidence = vec![store.add(
            "gateway_routes",
            format!("{}/{}", r.kind, r.route),
            None,
            format!(
                "{} parents {} conditions {} rules {} verdict: {}",
                r.route,
                r.parents.join(","),
                r.conditions.join("; "),
                r.rules.join(" | "),
                r.verdict
            ),
        )];
        let hits: Vec<_> = nr
            .iter()
            .filter(|a| a.route.as_deref() == Some(r.route.as_str()) || a.flags.contains("NR"))
            .collect();
        if let Some(a) = hits.first() {
            evidence.push(ev_access(store, a, hits.len()));
        }
        let what = match (bad_cond, bad_backend) {
            (_, Some(b)) if !b.exists => {
                let similar = similar_services(facts, &b.service);
                if let Some(s) = similar.first() {
                    evidence.push(store.add(
                        "list_objects Service",
                        object_resource("Service", s),
                        None,
                        format!("{} {}", s.object, s.summary),
                    ));
                }
                format!(
                    "its backendRef names Service {}, which does not exist{}",
                    b.service,
                    similar
                        .first()
                        .map(|s| format!(" (a Service {} exists: renamed?)", s.object))
                        .unwrap_or_default()
                )
            }
            (_, Some(b)) => format!(
                "its backendRef port is not a port Service {} declares",
                b.service
            ),
            (Some(c), None) => format!("it is not working: {}", tools::budget::clip(c, 200)),
            (None, None) => "it has no backend".into(),
        };
        let (ns, name) = r.route.split_once('/').unwrap_or(("", r.route.as_str()));
        out.push(Candidate {
            category: "gateway-route-misconfig",
            resource: format!("{ns}/{}/{name}", r.kind),
            statement: format!("The route {} is misconfigured: {what}; requests it should carry fail at the gateway.", r.route),
            confidence: 0.85,
            evidence,
            analyzer: "gateway-route-misconfig",
            workload: None,
            depends_on: Vec::new(),
            next_steps: vec![
                step("Read the route's status conditions and backendRefs", Some(format!("{} get {} {name} -o yaml", kns(ns), r.kind.to_lowercase()))),
                step("Fix the parentRef (listener name/hostname) or the backendRef (Service name and port) to match what exists", Some(format!("{} get svc", kns(ns)))),
            ],
        });
    }
    out
}
