//! Label and field selectors as the API server parses them.
//!
//! Labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-separated (AND).
//! Fields: `f=v`, `f==v`, `f!=v` over the field labels a kind supports; any other field is a
//! 400 "field label not supported", as on a live cluster.

use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelReq {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl LabelReq {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            LabelReq::Eq(k, v) => labels.get(k) == Some(v),
            // As in the API server, `!=` and `notin` also match objects without the label.
            LabelReq::NotEq(k, v) => labels.get(k) != Some(v),
            LabelReq::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            LabelReq::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            LabelReq::Exists(k) => labels.contains_key(k),
            LabelReq::NotExists(k) => !labels.contains_key(k),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<LabelReq>);

impl LabelSelector {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| r.matches(labels))
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for term in split_terms(s)? {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            reqs.push(parse_label_term(term)?);
        }
        Ok(Self(reqs))
    }
}

/// Split on commas that are not inside parentheses.
fn split_terms(s: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!(
                        "unable to parse requirement: unbalanced ')' in {s:?}"
                    ));
                }
            }
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!(
            "unable to parse requirement: unbalanced '(' in {s:?}"
        ));
    }
    out.push(&s[start..]);
    Ok(out)
}

fn valid_key(k: &str) -> Result<String, String> {
    let k = k.trim();
    let ok = !k.is_empty()
        && k.len() <= 316
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(k.to_string())
    } else {
        Err(format!(
            "unable to parse requirement: invalid label key {k:?}: name part must consist of alphanumeric characters, '-', '_' or '.'"
        ))
    }
}

fn valid_value(v: &str) -> Result<String, String> {
    let v = v.trim();
    let ok = v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!(
            "unable to parse requirement: invalid label value {v:?}: must be 63 characters or less and consist of alphanumeric characters, '-', '_' or '.'"
        ))
    }
}

fn parse_set(rest: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            format!("unable to parse requirement: expected '(' ... ')', found {rest:?}")
        })?;
    inner.split(',').map(valid_value).collect()
}

fn parse_label_term(term: &str) -> Result<LabelReq, String> {
    if let Some(k) = term.strip_prefix('!') {
        return Ok(LabelReq::NotExists(valid_key(k)?));
    }
    if let Some((k, v)) = term.split_once("!=") {
        return Ok(LabelReq::NotEq(valid_key(k)?, valid_value(v)?));
    }
    if let Some((k, v)) = term.split_once("==") {
        return Ok(LabelReq::Eq(valid_key(k)?, valid_value(v)?));
    }
    if let Some((k, v)) = term.split_once('=') {
        return Ok(LabelReq::Eq(valid_key(k)?, valid_value(v)?));
    }
    let mut words = term.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or_default();
    match words.next().map(str::trim_start) {
        None => Ok(LabelReq::Exists(valid_key(key)?)),
        Some(rest) => {
            if let Some(set) = rest.strip_prefix("notin") {
                Ok(LabelReq::NotIn(valid_key(key)?, parse_set(set)?))
            } else if let Some(set) = rest.strip_prefix("in") {
                Ok(LabelReq::In(valid_key(key)?, parse_set(set)?))
            } else {
                Err(format!(
                    "unable to parse requirement: found {rest:?}, expected: in, notin, =, ==, !=, gt, lt"
                ))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldReq {
    pub field: String,
    pub value: String,
    pub negate: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(pub Vec<FieldReq>);

impl FieldSelector {
    /// Parse and check every field against what the kind supports.
    pub fn parse(s: &str, supported: &[&str]) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for term in s.split(',') {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            let (field, value, negate) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, true)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, v, false)
            } else {
                return Err(format!(
                    "invalid selector: '{term}'; can't understand '{term}'"
                ));
            };
            let field = field.trim();
            if !matches!(field, "metadata.name" | "metadata.namespace")
                && !supported.contains(&field)
            {
                return Err(format!("field label not supported: {field}"));
            }
            reqs.push(FieldReq {
                field: field.to_string(),
                value: value.trim().to_string(),
                negate,
            });
        }
        Ok(Self(reqs))
    }

    pub fn matches(
        &self,
        name: &str,
        namespace: Option<&str>,
        fields: &HashMap<&str, String>,
    ) -> bool {
        self.0.iter().all(|r| {
            let actual = match r.field.as_str() {
                "metadata.name" => Some(name),
                "metadata.namespace" => Some(namespace.unwrap_or("")),
                f => fields.get(f).map(String::as_str),
            };
            // An absent field compares as the empty string, as the API server does.
            let eq = actual.unwrap_or("") == r.value;
            eq != r.negate
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equality_and_set_based() {
        let l = labels(&[("app", "vllm"), ("tier", "gpu")]);
        let ok = |s: &str| LabelSelector::parse(s).unwrap().matches(&l);
        assert!(ok("app=vllm"));
        assert!(ok("app==vllm,tier=gpu"));
        assert!(!ok("app!=vllm"));
        assert!(ok("app in (vllm, tgi)"));
        assert!(!ok("app notin (vllm)"));
        assert!(ok("tier"));
        assert!(ok("!missing"));
        assert!(!ok("missing"));
        assert!(ok("missing!=x"));
        assert!(ok("app in (vllm),tier notin (cpu)"));
    }

    #[test]
    fn malformed_selectors_are_errors() {
        assert!(LabelSelector::parse("app in vllm").is_err());
        assert!(LabelSelector::parse("app in (vllm").is_err());
        assert!(LabelSelector::parse("a b c").is_err());
        assert!(LabelSelector::parse("app=has space").is_err());
        assert!(FieldSelector::parse("spec.bogus=1", &["status.phase"]).is_err());
        assert!(FieldSelector::parse("status.phase", &["status.phase"]).is_err());
    }

    #[test]
    fn field_selectors() {
        let mut f = HashMap::new();
        f.insert("status.phase", "Running".to_string());
        let s = FieldSelector::parse("status.phase=Running,metadata.name=a", &["status.phase"])
            .unwrap();
        assert!(s.matches("a", Some("ns"), &f));
        assert!(!s.matches("b", Some("ns"), &f));
        let s = FieldSelector::parse("status.phase!=Running", &["status.phase"]).unwrap();
        assert!(!s.matches("a", None, &f));
    }
}
