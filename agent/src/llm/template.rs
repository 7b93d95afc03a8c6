//! Chat formatting from the GGUF's own `tokenizer.chat_template`, rendered with minijinja (a
//! real Jinja engine, with Python string methods), and a fallback per family when a file has
//! no template or one minijinja cannot render.

use minijinja::{Environment, ErrorKind, context};
use serde::Serialize;

use crate::model::ModelError;

/// One message as templates expect it.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateMessage {
    pub role: String,
    pub content: String,
}

/// A chat template ready to render.
#[derive(Debug)]
pub struct ChatTemplate {
    source: String,
    /// Where the template came from, for `ktriage model info`.
    pub origin: &'static str,
    bos: String,
    eos: String,
}

/// ChatML: SmolLM2, Qwen and many fine-tunes.
const CHATML: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
/// Llama 3.
const LLAMA3: &str = "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
/// Gemma (no system role: it is folded into the first user turn).
const GEMMA: &str = "{{ bos_token }}{% for message in messages %}{% set role = 'model' if message['role'] == 'assistant' else 'user' %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}";
/// Mistral / Llama 2 instruct.
const INST: &str = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}{% else %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}";

impl ChatTemplate {
    /// The file's template, or the fallback for its architecture and vocabulary.
    pub fn new(
        from_file: Option<String>,
        architecture: &str,
        has_token: impl Fn(&str) -> bool,
        bos: String,
        eos: String,
    ) -> Self {
        if let Some(source) = from_file.filter(|s| !s.trim().is_empty()) {
            let t = Self {
                source,
                origin: "the GGUF file's tokenizer.chat_template",
                bos: bos.clone(),
                eos: eos.clone(),
            };
            let probe = [
                TemplateMessage {
                    role: "system".into(),
                    content: "ping".into(),
                },
                TemplateMessage {
                    role: "user".into(),
                    content: "ping".into(),
                },
            ];
            match t.render(&probe, true) {
                Ok(_) => return t,
                Err(e) => {
                    tracing::warn!(error = %e, "the model's chat template does not render; using the family fallback")
                }
            }
        }
        let (source, origin) = if has_token("<|im_start|>") {
            (CHATML, "fallback: ChatML")
        } else if has_token("<|start_header_id|>") {
            (LLAMA3, "fallback: Llama 3")
        } else if has_token("<start_of_turn>") || architecture.starts_with("gemma") {
            (GEMMA, "fallback: Gemma")
        } else {
            (INST, "fallback: [INST]")
        };
        Self {
            source: source.to_string(),
            origin,
            bos,
            eos,
        }
    }

    /// Render a conversation. Roles a template does not know (`tool`) are mapped by the caller.
    pub fn render(
        &self,
        messages: &[TemplateMessage],
        add_generation_prompt: bool,
    ) -> Result<String, ModelError> {
        let mut env = Environment::new();
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> Result<String, minijinja::Error> {
                Err(minijinja::Error::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_function("strftime_now", |fmt: String| -> String {
            jiff::Zoned::now().strftime(&fmt).to_string()
        });
        env.add_template("chat", &self.source)
            .map_err(|e| ModelError::Unsupported(format!("chat template: {e}")))?;
        let tmpl = env
            .get_template("chat")
            .map_err(|e| ModelError::Unsupported(format!("chat template: {e}")))?;
        tmpl.render(context! {
            messages => minijinja::Value::from(minijinja::value::Serde(messages)),
            add_generation_prompt => add_generation_prompt,
            bos_token => self.bos.clone(),
            eos_token => self.eos.clone(),
        })
        .map_err(|e| ModelError::Unsupported(format!("chat template: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs() -> Vec<TemplateMessage> {
        vec![
            TemplateMessage {
                role: "system".into(),
                content: "S".into(),
            },
            TemplateMessage {
                role: "user".into(),
                content: "U".into(),
            },
        ]
    }

    #[test]
    fn chatml_fallback_renders_generation_prompt() {
        let t = ChatTemplate::new(None, "llama", |t| t == "<|im_start|>", "".into(), "".into());
        assert_eq!(t.origin, "fallback: ChatML");
        let s = t.render(&msgs(), true).expect("renders");
        assert_eq!(
            s,
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn python_methods_and_raise_exception_work() {
        let src = "{% if messages[0]['role'] != 'system' %}{{ raise_exception('first must be system') }}{% endif %}{{ messages[1]['content'].strip().upper() }}";
        let t = ChatTemplate::new(Some(src.into()), "llama", |_| false, "".into(), "".into());
        assert_eq!(t.origin, "the GGUF file's tokenizer.chat_template");
        assert_eq!(t.render(&msgs(), false).expect("renders"), "U");
        let bad = [TemplateMessage {
            role: "user".into(),
            content: "x".into(),
        }];
        let e = t.render(&bad, false).expect_err("raises");
        assert!(e.to_string().contains("first must be system"), "{e}");
    }

    #[test]
    fn broken_template_falls_back() {
        let t = ChatTemplate::new(
            Some("{% for %}".into()),
            "gemma3",
            |_| false,
            "<bos>".into(),
            "".into(),
        );
        assert_eq!(t.origin, "fallback: Gemma");
        assert!(
            t.render(&msgs(), true)
                .expect("renders")
                .starts_with("<bos><start_of_turn>user\nS")
        );
    }
}
