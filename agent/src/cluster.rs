//! Connecting to a cluster: a snapshot replayed in-process, or a kubeconfig context.

use std::sync::Arc;

use anyhow::{Context, Result};
use tools::Clock;
use tools::k8s::KubeReader;
use tools::replay::ReplayServer;
use tools::snapshot::Snapshot;

use crate::ClusterArgs;

/// A live connection. Holds the replay server (when any) so it lives as long as the readers.
pub struct Connection {
    config: kube::Config,
    clock: Clock,
    _replay: Option<ReplayServer>,
    prom: Option<tools::prom::PromClient>,
    grafana: Option<tools::grafana::GrafanaClient>,
    // Field order is drop order: the Grafana replay stops before the Prometheus it proxies.
    _grafana_replay: Option<tools::replay::grafana::GrafanaReplay>,
    _local_prom: Option<tools::prom_local::LocalPrometheus>,
    /// Why a snapshot's metrics could not be served, if they could not.
    prom_note: Option<String>,
}

impl Connection {
    /// Why the snapshot's metrics are not served (Prometheus not installed...), if so.
    pub fn prom_note(&self) -> Option<&str> {
        self.prom_note.as_deref()
    }

    /// Prometheus, when configured (or started for a snapshot's metrics).
    pub fn prom(&self) -> Option<tools::prom::PromClient> {
        self.prom.clone()
    }

    /// Grafana, when configured (or replayed from a snapshot's grafana/).
    pub fn grafana(&self) -> Option<tools::grafana::GrafanaClient> {
        self.grafana.clone()
    }

    /// A reader for `profile`, impersonating its user when the profile says so.
    pub fn reader(&self, profile: rbac::Profile) -> Result<KubeReader> {
        let client = tools::k8s::client_for_profile(&self.config, &profile)?;
        Ok(KubeReader::new(client, self.clock, Arc::new(profile)))
    }
}

/// One connection per `--context` (or the one cluster of `--snapshot` / the current context),
/// named by its context.
pub async fn connect_all(args: &ClusterArgs) -> Result<Vec<(String, Connection)>> {
    if args.context.len() <= 1 {
        let name = args
            .context
            .first()
            .cloned()
            .unwrap_or_else(|| "default".into());
        return Ok(vec![(name, connect(args).await?)]);
    }
    let mut out = Vec::new();
    for c in &args.context {
        let one = ClusterArgs {
            context: vec![c.clone()],
            ..args.clone()
        };
        out.push((
            c.clone(),
            connect(&one)
                .await
                .with_context(|| format!("context {c}"))?,
        ));
    }
    Ok(out)
}

