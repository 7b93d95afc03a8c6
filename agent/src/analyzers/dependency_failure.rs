//! `dependency-failure` — a downstream dependency (database, cache, queue, external API) is
//! failing and the service that calls it fails with it, while its own pods, config and
//! infrastructure are sound.
//!
//! Detects: a running service's log full of errors about a dependency: connection pool
//! exhausted, `remaining connection slots are reserved`, `too many clients`, Redis `LOADING` /
//! `READONLY`, Kafka broker unavailable, connection refused/reset to a database host, 5xx from
//! an external API. The resource is the dependency when it runs in the cluster (named in the
//! error), else the caller. Known false positives: a NetworkPolicy dropping the traffic (timeouts
//! only — `network-policy-block`), the dependency's own crash (its cause ranks higher).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static DEP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)remaining connection slots are reserved|too many (clients|connections)|connection pool (exhausted|timeout|is full)|pool (exhausted|timed out)|Timeout waiting for (idle object|connection)|HikariPool.*(Connection is not available|request timed out)|could not obtain connection|LOADING Redis is loading|READONLY You can't write|MISCONF|CLUSTERDOWN|Connection refused.*(5432|3306|6379|9092|27017)|(postgres|postgresql|mysql|redis|mongo|kafka|rabbitmq|memcached|elasticsearch|database|db)[^\n]{0,80}(connection refused|connection reset|timeout|timed out|unavailable|refused|error)|(connection refused|connection reset|timed out)[^\n]{0,80}(postgres|mysql|redis|mongo|kafka|database|db)|Broker(s)? (may not be )?available|LEADER_NOT_AVAILABLE|upstream (payment|provider|api).*(5\d\d|error|unavailable)|(status|code)[=: ]+5\d\d from|returned (HTTP )?5\d\d|503 Service Unavailable from|circuit breaker (is )?open|deadlock detected|the database system is (starting up|shutting down|in recovery mode)",
    )
});
static HOST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b([a-z][a-z0-9-]{2,})(?:\.[a-z0-9-]+)*\.svc|(?:host|addr|server)[=: ]+"?([a-z][a-z0-9-]{2,})"#,
    )
});

