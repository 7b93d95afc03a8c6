//! The read-only Kubernetes client wrapper. It exposes get, list and pod logs — nothing else —
//! and enforces the caller's [`Profile`]: denied kinds (Secret always), namespace scope (a
//! cluster-wide list is filtered to the allowed namespaces, not refused).
//!
//! Architecture invariant: this is the only place in ktriage that holds a `kube::Client`; the
//! write verbs of kube-rs are `disallowed-methods` in `clippy.toml`.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{ApiResource, DynamicObject, ListParams, LogParams};
use kube::{Api, Client, Resource};
use rbac::Profile;
use serde::de::DeserializeOwned;

use crate::{Clock, Error, Result};

/// Page size for list calls; a list is always paged so one huge namespace cannot blow memory.
const PAGE: u32 = 500;

/// Build a client for interactive diagnosis: no kube-rs default retry policy (15 retries with
/// backoff up to 1000 s is right for controllers, wrong for an engineer waiting at 3 a.m.), and
/// bounded connect and read timeouts, so a failing API is reported in seconds.
pub fn client_for(mut config: kube::Config) -> Result<Client> {
    config.default_retry = false;
    config.connect_timeout = Some(std::time::Duration::from_secs(10));
    config.read_timeout = Some(std::time::Duration::from_secs(30));
    Client::try_from(config).map_err(|e| Error::Unreachable {
        message: format!("cannot build a Kubernetes client: {e}"),
        source: Some(e),
    })
}

/// A client for `profile`: impersonating its user and groups when it names any, so the API
/// server's own RBAC and audit log apply to the real caller.
pub fn client_for_profile(config: &kube::Config, profile: &Profile) -> Result<Client> {
    let mut config = config.clone();
    if let Some(imp) = &profile.impersonate {
        config.auth_info.impersonate = Some(imp.user.clone());
        config.auth_info.impersonate_groups = (!imp.groups.is_empty()).then(|| imp.groups.clone());
    }
    client_for(config)
}

/// How long API discovery is reused before it is asked again (a CRD installed meanwhile shows
/// up after at most this long).
const DISCOVERY_TTL: std::time::Duration = std::time::Duration::from_secs(60);

type DiscoveryCache = Arc<tokio::sync::Mutex<Option<(std::time::Instant, Arc<kube::Discovery>)>>>;

/// Read-only access to one cluster, scoped by a profile.
#[derive(Clone)]
pub struct KubeReader {
    client: Client,
    clock: Clock,
    profile: Arc<Profile>,
    /// Shared by every clone (and every profile view) of this reader.
    discovery: DiscoveryCache,
}

impl std::fmt::Debug for KubeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeReader")
            .field("profile", &self.profile.name)
            .finish()
    }
}

impl KubeReader {
    pub fn new(client: Client, clock: Clock, profile: Arc<Profile>) -> Self {
        Self {
            client,
            clock,
            profile,
            discovery: Arc::default(),
        }
    }

