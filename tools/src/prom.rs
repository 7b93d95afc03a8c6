//! A read-only Prometheus HTTP API client (queries, label values, metadata, rules and alerts,
//! targets; GET only), and the summary every metrics tool answers with: per series
//! first/last/min/max/mean, trend, change points with their times, and the points downsampled —
//! a few hundred tokens instead of the raw matrix.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Error, Result};

/// Where Prometheus is and how to reach it.
#[derive(Debug, Clone)]
pub struct PromConfig {
    /// Base URL, e.g. `http://prometheus.monitoring.svc:9090`.
    pub url: String,
    pub auth: crate::http::Auth,
    pub tls: crate::http::Tls,
    pub timeout: Duration,
}

impl PromConfig {
    /// `url` without authentication, platform TLS roots, a 30 s timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: crate::http::Auth::None,
            tls: crate::http::Tls::default(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A Prometheus client: GET only.
#[derive(Clone)]
pub struct PromClient {
    http: reqwest::Client,
    base: String,
    auth: crate::http::Auth,
}

impl std::fmt::Debug for PromClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// One series as Prometheus returned it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawSeries {
    pub labels: BTreeMap<String, String>,
    /// `(unix seconds, value)`.
    pub points: Vec<(f64, f64)>,
}

impl PromClient {
    pub fn new(cfg: &PromConfig) -> Result<Self> {
        let base = cfg.url.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::InvalidInput(format!(
                "Prometheus URL `{}` must start with http:// or https://",
                cfg.url
            )));
        }
        Ok(Self {
            http: crate::http::client("Prometheus", &cfg.tls, cfg.timeout)?,
            base,
            auth: cfg.auth.clone(),
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Value> {
        let req = self.http.get(format!("{}{path}", self.base)).query(params);
        let resp = self.auth.apply(req).send().await.map_err(|e| {
            Error::Metrics(format!(
                "Prometheus at {} is unreachable: {}; check --prometheus-url and that the server is up",
                self.base,
                crate::error::chain(&e)
            ))
        })?;
        let status = resp.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(Error::Denied(format!(
                "Prometheus at {} answered {status}: check --prometheus-token-file or --prometheus-basic-auth-file",
                self.base
            )));
        }
        let body: Value = resp.json().await.map_err(|e| {
            Error::Metrics(format!(
                "Prometheus at {} answered {status} with a body that is not its API JSON: {e}",
                self.base
            ))
        })?;
        if body["status"] == "success" {
            return Ok(body["data"].clone());
        }
        let kind = body["errorType"].as_str().unwrap_or("error");
        let msg = body["error"].as_str().unwrap_or("no message");
        Err(match kind {
            "bad_data" => {
                Error::InvalidInput(format!("Prometheus rejected the query ({kind}): {msg}"))
            }
            _ => Error::Metrics(format!("Prometheus error ({status} {kind}): {msg}")),
        })
    }

    /// An instant query at `at`.
    pub async fn instant(&self, expr: &str, at: Timestamp) -> Result<Vec<RawSeries>> {
        let data = self
            .get(
                "/api/v1/query",
                &[("query", expr.to_string()), ("time", secs(at))],
            )
            .await?;
        Ok(parse(&data))
    }

    /// Metric metadata (`type`, `help`) by metric name; empty for backfilled data, which carries
    /// none.
    pub async fn metadata(&self) -> Result<BTreeMap<String, (String, String)>> {
        let data = self.get("/api/v1/metadata", &[]).await?;
        Ok(data
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(name, v)| {
                        let first = v.as_array()?.first()?;
                        Some((
                            name.clone(),
                            (
                                first["type"].as_str().unwrap_or("").to_string(),
                                first["help"].as_str().unwrap_or("").to_string(),
                            ),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Values of `label` on series matching `selector` (all series when `None`) in
    /// `[start, end]`.
    pub async fn label_values(
        &self,
        label: &str,
        selector: Option<&str>,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Vec<String>> {
        let mut params = vec![("start", secs(start)), ("end", secs(end))];
        if let Some(m) = selector {
            params.push(("match[]", m.to_string()));
        }
        let data = self
            .get(&format!("/api/v1/label/{label}/values"), &params)
            .await?;
        Ok(data
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect())
    }

    /// The rule groups with their rules' state, health, last error and active alerts
    /// (`/api/v1/rules`).
    pub async fn rules(&self) -> Result<Value> {
        self.get("/api/v1/rules", &[]).await
    }

    /// The active scrape targets with their health and last error (`/api/v1/targets`).
    pub async fn targets(&self) -> Result<Value> {
        self.get("/api/v1/targets", &[("state", "active".to_string())])
            .await
    }

    /// A range query over `[start, end]` every `step` seconds.
    pub async fn range(
        &self,
        expr: &str,
        start: Timestamp,
        end: Timestamp,
        step: u32,
    ) -> Result<Vec<RawSeries>> {
        let data = self
            .get(
                "/api/v1/query_range",
                &[
                    ("query", expr.to_string()),
                    ("start", secs(start)),
                    ("end", secs(end)),
                    ("step", step.to_string()),
                ],
            )
            .await?;
        Ok(parse(&data))
    }
}

fn secs(t: Timestamp) -> String {
    format!("{:.3}", t.as_millisecond() as f64 / 1000.0)
}

fn point(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    let t = a.first()?.as_f64()?;
    let v: f64 = a.get(1)?.as_str()?.parse().ok()?;
    Some((t, v))
}

fn parse(data: &Value) -> Vec<RawSeries> {
    let labels = |m: &Value| -> BTreeMap<String, String> {
        m.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    match data["resultType"].as_str() {
        Some("matrix") => data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| RawSeries {
                labels: labels(&s["metric"]),
                points: s["values"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(point)
                    .collect(),
            })
            .collect(),
        Some("vector") => data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| RawSeries {
                labels: labels(&s["metric"]),
                points: point(&s["value"]).into_iter().collect(),
            })
            .collect(),
        Some("scalar") => vec![RawSeries {
            labels: BTreeMap::new(),
            points: point(&data["result"]).into_iter().collect(),
        }],
        _ => Vec::new(),
    }
}

/// One series, summarised.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SeriesSummary {
    /// `{label="value",...}` without the metric name's own label noise.
    pub labels: String,
    pub first: f64,
    pub last: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// `rising`, `falling`, `flat` or `single point`.
    pub trend: String,
    /// Sudden changes: `HH:MM:SSZ from -> to`.
    pub changes: Vec<String>,
    /// The largest sudden change in units of the series' noise (0 without one): how
    /// `sort_by=change` ranks series.
    #[serde(skip)]
    pub change_size: f64,
    /// Downsampled `(RFC 3339 time, value)`.
    pub points: Vec<(String, f64)>,
}

/// `name{labels}`; GPU UUIDs and similar identifiers are kept (they tell GPUs apart).
fn label_text(l: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = l
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!(
        "{}{{{}}}",
        l.get("__name__").map_or("", String::as_str),
        inner.join(",")
    )
}

fn hms(t: f64) -> String {
    Timestamp::from_millisecond((t * 1000.0) as i64)
        .map(|ts| ts.strftime("%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| format!("{t}"))
}

fn iso(t: f64) -> String {
    Timestamp::from_millisecond((t * 1000.0) as i64)
        .map(|ts| ts.to_string())
        .unwrap_or_else(|_| format!("{t}"))
}

/// Round to 4 significant digits, so answers stay short.
/// The text lines of one summarised series: the summary, then its points when there are
/// several. Shared by every tool that answers with series.
pub fn series_lines(s: &SeriesSummary) -> Vec<String> {
    let mut out = vec![format!(
        "{}  last {}  min {}  max {}  mean {}  {}{}",
        crate::budget::clip(&s.labels, 200),
        s.last,
        s.min,
        s.max,
        s.mean,
        s.trend,
        if s.changes.is_empty() {
            String::new()
        } else {
            format!("  changes {}", s.changes.join("; "))
        }
    )];
    if s.points.len() > 1 {
        let pts: Vec<String> = s
            .points
            .iter()
            .map(|(t, v)| format!("{} {v}", t.get(11..16).unwrap_or(t)))
            .collect();
        out.push(format!("    {}", pts.join(", ")));
    }
    out
}

pub fn round(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = 10f64.powi(3 - v.abs().log10().floor() as i32);
    (v * mag).round() / mag
}

/// Summarise one series, keeping at most `max_points` points.
/// Sudden level changes, at most three, in time order, and the largest one's size in units of
/// the series' noise (0 without one).
///
/// A change at point `i` compares the mean of the `k` points before it with the mean of the `k`
/// from it: noise averages out, a step or a spike does not. It counts when that shift is over 6×
/// the typical point-to-point move (the median absolute delta) and over 15% of the series' range.
/// Overlapping candidates keep only the largest.
fn change_points(points: &[(f64, f64)], span: f64) -> (Vec<String>, f64) {
    let n = points.len();
    if n < 3 || span.is_nan() || span <= 0.0 {
        return (Vec::new(), 0.0);
    }
    let k = if n >= 12 { 3 } else { 1 };
    let mut deltas: Vec<f64> = points
        .windows(2)
        .map(|w| (w[1].1 - w[0].1).abs())
        .filter(|d| d.is_finite())
        .collect();
    deltas.sort_by(f64::total_cmp);
    let noise = deltas.get(deltas.len() / 2).copied().unwrap_or(0.0);
    // A series that never moves but once has no noise; measure its change against its range.
    let unit = if noise > 0.0 { noise } else { span / 100.0 };
    let mean = |a: &[(f64, f64)]| a.iter().map(|p| p.1).sum::<f64>() / a.len() as f64;
    let mut candidates: Vec<(usize, f64)> = (k..=n - k)
        .map(|i| (i, (mean(&points[i..i + k]) - mean(&points[i - k..i])).abs()))
        .filter(|(_, shift)| shift.is_finite() && *shift > 6.0 * unit && *shift > 0.15 * span)
        .collect();
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut chosen: Vec<(usize, f64)> = Vec::new();
    for (i, shift) in candidates {
        if chosen.len() == 3 {
            break;
        }
        if chosen.iter().all(|(j, _)| i.abs_diff(*j) >= k.max(2)) {
            chosen.push((i, shift));
        }
    }
    let size = chosen.first().map_or(0.0, |c| c.1 / unit);
    chosen.sort_by_key(|c| c.0);
    let text = chosen
        .into_iter()
        .map(|(i, _)| {
            format!(
                "{} {} -> {}",
                hms(points[i].0),
                round(points[i - 1].1),
                round(points[i].1)
            )
        })
        .collect();
    (text, size)
}

pub fn summarize(s: &RawSeries, max_points: usize) -> SeriesSummary {
    let vals: Vec<f64> = s
        .points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    let n = vals.len();
    let (first, last) = (
        vals.first().copied().unwrap_or(f64::NAN),
        vals.last().copied().unwrap_or(f64::NAN),
    );
    let min = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let max = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = if n == 0 {
        f64::NAN
    } else {
        vals.iter().sum::<f64>() / n as f64
    };
    let trend = if n < 2 {
        "single point".to_string()
    } else {
        let third = (n / 3).max(1);
        let head = vals[..third].iter().sum::<f64>() / third as f64;
        let tail = vals[n - third..].iter().sum::<f64>() / third as f64;
        let span = (max - min).abs().max(f64::EPSILON);
        if (tail - head) / span > 0.2 {
            "rising".into()
        } else if (head - tail) / span > 0.2 {
            "falling".into()
        } else {
            "flat".into()
        }
    };
    let (changes, change_size) = change_points(&s.points, max - min);
    let step = (s.points.len() as f64 / max_points.max(1) as f64).max(1.0);
    let mut points: Vec<(String, f64)> = (0..s.points.len().min(max_points))
        .map(|k| {
            let i = ((k as f64) * step) as usize;
            let (t, v) = s.points[i.min(s.points.len() - 1)];
            (iso(t), round(v))
        })
        .collect();
    if let (Some(lastp), Some(p)) = (s.points.last(), points.last_mut()) {
        *p = (iso(lastp.0), round(lastp.1));
    }
    SeriesSummary {
        labels: label_text(&s.labels),
        first: round(first),
        last: round(last),
        min: round(min),
        max: round(max),
        mean: round(mean),
        trend,
        changes,
        change_size,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_found_and_points_are_capped() {
        let points: Vec<(f64, f64)> = (0..240)
            .map(|i| {
                (
                    1_795_181_400.0 + 15.0 * i as f64,
                    if i < 160 {
                        0.4 + 0.001 * (i % 3) as f64
                    } else {
                        0.99
                    },
                )
            })
            .collect();
        let s = RawSeries {
            labels: BTreeMap::from([("pod".into(), "vllm-0".into())]),
            points,
        };
        let sum = summarize(&s, 10);
        assert_eq!(sum.points.len(), 10);
        assert_eq!(sum.trend, "rising");
        assert_eq!(sum.changes.len(), 1, "{:?}", sum.changes);
        assert!(
            sum.changes[0].contains("0.4") && sum.changes[0].contains("0.99"),
            "{:?}",
            sum.changes
        );
        assert_eq!((sum.min, sum.max, sum.last), (0.4, 0.99, 0.99));
        assert_eq!(sum.labels, "{pod=\"vllm-0\"}");
    }

    #[test]
    fn noise_is_not_a_change_and_a_drop_in_noise_is() {
        // A deterministic noisy series around 12 (±1), 241 points every 15 s.
        let mut x: u64 = 7;
        let mut noise = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
        };
        let t0 = 1_795_181_400.0;
        let flat: Vec<(f64, f64)> = (0..241)
            .map(|k| (t0 + 15.0 * k as f64, 12.0 + noise()))
            .collect();
        let s = summarize(
            &RawSeries {
                labels: BTreeMap::new(),
                points: flat.clone(),
            },
            10,
        );
        assert!(s.changes.is_empty(), "{:?}", s.changes);
        assert_eq!(s.change_size, 0.0);
        let mut dropped = flat;
        for p in dropped.iter_mut().skip(80) {
            p.1 = 0.0;
        }
        let s = summarize(
            &RawSeries {
                labels: BTreeMap::new(),
                points: dropped,
            },
            10,
        );
        assert_eq!(s.changes.len(), 1, "{:?}", s.changes);
        assert!(s.changes[0].starts_with("13:50:00Z "), "{:?}", s.changes);
        assert!(s.change_size > 6.0);
    }

    #[test]
    fn api_shapes_parse() {
        let m = serde_json::json!({"resultType":"matrix","result":[{"metric":{"a":"b"},"values":[[1.0,"2"],[2.0,"3"]]}]});
        assert_eq!(parse(&m)[0].points, vec![(1.0, 2.0), (2.0, 3.0)]);
        let v =
            serde_json::json!({"resultType":"vector","result":[{"metric":{},"value":[1.0,"NaN"]}]});
        assert!(parse(&v)[0].points[0].1.is_nan());
        let s = serde_json::json!({"resultType":"scalar","result":[1.0,"7"]});
        assert_eq!(parse(&s)[0].points, vec![(1.0, 7.0)]);
    }
}
