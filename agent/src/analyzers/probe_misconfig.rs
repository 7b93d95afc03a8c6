//! `probe-misconfig` — a liveness/readiness probe points at the wrong port, path or command, so
//! a healthy process is killed or kept out of the Service.
//!
//! Detects: `Unhealthy` probe events (`HTTP probe failed with statuscode: 404`, `connection
//! refused` on a port the app does not listen on) while the app's own log shows it started and
//! serving. Evidence: the probe events, the app's "listening" line, the probe spec from describe.
//! Known false positives: a model server still loading (that is `inference-startup-probe`,
//! handled there and skipped here); an app that really is hung (its log would show no serving).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static PROBE_FAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(liveness|readiness|startup) probe (failed|errored)"));
static SERVING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)listening (on|at)|started .* on port|serving (on|at)|server started|started server|Tomcat started on port|Netty started on port|Uvicorn running on|Started \w+ in [0-9.]+ seconds|ready to accept connections|HTTP server listening|running on http|starting (http|grpc|web|api) server",
    )
});
/// The port a failed probe dialled: `Get "http://10.1.2.3:8080/health"`, `dial tcp 10.1.2.3:8080`.
static PROBE_PORT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?:https?://[^/:\s"]+|dial tcp [0-9a-fA-F.:\[\]]*?):(\d{2,5})\b"#));
/// The port an application says it serves on: `0.0.0.0:8000`, `[::]:8000`, `port 8000`.
static SERVED_PORT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:0\.0\.0\.0|\[::\]|127\.0\.0\.1|localhost|\*|port)[: =]+(\d{2,5})\b")
});
static EXIT: LazyLock<Regex> = LazyLock::new(|| re(r"exit (\d+)"));
static PROBE_SPEC: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(liveness|readiness|startup)"));

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for e in facts
        .events
        .iter()
        .filter(|e| e.reason == "Unhealthy" && PROBE_FAIL.is_match(&e.message))
    {
        let (ns, kind, name) = event_object(e);
        if kind != "Pod" {
            continue;
        }
        let Some(p) = pod(facts, &ns, &name) else {
            continue;
        };
        // A process that exits on its own (any code but the kubelet's SIGKILL/SIGTERM) fails
        // its probes because it is down: the probe failures are a symptom, not the cause.
        if let Some(code) = p
            .last_termination
            .as_deref()
            .and_then(|t| EXIT.captures(t))
            .and_then(|c| c[1].parse::<i32>().ok())
            && code != 137
            && code != 143
        {
            continue;
        }
        // The app's own "serving" lines, and the ports the current instance says it serves
        // on, against the port the probe dialled.
        let serving_lines: Vec<(&PodLog, &String)> = facts
            .logs
            .iter()
            .filter(|l| l.namespace == ns && l.pod == name)
            .flat_map(|l| {
                l.lines
                    .iter()
                    .filter(|x| SERVING.is_match(x))
                    .map(move |x| (l, x))
            })
            .collect();
        let served_ports: Vec<(&PodLog, &String, String)> = serving_lines
            .iter()
            .filter(|(l, _)| !l.previous)
            .filter_map(|&(l, x)| SERVED_PORT.captures(x).map(|c| (l, x, c[1].to_string())))
            .collect();
        let probe_port = PROBE_PORT.captures(&e.message).map(|c| c[1].to_string());
        let mismatch = probe_port.as_ref().and_then(|pp| {
            (!served_ports.is_empty() && served_ports.iter().all(|(_, _, sp)| sp != pp))
                .then(|| (pp.clone(), served_ports[0].2.clone()))
        });
        // A model server still loading fails its probes too (inference-startup-probe); a
        // wrong port or path is this category even there.
        if is_model_server(facts, &ns, &name)
            && !e.message.contains("statuscode: 404")
            && mismatch.is_none()
        {
            continue;
        }
        let key = workload_key(p);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            if c.evidence.len() < 5 {
                c.evidence.push(ev_event(store, e));
            }
            continue;
        }
        // Cite the line that names a port when there is one.
        let serving: Vec<(&PodLog, &String)> = served_ports
            .first()
            .map(|&(l, x, _)| (l, x))
            .or_else(|| serving_lines.first().copied())
            .into_iter()
            .collect();
        let wrong_target = e.message.contains("statuscode: 404")
            || e.message.contains("connection refused")
            || e.message.contains("no such file")
            || e.message.contains("executable file not found");
        let mut evidence = vec![ev_event(store, e), ev_pod(store, p)];
        for (l, line) in &serving {
            evidence.push(ev_log(store, l, line));
        }
        for l in described_lines(facts, &ns, &name, &PROBE_SPEC)
            .into_iter()
            .take(2)
        {
            evidence.push(store.add("describe", format!("{ns}/Pod/{name}"), None, l));
        }
        let confidence = match (serving.is_empty(), wrong_target) {
            _ if mismatch.is_some() => 0.9,
            (false, true) => 0.85,
            (false, false) => 0.7,
            (true, true) => 0.6,
            (true, false) => 0.45,
        };
        let (_, kind, wname) = split_resource(&resource_of(p));
        let probe = PROBE_FAIL
            .captures(&e.message)
            .map(|c| c[1].to_lowercase())
            .unwrap_or_else(|| "liveness".into());
        let effect = if probe == "readiness" {
            format!(
                "so its pods stay unready (ready {}) and out of the Service's endpoints",
                p.ready
            )
        } else {
            format!(
                "so the kubelet restarts healthy containers ({} restarts)",
                p.restarts
            )
        };
        let mut statement = match &mismatch {
            Some((probe_port, served)) => format!(
                "The {probe} probe of {wname} checks port {probe_port}, but the application listens on port {served}: every probe fails with connection refused while the application itself is up, {effect}."
            ),
            None => format!(
                "The {probe} probe of {wname} checks the wrong port, path or command: it fails{} while the application itself is up, {effect}.",
                if e.message.contains("statuscode: 404") {
                    " with HTTP 404"
                } else if e.message.contains("connection refused") {
                    " with connection refused"
                } else {
                    ""
                },
            ),
        };
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
        }
        out.push(Candidate {
            category: "probe-misconfig",
            resource: resource_of(p),
            statement,
            confidence,
            evidence,
            analyzer: "probe-misconfig",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Compare the probe's port and path with the port the app listens on",
                    Some(format!("{} get {}/{wname} -o jsonpath='{{.spec.template.spec.containers[*].livenessProbe}}'", kns(&ns), kind.to_lowercase())),
                ),
                step("Point the probe at the right port/path (or roll back the change that moved it)", None),
            ],
        });
    }
    out
}
