//! [`OpenAiModel`]: any OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp's server,
//! Ollama, TGI). Replies are requested under the same JSON schema the local engine enforces
//! (`response_format: json_schema`), streamed over SSE, retried with backoff on 429/5xx and
//! connection failures, and bounded by a timeout. A server that returns native `tool_calls`
//! is understood too.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::local::{parse_reply, reply_schema, template_messages};
use crate::model::{ChatModel, ChatReply, ChatRequest, ChatUsage, ModelError};

/// Settings of an OpenAI-compatible backend.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// Base URL ending in `/v1`.
    pub url: String,
    pub model: String,
    pub api_key_file: Option<PathBuf>,
    pub timeout: Duration,
    /// Attempts per request (first try included).
    pub attempts: u32,
    /// Send `response_format` with the reply schema (turn off for servers that reject it).
    pub json_schema: bool,
}

/// An OpenAI-compatible endpoint.
#[derive(Debug)]
pub struct OpenAiModel {
    cfg: OpenAiConfig,
    key: Option<String>,
    http: reqwest::Client,
    /// How the reply schema is sent: 0 `json_schema` (OpenAI, vLLM, llama.cpp's server),
    /// 1 `json_object` with `schema` (llama-cpp-python), 2 not at all. A server that refuses
    /// one form is asked with the next, once, and remembered.
    format: std::sync::atomic::AtomicU8,
}

impl OpenAiModel {
    pub fn new(cfg: OpenAiConfig) -> Result<Self, ModelError> {
        if !(cfg.url.starts_with("http://") || cfg.url.starts_with("https://")) {
            return Err(ModelError::Unavailable(format!(
                "--llm-url {}: expected http(s)://host:port/v1",
                cfg.url
            )));
        }
        let key = match &cfg.api_key_file {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .map_err(|e| {
                        ModelError::Unavailable(format!("--llm-api-key-file {}: {e}", p.display()))
                    })?
                    .trim()
                    .to_string(),
            ),
            None => None,
        };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ModelError::Unavailable(format!("HTTP client: {e}")))?;
        let format = std::sync::atomic::AtomicU8::new(if cfg.json_schema { 0 } else { 2 });
        Ok(Self {
            cfg,
            key,
            http,
            format,
        })
    }

    fn body(&self, req: &ChatRequest) -> Value {
        let messages: Vec<Value> = template_messages(req, false)
            .into_iter()
            .map(|m| json!({"role": m.role, "content": m.content}))
            .collect();
        let mut body = json!({
            "model": self.cfg.model,
            "messages": messages,
            "max_tokens": req.max_tokens,
            "temperature": 0,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        let format = self.format.load(std::sync::atomic::Ordering::Relaxed);
        if format < 2
            && let Some(schema) = reply_schema(
                if req.answer_only { &[] } else { &req.tools },
                req.response_schema.as_ref(),
            )
        {
            body["response_format"] = if format == 0 {
                json!({
                    "type": "json_schema",
                    "json_schema": {"name": "reply", "schema": schema, "strict": true},
                })
            } else {
                json!({"type": "json_object", "schema": schema})
            };
        }
        body
    }

    /// One streamed request; `Err((retryable, error))`.
    async fn once(
        &self,
        body: &Value,
        on_event: Option<&crate::model::OnEvent>,
    ) -> Result<(String, Option<(String, Value)>, ChatUsage), (bool, ModelError, Option<Duration>)>
    {
        let url = format!("{}/chat/completions", self.cfg.url.trim_end_matches('/'));
        let mut rb = self.http.post(&url).json(body);
        if let Some(k) = &self.key {
            rb = rb.bearer_auth(k);
        }
        let mut resp = rb.send().await.map_err(|e| {
            let retry = e.is_connect() || e.is_timeout();
            (
                retry,
                ModelError::Unavailable(format!("{url}: {}", tools::error_chain(&e))),
                None,
            )
        })?;
        let status = resp.status();
        if !status.is_success() {
            let after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs);
            let text = resp.text().await.unwrap_or_default();
            let retry = status.as_u16() == 429 || status.is_server_error();
            return Err((
                retry,
                ModelError::Unavailable(format!(
                    "{url} answered {status}: {}",
                    tools::budget::clip(&text, 300)
                )),
                after,
            ));
        }
        let mut buf: Vec<u8> = Vec::new();
        let mut content = String::new();
        let mut tool_name = String::new();
        let mut tool_args = String::new();
        let mut usage = ChatUsage::default();
        let mut done = false;
        while !done {
            let chunk = resp.chunk().await.map_err(|e| {
                (
                    true,
                    ModelError::Unavailable(format!(
                        "{url}: stream broke: {}",
                        tools::error_chain(&e)
                    )),
                    None,
                )
            })?;
            let Some(chunk) = chunk else { break };
            buf.extend_from_slice(&chunk);
            while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=nl).collect();
                let line = String::from_utf8_lossy(&line);
                let line = line.trim();
                let Some(data) = line.strip_prefix("data:") else {
                    continue;
                };
                let data = data.trim();
                if data == "[DONE]" {
                    done = true;
                    break;
                }
                let v: Value = serde_json::from_str(data).map_err(|e| {
                    (
                        false,
                        ModelError::BadReply {
                            reason: format!(
                                "bad SSE event ({e}): {}",
                                tools::budget::clip(data, 200)
                            ),
                            usage: Box::new(usage.clone()),
                        },
                        None,
                    )
                })?;
                if let Some(err) = v.get("error") {
                    return Err((
                        false,
                        ModelError::Unavailable(format!("{url}: {err}")),
                        None,
                    ));
                }
                if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
                    usage.prompt_tokens = u["prompt_tokens"].as_u64().unwrap_or(0) as usize;
                    usage.completion_tokens = u["completion_tokens"].as_u64().unwrap_or(0) as usize;
                }
                let delta = &v["choices"][0]["delta"];
                if let Some(c) = delta["content"].as_str() {
                    content.push_str(c);
                    if let Some(on) = on_event {
                        (on.0)(crate::model::ModelEvent::Token(c));
                    }
                }
                if let Some(calls) = delta["tool_calls"].as_array() {
                    for c in calls {
                        if let Some(n) = c["function"]["name"].as_str() {
                            tool_name.push_str(n);
                        }
                        if let Some(a) = c["function"]["arguments"].as_str() {
                            tool_args.push_str(a);
                        }
                    }
                }
            }
        }
        let native = if tool_name.is_empty() {
            None
        } else {
            let args = serde_json::from_str(&tool_args).unwrap_or_else(|_| json!({}));
            Some((tool_name, args))
        };
        Ok((content, native, usage))
    }
}

