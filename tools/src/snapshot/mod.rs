//! The snapshot folder format (`../shared/design/SCENARIOS.md`): `cluster/*.yaml|yml|json`,
//! `logs/<ns>/<pod>/<container>[.previous].log`, `metrics/*.om`, `grafana/*.json`, and an optional
//! `scenario.yaml` whose `now` freezes the clock.
//!
//! Objects are kept as compact JSON text plus the few fields the replay filters on, so a
//! snapshot of 10,000 pods and 50,000 events stays small in memory.

pub mod capture;
pub mod kinds;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value;

pub use kinds::ResourceType;

use crate::{Error, Result};

/// One object of the snapshot.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub name: String,
    pub namespace: Option<String>,
    pub uid: String,
    pub labels: BTreeMap<String, String>,
    /// Values of the field labels the kind accepts in `fieldSelector`, flattened to strings.
    pub fields: HashMap<&'static str, String>,
    /// The object as compact JSON, with `apiVersion` and `kind` removed (as list items are
    /// served); [`StoredObject::full_json`] puts them back.
    pub body: Arc<str>,
    pub resource_version: u64,
}

/// Objects of one resource type.
#[derive(Debug, Clone)]
pub struct TypeStore {
    pub rtype: ResourceType,
    /// Sorted by (namespace, name): lookups below search, not scan.
    pub objects: Vec<StoredObject>,
}

impl TypeStore {
    /// The objects of one namespace (all of them for `None`).
    pub fn in_namespace(&self, namespace: Option<&str>) -> &[StoredObject] {
        let Some(ns) = namespace else {
            return &self.objects;
        };
        let start = self
            .objects
            .partition_point(|o| o.namespace.as_deref() < Some(ns));
        let len = self.objects[start..].partition_point(|o| o.namespace.as_deref() == Some(ns));
        &self.objects[start..start + len]
    }

    /// One object by namespace (`None` when cluster-scoped) and name.
    pub fn find(&self, namespace: Option<&str>, name: &str) -> Option<&StoredObject> {
        self.objects
            .binary_search_by(|o| (o.namespace.as_deref(), o.name.as_str()).cmp(&(namespace, name)))
            .ok()
            .map(|i| &self.objects[i])
    }
}

/// Key of a log file: namespace, pod, container, previous.
pub type LogKey = (String, String, String, bool);

/// A loaded snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub root: PathBuf,
    /// The frozen "now" from `scenario.yaml`, when present.
    pub now: Option<Timestamp>,
    /// Keyed by (group, plural).
    pub types: BTreeMap<(String, String), TypeStore>,
    pub logs: BTreeMap<LogKey, PathBuf>,
    /// Highest resourceVersion seen; list responses report it.
    pub resource_version: u64,
}

impl StoredObject {
    /// The object with `apiVersion` and `kind`, as a GET of the single object returns it.
    pub fn full_json(&self, rtype: &ResourceType) -> String {
        let head = format!(
            "{{\"apiVersion\":{},\"kind\":{}",
            Value::String(rtype.api_version()),
            Value::String(rtype.kind.clone())
        );
        match self.body.strip_prefix('{') {
            Some("}") => format!("{head}}}"),
            Some(rest) => format!("{head},{rest}"),
            None => self.body.to_string(),
        }
    }

    pub fn value(&self) -> Result<Value> {
        serde_json::from_str(&self.body).map_err(|e| Error::Snapshot(format!("stored object: {e}")))
    }
}

