//! `ktriage snapshot` round trip: capture from a replay, load the capture, compare.

mod common;

use std::sync::Arc;

use tools::k8s::KubeReader;
use tools::snapshot::Snapshot;

#[tokio::test]
async fn capture_from_a_replay_replays_the_same_cluster() {
    let env = common::start(&common::leaky()).await;
    let reader = KubeReader::new(
        env.server.client().expect("client"),
        env.server.clock(),
        Arc::new(rbac::Profile::local()),
    );
    let out = tempfile::tempdir().expect("tempdir");
    let report = tools::snapshot::capture::capture(&reader, &[], out.path(), 1000)
        .await
        .expect("capture");
    assert!(report.log_files >= 3, "{report:?}");
    assert!(env.server.requests().iter().all(|r| r.method == "GET"));

    let original = Snapshot::load(&common::leaky()).expect("original");
    let captured = Snapshot::load(out.path()).expect("captured snapshot loads");
    for (key, store) in &original.types {
        let names = |s: &Snapshot| -> Vec<(Option<String>, String)> {
            s.types
                .get(key)
                .map(|t| {
                    t.objects
                        .iter()
                        .map(|o| (o.namespace.clone(), o.name.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        if store.objects.is_empty() {
            continue;
        }
        assert_eq!(
            names(&original),
            names(&captured),
            "{key:?} differs after the round trip"
        );
    }
    assert_eq!(
        original.logs.keys().collect::<Vec<_>>(),
        captured.logs.keys().collect::<Vec<_>>()
    );

    // The capture is redacted: no planted credential made it to disk.
    let planted = common::list_file(&common::leaky().join("planted.txt"));
    let mut files = Vec::new();
    let mut stack = vec![out.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            if e.path().is_dir() {
                stack.push(e.path())
            } else {
                files.push(e.path())
            }
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).expect("text");
        for s in &planted {
            assert!(
                !text.contains(s.as_str()),
                "{} contains planted {s}",
                f.display()
            );
        }
    }
}
