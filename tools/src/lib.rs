//! `tools` owns every read ktriage makes of the outside world: a read-only Kubernetes client
//! wrapper ([`k8s::KubeReader`]), the tool functions an agent or an IDE calls (typed parameters
//! with JSON Schema, a typed output, and a compact text rendering within a budget), secret
//! redaction, the clock, the snapshot format and the replay server.
//!
//! Never mutates cluster state; never returns Secret data; knows nothing of MCP or LLMs.

#![deny(clippy::print_stdout)]

pub mod budget;
pub mod clock;
mod error;
pub mod grafana;
pub mod http;
pub mod k8s;
pub mod prom;
pub mod prom_local;
pub mod redact;
pub mod registry;
pub mod replay;
pub mod snapshot;
pub mod tool;

pub use clock::Clock;
pub use error::{Error, Result, chain as error_chain};
