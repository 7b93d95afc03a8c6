//! The Grafana tools against the Grafana replay of a scenario's grafana/, its datasource
//! answered by a real Prometheus (Debian's) backfilled from the scenario's metrics. The replay's
//! fidelity is checked with a Grafana client this project did not write: the `mcp-grafana`
//! binary (PyPI), driven by the Python MCP SDK. `.ci/install-test-deps` installs all three.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tools::grafana::{GrafanaClient, GrafanaConfig};
use tools::prom_local::LocalPrometheus;
use tools::registry::call;
use tools::replay::grafana::GrafanaReplay;
use tools::tool::ToolContext;

struct Env {
    _k8s: common::Env,
    grafana: GrafanaReplay,
    _prom: LocalPrometheus,
    ctx: ToolContext,
}

async fn start_on(grafana_root: &Path) -> Env {
    let prom = LocalPrometheus::start(&common::demo())
        .unwrap_or_else(|e| panic!("{e}; run .ci/install-test-deps"))
        .expect("the demo scenario has metrics");
    let k8s = common::start(&common::demo()).await;
    let grafana = GrafanaReplay::start(
        grafana_root,
        k8s.server.clock(),
        Some(prom.url().to_string()),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("grafana replay starts");
    let ctx = k8s.ctx.clone().with_grafana(Some(client(&grafana.url())));
    Env {
        _k8s: k8s,
        grafana,
        _prom: prom,
        ctx,
    }
}

fn client(url: &str) -> GrafanaClient {
    GrafanaClient::new(&GrafanaConfig {
        auth: tools::http::Auth::Bearer("not-a-real-token".into()),
        timeout: Duration::from_secs(10),
        ..GrafanaConfig::new(url)
    })
    .expect("client")
}

fn without_ports(text: &str) -> String {
    regex::Regex::new(r"127\.0\.0\.1:\d+")
        .expect("regex")
        .replace_all(text, "GRAFANA")
        .into_owned()
}

#[tokio::test]
async fn search_and_dashboard_summarise_without_the_json_model() {
    let env = start_on(&common::demo()).await;
    let a = call(&env.ctx, "grafana_search", json!({"query": "gateway"}))
        .await
        .expect("search");
    insta::assert_snapshot!("grafana_search", without_ports(&a.text));
    let none = call(&env.ctx, "grafana_search", json!({"tags": ["no-such-tag"]}))
        .await
        .expect("search");
    assert!(none.text.contains("no dashboard matches"), "{}", none.text);

    let d = call(&env.ctx, "grafana_dashboard", json!({"uid": "llm-gateway"}))
        .await
        .expect("dashboard");
    insta::assert_snapshot!("grafana_dashboard", without_ports(&d.text));
    // Every panel with its id and PromQL, grouped by row, in far fewer tokens than the model.
    let model =
        std::fs::read_to_string(common::demo().join("grafana/llm-gateway.json")).expect("model");
    assert!(
        d.text.len() * 2 < model.len(),
        "{} vs {}",
        d.text.len(),
        model.len()
    );
    assert_eq!(d.structured["panels"].as_array().map(Vec::len), Some(13));
    assert!(d.text.contains("row \"GPUs (DCGM)\""), "{}", d.text);
}

#[tokio::test]
async fn panel_data_runs_the_panels_queries_at_the_snapshots_now() {
    let env = start_on(&common::demo()).await;
    let a = call(
        &env.ctx,
        "grafana_panel_data",
        json!({"uid": "llm-gateway", "panel_id": 9, "minutes": 60}),
    )
    .await
    .expect("panel data");
    let out = &a.structured;
    assert_eq!(out["panel"], "Requests running / waiting");
    assert!(
        out["window"]
            .as_str()
            .unwrap_or("")
            .starts_with("2026-11-20T13:30:00Z..2026-11-20T14:30:00Z"),
        "{out}"
    );
    let queries = out["queries"].as_array().expect("queries");
    assert_eq!(queries.len(), 2, "both targets run");
    for q in queries {
        assert!(q["error"].is_null(), "{q}");
        assert!(q["total_series"].as_u64().unwrap_or(0) >= 1, "{q}");
        for s in q["series"].as_array().expect("series") {
            assert!(s["points"].as_array().map_or(0, Vec::len) <= 10);
        }
    }
    assert!(
        out["link"].as_str().unwrap_or("").ends_with(
            "/d/llm-gateway/llm-gateway?from=1795181400000&to=1795185000000&viewPanel=9"
        ),
        "{out}"
    );
    assert!(a.tokens < 1_500, "{} tokens:\n{}", a.tokens, a.text);
}

/// A scratch grafana/ with variables, a datasource variable, a Loki panel and a broken query.
fn scratch_grafana() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("grafana")).expect("mkdir");
    let model = json!({
        "uid": "vars", "title": "With variables", "tags": ["test"],
        "templating": {"list": [
            {"name": "ds", "type": "datasource", "query": "prometheus", "current": {"value": "prom-main"}},
            {"name": "namespace", "type": "query", "query": "label_values(kube_pod_info, namespace)",
             "current": {"value": "kube-system"}}
        ]},
        "panels": [
            {"id": 1, "type": "timeseries", "title": "Restarts",
             "datasource": {"type": "prometheus", "uid": "${ds}"},
             "targets": [{"refId": "A", "expr": "sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace=\"$namespace\"}[$__rate_interval]))"}]},
            {"id": 2, "type": "logs", "title": "Logs",
             "datasource": {"type": "loki", "uid": "loki"},
             "targets": [{"refId": "A", "expr": "{app=\"x\"}"}]},
            {"id": 3, "type": "timeseries", "title": "Broken",
             "datasource": {"type": "prometheus", "uid": "prom-main"},
             "targets": [{"refId": "A", "expr": "sum(rate(x[5m]"}]}
        ]
    });
    std::fs::write(
        dir.path().join("grafana/vars.json"),
        serde_json::to_string(&json!({"dashboard": model, "meta": {"folderTitle": "Tests"}}))
            .expect("json"),
    )
    .expect("write");
    dir
}

