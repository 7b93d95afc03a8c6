//! `gateway-auth` — the gateway answers 401/403 because credentials expired or rotated, or the
//! JWT issuer, JWKS or audience no longer match.
//!
//! Detects: 401/403 in the gateway's access log (Envoy `UAEX` for external auth, `jwt_authn`
//! details), and log lines like `Jwt issuer is not configured`, `Jwks remote fetch is failed`,
//! `Jwt verification fails`, `invalid_token`, `audience`. Evidence: those lines, the
//! SecurityPolicy when one exists. Known false positives: a single client with a bad key (few
//! lines) — confidence scales with volume.

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static AUTH_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)Jwt (issuer is not configured|verification fails|is expired|is not yet valid|audiences? (is|are) not allowed)|Jwks (remote fetch is failed|doesn't have key)|jwt_authn|invalid_token|token (has )?expired|audience (mismatch|not allowed|invalid)|issuer (mismatch|invalid)|Invalid authentication credentials|No API key found|Unauthorized|invalid api key|signature verification failed|kid .* not found|unable to verify",
    )
});

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let hits = access_lines(facts, |s| s == 401 || s == 403);
    let text: Vec<_> = log_lines(facts, &AUTH_TEXT)
        .into_iter()
        .filter(|(l, _)| crate::investigate::is_gateway_pod(&l.pod) || l.pod.contains("auth"))
        .collect();
    if hits.len() < 3 && text.is_empty() {
        return Vec::new();
    }
    let route = top_route(&hits);
    let route_ns = route
        .as_deref()
        .and_then(|r| r.split_once('/'))
        .map(|(ns, _)| ns.to_string());
    let mut evidence = Vec::new();
    if let Some(a) = hits.first() {
        evidence.push(ev_access(store, a, hits.len()));
    }
    for (log, line) in text.iter().take(3) {
        evidence.push(ev_log(store, log, line));
    }
    let policy = object_in(facts, "SecurityPolicy", route_ns.as_deref(), None)
        .or_else(|| object_in(facts, "SecurityPolicy", None, None));
    let resource = if let Some(p) = policy {
        evidence.push(store.add(
            "list_objects SecurityPolicy",
            object_resource("SecurityPolicy", p),
            None,
            format!("{} {}", p.object, p.summary),
        ));
        object_resource("SecurityPolicy", p)
    } else if let Some(r) = &route {
        let (ns, name) = r.split_once('/').unwrap_or(("", r));
        format!("{ns}/HTTPRoute/{name}")
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
    vec![Candidate {
        category: "gateway-auth",
        resource,
        statement: format!(
            "The gateway rejects callers with 401/403: their credentials no longer validate (expired or rotated keys, or a JWT issuer/JWKS/audience that no longer matches the identity provider) — {} rejected requests in the log read.",
            hits.len()
        ),
        confidence: if text.is_empty() { 0.6 } else { 0.83 },
        evidence,
        analyzer: "gateway-auth",
        workload: None,
        depends_on: Vec::new(),
        next_steps: vec![
            step(
                "Compare the authentication settings (issuer, JWKS URI, audiences, keys) with what the identity provider issues now",
                Some(format!(
                    "{} get {} {name} -o yaml",
                    kns(&ns),
                    kind.to_lowercase()
                )),
            ),
            step(
                "Decode a rejected token's header and claims (iss, aud, kid, exp) from a failing client to see which check fails",
                None,
            ),
        ],
    }]
}