impl ChatModel for OpenAiModel {
    fn name(&self) -> String {
        format!("{} at {}", self.cfg.model, self.cfg.url)
    }

    async fn chat(&self, req: &ChatRequest) -> Result<(ChatReply, ChatUsage), ModelError> {
        let mut body = self.body(req);
        let started = Instant::now();
        let mut attempt = 0;
        let (content, native, mut usage) = loop {
            attempt += 1;
            match self.once(&body, req.on_event.as_ref()).await {
                Ok(r) => break r,
                Err((_, e, _))
                    if body.get("response_format").is_some()
                        && e.to_string().contains("response_format") =>
                {
                    let next = self
                        .format
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                        + 1;
                    tracing::warn!(error = %e, "the endpoint refused this response_format; trying the next form");
                    if next >= 2 {
                        tracing::warn!(
                            "the endpoint takes no JSON schema: replies are parsed unconstrained"
                        );
                    }
                    body = self.body(req);
                    attempt -= 1;
                }
                Err((retry, e, after)) if retry && attempt < self.cfg.attempts.max(1) => {
                    let wait = after.unwrap_or(Duration::from_millis(500 * (1 << (attempt - 1))));
                    tracing::warn!(error = %e, attempt, wait_ms = wait.as_millis() as u64, "model endpoint failed; retrying");
                    tokio::time::sleep(wait.min(Duration::from_secs(30))).await;
                }
                Err((_, e, _)) => return Err(e),
            }
        };
        usage.seconds = started.elapsed().as_secs_f64();
        if usage.prompt_tokens == 0 {
            usage.prompt_tokens = body["messages"]
                .as_array()
                .map(|m| {
                    m.iter()
                        .map(|x| {
                            tools::budget::estimate_tokens(x["content"].as_str().unwrap_or(""))
                        })
                        .sum()
                })
                .unwrap_or(0);
            usage.completion_tokens = tools::budget::estimate_tokens(&content);
        }
        if let Some((name, arguments)) = native {
            return Ok((ChatReply::ToolCall { name, arguments }, usage));
        }
        let names: Vec<String> = if req.answer_only {
            Vec::new()
        } else {
            req.tools.iter().map(|t| t.name.clone()).collect()
        };
        match parse_reply(&content, &names) {
            Ok(reply) => Ok((reply, usage)),
            Err(ModelError::BadReply { reason, .. }) => Err(ModelError::BadReply {
                reason,
                usage: Box::new(usage),
            }),
            Err(e) => Err(e),
        }
    }
}
