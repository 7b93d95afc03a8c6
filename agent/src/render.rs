//! Renderers of a [`Diagnosis`]: terminal text (optionally coloured), Markdown, JSON, and Slack
//! Block Kit (for the incident bot). Evidence excerpts are always shown as quoted data.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::diagnosis::Diagnosis;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
    Slack,
}

pub fn render(d: &Diagnosis, format: Format, color: bool) -> String {
    match format {
        Format::Text => text(d, color),
        Format::Markdown => markdown(d),
        Format::Json => {
            serde_json::to_string_pretty(d).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        }
        Format::Slack => serde_json::to_string_pretty(&slack(d)).unwrap_or_default(),
    }
}

fn style(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn usage_line(d: &Diagnosis) -> String {
    let u = &d.usage;
    let mut s = format!(
        "{} tool calls, ~{} tokens of tool output read, {:.1} s, model: {}",
        u.tool_calls,
        u.tool_tokens,
        u.wall_ms as f64 / 1000.0,
        u.model
    );
    if u.prompt_tokens + u.completion_tokens > 0 {
        s.push_str(&format!(
            ", {} prompt + {} completion tokens in {:.1} s",
            u.prompt_tokens, u.completion_tokens, u.model_secs
        ));
    }
    if let Some(wh) = u.energy_wh {
        s.push_str(&format!(
            ", {wh:.3} Wh {}",
            u.energy_source.as_deref().unwrap_or("(source unknown)")
        ));
    }
    s
}

pub fn text(d: &Diagnosis, color: bool) -> String {
    let mut o = String::new();
    let h = |s: &str| style(color, "1", s);
    let _ = writeln!(o, "{} {}", h("Question:"), d.question);
    let _ = writeln!(o, "\n{}\n  {}", h("Summary"), d.summary);
    if !d.causes.is_empty() {
        let _ = writeln!(o, "\n{}", h("Root causes (most likely first)"));
    }
    for (i, c) in d.causes.iter().enumerate() {
        let tag = style(
            color,
            if i == 0 { "1;31" } else { "33" },
            &format!("[{}]", c.category),
        );
        let _ = writeln!(
            o,
            "  {}. {tag} {}  confidence {:.2}{}",
            i + 1,
            c.resource,
            c.confidence,
            if c.confirmed {
                ""
            } else {
                "  (UNCONFIRMED: its evidence does not check out)"
            }
        );
        let _ = writeln!(o, "     {}", c.statement);
        if !c.evidence.is_empty() {
            let _ = writeln!(o, "     evidence: {}", c.evidence.join(", "));
        }
    }
    if !d.evidence.is_empty() {
        let _ = writeln!(
            o,
            "\n{} {}",
            h("Evidence"),
            style(
                color,
                "2",
                "(quoted from the cluster; data, not instructions)"
            )
        );
    }
    for e in &d.evidence {
        let _ = writeln!(
            o,
            "  {} {} — {}{}",
            style(color, "36", &e.id),
            e.object,
            e.source,
            e.time
                .as_ref()
                .map(|t| format!(" @ {t}"))
                .unwrap_or_default()
        );
        let _ = writeln!(o, "      > {}", e.excerpt.replace('\n', " "));
    }
    if !d.timeline.is_empty() {
        let _ = writeln!(o, "\n{}", h("Timeline"));
        for t in &d.timeline {
            let _ = writeln!(
                o,
                "  {}  {}{}",
                t.time,
                t.what,
                t.evidence
                    .as_ref()
                    .map(|e| format!("  [{e}]"))
                    .unwrap_or_default()
            );
        }
    }
    if !d.next_steps.is_empty() {
        let _ = writeln!(
            o,
            "\n{} {}",
            h("Next steps"),
            style(
                color,
                "2",
                "(for a human to consider; ktriage runs nothing)"
            )
        );
        for s in &d.next_steps {
            let _ = writeln!(o, "  - {}", s.action);
            match &s.command {
                Some(c) if is_link(c) => {
                    let _ = writeln!(o, "      → {c}");
                }
                Some(c) => {
                    let _ = writeln!(o, "      $ {c}");
                }
                None => {}
            }
        }
    }
    if !d.ruled_out.is_empty() {
        let _ = writeln!(o, "\n{}", h("Set aside"));
        for r in d.ruled_out.iter().take(8) {
            let _ = writeln!(o, "  - {r}");
        }
        if d.ruled_out.len() > 8 {
            let _ = writeln!(o, "  ... {} more", d.ruled_out.len() - 8);
        }
    }
    if !d.gaps.is_empty() {
        let _ = writeln!(o, "\n{}", h("Could not check"));
        for g in &d.gaps {
            let _ = writeln!(o, "  - {g}");
        }
    }
    let _ = writeln!(o, "\n{}", style(color, "2", &usage_line(d)));
    o
}

fn md_code(s: &str) -> String {
    let fence = if s.contains("```") { "````" } else { "```" };
    format!("{fence}\n{s}\n{fence}")
}

pub fn markdown(d: &Diagnosis) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "## ktriage diagnosis\n\n**Question:** {}\n\n**Summary:** {}\n",
        d.question, d.summary
    );
    if !d.causes.is_empty() {
        let _ = writeln!(o, "### Root causes\n");
    }
    for (i, c) in d.causes.iter().enumerate() {
        let _ = writeln!(
            o,
            "{}. **`{}`** `{}` — confidence {:.2}{}  \n   {}  \n   Evidence: {}",
            i + 1,
            c.category,
            c.resource,
            c.confidence,
            if c.confirmed {
                ""
            } else {
                " — **unconfirmed**"
            },
            c.statement,
            c.evidence.join(", ")
        );
    }
    if !d.evidence.is_empty() {
        let _ = writeln!(o, "\n### Evidence (quoted from the cluster)\n");
        for e in &d.evidence {
            let _ = writeln!(
                o,
                "- **{}** `{}` — {}{}",
                e.id,
                e.object,
                e.source,
                e.time
                    .as_ref()
                    .map(|t| format!(" @ {t}"))
                    .unwrap_or_default()
            );
            let _ = writeln!(o, "\n{}\n", md_code(&e.excerpt));
        }
    }
    if !d.timeline.is_empty() {
        let _ = writeln!(o, "### Timeline\n");
        for t in &d.timeline {
            let _ = writeln!(
                o,
                "- `{}` {}{}",
                t.time,
                t.what,
                t.evidence
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
    }
    if !d.next_steps.is_empty() {
        let _ = writeln!(o, "\n### Next steps (for a human; ktriage runs nothing)\n");
        for s in &d.next_steps {
            let _ = writeln!(o, "- {}", s.action);
            match &s.command {
                Some(c) if is_link(c) => {
                    let _ = writeln!(o, "  <{c}>");
                }
                Some(c) => {
                    let _ = writeln!(o, "\n{}\n", md_code(c));
                }
                None => {}
            }
        }
    }
    if !d.ruled_out.is_empty() {
        let _ = writeln!(o, "\n### Set aside\n");
        for r in &d.ruled_out {
            let _ = writeln!(o, "- {r}");
        }
    }
    if !d.gaps.is_empty() {
        let _ = writeln!(o, "\n### Could not check\n");
        for g in &d.gaps {
            let _ = writeln!(o, "- {g}");
        }
    }
    let _ = writeln!(o, "\n_{}_", usage_line(d));
    o
}

/// Slack Block Kit: header, summary, one section per cause, next steps, a usage context line.
/// Texts are cut to Slack's 3,000-character limit and the block count stays under 50.
pub fn slack(d: &Diagnosis) -> Value {
    let cut = |s: &str| tools::budget::clip(s, 2900);
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&format!("ktriage: {}", tools::budget::clip(&d.question, 140)))}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&format!("*Summary:* {}", d.summary))}}),
    ];
    for (i, c) in d.causes.iter().enumerate().take(5) {
        let ev: Vec<String> = c
            .evidence
            .iter()
            .filter_map(|id| d.evidence.iter().find(|e| &e.id == id))
            .take(2)
            .map(|e| {
                format!(
                    "`{}` {}: ```{}```",
                    e.id,
                    e.object,
                    tools::budget::clip(&e.excerpt.replace("```", "'''"), 300)
                )
            })
            .collect();
        blocks.push(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&format!(
                "*{}. `{}`* `{}` ({:.2}{})\n{}\n{}",
                i + 1, c.category, c.resource, c.confidence,
                if c.confirmed { "" } else { ", unconfirmed" },
                c.statement, ev.join("\n")
            ))}}),
        );
    }
    if !d.next_steps.is_empty() {
        let steps: Vec<String> = d
            .next_steps
            .iter()
            .take(6)
            .map(|s| match &s.command {
                Some(c) if is_link(c) => format!("• {} <{}|open>", s.action, c.replace('|', "%7C")),
                Some(c) => format!("• {}\n```{}```", s.action, c.replace("```", "'''")),
                None => format!("• {}", s.action),
            })
            .collect();
        blocks.push(json!({"type": "divider"}));
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&format!("*Next steps* (for a human; ktriage runs nothing)\n{}", steps.join("\n")))}}));
    }
    blocks.push(
        json!({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(&usage_line(d))}]}),
    );
    json!({"text": cut(&d.summary), "blocks": blocks})
}

/// A next step's "command" that is a link to open (a Grafana panel), not a shell command.
fn is_link(c: &str) -> bool {
    c.starts_with("http://") || c.starts_with("https://")
}
