//! Constrained decoding: llguidance compiles a JSON schema into a token-level grammar over our
//! own tokenizer (toktrie's `TokenizerEnv` implemented here, so no second tokenizer library is
//! compiled), and every sampled token must keep the output a prefix of a valid document. A
//! 135M model then cannot emit prose, broken JSON, an unknown tool or an invented evidence id.

use std::sync::Arc;

use llguidance::api::TopLevelGrammar;
use llguidance::{Matcher, ParserFactory};
use serde_json::Value;
use toktrie::{TokEnv, TokRxInfo, TokTrie, TokenizerEnv};

use super::tokenizer::Tokenizer;
use crate::model::ModelError;

struct Env {
    trie: TokTrie,
    tokenizer: Arc<Tokenizer>,
}

impl TokenizerEnv for Env {
    fn tok_trie(&self) -> &TokTrie {
        &self.trie
    }

    fn tokenize_bytes(&self, s: &[u8]) -> Vec<u32> {
        self.tokenizer
            .encode_continuation(&String::from_utf8_lossy(s))
    }
}

/// The per-model grammar compiler (build once per model: it indexes the vocabulary).
pub struct Grammars {
    factory: ParserFactory,
}

impl std::fmt::Debug for Grammars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Grammars")
    }
}

impl Grammars {
    pub fn new(tokenizer: Arc<Tokenizer>) -> Result<Self, ModelError> {
        let vocab = tokenizer.vocab_size();
        let mut words: Vec<Vec<u8>> = Vec::with_capacity(vocab);
        for (bytes, special) in tokenizer.all_token_bytes() {
            if special {
                let mut w = vec![TokTrie::SPECIAL_TOKEN_MARKER];
                w.extend_from_slice(bytes);
                words.push(w);
            } else {
                words.push(bytes.to_vec());
            }
        }
        let mut info = TokRxInfo::new(vocab as u32, tokenizer.eos);
        info.tok_bos = tokenizer.bos;
        info.tok_end_of_turn = tokenizer.end_of_turn.first().copied();
        let trie = TokTrie::from(&info, &words);
        let env: TokEnv = Arc::new(Env { trie, tokenizer });
        let factory = ParserFactory::new_simple(&env)
            .map_err(|e| ModelError::Inference(format!("grammar setup: {e}")))?;
        Ok(Self { factory })
    }

    /// A fresh constraint for one reply that must be JSON valid for `schema`.
    pub fn json(&self, schema: &Value) -> Result<Constraint, ModelError> {
        let mut schema = schema.clone();
        if let Some(obj) = schema.as_object_mut() {
            // Compact JSON (fewer tokens to decode); keywords llguidance cannot enforce are
            // ignored rather than refused (the verifier checks what matters afterwards).
            obj.insert(
                "x-guidance".into(),
                serde_json::json!({"item_separator": ",", "key_separator": ":", "whitespace_flexible": false, "lenient": true}),
            );
        }
        let grammar = TopLevelGrammar::from_json_schema(schema);
        let parser = self.factory.create_parser(grammar).map_err(|e| {
            ModelError::Inference(format!("schema does not compile to a grammar: {e}"))
        })?;
        Ok(Constraint {
            matcher: Matcher::new(Ok(parser)),
        })
    }
}

/// The grammar state of one reply.
pub struct Constraint {
    matcher: Matcher,
}

impl std::fmt::Debug for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Constraint")
    }
}

impl Constraint {
    /// Set every token the grammar forbids to -inf. `ends` are the model's end-of-turn
    /// tokens: allowed exactly when the document is complete. Returns false when the grammar
    /// is finished and nothing may follow.
    pub fn mask(&mut self, logits: &mut [f32], ends: &[u32]) -> Result<bool, ModelError> {
        if self.matcher.is_stopped() {
            return Ok(false);
        }
        let allowed = self
            .matcher
            .compute_mask()
            .map_err(|e| ModelError::Inference(format!("grammar: {e}")))?;
        let accepting = self.matcher.is_accepting().unwrap_or(false);
        let mut any = false;
        for (i, l) in logits.iter_mut().enumerate() {
            let id = i as u32;
            let ok = if ends.contains(&id) {
                accepting
            } else {
                // Output rows past the vocabulary (padding) are never allowed.
                i < allowed.len() && allowed.is_allowed(id)
            };
            if ok {
                any = true;
            } else {
                *l = f32::NEG_INFINITY;
            }
        }
        if !any {
            return Ok(false);
        }
        Ok(true)
    }

    /// Advance the grammar by the sampled token.
    pub fn commit(&mut self, token: u32) -> Result<(), ModelError> {
        self.matcher
            .consume_token(token)
            .map_err(|e| ModelError::Inference(format!("grammar rejected token {token}: {e}")))
    }

    /// The document is complete and nothing else may follow.
    pub fn finished(&self) -> bool {
        self.matcher.is_stopped()
    }
}
