//! MCP prompts: the common entry points ("diagnose a failing workload", "why is the gateway
//! returning 5xx", "why is inference slow"), bundled from `prompts/mcp/*.md`. Each file has YAML
//! front matter (name, title, description, arguments) and a body with `{{argument}}` slots.

use serde::Deserialize;

use crate::{Error, Result};

const FILES: &[(&str, &str)] = &[
    (
        "diagnose-workload.md",
        include_str!("../../prompts/mcp/diagnose-workload.md"),
    ),
    (
        "gateway-5xx.md",
        include_str!("../../prompts/mcp/gateway-5xx.md"),
    ),
    (
        "slow-inference.md",
        include_str!("../../prompts/mcp/slow-inference.md"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpPrompt {
    pub name: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub arguments: Vec<PromptArg>,
    #[serde(skip)]
    pub body: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptArg {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub required: bool,
}

fn parse(file: &str, text: &str) -> Result<McpPrompt> {
    let err = |message: String| Error::Prompt {
        name: file.to_string(),
        message,
    };
    let rest = text
        .strip_prefix("---\n")
        .ok_or_else(|| err("must start with `---` front matter".into()))?;
    let (front, body) = rest
        .split_once("\n---\n")
        .ok_or_else(|| err("front matter is not closed by `---`".into()))?;
    let mut p: McpPrompt = serde_yaml::from_str(front).map_err(|e| err(e.to_string()))?;
    p.body = body.trim().to_string();
    Ok(p)
}

/// The bundled prompts.
pub fn bundled() -> Result<Vec<McpPrompt>> {
    FILES.iter().map(|(f, t)| parse(f, t)).collect()
}

impl McpPrompt {
    /// The body with every `{{name}}` slot filled; a missing optional argument reads "unknown".
    pub fn render(&self, args: &serde_json::Map<String, serde_json::Value>) -> Result<String> {
        let mut text = self.body.clone();
        for a in &self.arguments {
            let value = match args.get(&a.name) {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
                Some(v) if !v.is_null() && !v.is_string() => v.to_string(),
                _ if a.required => {
                    return Err(Error::Prompt {
                        name: self.name.clone(),
                        message: format!("argument `{}` is required ({})", a.name, a.description),
                    });
                }
                _ => "unknown".to_string(),
            };
            text = text.replace(&format!("{{{{{}}}}}", a.name), &value);
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_prompts_parse_and_fill() {
        let prompts = bundled().unwrap();
        assert_eq!(prompts.len(), 3);
        let p = prompts
            .iter()
            .find(|p| p.name == "diagnose-workload")
            .unwrap();
        let mut args = serde_json::Map::new();
        args.insert("namespace".into(), "payments".into());
        let text = p.render(&args).unwrap();
        assert!(text.contains("`payments`") && text.contains("`unknown`"));
        assert!(!text.contains("{{"));
        let err = p.render(&serde_json::Map::new()).unwrap_err().to_string();
        assert!(err.contains("namespace"), "{err}");
    }
}
