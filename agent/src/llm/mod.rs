//! Self-hosted inference: the in-process candle engine for GGUF files ([`local::LocalModel`])
//! and any OpenAI-compatible endpoint ([`openai::OpenAiModel`]). Both implement
//! [`crate::model::ChatModel`]; this is the only part of ktriage that depends on candle.

pub mod constrain;
pub mod energy;
pub mod engine;
pub mod fetch;
pub mod llama;
pub mod local;
pub mod openai;
pub mod template;
pub mod tokenizer;

use candle_core::Device;

use crate::model::ModelError;

/// How weights are held in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum WeightFormat {
    /// Q4_1 and Q8_0 stay as stored and decode through ktriage's own kernels
    /// ([`kernels::quant`]: AVX2 where the CPU has it, activations quantized per product as
    /// llama.cpp does); prompt chunks run as f32 GEMMs. Other block types are held as `q8`
    /// holds them. Fastest on CPU for the default model, and the least memory.
    #[default]
    Native,
    /// Blocks without a SIMD kernel in candle (Q4_1, Q5_x) are requantized to Q8_0 at load;
    /// others stay as stored. Everything runs through candle.
    Q8,
    /// Exactly as stored, computed as llama.cpp does (activations quantized per row), so
    /// greedy output does not depend on what the KV cache held. Slower: Q4_1 has only a
    /// scalar kernel in candle.
    #[value(name = "as-stored")]
    AsStored,
    /// Dequantized to f32: fast prefill, slow decode, about 5x the memory.
    F32,
}

/// Where and how the engine runs.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// `cpu`, `cuda` or `cuda:N`.
    pub device: String,
    /// CPU threads (0 = all cores).
    pub threads: usize,
    /// Context positions the KV cache may hold (capped by the model's trained context).
    pub context: usize,
    pub weights: WeightFormat,
    /// Watts to assume when energy cannot be measured (None: 10 W per thread).
    pub power_watts: Option<f64>,
    /// Folder where the system prompt's keys and values are kept between runs, so a new
    /// process does not prefill it again (None: off).
    pub prompt_cache: Option<std::path::PathBuf>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            device: "cpu".into(),
            threads: 0,
            context: 8192,
            weights: WeightFormat::default(),
            power_watts: None,
            prompt_cache: None,
        }
    }
}

impl EngineOptions {
    /// The energy meter for this engine: NVML on a CUDA device, RAPL when readable, else the
    /// configured estimate.
    pub fn meter(&self) -> energy::Meter {
        let threads = if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        };
        energy::Meter::detect(
            &self.device,
            self.power_watts
                .unwrap_or(energy::DEFAULT_WATTS_PER_THREAD * threads as f64),
        )
    }

    /// The candle device, with a clear error when CUDA is asked of a build without it.
    pub fn device(&self) -> Result<Device, ModelError> {
        if self.threads > 0 {
            // candle's CPU kernels run on rayon's global pool; size it before first use.
            set_threads(self.threads);
        }
        match self.device.as_str() {
            "cpu" => Ok(Device::Cpu),
            d if d == "cuda" || d.starts_with("cuda:") => {
                let ordinal: usize = d
                    .strip_prefix("cuda:")
                    .map(|n| n.parse())
                    .transpose()
                    .map_err(|_| ModelError::Unsupported(format!("bad device `{d}`: use cuda:N")))?
                    .unwrap_or(0);
                if !candle_core::utils::cuda_is_available() {
                    return Err(ModelError::Unsupported(format!(
                        "--device {d}: this ktriage was built without CUDA (rebuild with `--features cuda`), or no CUDA device is visible"
                    )));
                }
                Device::new_cuda(ordinal)
                    .map_err(|e| ModelError::Unsupported(format!("--device {d}: {e}")))
            }
            other => Err(ModelError::Unsupported(format!(
                "unknown device `{other}` (use cpu, cuda or cuda:N)"
            ))),
        }
    }
}

/// Size rayon's global pool (candle's CPU matmuls and llguidance use it) once.
fn set_threads(n: usize) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            tracing::warn!(error = %e, "could not size the thread pool");
        }
    });
}

/// The backend a command chose: in-process or an OpenAI-compatible endpoint.
#[derive(Debug)]
pub enum AnyModel {
    Local(local::LocalModel),
    OpenAi(openai::OpenAiModel),
}

impl crate::model::ChatModel for AnyModel {
    fn name(&self) -> String {
        match self {
            AnyModel::Local(m) => m.name(),
            AnyModel::OpenAi(m) => m.name(),
        }
    }

    fn may_rerank(&self) -> bool {
        match self {
            AnyModel::Local(m) => m.may_rerank(),
            AnyModel::OpenAi(m) => m.may_rerank(),
        }
    }

    async fn chat(
        &self,
        req: &crate::model::ChatRequest,
    ) -> Result<(crate::model::ChatReply, crate::model::ChatUsage), ModelError> {
        match self {
            AnyModel::Local(m) => m.chat(req).await,
            AnyModel::OpenAi(m) => m.chat(req).await,
        }
    }
}
