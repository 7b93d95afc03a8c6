//! Policy for ktriage: which tools a caller may use, on which namespaces, over which kinds, and
//! with what output budget. A [`Profile`] is the unit of policy; the MCP server maps each caller
//! (stdio user, HTTP bearer token) to one profile and every tool call is checked against it.
//!
//! Never widens access beyond what a profile grants: `Secret` is denied in every profile, whatever
//! the configuration says, and an empty allow list allows nothing.

use std::collections::BTreeSet;

use serde::Deserialize;

/// Errors of the policy crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The policy file could not be read.
    #[error("cannot read policy file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The policy file is not valid YAML for the policy schema.
    #[error("invalid policy file {path}: {source}")]
    Parse {
        path: String,
        #[source]
        source: serde_yaml::Error,
    },
    /// A profile refers to something that makes no sense (an empty name, an unknown profile).
    #[error("invalid policy: {0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Kinds no profile can ever read, whatever its configuration.
pub const ALWAYS_DENIED_KINDS: &[&str] = &["Secret"];

/// A shell-style pattern over names: `*` matches any run of characters, everything else is literal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Pattern(String);

impl Pattern {
    pub fn new(p: impl Into<String>) -> Self {
        Self(p.into())
    }

    /// Whether `name` matches this pattern.
    pub fn matches(&self, name: &str) -> bool {
        glob_match(self.0.as_bytes(), name.as_bytes())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    // Iterative matcher with single-star backtracking: linear in practice, no recursion.
    let (mut p, mut i) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while i < s.len() {
        if p < pat.len() && pat[p] != b'*' && pat[p] == s[i] {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some(p);
            mark = i;
            p += 1;
        } else if let Some(sp) = star {
            p = sp + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    while p < pat.len() && pat[p] == b'*' {
        p += 1;
    }
    p == pat.len()
}

/// Which namespaces a profile may read. Deny wins over allow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceScope {
    #[serde(default = "all")]
    pub allow: Vec<Pattern>,
    #[serde(default)]
    pub deny: Vec<Pattern>,
}

fn all() -> Vec<Pattern> {
    vec![Pattern::new("*")]
}

impl Default for NamespaceScope {
    fn default() -> Self {
        Self {
            allow: all(),
            deny: Vec::new(),
        }
    }
}

impl NamespaceScope {
    /// A scope limited to exactly these namespaces.
    pub fn only<I, S>(namespaces: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            allow: namespaces.into_iter().map(|n| Pattern::new(n)).collect(),
            deny: Vec::new(),
        }
    }

    /// Whether objects in `namespace` may be read.
    pub fn allows(&self, namespace: &str) -> bool {
        self.allow.iter().any(|p| p.matches(namespace))
            && !self.deny.iter().any(|p| p.matches(namespace))
    }

    /// Whether every namespace is readable (cluster-wide listings need no filtering).
    pub fn is_unrestricted(&self) -> bool {
        self.deny.is_empty() && self.allow.iter().any(|p| p.as_str() == "*")
    }
}

/// One profile: the whole of what a caller may see.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Name shown in errors and the audit log ("profile `oncall` does not allow ...").
    #[serde(default)]
    pub name: String,
    /// Tool names (patterns) this profile may call. Empty allows nothing.
    #[serde(default = "all")]
    pub tools: Vec<Pattern>,
    /// Namespaces this profile may read.
    #[serde(default)]
    pub namespaces: NamespaceScope,
    /// Kinds this profile may never read, on top of [`ALWAYS_DENIED_KINDS`].
    #[serde(default)]
    pub denied_kinds: Vec<String>,
    /// Whether cluster-scoped objects (Nodes, GatewayClasses, ...) may be read.
    #[serde(default = "yes")]
    pub cluster_scoped: bool,
    /// Output budget per tool call, in estimated tokens.
    #[serde(default)]
    pub budget_tokens: Option<usize>,
    /// Tool calls per minute for one identity using this profile (token bucket; burst = the same
    /// number). `None`: unlimited.
    #[serde(default)]
    pub calls_per_minute: Option<u32>,
    /// Kubernetes impersonation: the API server's own RBAC and audit log then apply to this user.
    #[serde(default)]
    pub impersonate: Option<Impersonate>,
}

/// `Impersonate-User` / `Impersonate-Group` for every request made under a profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impersonate {
    pub user: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A caller known by a bearer token. The token itself is never stored: only its SHA-256, as
