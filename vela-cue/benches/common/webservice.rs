//! KubeVela's `webservice` with its def-doc example: shared by `benches/webservice.rs` and the
//! `webservice_loop` and `memory_flat` examples (included with `#[path]`).

use std::path::PathBuf;

/// The conformance corpus (`VELA_CONFORMANCE_DIR`, or `../shared/conformance/kubevela`).
pub fn corpus() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kubevela")
        })
}

/// The `template` text of KubeVela's `webservice.cue`, as `vela def` extracts it.
pub fn template() -> String {
    let src = std::fs::read_to_string(corpus().join("definitions/component/webservice.cue")).expect("corpus");
    vela_cue::definition::split(&src).expect("definition").template()
}

/// The example of `def-doc/component/webservice.eg.md` and the context KubeVela builds for it.
#[allow(dead_code)]
pub fn inputs() -> (serde_json::Value, serde_json::Value) {
    let parameter = serde_json::json!({
        "cmd": ["node", "server.js"],
        "cpu": "0.1",
        "env": [
            {"name": "FOO", "value": "bar"},
            {"name": "FOO", "valueFrom": {"secretKeyRef": {"key": "bar", "name": "bar"}}}
        ],
        "image": "oamdev/testapp:v1",
        "ports": [{"expose": true, "port": 8080}]
    });
    let context = serde_json::json!({
        "appAnnotations": {}, "appLabels": {}, "appName": "website", "appRevision": "website-v1",
        "appRevisionNum": 1, "cluster": "",
        "clusterVersion": {"gitVersion": "v1.29.0", "major": "1", "minor": 29, "platform": ""},
        "name": "frontend", "namespace": "default", "publishVersion": "", "replicaKey": "",
        "revision": "", "workflowName": ""
    });
    (parameter, context)
}
