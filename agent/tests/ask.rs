//! `ktriage ask` as a piped script: two questions (the second a follow-up), the evidence, the JSON
//! of the last answer, an unknown command, and the end.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn ask_answers_follow_ups_and_commands_from_a_pipe() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ktriage"))
        .current_dir(&root)
        .args([
            "ask",
            "--no-model",
            "--snapshot",
            "evals/scenarios/vllm-oom-after-max-model-len-bump",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ktriage ask starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"why are the vllm pods restarting?\nand what about the gateway?\n/evidence\n/bogus\n/json\n/quit\n")
        .expect("script");
    let out = child.wait_with_output().expect("ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.matches("Question: ").count(), 2, "{stdout}");
    assert!(
        stdout.contains("(earlier: why are the vllm pods restarting?)"),
        "{stdout}"
    );
    assert!(stdout.contains("[inference-gpu-oom]"), "{stdout}");
    assert!(stdout.contains("ev-1 "), "{stdout}");
    assert!(stderr.contains("unknown command /bogus"), "{stderr}");
    let json_start = stdout.rfind("\n{\n").expect("the /json answer") + 1;
    let d: serde_json::Value = serde_json::from_str(&stdout[json_start..]).expect("JSON");
    assert_eq!(d["causes"][0]["category"], "inference-gpu-oom");
}