/// lowercase hex (`printf %s "$TOKEN" | sha256sum`, or `ktriage mcp hash-token`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Who this is, for the audit log ("ide-alice", "incident-bot").
    pub name: String,
    /// SHA-256 of the bearer token, hex.
    pub token_sha256: String,
    /// The profile this caller gets.
    pub profile: String,
}

/// SHA-256 of a bearer token, lowercase hex: the form stored in policy files.
pub fn hash_token(token: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Byte comparison whose time does not depend on where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn yes() -> bool {
    true
}

impl Default for Profile {
    fn default() -> Self {
        Self::local()
    }
}

impl Profile {
    /// The profile of a local user on stdio: every read-only tool, every namespace, no Secrets.
    pub fn local() -> Self {
        Self {
            name: "local".into(),
            tools: all(),
            namespaces: NamespaceScope::default(),
            denied_kinds: Vec::new(),
            cluster_scoped: true,
            budget_tokens: None,
            calls_per_minute: None,
            impersonate: None,
        }
    }

    /// A profile that sees only the given namespaces (and no cluster-scoped objects).
    pub fn namespaced<I, S>(name: &str, namespaces: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            name: name.into(),
            namespaces: NamespaceScope::only(namespaces),
            cluster_scoped: false,
            ..Self::local()
        }
    }

    pub fn allows_tool(&self, tool: &str) -> bool {
        self.tools.iter().any(|p| p.matches(tool))
    }

    pub fn allows_namespace(&self, namespace: &str) -> bool {
        self.namespaces.allows(namespace)
    }

    /// Whether objects of `kind` (e.g. `Secret`, `ConfigMap`) are denied. Case-insensitive, and
    /// accepts plural resource names too (`secrets`).
    pub fn denies_kind(&self, kind: &str) -> bool {
        let k = kind.to_ascii_lowercase();
        ALWAYS_DENIED_KINDS
            .iter()
            .copied()
            .chain(self.denied_kinds.iter().map(String::as_str))
            .any(|d| {
                let d = d.to_ascii_lowercase();
                k == d || k == format!("{d}s")
            })
    }

    /// The denied kinds in effect, always including Secret.
    pub fn effective_denied_kinds(&self) -> BTreeSet<String> {
        ALWAYS_DENIED_KINDS
            .iter()
            .map(|s| s.to_string())
            .chain(self.denied_kinds.iter().cloned())
            .collect()
    }
}

/// A policy file: named profiles.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub profiles: Vec<Profile>,
    /// Bearer-token callers of the HTTP transport.
    #[serde(default)]
    pub identities: Vec<Identity>,
}