/// Look up a dotted path (`status.phase`, `involvedObject.name`) in a JSON value, as a string.
pub fn field_value(v: &Value, path: &str) -> Option<String> {
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        // `source` on events is an object; the API matches its `component`.
        Value::Object(m) => m
            .get("component")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

impl Snapshot {
    /// Load a snapshot folder. Fails with a message naming the file when a file does not parse.
    pub fn load(root: &Path) -> Result<Self> {
        let cluster = root.join("cluster");
        if !cluster.is_dir() {
            return Err(Error::Snapshot(format!(
                "{} is not a snapshot: it has no cluster/ folder (see SCENARIOS.md for the layout)",
                root.display()
            )));
        }
        let mut files = Vec::new();
        collect_files(&cluster, &mut files)?;
        files.sort();
        // A JSON list is parsed one item at a time and YAML one document at a time, and each
        // object is made compact at once, so peak memory is one file's text plus the compact store.
        let mut loader = Loader::new();
        for f in &files {
            let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "yaml" | "yml" | "json") {
                continue;
            }
            let text = std::fs::read_to_string(f)
                .map_err(|e| Error::Snapshot(format!("cannot read {}: {e}", f.display())))?;
            let mut add = |v: Value| {
                let mut values = Vec::new();
                flatten_lists(v, &mut values);
                values.into_iter().try_for_each(|v| loader.add(v))
            };
            if ext == "json" {
                for_each_json_item(f, &text, &mut add)?;
            } else {
                let docs = parse_documents(&text)
                    .map_err(|e| Error::Snapshot(format!("{}: {e}", f.display())))?;
                docs.into_iter().try_for_each(&mut add)?;
            }
        }
        let (types, resource_version) = loader.finish();
        Ok(Snapshot {
            root: root.to_path_buf(),
            now: read_now(root)?,
            types,
            logs: index_logs(&root.join("logs"))?,
            resource_version,
        })
    }

    /// The store for a resource, by group and plural.
    pub fn store(&self, group: &str, plural: &str) -> Option<&TypeStore> {
        self.types.get(&(group.to_string(), plural.to_string()))
    }

    /// All namespaces: Namespace objects plus any namespace an object lives in.
    pub fn namespaces(&self) -> Vec<String> {
        let mut out: std::collections::BTreeSet<String> = self
            .store("", "namespaces")
            .map(|s| s.objects.iter().map(|o| o.name.clone()).collect())
            .unwrap_or_default();
        for s in self.types.values() {
            out.extend(s.objects.iter().filter_map(|o| o.namespace.clone()));
        }
        out.into_iter().collect()
    }

    pub fn object_count(&self) -> usize {
        self.types.values().map(|s| s.objects.len()).sum()
    }
}

/// An object read from a file, before its resource type is final.
struct Pending {
    /// (group, version, kind)
    gvk: (String, String, String),
    object: StoredObject,
}

/// Builds the store file by file: objects are made compact as they are read; types (plurals,
/// scope) are settled at the end, when every CRD and every namespaced object has been seen.
struct Loader {
    pending: Vec<Pending>,
    crd_types: Vec<ResourceType>,
    /// (group, version, kind) → whether any object of it had a namespace.
    seen: BTreeMap<(String, String, String), bool>,
    builtin: HashMap<(String, String), ResourceType>,
    counter: u64,
    max_rv: u64,
}

impl Loader {
    fn new() -> Self {
        Self {
            pending: Vec::new(),
            crd_types: Vec::new(),
            seen: BTreeMap::new(),
            builtin: kinds::builtin_types()
                .map(|t| ((t.group.clone(), t.kind.clone()), t))
                .collect(),
            counter: 0,
            max_rv: 0,
        }
    }

