//! `gateway-no-upstream` — the gateway answers 503 because a route's backend has no ready
//! endpoints: the Service selects no pods (selector mismatch), every selected pod is unready,
//! or the Service's targetPort does not reach the container (connections refused).
//!
//! Detects: a route whose backend Service has zero ready endpoints (gateway_routes), Envoy `UH`
//! "no healthy upstream" 503s, `UF`/`URX` connection failures to existing endpoints. Evidence:
//! the route's verdict, the access lines. Cross-signal: when the backend's pods are unready
//! because they crash for a reason another analyzer names (OOM, load failure, bad config), this
//! is only the symptom; it records the backend workloads in `depends_on` so ranking puts the
//! cause first. Known false positives: a backend being rolled out (briefly no endpoints).

use super::*;

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out = Vec::new();
    let h503 = access_lines(facts, |s| s == 503);
    for r in &facts.routes {
        for b in &r.backends {
            if !b.exists || !b.port_ok {
                continue; // route-misconfig
            }
            let (bns, bname) = b
                .service
                .split_once('/')
                .unwrap_or(("", b.service.as_str()));
            let bname = bname.split(':').next().unwrap_or(bname);
            let route_hits: Vec<_> = h503
                .iter()
                .filter(|a| a.route.as_deref() == Some(r.route.as_str()) || a.line.contains(bname))
                .collect();
            let refused: Vec<_> = route_hits
                .iter()
                .filter(|a| {
                    a.flags.contains("UF")
                        || a.flags.contains("URX")
                        || a.line.contains("connection failure")
                        || a.line.contains("connection refused")
                })
                .filter(|a| {
                    !(a.line.contains("TLS")
                        || a.line.contains("CERTIFICATE")
                        || a.line.contains("SSL"))
                })
                .collect();
            let no_endpoints = b.ready_endpoints == 0;
            if !no_endpoints && refused.is_empty() {
                continue;
            }
            let mut evidence = vec![store.add(
                "gateway_routes",
                format!("{}/{}", r.kind, r.route),
                None,
                format!("{} -> {}: {}", r.route, b.service, r.verdict),
            )];
            if let Some(a) = route_hits.first() {
                evidence.push(ev_access(store, a, route_hits.len()));
            }
            let mut depends_on: Vec<String> = b
                .not_ready_pods
                .iter()
                .filter_map(|p| pod(facts, bns, p.rsplit('/').next().unwrap_or(p)))
                .map(workload_key)
                .collect();
            depends_on.sort();
            depends_on.dedup();
            let statement = if no_endpoints && b.not_ready_endpoints == 0 {
                format!(
                    "The gateway answers 503 on route {}: its backend Service {} selects no pods (selector {}), so there is no upstream to send to.",
                    r.route,
                    b.service,
                    if b.selector.is_empty() {
                        "none"
                    } else {
                        &b.selector
                    }
                )
            } else if no_endpoints {
                format!(
                    "The gateway answers 503 (no healthy upstream) on route {}: every endpoint of its backend Service {} is unready ({} not ready).",
                    r.route, b.service, b.not_ready_endpoints
                )
            } else {
                format!(
                    "The gateway answers 503 on route {}: connections to the endpoints of Service {} are refused — its targetPort does not reach the port the container listens on.",
                    r.route, b.service
                )
            };
            let confidence = if no_endpoints && b.not_ready_endpoints == 0 {
                0.82
            } else if no_endpoints {
                0.7
            } else {
                0.78
            };
            out.push(Candidate {
                category: "gateway-no-upstream",
                resource: format!("{bns}/Service/{bname}"),
                statement,
                confidence,
                evidence,
                analyzer: "gateway-no-upstream",
                workload: None,
                depends_on,
                next_steps: vec![
                    step("Compare the Service's selector and targetPort with the pods' labels and container ports", Some(format!("{} get svc {bname} -o yaml", kns(bns)))),
                    step("See which endpoints exist and whether they are ready", Some(format!("{} get endpointslices -l kubernetes.io/service-name={bname}", kns(bns)))),
                ],
            });
        }
    }
    out
}
