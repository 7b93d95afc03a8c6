//! `gateway-tls` — TLS fails: an expired or not-yet-valid certificate, or one whose names do not
//! match (listener or backend TLS).
//!
//! Detects: cert-manager Certificates not Ready, events and log lines such as `certificate has
//! expired`, `x509:`, `CERTIFICATE_VERIFY_FAILED`, `TLS error`, `SSL routines`, `certificate is
//! valid for X, not Y`, ACME/Order failures. Evidence: the Certificate status, the lines. Known
//! false positives: clients with stale CA bundles (few lines, one client).
//!
//! When the lines are the gateway failing to verify its upstream (`upstream SSL certificate
//! verify error`, no BackendTLSPolicy), the resource is the workload behind the route for the
//! failing host, and a Ready Certificate in its namespace is read as "renewed, not reloaded".
//! Known false positive there: a Ready Certificate that the upstream does not use.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static TLS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)certificate (has )?expired|certificate is not yet valid|x509: certificate|CERTIFICATE_VERIFY_FAILED|TLS error|TLS_error|SSL routines|tls: (failed|bad certificate|handshake failure)|certificate is valid for|does not match (the )?(SAN|hostname|subject)|hostname mismatch|SAN mismatch|handshake fail|unknown (certificate )?authority|certificate verify failed|Failed to renew|Error presenting challenge|presenting challenge|challenge (failed|invalid|errored)|Failed to (create|finalize) order|order .* (failed|invalid|errored)|certificate signed by unknown authority",
    )
});

static SERVER: LazyLock<Regex> = LazyLock::new(|| re(r"server: ([A-Za-z0-9.-]+)"));

