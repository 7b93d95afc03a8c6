//! The one error type of the `tools` crate.

/// Everything that can go wrong reading the outside world.
///
/// Messages are written for the reader who must act on them (a model or an engineer): they say
/// what was asked, what failed and what to try instead.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller asked for something invalid (a bad selector, an unknown kind, a negative tail).
    #[error("{0}")]
    InvalidInput(String),
    /// The object or namespace does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The active policy profile does not allow this read.
    #[error("{0}")]
    Denied(String),
    /// The Kubernetes API answered with an error status.
    #[error("Kubernetes API error ({code} {reason}): {message}")]
    Api {
        code: u16,
        reason: String,
        message: String,
    },
    /// The Kubernetes API could not be reached or answered something unreadable.
    #[error("cannot reach the Kubernetes API: {message}")]
    Unreachable {
        message: String,
        #[source]
        source: Option<kube::Error>,
    },
    /// Prometheus (or Grafana) answered an error, could not be reached, or is not configured.
    #[error("{0}")]
    Metrics(String),
    /// A snapshot folder could not be read or parsed.
    #[error("snapshot: {0}")]
    Snapshot(String),
    /// The replay server failed to start or serve.
    #[error("replay server: {0}")]
    Replay(String),
    /// Writing a captured snapshot failed.
    #[error("capture: {0}")]
    Capture(String),

    /// A bug in ktriage (a worker thread that panicked); the message says where.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<kube::Error> for Error {
    fn from(e: kube::Error) -> Self {
        match e {
            kube::Error::Api(s) => Error::Api {
                code: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
            other => Error::Unreachable {
                message: other.to_string(),
                source: Some(other),
            },
        }
    }
}

/// An error with its causes (`reqwest` hides the TLS or connect failure in its sources), each
/// cause once.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}
