//! Rules-only evals over every bundled scenario, as CI runs them: the pass rate must stay at or
//! above the recorded floor (EVALS.md).

use std::process::Command;

/// The floor recorded in EVALS.md: a regression below it fails CI.
const FLOOR: &str = "0.9";

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
