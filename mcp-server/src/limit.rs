//! Rate limiting per identity: a token bucket refilled continuously, with a burst equal to the
//! per-minute allowance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// Take one token for `identity` under a limit of `per_minute`. `Err(wait)` says how long
    /// until a token is available.
    pub fn check(&self, identity: &str, per_minute: u32) -> Result<(), Duration> {
        if per_minute == 0 {
            return Err(Duration::from_secs(60));
        }
        let capacity = f64::from(per_minute);
        let rate = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let b = buckets.entry(identity.to_string()).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(capacity);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_with_a_wait() {
        let l = RateLimiter::default();
        for _ in 0..3 {
            assert!(l.check("a", 3).is_ok());
        }
        let wait = l.check("a", 3).unwrap_err();
        assert!(wait > Duration::from_secs(10) && wait <= Duration::from_secs(20));
        assert!(l.check("b", 3).is_ok(), "buckets are per identity");
        assert!(l.check("c", 0).is_err());
    }
}
