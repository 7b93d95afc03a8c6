//! Output budgets. Every tool renders into a [`Budget`]ed writer that stops adding lines when the
//! budget is spent and records what it left out, so every answer says when and how it was cut.

/// Roughly four characters per token for the English-and-YAML mix tools print; the estimate is
/// deliberately simple and conservative (it never undercounts dense text by much).
pub const CHARS_PER_TOKEN: usize = 4;

/// Default output budget per tool call, in estimated tokens.
pub const DEFAULT_TOKENS: usize = 2_000;

/// The most tokens a caller may ask one tool call for.
pub const MAX_TOKENS: usize = 16_000;

/// Estimated tokens in `text`.
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(CHARS_PER_TOKEN)
}

/// A budget in estimated tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub tokens: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            tokens: DEFAULT_TOKENS,
        }
    }
}

impl Budget {
    pub fn tokens(tokens: usize) -> Self {
        Self {
            tokens: tokens.clamp(100, MAX_TOKENS),
        }
    }

    pub fn bytes(&self) -> usize {
        self.tokens * CHARS_PER_TOKEN
    }
}

/// A text writer that respects a budget. Lines that do not fit are counted, not written.
#[derive(Debug)]
pub struct Writer {
    out: String,
    limit: usize,
    /// Lines left out, by section.
    dropped: Vec<(String, usize)>,
    section: String,
    /// Room kept for the closing notes.
    reserve: usize,
}

impl Writer {
    pub fn new(budget: Budget) -> Self {
        Self {
            out: String::new(),
            limit: budget.bytes(),
            dropped: Vec::new(),
            section: String::new(),
            reserve: 240,
        }
    }

    /// Name the section subsequent lines belong to (used in the "cut" note).
    pub fn section(&mut self, name: &str) {
        self.section = name.to_string();
    }

    /// Whether another line of `len` bytes still fits.
    pub fn fits(&self, len: usize) -> bool {
        self.out.len() + len + 1 + self.reserve <= self.limit
    }

    /// Bytes still free for lines (the closing note's room excluded).
    pub fn remaining(&self) -> usize {
        self.limit.saturating_sub(self.out.len() + self.reserve)
    }

    /// Add a line if it fits; returns whether it was written.
    pub fn line(&mut self, line: impl AsRef<str>) -> bool {
        let line = line.as_ref();
        if self.fits(line.len()) {
            self.out.push_str(line);
            self.out.push('\n');
            true
        } else {
            self.drop_lines(1);
            false
        }
    }

    /// Count lines left out without trying to write them.
    pub fn drop_lines(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        match self.dropped.last_mut() {
            Some((s, c)) if *s == self.section => *c += n,
            _ => self.dropped.push((self.section.clone(), n)),
        }
    }

    pub fn was_cut(&self) -> bool {
        !self.dropped.is_empty()
    }

    /// Finish, appending a note on what was cut and `how_to_narrow` when anything was.
    pub fn finish(mut self, how_to_narrow: &str) -> String {
        if !self.dropped.is_empty() {
            let parts: Vec<String> = self
                .dropped
                .iter()
                .map(|(s, n)| {
                    if s.is_empty() {
                        format!("{n} lines")
                    } else {
                        format!("{n} {s}")
                    }
                })
                .collect();
            self.out.push_str(&format!(
                "[cut to fit the {}-token budget: {} not shown; {how_to_narrow}]\n",
                self.limit / CHARS_PER_TOKEN,
                parts.join(", ")
            ));
        }
        self.out
    }
}

/// Truncate `s` to at most `max` bytes on a char boundary, marking the cut with `…`.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut cut = max.saturating_sub(3);
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

/// Cut `s` to about `max` bytes keeping its start and its end: an error wrapped the Go way
/// ("failed to pull: failed to resolve: failed to authorize: ...: 401 Unauthorized") says what
/// failed first and why last.
pub fn clip_middle(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(3);
    let mut head = keep / 2;
    while head > 0 && !s.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = s.len() - (keep - head);
    while tail < s.len() && !s.is_char_boundary(tail) {
        tail += 1;
    }
    format!("{}…{}", &s[..head], &s[tail..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_middle_keeps_both_ends() {
        let s = format!(
            "Failed to pull image: {}: 401 Unauthorized",
            "x".repeat(400)
        );
        let c = clip_middle(&s, 120);
        assert!(
            c.starts_with("Failed to pull image") && c.ends_with("401 Unauthorized"),
            "{c}"
        );
        assert!(c.len() <= 120 + 3, "{}", c.len());
        assert_eq!(clip_middle("short", 10), "short");
        let wide = "é".repeat(100);
        assert!(clip_middle(&wide, 51).chars().count() < 30);
    }

    #[test]
    fn writer_stops_and_says_so() {
        let mut w = Writer::new(Budget::tokens(100));
        w.section("pods");
        for i in 0..200 {
            w.line(format!("pod-{i} Running"));
        }
        let out = w.finish("filter by namespace");
        assert!(out.len() <= 400 + 200, "{}", out.len());
        assert!(out.contains("pods not shown; filter by namespace"));
        assert!(out.starts_with("pod-0 Running\n"));
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("héllo wörld", 6), "hé…");
        assert_eq!(clip("short", 10), "short");
    }
}