/// An upstream whose serving certificate the gateway rejects: the workload behind the route
/// for the host the failing requests were for (any route's backends when no host is named).
fn upstream_candidate(
    facts: &Facts,
    store: &mut EvidenceStore,
    lines: &[(&crate::investigate::PodLog, &str)],
    mut evidence: Vec<String>,
) -> Option<Candidate> {
    let host = lines
        .iter()
        .find_map(|(_, l)| SERVER.captures(l).map(|c| c[1].to_string()));
    let routes: Vec<&tools::tool::gateway_routes::Route> = facts
        .routes
        .iter()
        .filter(|r| {
            host.as_deref()
                .is_none_or(|h| r.rules.iter().any(|rule| rule.contains(h)))
        })
        .collect();
    let workload = routes
        .iter()
        .flat_map(|r| route_backend_workloads(facts, &r.kind, &r.route))
        .next()?;
    let (ns, name) = workload.split_once('/')?;
    let p = facts.pods.iter().find(|p| workload_key(p) == workload)?;
    let resource = resource_of(p);
    let expired = lines
        .iter()
        .any(|(_, l)| l.to_lowercase().contains("expired"));
    // A Certificate in that namespace that is Ready says the renewal happened: the server is
    // still serving the certificate it read at start.
    let renewed = facts.objects.get("Certificate").and_then(|cs| {
        cs.iter()
            .find(|c| c.object.starts_with(&format!("{ns}/")) && c.summary.contains("Ready=True"))
    });
    if let Some(c) = renewed {
        evidence.push(store.add(
            "list_objects Certificate",
            object_resource("Certificate", c),
            None,
            format!("{} {}", c.object, c.summary),
        ));
    }
    let statement = format!(
        "The gateway rejects the serving certificate of its upstream {name}{}, so every request through the route fails the TLS handshake (502).{}",
        if expired {
            " (expired)"
        } else {
            " (not valid for the gateway's checks)"
        },
        match renewed {
            Some(c) => format!(
                " Certificate {} in its namespace is Ready (renewed): if that is the one {name} serves, {name} still serves the old certificate because it reads it only at start, and needs a restart (or a reload) to pick up the renewed Secret.",
                c.object
            ),
            None => format!(
                " Renew {name}'s certificate, then restart it if it reads the certificate only at start."
            ),
        }
    );
    Some(Candidate {
        category: "gateway-tls",
        resource,
        statement,
        confidence: 0.84,
        evidence,
        analyzer: "gateway-tls",
        workload: Some(workload.clone()),
        depends_on: Vec::new(),
        next_steps: vec![
            step(
                format!(
                    "Compare when {name}'s pods started with when the certificate was renewed: pods older than the renewal serve the old certificate"
                ),
                Some(format!(
                    "{} get pods -o custom-columns=NAME:.metadata.name,STARTED:.status.startTime",
                    kns(ns)
                )),
            ),
            step(
                format!(
                    "Restart {name} so it loads the renewed certificate (a rollout restart replaces its pods one by one)"
                ),
                Some(format!("{} rollout restart deployment/{name}", kns(ns))),
            ),
        ],
    })
}

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut evidence = Vec::new();
    let mut resource = None;
    let mut strong = false;
    if let Some(certs) = facts.objects.get("Certificate") {
        for c in certs.iter().filter(|c| c.summary.contains("Ready=False")) {
            evidence.push(store.add(
                "list_objects Certificate",
                object_resource("Certificate", c),
                None,
                format!("{} {}", c.object, c.summary),
            ));
            resource.get_or_insert_with(|| object_resource("Certificate", c));
            strong = true;
        }
    }
    for e in facts
        .events
        .iter()
        .filter(|e| TLS.is_match(&e.message) || TLS.is_match(&e.reason))
    {
        if evidence.len() < 5 {
            evidence.push(ev_event(store, e));
        }
        let (ns, kind, name) = event_object(e);
        if matches!(
            kind.as_str(),
            "Certificate"
                | "CertificateRequest"
                | "Order"
                | "Challenge"
                | "Gateway"
                | "BackendTLSPolicy"
        ) {
            strong = true;
            if kind == "Certificate" || kind == "BackendTLSPolicy" {
                resource.get_or_insert_with(|| format!("{ns}/{kind}/{name}"));
            }
        }
    }
    let lines = log_lines(facts, &TLS);
    for (log, line) in lines.iter().take(3) {
        evidence.push(ev_log(store, log, line));
    }
    if lines.len() >= 2 {
        strong = true;
    }
    if evidence.is_empty() || !strong {
        return Vec::new();
    }
    let backend = lines
        .iter()
        .any(|(_, l)| l.contains("upstream") || l.contains("TLS_error") || l.contains("valid for"));
    if resource.is_none()
        && backend
        && let Some(p) = object_in(facts, "BackendTLSPolicy", None, None)
    {
        resource = Some(object_resource("BackendTLSPolicy", p));
    }
    // The gateway cannot verify its upstream's serving certificate (nginx: `upstream SSL
    // certificate verify error ... while SSL handshaking to upstream`): the upstream behind
    // the route for that host is what serves the bad certificate.
    if resource.is_none()
        && backend
        && let Some(c) = upstream_candidate(facts, store, &lines, evidence.clone())
    {
        return vec![c];
    }
    let resource = resource
        .or_else(|| object_in(facts, "Gateway", None, None).map(|g| object_resource("Gateway", g)))
        .unwrap_or_default();
    let (ns, kind, name) = split_resource(&resource);
    if let Some(o) = facts
        .objects
        .get(&kind)
        .and_then(|v| v.iter().find(|o| o.object == format!("{ns}/{name}")))
    {
        evidence.push(store.add(
            format!("list_objects {kind}"),
            resource.clone(),
            None,
            format!("{} {}", o.object, o.summary),
        ));
    }
    // The challenge/order errors say why renewal fails; quote them.
    for (k, objs) in facts
        .objects
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "Challenge" | "Order" | "CertificateRequest"))
    {
        for o in objs
            .iter()
            .filter(|o| {
                TLS.is_match(&o.summary)
                    || o.summary.contains("False")
                    || o.summary.contains("errored")
                    || o.summary.contains("invalid")
            })
            .take(2)
        {
            evidence.push(store.add(
                format!("list_objects {k}"),
                object_resource(k, o),
                None,
                format!("{} {}", o.object, o.summary),
            ));
        }
    }
    vec![Candidate {
        category: "gateway-tls",
        resource: resource.clone(),
        statement: format!(
            "TLS fails at the gateway: a certificate ({kind} {name}) is expired, not yet valid or does not match the names it must cover, so handshakes fail."
        ),
        confidence: if resource.is_empty() { 0.6 } else { 0.82 },
        evidence,
        analyzer: "gateway-tls",
        workload: None,
        depends_on: Vec::new(),
        next_steps: if kind == "BackendTLSPolicy" {
            vec![
                step(
                    "Compare the hostname the policy validates with the names (SANs) in the backend's serving certificate",
                    Some(format!("{} get backendtlspolicy {name} -o yaml", kns(&ns))),
                ),
                step(
                    "Make them agree: set the policy's hostname to a name the certificate covers, or serve a certificate that covers the policy's hostname",
                    None,
                ),
            ]
        } else {
            vec![
                step(
                    "Check the certificate's validity dates, names and renewal status",
                    Some(format!(
                        "{} describe {} {name}",
                        kns(&ns),
                        kind.to_lowercase()
                    )),
                ),
                step(
                    "If renewal is failing, read why in the ACME order and challenge status and fix that (DNS/HTTP solver access), then renewal resumes",
                    Some(format!(
                        "{} get certificaterequests,orders,challenges",
                        kns(&ns)
                    )),
                ),
            ]
        },
    }]
}
