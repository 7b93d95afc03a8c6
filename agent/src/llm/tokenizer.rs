//! The tokenizer, built from the GGUF file's own metadata (`tokenizer.ggml.*`): no hub
//! download, no second tokenizer library.
//!
//! Two families are covered:
//! - byte-level BPE (`tokenizer.ggml.model = gpt2`: SmolLM2, Llama 3, Qwen 2/2.5/3), with the
//!   pre-tokenizer named by `tokenizer.ggml.pre` (the same split rules llama.cpp applies);
//! - SentencePiece (`tokenizer.ggml.model = llama`: Gemma, Llama 2, Mistral v0.1), scored
//!   merges with byte fallback.
//!
//! Special tokens (control and user-defined types) are recognised only in text the caller marks
//! as trusted (the rendered chat template); message contents are defanged before rendering so
//! that a log line containing `<|im_end|>` stays text (see [`Tokenizer::defang`]).

use std::collections::HashMap;
use std::sync::Mutex;

use candle_core::quantized::gguf_file;
use fancy_regex::Regex;

use crate::model::ModelError;

/// GGUF token types (llama.cpp's `llama_token_type`).
const TYPE_CONTROL: i32 = 3;
const TYPE_USER_DEFINED: i32 = 4;
const TYPE_BYTE: i32 = 6;

/// GPT-2's pre-tokenizer split.
const GPT2: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
/// Llama 3's.
const LLAMA3: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Qwen 2's (Llama 3's with single digits).
const QWEN2: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The split rules for a `tokenizer.ggml.pre` value, applied in order (each splits the pieces
/// the previous one left), as llama.cpp does.
fn pre_split_rules(pre: &str) -> Option<Vec<&'static str>> {
    Some(match pre {
        "gpt-2" | "gpt2" | "default" | "phi-2" | "jina-es" | "jina-de" => vec![GPT2],
        // Digits one by one, then GPT-2 (HF: Digits(individual) + ByteLevel).
        "smollm" | "starcoder" | "refact" | "codeshell" | "command-r" | "exaone" | "minerva-7b" => {
            vec![r"\p{N}", GPT2]
        }
        "llama-bpe" | "llama3" | "falcon3" | "smaug-bpe" | "dbrx" | "pixtral" => vec![LLAMA3],
        "qwen2" | "qwen35" | "deepseek-r1-qwen" | "megrez" | "hunyuan" => vec![QWEN2],
        _ => return None,
    })
}

enum Kind {
    /// Byte-level BPE: `merges[(left, right)] = (rank, merged)`.
    Bpe {
        merges: HashMap<(u32, u32), (u32, u32)>,
        /// The token of each byte's printable char; a few vocabularies leave out control bytes,
        /// which then encode as the unknown token.
        byte_token: [Option<u32>; 256],
        unk: Option<u32>,
        rules: Vec<Regex>,
    },
    /// SentencePiece: `scores[id]`, byte fallback tokens `<0xNN>`.
    Spm {
        scores: Vec<f32>,
        byte_token: [Option<u32>; 256],
        add_space_prefix: bool,
    },
}

/// A tokenizer read from a GGUF file.
pub struct Tokenizer {
    kind: Kind,
    /// Vocabulary strings as stored.
    tokens: Vec<String>,
    /// What each token decodes to.
    bytes: Vec<Vec<u8>>,
    ids: HashMap<String, u32>,
    /// Special tokens, longest first, for matching in trusted text.
    specials: Vec<(String, u32)>,
    /// User-defined whitespace tokens, longest first, matched in any text (as llama.cpp does).
    whitespace: Vec<(String, u32)>,
    is_special: Vec<bool>,
    pub bos: Option<u32>,
    pub eos: u32,
    pub add_bos: bool,
    /// Tokens that end a turn besides `eos` (e.g. `<|eot_id|>`, `<end_of_turn>`).
    pub end_of_turn: Vec<u32>,
    cache: Mutex<HashMap<String, Vec<u32>>>,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("vocab", &self.tokens.len())
            .field("kind", &self.kind_name())
            .finish()
    }
}

