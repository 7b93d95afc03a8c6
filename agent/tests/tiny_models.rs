//! The engine on the other model families it loads (qwen2, qwen3, gemma3, and the llama
//! architecture with a SentencePiece vocabulary, as Mistral v0.1 and Llama 2 ship), checked
//! against llama.cpp. No such model can be fetched here, so `bench/tiny_gguf.py` writes tiny
//! ones with seeded random weights (`.ci/install-test-deps` runs it into
//! target/interop/tiny-gguf), and fixtures/tiny-gguf-reference.json holds llama.cpp's answers on
//! those exact files: their sha256, prompt ids, 16 greedy ids with the top-1/top-2 logit margin
//! of each step, and a tokenizer corpus.

mod common;

use std::path::PathBuf;

use agent::llm::engine::Engine;
use agent::llm::llama::Llama;
use agent::llm::{EngineOptions, WeightFormat};
use candle_core::Device;
use candle_core::quantized::gguf_file;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn reference() -> Value {
    serde_json::from_str(include_str!("fixtures/tiny-gguf-reference.json")).expect("fixture")
}

fn model(r: &Value, file: &str) -> (PathBuf, Value) {
    let dir = std::env::var_os("KTRIAGE_TINY_GGUF_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/interop/tiny-gguf"),
        PathBuf::from,
    );
    let path = dir.join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run .ci/install-test-deps (it runs bench/tiny_gguf.py)",
            path.display()
        )
    });
    let m = r["models"]
        .as_array()
        .expect("models")
        .iter()
        .find(|m| m["file"] == file)
        .unwrap_or_else(|| panic!("{file} is not in the fixture"))
        .clone();
    let sha = format!("{:x}", Sha256::digest(&bytes));
    assert_eq!(
        sha,
        m["sha256"].as_str().expect("sha256"),
        "{} is not the file llama.cpp answered on (another numpy or gguf version?); \
         rerun bench/tiny_gguf.py with --reference",
        path.display()
    );
    (path, m)
}

fn opts(weights: WeightFormat) -> EngineOptions {
    common::opts(weights, 256)
}

/// The prompt tokenizes as llama.cpp tokenizes it, and greedy decoding gives llama.cpp's ids for
/// at least the first `leading` of 16 steps. Random tiny models are chaotic: every step's top
/// two logits are at least 1.4 apart in llama.cpp's run, yet llama.cpp itself, with an f16
/// instead of an f32 KV cache, parts from its own f32 run at step 6 on mistral.gguf.
fn greedy_matches(file: &str, formats: &[WeightFormat], leading: usize) {
    let r = reference();
    let (path, m) = model(&r, file);
    for &format in formats {
        let mut e = Engine::load(&path, &opts(format))
            .unwrap_or_else(|err| panic!("{file} ({format}) does not load: {err}"));
        let mut prompt = Vec::new();
        if m["add_bos"].as_bool().expect("add_bos") {
            prompt.extend(e.tokenizer.bos);
        }
        prompt.extend(
            e.tokenizer
                .encode_with_specials(m["prompt"].as_str().expect("prompt")),
        );
        assert_eq!(
            prompt,
            common::ids(&m["prompt_ids"]),
            "{file}: prompt ids differ from llama.cpp"
        );
        let want = common::ids(&m["greedy_ids"]);
        let got = e.greedy_ids(&prompt, want.len()).expect("generates");
        let same = got.iter().zip(&want).take_while(|(a, b)| a == b).count();
        assert!(
            same >= leading,
            "{file} ({format}) parts from llama.cpp after {same} ids (want {leading}): {got:?} vs {want:?}"
        );
    }
}

#[test]
fn qwen2_matches_llama_cpp() {
    greedy_matches("qwen2.gguf", &[WeightFormat::Native], 16);
}

#[test]
fn qwen3_matches_llama_cpp() {
    greedy_matches("qwen3.gguf", &[WeightFormat::Native], 16);
}

/// Gemma 3 runs through our `llama.rs`: candle 0.11's `quantized_gemma3` uses SiLU where Gemma 3
/// uses GELU-tanh (huggingface/candle#3745) and gave another id from the first step. This file
/// is too chaotic to check further: llama.cpp's own first top logit moves from 43.9 to 48.5 with
/// an f16 instead of an f32 KV cache (ours: 47.3), and that run parts from the f32 one at step 5.
#[test]
fn gemma3_matches_llama_cpp() {
    greedy_matches(
        "gemma3.gguf",
        &[WeightFormat::Native, WeightFormat::AsStored],
        1,
    );
}

