//! Credential redaction, applied to every tool output (text and structured) before any caller
//! sees it.
//!
//! Three layers:
//! - values whose *name* says they are secret (`DB_PASSWORD`, `api_key`, `--token`) are replaced
//!   whole, in env lists, annotations, `key=value` and `key: value` text;
//! - values whose *shape* is a credential (JWTs, PEM private keys, AWS access keys, GitHub,
//!   Slack, Stripe, Google, Hugging Face and OpenAI tokens, `user:pass@` in URLs, bearer and basic
//!   authorization headers) are replaced wherever they occur;
//! - `kubectl.kubernetes.io/last-applied-configuration` is dropped: it repeats the spec and often
//!   embeds literal env values.
//!
//! Known false positives: a non-secret value under a secret-sounding name (`TOKEN_TTL=30s`) is
//! hidden too; that costs a little context and never leaks.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet};
use serde_json::Value;

pub const REDACTED: &str = "[REDACTED]";

/// Annotations dropped entirely.
pub const DROPPED_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];

/// Names (env vars, config keys, flags, headers) whose values are credentials.
static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(passw(or)?d|passwd|(^|[^a-z])pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|signing[_-]?key|session[_-]?key|credential|auth(orization)?$|_auth$|jwt|webhook|dsn|cookie|client[_-]?secret)",
    )
    .expect("secret-name regex")
});

/// Names that contain a secret word but hold no secret: counts and rates of LLM tokens, and
/// references to where a secret lives (`secretKeyRef`, `secretName`: names, not values).
static NOT_SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(per[_-]?token|tokeni[sz]er|token[_-]?(count|ids?|len|length|usage|limit|budget|type|endpoint|url|uri|path|file)s?$|(prompt|completion|input|output|max|total|new|num|generated|first)[_-]?tokens?|^secret(name|key|ref|keyref|storeref|store)$|secret[_-]?(name|ref|key[_-]?ref|store[_-]?ref)$|^existing[_-]?secret$)",
    )
    .expect("not-secret-name regex")
});

/// Whether a name (env var, annotation key, config key) denotes a secret value.
pub fn is_secret_name(name: &str) -> bool {
    // Counts and limits named after tokens are not secrets (`max_tokens`, `TOKENS_PER_SECOND`).
    let lower = name.to_ascii_lowercase();
    if NOT_SECRET_NAME.is_match(name) {
        return false;
    }
    if lower.contains("tokens")
        || lower.ends_with("_ttl")
        || lower.ends_with("_file")
        || lower.ends_with("_path")
    {
        return false;
    }
    SECRET_NAME.is_match(name)
}