fn md<'a>(
    metadata: &'a HashMap<String, gguf_file::Value>,
    key: &str,
) -> Result<&'a gguf_file::Value, ModelError> {
    metadata
        .get(key)
        .ok_or_else(|| ModelError::Unsupported(format!("the GGUF file has no `{key}`")))
}

fn md_u32(metadata: &HashMap<String, gguf_file::Value>, key: &str) -> Option<u32> {
    metadata.get(key).and_then(|v| v.to_u32().ok())
}

fn md_bool(metadata: &HashMap<String, gguf_file::Value>, key: &str) -> Option<bool> {
    metadata.get(key).and_then(|v| v.to_bool().ok())
}

fn strings(v: &gguf_file::Value, key: &str) -> Result<Vec<String>, ModelError> {
    let bad = || ModelError::Unsupported(format!("`{key}` is not an array of strings"));
    v.to_vec()
        .map_err(|_| bad())?
        .iter()
        .map(|s| s.to_string().map(|s| s.to_string()).map_err(|_| bad()))
        .collect()
}

/// GPT-2's reversible byte → printable char mapping.
fn byte_to_char() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut n = 0u32;
    for b in 0..=255u32 {
        let printable = (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || b >= 0xae;
        let c = if printable {
            b
        } else {
            n += 1;
            255 + n
        };
        table[b as usize] = char::from_u32(c).unwrap_or('\0');
    }
    table
}

