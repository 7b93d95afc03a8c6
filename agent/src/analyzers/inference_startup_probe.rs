//! `inference-startup-probe` — a model server is killed by its liveness/startup probe while it
//! is still loading its model: the probe is right, but too impatient.
//!
//! Detects: probe failures (`connection refused` / timeouts on the health endpoint) and
//! `failed liveness probe, will be restarted` kills on a model-server pod whose log shows model
//! loading (`Loading model weights`, `Loading safetensors checkpoint shards`, downloads) and
//! never reaches "server started". Evidence: the kill events, the last loading line, the probe
//! spec. Known false positives: a server that crashed during loading (its own error is a more
//! specific cause: OOM or load failure).

use std::sync::LazyLock;

use regex::Regex;

use super::*;

static PROBE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(liveness|startup|readiness) probe (failed|errored)|failed (liveness|startup) probe|will be restarted",
    )
});
static LOADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)loading (model|weights|safetensors|checkpoint|the model)|Loading safetensors checkpoint shards|Downloading|download(ing)? (model|shard|weights)|Starting to load model|Loading pretrained|Loading model weights|loading shards|Load(ing)? weight|Fetching \d+ files|init_model|Initializing .*model|model_loader|Warming up|Capturing cudagraphs|CUDA graph",
    )
});
static STARTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)Application startup complete|Uvicorn running|Started (HTTP|GRPC)Service|Connected|Ready to serve|server started|Starting (the )?(webserver|HTTP server)|Routes:|Serving on|ready to accept",
    )
});
static SPEC: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(liveness|startup)"));

pub fn analyze(facts: &Facts, store: &mut EvidenceStore) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for p in &facts.pods {
        let probe_events: Vec<_> = facts
            .events
            .iter()
            .filter(|e| e.object.ends_with(&format!("/{}", p.name)) && PROBE.is_match(&e.message))
            .collect();
        if probe_events.is_empty() || !is_model_server(facts, &p.namespace, &p.name) {
            continue;
        }
        let logs: Vec<_> = facts
            .logs
            .iter()
            .filter(|l| l.namespace == p.namespace && l.pod == p.name)
            .collect();
        let loading = logs
            .iter()
            .flat_map(|l| {
                l.lines
                    .iter()
                    .filter(|x| LOADING.is_match(x))
                    .map(move |x| (*l, x))
            })
            .last();
        let started = logs
            .iter()
            .any(|l| l.lines.iter().any(|x| STARTED.is_match(x)));
        let Some((log, line)) = loading else { continue };
        if started && p.restarts == 0 {
            continue;
        }
        let key = workload_key(p);
        if let Some(c) = out
            .iter_mut()
            .find(|c| c.workload.as_deref() == Some(key.as_str()))
        {
            c.evidence.push(ev_pod(store, p));
            continue;
        }
        let mut evidence: Vec<String> = probe_events
            .iter()
            .take(2)
            .map(|e| ev_event(store, e))
            .collect();
        evidence.push(ev_log(store, log, line));
        evidence.push(ev_pod(store, p));
        for l in described_lines(facts, &p.namespace, &p.name, &SPEC)
            .into_iter()
            .take(2)
        {
            evidence.push(store.add(
                "describe",
                format!("{}/Pod/{}", p.namespace, p.name),
                None,
                l,
            ));
        }
        let (ns, kind, name) = split_resource(&resource_of(p));
        let mut statement = format!(
            "The model server {name} is killed by its liveness/startup probe while it is still loading the model ({} restarts): the probe gives up before loading finishes, so it never becomes ready.",
            p.restarts
        );
        if let Some((id, sentence)) = cite_rollout(facts, store, &key) {
            evidence.push(id);
            statement.push_str(&format!(" {sentence}."));
        }
        out.push(Candidate {
            category: "inference-startup-probe",
            resource: resource_of(p),
            statement,
            confidence: if started { 0.6 } else { 0.88 },
            evidence,
            analyzer: "inference-startup-probe",
            workload: Some(key),
            depends_on: Vec::new(),
            next_steps: vec![
                step(
                    "Give model loading time: a startupProbe with failureThreshold x periodSeconds above the load time (liveness only after it succeeds)",
                    Some(format!("{} get {}/{name} -o jsonpath='{{.spec.template.spec.containers[0].startupProbe}}'", kns(&ns), kind.to_lowercase())),
                ),
                step(
                    "Measure how long loading takes in the log of an instance that was killed",
                    Some(format!("{} logs {} --previous --timestamps", kns(&ns), p.name)),
                ),
            ],
        });
    }
    out
}