#[tokio::test]
async fn variables_are_filled_and_what_cannot_run_says_why() {
    let scratch = scratch_grafana();
    let env = start_on(scratch.path()).await;
    // The dashboard's own value first (kube-system has no vLLM restarts)...
    let a = call(
        &env.ctx,
        "grafana_panel_data",
        json!({"uid": "vars", "panel_id": 1}),
    )
    .await
    .expect("panel data");
    let q = &a.structured["queries"][0];
    assert_eq!(
        q["expr"],
        "sum by (pod) (increase(kube_pod_container_status_restarts_total{namespace=\"kube-system\"}[60s]))"
    );
    assert_eq!(
        a.structured["datasource"], "prom-main",
        "the ${{ds}} variable"
    );
    // ... then the caller's.
    let b = call(
        &env.ctx,
        "grafana_panel_data",
        json!({"uid": "vars", "panel_id": 1, "vars": {"namespace": "llm-serving"}}),
    )
    .await
    .expect("panel data");
    assert!(
        b.structured["queries"][0]["total_series"]
            .as_u64()
            .unwrap_or(0)
            >= 1,
        "{}",
        b.text
    );
    let e = call(
        &env.ctx,
        "grafana_panel_data",
        json!({"uid": "vars", "panel_id": 2}),
    )
    .await
    .expect_err("loki");
    assert!(e.to_string().contains("only Prometheus panels"), "{e}");
    let broken = call(
        &env.ctx,
        "grafana_panel_data",
        json!({"uid": "vars", "panel_id": 3}),
    )
    .await
    .expect("a failing query is reported in the answer");
    assert!(broken.text.contains("error: "), "{}", broken.text);
    assert!(broken.text.contains("parse error"), "{}", broken.text);
    let e = call(
        &env.ctx,
        "grafana_panel_data",
        json!({"uid": "vars", "panel_id": 7}),
    )
    .await
    .expect_err("no panel 7");
    assert!(
        e.to_string()
            .contains("panels: #1 Restarts, #2 Logs, #3 Broken"),
        "{e}"
    );
    let e = call(&env.ctx, "grafana_dashboard", json!({"uid": "nope"}))
        .await
        .expect_err("unknown uid");
    assert!(e.to_string().contains("Dashboard not found"), "{e}");
    let e = call(
        &env.ctx,
        "grafana_dashboard",
        json!({"uid": "../api/admin"}),
    )
    .await
    .expect_err("not a uid");
    assert!(e.to_string().contains("is not a dashboard uid"), "{e}");
    let d = call(&env.ctx, "grafana_dashboard", json!({"uid": "vars"}))
        .await
        .expect("dashboard");
    assert!(d.text.contains("$namespace=kube-system"), "{}", d.text);
    assert!(d.text.contains("folder Tests"), "{}", d.text);
}