impl Policy {
    /// Load and validate a policy file.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml(&text).map_err(|e| match e {
            Error::Parse { source, .. } => Error::Parse {
                path: path.display().to_string(),
                source,
            },
            other => other,
        })
    }

    pub fn from_yaml(text: &str) -> Result<Self> {
        let policy: Policy = serde_yaml::from_str(text).map_err(|source| Error::Parse {
            path: "<inline>".into(),
            source,
        })?;
        let mut seen = BTreeSet::new();
        for p in &policy.profiles {
            if p.name.trim().is_empty() {
                return Err(Error::Invalid("every profile needs a `name`".into()));
            }
            if !seen.insert(p.name.clone()) {
                return Err(Error::Invalid(format!(
                    "profile `{}` is defined twice",
                    p.name
                )));
            }
        }
        let mut names = BTreeSet::new();
        for id in &policy.identities {
            if !names.insert(id.name.clone()) {
                return Err(Error::Invalid(format!(
                    "identity `{}` is defined twice",
                    id.name
                )));
            }
            let h = &id.token_sha256;
            if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::Invalid(format!(
                    "identity `{}`: token_sha256 must be 64 hex characters (the SHA-256 of the token, \
                     e.g. `printf %s \"$TOKEN\" | sha256sum`), never the token itself",
                    id.name
                )));
            }
            if !seen.contains(&id.profile) {
                return Err(Error::Invalid(format!(
                    "identity `{}` names profile `{}`, which is not defined",
                    id.name, id.profile
                )));
            }
        }
        Ok(policy)
    }

    /// The identity and profile a bearer token maps to. Every stored hash is compared, in
    /// constant time, so the answer's timing does not say which identity nearly matched.
    pub fn authenticate(&self, token: &str) -> Option<(&Identity, &Profile)> {
        let presented = hash_token(token);
        let mut found = None;
        for id in &self.identities {
            let stored = id.token_sha256.to_ascii_lowercase();
            if constant_time_eq(presented.as_bytes(), stored.as_bytes()) && found.is_none() {
                found = Some(id);
            }
        }
        let id = found?;
        let profile = self.profiles.iter().find(|p| p.name == id.profile)?;
        Some((id, profile))
    }

    pub fn profile(&self, name: &str) -> Result<&Profile> {
        self.profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                let known: Vec<_> = self.profiles.iter().map(|p| p.name.as_str()).collect();
                Error::Invalid(format!(
                    "no profile named `{name}`; known profiles: {}",
                    known.join(", ")
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns() {
        let p = Pattern::new("team-*");
        assert!(p.matches("team-a"));
        assert!(p.matches("team-"));
        assert!(!p.matches("teams"));
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("a*b*c").matches("axxbyyc"));
        assert!(!Pattern::new("a*b*c").matches("axxbyy"));
        assert!(Pattern::new("kube-system").matches("kube-system"));
        assert!(!Pattern::new("kube-system").matches("kube-system2"));
    }

    #[test]
    fn deny_wins_over_allow() {
        let s = NamespaceScope {
            allow: vec![Pattern::new("*")],
            deny: vec![Pattern::new("kube-*")],
        };
        assert!(s.allows("payments"));
        assert!(!s.allows("kube-system"));
        assert!(!s.is_unrestricted());
    }

    #[test]
    fn secret_is_denied_in_every_profile() {
        let p: Profile = serde_yaml::from_str("name: open\ndenied_kinds: []\n").unwrap();
        assert!(p.denies_kind("Secret"));
        assert!(p.denies_kind("secrets"));
        assert!(!p.denies_kind("ConfigMap"));
    }

    #[test]
    fn policy_file_rejects_duplicates_and_unknown_fields() {
        let dup = "profiles:\n  - name: a\n  - name: a\n";
        assert!(matches!(Policy::from_yaml(dup), Err(Error::Invalid(_))));
        let unknown = "profiles:\n  - name: a\n    namespace: [x]\n";
        assert!(matches!(
            Policy::from_yaml(unknown),
            Err(Error::Parse { .. })
        ));
        let ok =
            "profiles:\n  - name: team-a\n    namespaces: {allow: [a]}\n    tools: [list_pods]\n";
        let pol = Policy::from_yaml(ok).unwrap();
        let p = pol.profile("team-a").unwrap();
        assert!(p.allows_namespace("a") && !p.allows_namespace("b"));
        assert!(p.allows_tool("list_pods") && !p.allows_tool("pod_logs"));
        assert!(pol.identities.is_empty());
        assert!(
            pol.profile("nope")
                .unwrap_err()
                .to_string()
                .contains("team-a")
        );
    }

    #[test]
    fn tokens_map_to_profiles_by_hash() {
        let hash = hash_token("s3cret-token");
        let yaml = format!(
            "profiles:\n  - name: team-a\n    namespaces: {{allow: [a]}}\nidentities:\n  - name: alice\n    token_sha256: {hash}\n    profile: team-a\n"
        );
        let pol = Policy::from_yaml(&yaml).unwrap();
        let (id, profile) = pol.authenticate("s3cret-token").unwrap();
        assert_eq!(
            (id.name.as_str(), profile.name.as_str()),
            ("alice", "team-a")
        );
        assert!(pol.authenticate("s3cret-tokeN").is_none());
        assert!(pol.authenticate("").is_none());

        let raw = "profiles:\n  - name: p\nidentities:\n  - name: x\n    token_sha256: plaintext\n    profile: p\n";
        let err = Policy::from_yaml(raw).unwrap_err().to_string();
        assert!(err.contains("64 hex"), "{err}");
        let dangling = format!(
            "profiles:\n  - name: p\nidentities:\n  - name: x\n    token_sha256: {hash}\n    profile: q\n"
        );
        assert!(
            Policy::from_yaml(&dangling)
                .unwrap_err()
                .to_string()
                .contains("`q`")
        );
    }

    #[test]
    fn the_readme_policy_example_is_valid() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("```yaml\nprofiles:")
            .expect("README has a policy example")
            + 8;
        let end = start + readme[start..].find("```").expect("closed");
        let pol = Policy::from_yaml(&readme[start..end]).unwrap();
        let (id, profile) = pol.authenticate("example-token-do-not-use").unwrap();
        assert_eq!(
            (id.name.as_str(), profile.name.as_str()),
            ("alice-ide", "team-chat")
        );
        assert!(profile.denies_kind("Secret") && profile.denies_kind("ConfigMap"));
        assert!(profile.allows_namespace("chat-web") && !profile.allows_namespace("chat-secrets"));
    }
}
