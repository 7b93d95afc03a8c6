//! Fault injection for tests: per path prefix, add latency, answer a 5xx or 403, or cut the body.
//!
//! A rule is written `path=/api/v1/namespaces/x/pods,latency=200ms,status=503,truncate=100`;
//! every key but `path` is optional. The first rule whose prefix matches a request applies.

use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fault {
    pub path_prefix: String,
    pub latency: Option<Duration>,
    pub status: Option<u16>,
    pub truncate: Option<usize>,
}

impl Fault {
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut f = Fault::default();
        for kv in spec.split(',') {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("fault `{spec}`: expected key=value, found `{kv}`"))?;
            match k.trim() {
                "path" => f.path_prefix = v.trim().to_string(),
                "latency" => {
                    let v = v.trim();
                    let ms = v
                        .strip_suffix("ms")
                        .map(|n| n.parse::<u64>())
                        .or_else(|| {
                            v.strip_suffix('s')
                                .map(|n| n.parse::<u64>().map(|s| s * 1000))
                        })
                        .ok_or_else(|| {
                            format!("fault `{spec}`: latency needs a unit (ms or s), found `{v}`")
                        })?
                        .map_err(|e| format!("fault `{spec}`: latency `{v}`: {e}"))?;
                    f.latency = Some(Duration::from_millis(ms));
                }
                "status" => {
                    let code: u16 = v
                        .trim()
                        .parse()
                        .map_err(|e| format!("fault `{spec}`: status `{v}`: {e}"))?;
                    if !(400..=599).contains(&code) {
                        return Err(format!(
                            "fault `{spec}`: status must be 400-599, found {code}"
                        ));
                    }
                    f.status = Some(code);
                }
                "truncate" => {
                    f.truncate = Some(
                        v.trim()
                            .parse()
                            .map_err(|e| format!("fault `{spec}`: truncate `{v}`: {e}"))?,
                    )
                }
                other => {
                    return Err(format!(
                        "fault `{spec}`: unknown key `{other}` (known: path, latency, status, truncate)"
                    ));
                }
            }
        }
        if f.path_prefix.is_empty() {
            return Err(format!(
                "fault `{spec}`: `path=` is required (use `path=/` for every request)"
            ));
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules() {
        let f = Fault::parse("path=/api/v1/pods,latency=250ms,status=503,truncate=10").unwrap();
        assert_eq!(f.path_prefix, "/api/v1/pods");
        assert_eq!(f.latency, Some(Duration::from_millis(250)));
        assert_eq!(f.status, Some(503));
        assert_eq!(f.truncate, Some(10));
        assert!(Fault::parse("latency=5").is_err());
        assert!(Fault::parse("path=/,status=200").is_err());
        assert!(Fault::parse("path=/,bogus=1").is_err());
    }
}