#[test]
fn llama_with_sentencepiece_and_q4_1_matches_llama_cpp() {
    greedy_matches(
        "mistral.gguf",
        &[
            WeightFormat::AsStored,
            WeightFormat::Q8,
            WeightFormat::Native,
        ],
        // 15 of 16 at the time of writing, all three formats alike: the 16th is llama.cpp's
        // second choice, 2.5 below its first.
        12,
    );
}

/// Each vocabulary tokenizes the corpus as llama.cpp does, with and without special tokens.
#[test]
fn tokenizers_match_llama_cpp() {
    let r = reference();
    let mut bad = Vec::new();
    for m in r["models"].as_array().expect("models") {
        let Some(corpus) = m["corpus"].as_array() else {
            continue;
        };
        let file = m["file"].as_str().expect("file");
        let (path, _) = model(&r, file);
        let e = Engine::load(&path, &opts(WeightFormat::Native)).expect("loads");
        for case in corpus {
            let text = case["text"].as_str().expect("text");
            let plain = e.tokenizer.encode(text);
            if plain != common::ids(&case["ids"]) {
                bad.push(format!(
                    "{file} {text:?}: got {plain:?}, llama.cpp {:?}",
                    common::ids(&case["ids"])
                ));
            }
            let special = e.tokenizer.encode_with_specials(text);
            if special != common::ids(&case["ids_special"]) {
                bad.push(format!(
                    "{file} {text:?} (specials parsed): got {special:?}, llama.cpp {:?}",
                    common::ids(&case["ids_special"])
                ));
            }
            // SentencePiece vocabularies that add a space prefix decode it back.
            let decoded = e.tokenizer.decode(&plain);
            assert!(
                decoded == text || decoded == format!(" {text}"),
                "{file}: {text:?} decodes to {decoded:?}"
            );
        }
    }
    assert!(bad.is_empty(), "token ids differ:\n{}", bad.join("\n"));
}

/// On short inputs, where even these chaotic random models are well conditioned, the models
/// `llama.rs` runs (gemma3; llama with SentencePiece) give llama.cpp's logits: each of its top 4
/// within 2 % of its top logit, and the same top token. With SiLU in gemma3's feed-forward (as
/// candle's `quantized_gemma3` has it) the logit of llama.cpp's top token after BOS alone is
/// 33.3 instead of 40.8.
#[test]
fn short_inputs_give_llama_cpp_s_logits() {
    let r = reference();
    for file in ["gemma3.gguf", "mistral.gguf"] {
        let (path, m) = model(&r, file);
        for format in [WeightFormat::Native, WeightFormat::AsStored] {
            let mut f = std::fs::File::open(&path).expect("opens");
            let ct = gguf_file::Content::read(&mut f).expect("reads");
            let mut llama =
                Llama::from_gguf(&ct, &mut f, &Device::Cpu, format, 256).expect("loads");
            for case in m["short"].as_array().expect("short") {
                let input = common::ids(&case["ids"]);
                llama.truncate(0);
                let logits: Vec<f32> = llama
                    .forward(&input)
                    .and_then(|t| t.to_vec1())
                    .expect("runs");
                let top4 = case["top4"].as_array().expect("top4");
                let want = |i: usize| {
                    let p = top4[i].as_array().expect("pair");
                    (
                        p[0].as_u64().expect("id") as usize,
                        p[1].as_f64().expect("logit") as f32,
                    )
                };
                let tolerance = 0.02 * want(0).1.abs();
                for i in 0..4 {
                    let (id, logit) = want(i);
                    assert!(
                        (logits[id] - logit).abs() <= tolerance,
                        "{file} ({format}) after {input:?}: logit of {id} is {}, llama.cpp {logit}",
                        logits[id]
                    );
                }
                let best = (0..logits.len())
                    .max_by(|a, b| logits[*a].total_cmp(&logits[*b]))
                    .expect("vocabulary");
                if want(0).1 - want(1).1 > tolerance {
                    assert_eq!(best, want(0).0, "{file} ({format}) after {input:?}");
                }
            }
        }
    }
}
