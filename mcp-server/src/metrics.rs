//! Prometheus metrics of the server, in the text exposition format: calls and errors per tool
//! and outcome, a latency histogram per tool, bytes returned, HTTP refusals, active sessions.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    calls: BTreeMap<(String, String), u64>,
    latency: BTreeMap<String, Histogram>,
    bytes: BTreeMap<String, u64>,
    http_refused: BTreeMap<u16, u64>,
}

#[derive(Debug, Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Count one tool call.
    pub fn observe_call(&self, tool: &str, outcome: &str, elapsed: Duration, bytes: usize) {
        let mut m = self.lock();
        *m.calls
            .entry((tool.to_string(), outcome.to_string()))
            .or_default() += 1;
        *m.bytes.entry(tool.to_string()).or_default() += bytes as u64;
        let h = m.latency.entry(tool.to_string()).or_default();
        if h.counts.is_empty() {
            h.counts = vec![0; BUCKETS.len()];
        }
        let secs = elapsed.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Count an HTTP request refused before reaching MCP (401, 429, 413).
    pub fn observe_refusal(&self, status: u16) {
        *self.lock().http_refused.entry(status).or_default() += 1;
    }

    /// Tool calls counted so far (tests).
    pub fn total_calls(&self) -> u64 {
        self.lock().calls.values().sum()
    }

    /// The exposition text.
    pub fn render(&self, active_sessions: usize) -> String {
        let m = self.lock();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP ktriage_mcp_tool_calls_total Tool calls by tool and outcome (ok, tool_error, denied, timeout, cancelled)."
        );
        let _ = writeln!(out, "# TYPE ktriage_mcp_tool_calls_total counter");
        for ((tool, outcome), n) in &m.calls {
            let _ = writeln!(
                out,
                "ktriage_mcp_tool_calls_total{{tool=\"{tool}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP ktriage_mcp_tool_duration_seconds Tool call latency."
        );
        let _ = writeln!(out, "# TYPE ktriage_mcp_tool_duration_seconds histogram");
        for (tool, h) in &m.latency {
            for (le, n) in BUCKETS.iter().zip(&h.counts) {
                let _ = writeln!(
                    out,
                    "ktriage_mcp_tool_duration_seconds_bucket{{tool=\"{tool}\",le=\"{le}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "ktriage_mcp_tool_duration_seconds_bucket{{tool=\"{tool}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "ktriage_mcp_tool_duration_seconds_sum{{tool=\"{tool}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "ktriage_mcp_tool_duration_seconds_count{{tool=\"{tool}\"}} {}",
                h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP ktriage_mcp_tool_response_bytes_total Bytes of tool answers returned."
        );
        let _ = writeln!(out, "# TYPE ktriage_mcp_tool_response_bytes_total counter");
        for (tool, n) in &m.bytes {
            let _ = writeln!(
                out,
                "ktriage_mcp_tool_response_bytes_total{{tool=\"{tool}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP ktriage_mcp_http_refused_total HTTP requests refused before MCP, by status."
        );
        let _ = writeln!(out, "# TYPE ktriage_mcp_http_refused_total counter");
        for (status, n) in &m.http_refused {
            let _ = writeln!(
                out,
                "ktriage_mcp_http_refused_total{{status=\"{status}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP ktriage_mcp_active_sessions Streamable HTTP sessions open now."
        );
        let _ = writeln!(out, "# TYPE ktriage_mcp_active_sessions gauge");
        let _ = writeln!(out, "ktriage_mcp_active_sessions {active_sessions}");
        out
    }
}
