//! `ktriage eval`: run every scenario folder through a diagnosis at its frozen `now`, score it
//! as SCENARIOS.md says, print the table, optionally write the JSON report.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use futures::StreamExt;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folders holding scenario folders (or scenario folders themselves).
    #[arg(default_value = "evals/scenarios")]
    pub dirs: Vec<PathBuf>,
    /// What diagnoses: `analyzers` (rules only) or `agent` (rules + model loop).
    #[arg(long, value_enum, default_value = "analyzers")]
    pub mode: Mode,
    /// Only scenarios whose name contains this.
    #[arg(long)]
    pub filter: Option<String>,
    /// Write the full report (every diagnosis, score breakdown, usage) as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Scenarios diagnosed at once.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// Fail (exit 1) when the pass rate is below this fraction, e.g. 0.9.
    #[arg(long)]
    pub min_pass: Option<f64>,
    /// The model for `--mode agent`.
    #[command(flatten)]
    pub model: crate::modelargs::ModelArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    Analyzers,
    Agent,
}

async fn one(
    dir: PathBuf,
    model: Option<&agent::llm::AnyModel>,
    limits: agent::model::LoopLimits,
) -> Result<evals::Row> {
    let scenario = evals::Scenario::load(&dir)?;
    let started = Instant::now();
    // The same connection `--snapshot` makes: the replay, and a real Prometheus on the
    // scenario's metrics when it is installed (the run's notes say when it is not).
    let conn = crate::cluster::connect(&crate::ClusterArgs::snapshot(dir.clone())).await?;
    let client = crate::local_client(&conn).await?;
    let alert = match &scenario.alert {
        Some(text) => Some(
            agent::alert::Payload::parse(text)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("{}/alert.json", dir.display()))?,
        ),
        None => None,
    };
    let req = agent::Request {
        question: scenario.file.question.clone(),
        alert,
        namespaces: Vec::new(),
    };
    let d = agent::diagnose(&client, &req, &|_| {}).await;
    let d = match model {
        Some(m) => agent::model::refine(m, &client, d, limits).await,
        None => d,
    };
    client.close().await;
    let ids: Vec<&str> = d.evidence.iter().map(|e| e.id.as_str()).collect();
    let answer = evals::Answer {
        top_category: d.causes.first().map(|c| c.category.clone()),
        top_resource: d.causes.first().map(|c| c.resource.clone()),
        full_text: d.full_text(),
        asserted_text: d.asserted_text(),
        citations_valid: d
            .causes
            .iter()
            .all(|c| c.evidence.iter().all(|e| ids.contains(&e.as_str()))),
    };
    let score = evals::score(&scenario.file.expect, &answer);
    let reason = score.reason(&scenario.file.expect, &answer);
    Ok(evals::Row {
        scenario: scenario.name.clone(),
        expected: scenario.file.expect.category.clone(),
        got: answer.top_category.clone().unwrap_or_else(|| "none".into()),
        resource: answer.top_resource.clone().unwrap_or_default(),
        score,
        reason,
        tags: scenario.file.tags.clone(),
        tool_calls: d.usage.tool_calls,
        tool_tokens: d.usage.tool_tokens,
        prompt_tokens: d.usage.prompt_tokens,
        completion_tokens: d.usage.completion_tokens,
        seconds: started.elapsed().as_secs_f64(),
        energy_wh: d.usage.energy_wh,
        model_replies: d.usage.model_replies,
        model_invalid: d.usage.model_invalid_replies,
        diagnosis: serde_json::to_value(&d)?,
    })
}

/// Run the evals; returns whether the run met `--min-pass`.
pub async fn run(args: EvalArgs) -> Result<bool> {
    let model = if args.mode == Mode::Agent {
        match args.model.open(false)? {
            (Some(m), _) => Some(m),
            (None, why) => bail!("--mode agent needs a model: {}", why.unwrap_or_default()),
        }
    } else {
        None
    };
    let model_name = match &model {
        Some(m) => {
            use agent::model::ChatModel;
            m.name()
        }
        None => "none (rules only)".to_string(),
    };
    let limits = args.model.limits();
    let mut dirs = evals::discover(&args.dirs)?;
    if let Some(f) = &args.filter {
        dirs.retain(|d| {
            d.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(f.as_str()))
        });
        if dirs.is_empty() {
            bail!("no scenario name contains {f:?}");
        }
    }
    let total = dirs.len();
    eprintln!(
        "diagnosing {total} scenarios ({} at a time, model: {model_name})",
        args.jobs.max(1)
    );
    let mut rows = Vec::new();
    let model_ref = model.as_ref();
    let mut stream = futures::stream::iter(dirs.into_iter().map(|d| async move {
        let name = d.display().to_string();
        (name, one(d, model_ref, limits).await)
    }))
    .buffer_unordered(args.jobs.max(1));
    let mut done = 0;
    let mut errors = Vec::new();
    while let Some((name, r)) = stream.next().await {
        done += 1;
        match r {
            Ok(row) => {
                eprintln!(
                    "[{done}/{total}] {} {}",
                    if row.score.pass { "pass" } else { "FAIL" },
                    row.scenario
                );
                rows.push(row);
            }
            Err(e) => {
                eprintln!("[{done}/{total}] ERROR {name}: {e:#}");
                errors.push(format!("{name}: {e:#}"));
            }
        }
    }
    let mut notes = vec![if tools::prom_local::installed() {
        "metrics/ served by a local Prometheus (promtool backfill); grafana/ by the Grafana replay"
            .to_string()
    } else {
        "prometheus/promtool not installed (apt-get install prometheus): metric evidence unavailable; grafana/ served without panel data".to_string()
    }];
    notes.extend(errors.iter().map(|e| format!("could not run {e}")));
    let mode = match args.mode {
        Mode::Analyzers => "analyzers",
        Mode::Agent => "agent",
    };
    let replies: usize = rows.iter().map(|r| r.model_replies).sum();
    let invalid: usize = rows.iter().map(|r| r.model_invalid).sum();
    if model.is_some() {
        notes.push(format!(
            "model replies: {replies}, of which {invalid} did not parse or validate against their schema"
        ));
    }
    let report = evals::Report::new(mode, &model_name, rows, notes);
    print!("{}", report.table());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("report written to {}", path.display());
    }
    let rate = if total == 0 {
        0.0
    } else {
        report.passed as f64 / total as f64
    };
    Ok(errors.is_empty() && args.min_pass.is_none_or(|m| rate + 1e-9 >= m))
}