impl Tokenizer {
    /// Build the tokenizer from a GGUF file's metadata.
    pub fn from_gguf(metadata: &HashMap<String, gguf_file::Value>) -> Result<Self, ModelError> {
        let model = md(metadata, "tokenizer.ggml.model")?
            .to_string()
            .map_err(|e| ModelError::Unsupported(e.to_string()))?
            .clone();
        let tokens = strings(
            md(metadata, "tokenizer.ggml.tokens")?,
            "tokenizer.ggml.tokens",
        )?;
        let types: Vec<i32> = match metadata.get("tokenizer.ggml.token_type") {
            Some(v) => v
                .to_vec()
                .map_err(|e| ModelError::Unsupported(e.to_string()))?
                .iter()
                .map(|t| t.to_i32().unwrap_or(1))
                .collect(),
            None => vec![1; tokens.len()],
        };
        let ids: HashMap<String, u32> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        // User-defined tokens made only of whitespace (Gemma's runs of spaces and newlines)
        // are text: llama.cpp matches them in any text, and they cannot start a turn.
        let whitespace_piece = |i: usize| {
            types.get(i) == Some(&TYPE_USER_DEFINED)
                && tokens[i]
                    .chars()
                    .all(|c| c.is_whitespace() || c == '\u{2581}')
        };
        let special_type = |i: usize| {
            matches!(
                types.get(i).copied(),
                Some(TYPE_CONTROL | TYPE_USER_DEFINED)
            ) && !whitespace_piece(i)
        };
        let is_special: Vec<bool> = (0..tokens.len()).map(special_type).collect();
        let listed = |keep: &dyn Fn(usize) -> bool| {
            let mut v: Vec<(String, u32)> = tokens
                .iter()
                .enumerate()
                .filter(|(i, t)| keep(*i) && !t.is_empty())
                .map(|(i, t)| (t.clone(), i as u32))
                .collect();
            v.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
            v
        };
        let specials = listed(&|i| is_special[i]);
        let whitespace = listed(&|i| whitespace_piece(i));

        let (kind, bytes) = match model.as_str() {
            "gpt2" => {
                let pre = metadata
                    .get("tokenizer.ggml.pre")
                    .and_then(|v| v.to_string().ok().cloned())
                    .unwrap_or_else(|| "default".into());
                let rules = pre_split_rules(&pre).ok_or_else(|| {
                    ModelError::Unsupported(format!(
                        "pre-tokenizer `{pre}` is not known to ktriage (known: smollm, gpt2, llama-bpe, qwen2 and their aliases)"
                    ))
                })?;
                let rules = rules
                    .into_iter()
                    .map(Regex::new)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ModelError::Unsupported(format!("pre-tokenizer regex: {e}")))?;
                let to_char = byte_to_char();
                let mut from_char: HashMap<char, u8> = HashMap::new();
                let mut byte_token = [None; 256];
                for (b, c) in to_char.iter().enumerate() {
                    from_char.insert(*c, b as u8);
                    byte_token[b] = ids.get(&c.to_string()).copied();
                }
                let merges_raw = strings(
                    md(metadata, "tokenizer.ggml.merges")?,
                    "tokenizer.ggml.merges",
                )?;
                let mut merges = HashMap::with_capacity(merges_raw.len());
                for (rank, m) in merges_raw.iter().enumerate() {
                    let Some((a, b)) = m.split_once(' ') else {
                        continue;
                    };
                    if let (Some(&l), Some(&r), Some(&id)) =
                        (ids.get(a), ids.get(b), ids.get(&format!("{a}{b}")))
                    {
                        merges.entry((l, r)).or_insert((rank as u32, id));
                    }
                }
                let bytes = tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        if is_special[i] {
                            t.as_bytes().to_vec()
                        } else {
                            t.chars()
                                .map(|c| from_char.get(&c).copied())
                                .collect::<Option<Vec<u8>>>()
                                .unwrap_or_else(|| t.as_bytes().to_vec())
                        }
                    })
                    .collect();
                (
                    Kind::Bpe {
                        merges,
                        byte_token,
                        unk: md_u32(metadata, "tokenizer.ggml.unknown_token_id"),
                        rules,
                    },
                    bytes,
                )
            }
            "llama" => {
                let scores: Vec<f32> = match metadata.get("tokenizer.ggml.scores") {
                    Some(v) => v
                        .to_vec()
                        .map_err(|e| ModelError::Unsupported(e.to_string()))?
                        .iter()
                        .map(|s| s.to_f32().unwrap_or(0.0))
                        .collect(),
                    None => vec![0.0; tokens.len()],
                };
                let mut byte_token = [None; 256];
                let mut bytes = Vec::with_capacity(tokens.len());
                for (i, t) in tokens.iter().enumerate() {
                    if types.get(i) == Some(&TYPE_BYTE)
                        && let Some(hex) = t.strip_prefix("<0x").and_then(|h| h.strip_suffix('>'))
                        && let Ok(b) = u8::from_str_radix(hex, 16)
                    {
                        byte_token[b as usize] = Some(i as u32);
                        bytes.push(vec![b]);
                    } else {
                        bytes.push(t.replace('\u{2581}', " ").into_bytes());
                    }
                }
                (
                    Kind::Spm {
                        scores,
                        byte_token,
                        add_space_prefix: md_bool(metadata, "tokenizer.ggml.add_space_prefix")
                            .unwrap_or(true),
                    },
                    bytes,
                )
            }
            other => {
                return Err(ModelError::Unsupported(format!(
                    "tokenizer model `{other}` (ktriage reads gpt2 byte-level BPE and llama SentencePiece)"
                )));
            }
        };

        let eos = md_u32(metadata, "tokenizer.ggml.eos_token_id").ok_or_else(|| {
            ModelError::Unsupported("the GGUF file has no tokenizer.ggml.eos_token_id".into())
        })?;
        let bos = md_u32(metadata, "tokenizer.ggml.bos_token_id");
        let add_bos = md_bool(metadata, "tokenizer.ggml.add_bos_token")
            .unwrap_or(matches!(kind, Kind::Spm { .. }));
        let mut end_of_turn: Vec<u32> = Vec::new();
        if let Some(t) = md_u32(metadata, "tokenizer.ggml.eot_token_id") {
            end_of_turn.push(t);
        }
        for name in ["<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|endoftext|>"] {
            if let Some(&id) = ids.get(name)
                && is_special[id as usize]
                && !end_of_turn.contains(&id)
            {
                end_of_turn.push(id);
            }
        }
        Ok(Self {
            kind,
            tokens,
            bytes,
            ids,
            specials,
            whitespace,
            is_special,
            bos,
            eos,
            add_bos,
            end_of_turn,
            cache: Mutex::new(HashMap::new()),
        })
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Bpe { .. } => "byte-level BPE",
            Kind::Spm { .. } => "SentencePiece",
        }
    }

    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    pub fn token_id(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    pub fn is_special(&self, id: u32) -> bool {
        self.is_special.get(id as usize).copied().unwrap_or(false)
    }

    /// What one token decodes to (special tokens decode to their text).
    pub fn token_bytes(&self, id: u32) -> &[u8] {
        self.bytes
            .get(id as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every token's bytes, for the constraint's token trie.
    pub fn all_token_bytes(&self) -> impl Iterator<Item = (&[u8], bool)> {
        self.bytes
            .iter()
            .zip(&self.is_special)
            .map(|(b, s)| (b.as_slice(), *s))
    }

    /// Make untrusted text unable to produce special tokens: a zero-width space after the
    /// first character of every special token spelled inside it.
    pub fn defang(&self, text: &str) -> String {
        if !self.specials.iter().any(|(s, _)| text.contains(s.as_str())) {
            return text.to_string();
        }
        let mut out = text.to_string();
        for (s, _) in &self.specials {
            if s.chars().count() > 1 && out.contains(s.as_str()) {
                let mut chars = s.chars();
                let first = chars.next().unwrap_or_default();
                let rest: String = chars.collect();
                out = out.replace(s.as_str(), &format!("{first}\u{200b}{rest}"));
            }
        }
        out
    }

    /// Tokenize trusted text: special tokens spelled in it become their ids.
    pub fn encode_with_specials(&self, text: &str) -> Vec<u32> {
        self.encode_fragments(text, true, true)
    }

    /// Tokenize text with no special tokens recognised, as the start of a sequence (a
    /// SentencePiece vocabulary that wants a space prefix gets one, as llama.cpp adds it).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        self.encode_fragments(text, false, true)
    }

    /// Tokenize text that continues a sequence: no special tokens, no space prefix.
    pub fn encode_continuation(&self, text: &str) -> Vec<u32> {
        self.encode_fragments(text, false, false)
    }

    /// Split `text` at the tokens matched whole (specials when `specials`, and whitespace
    /// tokens always) and tokenize the text between them. As in llama.cpp, a SentencePiece
    /// space prefix goes before text at the start (when `at_start`) and after a matched token.
    fn encode_fragments(&self, text: &str, specials: bool, at_start: bool) -> Vec<u32> {
        let mut out = Vec::new();
        let mut rest = text;
        let mut after_token = at_start;
        let whole = self
            .whitespace
            .iter()
            .chain(self.specials.iter().filter(|_| specials));
        while !rest.is_empty() {
            // The earliest match, the longest at a position.
            let mut best: Option<(usize, &str, u32)> = None;
            for (s, id) in whole.clone() {
                if let Some(pos) = rest.find(s.as_str())
                    && best.is_none_or(|(p, bs, _)| pos < p || (pos == p && s.len() > bs.len()))
                {
                    best = Some((pos, s.as_str(), *id));
                }
            }
            let Some((pos, s, id)) = best else {
                self.encode_plain_into(rest, after_token, &mut out);
                break;
            };
            if pos > 0 {
                self.encode_plain_into(&rest[..pos], after_token, &mut out);
            }
            out.push(id);
            after_token = true;
            rest = &rest[pos + s.len()..];
        }
        out
    }

    fn encode_plain_into(&self, text: &str, space_prefix: bool, out: &mut Vec<u32>) {
        match &self.kind {
            Kind::Bpe {
                merges,
                byte_token,
                unk,
                rules,
            } => {
                let mut pieces: Vec<&str> = vec![text];
                for rule in rules {
                    let mut next = Vec::with_capacity(pieces.len() * 2);
                    for p in pieces {
                        split_keep(rule, p, &mut next);
                    }
                    pieces = next;
                }
                let mut cache = match self.cache.lock() {
                    Ok(c) => c,
                    Err(p) => p.into_inner(),
                };
                if cache.len() > 50_000 {
                    cache.clear();
                }
                for p in pieces {
                    if let Some(ids) = cache.get(p) {
                        out.extend_from_slice(ids);
                        continue;
                    }
                    let ids = bpe(p.as_bytes(), merges, byte_token, *unk);
                    out.extend_from_slice(&ids);
                    cache.insert(p.to_string(), ids);
                }
            }
            Kind::Spm {
                scores,
                byte_token,
                add_space_prefix,
            } => {
                let mut s = String::with_capacity(text.len() + 3);
                if *add_space_prefix && space_prefix {
                    s.push('\u{2581}');
                }
                s.push_str(&text.replace(' ', "\u{2581}"));
                self.spm(&s, scores, byte_token, out);
            }
        }
    }

    /// SentencePiece BPE: merge the adjacent pair whose merged piece has the highest score.
    fn spm(&self, text: &str, scores: &[f32], byte_token: &[Option<u32>; 256], out: &mut Vec<u32>) {
        let mut syms: Vec<String> = text.chars().map(|c| c.to_string()).collect();
        loop {
            let mut best: Option<(usize, f32)> = None;
            for i in 0..syms.len().saturating_sub(1) {
                let merged = format!("{}{}", syms[i], syms[i + 1]);
                if let Some(&id) = self.ids.get(&merged) {
                    let sc = scores.get(id as usize).copied().unwrap_or(0.0);
                    if best.is_none_or(|(_, b)| sc > b) {
                        best = Some((i, sc));
                    }
                }
            }
            let Some((i, _)) = best else { break };
            let right = syms.remove(i + 1);
            syms[i].push_str(&right);
        }
        for s in syms {
            match self.ids.get(&s) {
                Some(&id) => out.push(id),
                None => {
                    for b in s.as_bytes() {
                        if let Some(id) = byte_token[*b as usize] {
                            out.push(id);
                        }
                    }
                }
            }
        }
    }

    /// Decode ids to text (invalid UTF-8 replaced).
    pub fn decode(&self, ids: &[u32]) -> String {
        let mut b = Vec::new();
        for &id in ids {
            b.extend_from_slice(self.token_bytes(id));
        }
        String::from_utf8_lossy(&b).into_owned()
    }

    /// The stored vocabulary string of a token (for diagnostics).
    pub fn token_text(&self, id: u32) -> &str {
        self.tokens
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Split `text` by `re`, keeping both the matches and the text between them, in order.
fn split_keep<'a>(re: &Regex, text: &'a str, out: &mut Vec<&'a str>) {
    let mut last = 0;
    for m in re.find_iter(text) {
        let Ok(m) = m else {
            // The regex engine gave up (backtrack limit): keep the rest whole.
            break;
        };
        if m.start() > last {
            out.push(&text[last..m.start()]);
        }
        if m.end() > m.start() {
            out.push(m.as_str());
        }
        last = m.end();
    }
    if last < text.len() {
        out.push(&text[last..]);
    }
}

/// Byte-level BPE over one pre-token: start from byte tokens, merge the lowest-ranked pair.
fn bpe(
    bytes: &[u8],
    merges: &HashMap<(u32, u32), (u32, u32)>,
    byte_token: &[Option<u32>; 256],
    unk: Option<u32>,
) -> Vec<u32> {
    let mut syms: Vec<u32> = bytes
        .iter()
        .filter_map(|b| byte_token[*b as usize].or(unk))
        .collect();
    loop {
        let mut best: Option<(usize, u32, u32)> = None;
        for i in 0..syms.len().saturating_sub(1) {
            if let Some(&(rank, id)) = merges.get(&(syms[i], syms[i + 1]))
                && best.is_none_or(|(_, r, _)| rank < r)
            {
                best = Some((i, rank, id));
            }
        }
        let Some((i, _, id)) = best else { break };
        syms[i] = id;
        syms.remove(i + 1);
    }
    syms
}
