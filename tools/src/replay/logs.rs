//! `pods/{name}/log` as the kubelet answers it, from `logs/<ns>/<pod>/<container>[.previous].log`.

use jiff::Timestamp;

/// Query parameters of the log subresource that the replay honours.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub container: Option<String>,
    pub previous: bool,
    pub tail_lines: Option<i64>,
    pub limit_bytes: Option<i64>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<Timestamp>,
    pub timestamps: bool,
}

/// Split a leading RFC 3339 timestamp (as `kubectl logs --timestamps` prints it) off a line.
pub fn split_timestamp(line: &str) -> (Option<Timestamp>, &str) {
    if let Some((head, rest)) = line.split_once(' ')
        && head.len() >= 20
        && head.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && let Ok(ts) = head.parse::<Timestamp>()
    {
        return (Some(ts), rest);
    }
    (None, line)
}

/// Apply the query to a whole log file, returning the body the API would send.
pub fn render(text: &str, q: &LogQuery, now: Timestamp) -> String {
    let since = match (q.since_time, q.since_seconds) {
        (Some(t), _) => Some(t),
        (None, Some(s)) => Some(now - jiff::SignedDuration::from_secs(s)),
        _ => None,
    };
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(since) = since {
        lines.retain(|l| match split_timestamp(l).0 {
            Some(ts) => ts >= since,
            // Lines without a timestamp belong to the entry before them (tracebacks).
            None => true,
        });
        // Drop leading untimed continuation lines whose entry was filtered out.
        while lines
            .first()
            .is_some_and(|l| split_timestamp(l).0.is_none())
        {
            lines.remove(0);
        }
    }
    if let Some(n) = q.tail_lines {
        let n = n.max(0) as usize;
        if lines.len() > n {
            lines.drain(..lines.len() - n);
        }
    }
    let mut out = String::with_capacity(text.len().min(1 << 20));
    for l in lines {
        let body = if q.timestamps {
            l
        } else {
            split_timestamp(l).1
        };
        out.push_str(body);
        out.push('\n');
    }
    if let Some(limit) = q.limit_bytes {
        let limit = limit.max(0) as usize;
        if out.len() > limit {
            let mut cut = limit;
            while cut > 0 && !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "2026-11-20T14:00:00Z starting\n2026-11-20T14:20:00.5Z error: boom\nTraceback line\n2026-11-20T14:29:00Z last\n";

    fn now() -> Timestamp {
        "2026-11-20T14:30:00Z".parse().unwrap()
    }

    #[test]
    fn strips_timestamps_unless_asked() {
        let q = LogQuery::default();
        assert!(render(LOG, &q, now()).starts_with("starting\n"));
        let q = LogQuery {
            timestamps: true,
            ..Default::default()
        };
        assert!(render(LOG, &q, now()).starts_with("2026-11-20T14:00:00Z starting"));
    }

    #[test]
    fn since_tail_and_limit() {
        let q = LogQuery {
            since_seconds: Some(900),
            ..Default::default()
        };
        assert_eq!(
            render(LOG, &q, now()),
            "error: boom\nTraceback line\nlast\n"
        );
        let q = LogQuery {
            tail_lines: Some(1),
            ..Default::default()
        };
        assert_eq!(render(LOG, &q, now()), "last\n");
        let q = LogQuery {
            limit_bytes: Some(5),
            ..Default::default()
        };
        assert_eq!(render(LOG, &q, now()), "start");
    }
}
