//! The metrics tools against a real Prometheus (Debian's), backfilled from the demo scenario's
//! OpenMetrics with promtool. `.ci/install-test-deps` installs both.

mod common;

use serde_json::json;
use tools::prom_local::LocalPrometheus;
use tools::registry::call;

fn prometheus() -> LocalPrometheus {
    LocalPrometheus::start(&common::demo())
        .unwrap_or_else(|e| panic!("{e}; run .ci/install-test-deps"))
        .expect("the demo scenario has metrics")
}

#[tokio::test]
async fn prom_query_summarises_a_range_with_its_change_points() {
    let prom = prometheus();
    let env = common::start(&common::demo()).await;
    let ctx = env
        .ctx
        .clone()
        .with_prom(Some(prom.client().expect("client")));
    let a = call(
        &ctx,
        "prom_query",
        json!({"query": "sum by (envoy_response_code_class) (rate(envoy_cluster_upstream_rq_xx[5m]))", "minutes": 60}),
    )
    .await
    .expect("prom_query");
    let out = &a.structured;
    assert!(out["total_series"].as_u64().unwrap_or(0) >= 1, "{}", a.text);
    // Bounded: at most 10 points per series by default, whatever the window.
    for s in out["series"].as_array().expect("series") {
        assert!(s["points"].as_array().map_or(0, Vec::len) <= 10);
    }
    assert!(a.tokens < 2_100, "{} tokens", a.tokens);
    assert!(
        a.text
            .contains("series, range 2026-11-20T13:30:00Z..2026-11-20T14:30:00Z"),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn bad_promql_unknown_metrics_and_a_down_server_answer_clearly() {
    let prom = prometheus();
    let env = common::start(&common::demo()).await;
    let ctx = env
        .ctx
        .clone()
        .with_prom(Some(prom.client().expect("client")));
    let e = call(&ctx, "prom_query", json!({"query": "sum(rate(x[5m]"}))
        .await
        .expect_err("syntax error");
    assert!(
        e.to_string().contains("Prometheus rejected the query"),
        "{e}"
    );
    let a = call(&ctx, "prom_query", json!({"query": "no_such_metric_total"}))
        .await
        .expect("empty answer, not an error");
    assert!(a.text.contains("no data"), "{}", a.text);
    drop(prom);
    let dead = tools::prom::PromClient::new(&tools::prom::PromConfig {
        url: "http://127.0.0.1:9".into(),
        bearer: None,
        timeout: std::time::Duration::from_secs(2),
    })
    .expect("client");
    let e = call(
        &env.ctx.clone().with_prom(Some(dead)),
        "prom_query",
        json!({"query": "up"}),
    )
    .await
    .expect_err("unreachable");
    assert!(e.to_string().contains("unreachable"), "{e}");
    let e = call(&env.ctx, "prom_query", json!({"query": "up"}))
        .await
        .expect_err("not configured");
    assert!(e.to_string().contains("--prometheus-url"), "{e}");
}

#[tokio::test]
async fn prom_metrics_finds_real_names_with_series_counts() {
    let prom = prometheus();
    let env = common::start(&common::demo()).await;
    let ctx = env
        .ctx
        .clone()
        .with_prom(Some(prom.client().expect("client")));
    let a = call(&ctx, "prom_metrics", json!({"pattern": "vllm:.*"}))
        .await
        .expect("prom_metrics");
    assert!(
        a.text.contains("vllm:gpu_cache_usage_perc  2 series"),
        "{}",
        a.text
    );
    let e = call(&ctx, "prom_metrics", json!({"pattern": ".*"}))
        .await
        .expect_err("too broad");
    assert!(e.to_string().contains("narrows"), "{e}");
    let a = call(
        &ctx,
        "prom_metrics",
        json!({"pattern": "nothing_like_this_.*"}),
    )
    .await
    .expect("empty");
    assert!(a.text.contains("no metric matches"), "{}", a.text);
}

#[tokio::test]
async fn signals_answer_the_curated_queries_and_name_the_missing_exporters() {
    let prom = prometheus();
    let env = common::start(&common::demo()).await;
    let ctx = env
        .ctx
        .clone()
        .with_prom(Some(prom.client().expect("client")));
    let a = call(&ctx, "signals", json!({"kind": "gpu"}))
        .await
        .expect("signals");
    assert!(a.text.contains("gpu_memory_used"), "{}", a.text);
    let out = &a.structured;
    assert!(
        out["answers"].as_array().is_some_and(|v| !v.is_empty()),
        "{}",
        a.text
    );
    let a = call(&ctx, "signals", json!({"kind": "inference"}))
        .await
        .expect("signals");
    assert!(
        a.text.contains("no data: ") && a.text.contains("tgi_queue"),
        "{}",
        a.text
    );
    let e = call(&ctx, "signals", json!({"kind": "database"}))
        .await
        .expect_err("unknown kind");
    assert!(
        e.to_string()
            .contains("gateway, inference, gpu, kubernetes"),
        "{e}"
    );
}
