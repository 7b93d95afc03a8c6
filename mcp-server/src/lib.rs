//! ktriage's MCP server. It exposes the tools of the `tools` crate — and nothing else — over
//! stdio, streamable HTTP and an in-process transport (the agent's own), under a policy:
//! every caller is mapped to an [`rbac::Profile`], every call is rate-limited, time-limited,
//! audited and counted. No tool logic lives here.
//!
//! This is the only crate that depends on `rmcp`.

pub mod audit;
pub mod client;
mod handler;
pub mod http;
pub mod limit;
pub mod metrics;
pub mod prompts;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tools::k8s::KubeReader;

pub use client::McpClient;
pub use handler::KtriageMcp;

/// Errors of the MCP server crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The HTTP listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The server configuration is inconsistent (a profile without a reader, an unsafe bind).
    #[error("invalid MCP server configuration: {0}")]
    Config(String),
    /// The audit log could not be opened or written.
    #[error("audit log {path}: {source}")]
    Audit {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The MCP session failed (transport closed, handshake refused).
    #[error("MCP session: {0}")]
    Session(String),
    /// A bundled prompt file is malformed.
    #[error("prompt {name}: {message}")]
    Prompt { name: String, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who is calling: the identity for the audit log and the profile that scopes the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub identity: String,
    pub profile: String,
}

impl Caller {
    /// The local user of stdio or the in-process transport.
    pub fn local(profile: &str) -> Self {
        Self {
            identity: "local".into(),
            profile: profile.into(),
        }
    }
}

/// Server-wide settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// A tool call taking longer than this (waiting for a slot included) is cancelled and
    /// answers a tool error.
    pub tool_timeout: Duration,
    /// Tool calls running at once; more wait their turn. Bounds memory: a cluster-wide listing
    /// holds every object it reads while it runs.
    pub max_concurrent_calls: usize,
    /// Prometheus for the metrics tools, when configured.
    pub prom: Option<tools::prom::PromClient>,
    /// Grafana for the dashboard tools, when configured.
    pub grafana: Option<tools::grafana::GrafanaClient>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tool_timeout: Duration::from_secs(30),
            max_concurrent_calls: 16,
            prom: None,
            grafana: None,
        }
    }
}

/// What every session of the server shares: a reader per profile, the policy, the audit log,
/// the metrics and the rate limiter.
#[derive(Debug)]
pub struct Shared {
    /// Readers by (cluster context, profile). The first context is the default.
    readers: HashMap<(String, String), KubeReader>,
    contexts: Vec<String>,
    policy: Option<rbac::Policy>,
    pub(crate) audit: audit::Audit,
    pub metrics: metrics::Metrics,
    pub(crate) limiter: limit::RateLimiter,
    pub(crate) options: Options,
    pub(crate) prompts: Vec<prompts::McpPrompt>,
    pub(crate) slots: tokio::sync::Semaphore,
}

impl Shared {
    /// `readers`: one per profile a caller may get, each built with that profile (and its
    /// impersonation). `policy`: the identities of the HTTP transport, if any.
    pub fn new(
        readers: Vec<KubeReader>,
        policy: Option<rbac::Policy>,
        audit: audit::Audit,
        options: Options,
    ) -> Result<Arc<Self>> {
        Self::multi(vec![("default".into(), readers)], policy, audit, options)
    }

    /// Several clusters: `(context name, readers)` each; the first is the default, and every
    /// tool takes a `context` argument naming one.
    pub fn multi(
        clusters: Vec<(String, Vec<KubeReader>)>,
        policy: Option<rbac::Policy>,
        audit: audit::Audit,
        options: Options,
    ) -> Result<Arc<Self>> {
        if clusters.is_empty() {
            return Err(Error::Config("no cluster to serve".into()));
        }
        let contexts: Vec<String> = clusters.iter().map(|(c, _)| c.clone()).collect();
        let readers: HashMap<(String, String), KubeReader> = clusters
            .into_iter()
            .flat_map(|(c, rs)| {
                rs.into_iter()
                    .map(move |r| ((c.clone(), r.profile().name.clone()), r))
            })
            .collect();
        if let Some(policy) = &policy {
            for id in &policy.identities {
                if !readers.contains_key(&(contexts[0].clone(), id.profile.clone())) {
                    return Err(Error::Config(format!(
                        "identity `{}` uses profile `{}`, but no reader was built for it",
                        id.name, id.profile
                    )));
                }
            }
        }
        Ok(Arc::new(Self {
            readers,
            contexts,
            policy,
            audit,
            metrics: metrics::Metrics::default(),
            limiter: limit::RateLimiter::default(),
            slots: tokio::sync::Semaphore::new(options.max_concurrent_calls.max(1)),
            options,
            prompts: prompts::bundled()?,
        }))
    }

    /// The reader of `profile` on the default cluster.
    pub(crate) fn reader(&self, profile: &str) -> Option<&KubeReader> {
        self.reader_in(&self.contexts[0], profile)
    }

    pub(crate) fn reader_in(&self, context: &str, profile: &str) -> Option<&KubeReader> {
        self.readers
            .get(&(context.to_string(), profile.to_string()))
    }

    pub(crate) fn profile(&self, name: &str) -> Option<&rbac::Profile> {
        self.reader(name).map(|r| r.profile())
    }

    /// Cluster contexts served, the default first. More than one adds a `context` argument to
    /// every tool.
    /// Whether tools reading `source` can answer: Prometheus and Grafana tools are listed only
    /// when one is configured.
    pub fn serves(&self, source: tools::tool::Source) -> bool {
        use tools::tool::Source;
        match source {
            Source::Kubernetes | Source::None => true,
            Source::Prometheus => self.options.prom.is_some(),
            Source::Grafana => self.options.grafana.is_some(),
        }
    }

    pub fn contexts(&self) -> &[String] {
        &self.contexts
    }

    /// The caller a bearer token stands for, if any.
    pub fn authenticate(&self, token: &str) -> Option<Caller> {
        let (id, profile) = self.policy.as_ref()?.authenticate(token)?;
        Some(Caller {
            identity: id.name.clone(),
            profile: profile.name.clone(),
        })
    }

    /// Whether HTTP callers must present a bearer token.
    pub fn requires_token(&self) -> bool {
        self.policy
            .as_ref()
            .is_some_and(|p| !p.identities.is_empty())
    }
}

/// Serve MCP on stdin/stdout until the client closes the session. `profile` scopes every call.
pub async fn serve_stdio(shared: Arc<Shared>, profile: &str) -> Result<()> {
    use rmcp::ServiceExt;
    if shared.reader(profile).is_none() {
        return Err(Error::Config(format!("no reader for profile `{profile}`")));
    }
    let handler = KtriageMcp::new(shared, Some(Caller::local(profile)));
    let running = handler
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Error::Session(format!("stdio handshake failed: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Error::Session(format!("stdio session ended abnormally: {e}")))?;
    Ok(())
}
