//! [`LocalModel`]: the in-process engine behind the [`ChatModel`] trait. Each reply is decoded
//! under one JSON schema: any of the offered tool calls (name and argument schema) or the final
//! answer's schema, so even a 135M model emits only valid calls and valid diagnoses.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::EngineOptions;
use super::constrain::Grammars;
use super::engine::{Engine, GenOptions, Progress, Sampler};
use super::template::TemplateMessage;
use crate::model::{
    ChatModel, ChatReply, ChatRequest, ChatUsage, ModelError, ModelEvent, Role, ToolDef,
};

/// Cumulative figures of one model across calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalStats {
    pub calls: usize,
    pub prompt_tokens: usize,
    pub prefilled_tokens: usize,
    pub completion_tokens: usize,
    pub prefill_secs: f64,
    pub decode_secs: f64,
}

/// A GGUF model run in-process by candle.
pub struct LocalModel {
    engine: Arc<Mutex<Engine>>,
    grammars: Arc<Grammars>,
    sampler: Sampler,
    name: String,
    params: u64,
    /// Show prefill/decode progress on stderr (when it is a terminal).
    pub progress: bool,
    stats: Arc<Mutex<LocalStats>>,
    meter: super::energy::Meter,
    prompt_cache: Option<std::path::PathBuf>,
}

/// A system prompt shorter than this is not worth a file.
const MIN_CACHED_PREFIX: usize = 64;
/// Saved prefixes kept in the prompt cache folder (the newest).
const PROMPT_CACHE_FILES: usize = 8;

/// Remove all but the newest `keep` saved prefixes in `dir`.
fn prune_prompt_cache(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    for (_, p) in files.into_iter().skip(keep) {
        if let Err(e) = std::fs::remove_file(&p) {
            tracing::warn!(path = %p.display(), error = %e, "could not prune the prompt cache");
        }
    }
}

impl std::fmt::Debug for LocalModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalModel")
            .field("name", &self.name)
            .finish()
    }
}

impl LocalModel {
    pub fn load(path: &Path, opts: &EngineOptions, sampler: Sampler) -> Result<Self, ModelError> {
        let engine = Engine::load(path, opts)?;
        let grammars = Grammars::new(engine.tokenizer.clone())?;
        tracing::info!(
            model = %engine.description,
            load_secs = engine.load_secs,
            template = engine.template.origin,
            tokenizer = engine.tokenizer.kind_name(),
            context = engine.max_context,
            "model loaded"
        );
        Ok(Self {
            name: engine.description.clone(),
            params: engine.params,
            engine: Arc::new(Mutex::new(engine)),
            grammars: Arc::new(grammars),
            sampler,
            progress: std::io::stderr().is_terminal(),
            stats: Arc::new(Mutex::new(LocalStats::default())),
            meter: opts.meter(),
            prompt_cache: opts.prompt_cache.clone(),
        })
    }

    pub fn stats(&self) -> LocalStats {
        match self.stats.lock() {
            Ok(s) => *s,
            Err(p) => *p.into_inner(),
        }
    }
}

/// The tools as the model reads them. Full schemas would cost thousands of prompt tokens and
/// the grammar enforces them anyway: `compact` gives `name(args)` only (small local models,
/// where every prompt token is prefill time on a CPU), otherwise one line per tool with the
/// first sentence of its description.
fn tool_lines(tools: &[ToolDef], compact: bool) -> String {
    let signature = |t: &ToolDef| {
        let args: Vec<&str> = t
            .input_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        format!("{}({})", t.name, args.join(", "))
    };
    if compact {
        let calls: Vec<String> = tools.iter().map(signature).collect();
        return format!("{}\n", calls.join("; "));
    }
    let mut s = String::new();
    for t in tools {
        let first = t
            .description
            .split_inclusive(". ")
            .next()
            .unwrap_or("")
            .trim();
        s.push_str(&format!("- {}: {}\n", signature(t), first));
    }
    s
}

