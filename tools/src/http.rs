//! What the Prometheus and Grafana clients share: authentication, TLS and timeouts, and the one
//! place their `reqwest::Client` is built.

use std::time::Duration;

use crate::{Error, Result};

/// How a request proves who it is.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    /// `Authorization: Bearer <token>` (a Prometheus proxy token, a Grafana service account).
    Bearer(String),
    /// `Authorization: Basic` (Prometheus' own `basic_auth_users`, most reverse proxies).
    Basic { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret itself.
        f.write_str(match self {
            Auth::None => "None",
            Auth::Bearer(_) => "Bearer(..)",
            Auth::Basic { .. } => "Basic(..)",
        })
    }
}

impl Auth {
    /// `user:password` as a basic-auth file holds it (one line; the password may hold `:`).
    pub fn basic_from_line(line: &str) -> Result<Self> {
        match line.trim_end_matches(['\r', '\n']).split_once(':') {
            Some((user, password)) if !user.is_empty() => Ok(Auth::Basic {
                user: user.to_string(),
                password: password.to_string(),
            }),
            _ => Err(Error::InvalidInput(
                "a basic-auth file holds one line `user:password`".into(),
            )),
        }
    }

    pub(crate) fn apply(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic { user, password } => req.basic_auth(user, Some(password)),
        }
    }
}

/// TLS settings beyond the platform's trust store.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    /// Extra CA certificates to trust (PEM, one or more), e.g. a cluster's internal CA.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any certificate. For a lab only; the caller is warned.
    pub insecure_skip_verify: bool,
}

/// The HTTP client for `what` (`Prometheus`, `Grafana`): rustls with the ring provider (the one
/// kube-rs already links), the platform's roots plus `tls.ca_pem`.
pub(crate) fn client(what: &str, tls: &Tls, timeout: Duration) -> Result<reqwest::Client> {
    // Installing the default provider twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5));
    if let Some(pem) = &tls.ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            Error::InvalidInput(format!(
                "the CA file for {what} is not PEM certificates: {e}"
            ))
        })?;
        if certs.is_empty() {
            return Err(Error::InvalidInput(format!(
                "the CA file for {what} holds no PEM certificate"
            )));
        }
        for c in certs {
            b = b.add_root_certificate(c);
        }
    }
    if tls.insecure_skip_verify {
        tracing::warn!(target: "ktriage", "{what}: TLS certificates are not verified (--tls-insecure-skip-verify)");
        b = b.danger_accept_invalid_certs(true);
    }
    b.build()
        .map_err(|e| Error::Metrics(format!("cannot build the {what} client: {e}")))
}