struct Rule {
    re: Regex,
    /// Replacement; `$1` etc. keep non-secret context such as the key name.
    with: &'static str,
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let r = |re: &str, with: &'static str| Rule {
        re: Regex::new(re).expect("redaction regex"),
        with,
    };
    vec![
        // PEM private keys, possibly spanning lines (or escaped `\n` inside JSON strings).
        r(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END ([A-Z0-9 ]*)PRIVATE KEY-----",
            "[REDACTED ${1}PRIVATE KEY]",
        ),
        // A PEM block cut before its END line (a truncated log): redact to the end of the text.
        r(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*$",
            "[REDACTED ${1}PRIVATE KEY, cut]",
        ),
        // JWTs (three base64url parts, the first a JSON header).
        r(
            r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
            "[REDACTED-JWT]",
        ),
        // Authorization headers.
        r(
            r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{12,}",
            "$1 [REDACTED]",
        ),
        // Provider token shapes.
        r(
            r"\b(AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b",
            "[REDACTED-AWS-KEY-ID]",
        ),
        r(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b", "[REDACTED-GITHUB-TOKEN]"),
        r(
            r"\bgithub_pat_[A-Za-z0-9_]{20,}\b",
            "[REDACTED-GITHUB-TOKEN]",
        ),
        r(r"\bglpat-[A-Za-z0-9_-]{16,}\b", "[REDACTED-GITLAB-TOKEN]"),
        r(
            r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",
            "[REDACTED-SLACK-TOKEN]",
        ),
        r(
            r"hooks\.slack\.com/services/[A-Za-z0-9/_-]+",
            "hooks.slack.com/services/[REDACTED]",
        ),
        r(
            r"\b[sr]k_(live|test)_[A-Za-z0-9]{10,}\b",
            "[REDACTED-STRIPE-KEY]",
        ),
        r(r"\bAIza[0-9A-Za-z_-]{30,}\b", "[REDACTED-GOOGLE-KEY]"),
        r(r"\bhf_[A-Za-z0-9]{30,}\b", "[REDACTED-HF-TOKEN]"),
        r(
            r"\bsk-(proj-|ant-)?[A-Za-z0-9_-]{20,}\b",
            "[REDACTED-API-KEY]",
        ),
        r(r"\bnpm_[A-Za-z0-9]{30,}\b", "[REDACTED-NPM-TOKEN]"),
        // Credentials in URLs: scheme://user:password@host
        r(
            r"([A-Za-z][A-Za-z0-9+.-]*://[^:/\s@]+:)[^@\s/]+@",
            "$1[REDACTED]@",
        ),
    ]
});

/// `name=value`, `name: value`, `"name": "value"`, `--name=value` where the name is secret.
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(["']?)([A-Za-z0-9_.\-/]*[A-Za-z0-9_])(["']?)(\s*[=:]\s*)(["']?)([^\s"',;&<>)}\]]+)"#,
    )
    .expect("key-value regex")
});

/// Prose: "with password hunter2xyz", "token is abc123def".
static PROSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(password|passwd|passphrase|secret|token)(\s+(?:is\s+|was\s+)?)([^\s"',;]+)"#,
    )
    .expect("prose regex")
});

fn replace_with<'t>(
    text: Cow<'t, str>,
    re: &Regex,
    f: impl FnMut(&Captures<'_>) -> String,
) -> Cow<'t, str> {
    if let Cow::Owned(s) = re.replace_all(&text, f) {
        Cow::Owned(s)
    } else {
        text
    }
}

/// Whether a text may hold anything [`redact_text`] redacts: one of the [`RULES`] matches, or a
/// word that every secret name ([`SECRET_NAME`]) and [`PROSE`] keyword contains appears. Most
/// log lines and event messages have neither, and one pass of this set is much cheaper than the
/// rules one after another.
static MAY_HOLD_SECRETS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(RULES.iter().map(|r| r.re.as_str()).chain([SECRET_WORDS]))
        .expect("secret hint set")
});

/// A word that every secret name ([`SECRET_NAME`]) and [`PROSE`] keyword contains.
const SECRET_WORDS: &str = r"(?i)passw|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|signing[_-]?key|session[_-]?key|credential|auth|jwt|webhook|dsn|cookie";
static SECRET_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(SECRET_WORDS).expect("secret-word regex"));

/// Redact credentials in free text (logs, event messages, annotation values, config files).
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let hits = MAY_HOLD_SECRETS.matches(text);
    if !hits.matched_any() {
        return Cow::Borrowed(text);
    }
    // Only the rules that match the original text run: no replacement creates a match for a
    // later rule (each is a bracketed `[REDACTED...]` marker).
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    for (_, rule) in RULES.iter().enumerate().filter(|(i, _)| hits.matched(*i)) {
        if let Cow::Owned(s) = rule.re.replace_all(&out, rule.with) {
            out = Cow::Owned(s);
        }
    }
    // Every secret name and prose keyword contains one of the set's words: without one, the
    // key-value and prose passes cannot redact anything.
    if !hits.matched(RULES.len()) {
        return out;
    }
    out = redact_key_values(out);
    // Without a separator a value only counts when it looks like a secret, so prose such as
    // "password authentication failed" survives.
    replace_with(out, &PROSE, |c| {
        let value = &c[3];
        let looks_secret = value.len() >= 6
            && value.chars().any(|ch| ch.is_ascii_digit())
            && value.chars().any(|ch| ch.is_ascii_alphabetic())
            && !value.starts_with("[REDACTED");
        if looks_secret {
            format!("{}{}{REDACTED}", &c[1], &c[2])
        } else {
            c[0].to_string()
        }
    })
}

