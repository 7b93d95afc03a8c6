//! Streamable HTTP transport: MCP at `/mcp` (bearer-token authentication, allowed `Host`s, body
//! limit), liveness at `/healthz`, Prometheus metrics at `/metrics`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::{Caller, Error, KtriageMcp, Result, Shared};

/// Settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub listen: SocketAddr,
    /// `Host` header values accepted (DNS-rebinding protection). Empty: loopback names only.
    /// `*` accepts any host (behind a trusted ingress).
    pub allowed_hosts: Vec<String>,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// The profile of callers when the policy has no identities (no token required).
    pub local_profile: String,
    /// Serve without tokens on a non-loopback address. Off by default: an unauthenticated
    /// server reachable from the network would give anyone the local profile.
    pub allow_unauthenticated_remote: bool,
}

impl HttpOptions {
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            allowed_hosts: Vec::new(),
            max_body_bytes: 1 << 20,
            local_profile: "local".into(),
            allow_unauthenticated_remote: false,
        }
    }
}

/// A running HTTP server.
#[derive(Debug)]
pub struct HttpServer {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct AppState {
    shared: Arc<Shared>,
    local: Caller,
    sessions: Arc<LocalSessionManager>,
}

impl HttpServer {
    pub async fn start(shared: Arc<Shared>, opts: HttpOptions) -> Result<Self> {
        if !shared.requires_token() {
            if !opts.listen.ip().is_loopback() && !opts.allow_unauthenticated_remote {
                return Err(Error::Config(format!(
                    "refusing to serve MCP without authentication on {}: give a policy file with \
                     identities (bearer tokens), listen on 127.0.0.1, or pass \
                     --insecure-no-auth if a proxy in front authenticates",
                    opts.listen
                )));
            }
            if shared.reader(&opts.local_profile).is_none() {
                return Err(Error::Config(format!(
                    "no reader for the local profile `{}`",
                    opts.local_profile
                )));
            }
        }
        let stop = CancellationToken::new();
        let mut config = StreamableHttpServerConfig::default()
            .with_cancellation_token(stop.child_token())
            .with_max_request_body_bytes(opts.max_body_bytes);
        if opts.allowed_hosts.iter().any(|h| h == "*") {
            config = config.disable_allowed_hosts();
        } else if !opts.allowed_hosts.is_empty() {
            let mut hosts = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
            hosts.extend(opts.allowed_hosts.iter().cloned());
            config = config.with_allowed_hosts(hosts);
        }
        let sessions = Arc::new(LocalSessionManager::default());
        let handler_shared = shared.clone();
        let mcp = StreamableHttpService::new(
            move || Ok(KtriageMcp::new(handler_shared.clone(), None)),
            sessions.clone(),
            config,
        );
        let state = AppState {
            shared: shared.clone(),
            local: Caller::local(&opts.local_profile),
            sessions,
        };
        let mcp_routes = axum::Router::new()
            .nest_service("/mcp", mcp)
            .layer(middleware::from_fn_with_state(state.clone(), authenticate));
        let app = axum::Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/metrics", get(metrics))
            .with_state(state)
            .merge(mcp_routes);

        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: opts.listen.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: opts.listen.to_string(),
            source,
        })?;
        let shutdown = stop.clone();
        let task = tokio::spawn(async move {
            // No Nagle: each answer is one write, and waiting for the client's delayed ACK
            // would add ~40 ms to every call.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::warn!(error = %e, "cannot set TCP_NODELAY");
                }
            });
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { shutdown.cancelled().await })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "MCP HTTP server stopped");
            }
        });
        tracing::info!(%addr, tokens = shared.requires_token(), "MCP streamable HTTP at /mcp");
        Ok(Self { addr, stop, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The MCP endpoint, e.g. `http://127.0.0.1:8090/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// Stop accepting, close the sessions, wait for the server task.
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "MCP HTTP server task failed");
        }
    }

    /// Run until `signal` completes, then stop.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        self.stop().await;
    }
}

async fn authenticate(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    if !st.shared.requires_token() {
        req.extensions_mut().insert(st.local.clone());
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match token.and_then(|t| st.shared.authenticate(t)) {
        Some(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        None => {
            st.shared.metrics.observe_refusal(401);
            let message = if token.is_some() {
                "the bearer token is not known to this ktriage server"
            } else {
                "missing `Authorization: Bearer <token>`; ask the operator of this ktriage server for a token"
            };
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"ktriage\"")],
                axum::Json(serde_json::json!({ "error": message })),
            )
                .into_response()
        }
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    let active = st.sessions.sessions.read().await.len();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.shared.metrics.render(active),
    )
        .into_response()
}
