//! The generation engine: one loaded GGUF model, its tokenizer and chat template, a KV cache
//! reused across the turns of one investigation, sampling, and JSON-schema constrained decoding.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::{quantized_qwen2, quantized_qwen3};

use super::constrain::Constraint;
use super::llama::Llama;
use super::template::{ChatTemplate, TemplateMessage};
use super::tokenizer::Tokenizer;
use super::{EngineOptions, WeightFormat};
use crate::model::ModelError;

/// Prompts are prefilled in chunks of this many tokens (bounds the attention scratch memory).
const PREFILL_CHUNK: usize = 512;

enum Backbone {
    /// Our own Llama (and Gemma 3): the cache can be cut back to any length.
    Llama(Box<Llama>),
    /// candle-transformers' models: their cache is kept only when a prompt extends it.
    Qwen2(Box<quantized_qwen2::ModelWeights>),
    Qwen3(Box<quantized_qwen3::ModelWeights>),
}

impl Backbone {
    /// Keep at most `len` cached positions; returns how many are kept.
    fn truncate(&mut self, len: usize, cached: usize) -> usize {
        match self {
            Backbone::Llama(m) => {
                m.truncate(len);
                m.cached()
            }
            Backbone::Qwen2(m) if len < cached => {
                m.clear_kv_cache();
                0
            }
            Backbone::Qwen3(m) if len < cached => {
                m.clear_kv_cache();
                0
            }
            _ => cached,
        }
    }

    fn forward(
        &mut self,
        tokens: &[u32],
        pos: usize,
        device: &Device,
    ) -> candle_core::Result<Tensor> {
        let logits = match self {
            Backbone::Llama(m) => return m.forward(tokens),
            Backbone::Qwen2(m) => m.forward(&Tensor::new(tokens, device)?.unsqueeze(0)?, pos)?,
            Backbone::Qwen3(m) => m.forward(&Tensor::new(tokens, device)?.unsqueeze(0)?, pos)?,
        };
        // [1, vocab] or [1, seq, vocab]: keep the last row.
        let flat = logits.flatten_all()?;
        let n = flat.dim(0)?;
        let vocab = *logits.dims().last().unwrap_or(&n);
        flat.narrow(0, n - vocab, vocab)
    }
}

/// What the caller hears while a generation runs.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    Prefill { done: usize, total: usize },
    Token(&'a str),
}

/// One finished generation.
#[derive(Debug, Clone)]
pub struct Generation {
    pub text: String,
    pub ids: Vec<u32>,
    pub prompt_tokens: usize,
    /// Prompt tokens actually run (the rest came from the cache).
    pub prefilled: usize,
    pub completion_tokens: usize,
    pub prefill_secs: f64,
    pub decode_secs: f64,
    /// Why it stopped: `grammar`, `eos`, `stop-sequence`, `max-tokens`.
    pub stop: &'static str,
}

/// Sampling settings.
#[derive(Debug, Clone, Copy)]
pub struct Sampler {
    /// 0 = greedy.
    pub temperature: f64,
    pub top_p: f64,
    pub seed: u64,
    /// Divides the logits of tokens among the last 64 generated (1.0 = off). Small models
    /// otherwise loop inside a string ("a server that is capable of running a server ...").
    pub repeat_penalty: f32,
}

impl Default for Sampler {
    fn default() -> Self {
        Self {
            temperature: 0.0,
            top_p: 0.95,
            seed: 42,
            repeat_penalty: 1.0,
        }
    }
}

/// How long to generate and how to pick tokens.
#[derive(Debug, Clone, Copy)]
pub struct GenOptions<'a> {
    pub max_tokens: usize,
    pub sampler: Sampler,
    /// Stop when the text ends with one of these.
    pub stop: &'a [String],
}

impl GenOptions<'_> {
    pub fn greedy(max_tokens: usize) -> Self {
        GenOptions {
            max_tokens,
            sampler: Sampler::default(),
            stop: &[],
        }
    }
}