/// The key-value pass: `name=value`, `name: value`... where the name is a secret's. Only the
/// matches holding a secret word are captured and judged (the others are kept as they are,
/// exactly as a judged one would be); capturing every `key: value` of a long log is what made
/// this pass cost more than the rest of a call.
fn redact_key_values(text: Cow<'_, str>) -> Cow<'_, str> {
    let mut out = String::new();
    let mut last = 0;
    let mut changed = false;
    for m in KEY_VALUE.find_iter(&text) {
        if !SECRET_WORD.is_match(m.as_str()) {
            continue;
        }
        let Some(c) = KEY_VALUE.captures_at(&text, m.start()) else {
            continue;
        };
        let value = &c[6];
        // "failed to fetch oauth token: unexpected status 401": a lowercase word after a bare
        // lowercase `token:` that the sentence continues past is prose, not a credential.
        let end = c.get(6).map_or(0, |m| m.end());
        let sentence_goes_on = text[end..].starts_with(' ')
            && text[end + 1..].starts_with(|ch: char| ch.is_ascii_alphanumeric());
        let prose_word = c[2].chars().all(|ch| ch.is_ascii_lowercase())
            && c[1].is_empty()
            && c[4].starts_with(':')
            && value.len() <= 15
            && value.chars().all(|ch| ch.is_ascii_lowercase())
            && sentence_goes_on;
        // `jwks_async_fetcher.cc:115`, `token_ttl: 3600`: a short number is a line number, port
        // or duration, never a credential.
        let short_number = value.len() <= 6 && value.chars().all(|ch| ch.is_ascii_digit());
        let keep = !is_secret_name(&c[2])
            || prose_word
            || short_number
            || value.starts_with("[REDACTED")
            || value.eq_ignore_ascii_case("bearer")
            || value.eq_ignore_ascii_case("basic");
        if !keep {
            let whole = c.get_match();
            out.push_str(&text[last..whole.start()]);
            out.push_str(&format!(
                "{}{}{}{}{}{REDACTED}",
                &c[1], &c[2], &c[3], &c[4], &c[5]
            ));
            last = whole.end();
            changed = true;
        }
    }
    if !changed {
        return text;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Redact an env value given its variable name.
pub fn redact_env(name: &str, value: &str) -> String {
    if is_secret_name(name) {
        REDACTED.to_string()
    } else {
        redact_text(value).into_owned()
    }
}

/// Redact a JSON value in place: secret-named keys lose their values, `env` entries
/// (`{name, value}`) are judged by name, every string is passed through [`redact_text`], and
/// [`DROPPED_ANNOTATIONS`] are removed.
pub fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for k in DROPPED_ANNOTATIONS {
                if map.remove(*k).is_some() {
                    map.insert(
                        (*k).to_string(),
                        Value::String("[omitted by ktriage]".into()),
                    );
                }
            }
            // An env entry: {"name": "DB_PASSWORD", "value": "..."}
            let env_name = map
                .get("name")
                .and_then(Value::as_str)
                .filter(|_| map.contains_key("value"))
                .map(is_secret_name)
                .unwrap_or(false);
            for (k, val) in map.iter_mut() {
                if (k == "value" && env_name) || (is_secret_name(k) && val.is_string()) {
                    if val
                        .as_str()
                        .is_some_and(|s| !s.is_empty() && !s.starts_with("[REDACTED"))
                    {
                        *val = Value::String(REDACTED.into());
                    }
                } else {
                    redact_json(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) => {
            if let Cow::Owned(r) = redact_text(s) {
                *s = r;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_counts_references_and_prose_survive() {
        for name in [
            "time_per_token",
            "max_new_tokens",
            "prompt_tokens",
            "tokenizer",
            "secretKeyRef",
            "secretName",
            "secretKey",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
        for name in [
            "HF_TOKEN",
            "api_token",
            "client_secret",
            "DB_PASSWORD",
            "token",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        let line = "failed to fetch oauth token: unexpected status: 401 Unauthorized";
        assert_eq!(redact_text(line), line);
        assert!(!redact_text("token: abc123def456 ok").contains("abc123def456"));
        assert!(!redact_text("token: changeme").contains("changeme"));
        let envoy = "[jwt_authn/jwks_async_fetcher.cc:115] Jwks async fetching failed";
        assert_eq!(redact_text(envoy), envoy);
    }

    #[test]
    fn redacts_shapes() {
        let cases = [
            "Authorization: Bearer abcdefghijklmnop123456",
            "key AKIAIOSFODNN7EXAMPLE used",
            "url postgres://app:S3cr3tPassw0rd@db:5432/app",
            "token ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEFGH",
            "spring.datasource.password=Sup3rS3cret!",
            "--db-password=hunter2xyz",
            "with password hunter2xyz",
        ];
        let secrets = [
            "abcdefghijklmnop123456",
            "AKIAIOSFODNN7EXAMPLE",
            "S3cr3tPassw0rd",
            "ghp_aaaa",
            "dozjgNryP4J3jVmNHl0w5N",
            "hf_abcdefgh",
            "Sup3rS3cret",
            "hunter2xyz",
            "hunter2xyz",
        ];
        for (c, s) in cases.iter().zip(secrets) {
            let r = redact_text(c);
            assert!(!r.contains(s), "{c:?} -> {r:?}");
        }
    }

    #[test]
    fn keeps_what_is_not_secret() {
        for keep in [
            "password authentication failed for user \"app\"",
            "max_tokens=128 LOG_LEVEL=info",
            "vllm:num_requests_running 3",
            "GET /v1/chat/completions 503 UH",
        ] {
            assert_eq!(redact_text(keep), keep);
        }
    }

    #[test]
    fn key_values_among_many_are_judged_one_by_one() {
        let log = "c.e.api.OrderController    : GET /x -> 200\napi_key=sk12345678abc\n\
                   auth-backend: ready\nDB_PASSWORD: s3cr3tvalue retry: 3\n\
                   token: expired and refreshed\nsession_token: 1234\nlevel=info";
        assert_eq!(
            redact_text(log),
            "c.e.api.OrderController    : GET /x -> 200\napi_key=[REDACTED]\n\
             auth-backend: ready\nDB_PASSWORD: [REDACTED] retry: 3\n\
             token: expired and refreshed\nsession_token: 1234\nlevel=info"
        );
        // No secret word at all: the text comes back borrowed, untouched.
        assert!(matches!(
            redact_text("a: b\nc=d\nGET /healthz -> 200"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn pem_blocks_across_lines() {
        let t =
            "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\nxyz\n-----END RSA PRIVATE KEY-----\nb";
        let r = redact_text(t);
        assert!(!r.contains("MIIEabc") && r.ends_with("\nb"));
    }

    #[test]
    fn json_env_by_name() {
        let mut v = serde_json::json!({"env": [
            {"name": "DB_PASSWORD", "value": "plain"},
            {"name": "PORT", "value": "8080"}
        ], "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}"}}});
        redact_json(&mut v);
        assert_eq!(v["env"][0]["value"], REDACTED);
        assert_eq!(v["env"][1]["value"], "8080");
        assert_eq!(
            v["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            "[omitted by ktriage]"
        );
    }
}
