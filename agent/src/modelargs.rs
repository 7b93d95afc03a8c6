//! Command-line choice of model backend, shared by `diagnose`, `ask`, `demo` and `eval`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use agent::llm::engine::Sampler;
use agent::llm::openai::{OpenAiConfig, OpenAiModel};
use agent::llm::{AnyModel, EngineOptions, WeightFormat, fetch, local::LocalModel};

#[derive(Debug, Args, Clone)]
pub struct ModelArgs {
    /// GGUF model file for the in-process engine. Default: the model `ktriage model fetch`
    /// installs (SmolLM2-135M-Instruct Q4_1) when it is there.
    #[arg(long, env = "KTRIAGE_MODEL", help_heading = "Model")]
    pub model: Option<PathBuf>,
    /// Rules only: no model refines the diagnosis.
    #[arg(long, help_heading = "Model")]
    pub no_model: bool,
    /// Use an OpenAI-compatible endpoint instead (vLLM, llama.cpp server, Ollama, TGI), e.g.
    /// http://vllm.llm-serving:8000/v1.
    #[arg(long, env = "KTRIAGE_LLM_URL", help_heading = "Model")]
    pub llm_url: Option<String>,
    /// Model name the endpoint serves.
    #[arg(
        long,
        env = "KTRIAGE_LLM_MODEL",
        default_value = "default",
        help_heading = "Model"
    )]
    pub llm_model: String,
    /// File holding the endpoint's API key (sent as a bearer token).
    #[arg(long, env = "KTRIAGE_LLM_API_KEY_FILE", help_heading = "Model")]
    pub llm_api_key_file: Option<PathBuf>,
    /// Do not send the reply's JSON schema as `response_format` (for servers that cannot
    /// compile it into a grammar); replies are then parsed and validated after the fact.
    #[arg(long, env = "KTRIAGE_LLM_NO_JSON_SCHEMA", help_heading = "Model")]
    pub llm_no_json_schema: bool,
    /// Seconds one model request may take.
    #[arg(
        long,
        env = "KTRIAGE_LLM_TIMEOUT",
        default_value_t = 120,
        help_heading = "Model"
    )]
    pub llm_timeout: u64,
    /// Device for the in-process engine: cpu, cuda or cuda:N (cuda needs a `--features cuda` build).
    #[arg(
        long,
        env = "KTRIAGE_DEVICE",
        default_value = "cpu",
        help_heading = "Model"
    )]
    pub device: String,
    /// CPU threads for the engine (0 = every core).
    #[arg(
        long,
        env = "KTRIAGE_THREADS",
        default_value_t = 0,
        help_heading = "Model"
    )]
    pub threads: usize,
    /// Context positions the KV cache may hold (memory grows with it).
    #[arg(
        long,
        env = "KTRIAGE_CTX",
        default_value_t = 8192,
        help_heading = "Model"
    )]
    pub ctx: usize,
    /// How weights are held: native (default; Q4_1/Q8_0 stay as stored and decode through
    /// ktriage's own kernels), q8 (4/5-bit blocks requantized to Q8_0, all through candle),
    /// as-stored (candle's own kernels, matching llama.cpp's ids), f32.
    #[arg(
        long,
        value_enum,
        env = "KTRIAGE_WEIGHTS",
        default_value = "native",
        help_heading = "Model"
    )]
    pub weights: WeightFormat,
    /// Sampling temperature (0 = greedy, deterministic).
    #[arg(long, default_value_t = 0.0, help_heading = "Model")]
    pub temperature: f64,
    /// Repetition penalty over the last 64 generated tokens (1.0 = off).
    #[arg(long, default_value_t = 1.0, help_heading = "Model")]
    pub repeat_penalty: f32,
    /// Seed for sampling when --temperature > 0.
    #[arg(long, default_value_t = 42, help_heading = "Model")]
    pub seed: u64,
    /// Watts to assume for energy figures when RAPL cannot be read (default 10 W per thread).
    #[arg(long, env = "KTRIAGE_POWER_WATTS", help_heading = "Model")]
    pub power_watts: Option<f64>,
    /// Do not keep the system prompt's keys and values between runs (by default they are saved
    /// under the cache folder, `$KTRIAGE_CACHE_DIR/prompt-cache`, and a new run skips
    /// prefilling them).
    #[arg(long, env = "KTRIAGE_NO_PROMPT_CACHE", help_heading = "Model")]
    pub no_prompt_cache: bool,
    /// Most tool calls the model may make before it must answer.
    #[arg(
        long,
        env = "KTRIAGE_MAX_STEPS",
        default_value_t = 2,
        help_heading = "Model"
    )]
    pub max_steps: usize,
}

impl ModelArgs {
    pub fn engine_options(&self) -> EngineOptions {
        EngineOptions {
            device: self.device.clone(),
            threads: self.threads,
            context: self.ctx,
            weights: self.weights,
            power_watts: self.power_watts,
            prompt_cache: (!self.no_prompt_cache).then(|| fetch::cache_dir().join("prompt-cache")),
        }
    }

    pub fn limits(&self) -> agent::model::LoopLimits {
        agent::model::LoopLimits {
            max_steps: self.max_steps,
            max_tokens_per_step: 512,
            // Every character the model reads is prefill time on a CPU.
            max_tool_chars: 1_500,
            max_evidence: 12,
            max_excerpt_chars: 160,
            show_ruled_out: false,
        }
    }

    /// The model to use, or `None` with the reason when running rules only. `fetch_missing`
    /// installs the default model first when it is not there (the demo does).
    pub fn open(&self, fetch_missing: bool) -> Result<(Option<AnyModel>, Option<String>)> {
        if self.no_model {
            return Ok((None, Some("rules only (--no-model)".into())));
        }
        if let Some(url) = &self.llm_url {
            let m = OpenAiModel::new(OpenAiConfig {
                url: url.clone(),
                model: self.llm_model.clone(),
                api_key_file: self.llm_api_key_file.clone(),
                timeout: Duration::from_secs(self.llm_timeout),
                attempts: 3,
                json_schema: !self.llm_no_json_schema,
            })?;
            return Ok((Some(AnyModel::OpenAi(m)), None));
        }
        let path = match &self.model {
            Some(p) => p.clone(),
            None => {
                let p = fetch::default_model_path();
                if !p.exists() {
                    if !fetch_missing {
                        return Ok((
                            None,
                            Some(format!(
                                "rules only: no model at {} (install one with `ktriage model fetch`, or pass --model / --llm-url)",
                                p.display()
                            )),
                        ));
                    }
                    eprintln!("model: the default model is not installed; fetching it once");
                    fetch::fetch(false, &mut |s| eprintln!("model: {s}"))
                        .context("installing the default model (ktriage model fetch)")?
                } else {
                    p
                }
            }
        };
        let m = LocalModel::load(
            &path,
            &self.engine_options(),
            Sampler {
                temperature: self.temperature,
                top_p: 0.95,
                seed: self.seed,
                repeat_penalty: self.repeat_penalty,
            },
        )
        .with_context(|| format!("loading model {}", path.display()))?;
        Ok((Some(AnyModel::Local(m)), None))
    }
}