/// Give every open-ended string, array and integer in a schema a bound, so a constrained
/// reply always ends within its token budget (a small model will otherwise repeat itself
/// inside a string until the budget runs out).
pub fn bound(schema: &mut Value) {
    match schema {
        Value::Object(o) => {
            let is = |t: &str, o: &serde_json::Map<String, Value>| {
                o.get("type").is_some_and(|x| {
                    x == t || x.as_array().is_some_and(|a| a.iter().any(|y| y == t))
                })
            };
            let fixed = o.contains_key("enum") || o.contains_key("const");
            if is("string", o) && !fixed && !o.contains_key("maxLength") {
                o.insert("maxLength".into(), json!(120));
            }
            if is("array", o) && !o.contains_key("maxItems") {
                o.insert("maxItems".into(), json!(8));
            }
            if is("integer", o) && !fixed {
                o.entry("minimum").or_insert(json!(-1_000_000));
                o.entry("maximum").or_insert(json!(1_000_000));
            }
            for v in o.values_mut() {
                bound(v);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(bound),
        _ => {}
    }
}

/// The schema one reply must satisfy: a call of an offered tool, or the final answer.
pub fn reply_schema(tools: &[ToolDef], answer: Option<&Value>) -> Option<Value> {
    let mut options: Vec<Value> = tools
        .iter()
        .map(|t| {
            let mut args = t.input_schema.clone();
            bound(&mut args);
            if let Some(o) = args.as_object_mut() {
                o.remove("$schema");
                o.remove("title");
                if o.contains_key("properties") {
                    o.insert("additionalProperties".into(), json!(false));
                }
            }
            json!({
                "type": "object",
                "properties": {"tool": {"const": t.name}, "arguments": args},
                "required": ["tool", "arguments"],
                "additionalProperties": false
            })
        })
        .collect();
    if let Some(a) = answer {
        options.push(a.clone());
    }
    match options.len() {
        0 => None,
        1 => options.pop(),
        _ => Some(json!({"anyOf": options})),
    }
}

/// Map the conversation onto roles every chat template knows, and describe the reply format.
pub fn template_messages(req: &ChatRequest, compact: bool) -> Vec<TemplateMessage> {
    let mut out: Vec<TemplateMessage> = Vec::with_capacity(req.messages.len());
    for m in &req.messages {
        let (role, content) = match m.role {
            Role::System => ("system", m.content.clone()),
            Role::User => ("user", m.content.clone()),
            Role::Assistant => ("assistant", m.content.clone()),
            Role::Tool => ("user", format!("Tool result:\n{}", m.content)),
        };
        out.push(TemplateMessage {
            role: role.into(),
            content,
        });
    }
    if !req.tools.is_empty() {
        let howto = format!(
            "\n\nTools you may call (read-only):\n{}\nTo call one, reply {{\"tool\":\"NAME\",\"arguments\":{{...}}}}. Otherwise reply with the final JSON answer.",
            tool_lines(&req.tools, compact)
        );
        match out.first_mut() {
            Some(first) if first.role == "system" => first.content.push_str(&howto),
            _ => out.insert(
                0,
                TemplateMessage {
                    role: "system".into(),
                    content: howto.trim_start().to_string(),
                },
            ),
        }
    }
    out
}

/// Sets the flag when dropped: a chat future dropped mid-generation stops the engine.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Below this many parameters a local model advises and does not re-rank.
pub const RERANK_MIN_PARAMS: u64 = 3_000_000_000;

impl ChatModel for LocalModel {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn may_rerank(&self) -> bool {
        self.params >= RERANK_MIN_PARAMS
    }

    async fn chat(&self, req: &ChatRequest) -> Result<(ChatReply, ChatUsage), ModelError> {
        let engine = self.engine.clone();
        let grammars = self.grammars.clone();
        let stats = self.stats.clone();
        let sampler = self.sampler;
        let progress = self.progress;
        let cancel = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(cancel.clone());
        let req = req.clone();
        let meter = self.meter.clone();
        let prompt_cache = self.prompt_cache.clone();
        let tool_names: Vec<String> = if req.answer_only {
            Vec::new()
        } else {
            req.tools.iter().map(|t| t.name.clone()).collect()
        };
        let task = tokio::task::spawn_blocking(move || {
            let mut e = match engine.lock() {
                Ok(e) => e,
                Err(p) => p.into_inner(),
            };
            let messages = template_messages(&req, true);
            let prompt = e.prompt_tokens(&messages)?;
            // The system prompt is the same for every investigation: a new process restores
            // its keys and values from disk instead of prefilling it again.
            let prefix = e.first_message_tokens(&messages, &prompt);
            e.prefix_boundary = prefix;
            let mut save_prefix_to = None;
            if let Some(dir) = &prompt_cache
                && prefix >= MIN_CACHED_PREFIX
                && e.cached_len() == 0
            {
                let path = e.prefix_path(dir, &prompt[..prefix]);
                match e.restore_prefix(&prompt[..prefix], &path) {
                    Ok(true) => {
                        tracing::info!(tokens = prefix, path = %path.display(), "system prompt restored from the prompt cache");
                    }
                    Ok(false) => save_prefix_to = Some(path),
                    Err(err) => {
                        tracing::warn!(%err, "prompt cache not usable; prefilling the system prompt");
                        save_prefix_to = Some(path);
                    }
                }
            }
            let offered: &[ToolDef] = if req.answer_only { &[] } else { &req.tools };
            let constraint = match reply_schema(offered, req.response_schema.as_ref()) {
                Some(schema) => Some(grammars.json(&schema)?),
                None => None,
            };
            let constrained = constraint.is_some();
            let mut shown = false;
            let on_event = req.on_event.clone();
            let mut report = |p: Progress<'_>| {
                if let Some(on) = &on_event {
                    (on.0)(match p {
                        Progress::Prefill { done, total } => ModelEvent::Prefill { done, total },
                        Progress::Token(t) => ModelEvent::Token(t),
                    });
                    return;
                }
                if !progress {
                    return;
                }
                if let Progress::Prefill { done, total } = p {
                    eprint!("\r  model: reading {done}/{total} prompt tokens ");
                    shown = true;
                }
            };
            let how = GenOptions {
                max_tokens: req.max_tokens,
                sampler,
                stop: &[],
            };
            let before = meter.read();
            let g = e.generate(&prompt, &how, constraint, &mut report, &cancel)?;
            if let Some(path) = save_prefix_to {
                match e.save_prefix(prefix, &path) {
                    Ok(true) => {
                        tracing::info!(tokens = prefix, path = %path.display(), "system prompt saved to the prompt cache");
                        if let Some(dir) = path.parent() {
                            prune_prompt_cache(dir, PROMPT_CACHE_FILES);
                        }
                    }
                    Ok(false) => {}
                    Err(err) => {
                        tracing::warn!(%err, "could not save the system prompt to the prompt cache")
                    }
                }
            }
            if shown {
                eprint!("\r{:60}\r", "");
            }
            tracing::info!(
                prompt = g.prompt_tokens,
                prefilled = g.prefilled,
                completion = g.completion_tokens,
                prefill_tok_s = g.prefilled as f64 / g.prefill_secs.max(1e-9),
                decode_tok_s = g.completion_tokens as f64 / g.decode_secs.max(1e-9),
                stop = g.stop,
                "generation"
            );
            tracing::debug!(reply = %g.text, "model reply");
            if let Ok(mut s) = stats.lock() {
                s.calls += 1;
                s.prompt_tokens += g.prompt_tokens;
                s.prefilled_tokens += g.prefilled;
                s.completion_tokens += g.completion_tokens;
                s.prefill_secs += g.prefill_secs;
                s.decode_secs += g.decode_secs;
            }
            let seconds = g.prefill_secs + g.decode_secs;
            let usage = ChatUsage {
                prompt_tokens: g.prompt_tokens,
                completion_tokens: g.completion_tokens,
                seconds,
                energy_j: Some(meter.joules(before, seconds)),
                energy_source: Some(meter.source()),
            };
            if constrained && g.stop == "max-tokens" {
                return Err(ModelError::BadReply {
                    reason: format!(
                        "ran out of tokens ({}) before the JSON was complete",
                        g.completion_tokens
                    ),
                    usage: Box::new(usage),
                });
            }
            Ok((g.text, usage))
        });
        let (text, usage) = task
            .await
            .map_err(|e| ModelError::Inference(format!("engine task: {e}")))??;
        match parse_reply(&text, &tool_names) {
            Ok(reply) => Ok((reply, usage)),
            Err(ModelError::BadReply { reason, .. }) => Err(ModelError::BadReply {
                reason,
                usage: Box::new(usage),
            }),
            Err(e) => Err(e),
        }
    }
}

/// A decoded reply: a tool call when it names an offered tool, else the final answer.
pub fn parse_reply(text: &str, tools: &[String]) -> Result<ChatReply, ModelError> {
    let v: Value = match serde_json::from_str(text.trim()) {
        Ok(v) => v,
        // Unconstrained replies (no schema) are plain text.
        Err(_) if tools.is_empty() => return Ok(ChatReply::Final(text.to_string())),
        Err(e) => {
            return Err(ModelError::BadReply {
                reason: format!("not JSON ({e}): {}", tools::budget::clip(text, 200)),
                usage: Box::default(),
            });
        }
    };
    if let Some(name) = v.get("tool").and_then(Value::as_str)
        && tools.iter().any(|t| t == name)
    {
        return Ok(ChatReply::ToolCall {
            name: name.to_string(),
            arguments: v.get("arguments").cloned().unwrap_or_else(|| json!({})),
        });
    }
    Ok(ChatReply::Final(text.to_string()))
}