#[tokio::test]
async fn grafana_down_or_missing_answers_clearly() {
    let env = common::start(&common::demo()).await;
    let e = call(&env.ctx, "grafana_search", json!({}))
        .await
        .expect_err("not configured");
    assert!(e.to_string().contains("--grafana-url"), "{e}");
    let dead = env
        .ctx
        .clone()
        .with_grafana(Some(client("http://127.0.0.1:9")));
    let e = call(&dead, "grafana_dashboard", json!({"uid": "x"}))
        .await
        .expect_err("down");
    assert!(e.to_string().contains("unreachable"), "{e}");
    // Pointed at something that is not Grafana (the Kubernetes replay answers its own 404).
    let wrong = env
        .ctx
        .clone()
        .with_grafana(Some(client(&env.server.url())));
    let e = call(&wrong, "grafana_search", json!({}))
        .await
        .expect_err("not grafana");
    assert!(e.to_string().contains("Grafana"), "{e}");
}

#[tokio::test]
async fn the_grafana_tools_only_read_and_the_replay_refuses_writes() {
    let env = start_on(&common::demo()).await;
    for (tool, args) in [
        ("grafana_search", json!({})),
        ("grafana_dashboard", json!({"uid": "llm-gateway"})),
        (
            "grafana_panel_data",
            json!({"uid": "llm-gateway", "panel_id": 10}),
        ),
        (
            "grafana_draft_dashboard",
            json!({"title": "t", "signals": ["gateway"]}),
        ),
    ] {
        call(&env.ctx, tool, args).await.expect(tool);
    }
    let seen = env.grafana.requests();
    assert!(seen.len() >= 4, "{seen:?}");
    assert!(seen.iter().all(|r| !r.mutating), "{seen:?}");
    assert!(
        seen.iter()
            .all(|r| r.method == "GET" || (r.method == "POST" && r.path == "/api/ds/query")),
        "{seen:?}"
    );
    // A write through any other client is refused and counted.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/dashboards/db", env.grafana.url()))
        .json(&json!({"dashboard": {"title": "x"}}))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 405);
    assert!(env.grafana.requests().iter().any(|r| r.mutating));
}