/// A loaded model.
pub struct Engine {
    backbone: Backbone,
    pub tokenizer: Arc<Tokenizer>,
    pub template: ChatTemplate,
    pub device: Device,
    /// Tokens whose keys and values are in the cache, in order.
    cached: Vec<u32>,
    pub max_context: usize,
    pub architecture: String,
    pub description: String,
    /// Parameters in the file (sum of tensor elements).
    pub params: u64,
    pub path: PathBuf,
    pub load_secs: f64,
    /// What a saved prompt prefix must have been computed with: the model file (path, size,
    /// modification time), the weight format and the device.
    identity: String,
    /// Prefill stops a chunk here, so a prefix restored from disk and one computed in this
    /// process meet the rest of the prompt at the same chunk boundary: the logits do not
    /// depend on whether the prompt cache was used.
    pub prefix_boundary: usize,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("model", &self.description)
            .finish()
    }
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> ModelError {
    ModelError::Load {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

impl Engine {
    /// Load a GGUF file: architecture from `general.architecture`, tokenizer and chat template
    /// from its metadata.
    pub fn load(path: &Path, opts: &EngineOptions) -> Result<Self, ModelError> {
        let started = Instant::now();
        let device = opts.device()?;
        let mut file = File::open(path).map_err(|e| {
            io_err(
                path,
                format!("{e} (install the default model with `ktriage model fetch`, or pass --model PATH / KTRIAGE_MODEL)"),
            )
        })?;
        let ct = gguf_file::Content::read(&mut file).map_err(|e| {
            io_err(path, format!("not a readable GGUF file ({e}); fetch it again with `ktriage model fetch --force`"))
        })?;
        let architecture = ct
            .metadata
            .get("general.architecture")
            .and_then(|v| v.to_string().ok().cloned())
            .ok_or_else(|| io_err(path, "the GGUF file has no general.architecture"))?;
        let name = ct
            .metadata
            .get("general.name")
            .and_then(|v| v.to_string().ok().cloned())
            .unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        let params: u64 = ct
            .tensor_infos
            .values()
            .map(|t| t.shape.elem_count() as u64)
            .sum();
        let tokenizer = Arc::new(Tokenizer::from_gguf(&ct.metadata)?);
        let template_src = ct
            .metadata
            .get("tokenizer.chat_template")
            .and_then(|v| v.to_string().ok().cloned());
        let tok_text = |id: Option<u32>| {
            id.map(|i| tokenizer.token_text(i).to_string())
                .unwrap_or_default()
        };
        let template = ChatTemplate::new(
            template_src,
            &architecture,
            |t| {
                tokenizer
                    .token_id(t)
                    .is_some_and(|id| tokenizer.is_special(id))
            },
            tok_text(tokenizer.bos),
            tok_text(Some(tokenizer.eos)),
        );
        let candle = |e: candle_core::Error| io_err(path, e);
        let format = opts.weights;
        let (backbone, max_context) = match architecture.as_str() {
            "llama" | "mistral" | "gemma3" => {
                let m = Llama::from_gguf(&ct, &mut file, &device, format, opts.context)
                    .map_err(candle)?;
                let ctx = m.max_context;
                (Backbone::Llama(Box::new(m)), ctx)
            }
            "qwen2" => (
                Backbone::Qwen2(Box::new(
                    quantized_qwen2::ModelWeights::from_gguf(ct, &mut file, &device)
                        .map_err(candle)?,
                )),
                opts.context.min(4096),
            ),
            "qwen3" => (
                Backbone::Qwen3(Box::new(
                    quantized_qwen3::ModelWeights::from_gguf(ct, &mut file, &device)
                        .map_err(candle)?,
                )),
                opts.context.min(4096),
            ),
            other => {
                return Err(ModelError::Unsupported(format!(
                    "model architecture `{other}` in {} (ktriage runs llama, mistral, qwen2, qwen3 and gemma3 GGUF files)",
                    path.display()
                )));
            }
        };
        let dev = if device.is_cpu() { "cpu" } else { "cuda" };
        let description = format!("{name} ({architecture}, {dev}, weights {format})");
        let identity = {
            let meta = std::fs::metadata(path).ok();
            let mtime = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!(
                "{}|{}|{mtime}|{format}|{dev}|{}",
                std::fs::canonicalize(path)
                    .unwrap_or_else(|_| path.to_path_buf())
                    .display(),
                meta.map_or(0, |m| m.len()),
                env!("CARGO_PKG_VERSION"),
            )
        };
        Ok(Self {
            backbone,
            tokenizer,
            template,
            device,
            cached: Vec::new(),
            max_context,
            architecture,
            description,
            params,
            path: path.to_path_buf(),
            load_secs: started.elapsed().as_secs_f64(),
            identity,
            prefix_boundary: 0,
        })
    }

    /// Render a conversation to prompt token ids. Message contents are untrusted: special
    /// tokens spelled inside them are defanged before rendering.
    pub fn prompt_tokens(&self, messages: &[TemplateMessage]) -> Result<Vec<u32>, ModelError> {
        self.render_ids(messages, true)
    }

    /// `messages` rendered by the chat template (contents defanged) and tokenized, with BOS
    /// when the model wants one and the template did not write it.
    fn render_ids(
        &self,
        messages: &[TemplateMessage],
        add_generation_prompt: bool,
    ) -> Result<Vec<u32>, ModelError> {
        let safe: Vec<TemplateMessage> = messages
            .iter()
            .map(|m| TemplateMessage {
                role: m.role.clone(),
                content: self.tokenizer.defang(&m.content),
            })
            .collect();
        let text = self.template.render(&safe, add_generation_prompt)?;
        tracing::trace!(prompt = %text, "rendered prompt");
        let mut ids = Vec::new();
        if self.tokenizer.add_bos
            && let Some(bos) = self.tokenizer.bos
            && !text.starts_with(self.tokenizer.token_text(bos))
        {
            ids.push(bos);
        }
        ids.extend(self.tokenizer.encode_with_specials(&text));
        Ok(ids)
    }

    /// Positions in the KV cache.
    pub fn cached_len(&self) -> usize {
        self.cached.len()
    }

    /// How many leading tokens of `prompt` the first message alone renders to (the system
    /// prompt: the part every investigation shares, worth keeping across processes).
    pub fn first_message_tokens(&self, messages: &[TemplateMessage], prompt: &[u32]) -> usize {
        let Ok(ids) = self.render_ids(&messages[..messages.len().min(1)], false) else {
            return 0;
        };
        ids.iter().zip(prompt).take_while(|(a, b)| a == b).count()
    }

    /// Where the KV of `tokens`, computed by this model, is saved under `dir`.
    pub fn prefix_path(&self, dir: &Path, tokens: &[u32]) -> PathBuf {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.identity.as_bytes());
        for t in tokens {
            h.update(t.to_le_bytes());
        }
        let hex: String = h
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        dir.join(format!("{hex}.safetensors"))
    }

    /// Save the first `n` cached positions (tokens, keys and values) to `path`, written aside
    /// then renamed so a reader never sees half a file. Only the Llama family can; others
    /// answer `false`.
    pub fn save_prefix(&self, n: usize, path: &Path) -> Result<bool, ModelError> {
        let Backbone::Llama(m) = &self.backbone else {
            return Ok(false);
        };
        if n == 0 || n > self.cached.len() {
            return Ok(false);
        }
        let err = |e: candle_core::Error| ModelError::Inference(format!("prompt cache: {e}"));
        let mut map = std::collections::HashMap::new();
        map.insert(
            "tokens".to_string(),
            Tensor::new(&self.cached[..n], &Device::Cpu).map_err(err)?,
        );
        for (i, (k, v)) in m.cache_prefix(n).map_err(err)?.into_iter().enumerate() {
            map.insert(format!("k.{i}"), k);
            map.insert(format!("v.{i}"), v);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        candle_core::safetensors::save(&map, &tmp).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))?;
        Ok(true)
    }

    /// Load a prefix saved by [`Engine::save_prefix`] for exactly `tokens` into an empty cache;
    /// `false` when there is none, it was saved for other tokens, or the backbone cannot.
    pub fn restore_prefix(&mut self, tokens: &[u32], path: &Path) -> Result<bool, ModelError> {
        let Backbone::Llama(m) = &mut self.backbone else {
            return Ok(false);
        };
        if !self.cached.is_empty() || !path.exists() {
            return Ok(false);
        }
        let err = |e: candle_core::Error| {
            ModelError::Inference(format!("prompt cache {}: {e}", path.display()))
        };
        let map = candle_core::safetensors::load(path, &Device::Cpu).map_err(err)?;
        let saved: Vec<u32> = match map.get("tokens") {
            Some(t) => t.to_vec1().map_err(err)?,
            None => return Ok(false),
        };
        if saved != tokens {
            return Ok(false);
        }
        let kv: Vec<(Tensor, Tensor)> = (0..)
            .map_while(|i| {
                Some((
                    map.get(&format!("k.{i}"))?.clone(),
                    map.get(&format!("v.{i}"))?.clone(),
                ))
            })
            .collect();
        m.restore(&kv).map_err(err)?;
        self.cached = saved;
        Ok(true)
    }

    /// Run the prompt (reusing the cached prefix) and return the last logits.
    fn prefill(
        &mut self,
        prompt: &[u32],
        progress: &mut dyn FnMut(Progress<'_>),
        cancel: &AtomicBool,
    ) -> Result<(Tensor, usize), ModelError> {
        let common = self
            .cached
            .iter()
            .zip(prompt)
            .take_while(|(a, b)| a == b)
            .count()
            // At least one token must run to produce logits.
            .min(prompt.len().saturating_sub(1));
        let kept = self.backbone.truncate(common, self.cached.len());
        self.cached.truncate(kept);
        let mut logits = None;
        let mut pos = kept;
        let total = prompt.len();
        while pos < total {
            if cancel.load(Ordering::Relaxed) {
                return Err(ModelError::Cancelled);
            }
            let mut end = (pos + PREFILL_CHUNK).min(total);
            if pos < self.prefix_boundary && end > self.prefix_boundary {
                end = self.prefix_boundary;
            }
            let l = self
                .backbone
                .forward(&prompt[pos..end], pos, &self.device)
                .map_err(|e| ModelError::Inference(e.to_string()))?;
            self.cached.extend_from_slice(&prompt[pos..end]);
            pos = end;
            progress(Progress::Prefill { done: pos, total });
            logits = Some(l);
        }
        let logits = logits.ok_or_else(|| ModelError::Inference("empty prompt".into()))?;
        Ok((logits, total - kept))
    }

    /// Generate a reply to `prompt`, optionally under `constraint`.
    pub fn generate(
        &mut self,
        prompt: &[u32],
        how: &GenOptions<'_>,
        mut constraint: Option<Constraint>,
        progress: &mut dyn FnMut(Progress<'_>),
        cancel: &AtomicBool,
    ) -> Result<Generation, ModelError> {
        let (max_tokens, sampler, stop) = (how.max_tokens, how.sampler, how.stop);
        if prompt.len() + 1 >= self.max_context {
            return Err(ModelError::ContextFull {
                needed: prompt.len() + 1,
                context: self.max_context,
            });
        }
        let max_tokens = max_tokens.min(self.max_context - prompt.len() - 1);
        let t0 = Instant::now();
        let (mut logits, prefilled) = self.prefill(prompt, progress, cancel)?;
        let prefill_secs = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let sampling = if sampler.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            Sampling::TopP {
                p: sampler.top_p,
                temperature: sampler.temperature,
            }
        };
        let mut lp = LogitsProcessor::from_sampling(sampler.seed, sampling);
        let mut out: Vec<u32> = Vec::new();
        let mut text_bytes: Vec<u8> = Vec::new();
        let mut stop_reason = "max-tokens";
        let ends: Vec<u32> = std::iter::once(self.tokenizer.eos)
            .chain(self.tokenizer.end_of_turn.iter().copied())
            .collect();
        while out.len() < max_tokens {
            if cancel.load(Ordering::Relaxed) {
                return Err(ModelError::Cancelled);
            }
            if sampler.repeat_penalty != 1.0 && !out.is_empty() {
                let recent = &out[out.len().saturating_sub(64)..];
                logits = candle_transformers::utils::apply_repeat_penalty(
                    &logits,
                    sampler.repeat_penalty,
                    recent,
                )
                .map_err(|e| ModelError::Inference(e.to_string()))?;
            }
            let tok = match constraint.as_mut() {
                Some(c) => {
                    let mut v: Vec<f32> = logits
                        .to_vec1()
                        .map_err(|e| ModelError::Inference(e.to_string()))?;
                    if !c.mask(&mut v, &ends)? {
                        stop_reason = "grammar";
                        break;
                    }
                    let t = Tensor::new(v.as_slice(), &self.device)
                        .map_err(|e| ModelError::Inference(e.to_string()))?;
                    lp.sample(&t)
                        .map_err(|e| ModelError::Inference(e.to_string()))?
                }
                None => lp
                    .sample(&logits)
                    .map_err(|e| ModelError::Inference(e.to_string()))?,
            };
            if ends.contains(&tok) {
                stop_reason = if constraint.is_some() {
                    "grammar"
                } else {
                    "eos"
                };
                break;
            }
            if let Some(c) = constraint.as_mut() {
                c.commit(tok)?;
            }
            out.push(tok);
            let piece = self.tokenizer.token_bytes(tok);
            text_bytes.extend_from_slice(piece);
            progress(Progress::Token(&String::from_utf8_lossy(piece)));
            if !stop.is_empty() {
                let s = String::from_utf8_lossy(&text_bytes);
                if stop.iter().any(|x| s.ends_with(x.as_str())) {
                    stop_reason = "stop-sequence";
                    break;
                }
            }
            if constraint.as_ref().is_some_and(|c| c.finished()) {
                stop_reason = "grammar";
                break;
            }
            if out.len() >= max_tokens {
                break;
            }
            logits = self
                .backbone
                .forward(&[tok], self.cached.len(), &self.device)
                .map_err(|e| ModelError::Inference(e.to_string()))?;
            self.cached.push(tok);
        }
        let completion_tokens = out.len();
        Ok(Generation {
            text: String::from_utf8_lossy(&text_bytes).into_owned(),
            ids: out,
            prompt_tokens: prompt.len(),
            prefilled,
            completion_tokens,
            prefill_secs,
            decode_secs: t1.elapsed().as_secs_f64(),
            stop: stop_reason,
        })
    }

    /// Time a fixed prefill and greedy decode (the benchmark's measure): returns
    /// (prefill tokens/s, decode tokens/s). The cache is cleared first.
    pub fn bench(&mut self, prompt_len: usize, decode: usize) -> Result<(f64, f64), ModelError> {
        let prompt: Vec<u32> = (0..prompt_len).map(|i| 1000 + (i % 500) as u32).collect();
        self.cached.clear();
        self.backbone.truncate(0, usize::MAX);
        let inf = |e: candle_core::Error| ModelError::Inference(e.to_string());
        let t0 = Instant::now();
        // In chunks, as a real prompt is prefilled.
        let (mut logits, _) = self.prefill(&prompt, &mut |_| {}, &AtomicBool::new(false))?;
        let prefill = prompt_len as f64 / t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        for _ in 0..decode {
            let tok = logits
                .argmax(0)
                .and_then(|t| t.to_scalar::<u32>())
                .map_err(inf)?;
            logits = self
                .backbone
                .forward(&[tok], self.cached.len(), &self.device)
                .map_err(inf)?;
            self.cached.push(tok);
        }
        let decode_tps = decode as f64 / t1.elapsed().as_secs_f64();
        Ok((prefill, decode_tps))
    }

    /// Greedy ids after `prompt` (for the llama.cpp comparison).
    pub fn greedy_ids(&mut self, prompt: &[u32], n: usize) -> Result<Vec<u32>, ModelError> {
        let never = AtomicBool::new(false);
        let g = self.generate(prompt, &GenOptions::greedy(n), None, &mut |_| {}, &never)?;
        Ok(g.ids)
    }
}

impl std::fmt::Display for WeightFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WeightFormat::AsStored => "as stored",
            WeightFormat::Native => "native",
            WeightFormat::Q8 => "q8_0",
            WeightFormat::F32 => "f32",
        })
    }
}
