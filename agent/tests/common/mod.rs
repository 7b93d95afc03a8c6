//! Helpers shared by the model tests (`model.rs`, `tiny_models.rs`).

use agent::llm::{EngineOptions, WeightFormat};
use serde_json::Value;

/// Token ids from a reference fixture's JSON array.
pub fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("id") as u32)
        .collect()
}

/// Engine options for a test: 2 threads, `context` positions, weights as `weights`.
pub fn opts(weights: WeightFormat, context: usize) -> EngineOptions {
    EngineOptions {
        threads: 2,
        context,
        weights,
        ..EngineOptions::default()
    }
}