#[tokio::test]
async fn a_drafted_dashboard_is_importable_json_and_nothing_is_sent() {
    let env = common::start(&common::demo()).await;
    // No Grafana configured: drafting needs none.
    let a = call(
        &env.ctx,
        "grafana_draft_dashboard",
        json!({"title": "Gateway 5xx vs KV cache and GPU power", "signals": ["upstream_5xx", "kv_cache_usage"],
               "queries": [{"title": "GPU power", "expr": "sum by (Hostname) (DCGM_FI_DEV_POWER_USAGE)", "unit": "watt"}]}),
    )
    .await
    .expect("draft");
    let d = &a.structured["dashboard"];
    let panels = d["panels"].as_array().expect("panels");
    assert_eq!(panels.len(), 3);
    assert_eq!(panels[2]["fieldConfig"]["defaults"]["unit"], "watt");
    assert_eq!(
        panels[1]["gridPos"],
        json!({"h": 8, "w": 12, "x": 12, "y": 0})
    );
    assert_eq!(d["templating"]["list"][0]["type"], "datasource");
    assert!(
        panels
            .iter()
            .all(|p| p["datasource"]["uid"] == "${datasource}")
    );
    // The text carries the same JSON, parseable.
    let line = a
        .text
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("json line");
    let parsed: Value = serde_json::from_str(line).expect("valid JSON");
    assert_eq!(&parsed, d);
    let e = call(
        &env.ctx,
        "grafana_draft_dashboard",
        json!({"title": "x", "signals": ["nope"]}),
    )
    .await
    .expect_err("unknown signal");
    assert!(e.to_string().contains("kv_cache_usage"), "{e}");
}

fn interop(rel: &str) -> PathBuf {
    common::repo_root().join("target/interop").join(rel)
}

#[tokio::test]
async fn mcp_grafana_reads_the_replay_as_it_reads_grafana() {
    let env = start_on(&common::demo()).await;
    let binary = interop("mcp-grafana/mcp_grafana/bin/mcp-grafana");
    let python = interop("venv/bin/python");
    assert!(
        binary.is_file() && python.is_file(),
        "mcp-grafana or the Python MCP SDK is missing; run .ci/install-test-deps"
    );
    let out = tokio::process::Command::new(&python)
        .arg(common::repo_root().join("tools/tests/interop/mcp_grafana_peer.py"))
        .arg(&binary)
        .arg(env.grafana.url())
        .arg("llm-gateway")
        .args([
            "sum by (envoy_response_code_class) (rate(envoy_cluster_upstream_rq_xx[5m]))",
            "2026-11-20T13:30:00Z",
            "2026-11-20T14:30:00Z",
            "30",
        ])
        .output()
        .await
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    for tool in [
        "search_dashboards",
        "get_dashboard_by_uid",
        "get_dashboard_summary",
        "get_dashboard_panel_queries",
        "list_datasources",
        "query_prometheus",
    ] {
        assert_eq!(v[tool]["error"], false, "{tool}: {}", v[tool]["text"]);
    }
    let text = |t: &str| v[t]["text"].as_str().unwrap_or("").to_string();
    assert!(text("search_dashboards").contains("\"uid\":\"llm-gateway\""));
    assert!(text("get_dashboard_by_uid").contains("\"title\":\"LLM Gateway\""));
    assert!(text("get_dashboard_summary").contains("\"panelCount\":16"));
    assert!(text("get_dashboard_panel_queries").contains("vllm:gpu_cache_usage_perc"));
    assert!(text("query_prometheus").contains("\"envoy_response_code_class\":\"5\""));
    // Everything it did was a read.
    assert!(env.grafana.requests().iter().all(|r| !r.mutating));
}

#[tokio::test]
async fn without_metrics_dashboards_still_read_and_panels_say_why_not() {
    let k8s = common::start(&common::demo()).await;
    let grafana = GrafanaReplay::start(
        &common::demo(),
        k8s.server.clock(),
        None,
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("grafana replay starts without Prometheus");
    let ctx = k8s.ctx.clone().with_grafana(Some(client(&grafana.url())));
    let d = call(&ctx, "grafana_dashboard", json!({"uid": "llm-gateway"}))
        .await
        .expect("dashboard");
    assert!(d.text.contains("#10 KV cache usage"), "{}", d.text);
    let e = call(
        &ctx,
        "grafana_panel_data",
        json!({"uid": "llm-gateway", "panel_id": 10}),
    )
    .await
    .expect_err("no datasource data");
    assert!(e.to_string().contains("no metrics/"), "{e}");
}
