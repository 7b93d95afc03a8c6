//! The eval scenarios of ../shared/design/SCENARIOS.md — a public contract: scenario folders
//! written by others must load and score unchanged. This crate owns the format, discovery,
//! scoring exactly as the contract says, and the report; the runner (which diagnoses) lives in
//! the `ktriage eval` command.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Errors of the evals crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid scenario.yaml: {message}")]
    Invalid { path: String, message: String },
    #[error("no scenario found under {0} (a scenario is a folder with scenario.yaml)")]
    NoScenarios(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `scenario.yaml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ScenarioFile {
    #[serde(default)]
    pub question: Option<String>,
    pub now: String,
    pub expect: Expect,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Expect {
    pub category: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub must_mention: Vec<String>,
    #[serde(default)]
    pub must_not_mention: Vec<String>,
}

/// A scenario folder, loaded.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub dir: PathBuf,
    pub name: String,
    pub file: ScenarioFile,
    /// `alert.json`, as text, when present.
    pub alert: Option<String>,
}

impl Scenario {
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("scenario.yaml");
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        let file: ScenarioFile = serde_yaml::from_str(&text).map_err(|e| Error::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if file.expect.category.trim().is_empty() {
            return Err(Error::Invalid {
                path: path.display().to_string(),
                message: "expect.category is empty".into(),
            });
        }
        let alert_path = dir.join("alert.json");
        let alert = if alert_path.exists() {
            Some(
                std::fs::read_to_string(&alert_path).map_err(|source| Error::Read {
                    path: alert_path.display().to_string(),
                    source,
                })?,
            )
        } else {
            None
        };
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Self {
            dir: dir.to_path_buf(),
            name,
            file,
            alert,
        })
    }
}

/// Every scenario folder under `roots` (a root may itself be a scenario), sorted by name.
pub fn discover(roots: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for root in roots {
        let before = found.len();
        walk(root, &mut found, 0)?;
        if found.len() == before {
            return Err(Error::NoScenarios(root.display().to_string()));
        }
    }
    found.sort_by(|a: &PathBuf, b| a.file_name().cmp(&b.file_name()));
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if dir.join("scenario.yaml").is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    if depth > 6 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        walk(&d, out, depth + 1)?;
    }
    Ok(())
}

/// What scoring needs from a diagnosis.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub top_category: Option<String>,
    pub top_resource: Option<String>,
    /// Summary, causes, evidence excerpts, next steps.
    pub full_text: String,
    /// Summary, cause statements, next steps (what the diagnosis asserts or recommends).
    pub asserted_text: String,
    /// Every cited evidence id exists.
    pub citations_valid: bool,
}

/// The score of one scenario, with the reasons it failed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Score {
    pub pass: bool,
    pub category_ok: bool,
    pub resource_ok: bool,
    pub missed_mentions: Vec<String>,
    pub forbidden_hits: Vec<String>,
    pub citations_valid: bool,
}

impl Score {
    /// Why it failed, in one line (empty when it passed).
    pub fn reason(&self, expect: &Expect, answer: &Answer) -> String {
        let mut r = Vec::new();
        if !self.category_ok {
            r.push(format!(
                "top cause {} (expected {})",
                answer.top_category.as_deref().unwrap_or("none"),
                expect.category
            ));
        }
        if !self.resource_ok {
            r.push(format!(
                "resource {} (expected {})",
                answer.top_resource.as_deref().unwrap_or("none"),
                expect.resource.as_deref().unwrap_or("")
            ));
        }
        if !self.missed_mentions.is_empty() {
            r.push(format!("missed {:?}", self.missed_mentions));
        }
        if !self.forbidden_hits.is_empty() {
            r.push(format!("asserted forbidden {:?}", self.forbidden_hits));
        }
        r.join("; ")
    }
}

/// Whether `resource` (as the diagnosis names it: `ns/Kind/name`, `ns/name`, `Kind/name` or
/// `name`) names the expected `ns/name` (or `name` for a cluster-scoped object), with or without
/// a kind, as the contract says.
pub fn resource_matches(expected: &str, got: &str) -> bool {
    let norm = |s: &str| -> (Option<String>, String) {
        let parts: Vec<&str> = s.trim().split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [name] => (None, name.to_lowercase()),
            [a, name] => {
                // `ns/name` or `Kind/name` (cluster-scoped): a Kind starts upper-case.
                if a.chars().next().is_some_and(char::is_uppercase) {
                    (None, name.to_lowercase())
                } else {
                    (Some(a.to_lowercase()), name.to_lowercase())
                }
            }
            [ns, _kind, name] => (Some(ns.to_lowercase()), name.to_lowercase()),
            _ => (None, s.to_lowercase()),
        }
    };
    let (ens, ename) = norm(expected);
    let (gns, gname) = norm(got);
    ename == gname && (ens.is_none() || ens == gns)
}

/// Case-insensitive substring match where `a|b` means either.
pub fn mentions(text: &str, entry: &str) -> bool {
    let t = text.to_lowercase();
    entry
        .split('|')
        .map(|a| a.trim().to_lowercase())
        .filter(|a| !a.is_empty())
        .any(|a| t.contains(&a))
}

/// Score an answer exactly as SCENARIOS.md says.
pub fn score(expect: &Expect, answer: &Answer) -> Score {
    let category_ok = answer.top_category.as_deref() == Some(expect.category.as_str());
    let resource_ok = match &expect.resource {
        None => true,
        Some(r) => answer
            .top_resource
            .as_deref()
            .is_some_and(|g| resource_matches(r, g)),
    };
    let missed_mentions: Vec<String> = expect
        .must_mention
        .iter()
        .filter(|m| !mentions(&answer.full_text, m))
        .cloned()
        .collect();
    let forbidden_hits: Vec<String> = expect
        .must_not_mention
        .iter()
        .filter(|m| mentions(&answer.asserted_text, m))
        .cloned()
        .collect();
    Score {
        pass: category_ok && resource_ok && missed_mentions.is_empty() && forbidden_hits.is_empty(),
        category_ok,
        resource_ok,
        missed_mentions,
        forbidden_hits,
        citations_valid: answer.citations_valid,
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub scenario: String,
    pub expected: String,
    pub got: String,
    pub resource: String,
    pub score: Score,
    pub reason: String,
    pub tags: Vec<String>,
    pub tool_calls: usize,
    pub tool_tokens: usize,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub seconds: f64,
    pub energy_wh: Option<f64>,
    /// Model replies in this diagnosis (agent mode), and how many failed to parse or validate.
    #[serde(default)]
    pub model_replies: usize,
    #[serde(default)]
    pub model_invalid: usize,
    /// The full diagnosis (JSON), for the `--json` report.
    pub diagnosis: serde_json::Value,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub mode: String,
    pub model: String,
    pub rows: Vec<Row>,
    pub by_category: BTreeMap<String, (usize, usize)>,
    pub by_tag: BTreeMap<String, (usize, usize)>,
    pub passed: usize,
    pub failed: usize,
    /// What the run could not use (e.g. Prometheus not installed), said once.
    pub notes: Vec<String>,
}

impl Report {
    pub fn new(mode: &str, model: &str, mut rows: Vec<Row>, notes: Vec<String>) -> Self {
        rows.sort_by(|a, b| a.scenario.cmp(&b.scenario));
        let mut by_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut by_tag: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for r in &rows {
            let e = by_category.entry(r.expected.clone()).or_default();
            e.1 += 1;
            if r.score.pass {
                e.0 += 1;
            }
            for t in &r.tags {
                let e = by_tag.entry(t.clone()).or_default();
                e.1 += 1;
                if r.score.pass {
                    e.0 += 1;
                }
            }
        }
        let passed = rows.iter().filter(|r| r.score.pass).count();
        let failed = rows.len() - passed;
        Self {
            mode: mode.into(),
            model: model.into(),
            rows,
            by_category,
            by_tag,
            passed,
            failed,
            notes,
        }
    }

    /// The table, ending with `N passed, N failed`.
    pub fn table(&self) -> String {
        let mut o = String::new();
        let w = self
            .rows
            .iter()
            .map(|r| r.scenario.len())
            .max()
            .unwrap_or(8)
            .clamp(8, 64);
        let _ = writeln!(
            o,
            "{:<w$}  {:<29}  {:<29}  {:<4}  {:>5}  {:>7}  {:>6}",
            "scenario", "expected", "got", "pass", "calls", "tokens", "secs"
        );
        for r in &self.rows {
            let _ = writeln!(
                o,
                "{:<w$}  {:<29}  {:<29}  {:<4}  {:>5}  {:>7}  {:>6.1}",
                tools_clip(&r.scenario, w),
                r.expected,
                r.got,
                if r.score.pass { "yes" } else { "NO" },
                r.tool_calls,
                r.tool_tokens + r.prompt_tokens + r.completion_tokens,
                r.seconds
            );
        }
        let failures: Vec<&Row> = self.rows.iter().filter(|r| !r.score.pass).collect();
        if !failures.is_empty() {
            let _ = writeln!(o, "\nfailures:");
            for r in failures {
                let _ = writeln!(o, "  {}: {}", r.scenario, r.reason);
            }
        }
        for n in &self.notes {
            let _ = writeln!(o, "note: {n}");
        }
        let _ = writeln!(o, "\n{} passed, {} failed", self.passed, self.failed);
        o
    }
}

fn tools_clip(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_match_with_or_without_kind() {
        assert!(resource_matches(
            "llm-serving/vllm-qwen",
            "llm-serving/Deployment/vllm-qwen"
        ));
        assert!(resource_matches(
            "llm-serving/vllm-qwen",
            "llm-serving/vllm-qwen"
        ));
        assert!(resource_matches("gpu-node-7", "Node/gpu-node-7"));
        assert!(resource_matches("gpu-node-7", "gpu-node-7"));
        assert!(!resource_matches(
            "llm-serving/vllm-qwen",
            "other/Deployment/vllm-qwen"
        ));
        assert!(!resource_matches(
            "llm-serving/vllm-qwen",
            "llm-serving/Deployment/vllm-llama"
        ));
    }

    #[test]
    fn mentions_are_case_insensitive_alternatives() {
        assert!(mentions("CUDA Out Of Memory", "OOM|out of memory"));
        assert!(!mentions("fine", "OOM|out of memory"));
    }

    #[test]
    fn scoring_follows_the_contract() {
        let expect = Expect {
            category: "inference-gpu-oom".into(),
            resource: Some("llm-serving/vllm-llama".into()),
            must_mention: vec!["OOM|out of memory".into(), "max-model-len".into()],
            must_not_mention: vec!["NetworkPolicy".into()],
        };
        let mut a = Answer {
            top_category: Some("inference-gpu-oom".into()),
            top_resource: Some("llm-serving/Deployment/vllm-llama".into()),
            full_text:
                "CUDA out of memory after --max-model-len=32768; a NetworkPolicy line quoted".into(),
            asserted_text: "roll back".into(),
            citations_valid: true,
        };
        assert!(
            score(&expect, &a).pass,
            "quoting a forbidden word as evidence is fine"
        );
        a.asserted_text = "delete the NetworkPolicy".into();
        let s = score(&expect, &a);
        assert!(!s.pass && s.forbidden_hits == vec!["NetworkPolicy".to_string()]);
        a.asserted_text.clear();
        a.full_text = "out of memory".into();
        assert_eq!(
            score(&expect, &a).missed_mentions,
            vec!["max-model-len".to_string()]
        );
    }

    #[test]
    fn every_bundled_scenario_loads() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let dirs = discover(&[root]).unwrap();
        assert!(dirs.len() >= 30, "{} scenarios", dirs.len());
        for d in dirs {
            let s = Scenario::load(&d).unwrap();
            assert!(
                s.file.question.is_some() || s.alert.is_some(),
                "{}: neither a question nor alert.json",
                s.name
            );
        }
    }
}
