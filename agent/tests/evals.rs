//! Rules-only evals over every bundled scenario, as CI runs them: the pass rate must stay at or
//! above the recorded floor (EVALS.md).

use std::process::Command;

/// The floor recorded in EVALS.md: a regression below it fails CI.
const FLOOR: &str = "0.95";

#[test]
fn rules_only_evals_meet_the_floor() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .current_dir(&root)
        .args([
            "eval",
            "evals/scenarios",
            "--jobs",
            "2",
            "--min-pass",
            FLOOR,
        ])
        .output()
        .expect("ktriage eval runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        out.status.success(),
        "below the floor {FLOOR}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        last.ends_with("failed") && last.contains("passed"),
        "{last}"
    );
}

/// The agent-mode smoke CI runs: one scenario diagnosed by the rules plus the embedded model
/// (SmolLM2-135M from `.ci/install-test-deps`), scored like any other run; its report shows the
/// model was asked and every reply decoded.
#[test]
fn agent_mode_smoke_with_the_tiny_model() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let model = std::env::var_os("KTRIAGE_TEST_MODEL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            root.join("target/interop/cache/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        });
    assert!(
        model.is_file(),
        "no model at {}: run .ci/install-test-deps",
        model.display()
    );
    let report = tempfile::NamedTempFile::new().expect("temp file");
    let out = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .current_dir(&root)
        .args([
            "eval",
            "evals/scenarios",
            "--mode",
            "agent",
            "--filter",
            "vllm-oom-after-max-model-len-bump",
        ])
        .arg("--model")
        .arg(&model)
        .arg("--json")
        .arg(report.path())
        .output()
        .expect("ktriage eval runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.trim_end().ends_with("1 passed, 0 failed"),
        "{stdout}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.path()).expect("report"))
            .expect("JSON report");
    assert_eq!(v["mode"], "agent", "{v}");
    let row = &v["rows"][0];
    assert!(
        row["model_replies"].as_u64().unwrap_or(0) >= 1,
        "the model was asked: {row}"
    );
    // The model did its part: no gap says it failed (a failure leaves the rules' answer, which
    // would still pass).
    let gaps = row["diagnosis"]["gaps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !gaps
            .iter()
            .any(|g| g.as_str().is_some_and(|g| g.starts_with("model "))),
        "the model step failed: {gaps:?}"
    );
    let invalid = row["model_invalid"].as_u64().unwrap_or(u64::MAX);
    assert_eq!(invalid, 0, "every reply decoded: {row}");
}