pub async fn connect(args: &ClusterArgs) -> Result<Connection> {
    if args.context.len() > 1 {
        anyhow::bail!(
            "--context was given {} times; only `ktriage mcp` serves several clusters",
            args.context.len()
        );
    }
    if let Some(dir) = &args.snapshot {
        let snapshot =
            Snapshot::load(dir).with_context(|| format!("loading snapshot {}", dir.display()))?;
        let server = ReplayServer::start(snapshot, "127.0.0.1:0".parse()?).await?;
        let (prom, local, prom_note) = match prom_from_args(args)? {
            Some(p) => (Some(p), None, None),
            None => match tools::prom_local::LocalPrometheus::start(dir) {
                Ok(Some(local)) => (Some(local.client()?), Some(local), None),
                Ok(None) => (None, None, None),
                Err(e) => (None, None, Some(e.to_string())),
            },
        };
        let (grafana, grafana_replay) = match grafana_from_args(args)? {
            Some(g) => (Some(g), None),
            None if dir.join("grafana").is_dir() => {
                let replay = tools::replay::grafana::GrafanaReplay::start(
                    dir,
                    server.clock(),
                    local.as_ref().map(|l| l.url().to_string()),
                    "127.0.0.1:0".parse()?,
                )
                .await
                .with_context(|| format!("serving {}/grafana", dir.display()))?;
                let client = tools::grafana::GrafanaClient::new(
                    &tools::grafana::GrafanaConfig::new(replay.url()),
                )?;
                (Some(client), Some(replay))
            }
            None => (None, None),
        };
        return Ok(Connection {
            config: server.config()?,
            clock: server.clock(),
            _replay: Some(server),
            prom,
            grafana,
            _grafana_replay: grafana_replay,
            _local_prom: local,
            prom_note,
        });
    }
    let options = kube::config::KubeConfigOptions {
        context: args.context.first().cloned(),
        ..Default::default()
    };
    let config = match &args.kubeconfig {
        Some(path) => {
            let kc = kube::config::Kubeconfig::read_from(path)
                .with_context(|| format!("reading kubeconfig {}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .with_context(|| format!("kubeconfig {}", path.display()))?
        }
        None if !args.context.is_empty() => kube::Config::from_kubeconfig(&options)
            .await
            .context("loading kubeconfig (pass --kubeconfig FILE or --context NAME)")?,
        None => kube::Config::infer()
            .await
            .context("no cluster: pass --snapshot DIR, --context NAME or set KUBECONFIG")?,
    };
    Ok(Connection {
        config,
        clock: Clock::system(),
        _replay: None,
        prom: prom_from_args(args)?,
        grafana: grafana_from_args(args)?,
        _grafana_replay: None,
        _local_prom: None,
        prom_note: None,
    })
}

/// A secret file's content, trimmed; its path in the error.
fn read_secret(path: &std::path::Path, what: &str) -> Result<String> {
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("reading the {what} {}", path.display()))?
        .trim()
        .to_string())
}

/// `--tls-ca-file` and `--tls-insecure-skip-verify`, shared by Prometheus and Grafana.
fn tls_from_args(args: &ClusterArgs) -> Result<tools::http::Tls> {
    Ok(tools::http::Tls {
        ca_pem: match &args.tls_ca_file {
            Some(p) => Some(
                std::fs::read(p).with_context(|| format!("reading the CA file {}", p.display()))?,
            ),
            None => None,
        },
        insecure_skip_verify: args.tls_insecure_skip_verify,
    })
}

fn prom_from_args(args: &ClusterArgs) -> Result<Option<tools::prom::PromClient>> {
    let Some(url) = &args.prometheus_url else {
        return Ok(None);
    };
    let auth = match (
        &args.prometheus_token_file,
        &args.prometheus_basic_auth_file,
    ) {
        (Some(_), Some(_)) => {
            anyhow::bail!("give --prometheus-token-file or --prometheus-basic-auth-file, not both")
        }
        (Some(p), None) => tools::http::Auth::Bearer(read_secret(p, "Prometheus token")?),
        (None, Some(p)) => {
            tools::http::Auth::basic_from_line(&read_secret(p, "Prometheus basic-auth file")?)
                .with_context(|| p.display().to_string())?
        }
        (None, None) => tools::http::Auth::None,
    };
    Ok(Some(tools::prom::PromClient::new(
        &tools::prom::PromConfig {
            auth,
            tls: tls_from_args(args)?,
            ..tools::prom::PromConfig::new(url.clone())
        },
    )?))
}

fn grafana_from_args(args: &ClusterArgs) -> Result<Option<tools::grafana::GrafanaClient>> {
    let Some(url) = &args.grafana_url else {
        return Ok(None);
    };
    let auth = match &args.grafana_token_file {
        Some(p) => tools::http::Auth::Bearer(read_secret(p, "Grafana token")?),
        None => tools::http::Auth::None,
    };
    Ok(Some(tools::grafana::GrafanaClient::new(
        &tools::grafana::GrafanaConfig {
            auth,
            org_id: args.grafana_org_id,
            tls: tls_from_args(args)?,
            ..tools::grafana::GrafanaConfig::new(url.clone())
        },
    )?))
}