/// Whether an age like `12m`, `1h5m`, `40s` is under two hours.
fn recent(age: &str) -> bool {
    if age.contains('d') || age.contains('y') {
        return false;
    }
    match age.split_once('h') {
        Some((h, _)) => h.parse::<u32>().is_ok_and(|h| h < 2),
        None => true,
    }
}

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let hits = log_lines(facts, &DEP);
    if hits.is_empty() {
        return out;
    }
    // Group by caller workload.
    let mut by_caller: std::collections::BTreeMap<
        String,
        Vec<(&crate::investigate::PodLog, &str)>,
    > = Default::default();
    for (log, line) in hits {
        let Some(p) = pod_of(facts, log) else {
            continue;
        };
        by_caller
            .entry(resource_of(p))
            .or_default()
            .push((log, line));
    }
    for (caller, lines) in by_caller {
        if lines.len() < 2 {
            continue;
        }
        let (cns, _, cname) = split_resource(&caller);
        // The dependency: a workload in the cluster whose name the errors mention.
        let text: String = lines
            .iter()
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join("\n")
            .to_lowercase();
        let mut dep: Option<String> = None;
        for c in HOST.captures_iter(&text) {
            let host = c.get(1).or(c.get(2)).map(|m| m.as_str()).unwrap_or("");
            if host.len() < 3 || host == cname {
                continue;
            }
            if let Some(w) = facts
                .workloads
                .iter()
                .find(|w| w.name == host || host.starts_with(&w.name) && w.name.len() > 3)
            {
                dep = Some(format!("{}/{}/{}", w.namespace, w.kind, w.name));
                break;
            }
            if let Some(s) = facts
                .objects
                .get("Service")
                .and_then(|v| v.iter().find(|s| s.object.ends_with(&format!("/{host}"))))
            {
                dep = Some(object_resource("Service", s));
                break;
            }
        }
        if dep.is_none() {
            for w in &facts.workloads {
                if w.name != cname && w.name.len() > 3 && text.contains(&w.name) {
                    dep = Some(format!("{}/{}/{}", w.namespace, w.kind, w.name));
                    break;
                }
            }
        }
        // The error names the kind of dependency (a Postgres FATAL, a Redis LOADING): the
        // in-cluster workload of that kind, nearest the caller, is the dependency.
        if dep.is_none() {
            let kinds: &[(&str, &[&str])] = &[
                (
                    "postgres",
                    &[
                        "postgres",
                        "postgresql",
                        "pg-",
                        "-pg",
                        "psql",
                        "-db",
                        "db-",
                        "database",
                    ],
                ),
                (
                    "fatal:",
                    &[
                        "postgres",
                        "postgresql",
                        "pg-",
                        "-pg",
                        "-db",
                        "db-",
                        "database",
                    ],
                ),
                ("mysql", &["mysql", "mariadb", "-db", "db-"]),
                ("redis", &["redis", "valkey", "cache"]),
                ("kafka", &["kafka", "broker"]),
                ("mongo", &["mongo"]),
                ("rabbitmq", &["rabbitmq", "amqp"]),
            ];
            'found: for (word, names) in kinds {
                if !text.contains(word) {
                    continue;
                }
                let mut candidates: Vec<_> = facts
                    .workloads
                    .iter()
                    .filter(|w| w.name != cname && names.iter().any(|n| w.name.contains(n)))
                    .collect();
                candidates.sort_by_key(|w| w.namespace != cns);
                if let Some(w) = candidates.first() {
                    dep = Some(format!("{}/{}/{}", w.namespace, w.kind, w.name));
                    break 'found;
                }
            }
        }
        // A failing dependency answers errors; a dropped connection only times out. With only
        // timeouts and NetworkPolicies in place, the network is the better suspect.
        let only_timeouts = lines.iter().all(|(_, l)| {
            let l = l.to_lowercase();
            (l.contains("timeout") || l.contains("timed out") || l.contains("deadline"))
                && !l.contains("too many")
                && !l.contains("refused")
                && !l.contains("slots")
                && !l.contains("pool")
        });
        let policies = facts
            .objects
            .get("NetworkPolicy")
            .is_some_and(|p| !p.is_empty());
        let mut evidence: Vec<String> = lines
            .iter()
            .take(3)
            .map(|(l, x)| ev_log(store, l, x))
            .collect();
        // What started recently next to the caller or the dependency (a Job, a new consumer)
        // is the usual source of new load on a shared dependency.
        let dep_ns = dep
            .as_deref()
            .map(|d| split_resource(d).0)
            .unwrap_or_default();
        for p in facts
            .pods
            .iter()
            .filter(|p| (p.namespace == cns || p.namespace == dep_ns) && p.status == "Running")
            .filter(|p| recent(&p.age) && workload_of(p).1 != cname)
            .take(2)
        {
            evidence.push(store.add(
                "list_pods",
                format!("{}/Pod/{}", p.namespace, p.name),
                None,
                format!(
                    "started {} ago ({}): {} — new load on shared dependencies",
                    p.age,
                    p.owner.as_deref().unwrap_or("no owner"),
                    p.name
                ),
            ));
        }
        let resource = dep.clone().unwrap_or_else(|| caller.clone());
        let (_, _, dname) = split_resource(&resource);
        out.push(Candidate {
            category: "dependency-failure",
            resource,
            statement: match &dep {
                Some(_) => format!("{cname} fails because its dependency {dname} is failing (its errors: connection pool exhausted, refused or unavailable); {cname}'s own pods and configuration look sound."),
                None => format!("{cname} fails because a downstream dependency (database, cache or external API) is failing; its own pods and configuration look sound."),
            },
            confidence: if only_timeouts && policies {
                0.45
            } else {
                (0.55 + 0.05 * lines.len().min(5) as f64).min(0.78)
            },
            evidence,
            analyzer: "dependency-failure",
            workload: Some(format!("{cns}/{cname}")),
            depends_on: dep.iter().map(|d| { let (n, _, x) = split_resource(d); format!("{n}/{x}") }).collect(),
            next_steps: vec![
                step("Read the dependency errors in the caller's log", Some(format!("{} logs deploy/{cname} --since=30m | grep -iE 'connection|pool|timeout|refused'", kns(&cns)))),
                step(format!("Check the health, connection limits and load of {dname}"), None),
            ],
        });
    }
    out
}