    /// API discovery, cached for [`DISCOVERY_TTL`]: one round of requests per minute instead of
    /// one per `describe`/`list_objects` call.
    async fn discovery(&self) -> Result<Arc<kube::Discovery>> {
        let mut slot = self.discovery.lock().await;
        if let Some((at, d)) = slot.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(d.clone());
        }
        let d = Arc::new(
            kube::discovery::Discovery::new(self.client.clone())
                .run()
                .await?,
        );
        *slot = Some((std::time::Instant::now(), d.clone()));
        Ok(d)
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The same cluster seen through another profile (same client, so no impersonation change).
    pub fn with_profile(&self, profile: Arc<Profile>) -> Self {
        Self {
            client: self.client.clone(),
            clock: self.clock,
            profile,
            discovery: self.discovery.clone(),
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Fail unless the profile may read objects of `kind`.
    pub fn check_kind(&self, kind: &str) -> Result<()> {
        if self.profile.denies_kind(kind) {
            return Err(Error::Denied(format!(
                "profile `{}` does not allow reading {kind} objects{}",
                self.profile.name,
                if kind.eq_ignore_ascii_case("secret") || kind.eq_ignore_ascii_case("secrets") {
                    " (Secret data never leaves ktriage; reference secrets by name from the pod spec instead)"
                } else {
                    ""
                }
            )));
        }
        Ok(())
    }

    /// Fail unless the profile may read namespace `ns`.
    pub fn check_namespace(&self, ns: &str) -> Result<()> {
        if !self.profile.allows_namespace(ns) {
            return Err(Error::Denied(format!(
                "profile `{}` does not allow namespace `{ns}`",
                self.profile.name
            )));
        }
        Ok(())
    }

    fn check_cluster_scoped(&self, kind: &str) -> Result<()> {
        if !self.profile.cluster_scoped {
            return Err(Error::Denied(format!(
                "profile `{}` does not allow cluster-scoped objects ({kind})",
                self.profile.name
            )));
        }
        Ok(())
    }

    /// List objects of a typed kind in `namespace`, or in every allowed namespace when `None`.
    /// Pages through `continue` tokens and stops after `max` objects (returns whether it stopped).
    pub async fn list<K>(
        &self,
        namespace: Option<&str>,
        lp: &ListParams,
        max: usize,
    ) -> Result<(Vec<K>, bool)>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    {
        self.list_map(namespace, lp, max, |k| k).await
    }

    /// [`list`](Self::list), turning each object into `T` as its page arrives, so a cluster-wide
    /// listing holds one page of full objects at a time, not all of them.
    pub async fn list_map<K, T>(
        &self,
        namespace: Option<&str>,
        lp: &ListParams,
        max: usize,
        mut map: impl FnMut(K) -> T,
    ) -> Result<(Vec<T>, bool)>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    {
        let kind = K::kind(&());
        self.check_kind(&kind)?;
        match namespace {
            Some(ns) => {
                self.check_namespace(ns)?;
                self.paged(
                    Api::<K>::namespaced(self.client.clone(), ns),
                    lp,
                    max,
                    |_| true,
                    &mut map,
                )
                .await
            }
            None => {
                if let Some(literal) = self.literal_namespaces() {
                    let mut out = Vec::new();
                    let mut cut = false;
                    for ns in literal {
                        let (items, c) = self
                            .paged(
                                Api::<K>::namespaced(self.client.clone(), &ns),
                                lp,
                                max - out.len(),
                                |_| true,
                                &mut map,
                            )
                            .await?;
                        out.extend(items);
                        cut |= c;
                        if out.len() >= max {
                            cut = true;
                            break;
                        }
                    }
                    return Ok((out, cut));
                }
                // Cluster-wide, filtered to the profile's namespaces (not refused wholesale).
                let scope = &self.profile.namespaces;
                let unrestricted = scope.is_unrestricted();
                self.paged(
                    Api::<K>::all(self.client.clone()),
                    lp,
                    max,
                    |o: &K| {
                        unrestricted
                            || o.meta()
                                .namespace
                                .as_deref()
                                .is_some_and(|n| scope.allows(n))
                    },
                    &mut map,
                )
                .await
            }
        }
    }

    /// List a cluster-scoped typed kind (Nodes, Namespaces). Namespaces are filtered by scope.
    pub async fn list_cluster<K>(&self, lp: &ListParams, max: usize) -> Result<(Vec<K>, bool)>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
        K: Resource<Scope = k8s_openapi::ClusterResourceScope>,
    {
        let kind = K::kind(&());
        self.check_kind(&kind)?;
        if kind == "Namespace" {
            return self
                .paged(
                    Api::<K>::all(self.client.clone()),
                    lp,
                    max,
                    |o: &K| {
                        o.meta()
                            .name
                            .as_deref()
                            .is_some_and(|n| self.profile.allows_namespace(n))
                    },
                    &mut |k| k,
                )
                .await;
        }
        self.check_cluster_scoped(&kind)?;
        self.paged(
            Api::<K>::all(self.client.clone()),
            lp,
            max,
            |_| true,
            &mut |k| k,
        )
        .await
    }

    /// The namespaces to visit one by one when the profile lists them literally (no patterns),
    /// so a namespaced service account never needs a cluster-wide list permission.
    fn literal_namespaces(&self) -> Option<Vec<String>> {
        let scope = &self.profile.namespaces;
        if scope.is_unrestricted() || scope.allow.iter().any(|p| p.as_str().contains('*')) {
            return None;
        }
        Some(
            scope
                .allow
                .iter()
                .map(|p| p.as_str().to_string())
                .filter(|n| scope.allows(n))
                .collect(),
        )
    }

    /// Page through a list: objects `keep` refuses are skipped (not counted against `max`), the
    /// rest are `map`ped as each page arrives.
    async fn paged<K, T>(
        &self,
        api: Api<K>,
        lp: &ListParams,
        max: usize,
        keep: impl Fn(&K) -> bool,
        map: &mut impl FnMut(K) -> T,
    ) -> Result<(Vec<T>, bool)>
    where
        K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
    {
        let mut out = Vec::new();
        let mut lp = lp.clone();
        lp.limit = Some(PAGE);
        lp.continue_token = None;
        loop {
            let page = api.list(&lp).await.map_err(|e| self.annotate(e, &lp))?;
            let next = page.metadata.continue_.clone().filter(|c| !c.is_empty());
            for item in page.items.into_iter().filter(|o| keep(o)) {
                if out.len() >= max {
                    return Ok((out, true));
                }
                out.push(map(item));
            }
            match next {
                Some(c) => lp.continue_token = Some(c),
                None => return Ok((out, false)),
            }
        }
    }

    fn annotate(&self, e: kube::Error, lp: &ListParams) -> Error {
        match Error::from(e) {
            Error::Api {
                code: 400, message, ..
            } => Error::InvalidInput(format!(
                "the API rejected the selector ({}): {message}",
                [lp.label_selector.as_deref(), lp.field_selector.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            other => other,
        }
    }

    /// Get one namespaced object, `None` when it does not exist.
    pub async fn get<K>(&self, namespace: &str, name: &str) -> Result<Option<K>>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    {
        self.check_kind(&K::kind(&()))?;
        self.check_namespace(namespace)?;
        Ok(Api::<K>::namespaced(self.client.clone(), namespace)
            .get_opt(name)
            .await?)
    }

    /// Get one cluster-scoped object, `None` when it does not exist.
    pub async fn get_cluster<K>(&self, name: &str) -> Result<Option<K>>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug,
        K: Resource<Scope = k8s_openapi::ClusterResourceScope>,
    {
        let kind = K::kind(&());
        self.check_kind(&kind)?;
        if kind == "Namespace" {
            self.check_namespace(name)?;
        } else {
            self.check_cluster_scoped(&kind)?;
        }
        Ok(Api::<K>::all(self.client.clone()).get_opt(name).await?)
    }

    /// List objects of a dynamically discovered type (Gateway API, CRDs).
    pub async fn list_dynamic(
        &self,
        ar: &ApiResource,
        namespaced: bool,
        namespace: Option<&str>,
        lp: &ListParams,
        max: usize,
    ) -> Result<(Vec<DynamicObject>, bool)> {
        self.check_kind(&ar.kind)?;
        let api = match (namespaced, namespace) {
            (true, Some(ns)) => {
                self.check_namespace(ns)?;
                Api::<DynamicObject>::namespaced_with(self.client.clone(), ns, ar)
            }
            (true, None) => Api::<DynamicObject>::all_with(self.client.clone(), ar),
            (false, _) => {
                self.check_cluster_scoped(&ar.kind)?;
                Api::<DynamicObject>::all_with(self.client.clone(), ar)
            }
        };
        let scope = &self.profile.namespaces;
        let filter = namespaced && namespace.is_none() && !scope.is_unrestricted();
        self.paged(
            api,
            lp,
            max,
            |o: &DynamicObject| {
                !filter
                    || o.metadata
                        .namespace
                        .as_deref()
                        .is_some_and(|n| scope.allows(n))
            },
            &mut |o| o,
        )
        .await
    }

    /// Get one object of a dynamically discovered type.
    pub async fn get_dynamic(
        &self,
        ar: &ApiResource,
        namespaced: bool,
        namespace: &str,
        name: &str,
    ) -> Result<Option<DynamicObject>> {
        self.check_kind(&ar.kind)?;
        let api = if namespaced {
            self.check_namespace(namespace)?;
            Api::<DynamicObject>::namespaced_with(self.client.clone(), namespace, ar)
        } else {
            self.check_cluster_scoped(&ar.kind)?;
            Api::<DynamicObject>::all_with(self.client.clone(), ar)
        };
        Ok(api.get_opt(name).await?)
    }

    /// Resolve a kind, plural or short name (`deploy`, `HTTPRoute`, `httproutes.gateway.networking.k8s.io`)
    /// through API discovery.
    pub async fn resolve(&self, kind: &str) -> Result<(ApiResource, bool)> {
        self.check_kind(kind)?;
        let (want, want_group) = match kind.split_once('.') {
            Some((k, g)) => (k.to_ascii_lowercase(), Some(g.to_string())),
            None => (kind.to_ascii_lowercase(), None),
        };
        // Built-in GA kinds every cluster serves need no discovery round trip.
        if want_group.is_none()
            && let Some(&(group, version, k, plural, namespaced, _)) =
                crate::snapshot::kinds::BUILTIN.iter().find(|b| {
                    b.2.eq_ignore_ascii_case(&want) || b.3 == want || b.5.contains(&want.as_str())
                })
        {
            self.check_kind(k)?;
            let gvk = kube::api::GroupVersionKind::gvk(group, version, k);
            return Ok((ApiResource::from_gvk_with_plural(&gvk, plural), namespaced));
        }
        let discovery = self.discovery().await?;
        let mut known = Vec::new();
        for group in discovery.groups() {
            if want_group.as_deref().is_some_and(|g| g != group.name()) {
                continue;
            }
            // Every kind at its most stable version: a group may serve kinds only in a non-preferred
            // version (Gateway API: BackendTLSPolicy in v1alpha3 beside HTTPRoute in v1).
            for (ar, caps) in group.resources_by_stability() {
                let hit = ar.kind.eq_ignore_ascii_case(&want) || ar.plural == want;
                if hit {
                    self.check_kind(&ar.kind)?;
                    return Ok((ar, caps.scope == kube::discovery::Scope::Namespaced));
                }
                known.push(ar.plural.clone());
            }
        }
        // Short names are not in kube's discovery model; map the common ones.
        let long = match want.as_str() {
            "po" => "pods",
            "deploy" => "deployments",
            "rs" => "replicasets",
            "sts" => "statefulsets",
            "ds" => "daemonsets",
            "svc" => "services",
            "ep" => "endpoints",
            "cm" => "configmaps",
            "no" => "nodes",
            "ns" => "namespaces",
            "ev" => "events",
            "hpa" => "horizontalpodautoscalers",
            "pvc" => "persistentvolumeclaims",
            "ing" => "ingresses",
            "netpol" => "networkpolicies",
            "sa" => "serviceaccounts",
            "cj" => "cronjobs",
            "pdb" => "poddisruptionbudgets",
            _ => "",
        };
        if !long.is_empty() {
            return Box::pin(self.resolve(long)).await;
        }
        known.sort();
        known.dedup();
        Err(Error::InvalidInput(format!(
            "unknown kind `{kind}`; this cluster serves: {}",
            known.join(", ")
        )))
    }

    /// Container logs. Always bounded by `limit_bytes`.
    pub async fn logs(&self, namespace: &str, pod: &str, lp: &LogParams) -> Result<String> {
        self.check_kind("Pod")?;
        self.check_namespace(namespace)?;
        let api: Api<k8s_openapi::api::core::v1::Pod> =
            Api::namespaced(self.client.clone(), namespace);
        Ok(api.logs(pod, lp).await?)
    }

    /// Names of the namespaces the profile can see (used for "did you mean" suggestions).
    pub async fn namespace_names(&self) -> Result<Vec<String>> {
        let (items, _) = self
            .list_cluster::<Namespace>(&ListParams::default(), 10_000)
            .await?;
        Ok(items.into_iter().filter_map(|n| n.metadata.name).collect())
    }

    /// Error if `ns` does not exist, suggesting the closest existing name.
    pub async fn ensure_namespace(&self, ns: &str) -> Result<()> {
        self.check_namespace(ns)?;
        if self.get_cluster::<Namespace>(ns).await?.is_some() {
            return Ok(());
        }
        let names = self.namespace_names().await.unwrap_or_default();
        Err(Error::NotFound(not_found_message("namespace", ns, &names)))
    }
}

/// "namespace `paymnts` not found; did you mean `payments`?"
pub fn not_found_message(what: &str, name: &str, candidates: &[String]) -> String {
    not_found_in(what, name, None, candidates)
}

/// "pod `api-x` not found in namespace `payments`; did you mean `api-y`?"
pub fn not_found_in(
    what: &str,
    name: &str,
    namespace: Option<&str>,
    candidates: &[String],
) -> String {
    let not_found = match namespace {
        Some(ns) => format!("{what} `{name}` not found in namespace `{ns}`"),
        None => format!("{what} `{name}` not found"),
    };
    let best = candidates
        .iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2))
        .min();
    match best {
        Some((_, c)) => format!("{not_found}; did you mean `{c}`?"),
        None if candidates.is_empty() => not_found,
        None => {
            let shown: Vec<_> = candidates.iter().take(12).map(String::as_str).collect();
            format!("{not_found}; existing: {}", shown.join(", "))
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        let c = vec!["payments".to_string(), "default".to_string()];
        assert_eq!(
            not_found_message("namespace", "paymnts", &c),
            "namespace `paymnts` not found; did you mean `payments`?"
        );
        assert!(not_found_message("namespace", "zzzzzzzzzz", &c).contains("existing: payments"));
        let pods = vec!["api-7d9f8b6c5d-q8wzt".to_string()];
        assert_eq!(
            not_found_in("pod", "api-7d9f8b6c5d-q8wz", Some("payments"), &pods),
            "pod `api-7d9f8b6c5d-q8wz` not found in namespace `payments`; did you mean `api-7d9f8b6c5d-q8wzt`?"
        );
    }
}
