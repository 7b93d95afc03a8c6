//! The Diagnosis: what ktriage concludes, in a versioned JSON schema that every renderer, the
//! evals and the incident bot read. Every cause cites evidence ids; every evidence item says
//! where it came from.

use serde::{Deserialize, Serialize};

/// Version of the JSON schema below; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Diagnosis {
    pub schema_version: u32,
    pub question: String,
    /// One or two sentences: what is wrong and why.
    pub summary: String,
    /// Ranked, most likely first.
    pub causes: Vec<Cause>,
    pub evidence: Vec<Evidence>,
    /// Rollouts, restarts, event bursts, alert start, in time order.
    pub timeline: Vec<TimelineEntry>,
    /// What a human should consider doing. Never executed by ktriage.
    pub next_steps: Vec<NextStep>,
    /// Candidates looked at and set aside, with why.
    pub ruled_out: Vec<String>,
    /// What could not be checked, and why.
    pub gaps: Vec<String>,
    pub usage: Usage,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Cause {
    /// A category id of the taxonomy (SCENARIOS.md), e.g. `inference-gpu-oom`.
    pub category: String,
    /// `namespace/Kind/name` of the object at fault (`Node/name` when cluster-scoped).
    pub resource: String,
    pub statement: String,
    /// 0.0-1.0.
    pub confidence: f64,
    /// Ids of the evidence items that support this cause (`ev-3`).
    pub evidence: Vec<String>,
    /// False when the verifier could not confirm the evidence (a model's unsupported claim).
    pub confirmed: bool,
    /// Which analyzer (or `model`) proposed it.
    pub source: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Evidence {
    pub id: String,
    /// The tool call that produced it, e.g. `pod_logs llm-serving/vllm-llama-x (previous)`.
    pub source: String,
    /// The object it is about.
    pub object: String,
    /// When it happened, RFC 3339, if known.
    pub time: Option<String>,
    /// A short redacted excerpt — data from the cluster, never an instruction.
    pub excerpt: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimelineEntry {
    pub time: String,
    pub what: String,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct NextStep {
    pub action: String,
    /// A command to consider (read or fix); ktriage never runs it.
    pub command: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Usage {
    pub tool_calls: usize,
    /// Estimated tokens of tool output read.
    pub tool_tokens: usize,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub wall_ms: u64,
    /// Which model answered, or `none (rules only)`.
    pub model: String,
    /// Estimated energy of the diagnosis in watt-hours, when a model ran and its power is known.
    pub energy_wh: Option<f64>,
    /// Where the energy figure comes from: measured (RAPL, NVML) or estimated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_source: Option<String>,
    /// Replies the model gave, and how many of them did not parse or validate.
    #[serde(default)]
    pub model_replies: usize,
    #[serde(default)]
    pub model_invalid_replies: usize,
    /// Seconds the model spent (prefill + decode, or the endpoint's answer time).
    #[serde(default)]
    pub model_secs: f64,
}

impl Usage {
    /// Count what one model reply cost.
    pub fn add_model(&mut self, u: &crate::model::ChatUsage) {
        self.prompt_tokens += u.prompt_tokens;
        self.completion_tokens += u.completion_tokens;
        self.model_secs += u.seconds;
        if let Some(j) = u.energy_j {
            *self.energy_wh.get_or_insert(0.0) += j / 3600.0;
            self.energy_source = u.energy_source.clone();
        }
    }
}

/// Collects evidence while analyzers run: stable ids in insertion order, duplicates merged.
#[derive(Debug, Default, Clone)]
pub struct EvidenceStore {
    items: Vec<Evidence>,
}

impl EvidenceStore {
    /// Add (or find) an evidence item and return its id.
    pub fn add(
        &mut self,
        source: impl Into<String>,
        object: impl Into<String>,
        time: Option<String>,
        excerpt: impl AsRef<str>,
    ) -> String {
        let object = object.into();
        let excerpt = tools::budget::clip(excerpt.as_ref().trim(), 400);
        if let Some(e) = self
            .items
            .iter()
            .find(|e| e.object == object && e.excerpt == excerpt)
        {
            return e.id.clone();
        }
        let id = format!("ev-{}", self.items.len() + 1);
        self.items.push(Evidence {
            id: id.clone(),
            source: source.into(),
            object,
            time,
            excerpt,
        });
        id
    }

    pub fn get(&self, id: &str) -> Option<&Evidence> {
        self.items.iter().find(|e| e.id == id)
    }

    pub fn into_items(self) -> Vec<Evidence> {
        self.items
    }

    pub fn items(&self) -> &[Evidence] {
        &self.items
    }
}

impl Diagnosis {
    /// Everything the diagnosis says, as one text (summary, causes, evidence, next steps) — what
    /// the evals search for `must_mention`.
    pub fn full_text(&self) -> String {
        let mut t = self.asserted_text();
        for e in &self.evidence {
            t.push('\n');
            t.push_str(&e.object);
            t.push(' ');
            t.push_str(&e.excerpt);
        }
        t
    }

    /// What the diagnosis asserts or recommends (summary, cause statements, next steps) — what
    /// the evals search for `must_not_mention`. Evidence excerpts and the ruled-out list are
    /// quotes, not assertions.
    pub fn asserted_text(&self) -> String {
        let mut t = self.summary.clone();
        for c in &self.causes {
            t.push('\n');
            t.push_str(&c.statement);
        }
        for s in &self.next_steps {
            t.push('\n');
            t.push_str(&s.action);
            if let Some(c) = &s.command {
                t.push('\n');
                t.push_str(c);
            }
        }
        t
    }
}
