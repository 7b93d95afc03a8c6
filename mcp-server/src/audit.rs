//! The audit log: one JSON line per tool call — who, under which profile, which tool with which
//! (redacted) arguments, the outcome, the size of the answer and how long it took.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

use crate::{Error, Result};

/// Where audit lines go.
pub struct Audit {
    sink: Option<Mutex<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audit")
            .field("on", &self.sink.is_some())
            .finish()
    }
}

/// One audited call.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    pub time: String,
    pub identity: &'a str,
    pub profile: &'a str,
    pub tool: &'a str,
    /// Arguments with credentials redacted.
    pub arguments: &'a serde_json::Value,
    /// `ok`, `tool_error`, `denied`, `timeout`, `cancelled`.
    pub outcome: &'a str,
    pub bytes: usize,
    pub tokens: usize,
    pub duration_ms: u64,
}

impl Audit {
    /// No audit log.
    pub fn off() -> Self {
        Self { sink: None }
    }

    /// Audit lines to stderr (interleaved with the tracing logs, each a JSON object).
    pub fn stderr() -> Self {
        Self {
            sink: Some(Mutex::new(Box::new(std::io::stderr()))),
        }
    }

    /// Audit lines appended to a file.
    pub fn file(path: &Path) -> Result<Self> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| Error::Audit {
                path: path.display().to_string(),
                source,
            })?;
        Ok(Self {
            sink: Some(Mutex::new(Box::new(f))),
        })
    }

    /// Any writer (tests).
    pub fn writer(w: Box<dyn Write + Send>) -> Self {
        Self {
            sink: Some(Mutex::new(w)),
        }
    }

    pub fn record(&self, record: &Record<'_>) {
        let Some(sink) = &self.sink else { return };
        let line = match serde_json::to_string(record) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "audit record could not be encoded");
                return;
            }
        };
        let mut w = match sink.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(e) = writeln!(w, "{line}").and_then(|_| w.flush()) {
            tracing::error!(error = %e, "audit log write failed");
        }
    }
}