    fn add(&mut self, mut v: Value) -> Result<()> {
        let (g, ver, k) = gvk(&v);
        if k == "Secret" && g.is_empty() {
            // Snapshots never hold Secrets; a captured one is dropped rather than served.
            return Ok(());
        }
        if k == "CustomResourceDefinition"
            && let Some(t) = type_from_crd(&v)
        {
            self.crd_types.push(t);
        }
        let name = v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            return Err(Error::Snapshot(format!(
                "a {k} object has no metadata.name"
            )));
        }
        let builtin = self.builtin.get(&(g.clone(), k.clone()));
        let mut namespace = v
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        *self
            .seen
            .entry((g.clone(), ver.clone(), k.clone()))
            .or_default() |= namespace.is_some();
        if namespace.is_none() && builtin.is_some_and(|t| t.namespaced) {
            namespace = Some("default".to_string());
        }
        self.counter += 1;
        let resource_version = v
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or(self.counter);
        self.max_rv = self.max_rv.max(resource_version);
        let labels = v
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let fields = kinds::field_labels(&g, &k)
            .iter()
            .filter_map(|f| field_value(&v, f).map(|val| (*f, val)))
            .collect();
        let uid = v
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(m) = v.as_object_mut() {
            m.remove("apiVersion");
            m.remove("kind");
            if let (Some(ns), Some(meta)) = (
                &namespace,
                m.get_mut("metadata").and_then(Value::as_object_mut),
            ) {
                meta.entry("namespace")
                    .or_insert_with(|| Value::String(ns.clone()));
            }
        }
        let body: Arc<str> = serde_json::to_string(&v)
            .map_err(|e| Error::Snapshot(format!("re-encoding {k} {name}: {e}")))?
            .into();
        self.pending.push(Pending {
            gvk: (g, ver, k),
            object: StoredObject {
                name,
                namespace,
                uid,
                labels,
                fields,
                body,
                resource_version,
            },
        });
        Ok(())
    }

    /// Settle the types and sort each store; returns the stores and the highest resourceVersion.
    fn finish(self) -> (BTreeMap<(String, String), TypeStore>, u64) {
        let mut types = self.builtin;
        // CRD objects in the snapshot give exact plurals and scope.
        for t in self.crd_types {
            types.insert((t.group.clone(), t.kind.clone()), t);
        }
        for ((g, ver, k), namespaced) in &self.seen {
            types
                .entry((g.clone(), k.clone()))
                .or_insert_with(|| kinds::derived_type(g, ver, k, *namespaced));
        }
        let mut stores: BTreeMap<(String, String), TypeStore> = types
            .values()
            .map(|t| {
                (
                    (t.group.clone(), t.plural.clone()),
                    TypeStore {
                        rtype: t.clone(),
                        objects: Vec::new(),
                    },
                )
            })
            .collect();
        for Pending {
            gvk: (g, _, k),
            mut object,
        } in self.pending
        {
            let Some(t) = types.get(&(g, k)) else {
                continue;
            };
            if !t.namespaced {
                object.namespace = None;
            }
            if let Some(store) = stores.get_mut(&(t.group.clone(), t.plural.clone())) {
                store.objects.push(object);
            }
        }
        for store in stores.values_mut() {
            store
                .objects
                .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        }
        (stores, self.max_rv.max(1))
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::Snapshot(format!("cannot read {}: {e}", dir.display())))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::Snapshot(format!("{}: {e}", dir.display())))?;
        let p = entry.path();
        if p.is_dir() {
            collect_files(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

fn parse_documents(text: &str) -> std::result::Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v: Value = serde::Deserialize::deserialize(doc).map_err(|e| e.to_string())?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

/// The top of a JSON file, read without parsing its items: a `kubectl get -o json` list of
/// 50,000 events parsed whole would hold the entire tree (several times the file's size) at once.
#[derive(serde::Deserialize)]
struct JsonTop<'a> {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default, borrow)]
    items: Option<&'a serde_json::value::RawValue>,
}

/// Hand each object of a JSON file to `add`: a list's items one at a time (kind and apiVersion
/// filled in from a typed list by [`type_list_item`]), anything else whole. Peak memory is
/// the file's text plus one item.
fn for_each_json_item(
    path: &Path,
    text: &str,
    add: &mut impl FnMut(Value) -> Result<()>,
) -> Result<()> {
    let bad = |e: serde_json::Error| Error::Snapshot(format!("{}: {e}", path.display()));
    let list = serde_json::from_str::<JsonTop<'_>>(text)
        .ok()
        .filter(|t| t.kind.as_deref().is_some_and(|k| k.ends_with("List")))
        .and_then(|t| {
            let items = t.items?;
            let items =
                serde_json::from_str::<Vec<&serde_json::value::RawValue>>(items.get()).ok()?;
            Some((t.kind.unwrap_or_default(), t.api_version, items))
        });
    let Some((list_kind, list_api, items)) = list else {
        return add(serde_json::from_str::<Value>(text).map_err(bad)?);
    };
    let list_api = list_api.map(Value::String);
    for raw in items {
        let mut item = serde_json::from_str::<Value>(raw.get()).map_err(bad)?;
        type_list_item(&mut item, &list_kind, list_api.as_ref());
        add(item)?;
    }
    Ok(())
}

fn flatten_lists(v: Value, out: &mut Vec<Value>) {
    let is_list = v
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && v.get("items").is_some_and(Value::is_array);
    if !is_list {
        out.push(v);
        return;
    }
    let list_kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let list_api = v.get("apiVersion").cloned();
    if let Value::Object(mut m) = v
        && let Some(Value::Array(items)) = m.remove("items")
    {
        for mut item in items {
            type_list_item(&mut item, &list_kind, list_api.as_ref());
            flatten_lists(item, out);
        }
    }
}

/// A typed list (PodList) omits kind and apiVersion on its items; take them from the list.
fn type_list_item(item: &mut Value, list_kind: &str, list_api: Option<&Value>) {
    if list_kind == "List" {
        return;
    }
    if let Some(obj) = item.as_object_mut() {
        obj.entry("kind")
            .or_insert_with(|| Value::String(list_kind.trim_end_matches("List").to_string()));
        if let Some(api) = list_api {
            obj.entry("apiVersion").or_insert_with(|| api.clone());
        }
    }
}

/// (group, version, kind) of an object.
pub fn gvk(v: &Value) -> (String, String, String) {
    let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("v1");
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    match api.split_once('/') {
        Some((g, ver)) => (g.to_string(), ver.to_string(), kind),
        None => (String::new(), api.to_string(), kind),
    }
}

fn type_from_crd(v: &Value) -> Option<ResourceType> {
    let spec = v.get("spec")?;
    let names = spec.get("names")?;
    let version = spec
        .get("versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .or_else(|| spec.get("versions")?.as_array()?.first())?
        .get("name")?
        .as_str()?;
    Some(ResourceType {
        group: spec.get("group")?.as_str()?.to_string(),
        version: version.to_string(),
        kind: names.get("kind")?.as_str()?.to_string(),
        plural: names.get("plural")?.as_str()?.to_string(),
        namespaced: spec.get("scope").and_then(Value::as_str) != Some("Cluster"),
        short_names: names
            .get("shortNames")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn read_now(root: &Path) -> Result<Option<Timestamp>> {
    let path = root.join("scenario.yaml");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Snapshot(format!("cannot read {}: {e}", path.display())))?;
    let v: Value = serde_yaml::from_str(&text)
        .map_err(|e| Error::Snapshot(format!("{}: {e}", path.display())))?;
    match v.get("now").and_then(Value::as_str) {
        None => Ok(None),
        Some(s) => s.parse::<Timestamp>().map(Some).map_err(|e| {
            Error::Snapshot(format!(
                "{}: `now: {s}` is not an RFC 3339 time: {e}",
                path.display()
            ))
        }),
    }
}

fn index_logs(dir: &Path) -> Result<BTreeMap<LogKey, PathBuf>> {
    let mut out = BTreeMap::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    for f in files {
        let Ok(rel) = f.strip_prefix(dir) else {
            continue;
        };
        let parts: Vec<_> = rel.iter().filter_map(|p| p.to_str()).collect();
        let [ns, pod, file] = parts.as_slice() else {
            continue;
        };
        let Some(stem) = file.strip_suffix(".log") else {
            continue;
        };
        let (container, previous) = match stem.strip_suffix(".previous") {
            Some(c) => (c, true),
            None => (stem, false),
        };
        out.insert(
            (
                ns.to_string(),
                pod.to_string(),
                container.to_string(),
                previous,
            ),
            f.clone(),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_ranges_and_lookups_search_the_sorted_objects() {
        let obj = |ns: Option<&str>, name: &str| StoredObject {
            name: name.into(),
            namespace: ns.map(str::to_string),
            uid: format!("{ns:?}/{name}"),
            labels: BTreeMap::new(),
            fields: HashMap::new(),
            body: Arc::from("{}"),
            resource_version: 1,
        };
        let mut objects = vec![
            obj(Some("b"), "x"),
            obj(Some("a"), "y"),
            obj(Some("c"), "x"),
            obj(Some("a"), "x"),
            obj(Some("b"), "z"),
        ];
        objects.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let store = TypeStore {
            rtype: kinds::derived_type("", "v1", "Pod", true),
            objects,
        };
        let names = |ns| {
            store
                .in_namespace(ns)
                .iter()
                .map(|o| format!("{}/{}", o.namespace.as_deref().unwrap_or(""), o.name))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Some("a")), ["a/x", "a/y"]);
        assert_eq!(names(Some("b")), ["b/x", "b/z"]);
        assert_eq!(names(Some("c")), ["c/x"]);
        assert!(names(Some("aa")).is_empty() && names(Some("d")).is_empty());
        assert_eq!(names(None).len(), 5);
        assert_eq!(
            store.find(Some("b"), "z").map(|o| o.uid.as_str()),
            Some("Some(\"b\")/z")
        );
        assert!(store.find(Some("b"), "y").is_none() && store.find(None, "x").is_none());
    }
}
